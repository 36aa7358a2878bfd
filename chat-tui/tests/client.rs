//! The client core against a scripted server: login, catch-up, reconnect and resume.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chat_proto::{
    ClientFrame, ClientMsgId, Credential, ErrorCode, ErrorReply, Event, MessageId, Request,
    Response, RoomSummary,
};
use chat_proto::{Role, RoomEvent};
use chat_tui::{Client, ClientError, ClientEvent};
use support::{Conn, PATIENCE, Server, in_room, message, point, room, room_event, session, user};
use tokio::sync::mpsc;

async fn next_event(events: &mut mpsc::Receiver<ClientEvent>) -> Option<ClientEvent> {
    tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("no event came")
}

/// The ids of the next `n` events, which must all be messages.
async fn message_ids(events: &mut mpsc::Receiver<ClientEvent>, n: usize) -> Vec<u64> {
    let mut ids = Vec::new();
    for _ in 0..n {
        match next_event(events).await {
            Some(ClientEvent::Message { message, .. }) => ids.push(message.id.0),
            other => panic!("expected a message, got {other:?}"),
        }
    }
    ids
}

/// Connects as alice, in room `#a` resuming at 5, with nothing to catch up.
async fn connected(server: &mut Server) -> (Client, mpsc::Receiver<ClientEvent>, Conn) {
    let connecting = tokio::spawn(Client::connect(server.config("alice", false)));
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 5)])).await;
    conn.catch_up(vec![], true).await;
    let (client, events) = connecting.await.unwrap().unwrap();
    (client, events, conn)
}

async fn expect_disconnected(events: &mut mpsc::Receiver<ClientEvent>) -> String {
    match next_event(events).await {
        Some(ClientEvent::Disconnected { reason }) => reason,
        other => panic!("expected a disconnect, got {other:?}"),
    }
}

#[tokio::test]
async fn first_login_catches_up_and_holds_live_events_until_done() {
    let mut server = Server::start().await;
    let connecting = tokio::spawn(Client::connect(server.config("alice", false)));
    let mut conn = server.accept().await;

    let login = conn.log_in(session("alice", &[("a", 5)])).await;
    let password = Credential::Password("password".into());
    assert_eq!(
        login,
        Request::Login {
            user: user("alice"),
            credential: password
        }
    );

    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::CatchUp {
            points: vec![point(in_room("a"), 5)]
        }
    );
    // A live message, newer than everything the catch-up will return, arrives first.
    conn.event(Event::Message(message(9, in_room("a"), "bob")))
        .await;
    let first_page = vec![
        message(6, in_room("a"), "bob"),
        message(7, in_room("a"), "bob"),
    ];
    conn.reply(
        id,
        Response::CatchUp(chat_proto::Page {
            messages: first_page,
            complete: false,
        }),
    )
    .await;
    let points = conn
        .catch_up(
            vec![
                message(8, in_room("a"), "bob"),
                message(9, in_room("a"), "bob"),
            ],
            true,
        )
        .await;
    assert_eq!(points, vec![point(in_room("a"), 7)]);

    let (client, mut events) = connecting.await.unwrap().unwrap();
    assert_eq!(message_ids(&mut events, 4).await, vec![6, 7, 8, 9]);
    assert!(
        events.try_recv().is_err(),
        "the live copy of 9 must not be emitted again"
    );
    assert_eq!(
        client.session().rooms,
        vec![RoomSummary {
            name: room("a"),
            members: 2,
            private: false,
            topic: String::new(),
        }]
    );
    assert_eq!(client.user(), &user("alice"));
}

