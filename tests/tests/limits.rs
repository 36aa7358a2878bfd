//! Every configurable limit, each shown refusing with its clear error at the limit, and the
//! rate limits that keep a guesser or a flooder from getting far.

use std::time::Duration;

use chat_proto::{ClientFrame, ErrorCode, RoomName, ServerFrame, Target};
use chat_tests::TestServer;
use chat_tui::client::{Client, ClientConfig, ClientError};
use tokio::io::AsyncReadExt;

fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ErrorCode {
    match result {
        Err(ClientError::Server(reply)) => reply.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

async fn login_code(config: ClientConfig) -> ErrorCode {
    code(Client::connect(config).await.map(|_| ()))
}

fn general() -> RoomName {
    RoomName::new("general").unwrap()
}

async fn closing_code(raw: &mut chat_tests::RawConnection) -> ErrorCode {
    match raw.recv().await {
        Some(ServerFrame::Closing(reply)) => reply.code,
        other => panic!("expected a closing frame, got {other:?}"),
    }
}

#[tokio::test]
async fn password_guesses_for_one_account_are_limited_even_with_the_right_password() {
    let server = TestServer::start_configured(|c| c.limits.logins_per_minute_per_account = 3).await;
    server.register("alice").await.client.close().await;
    let mut wrong = server.client_config("alice", false);
    wrong.password = "guess".into();
    // The registration was the first attempt on the account.
    for _ in 0..2 {
        assert_eq!(login_code(wrong.clone()).await, ErrorCode::WrongPassword);
    }
    match Client::connect(server.client_config("alice", false)).await {
        Err(ClientError::Server(reply)) => {
            let ErrorCode::RateLimited { retry_after_ms } = reply.code else {
                panic!("expected a rate limit, got {reply:?}")
            };
            assert!(retry_after_ms > 1000, "{retry_after_ms}");
            assert!(
                reply.message.starts_with("too many requests; try again in"),
                "{reply}"
            );
        }
        Err(other) => panic!("expected a rate limit, got {other}"),
        Ok(_) => panic!("a limited account must not log in"),
    }
}

#[tokio::test]
async fn password_attempts_from_one_address_are_limited() {
    let server = TestServer::start_configured(|c| c.limits.logins_per_minute_per_address = 2).await;
    server.register("alice").await;
    server.register("bob").await;
    let third = login_code(server.client_config("carol", true)).await;
    assert!(matches!(third, ErrorCode::RateLimited { .. }), "{third:?}");
}

#[tokio::test]
async fn a_flooding_user_is_refused_while_others_carry_on() {
    let server = TestServer::start_configured(|c| {
        c.limits.messages_per_second = 1;
        c.limits.message_burst = 5;
    })
    .await;
    let flooder = server.register("flooder").await;
    let bob = server.register("bob").await;
    let mut carol = server.register("carol").await;
    for user in [&flooder, &bob, &carol] {
        user.client.join(general()).await.unwrap();
    }
    let room = Target::Room(general());
    let mut accepted = 0;
    let mut refused = 0;
    for n in 0..30 {
        match flooder.client.send(room.clone(), format!("spam {n}")).await {
            Ok(_) => accepted += 1,
            Err(ClientError::Server(reply)) => {
                assert!(
                    matches!(reply.code, ErrorCode::RateLimited { .. }),
                    "{reply:?}"
                );
                refused += 1;
            }
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert!(
        (5..=7).contains(&accepted),
        "the burst, and little more, gets through: {accepted}"
    );
    assert_eq!(accepted + refused, 30);

    // Bob is not limited by the flooder's quota, and Carol receives him.
    let (id, _) = bob.client.send(room, "not spam".into()).await.unwrap();
    let texts: Vec<_> = carol
        .messages(accepted + 1)
        .await
        .into_iter()
        .map(|m| (m.id, m.text().unwrap().to_owned()))
        .collect();
    assert_eq!(texts.last().unwrap(), &(id, "not spam".to_string()));
}

#[tokio::test]
async fn the_per_address_connection_cap_holds_and_says_so() {
    let server = TestServer::start_configured(|c| c.limits.max_connections_per_address = 2).await;
    let mut first = server.raw().await;
    first.hello().await;
    let mut second = server.raw().await;
    second.hello().await;
    let mut third = server.raw().await;
    assert_eq!(
        closing_code(&mut third).await,
        ErrorCode::TooManyConnections
    );

    // A place freed is a place to take.
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        let mut raw = server.raw().await;
        raw.send(ClientFrame::Hello(chat_proto::Hello {
            version: chat_proto::PROTOCOL_VERSION,
            client: "t".into(),
        }))
        .await;
        if let Some(ServerFrame::Welcome(_)) = raw.recv().await {
            again = Some(raw);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "the freed place was never given back");
    drop(second);
}

#[tokio::test]
async fn the_total_connection_cap_holds_and_says_so() {
    let server = TestServer::start_configured(|c| c.limits.max_connections = 1).await;
    let mut first = server.raw().await;
    first.hello().await;
    let mut second = server.raw().await;
    assert_eq!(
        closing_code(&mut second).await,
        ErrorCode::TooManyConnections
    );
}

#[tokio::test]
async fn the_message_length_limit_is_the_configured_one() {
    let server = TestServer::start_configured(|c| c.limits.max_message_len = 10).await;
    let alice = server.register("alice").await;
    alice.client.join(general()).await.unwrap();
    let room = Target::Room(general());
    alice
        .client
        .send(room.clone(), "0123456789".into())
        .await
        .unwrap();
    let refused = code(alice.client.send(room, "0123456789a".into()).await);
    assert_eq!(refused, ErrorCode::MessageTooLong { limit: 10 });
}

#[tokio::test]
async fn the_frame_size_limit_is_the_configured_one() {
    let server = TestServer::start_configured(|c| c.limits.max_frame_len = 1024).await;
    let mut raw = server.raw().await;
    raw.hello().await;
    raw.send_raw(&1025u32.to_be_bytes()).await;
    assert_eq!(
        closing_code(&mut raw).await,
        ErrorCode::FrameTooLarge { limit: 1024 }
    );
}

#[tokio::test]
async fn the_rooms_per_user_limit_refuses_one_more_room() {
    let server = TestServer::start_configured(|c| c.limits.max_rooms_per_user = 2).await;
    let alice = server.register("alice").await;
    for name in ["one", "two"] {
        alice
            .client
            .join(RoomName::new(name).unwrap())
            .await
            .unwrap();
    }
    let third = code(alice.client.join(RoomName::new("three").unwrap()).await);
    assert_eq!(third, ErrorCode::TooManyRooms { limit: 2 });
    // Joining a room one is in is no new room.
    alice
        .client
        .join(RoomName::new("one").unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_members_per_room_limit_refuses_one_more_member() {
    let server = TestServer::start_configured(|c| c.limits.max_members_per_room = 2).await;
    for name in ["alice", "bob"] {
        server
            .register(name)
            .await
            .client
            .join(general())
            .await
            .unwrap();
    }
    let carol = server.register("carol").await;
    assert_eq!(
        code(carol.client.join(general()).await),
        ErrorCode::RoomFull { limit: 2 }
    );
}

#[tokio::test]
async fn a_full_database_refuses_writes_clearly_and_keeps_what_it_has() {
    let server = TestServer::start_configured(|c| {
        c.limits.max_database_mib = Some(1);
        chat_tests::unthrottled(c);
    })
    .await;
    let alice = server.register("alice").await;
    alice.client.join(general()).await.unwrap();
    let room = Target::Room(general());
    let long = "x".repeat(chat_proto::MAX_MESSAGE_LEN);
    let mut stored = Vec::new();
    let full = loop {
        match alice.client.send(room.clone(), long.clone()).await {
            Ok((id, _)) => stored.push(id),
            Err(err) => break code::<()>(Err(err)),
        }
        assert!(stored.len() < 1000, "a 1 MiB database cannot hold 4 MB");
    };
    assert_eq!(full, ErrorCode::StorageFull);
    assert!(!stored.is_empty());

    // Reads still work, and every acknowledged message is there.
    let ids: Vec<_> = alice
        .whole_history(&room)
        .await
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, stored);
}

#[tokio::test]
async fn a_connection_that_never_finishes_the_handshake_is_closed() {
    let server = TestServer::start_configured(|c| c.limits.handshake_timeout_s = 1).await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "the server should hang up: {read:?}"
    );
}

#[tokio::test]
async fn a_connection_that_never_logs_in_is_closed() {
    let server = TestServer::start_configured(|c| c.limits.login_timeout_s = 1).await;
    let mut raw = server.raw().await;
    raw.hello().await;
    match raw.recv().await {
        Some(ServerFrame::Closing(reply)) => {
            assert_eq!(reply.code, ErrorCode::NotLoggedIn);
            assert_eq!(reply.message, "login timed out");
        }
        other => panic!("expected a closing frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_is_cut_off_and_delays_no_one() {
    let server = TestServer::start_configured(|c| {
        c.limits.outbound_queue = 16;
        chat_tests::unthrottled(c);
    })
    .await;
    let mut stalled = server.raw().await;
    stalled.hello().await;
    let user = chat_proto::UserName::new("stalled").unwrap();
    let register = chat_proto::Request::Register {
        user,
        password: "stalled-password".into(),
    };
    stalled.request(1, register).await.unwrap();
    stalled
        .request(2, chat_proto::Request::Join { room: general() })
        .await
        .unwrap();
    // From here on it reads nothing.

    let mut alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    alice.client.join(general()).await.unwrap();
    bob.client.join(general()).await.unwrap();
    // Enough to fill the stalled client's queue and every socket buffer on the way. Alice's
    // and Bob's events are read as they come, as any real client does.
    let count = 1500;
    let bob_reads = tokio::spawn(async move { bob.messages(count).await });
    let sender = alice.client.clone();
    let alice_reads = tokio::spawn(async move { alice.messages(count).await });
    let text = "s".repeat(chat_proto::MAX_MESSAGE_LEN);
    let mut acked = Vec::new();
    for _ in 0..count {
        acked.push(
            sender
                .send(Target::Room(general()), text.clone())
                .await
                .unwrap()
                .0,
        );
    }
    let received: Vec<_> = bob_reads.await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(received, acked, "the other members got everything");
    alice_reads.await.unwrap();

    // The stalled client finds, once it reads, that it was cut off before the end.
    let mut delivered = 0;
    let reason = loop {
        match stalled.recv().await {
            Some(ServerFrame::Event(chat_proto::Event::Message(_))) => delivered += 1,
            Some(ServerFrame::Closing(reply)) => break Some(reply.code),
            Some(_) => {}
            None => break None,
        }
    };
    assert_eq!(reason, Some(ErrorCode::TooSlow));
    assert!(
        delivered < acked.len(),
        "it was cut off, not served: {delivered}"
    );
}
