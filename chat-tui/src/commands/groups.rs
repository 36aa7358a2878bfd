//! The commands that manage rooms as groups.
//!
//! Those that act on a room take it as an optional first word starting with `#`; without
//! one they act on the current room. So `/topic #rust is fun` sets the topic of `#rust` to
//! "is fun": a topic for the current room that starts with `#` names the room first. A
//! person is `@bob` or plain `bob`; a reason is the rest of the line, as typed.

use chat_proto::{MAX_REASON_LEN, MAX_TOPIC_LEN, Role, RoomName, UserName};

use super::{Command, ParseError, room_name, words};
use crate::client::RoomChange;

/// What `/topic -delete` says: clear the topic. Borrowed from irssi and WeeChat.
pub const CLEAR_TOPIC: &str = "-delete";

/// `/create #room [--private]`, the flag before or after the room.
pub fn create(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = usage("create", "/create #room [--private]");
    let mut private = false;
    let mut room = None;
    for word in words(args) {
        match word {
            "--private" | "-p" if !private => private = true,
            word if room.is_none() && !word.starts_with('-') => {
                room = Some(room_name("create", word)?);
            }
            _ => return Err(USAGE),
        }
    }
    let room = room.ok_or(USAGE)?;
    Ok(Command::Create { room, private })
}

pub fn invite(args: &str) -> Result<Command, ParseError> {
    on_user(
        args,
        usage("invite", "/invite [#room] @user"),
        RoomChange::Invite,
    )
}

pub fn accept(args: &str) -> Result<Command, ParseError> {
    one_room(args, usage("accept", "/accept #room")).map(Command::Accept)
}

pub fn decline(args: &str) -> Result<Command, ParseError> {
    let room = one_room(args, usage("decline", "/decline #room"))?;
    Ok(change(Some(room), RoomChange::Decline))
}

pub fn kick(args: &str) -> Result<Command, ParseError> {
    with_reason(
        args,
        usage("kick", "/kick [#room] @user [reason]"),
        |user, reason| RoomChange::Kick { user, reason },
    )
}

pub fn ban(args: &str) -> Result<Command, ParseError> {
    with_reason(
        args,
        usage("ban", "/ban [#room] @user [reason]"),
        |user, reason| RoomChange::Ban { user, reason },
    )
}

pub fn unban(args: &str) -> Result<Command, ParseError> {
    on_user(
        args,
        usage("unban", "/unban [#room] @user"),
        RoomChange::Unban,
    )
}

pub fn op(args: &str) -> Result<Command, ParseError> {
    set_role(args, usage("op", "/op [#room] @user"), Role::Admin)
}

pub fn deop(args: &str) -> Result<Command, ParseError> {
    set_role(args, usage("deop", "/deop [#room] @user"), Role::Member)
}

pub fn transfer(args: &str) -> Result<Command, ParseError> {
    set_role(
        args,
        usage("transfer", "/transfer [#room] @user"),
        Role::Owner,
    )
}

/// `/rename [#room] #new`: with one name, the current room is renamed to it.
pub fn rename(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = usage("rename", "/rename [#room] #new");
    let (room, to) = match words(args).as_slice() {
        [to] => (None, *to),
        [room, to] => (Some(room_name("rename", room)?), *to),
        _ => return Err(USAGE),
    };
    let to = room_name("rename", to)?;
    Ok(change(room, RoomChange::Rename(to)))
}

/// `/topic [#room]` shows the topic, `/topic [#room] text` sets it, and
/// `/topic [#room] -delete` clears it.
pub fn topic(args: &str) -> Result<Command, ParseError> {
    let (room, text) = room_first("topic", args)?;
    let text = text.trim_end();
    if text.is_empty() {
        return Ok(Command::Topic(room));
    }
    let topic = if text == CLEAR_TOPIC { "" } else { text };
    if topic.len() > MAX_TOPIC_LEN {
        return Err(too_long("topic", "topic", MAX_TOPIC_LEN));
    }
    Ok(change(room, RoomChange::SetTopic(topic.to_owned())))
}

/// `/delete #room`: the room is never implied, so that the current one is not deleted by a
/// slip of the keyboard.
pub fn delete(args: &str) -> Result<Command, ParseError> {
    let room = one_room(args, usage("delete", "/delete #room"))?;
    Ok(change(Some(room), RoomChange::Delete))
}

fn change(room: Option<RoomName>, change: RoomChange) -> Command {
    Command::Change { room, change }
}

