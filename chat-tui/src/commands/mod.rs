//! The command language of the input line, shared by headless mode and the TUI.
//!
//! A line that does not start with `/` is text for the current conversation; `//` escapes a
//! leading slash, as IRC clients do. Command names are case-insensitive; names of rooms and
//! users are checked here with chat-proto's rules, so a typo is reported before anything is
//! sent.
//!
//! Commands that act on a room take an optional `#room` as their first word, and act on the
//! current room without it (see `groups`); `/create`, `/accept`, `/decline` and `/delete`
//! always name theirs, so that none of them can hit the wrong room by accident.
//!
//! `/me waves` is sent as an ordinary message whose text is `/me waves`: the protocol has no
//! action type, and a control-character marker (IRC's CTCP ACTION) would be stripped before
//! display anyway. Any client that renders a message starting with [`ACTION_PREFIX`] as an
//! action shows `* alice waves`; others show the text as typed, which still reads well.

mod files;
mod groups;
mod suggest;

pub use groups::CLEAR_TOPIC;

use std::path::PathBuf;

use chat_proto::{FileId, MAX_PAGE, NameError, RoomName, Target, UserName};

use crate::client::RoomChange;

/// The start of a message's text that marks it as an action (`/me`).
pub const ACTION_PREFIX: &str = "/me ";

/// The action of a message text, when it is one: `"/me waves"` gives `"waves"`.
pub fn action_text(text: &str) -> Option<&str> {
    text.strip_prefix(ACTION_PREFIX)
}

/// Messages a `/history` without a count fetches.
pub const DEFAULT_HISTORY: u16 = 50;

/// What a line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Text for the current conversation.
    Say(String),
    Join(RoomName),
    /// Leave a room; the current one without an argument.
    Part(Option<RoomName>),
    Msg {
        to: Target,
        text: String,
    },
    /// Open a conversation without sending anything: `/query @user` with no text.
    Query(Target),
    /// An action in the current conversation: `/me waves`.
    Me(String),
    /// Older messages of a conversation; the current one without a target.
    History {
        target: Option<Target>,
        limit: u16,
    },
    /// Every room on the server.
    Rooms,
    /// The members of a room; the current one without an argument.
    Who(Option<RoomName>),
    /// Make a room, owned by the caller, and join it.
    Create {
        room: RoomName,
        private: bool,
    },
    /// A change to a room, the current one unless named: `/invite`, `/kick`, `/op`,
    /// `/topic text`... `/decline` and `/delete` always name it.
    Change {
        room: Option<RoomName>,
        change: RoomChange,
    },
    /// Join a room one is invited to.
    Accept(RoomName),
    /// Show a room's topic; the current room's without an argument.
    Topic(Option<RoomName>),
    /// Post a file to the current conversation.
    Send(PathBuf),
    /// Save a posted file: in the download directory, or at or into the path given.
    Download {
        file: FileId,
        path: Option<PathBuf>,
    },
    /// Show a posted image in a box over the chat (`/preview` too); terminal only.
    View(FileId),
    /// Stop a transfer by its number, or every one.
    Cancel(Option<u64>),
    /// The list of commands and keys.
    Help,
    Quit,
}

