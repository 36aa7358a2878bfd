//! Direct messages: delivery, privacy and delivery to a user who was offline.

use std::time::Duration;

use chat_proto::{ErrorCode, Request, RoomName, Target, UserName};
use chat_tests::TestServer;
use chat_tui::client::{ClientError, ClientEvent};

fn at(name: &str) -> Target {
    Target::User(UserName::new(name).unwrap())
}

#[tokio::test]
async fn a_direct_message_reaches_only_its_two_people() {
    let server = TestServer::start().await;
    let mut alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    let mut carol = server.register("carol").await;
    // Carol shares a room with both, so she would hear of anything broadcast to them.
    let general = RoomName::new("general").unwrap();
    for user in [&alice, &bob, &carol] {
        user.client
            .request(Request::Join {
                room: general.clone(),
            })
            .await
            .unwrap();
    }

    alice
        .client
        .send(at("bob"), "just between us".into())
        .await
        .unwrap();
    let (message, conversation, history) = bob.next_message().await;
    assert_eq!(
        (message.text().unwrap(), &conversation, history),
        ("just between us", &at("alice"), false)
    );
    assert_eq!(message.from.as_str(), "alice");
    let (echo, conversation, _) = alice.next_message().await;
    assert_eq!((echo.id, conversation), (message.id, at("bob")));

    carol.assert_no_message(Duration::from_millis(300)).await;
    // Carol's own conversation with alice is empty: she cannot read theirs.
    let page = carol.client.history(at("alice"), None, 50).await.unwrap();
    assert!(page.messages.is_empty(), "{:?}", page.messages);
    let page = carol.client.history(at("bob"), None, 50).await.unwrap();
    assert!(page.messages.is_empty(), "{:?}", page.messages);

    // Both people read it in their history, each naming the other.
    let page = bob.client.history(at("alice"), None, 50).await.unwrap();
    assert_eq!(page.messages, vec![message.clone()]);
    let page = alice.client.history(at("bob"), None, 50).await.unwrap();
    assert_eq!(page.messages, vec![message]);
}

#[tokio::test]
async fn messages_sent_while_offline_are_delivered_at_the_next_login() {
    let server = TestServer::start().await;
    server.register("bob").await.client.close().await;
    let mut alice = server.register("alice").await;
    let first = alice
        .client
        .send(at("bob"), "are you there?".into())
        .await
        .unwrap()
        .0;
    let second = alice
        .client
        .send(at("bob"), "call me".into())
        .await
        .unwrap()
        .0;

    let mut bob = server.login("bob").await;
    let messages = bob.messages(2).await;
    let got: Vec<_> = messages.iter().map(|m| (m.id, m.text().unwrap())).collect();
    assert_eq!(got, [(first, "are you there?"), (second, "call me")]);
    bob.assert_no_message(Duration::from_millis(300)).await;

    // Once seen and logged out, they are not delivered again. Alice sharing a room with
    // Bob hears when the server has taken him offline.
    let room = RoomName::new("lobby").unwrap();
    alice
        .client
        .request(Request::Join { room: room.clone() })
        .await
        .unwrap();
    bob.client.request(Request::Join { room }).await.unwrap();
    bob.client.close().await;
    loop {
        if let ClientEvent::Presence {
            user,
            online: false,
        } = alice.next_event().await
            && user.as_str() == "bob"
        {
            break;
        }
    }
    let mut bob = server.login("bob").await;
    bob.assert_no_message(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn direct_messages_to_nobody_or_oneself_are_refused() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let code = |result: Result<_, ClientError>| match result {
        Err(ClientError::Server(reply)) => reply.code,
        other => panic!("expected a server error, got {other:?}"),
    };
    assert_eq!(
        code(alice.client.send(at("nobody"), "hello?".into()).await),
        ErrorCode::UnknownUser
    );
    assert_eq!(
        code(alice.client.send(at("alice"), "me".into()).await),
        ErrorCode::InvalidRequest
    );
}
