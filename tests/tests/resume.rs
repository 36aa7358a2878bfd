//! Resuming after a lost connection: nothing missed, nothing repeated, and retried sends
//! stored once.

use std::collections::BTreeMap;
use std::time::Duration;

use chat_proto::{ClientMsgId, Message, MessageId, Request, RoomName, Target, UserName};
use chat_tests::{Proxy, TestClient, TestServer};
use chat_tui::client::ClientEvent;

fn general() -> Target {
    Target::Room(RoomName::new("general").unwrap())
}

async fn join_general(client: &TestClient) {
    let room = RoomName::new("general").unwrap();
    client.client.request(Request::Join { room }).await.unwrap();
}

/// Registers `user` with a connection through `proxy`.
async fn register_via(server: &TestServer, proxy: &Proxy, user: &str) -> TestClient {
    let mut config = server.client_config(user, true);
    config.server = proxy.addr.to_string();
    TestClient::connect(config).await
}

async fn wait_for(client: &mut TestClient, wanted: fn(&ClientEvent) -> bool) {
    while !wanted(&client.next_event().await) {}
}

#[tokio::test]
async fn a_dropped_connection_resumes_with_no_gap_and_no_duplicate() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let alice = server.register("alice").await;
    let mut bob = register_via(&server, &proxy, "bob").await;
    join_general(&alice).await;
    join_general(&bob).await;
    alice.client.send(general(), "before".into()).await.unwrap();
    assert_eq!(bob.next_message().await.0.text(), Some("before"));

    proxy.cut();
    wait_for(&mut bob, |e| matches!(e, ClientEvent::Disconnected { .. })).await;
    let mut missed_room = Vec::new();
    for n in 0..5 {
        missed_room.push(
            alice
                .client
                .send(general(), format!("missed {n}"))
                .await
                .unwrap()
                .0,
        );
    }
    let to_bob = Target::User(UserName::new("bob").unwrap());
    let mut missed_direct = Vec::new();
    for n in 0..2 {
        missed_direct.push(
            alice
                .client
                .send(to_bob.clone(), format!("psst {n}"))
                .await
                .unwrap()
                .0,
        );
    }
    proxy.restore();

    let mut by_conversation: BTreeMap<String, Vec<MessageId>> = BTreeMap::new();
    for _ in 0..7 {
        let (message, conversation, history) = bob.next_message().await;
        assert!(!history);
        by_conversation
            .entry(conversation.to_string())
            .or_default()
            .push(message.id);
    }
    assert_eq!(by_conversation["#general"], missed_room);
    assert_eq!(by_conversation["@alice"], missed_direct);

    // Live delivery carries on, and nothing arrives twice.
    let live = alice
        .client
        .send(general(), "live again".into())
        .await
        .unwrap()
        .0;
    assert_eq!(bob.next_message().await.0.id, live);
    bob.assert_no_message(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_room_where_nothing_was_said_since_login_resumes_without_skipping() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let alice = server.register("alice").await;
    join_general(&alice).await;
    let bob = register_via(&server, &proxy, "bob").await;
    join_general(&bob).await;
    bob.client.close().await;

    // A fresh client of Bob's, already a member, hears nothing before the outage.
    let mut config = server.client_config("bob", false);
    config.server = proxy.addr.to_string();
    let mut bob = TestClient::connect(config).await;
    proxy.cut();
    wait_for(&mut bob, |e| matches!(e, ClientEvent::Disconnected { .. })).await;
    let mut missed = Vec::new();
    for n in 0..3 {
        missed.push(
            alice
                .client
                .send(general(), format!("while away {n}"))
                .await
                .unwrap()
                .0,
        );
    }
    proxy.restore();

    let got: Vec<_> = bob.messages(3).await.iter().map(|m| m.id).collect();
    assert_eq!(got, missed);
}

#[tokio::test]
async fn repeated_outages_during_a_stream_of_sends_lose_and_repeat_nothing() {
    let server = TestServer::start_configured(chat_tests::unthrottled).await;
    let proxy = Proxy::start(server.addr).await;
    let alice = server.register("alice").await;
    let mut bob = register_via(&server, &proxy, "bob").await;
    join_general(&alice).await;
    join_general(&bob).await;

    let sender = alice.client.clone();
    let sending = tokio::spawn(async move {
        let mut acked = Vec::new();
        for n in 0..300 {
            acked.push(
                sender
                    .send(general(), format!("stream {n}"))
                    .await
                    .unwrap()
                    .0,
            );
        }
        acked
    });
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(40)).await;
        proxy.cut();
        tokio::time::sleep(Duration::from_millis(40)).await;
        proxy.restore();
    }
    let acked = sending.await.unwrap();

    let mut received: Vec<Message> = Vec::new();
    while received.last().map(|m| m.id) != acked.last().copied() {
        let (message, conversation, _) = bob.next_message().await;
        assert_eq!(conversation, general());
        received.push(message);
    }
    let ids: Vec<_> = received.iter().map(|m| m.id).collect();
    assert_eq!(ids, acked);
    bob.assert_no_message(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_retried_send_returns_the_original_and_is_stored_once() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    join_general(&alice).await;
    join_general(&bob).await;

    let client_id = ClientMsgId(0x5eed);
    let (first, duplicate) = alice
        .client
        .send_with_id(general(), client_id, "only once".into())
        .await
        .unwrap();
    assert!(!duplicate);
    let (again, duplicate) = alice
        .client
        .send_with_id(general(), client_id, "only once".into())
        .await
        .unwrap();
    assert!(duplicate);
    assert_eq!(again, first);

    assert_eq!(bob.next_message().await.0.id, first);
    bob.assert_no_message(Duration::from_millis(300)).await;
    let page = bob.client.history(general(), None, 10).await.unwrap();
    let texts = page.messages.iter().filter(|m| m.text().is_some()).count();
    assert_eq!(texts, 1);
}

#[tokio::test]
async fn a_message_sent_while_offline_goes_out_once_back_online() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let mut alice = register_via(&server, &proxy, "alice").await;
    let mut bob = server.register("bob").await;
    join_general(&alice).await;
    join_general(&bob).await;

    proxy.cut();
    wait_for(&mut alice, |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    })
    .await;
    let sender = alice.client.clone();
    let pending = tokio::spawn(async move { sender.send(general(), "typed offline".into()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!pending.is_finished(), "the send waits for the connection");
    proxy.restore();

    let (id, _) = pending.await.unwrap().unwrap();
    let (message, _, _) = bob.next_message().await;
    assert_eq!((message.id, message.text().unwrap()), (id, "typed offline"));
    bob.assert_no_message(Duration::from_millis(300)).await;
}
