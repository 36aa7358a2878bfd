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
