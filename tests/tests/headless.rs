//! Headless mode against a real server: two scripts chat in a room and privately.

use chat_tests::TestServer;
use serde_json::json;

/// The fields of a message line that do not change from run to run.
fn message(line: &serde_json::Value) -> serde_json::Value {
    assert_eq!(line["type"], "message", "{line}");
    assert!(
        line["id"].as_u64().is_some() && line["ts"].as_i64().is_some(),
        "{line}"
    );
    json!({
        "target": line["target"],
        "from": line["from"],
        "text": line["text"],
        "history": line["history"],
    })
}

#[tokio::test]
async fn two_scripts_chat_in_a_room_and_privately() {
    let server = TestServer::start().await;
    let mut alice = server.headless("alice");
    let mut bob = server.headless("bob");
    assert_eq!(
        alice.line().await,
        json!({"type": "ready", "user": "alice", "rooms": []})
    );
    assert_eq!(
        bob.line().await,
        json!({"type": "ready", "user": "bob", "rooms": []})
    );

    // The joiner hears of its own join, as IRC clients do, and of the room's creation,
    // then gets the answer.
    alice.type_lines("/join #general\n").await;
    assert_eq!(
        alice.line().await,
        json!({"type": "joined", "room": "#general", "user": "alice"})
    );
    let created = alice.line().await;
    assert_eq!(
        (created["type"].as_str(), created["text"].as_str()),
        (Some("room_event"), Some("alice created this room"))
    );
    assert_eq!(
        alice.line().await,
        json!({"type": "ok", "command": "join", "room": "#general", "members": 1})
    );
    bob.type_lines("/join #General\n").await;
    assert_eq!(bob.next_of("ok").await["members"], 2);
    assert_eq!(
        alice.next_of("joined").await,
        json!({"type": "joined", "room": "#general", "user": "bob"})
    );

    // Plain text goes to the room last joined.
    alice.type_lines("hello, bob\n").await;
    let expected =
        json!({"target": "#general", "from": "alice", "text": "hello, bob", "history": false});
    assert_eq!(message(&bob.next_of("message").await), expected);
    assert_eq!(message(&alice.next_of("message").await), expected);
    let ok = alice.next_of("ok").await;
    assert_eq!(
        (ok["command"].as_str(), ok["target"].as_str()),
        (Some("msg"), Some("#general"))
    );

    // A direct message is named after the other person on each side, and /msg makes the
    // peer the current target.
    alice
        .type_lines("/msg @bob just for you\nand this too\n")
        .await;
    let first = message(&bob.next_of("message").await);
    let second = message(&bob.next_of("message").await);
    assert_eq!(first["target"], "@alice");
    assert_eq!(
        (first["text"].as_str(), second["text"].as_str()),
        (Some("just for you"), Some("and this too"))
    );
    assert_eq!(second["target"], "@alice");

    bob.type_lines("/history #general 10\n").await;
    let created = bob.line().await;
    assert_eq!(
        (created["type"].as_str(), created["event"]["kind"].as_str()),
        (Some("room_event"), Some("created"))
    );
    assert_eq!(created["history"], true);
    let history = message(&bob.line().await);
    assert_eq!(history["text"], "hello, bob");
    assert_eq!(history["history"], true);
    assert_eq!(
        bob.next_of("ok").await,
        json!({"type": "ok", "command": "history", "target": "#general", "count": 2, "complete": true})
    );

    alice.type_lines("/quit\n").await;
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(
            alice.next_of("ok").await["command"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(answers, ["msg", "msg", "quit"]);
    assert_eq!(alice.finish().await, 0);
    assert_eq!(bob.finish().await, 0);
}

#[tokio::test]
async fn every_bad_command_gets_one_error_line_in_order() {
    let server = TestServer::start().await;
    let mut carol = server.headless("carol");
    carol.next_of("ready").await;
    carol
        .type_lines(
            "talking to nobody\n/msg #nowhere hi\n/frobnicate\n/msg @nobody hi\n/join #ok\n",
        )
        .await;
    let mut answers = Vec::new();
    while answers.len() < 5 {
        let line = carol.line().await;
        if matches!(line["type"].as_str(), Some("ok" | "error")) {
            answers.push(line);
        }
    }
    let codes: Vec<_> = answers
        .iter()
        .map(|line| {
            format!(
                "{}:{}",
                line["type"].as_str().unwrap(),
                line["code"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            "error:no_target",
            "error:no_such_room",
            "error:unknown_command",
            "error:unknown_user",
            "ok:"
        ]
    );
    assert_eq!(carol.finish().await, 0);
}

#[tokio::test]
async fn a_join_and_a_message_typed_at_once_both_succeed() {
    let server = TestServer::start().await;
    // Made by someone else: its owner could not leave it.
    server.register("erin").await.join_room("new-room").await;
    let mut dave = server.headless("dave");
    dave.next_of("ready").await;
    dave.type_lines("/join #new-room\nfirst words\n/part\n")
        .await;
    let mut answers = Vec::new();
    while answers.len() < 3 {
        let line = dave.line().await;
        if matches!(line["type"].as_str(), Some("ok" | "error")) {
            answers.push(format!(
                "{}:{}",
                line["type"].as_str().unwrap(),
                line["command"].as_str().unwrap()
            ));
        }
    }
    assert_eq!(answers, ["ok:join", "ok:msg", "ok:part"]);
    assert_eq!(dave.finish().await, 0);
}

#[tokio::test]
async fn a_failed_msg_leaves_plain_text_going_where_it_went() {
    let server = TestServer::start().await;
    let mut erin = server.headless("erin");
    erin.next_of("ready").await;
    erin.type_lines("/join #general\n/msg @nobody hello?\nstill here\n")
        .await;
    let mut answers = Vec::new();
    while answers.len() < 3 {
        let line = erin.line().await;
        if matches!(line["type"].as_str(), Some("ok" | "error")) {
            answers.push(line);
        }
    }
    assert_eq!(answers[1]["code"], "unknown_user");
    assert_eq!(answers[2]["target"], "#general", "{}", answers[2]);
    assert_eq!(erin.finish().await, 0);
}

/// A headless script whose output is read by what it says rather than in strict order:
/// lines passed over while looking for one are kept, to be found by a later look.
struct Script {
    headless: chat_tests::Headless,
    passed: std::collections::VecDeque<serde_json::Value>,
}

impl Script {
    fn new(headless: chat_tests::Headless) -> Self {
        Self {
            headless,
            passed: std::collections::VecDeque::new(),
        }
    }

    async fn type_lines(&mut self, lines: &str) {
        self.headless.type_lines(lines).await;
    }

    /// The first line, kept or new, that `wanted` accepts.
    async fn find(&mut self, wanted: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        if let Some(at) = self.passed.iter().position(&wanted) {
            return self.passed.remove(at).expect("a kept line");
        }
        loop {
            let line = self.headless.line().await;
            if wanted(&line) {
                return line;
            }
            self.passed.push_back(line);
        }
    }

    /// Every line, kept or new, up to and including the first that `last` accepts.
    async fn until(&mut self, last: impl Fn(&serde_json::Value) -> bool) -> Vec<serde_json::Value> {
        let mut lines: Vec<_> = self.passed.drain(..).collect();
        while !lines.last().is_some_and(&last) {
            lines.push(self.headless.line().await);
        }
        lines
    }

    /// The answer to the next command: its `ok` or `error` line.
    async fn answer(&mut self) -> serde_json::Value {
        self.find(|line| matches!(line["type"].as_str(), Some("ok" | "error")))
            .await
    }

    /// The next line of a type other than the answers and room events.
    async fn next_of(&mut self, kind: &str) -> serde_json::Value {
        self.find(|line| line["type"] == kind).await
    }

    /// The next `joined` line about `user`.
    async fn joined(&mut self, user: &str) -> serde_json::Value {
        self.find(|line| line["type"] == "joined" && line["user"] == user)
            .await
    }

    /// The next room event of this kind, without its id and time.
    async fn room_event(&mut self, kind: &str) -> serde_json::Value {
        let line = self
            .find(|line| line["type"] == "room_event" && line["event"]["kind"] == kind)
            .await;
        room_event(&line)
    }

    /// The next message with this text, without its id and time.
    async fn message(&mut self, text: &str) -> serde_json::Value {
        let line = self
            .find(|line| line["type"] == "message" && line["text"] == text)
            .await;
        message(&line)
    }

    async fn finish(self) -> u8 {
        self.headless.finish().await
    }
}

/// The fields of a room event line that do not change from run to run.
fn room_event(line: &serde_json::Value) -> serde_json::Value {
    assert_eq!(line["type"], "room_event", "{line}");
    assert!(
        line["id"].as_u64().is_some() && line["ts"].as_i64().is_some(),
        "{line}"
    );
    json!({
        "target": line["target"],
        "from": line["from"],
        "event": line["event"],
        "text": line["text"],
        "history": line["history"],
    })
}

/// The `code` of an error line, or "ok".
fn outcome(line: &serde_json::Value) -> String {
    match line["type"].as_str() {
        Some("ok") => "ok".into(),
        Some("error") => line["code"].as_str().unwrap_or("?").to_owned(),
        _ => panic!("not an answer: {line}"),
    }
}

/// The answer line less what changes from run to run (a message id).
fn ok_line(line: &serde_json::Value) -> serde_json::Value {
    assert_eq!(line["type"], "ok", "{line}");
    let mut line = line.clone();
    if let Some(fields) = line.as_object_mut() {
        fields.remove("id");
    }
    line
}

/// Three scripts in one room: alice makes it, bob becomes an admin, carol a member.
struct Group {
    alice: Script,
    bob: Script,
    carol: Script,
}

impl Group {
    /// Three new users, each logged in and in no room yet.
    async fn start(server: &TestServer) -> Self {
        let mut group = Self {
            alice: Script::new(server.headless("alice")),
            bob: Script::new(server.headless("bob")),
            carol: Script::new(server.headless("carol")),
        };
        for (script, name) in [
            (&mut group.alice, "alice"),
            (&mut group.bob, "bob"),
            (&mut group.carol, "carol"),
        ] {
            assert_eq!(
                script.next_of("ready").await,
                json!({"type": "ready", "user": name, "rooms": []})
            );
        }
        group
    }

    /// A private room: made by alice, who is in it and answered; hidden from bob and shut
    /// to him until she invites him.
    async fn create_and_invite(&mut self) {
        let Self { alice, bob, .. } = self;
        alice.type_lines("/create #plans --private\n").await;
        assert_eq!(
            alice.answer().await,
            json!({"type": "ok", "command": "create", "room": "#plans", "private": true})
        );
        assert_eq!(
            alice.room_event("created").await,
            json!({
                "target": "#plans",
                "from": "alice",
                "event": {"kind": "created", "private": true},
                "text": "alice created this private room",
                "history": false,
            })
        );
        bob.type_lines("/rooms\n/join #plans\n").await;
        assert_eq!(
            bob.answer().await,
            json!({"type": "ok", "command": "rooms", "rooms": []})
        );
        assert_eq!(outcome(&bob.answer().await), "forbidden");

        // An invitation: the room is alice's current one, so /invite needs no #room.
        alice.type_lines("/invite @bob\n").await;
        assert_eq!(
            alice.answer().await,
            json!({"type": "ok", "command": "invite", "room": "#plans", "user": "bob"})
        );
        assert_eq!(
            alice.room_event("invited").await["event"],
            json!({"kind": "invited", "user": "bob"})
        );
        assert_eq!(
            bob.next_of("invited").await,
            json!({"type": "invited", "room": "#plans", "by": "alice"})
        );
        bob.type_lines("/accept #plans\n").await;
        assert_eq!(
            bob.answer().await,
            json!({"type": "ok", "command": "accept", "room": "#plans", "members": 2})
        );
        assert_eq!(
            alice.joined("bob").await,
            json!({"type": "joined", "room": "#plans", "user": "bob"})
        );
    }

    /// An invitation made while dave is away is printed right after his `ready`.
    async fn invitation_waits_for_login(&mut self, server: &TestServer) {
        let Self { alice, bob, .. } = self;
        alice.type_lines("/invite @dave\n").await;
        assert_eq!(outcome(&alice.answer().await), "ok");
        let mut dave = Script::new(chat_tests::Headless::start(
            server.client_config("dave", false),
        ));
        assert_eq!(
            dave.headless.line().await,
            json!({"type": "ready", "user": "dave", "rooms": []})
        );
        assert_eq!(
            dave.headless.line().await,
            json!({"type": "invited", "room": "#plans", "by": "alice"})
        );
        dave.type_lines("/decline #plans\n").await;
        assert_eq!(
            dave.answer().await,
            json!({"type": "ok", "command": "decline", "room": "#plans"})
        );
        assert_eq!(dave.finish().await, 0);
        assert_eq!(
            bob.room_event("declined").await,
            json!({
                "target": "#plans",
                "from": "dave",
                "event": {"kind": "declined"},
                "text": "dave declined the invitation",
                "history": false,
            })
        );
    }

    /// A topic, seen by members live and in the room list, which only they get; then an
    /// admin, a third member, and the roles of all three.
    async fn topic_and_roles(&mut self) {
        let Self { alice, bob, carol } = self;
        alice.type_lines("/topic ship it on friday\n").await;
        assert_eq!(
            alice.answer().await,
            json!({"type": "ok", "command": "topic", "room": "#plans", "topic": "ship it on friday"})
        );
        assert_eq!(
            bob.room_event("topic_changed").await,
            json!({
                "target": "#plans",
                "from": "alice",
                "event": {"kind": "topic_changed", "topic": "ship it on friday"},
                "text": "alice set the topic: ship it on friday",
                "history": false,
            })
        );
        bob.type_lines("/topic\n/rooms\n").await;
        assert_eq!(bob.answer().await["topic"], "ship it on friday");
        assert_eq!(
            bob.answer().await["rooms"],
            json!([{"name": "#plans", "members": 2, "private": true, "topic": "ship it on friday"}])
        );
        carol.type_lines("/rooms\n").await;
        assert_eq!(carol.answer().await["rooms"], json!([]));

        // Bob is made an admin, and /who shows each member's role.
        alice.type_lines("/op @bob\n/invite @carol\n").await;
        assert_eq!(
            alice.answer().await,
            json!({"type": "ok", "command": "op", "room": "#plans", "user": "bob"})
        );
        assert_eq!(outcome(&alice.answer().await), "ok");
        assert_eq!(
            bob.room_event("role_changed").await,
            json!({
                "target": "#plans",
                "from": "alice",
                "event": {"kind": "role_changed", "user": "bob", "role": "admin"},
                "text": "alice made bob an admin",
                "history": false,
            })
        );
        carol.next_of("invited").await;
        carol.type_lines("/accept #plans\n").await;
        assert_eq!(outcome(&carol.answer().await), "ok");
        assert_eq!(bob.joined("carol").await["room"], "#plans");
        bob.type_lines("/who\n").await;
        let who = bob.answer().await;
        let mut roles: Vec<_> = who["members"]
            .as_array()
            .unwrap_or_else(|| panic!("{who}"))
            .iter()
            .map(|m| (m["user"].as_str(), m["role"].as_str()))
            .collect();
        roles.sort_unstable();
        assert_eq!(
            roles,
            [
                (Some("alice"), Some("owner")),
                (Some("bob"), Some("admin")),
                (Some("carol"), Some("member")),
            ],
            "{who}"
        );
    }

    /// An admin cannot remove the owner, but can remove a member, who hears why and then
    /// nothing more of the room.
    async fn kick(&mut self) {
        let Self { alice, bob, carol } = self;
        bob.type_lines("/kick @alice\n/kick @carol too much spam\n")
            .await;
        assert_eq!(outcome(&bob.answer().await), "forbidden");
        assert_eq!(
            bob.answer().await,
            json!({"type": "ok", "command": "kick", "room": "#plans", "user": "carol"})
        );
        // Read up to the kick and no further, so that what carol hears next is after it.
        let kicked = carol
            .until(|line| line["type"] == "room_event" && line["event"]["kind"] == "kicked")
            .await;
        assert_eq!(
            room_event(kicked.last().expect("the kick")),
            json!({
                "target": "#plans",
                "from": "bob",
                "event": {"kind": "kicked", "user": "carol", "reason": "too much spam"},
                "text": "carol was removed by bob: too much spam",
                "history": false,
            })
        );
        alice.type_lines("after the kick\n").await;
        assert_eq!(ok_line(&alice.answer().await)["target"], "#plans");
        assert_eq!(bob.message("after the kick").await["target"], "#plans");
        // A direct message committed after the room's: had carol been sent the room's, it
        // would come first. /msg makes @carol alice's current target; /query puts it back.
        alice
            .type_lines("/msg @carol no hard feelings\n/query #plans\n")
            .await;
        assert_eq!(outcome(&alice.answer().await), "ok");
        assert_eq!(
            alice.answer().await,
            json!({"type": "ok", "command": "query", "target": "#plans"})
        );
        let heard = carol
            .until(|line| line["type"] == "message" && line["text"] == "no hard feelings")
            .await;
        let from_the_room: Vec<_> = heard
            .iter()
            .filter(|line| line["target"] == "#plans" || line["room"] == "#plans")
            .collect();
        assert!(from_the_room.is_empty(), "{from_the_room:?}");
        carol.type_lines("/msg #plans let me back\n").await;
        assert_eq!(outcome(&carol.answer().await), "forbidden");
    }

    /// A kick is not a ban: invited again, carol is back, until bob bans her.
    async fn ban_and_unban(&mut self) {
        let Self { alice, bob, carol } = self;
        alice.type_lines("/invite @carol\n").await;
        assert_eq!(outcome(&alice.answer().await), "ok");
        carol.next_of("invited").await;
        carol.type_lines("/accept #plans\n").await;
        assert_eq!(outcome(&carol.answer().await), "ok");
        bob.type_lines("/ban #plans @carol spam again\n").await;
        assert_eq!(
            bob.answer().await,
            json!({"type": "ok", "command": "ban", "room": "#plans", "user": "carol"})
        );
        assert_eq!(
            carol.room_event("banned").await,
            json!({
                "target": "#plans",
                "from": "bob",
                "event": {"kind": "banned", "user": "carol", "reason": "spam again"},
                "text": "carol was banned by bob: spam again",
                "history": false,
            })
        );
        alice.type_lines("/invite @carol\n").await;
        let refused = alice.answer().await;
        assert_eq!(outcome(&refused), "invalid_request", "{refused}");
        assert_eq!(refused["command"], "invite");

        // Unbanned, she still needs an invitation to the private room.
        bob.type_lines("/unban @carol\n").await;
        assert_eq!(
            bob.answer().await,
            json!({"type": "ok", "command": "unban", "room": "#plans", "user": "carol"})
        );
        assert_eq!(
            alice.room_event("unbanned").await["event"],
            json!({"kind": "unbanned", "user": "carol"})
        );
        carol.type_lines("/join #plans\n").await;
        assert_eq!(outcome(&carol.answer().await), "forbidden");
        alice.type_lines("/invite @carol\n").await;
        assert_eq!(outcome(&alice.answer().await), "ok");
        carol.next_of("invited").await;
        carol.type_lines("/accept #plans\n").await;
        assert_eq!(
            carol.answer().await,
            json!({"type": "ok", "command": "accept", "room": "#plans", "members": 3})
        );
    }

    /// Renamed: members hear it under the new name, and plain text follows the room, for
    /// the one who renamed it and for the others alike.
    async fn rename(&mut self) {
        let Self { alice, bob, carol } = self;
        alice.type_lines("/rename #launch\n").await;
        assert_eq!(
            alice.answer().await,
            json!({"type": "ok", "command": "rename", "room": "#plans", "to": "#launch"})
        );
        for script in [&mut *bob, &mut *carol] {
            assert_eq!(
                script.room_event("renamed").await,
                json!({
                    "target": "#launch",
                    "from": "alice",
                    "event": {"kind": "renamed", "from": "#plans", "to": "#launch"},
                    "text": "alice renamed #plans to #launch",
                    "history": false,
                })
            );
        }
        carol.type_lines("glad to be back\n").await;
        assert_eq!(ok_line(&carol.answer().await)["target"], "#launch");
        alice.type_lines("welcome back\n").await;
        assert_eq!(ok_line(&alice.answer().await)["target"], "#launch");
        assert_eq!(
            bob.message("glad to be back").await,
            json!({"target": "#launch", "from": "carol", "text": "glad to be back", "history": false})
        );
        assert_eq!(
            bob.message("welcome back").await,
            json!({"target": "#launch", "from": "alice", "text": "welcome back", "history": false})
        );
    }

    /// Deleted: every member is told, the room list forgets it, and the owner's plain text
    /// has nowhere to go.
    async fn delete(&mut self) {
        let Self { alice, bob, carol } = self;
        alice.type_lines("/delete #launch\nanyone?\n").await;
        assert_eq!(
            alice.answer().await,
            json!({"type": "ok", "command": "delete", "room": "#launch"})
        );
        assert_eq!(outcome(&alice.answer().await), "no_target");
        for script in [&mut *bob, &mut *carol] {
            assert_eq!(
                script.next_of("room_deleted").await,
                json!({"type": "room_deleted", "room": "#launch", "by": "alice"})
            );
            script.type_lines("/rooms\n").await;
            assert_eq!(script.answer().await["rooms"], json!([]));
            // Their plain text still names the room, which is refused: it goes nowhere else.
            script.type_lines("still there?\n").await;
            let refused = script.answer().await;
            assert_eq!(
                (refused["type"].as_str(), refused["command"].as_str()),
                (Some("error"), Some("msg")),
                "{refused}"
            );
        }
    }

    async fn finish(self) {
        for script in [self.alice, self.bob, self.carol] {
            assert_eq!(script.finish().await, 0);
        }
    }
}

#[tokio::test]
async fn scripts_run_a_private_room_from_creation_to_deletion() {
    let server = TestServer::start().await;
    drop(server.register("dave").await);
    let mut group = Group::start(&server).await;
    group.create_and_invite().await;
    group.invitation_waits_for_login(&server).await;
    group.topic_and_roles().await;
    group.kick().await;
    group.ban_and_unban().await;
    group.rename().await;
    group.delete().await;
    group.finish().await;
}