#[tokio::test]
async fn live_messages_are_emitted_once_with_their_conversation() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;

    conn.event(Event::Message(message(6, in_room("a"), "bob")))
        .await;
    conn.event(Event::Message(message(6, in_room("a"), "bob")))
        .await;
    let dm = message(7, chat_proto::Target::User(user("alice")), "bob");
    conn.event(Event::Message(dm)).await;
    conn.event(Event::Presence {
        user: user("bob"),
        online: false,
    })
    .await;

    match next_event(&mut events).await {
        Some(ClientEvent::Message {
            message,
            conversation,
            history,
        }) => {
            assert_eq!(
                (message.id, conversation, history),
                (MessageId(6), in_room("a"), false)
            );
        }
        other => panic!("{other:?}"),
    }
    match next_event(&mut events).await {
        Some(ClientEvent::Message { conversation, .. }) => {
            assert_eq!(conversation, chat_proto::Target::User(user("bob")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Presence {
            user: user("bob"),
            online: false
        })
    );
}

#[tokio::test]
async fn a_lost_connection_resumes_from_the_cursor_and_resends_what_was_unanswered() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    conn.event(Event::Message(message(6, in_room("a"), "bob")))
        .await;
    assert_eq!(message_ids(&mut events, 1).await, vec![6]);

    let sender = client.clone();
    let sending = tokio::spawn(async move {
        sender
            .send_with_id(in_room("a"), ClientMsgId(77), "hi".into())
            .await
    });
    let (_, request) = conn.request().await;
    assert!(matches!(
        request,
        Request::Send {
            client_id: ClientMsgId(77),
            ..
        }
    ));
    drop(conn);
    expect_disconnected(&mut events).await;

    let mut conn = server.accept().await;
    let login = conn.log_in(session("alice", &[("a", 50)])).await;
    let token = Credential::Token("token-of-alice".into());
    assert_eq!(
        login,
        Request::Login {
            user: user("alice"),
            credential: token
        }
    );
    // The client's cursor (6), not the server's newer point (50), is where it resumes.
    let points = conn
        .catch_up(vec![message(7, in_room("a"), "bob")], true)
        .await;
    assert_eq!(points, vec![point(in_room("a"), 6)]);

    let (id, resent) = conn.request().await;
    assert_eq!(resent, request);
    conn.reply(
        id,
        Response::Sent {
            id: MessageId(8),
            ts_ms: 1,
            duplicate: true,
        },
    )
    .await;
    assert_eq!(sending.await.unwrap().unwrap(), (MessageId(8), true));

    assert_eq!(message_ids(&mut events, 1).await, vec![7]);
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Reconnected)
    );
}

#[tokio::test]
async fn requests_made_while_disconnected_are_sent_once_back() {
    let mut server = Server::start().await;
    let (client, mut events, conn) = connected(&mut server).await;
    drop(conn);
    expect_disconnected(&mut events).await;

    let asking = tokio::spawn(async move { client.rooms().await });
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 5)])).await;
    conn.catch_up(vec![], true).await;
    let (id, request) = conn.request().await;
    assert_eq!(request, Request::ListRooms);
    conn.reply(id, Response::Rooms(vec![])).await;
    assert_eq!(asking.await.unwrap().unwrap(), vec![]);
}

#[tokio::test]
async fn a_refused_token_falls_back_to_the_password_and_never_registers_again() {
    let mut server = Server::start().await;
    let connecting = tokio::spawn(Client::connect(server.config("alice", true)));
    let mut conn = server.accept().await;
    let first = conn.log_in(session("alice", &[])).await;
    assert!(matches!(first, Request::Register { .. }));
    let (_client, mut events) = connecting.await.unwrap().unwrap();

    drop(conn);
    expect_disconnected(&mut events).await;
    let mut conn = server.accept().await;
    conn.welcome().await;
    let (id, login) = conn.request().await;
    assert!(matches!(
        login,
        Request::Login {
            credential: Credential::Token(_),
            ..
        }
    ));
    conn.refuse(id, ErrorCode::InvalidToken).await;
    let (id, login) = conn.request().await;
    let password = Credential::Password("password".into());
    assert_eq!(
        login,
        Request::Login {
            user: user("alice"),
            credential: password
        }
    );
    conn.reply(id, Response::Session(session("alice", &[])))
        .await;
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Reconnected)
    );
}

