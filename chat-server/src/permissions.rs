//! Who may do what in a room: the one table every request about a room is checked against.
//!
//! A request is allowed when [`permits`] says so for the caller's [`Standing`] in the room
//! and the room's visibility. Acting on another person (kicking, banning, changing a role)
//! also needs [`may_act_on`]: one may act only on a lower role, so an admin cannot remove
//! another admin or the owner, and the owner cannot be removed at all.
//!
//! The table, read across (O owner, A admin, M member, I invited, B banned, X outsider):
//!
//! | action                                | O | A | M | I | B | X |
//! |---------------------------------------|---|---|---|---|---|---|
//! | read (history, members, topic, files) | ✓ | ✓ | ✓ |   |   |   |
//! | send (messages, files)                | ✓ | ✓ | ✓ |   |   |   |
//! | join a public room                    | ✓ | ✓ | ✓ | ✓ |   | ✓ |
//! | join a private room                   | ✓ | ✓ | ✓ | ✓ |   |   |
//! | accept or decline an invitation       |   |   |   | ✓ |   |   |
//! | leave                                 |   | ✓ | ✓ |   |   |   |
//! | invite, kick, ban, unban              | ✓ | ✓ |   |   |   |   |
//! | promote a member to admin             | ✓ | ✓ |   |   |   |   |
//! | rename, set the topic                 | ✓ | ✓ |   |   |   |   |
//! | demote an admin to member             | ✓ |   |   |   |   |   |
//! | hand ownership on, delete             | ✓ |   |   |   |   |   |
//!
//! Joining a room one is in already succeeds and changes nothing. The owner cannot leave,
//! so that a room never ends up without one: they hand ownership on, or delete the room.

use chat_proto::{ErrorCode, ErrorReply, Role};

/// Someone's relation to a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Member(Role),
    Invited,
    Banned,
    Outsider,
}

/// Everything one can ask to do in or to a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Send,
    Join,
    Answer,
    Leave,
    Invite,
    Kick,
    Ban,
    Unban,
    Promote,
    Demote,
    Rename,
    SetTopic,
    Transfer,
    Delete,
}

impl Action {
    fn describe(self) -> &'static str {
        match self {
            Self::Read => "read this room",
            Self::Send => "send to this room",
            Self::Join => "join this room",
            Self::Answer => "answer an invitation to this room",
            Self::Leave => "leave this room",
            Self::Invite => "invite people to this room",
            Self::Kick => "remove people from this room",
            Self::Ban => "ban people from this room",
            Self::Unban => "unban people from this room",
            Self::Promote => "make people admins of this room",
            Self::Demote => "make admins members of this room",
            Self::Rename => "rename this room",
            Self::SetTopic => "set this room's topic",
            Self::Transfer => "hand this room's ownership on",
            Self::Delete => "delete this room",
        }
    }
}

/// Whether someone of `standing` may take `action` in a room that is `private` or not.
pub fn permits(action: Action, standing: Standing, private: bool) -> bool {
    use Action::{
        Answer, Ban, Delete, Demote, Invite, Join, Kick, Leave, Promote, Read, Rename, Send,
        SetTopic, Transfer, Unban,
    };
    use Standing::{Banned, Invited, Member, Outsider};
    let moderator = matches!(standing, Member(Role::Owner | Role::Admin));
    match action {
        Read | Send => matches!(standing, Member(_)),
        Join => match standing {
            Member(_) | Invited => true,
            Outsider => !private,
            Banned => false,
        },
        Answer => standing == Invited,
        Leave => matches!(standing, Member(Role::Admin | Role::Member)),
        Invite | Kick | Ban | Unban | Promote | Rename | SetTopic => moderator,
        // Only the owner outranks an admin.
        Demote | Transfer | Delete => standing == Member(Role::Owner),
    }
}

/// [`permits`], as the error a refused client gets.
pub fn check(action: Action, standing: Standing, private: bool) -> Result<(), ErrorReply> {
    if permits(action, standing, private) {
        Ok(())
    } else {
        Err(refusal(action, standing, private))
    }
}