/// One line per command, for help screens: the usage and what it does.
pub const HELP: &[(&str, &str)] = &[
    (
        "/join #room",
        "join a room, creating it if it does not exist",
    ),
    ("/part [#room]", "leave a room (the current one by default)"),
    ("/msg @user|#room text", "send to a person or a room"),
    ("/query @user", "open a direct conversation"),
    ("/me text", "an action: shown as \"* you text\""),
    ("/history [target] [n]", "fetch older messages"),
    ("/rooms", "list the public rooms and your private ones"),
    ("/who [#room]", "list a room's members and their roles"),
    (
        "/create #room [--private]",
        "make a room; private: by invitation only",
    ),
    ("/invite [#room] @user", "invite someone to a room"),
    ("/accept #room", "join a room you are invited to"),
    ("/decline #room", "turn an invitation down"),
    (
        "/kick [#room] @user [reason]",
        "remove someone from a room (admins)",
    ),
    (
        "/ban [#room] @user [reason]",
        "remove someone and keep them out (admins)",
    ),
    (
        "/unban [#room] @user",
        "let a banned person back in (admins)",
    ),
    ("/op [#room] @user", "make a member an admin (admins)"),
    ("/deop [#room] @user", "make an admin a member (owner)"),
    (
        "/transfer [#room] @user",
        "hand ownership on; you become an admin",
    ),
    ("/rename [#room] #new", "rename a room (admins)"),
    (
        "/topic [#room] [text|-delete]",
        "show, set (admins) or clear the topic",
    ),
    ("/delete #room", "delete a room and its history (owner)"),
    ("/send PATH", "post a file to the current conversation"),
    (
        "/download ID [PATH]",
        "save a posted file, to your downloads or PATH",
    ),
    ("/view ID", "preview a posted image (Esc closes it)"),
    ("/cancel [N]", "stop transfer N, or every transfer"),
    ("/help", "this list"),
    ("/quit", "leave"),
    ("//text", "send text that starts with a slash"),
];

/// Why a line is not a valid command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("nothing to send")]
    Empty,
    #[error("unknown command /{name}{}", did_you_mean(suggestion.as_deref()))]
    UnknownCommand {
        name: String,
        suggestion: Option<String>,
    },
    #[error("usage: {usage}")]
    Usage {
        command: &'static str,
        usage: &'static str,
    },
    #[error("/{command}: {source}")]
    BadName {
        command: &'static str,
        source: NameError,
    },
    #[error("/{command}: {value:?} is not a count from 1 to {MAX_PAGE}")]
    BadCount {
        command: &'static str,
        value: String,
    },
    #[error("/{command}: {value:?} is not a {what}")]
    BadNumber {
        command: &'static str,
        what: &'static str,
        value: String,
    },
    #[error("/{command}: the {what} is longer than {limit} bytes")]
    TooLong {
        command: &'static str,
        what: &'static str,
        limit: usize,
    },
}

impl ParseError {
    /// The command the error is about, when the line named a known one.
    pub fn command(&self) -> Option<&'static str> {
        match self {
            Self::Usage { command, .. }
            | Self::BadName { command, .. }
            | Self::BadCount { command, .. }
            | Self::BadNumber { command, .. }
            | Self::TooLong { command, .. } => Some(command),
            Self::Empty | Self::UnknownCommand { .. } => None,
        }
    }
}

/// Why `/command` has no room to act on: no room was named, and the current conversation
/// is a direct one (`direct`) or there is none. Said alike in the terminal and headless.
pub fn no_room(command: &str, direct: bool) -> String {
    if direct {
        format!("/{command} acts on a room, not a direct conversation: /{command} #room …")
    } else {
        format!("/{command}: there is no current room: /{command} #room …")
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!("; did you mean /{s}?"))
        .unwrap_or_default()
}

/// Parses one input line, without its line ending.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    if line.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let Some(body) = line.strip_prefix('/') else {
        return Ok(Command::Say(line.to_owned()));
    };
    if body.starts_with('/') {
        return Ok(Command::Say(body.to_owned()));
    }

    let (name, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
    let args = args.trim_start();
    match name.to_ascii_lowercase().as_str() {
        "join" | "j" => join(args),
        "part" | "leave" => part(args),
        "msg" => msg(args),
        "query" => query(args),
        "me" => me(args),
        "help" => no_args(args, "help").map(|()| Command::Help),
        "history" => history(args),
        "rooms" | "list" => no_args(args, "rooms").map(|()| Command::Rooms),
        "who" | "names" => who(args),
        "create" => groups::create(args),
        "invite" => groups::invite(args),
        "accept" => groups::accept(args),
        "decline" => groups::decline(args),
        "kick" | "remove" => groups::kick(args),
        "ban" => groups::ban(args),
        "unban" => groups::unban(args),
        "op" => groups::op(args),
        "deop" => groups::deop(args),
        "transfer" => groups::transfer(args),
        "rename" => groups::rename(args),
        "topic" => groups::topic(args),
        "delete" => groups::delete(args),
        "send" | "upload" => files::send(args),
        "download" | "get" => files::download(args),
        "view" | "preview" => files::view(args),
        "cancel" => files::cancel(args),
        // Anything after /quit is a farewell, which this protocol does not carry.
        "quit" | "exit" => Ok(Command::Quit),
        _ => Err(ParseError::UnknownCommand {
            name: name.to_owned(),
            suggestion: suggest::closest(name).map(str::to_owned),
        }),
    }
}