#[tokio::test]
async fn a_login_refused_for_good_on_reconnect_stops_the_client() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    let asker = client.clone();
    let asking = tokio::spawn(async move { asker.rooms().await });
    conn.request().await;
    drop(conn);
    expect_disconnected(&mut events).await;

    let mut conn = server.accept().await;
    conn.welcome().await;
    let (id, _) = conn.request().await;
    conn.refuse(id, ErrorCode::InvalidToken).await;
    let (id, _) = conn.request().await;
    conn.refuse(id, ErrorCode::WrongPassword).await;

    let err = asking.await.unwrap().unwrap_err();
    assert!(matches!(&err, ClientError::Server(reply) if reply.code == ErrorCode::WrongPassword));
    assert_eq!(expect_disconnected(&mut events).await, "wrong password");
    assert_eq!(next_event(&mut events).await, None);
    assert!(matches!(client.rooms().await, Err(ClientError::Closed)));
    assert!(
        server
            .connection_within(Duration::from_millis(500))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn drop_connection_reconnects_by_itself() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    client.drop_connection().await;
    assert!(conn.closed_within(PATIENCE).await);
    assert_eq!(
        expect_disconnected(&mut events).await,
        "connection dropped on request"
    );

    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 5)])).await;
    conn.catch_up(vec![], true).await;
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Reconnected)
    );
}

#[tokio::test]
async fn a_room_joined_resumes_from_the_join_after_a_reconnect() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    let joiner = client.clone();
    let joining = tokio::spawn(async move { joiner.join(room("b")).await });
    let (id, request) = conn.request().await;
    assert_eq!(request, Request::Join { room: room("b") });
    let summary = RoomSummary {
        name: room("b"),
        members: 4,
        private: false,
        topic: String::new(),
    };
    conn.reply(
        id,
        Response::Joined {
            room: summary.clone(),
            latest: MessageId(20),
        },
    )
    .await;
    assert_eq!(joining.await.unwrap().unwrap(), summary);

    drop(conn);
    expect_disconnected(&mut events).await;
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 5), ("b", 30)])).await;
    let points = conn.catch_up(vec![], true).await;
    assert_eq!(
        points,
        vec![point(in_room("a"), 5), point(in_room("b"), 20)]
    );
}

#[tokio::test]
async fn the_server_closing_the_connection_is_a_disconnect_with_its_reason() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;
    conn.send(chat_proto::ServerFrame::Closing(
        ErrorCode::ShuttingDown.into(),
    ))
    .await;
    let reason = expect_disconnected(&mut events).await;
    assert!(reason.contains("shutting down"), "{reason}");
}

/// What the client logged, as text.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_reason_given_by_the_server_is_logged_with_its_control_characters_escaped() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;
    let reason = ErrorReply::new(ErrorCode::ShuttingDown, "bye\u{1b}[2J\u{1b}]0;owned\u{7}");
    conn.send(chat_proto::ServerFrame::Closing(reason)).await;
    expect_disconnected(&mut events).await;

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("connection lost"), "{text}");
    assert!(text.contains(r"bye\u{1b}[2J"), "{text}");
    assert!(!text.contains(['\u{1b}', '\u{7}']), "{text:?}");
}

#[tokio::test]
async fn close_fails_pending_requests_and_ends_the_events() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    let asker = client.clone();
    let asking = tokio::spawn(async move { asker.rooms().await });
    conn.request().await;

    client.close().await;
    assert!(matches!(asking.await.unwrap(), Err(ClientError::Closed)));
    assert_eq!(next_event(&mut events).await, None);
    assert!(conn.closed_within(PATIENCE).await);
    assert!(matches!(client.rooms().await, Err(ClientError::Closed)));
}

#[tokio::test]
async fn server_errors_reach_the_caller() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let sending = tokio::spawn(async move { client.send(in_room("zzz"), "x".into()).await });
    let (id, _) = conn.request().await;
    conn.refuse(id, ErrorCode::Forbidden).await;
    let err = sending.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "forbidden");
}

#[tokio::test]
async fn first_attempt_errors_are_returned() {
    let mut server = Server::start().await;

    let connecting = tokio::spawn(Client::connect(server.config("alice", false)));
    let mut conn = server.accept().await;
    conn.welcome().await;
    let (id, _) = conn.request().await;
    conn.refuse(id, ErrorCode::WrongPassword).await;
    let err = connecting.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "wrong_password");

    let connecting = tokio::spawn(Client::connect(server.config("alice", false)));
    let mut conn = server.accept().await;
    conn.recv().await;
    let mismatch = ErrorCode::VersionMismatch {
        server: 2,
        client: 1,
    };
    conn.send(chat_proto::ServerFrame::Closing(mismatch.into()))
        .await;
    let err = connecting.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "version_mismatch");
    assert!(err.to_string().contains("version 2"), "{err}");
}

