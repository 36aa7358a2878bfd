//! The JSON of group management: room events as structured objects, and the `ok` lines of
//! the commands that change rooms.
//!
//! A room event line carries both the structured `event`, for scripts to act on, and its
//! `text` in words, for people and for logs. Reasons and topics in `event` are kept as the
//! peer wrote them; `serde_json` and `json_line` escape what a terminal would obey.

use chat_proto::{Role, RoomEvent, RoomName};
use serde::Serialize;

use super::output::Done;
use crate::client::RoomChange;

/// A room event, by `kind`: `{"kind":"kicked","user":"bob","reason":"spam"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventInfo {
    Created {
        private: bool,
    },
    Invited {
        user: String,
    },
    /// The sender declined their invitation.
    Declined,
    Kicked {
        user: String,
        reason: String,
    },
    Banned {
        user: String,
        reason: String,
    },
    Unbanned {
        user: String,
    },
    /// `role` is "owner", "admin" or "member".
    RoleChanged {
        user: String,
        role: &'static str,
    },
    Renamed {
        from: String,
        to: String,
    },
    /// An empty topic clears it.
    TopicChanged {
        topic: String,
    },
}

impl From<&RoomEvent> for EventInfo {
    fn from(event: &RoomEvent) -> Self {
        match event {
            RoomEvent::Created { private } => Self::Created { private: *private },
            RoomEvent::Invited { user } => Self::Invited {
                user: user.to_string(),
            },
            RoomEvent::Declined => Self::Declined,
            RoomEvent::Kicked { user, reason } => Self::Kicked {
                user: user.to_string(),
                reason: reason.clone(),
            },
            RoomEvent::Banned { user, reason } => Self::Banned {
                user: user.to_string(),
                reason: reason.clone(),
            },
            RoomEvent::Unbanned { user } => Self::Unbanned {
                user: user.to_string(),
            },
            RoomEvent::RoleChanged { user, role } => Self::RoleChanged {
                user: user.to_string(),
                role: role.as_str(),
            },
            RoomEvent::Renamed { from, to } => Self::Renamed {
                from: from.to_string(),
                to: to.to_string(),
            },
            RoomEvent::TopicChanged { topic } => Self::TopicChanged {
                topic: topic.clone(),
            },
        }
    }
}

impl Done {
    /// The `ok` line of a change made to `room`.
    pub fn changed(room: &RoomName, change: &RoomChange) -> Self {
        let room = room.to_string();
        match change {
            RoomChange::Invite(user) => Self::Invite {
                room,
                user: user.to_string(),
            },
            RoomChange::Decline => Self::Decline { room },
            RoomChange::Kick { user, .. } => Self::Kick {
                room,
                user: user.to_string(),
            },
            RoomChange::Ban { user, .. } => Self::Ban {
                room,
                user: user.to_string(),
            },
            RoomChange::Unban(user) => Self::Unban {
                room,
                user: user.to_string(),
            },
            RoomChange::SetRole { user, role } => {
                let user = user.to_string();
                match role {
                    Role::Owner => Self::Transfer { room, user },
                    Role::Admin => Self::Op { room, user },
                    Role::Member => Self::Deop { room, user },
                }
            }
            RoomChange::Rename(to) => Self::Rename {
                room,
                to: to.to_string(),
            },
            RoomChange::SetTopic(topic) => Self::Topic {
                room,
                topic: topic.clone(),
            },
            RoomChange::Delete => Self::Delete { room },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headless::output::{Output, json_line};
    use chat_proto::{Body, Message, MessageId, Target, UserName};

    fn user(name: &str) -> UserName {
        UserName::new(name).unwrap()
    }

    fn room(name: &str) -> RoomName {
        RoomName::new(name).unwrap()
    }

    fn event_line(event: RoomEvent) -> String {
        let message = Message {
            id: MessageId(7),
            to: Target::Room(room("new")),
            from: user("alice"),
            body: Body::Event(event),
            ts_ms: 5,
        };
        json_line(&Output::message(message, &Target::Room(room("new")), false)).unwrap()
    }

    #[test]
    fn room_events_carry_the_event_and_its_text() {
        assert_eq!(
            event_line(RoomEvent::Renamed {
                from: room("old"),
                to: room("new"),
            }),
            r##"{"type":"room_event","id":7,"target":"#new","from":"alice","event":{"kind":"renamed","from":"#old","to":"#new"},"text":"alice renamed #old to #new","ts":5,"history":false}"##
        );
        assert_eq!(
            event_line(RoomEvent::RoleChanged {
                user: user("bob"),
                role: Role::Owner,
            }),
            r##"{"type":"room_event","id":7,"target":"#new","from":"alice","event":{"kind":"role_changed","user":"bob","role":"owner"},"text":"alice handed ownership to bob","ts":5,"history":false}"##
        );
        assert!(event_line(RoomEvent::Declined).contains(r#""event":{"kind":"declined"}"#));
    }

    #[test]
    fn peer_text_is_kept_in_the_event_and_cleaned_in_the_words() {
        let line = event_line(RoomEvent::Kicked {
            user: user("bob"),
            reason: "spam\u{1b}[2J\u{202e}".into(),
        });
        assert!(line.is_ascii(), "{line}");
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["event"]["reason"], "spam\u{1b}[2J\u{202e}");
        assert_eq!(value["text"], "bob was removed by alice: spam");
    }

    #[test]
    fn changes_answer_with_their_command() {
        let cases = [
            (
                RoomChange::Kick {
                    user: user("bob"),
                    reason: "spam".into(),
                },
                r##"{"type":"ok","command":"kick","room":"#x","user":"bob"}"##,
            ),
            (
                RoomChange::SetRole {
                    user: user("bob"),
                    role: Role::Admin,
                },
                r##"{"type":"ok","command":"op","room":"#x","user":"bob"}"##,
            ),
            (
                RoomChange::SetRole {
                    user: user("bob"),
                    role: Role::Owner,
                },
                r##"{"type":"ok","command":"transfer","room":"#x","user":"bob"}"##,
            ),
            (
                RoomChange::Rename(room("y")),
                r##"{"type":"ok","command":"rename","room":"#x","to":"#y"}"##,
            ),
            (
                RoomChange::SetTopic(String::new()),
                r##"{"type":"ok","command":"topic","room":"#x","topic":""}"##,
            ),
            (
                RoomChange::Delete,
                r##"{"type":"ok","command":"delete","room":"#x"}"##,
            ),
        ];
        for (change, expected) in cases {
            let done = Output::done(Done::changed(&room("x"), &change));
            assert_eq!(json_line(&done).unwrap(), expected);
        }
    }
}