/// The error for someone of `standing` refused `action`, saying why.
pub fn refusal(action: Action, standing: Standing, private: bool) -> ErrorReply {
    let why = match standing {
        Standing::Banned => "you are banned from this room".to_owned(),
        Standing::Member(Role::Owner) if action == Action::Leave => {
            "the owner cannot leave: hand ownership on or delete the room".to_owned()
        }
        Standing::Member(role) => format!("a room {} cannot {}", role.as_str(), action.describe()),
        Standing::Invited | Standing::Outsider if private && action == Action::Join => {
            "this room is private: it is joined by invitation".to_owned()
        }
        Standing::Invited | Standing::Outsider => {
            format!("only members can {}", action.describe())
        }
    };
    ErrorReply::new(ErrorCode::Forbidden, why)
}

/// Whether a member holding `actor` may act on someone holding `target`: only on a lower
/// role.
pub fn may_act_on(actor: Role, target: Role) -> Result<(), ErrorReply> {
    if actor.outranks(target) {
        Ok(())
    } else {
        Err(ErrorReply::new(
            ErrorCode::Forbidden,
            format!(
                "a room {} cannot act on a room {}",
                actor.as_str(),
                target.as_str()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STANDINGS: [Standing; 6] = [
        Standing::Member(Role::Owner),
        Standing::Member(Role::Admin),
        Standing::Member(Role::Member),
        Standing::Invited,
        Standing::Banned,
        Standing::Outsider,
    ];

    /// The table of the module's documentation, row by row, in the order of `STANDINGS`.
    #[test]
    fn the_table_is_as_documented() {
        use Action::*;
        let rows: &[(Action, bool, [u8; 6])] = &[
            (Read, false, [1, 1, 1, 0, 0, 0]),
            (Send, false, [1, 1, 1, 0, 0, 0]),
            (Join, false, [1, 1, 1, 1, 0, 1]),
            (Join, true, [1, 1, 1, 1, 0, 0]),
            (Answer, false, [0, 0, 0, 1, 0, 0]),
            (Leave, false, [0, 1, 1, 0, 0, 0]),
            (Invite, false, [1, 1, 0, 0, 0, 0]),
            (Kick, false, [1, 1, 0, 0, 0, 0]),
            (Ban, false, [1, 1, 0, 0, 0, 0]),
            (Unban, false, [1, 1, 0, 0, 0, 0]),
            (Promote, false, [1, 1, 0, 0, 0, 0]),
            (Demote, false, [1, 0, 0, 0, 0, 0]),
            (Rename, false, [1, 1, 0, 0, 0, 0]),
            (SetTopic, false, [1, 1, 0, 0, 0, 0]),
            (Transfer, false, [1, 0, 0, 0, 0, 0]),
            (Delete, false, [1, 0, 0, 0, 0, 0]),
        ];
        for &(action, private, expected) in rows {
            for (standing, allowed) in STANDINGS.into_iter().zip(expected) {
                assert_eq!(
                    permits(action, standing, private),
                    allowed == 1,
                    "{action:?} by {standing:?} (private: {private})"
                );
                if action != Join {
                    assert_eq!(
                        permits(action, standing, !private),
                        allowed == 1,
                        "{action:?} does not depend on visibility"
                    );
                }
            }
        }
    }

    #[test]
    fn refusals_are_forbidden_and_say_why() {
        let err = check(Action::Leave, Standing::Member(Role::Owner), false).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert!(err.message.contains("hand ownership on"), "{}", err.message);
        let err = check(Action::Join, Standing::Outsider, true).unwrap_err();
        assert!(err.message.contains("private"), "{}", err.message);
        let err = check(Action::Kick, Standing::Member(Role::Member), false).unwrap_err();
        assert_eq!(
            err.message,
            "a room member cannot remove people from this room"
        );
    }

    #[test]
    fn only_lower_roles_can_be_acted_on() {
        assert!(may_act_on(Role::Owner, Role::Admin).is_ok());
        assert!(may_act_on(Role::Admin, Role::Member).is_ok());
        assert!(may_act_on(Role::Admin, Role::Admin).is_err());
        assert!(may_act_on(Role::Admin, Role::Owner).is_err());
        assert!(may_act_on(Role::Owner, Role::Owner).is_err());
    }
}