#[tokio::test]
async fn a_server_not_signed_by_the_ca_is_refused() {
    let server = Server::start().await;
    let mut config = server.config("alice", false);
    config.ca_file = server.other_ca_file.clone();
    let err = Client::connect(config).await.unwrap_err();
    assert!(matches!(err, ClientError::Tls(_)), "{err:?}");
}

#[tokio::test]
async fn connection_and_configuration_failures_are_returned() {
    let server = Server::start().await;
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = server.config("alice", false);
    config.server = free.to_string();
    assert!(matches!(
        Client::connect(config).await,
        Err(ClientError::Io(_))
    ));

    let mut config = server.config("alice", false);
    config.ca_file = "/nonexistent/ca.pem".into();
    assert!(matches!(
        Client::connect(config).await,
        Err(ClientError::Config(_))
    ));
}

#[tokio::test]
async fn a_catch_up_larger_than_the_event_channel_does_not_block_connect() {
    let mut server = Server::start().await;
    let connecting = tokio::spawn(Client::connect(server.config("alice", false)));
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 0)])).await;
    let missed = (1..=3000)
        .map(|id| message(id, in_room("a"), "bob"))
        .collect();
    conn.catch_up(missed, true).await;

    let (_client, mut events) = connecting.await.unwrap().unwrap();
    let ids = message_ids(&mut events, 3000).await;
    assert!(ids.iter().copied().eq(1..=3000));
}

#[tokio::test]
async fn a_server_that_stops_answering_is_given_up_on() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    let _asking = tokio::spawn(async move { client.rooms().await });
    conn.request().await;

    // With the clock paused, the only timer left is the client's silence limit, which the
    // runtime jumps to as soon as everything waits.
    tokio::time::pause();
    match events.recv().await {
        Some(ClientEvent::Disconnected { reason }) => {
            assert_eq!(reason, "server stopped answering");
        }
        other => panic!("expected a disconnect, got {other:?}"),
    }
}

#[tokio::test]
async fn a_quiet_client_pings_and_gives_up_when_no_answer_comes() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;

    // With the clock paused, the runtime jumps to the client's next timer whenever all wait.
    tokio::time::pause();
    let long_enough = Duration::from_secs(120);
    let ClientFrame::Request { id, request } = conn.recv_within(long_enough).await else {
        panic!("expected a request");
    };
    assert_eq!(request, Request::Ping);
    conn.reply(id, Response::Done).await;

    // Answered, so the connection stands; the next ping goes unanswered.
    let ClientFrame::Request { request, .. } = conn.recv_within(long_enough).await else {
        panic!("expected a request");
    };
    assert_eq!(request, Request::Ping);
    match events.recv().await {
        Some(ClientEvent::Disconnected { reason }) => {
            assert_eq!(reason, "server stopped answering");
        }
        other => panic!("expected a disconnect, got {other:?}"),
    }
}

/// Drops the connection and logs in again with `rooms`; returns the catch-up's points.
async fn reconnect(
    server: &mut Server,
    conn: Conn,
    events: &mut mpsc::Receiver<ClientEvent>,
    rooms: &[(&str, u64)],
) -> Vec<chat_proto::ResumePoint> {
    drop(conn);
    expect_disconnected(events).await;
    let mut conn = server.accept().await;
    conn.log_in(session("alice", rooms)).await;
    conn.catch_up(vec![], true).await
}

#[tokio::test]
async fn a_renamed_room_resumes_under_its_new_name_from_where_it_was() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;
    // An older #b, since left and gone, had reached 3; the ids of all conversations come
    // from one counter, so the rename, later, is past it.
    conn.event(Event::Message(message(3, in_room("b"), "bob")))
        .await;
    conn.event(Event::Message(message(6, in_room("a"), "bob")))
        .await;
    let rename = RoomEvent::Renamed {
        from: room("a"),
        to: room("b"),
    };
    conn.event(Event::Message(room_event(8, "b", "bob", rename)))
        .await;
    assert_eq!(message_ids(&mut events, 2).await, vec![3, 6]);
    match next_event(&mut events).await {
        Some(ClientEvent::Message {
            message,
            conversation,
            ..
        }) => assert_eq!((message.id.0, conversation), (8, in_room("b"))),
        other => panic!("expected the rename, got {other:?}"),
    }

    // The server names the room by its new name, at its newest message; the client
    // resumes from the rename, so nothing said after it is skipped.
    let points = reconnect(&mut server, conn, &mut events, &[("b", 30)]).await;
    assert_eq!(points, vec![point(in_room("b"), 8)]);
}