const fn usage(command: &'static str, usage: &'static str) -> ParseError {
    ParseError::Usage { command, usage }
}

fn command_of(usage: &ParseError) -> &'static str {
    usage.command().unwrap_or("?")
}

fn too_long(command: &'static str, what: &'static str, limit: usize) -> ParseError {
    ParseError::TooLong {
        command,
        what,
        limit,
    }
}

/// Exactly one room, which is required.
fn one_room(args: &str, usage: ParseError) -> Result<RoomName, ParseError> {
    match words(args).as_slice() {
        [room] => room_name(command_of(&usage), room),
        _ => Err(usage),
    }
}

/// The optional room that starts `args`, and the rest from its first non-blank character.
fn room_first<'a>(
    command: &'static str,
    args: &'a str,
) -> Result<(Option<RoomName>, &'a str), ParseError> {
    if !args.starts_with('#') {
        return Ok((None, args));
    }
    let (word, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    Ok((Some(room_name(command, word)?), rest.trim_start()))
}

/// `[#room] @user`.
fn on_user(
    args: &str,
    usage: ParseError,
    make: impl FnOnce(UserName) -> RoomChange,
) -> Result<Command, ParseError> {
    let command = command_of(&usage);
    let (room, rest) = room_first(command, args)?;
    match words(rest).as_slice() {
        [user] => Ok(change(room, make(user_name(command, user)?))),
        _ => Err(usage),
    }
}

fn set_role(args: &str, usage: ParseError, role: Role) -> Result<Command, ParseError> {
    on_user(args, usage, |user| RoomChange::SetRole { user, role })
}

/// `[#room] @user [reason]`.
fn with_reason(
    args: &str,
    usage: ParseError,
    make: impl FnOnce(UserName, String) -> RoomChange,
) -> Result<Command, ParseError> {
    let command = command_of(&usage);
    let (room, rest) = room_first(command, args)?;
    let (user, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if user.is_empty() {
        return Err(usage);
    }
    let reason = reason.trim();
    if reason.len() > MAX_REASON_LEN {
        return Err(too_long(command, "reason", MAX_REASON_LEN));
    }
    let user = user_name(command, user)?;
    Ok(change(room, make(user, reason.to_owned())))
}

/// `@bob` or `bob`.
fn user_name(command: &'static str, word: &str) -> Result<UserName, ParseError> {
    let bare = word.strip_prefix('@').unwrap_or(word);
    UserName::new(bare).map_err(|source| ParseError::BadName { command, source })
}

#[cfg(test)]
mod tests {
    use super::super::{no_room, parse};
    use super::*;

    fn room(name: &str) -> RoomName {
        RoomName::new(name).unwrap()
    }

    fn user(name: &str) -> UserName {
        UserName::new(name).unwrap()
    }

    fn change_of(room_name: Option<&str>, change: RoomChange) -> Command {
        Command::Change {
            room: room_name.map(room),
            change,
        }
    }

    fn usage_of(line: &str) -> &'static str {
        match parse(line) {
            Err(ParseError::Usage { command, .. }) => command,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn create_names_its_room_and_may_make_it_private() {
        let create = |private| Command::Create {
            room: room("plans"),
            private,
        };
        assert_eq!(parse("/create #plans"), Ok(create(false)));
        assert_eq!(parse("/create #plans --private"), Ok(create(true)));
        assert_eq!(parse("/create -p plans"), Ok(create(true)));
        for line in [
            "/create",
            "/create --private",
            "/create #a #b",
            "/create #a -x",
        ] {
            assert_eq!(usage_of(line), "create", "{line}");
        }
    }

    #[test]
    fn people_are_named_with_or_without_at_and_the_room_is_optional() {
        let bob = || RoomChange::Invite(user("bob"));
        assert_eq!(parse("/invite @bob"), Ok(change_of(None, bob())));
        assert_eq!(parse("/invite bob"), Ok(change_of(None, bob())));
        assert_eq!(
            parse("/invite #plans @bob"),
            Ok(change_of(Some("plans"), bob()))
        );
        assert_eq!(
            parse("/unban #plans bob"),
            Ok(change_of(Some("plans"), RoomChange::Unban(user("bob"))))
        );
        assert_eq!(usage_of("/invite"), "invite");
        assert_eq!(usage_of("/invite #plans"), "invite");
        assert_eq!(usage_of("/invite @bob @carol"), "invite");
        assert!(matches!(
            parse("/invite @b!b"),
            Err(ParseError::BadName {
                command: "invite",
                ..
            })
        ));
    }

    #[test]
    fn kicks_and_bans_keep_the_reason_as_typed() {
        let kick = |reason: &str| RoomChange::Kick {
            user: user("bob"),
            reason: reason.into(),
        };
        assert_eq!(parse("/kick @bob"), Ok(change_of(None, kick(""))));
        assert_eq!(
            parse("/kick #a bob  too  much spam "),
            Ok(change_of(Some("a"), kick("too  much spam")))
        );
        assert_eq!(parse("/remove bob x"), Ok(change_of(None, kick("x"))));
        assert_eq!(
            parse("/ban @bob spam"),
            Ok(change_of(
                None,
                RoomChange::Ban {
                    user: user("bob"),
                    reason: "spam".into()
                }
            ))
        );
        assert_eq!(usage_of("/kick"), "kick");
        assert_eq!(usage_of("/ban #a"), "ban");
        let long = format!("/kick bob {}", "x".repeat(MAX_REASON_LEN + 1));
        assert!(matches!(
            parse(&long),
            Err(ParseError::TooLong {
                command: "kick",
                ..
            })
        ));
    }

    #[test]
    fn roles_are_given_by_op_deop_and_transfer() {
        let set = |role| RoomChange::SetRole {
            user: user("bob"),
            role,
        };
        assert_eq!(parse("/op @bob"), Ok(change_of(None, set(Role::Admin))));
        assert_eq!(
            parse("/deop #a bob"),
            Ok(change_of(Some("a"), set(Role::Member)))
        );
        assert_eq!(
            parse("/transfer bob"),
            Ok(change_of(None, set(Role::Owner)))
        );
        assert_eq!(usage_of("/transfer"), "transfer");
    }

    #[test]
    fn rename_takes_the_new_name_and_optionally_the_room() {
        let to = || RoomChange::Rename(room("new"));
        assert_eq!(parse("/rename #new"), Ok(change_of(None, to())));
        assert_eq!(parse("/rename new"), Ok(change_of(None, to())));
        assert_eq!(parse("/rename #old #new"), Ok(change_of(Some("old"), to())));
        assert_eq!(usage_of("/rename"), "rename");
        assert_eq!(usage_of("/rename #a #b #c"), "rename");
    }

    #[test]
    fn topic_shows_sets_or_clears() {
        assert_eq!(parse("/topic"), Ok(Command::Topic(None)));
        assert_eq!(parse("/topic #a  "), Ok(Command::Topic(Some(room("a")))));
        let set = |topic: &str| RoomChange::SetTopic(topic.into());
        assert_eq!(
            parse("/topic release  on friday "),
            Ok(change_of(None, set("release  on friday")))
        );
        assert_eq!(
            parse("/topic #a #1 again"),
            Ok(change_of(Some("a"), set("#1 again")))
        );
        assert_eq!(parse("/topic -delete"), Ok(change_of(None, set(""))));
        assert_eq!(
            parse("/topic #a -delete"),
            Ok(change_of(Some("a"), set("")))
        );
        let long = format!("/topic {}", "x".repeat(MAX_TOPIC_LEN + 1));
        assert!(matches!(parse(&long), Err(ParseError::TooLong { .. })));
    }

    #[test]
    fn invitations_deletion_and_declining_always_name_the_room() {
        assert_eq!(parse("/accept #a"), Ok(Command::Accept(room("a"))));
        assert_eq!(
            parse("/decline a"),
            Ok(change_of(Some("a"), RoomChange::Decline))
        );
        assert_eq!(
            parse("/delete #a"),
            Ok(change_of(Some("a"), RoomChange::Delete))
        );
        for (line, command) in [
            ("/accept", "accept"),
            ("/decline", "decline"),
            ("/delete", "delete"),
            ("/delete #a #b", "delete"),
        ] {
            assert_eq!(usage_of(line), command, "{line}");
        }
    }

    #[test]
    fn a_command_without_a_room_says_why() {
        assert_eq!(
            no_room("kick", true),
            "/kick acts on a room, not a direct conversation: /kick #room …"
        );
        assert_eq!(
            no_room("topic", false),
            "/topic: there is no current room: /topic #room …"
        );
    }

    #[test]
    fn mistyped_group_commands_are_suggested() {
        assert_eq!(
            parse("/kcik bob").unwrap_err().to_string(),
            "unknown command /kcik; did you mean /kick?"
        );
        assert_eq!(
            parse("/trnasfer bob").unwrap_err().to_string(),
            "unknown command /trnasfer; did you mean /transfer?"
        );
    }
}
