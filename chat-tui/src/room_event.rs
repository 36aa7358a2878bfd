//! Room events in words: the one place that says what a change to a room reads like, so
//! that the terminal and headless mode tell it alike.
//!
//! The sender of an event's message is who made the change. Names of users and rooms are
//! safe by their rules; reasons and topics come from a peer and are cut to one clean line.

use chat_proto::{Role, RoomEvent, UserName};

use crate::sanitize;

/// The event `event`, made by `by`, as a sentence without a final stop.
pub fn describe(by: &UserName, event: &RoomEvent) -> String {
    match event {
        RoomEvent::Created { private: true } => format!("{by} created this private room"),
        RoomEvent::Created { private: false } => format!("{by} created this room"),
        RoomEvent::Invited { user } => format!("{by} invited {user}"),
        RoomEvent::Declined => format!("{by} declined the invitation"),
        RoomEvent::Kicked { user, reason } => {
            format!("{user} was removed by {by}{}", because(reason))
        }
        RoomEvent::Banned { user, reason } => {
            format!("{user} was banned by {by}{}", because(reason))
        }
        RoomEvent::Unbanned { user } => format!("{by} unbanned {user}"),
        RoomEvent::RoleChanged { user, role } => role_changed(by, user, *role),
        RoomEvent::Renamed { from, to } => format!("{by} renamed {from} to {to}"),
        RoomEvent::TopicChanged { topic } => match one_line(topic) {
            topic if topic.is_empty() => format!("{by} cleared the topic"),
            topic => format!("{by} set the topic: {topic}"),
        },
    }
}

/// A role change. A change to oneself is the second half of handing ownership on (or a
/// step down), and reads as a state rather than as an act on oneself.
fn role_changed(by: &UserName, user: &UserName, role: Role) -> String {
    match role {
        Role::Owner if user == by => format!("{user} is now the owner"),
        Role::Owner => format!("{by} handed ownership to {user}"),
        _ if user == by => format!("{user} is now {}", with_article(role)),
        _ => format!("{by} made {user} {}", with_article(role)),
    }
}

/// A role as a noun phrase: "an admin".
pub fn with_article(role: Role) -> &'static str {
    match role {
        Role::Owner => "the owner",
        Role::Admin => "an admin",
        Role::Member => "a member",
    }
}

/// ": reason", or nothing when none was given.
pub fn because(reason: &str) -> String {
    match one_line(reason) {
        reason if reason.is_empty() => String::new(),
        reason => format!(": {reason}"),
    }
}

/// Peer text as one printable line, without blanks at its ends.
pub fn one_line(text: &str) -> String {
    sanitize::one_line(text).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::RoomName;

    fn user(name: &str) -> UserName {
        UserName::new(name).unwrap()
    }

    fn said(event: &RoomEvent) -> String {
        describe(&user("alice"), event)
    }

    #[test]
    fn every_event_reads_as_a_sentence() {
        let bob = user("bob");
        let cases = [
            (
                RoomEvent::Created { private: true },
                "alice created this private room",
            ),
            (
                RoomEvent::Created { private: false },
                "alice created this room",
            ),
            (
                RoomEvent::Invited { user: bob.clone() },
                "alice invited bob",
            ),
            (RoomEvent::Declined, "alice declined the invitation"),
            (
                RoomEvent::Kicked {
                    user: bob.clone(),
                    reason: "spam".into(),
                },
                "bob was removed by alice: spam",
            ),
            (
                RoomEvent::Kicked {
                    user: bob.clone(),
                    reason: " ".into(),
                },
                "bob was removed by alice",
            ),
            (
                RoomEvent::Banned {
                    user: bob.clone(),
                    reason: "spam".into(),
                },
                "bob was banned by alice: spam",
            ),
            (
                RoomEvent::Unbanned { user: bob.clone() },
                "alice unbanned bob",
            ),
            (
                RoomEvent::Renamed {
                    from: RoomName::new("old").unwrap(),
                    to: RoomName::new("new").unwrap(),
                },
                "alice renamed #old to #new",
            ),
            (
                RoomEvent::TopicChanged {
                    topic: "release day".into(),
                },
                "alice set the topic: release day",
            ),
            (
                RoomEvent::TopicChanged {
                    topic: String::new(),
                },
                "alice cleared the topic",
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(said(&event), expected);
        }
    }

    #[test]
    fn role_changes_name_the_role_and_ownership_handed_on() {
        let change = |user: &str, role| RoomEvent::RoleChanged {
            user: UserName::new(user).unwrap(),
            role,
        };
        assert_eq!(said(&change("bob", Role::Admin)), "alice made bob an admin");
        assert_eq!(
            said(&change("bob", Role::Member)),
            "alice made bob a member"
        );
        assert_eq!(
            said(&change("bob", Role::Owner)),
            "alice handed ownership to bob"
        );
        assert_eq!(said(&change("alice", Role::Admin)), "alice is now an admin");
    }

    #[test]
    fn peer_text_is_one_clean_line() {
        let topic = RoomEvent::TopicChanged {
            topic: "a\u{1b}[2Jb\nc\u{202e}d".into(),
        };
        assert_eq!(said(&topic), "alice set the topic: ab cd");
        let kick = RoomEvent::Kicked {
            user: user("bob"),
            reason: "\u{1b}]0;x\u{7}".into(),
        };
        assert_eq!(said(&kick), "bob was removed by alice");
    }
}