#[tokio::test]
async fn a_user_removed_from_a_room_hears_no_more_of_it_and_forgets_where_it_was() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;
    let kick = RoomEvent::Kicked {
        user: user("alice"),
        reason: "spam".into(),
    };
    conn.event(Event::Message(room_event(6, "a", "bob", kick.clone())))
        .await;
    conn.event(Event::Message(room_event(6, "a", "bob", kick)))
        .await;
    conn.event(Event::Joined {
        room: room("a"),
        user: user("carol"),
    })
    .await;
    conn.event(Event::Message(message(7, in_room("a"), "bob")))
        .await;
    conn.event(Event::Presence {
        user: user("bob"),
        online: false,
    })
    .await;

    match next_event(&mut events).await {
        Some(ClientEvent::Message { message, .. }) => {
            assert_eq!(
                message.event().and_then(RoomEvent::removes),
                Some(&user("alice"))
            );
        }
        other => panic!("expected the kick, got {other:?}"),
    }
    assert!(
        matches!(
            next_event(&mut events).await,
            Some(ClientEvent::Presence { .. })
        ),
        "nothing more of #a comes through"
    );

    // Back in the room from another device: it resumes from the server's point, not from
    // the removal, which would hand over what was said while the user was out.
    drop(conn);
    expect_disconnected(&mut events).await;
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 40)])).await;
    assert_eq!(
        conn.catch_up(vec![], true).await,
        vec![point(in_room("a"), 40)]
    );
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Reconnected)
    );
    // And what is said there comes through again.
    conn.event(Event::Message(message(41, in_room("a"), "bob")))
        .await;
    assert_eq!(message_ids(&mut events, 1).await, vec![41]);
}

#[tokio::test]
async fn a_room_left_by_a_kick_while_away_and_rejoined_elsewhere_is_heard_again() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;
    conn.event(Event::Message(message(6, in_room("a"), "bob")))
        .await;
    assert_eq!(message_ids(&mut events, 1).await, vec![6]);
    drop(conn);
    expect_disconnected(&mut events).await;

    // Kicked at 10, back in from another device before the login at 40: the catch-up
    // from 6 replays the kick, which the rejoin undid.
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 40)])).await;
    let kick = RoomEvent::Kicked {
        user: user("alice"),
        reason: "spam".into(),
    };
    let missed = vec![
        room_event(10, "a", "bob", kick),
        message(20, in_room("a"), "bob"),
    ];
    assert_eq!(
        conn.catch_up(missed, true).await,
        vec![point(in_room("a"), 6)]
    );
    assert_eq!(message_ids(&mut events, 2).await, vec![10, 20]);
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Reconnected)
    );
    conn.event(Event::Message(message(41, in_room("a"), "bob")))
        .await;
    assert_eq!(message_ids(&mut events, 1).await, vec![41]);
}

#[tokio::test]
async fn removals_while_away_come_first_after_the_login() {
    let mut server = Server::start().await;
    let connecting = tokio::spawn(Client::connect(server.config("alice", false)));
    let mut conn = server.accept().await;
    let ban = RoomEvent::Banned {
        user: user("alice"),
        reason: "spam".into(),
    };
    let mut login = session("alice", &[("a", 5)]);
    login.removals = vec![room_event(4, "x", "bob", ban)];
    conn.log_in(login).await;
    conn.catch_up(vec![message(6, in_room("a"), "bob")], true)
        .await;
    let (_client, mut events) = connecting.await.unwrap().unwrap();
    match next_event(&mut events).await {
        Some(ClientEvent::Message {
            message,
            conversation,
            history,
        }) => {
            assert_eq!(
                (message.id.0, conversation, history),
                (4, in_room("x"), false)
            );
        }
        other => panic!("expected the ban, got {other:?}"),
    }
    assert_eq!(message_ids(&mut events, 1).await, vec![6]);
}

