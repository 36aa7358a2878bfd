//! The JSON lines headless mode prints: one object per line, each with a `"type"`.
//!
//! The shapes are a public interface for scripts, so they are spelled out as types here and
//! pinned by tests. Text from the network goes through `serde_json`, which escapes control
//! characters, so a peer cannot break a line or drive a terminal.

use chat_proto::{
    Body, FileInfo, Invitation, Member, Message, RoomSummary, Session, Target, UserName,
};
use serde::Serialize;

use super::groups::EventInfo;
use crate::client::{ClientError, ClientEvent, Progress, TransferError, Uploaded};
use crate::commands::ParseError;
use crate::room_event;

/// One line of output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output {
    /// Logged in and caught up; commands are accepted from now on.
    Ready {
        user: String,
        rooms: Vec<String>,
    },
    Message {
        id: u64,
        /// The conversation as the reader sees it: `#room`, or `@peer` for a DM.
        target: String,
        from: String,
        text: String,
        /// Commit time, unix milliseconds.
        ts: i64,
        /// Printed in answer to `/history`, rather than received.
        history: bool,
    },
    /// A change to a room, made by `from`, from the room's history like a message.
    ///
    /// The kicks and bans that removed the reader while away print this way too, right
    /// after `ready` and the open invitations, with `history` false as if live: they are
    /// news to the reader, and no `/history` asked for them.
    RoomEvent {
        id: u64,
        /// The room, by its name when the event was sent; after a rename, the new name.
        target: String,
        from: String,
        event: EventInfo,
        /// The change in words, as the terminal client shows it; one clean line.
        text: String,
        ts: i64,
        history: bool,
    },
    /// A file posted to a conversation, live or from history like a message.
    File {
        id: u64,
        target: String,
        from: String,
        file: FileOut,
        ts: i64,
        history: bool,
    },
    /// An invitation to a room: live, or after `ready`, one line per invitation still open.
    Invited {
        room: String,
        by: String,
    },
    /// A room the reader was in is gone, with its history.
    RoomDeleted {
        room: String,
        by: String,
    },
    /// A command succeeded.
    Ok(Done),
    Error {
        /// A stable snake-case code: the server's, or one of the client's own.
        code: &'static str,
        message: String,
        /// The command that failed; absent when the line named none.
        #[serde(skip_serializing_if = "Option::is_none")]
        command: Option<&'static str>,
    },
    Joined {
        room: String,
        user: String,
    },
    Left {
        room: String,
        user: String,
    },
    Presence {
        user: String,
        online: bool,
    },
    Disconnected {
        reason: String,
    },
    Reconnected,
    /// How far a `/send` or `/download` has come; at most a few lines a second for each.
    Progress {
        /// The transfer's number, for `/cancel`.
        transfer: u64,
        /// `upload` or `download`.
        direction: &'static str,
        name: String,
        bytes: u64,
        total: u64,
        /// Bytes per second so far.
        rate: u64,
    },
}

/// What a successful command did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Done {
    Join {
        room: String,
        members: u32,
    },
    Part {
        room: String,
    },
    /// A message sent, by `/msg` or as plain text.
    Msg {
        id: u64,
        target: String,
        duplicate: bool,
    },
    /// Follows the `count` messages of the page.
    History {
        target: String,
        count: usize,
        complete: bool,
    },
    Rooms {
        rooms: Vec<RoomInfo>,
    },
    /// `/query` made this the current conversation.
    Query {
        target: String,
    },
    /// The usage of every command.
    Help {
        commands: Vec<String>,
    },
    Who {
        room: String,
        members: Vec<MemberInfo>,
    },
    /// A room made; the reader is in it, and it is the current room.
    Create {
        room: String,
        private: bool,
    },
    Invite {
        room: String,
        user: String,
    },
    /// Joined a room by invitation, as `join` does.
    Accept {
        room: String,
        members: u32,
    },
    Decline {
        room: String,
    },
    Kick {
        room: String,
        user: String,
    },
    Ban {
        room: String,
        user: String,
    },
    Unban {
        room: String,
        user: String,
    },
    Op {
        room: String,
        user: String,
    },
    Deop {
        room: String,
        user: String,
    },
    Transfer {
        room: String,
        user: String,
    },
    Rename {
        room: String,
        to: String,
    },
    /// The topic set, cleared (empty), or asked for.
    Topic {
        room: String,
        topic: String,
    },
    Delete {
        room: String,
    },
    /// A file posted: its message's id and the file's details.
    Send {
        id: u64,
        target: String,
        duplicate: bool,
        file: SentFile,
    },
    /// A file saved, where, and its checksum, which the bytes written were checked against.
    Download {
        file: u64,
        path: String,
        size: u64,
        sha256: String,
    },
    /// The transfers stopped, by number; each also fails with `cancelled`.
    Cancel {
        transfers: Vec<u64>,
    },
    Quit,
}