fn join(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Usage {
        command: "join",
        usage: "/join #room",
    };
    match words(args).as_slice() {
        [room] => Ok(Command::Join(room_name("join", room)?)),
        _ => Err(USAGE),
    }
}

fn part(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Usage {
        command: "part",
        usage: "/part [#room]",
    };
    match words(args).as_slice() {
        [] => Ok(Command::Part(None)),
        [room] => Ok(Command::Part(Some(room_name("part", room)?))),
        _ => Err(USAGE),
    }
}

fn who(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Usage {
        command: "who",
        usage: "/who [#room]",
    };
    match words(args).as_slice() {
        [] => Ok(Command::Who(None)),
        [room] => Ok(Command::Who(Some(room_name("who", room)?))),
        _ => Err(USAGE),
    }
}

/// `/msg TARGET TEXT`: the text is kept as typed from its first non-blank character.
fn msg(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Usage {
        command: "msg",
        usage: "/msg @user|#room text",
    };
    let (to, text) = args.split_once(char::is_whitespace).ok_or(USAGE)?;
    let text = text.trim_start();
    if text.is_empty() {
        return Err(USAGE);
    }
    Ok(Command::Msg {
        to: target("msg", to)?,
        text: text.to_owned(),
    })
}

/// `/query TARGET [TEXT]`: with text it is `/msg`; without, it opens the conversation.
fn query(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Usage {
        command: "query",
        usage: "/query @user [text]",
    };
    match args.split_once(char::is_whitespace) {
        Some((_, text)) if !text.trim().is_empty() => msg(args),
        _ if args.trim().is_empty() => Err(USAGE),
        _ => Ok(Command::Query(target("query", args.trim())?)),
    }
}

/// `/me TEXT`, kept as typed from its first non-blank character.
fn me(args: &str) -> Result<Command, ParseError> {
    if args.trim().is_empty() {
        return Err(ParseError::Usage {
            command: "me",
            usage: "/me text",
        });
    }
    Ok(Command::Me(args.to_owned()))
}

/// `/history [TARGET] [COUNT]`.
fn history(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Usage {
        command: "history",
        usage: "/history [@user|#room] [count]",
    };
    let (target_word, count_word) = match words(args).as_slice() {
        [] => (None, None),
        [word] if word.starts_with(|c: char| c.is_ascii_digit()) => (None, Some(*word)),
        [word] => (Some(*word), None),
        [target, count] => (Some(*target), Some(*count)),
        _ => return Err(USAGE),
    };
    let target = target_word
        .map(|word| target("history", word))
        .transpose()?;
    let limit = count_word.map_or(Ok(DEFAULT_HISTORY), count)?;
    Ok(Command::History { target, limit })
}

fn no_args(args: &str, command: &'static str) -> Result<(), ParseError> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(ParseError::Usage {
            command,
            usage: "no arguments",
        })
    }
}

fn words(args: &str) -> Vec<&str> {
    args.split_whitespace().collect()
}

fn room_name(command: &'static str, word: &str) -> Result<RoomName, ParseError> {
    RoomName::new(word).map_err(|source| ParseError::BadName { command, source })
}

/// `#room`, `@user`, or a bare user name.
fn target(command: &'static str, word: &str) -> Result<Target, ParseError> {
    let parsed = if word.starts_with('#') || word.starts_with('@') {
        word.parse()
    } else {
        UserName::new(word).map(Target::User)
    };
    parsed.map_err(|source| ParseError::BadName { command, source })
}

fn count(word: &str) -> Result<u16, ParseError> {
    word.parse::<u16>()
        .ok()
        .filter(|n| (1..=MAX_PAGE).contains(n))
        .ok_or_else(|| ParseError::BadCount {
            command: "history",
            value: word.to_owned(),
        })
}

#[cfg(test)]
mod tests;