#[tokio::test]
async fn a_removal_seen_live_is_not_told_again_after_a_reconnect() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;
    let kick = room_event(
        6,
        "a",
        "bob",
        RoomEvent::Kicked {
            user: user("alice"),
            reason: String::new(),
        },
    );
    conn.event(Event::Message(kick.clone())).await;
    assert_eq!(message_ids(&mut events, 1).await, vec![6]);
    drop(conn);
    expect_disconnected(&mut events).await;

    // Another device of the user stayed online, so the removal is still listed.
    let mut conn = server.accept().await;
    let mut login = session("alice", &[("b", 30)]);
    login.removals = vec![kick];
    conn.log_in(login).await;
    conn.catch_up(vec![], true).await;
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Reconnected)
    );
}

#[tokio::test]
async fn a_deleted_room_is_reported_and_its_cursor_dropped() {
    let mut server = Server::start().await;
    let (_client, mut events, mut conn) = connected(&mut server).await;
    conn.event(Event::Message(message(6, in_room("a"), "bob")))
        .await;
    conn.event(Event::RoomDeleted {
        room: room("a"),
        by: user("bob"),
    })
    .await;
    assert_eq!(message_ids(&mut events, 1).await, vec![6]);
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::RoomDeleted {
            room: room("a"),
            by: user("bob")
        })
    );

    // A new room of the same name starts afresh.
    let points = reconnect(&mut server, conn, &mut events, &[("a", 2)]).await;
    assert_eq!(points, vec![point(in_room("a"), 2)]);
}

#[tokio::test]
async fn invitations_arrive_as_events_and_accepting_one_joins_the_room() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    let invitation = chat_proto::Invitation {
        room: room("secret"),
        by: user("bob"),
    };
    conn.event(Event::Invited(invitation.clone())).await;
    assert_eq!(
        next_event(&mut events).await,
        Some(ClientEvent::Invited(invitation))
    );

    let accepter = client.clone();
    let accepting = tokio::spawn(async move { accepter.accept(room("secret")).await });
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::Accept {
            room: room("secret")
        }
    );
    let summary = RoomSummary {
        name: room("secret"),
        members: 2,
        private: true,
        topic: "plans".into(),
    };
    conn.reply(
        id,
        Response::Joined {
            room: summary.clone(),
            latest: MessageId(12),
        },
    )
    .await;
    assert_eq!(accepting.await.unwrap().unwrap(), summary);

    let points = reconnect(&mut server, conn, &mut events, &[("a", 5), ("secret", 30)]).await;
    assert_eq!(points[1], point(in_room("secret"), 12));
}

#[tokio::test]
async fn group_requests_go_out_as_asked_and_their_errors_come_back() {
    let mut server = Server::start().await;
    let (client, mut events, mut conn) = connected(&mut server).await;
    let asker = client.clone();
    let asking = tokio::spawn(async move {
        asker.set_role(room("a"), user("bob"), Role::Owner).await?;
        asker.kick(room("a"), user("carol"), "spam".into()).await
    });
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::SetRole {
            room: room("a"),
            user: user("bob"),
            role: Role::Owner
        }
    );
    conn.reply(id, Response::Done).await;
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::Kick {
            room: room("a"),
            user: user("carol"),
            reason: "spam".into()
        }
    );
    conn.refuse(id, ErrorCode::Forbidden).await;
    let err = asking.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "forbidden");

    let creator = client.clone();
    let creating = tokio::spawn(async move { creator.create(room("new"), true).await });
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::Create {
            room: room("new"),
            private: true
        }
    );
    // Answered as a join is: the room, and its newest message, where it resumes from.
    let made = RoomSummary {
        name: room("new"),
        members: 1,
        private: true,
        topic: String::new(),
    };
    conn.reply(
        id,
        Response::Joined {
            room: made.clone(),
            latest: MessageId(12),
        },
    )
    .await;
    assert_eq!(creating.await.unwrap().unwrap(), made);

    let points = reconnect(&mut server, conn, &mut events, &[("a", 5), ("new", 30)]).await;
    assert_eq!(points[1], point(in_room("new"), 12));
}