/// A posted file, as `/send` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentFile {
    /// For `/download`.
    pub id: u64,
    pub name: String,
    pub size: u64,
    pub media_type: String,
    pub sha256: String,
}

impl From<&Uploaded> for SentFile {
    fn from(uploaded: &Uploaded) -> Self {
        Self {
            id: uploaded.file_id.0,
            name: uploaded.file.name.clone(),
            size: uploaded.file.size,
            media_type: uploaded.file.media_type.clone(),
            sha256: uploaded.file.sha256.to_hex(),
        }
    }
}

/// A posted file's details, as `/download` takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileOut {
    pub id: u64,
    /// As the sender gave it; a script must not use it as a path as it is.
    pub name: String,
    pub size: u64,
    pub media_type: String,
    /// Lower-case hex.
    pub sha256: String,
}

impl From<&FileInfo> for FileOut {
    fn from(file: &FileInfo) -> Self {
        Self {
            id: file.id.0,
            name: file.name.clone(),
            size: file.size,
            media_type: file.media_type.clone(),
            sha256: file.sha256.to_hex(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomInfo {
    pub name: String,
    pub members: u32,
    pub private: bool,
    /// Empty when none is set.
    pub topic: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberInfo {
    pub user: String,
    pub online: bool,
    /// "owner", "admin" or "member".
    pub role: &'static str,
}

impl Output {
    pub fn ready(session: &Session) -> Self {
        let rooms = session
            .rooms
            .iter()
            .map(|room| room.name.to_string())
            .collect();
        Self::Ready {
            user: session.user.to_string(),
            rooms,
        }
    }

    /// A message, or the room event it carries.
    pub fn message(message: Message, conversation: &Target, history: bool) -> Self {
        match message.body {
            Body::Text(text) => Self::Message {
                id: message.id.0,
                target: conversation.to_string(),
                from: message.from.to_string(),
                text,
                ts: message.ts_ms,
                history,
            },
            Body::Event(event) => Self::RoomEvent {
                id: message.id.0,
                target: conversation.to_string(),
                text: room_event::describe(&message.from, &event),
                from: message.from.to_string(),
                event: EventInfo::from(&event),
                ts: message.ts_ms,
                history,
            },
            Body::File(file) => Self::File {
                id: message.id.0,
                target: conversation.to_string(),
                from: message.from.to_string(),
                file: FileOut::from(&file),
                ts: message.ts_ms,
                history,
            },
        }
    }

    /// An invitation waiting for an answer.
    pub fn invited(invitation: &Invitation) -> Self {
        Self::Invited {
            room: invitation.room.to_string(),
            by: invitation.by.to_string(),
        }
    }

    /// A page of history, as `reader` sees it.
    pub fn history_message(message: Message, reader: &UserName) -> Self {
        let conversation = message.to.seen_by(reader, &message.from);
        Self::message(message, &conversation, true)
    }

    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        command: Option<&'static str>,
    ) -> Self {
        Self::Error {
            code,
            message: message.into(),
            command,
        }
    }

    /// A failed connect: the client's own code, which says which side is at fault.
    pub fn connect_failed(err: &ClientError) -> Self {
        Self::error(err.code(), err.to_string(), None)
    }

    /// A failed command: the server's code, `closed`, or else `disconnected`.
    pub fn failed(err: &ClientError, command: &'static str) -> Self {
        let code = match err {
            ClientError::Server(_) | ClientError::Closed => err.code(),
            _ => "disconnected",
        };
        Self::error(code, err.to_string(), Some(command))
    }

    /// A failed transfer: the server's code, or the client's own (`cancelled`, `file`,
    /// `checksum_mismatch`...).
    pub fn transfer_failed(err: &TransferError, command: &'static str) -> Self {
        match err {
            TransferError::Client(err) => Self::failed(err, command),
            err => Self::error(err.code(), err.to_string(), Some(command)),
        }
    }

    /// A transfer's progress.
    pub fn progress(transfer: u64, direction: &'static str, progress: Progress) -> Self {
        Self::Progress {
            transfer,
            direction,
            name: progress.name,
            bytes: progress.bytes,
            total: progress.total,
            rate: progress.rate,
        }
    }

    /// A line that did not parse.
    pub fn bad_command(err: &ParseError) -> Self {
        let code = match err {
            ParseError::UnknownCommand { .. } => "unknown_command",
            _ => "bad_command",
        };
        Self::error(code, err.to_string(), err.command())
    }

    pub fn done(done: Done) -> Self {
        Self::Ok(done)
    }
}

impl From<ClientEvent> for Output {
    fn from(event: ClientEvent) -> Self {
        match event {
            ClientEvent::Message {
                message,
                conversation,
                history,
            } => Self::message(message, &conversation, history),
            ClientEvent::Joined { room, user } => Self::Joined {
                room: room.to_string(),
                user: user.to_string(),
            },
            ClientEvent::Left { room, user } => Self::Left {
                room: room.to_string(),
                user: user.to_string(),
            },
            ClientEvent::Presence { user, online } => Self::Presence {
                user: user.to_string(),
                online,
            },
            ClientEvent::Invited(invitation) => Self::invited(&invitation),
            ClientEvent::RoomDeleted { room, by } => Self::RoomDeleted {
                room: room.to_string(),
                by: by.to_string(),
            },
            ClientEvent::Disconnected { reason } => Self::Disconnected { reason },
            ClientEvent::Reconnected => Self::Reconnected,
        }
    }
}

impl From<&RoomSummary> for RoomInfo {
    fn from(room: &RoomSummary) -> Self {
        Self {
            name: room.name.to_string(),
            members: room.members,
            private: room.private,
            topic: room.topic.clone(),
        }
    }
}

impl From<&Member> for MemberInfo {
    fn from(member: &Member) -> Self {
        Self {
            user: member.user.to_string(),
            online: member.online,
            role: member.role.as_str(),
        }
    }
}

/// One output object as a line of JSON that is safe on a terminal as well as to a parser.
///
/// JSON already escapes the C0 controls; a script that prints lines as they come would
/// still pass DEL, the C1 controls (U+0080 to U+009F, which some terminals obey as escape
/// sequences) and bidirectional overrides straight to its terminal. Those are written as
/// `\uXXXX` escapes too: the same JSON value, harmless to look at. They can only occur
/// inside strings, where such an escape is valid.
pub fn json_line(output: &Output) -> serde_json::Result<String> {
    use std::fmt::Write;

    let raw = serde_json::to_string(output)?;
    if !raw.chars().any(unsafe_on_a_terminal) {
        return Ok(raw);
    }
    let mut line = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        if unsafe_on_a_terminal(c) {
            // Writing to a String cannot fail.
            let _ = write!(line, "\\u{:04x}", u32::from(c));
        } else {
            line.push(c);
        }
    }
    Ok(line)
}

fn unsafe_on_a_terminal(c: char) -> bool {
    ('\u{7f}'..='\u{9f}').contains(&c) || crate::sanitize::reorders(c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminal_controls_in_text_are_escaped_but_the_value_is_kept() {
        let hostile = "\u{202e}evil\u{9b}31m\u{7f}\u{1b}[2J";
        let output = Output::error("x", hostile, None);
        let line = json_line(&output).unwrap();
        assert!(line.is_ascii(), "{line}");
        assert!(line.contains("\\u202e") && line.contains("\\u009b") && line.contains("\\u001b"));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["message"], hostile);
    }

    use super::*;
    use chat_proto::{ErrorCode, ErrorReply, MessageId, RoomName};

    fn json(output: &Output) -> String {
        serde_json::to_string(output).unwrap()
    }

    fn user(name: &str) -> UserName {
        UserName::new(name).unwrap()
    }

    fn room(name: &str) -> RoomName {
        RoomName::new(name).unwrap()
    }

    #[test]
    fn ready() {
        let session = Session {
            user: user("alice"),
            token: "secret".into(),
            conversations: vec![],
            rooms: vec![RoomSummary {
                name: room("general"),
                members: 3,
                private: false,
                topic: String::new(),
            }],
            invitations: vec![],
            removals: vec![],
        };
        assert_eq!(
            json(&Output::ready(&session)),
            r##"{"type":"ready","user":"alice","rooms":["#general"]}"##
        );
    }

    #[test]
    fn messages_are_named_as_the_reader_sees_them() {
        let message = Message {
            id: MessageId(42),
            to: Target::User(user("alice")),
            from: user("bob"),
            body: Body::Text("hi\n\u{1b}[31m".into()),
            ts_ms: 1_700_000_000_000,
        };
        assert_eq!(
            json(&Output::history_message(message, &user("alice"))),
            r#"{"type":"message","id":42,"target":"@bob","from":"bob","text":"hi\n\u001b[31m","ts":1700000000000,"history":true}"#
        );
    }

    #[test]
    fn live_messages() {
        let message = Message {
            id: MessageId(7),
            to: Target::Room(room("rust")),
            from: user("bob"),
            body: Body::Text("yo".into()),
            ts_ms: 5,
        };
        let event = ClientEvent::Message {
            message,
            conversation: Target::Room(room("rust")),
            history: false,
        };
        assert_eq!(
            json(&Output::from(event)),
            r##"{"type":"message","id":7,"target":"#rust","from":"bob","text":"yo","ts":5,"history":false}"##
        );
    }

    #[test]
    fn ok_lines() {
        let cases = [
            (
                Done::Join {
                    room: "#general".into(),
                    members: 3,
                },
                r##"{"type":"ok","command":"join","room":"#general","members":3}"##,
            ),
            (
                Done::Part { room: "#x".into() },
                r##"{"type":"ok","command":"part","room":"#x"}"##,
            ),
            (
                Done::Msg {
                    id: 9,
                    target: "@bob".into(),
                    duplicate: false,
                },
                r#"{"type":"ok","command":"msg","id":9,"target":"@bob","duplicate":false}"#,
            ),
            (
                Done::History {
                    target: "#r".into(),
                    count: 2,
                    complete: true,
                },
                r##"{"type":"ok","command":"history","target":"#r","count":2,"complete":true}"##,
            ),
            (
                Done::Rooms {
                    rooms: vec![RoomInfo {
                        name: "#x".into(),
                        members: 2,
                        private: true,
                        topic: "t".into(),
                    }],
                },
                r##"{"type":"ok","command":"rooms","rooms":[{"name":"#x","members":2,"private":true,"topic":"t"}]}"##,
            ),
            (
                Done::Who {
                    room: "#x".into(),
                    members: vec![MemberInfo {
                        user: "bob".into(),
                        online: true,
                        role: "admin",
                    }],
                },
                r##"{"type":"ok","command":"who","room":"#x","members":[{"user":"bob","online":true,"role":"admin"}]}"##,
            ),
            (
                Done::Query {
                    target: "@bob".into(),
                },
                r#"{"type":"ok","command":"query","target":"@bob"}"#,
            ),
            (
                Done::Help {
                    commands: vec!["/join #room".into()],
                },
                r#"{"type":"ok","command":"help","commands":["/join #room"]}"#,
            ),
            (
                Done::Create {
                    room: "#x".into(),
                    private: true,
                },
                r##"{"type":"ok","command":"create","room":"#x","private":true}"##,
            ),
            (Done::Quit, r#"{"type":"ok","command":"quit"}"#),
        ];
        for (done, expected) in cases {
            assert_eq!(json(&Output::done(done)), expected);
        }
    }

    #[test]
    fn server_errors_carry_the_server_code() {
        let err = ClientError::Server(ErrorReply::new(ErrorCode::Forbidden, "admins only"));
        assert_eq!(
            json(&Output::failed(&err, "kick")),
            r#"{"type":"error","code":"forbidden","message":"admins only","command":"kick"}"#
        );
    }

    #[test]
    fn client_side_failures() {
        assert_eq!(
            json(&Output::failed(&ClientError::Closed, "join")),
            r#"{"type":"error","code":"closed","message":"client is closed","command":"join"}"#
        );
        let io = ClientError::Io(std::io::Error::other("reset"));
        assert!(json(&Output::failed(&io, "who")).contains(r#""code":"disconnected""#));
        assert!(json(&Output::connect_failed(&io)).contains(r#""code":"io""#));
    }

    #[test]
    fn parse_errors() {
        let unknown = crate::commands::parse("/jion").unwrap_err();
        assert_eq!(
            json(&Output::bad_command(&unknown)),
            r#"{"type":"error","code":"unknown_command","message":"unknown command /jion; did you mean /join?"}"#
        );
        let usage = crate::commands::parse("/join").unwrap_err();
        assert_eq!(
            json(&Output::bad_command(&usage)),
            r#"{"type":"error","code":"bad_command","message":"usage: /join #room","command":"join"}"#
        );
    }

    #[test]
    fn events() {
        let cases = [
            (
                ClientEvent::Joined {
                    room: room("r"),
                    user: user("bob"),
                },
                r##"{"type":"joined","room":"#r","user":"bob"}"##,
            ),
            (
                ClientEvent::Left {
                    room: room("r"),
                    user: user("bob"),
                },
                r##"{"type":"left","room":"#r","user":"bob"}"##,
            ),
            (
                ClientEvent::Presence {
                    user: user("bob"),
                    online: true,
                },
                r#"{"type":"presence","user":"bob","online":true}"#,
            ),
            (
                ClientEvent::Disconnected {
                    reason: "gone".into(),
                },
                r#"{"type":"disconnected","reason":"gone"}"#,
            ),
            (ClientEvent::Reconnected, r#"{"type":"reconnected"}"#),
            (
                ClientEvent::Invited(Invitation {
                    room: room("secret"),
                    by: user("bob"),
                }),
                r##"{"type":"invited","room":"#secret","by":"bob"}"##,
            ),
            (
                ClientEvent::RoomDeleted {
                    room: room("r"),
                    by: user("bob"),
                },
                r##"{"type":"room_deleted","room":"#r","by":"bob"}"##,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(json(&Output::from(event)), expected);
        }
    }
}
