//! Frames no well-behaved client sends: each gets a clear closing reason, closes only its
//! own connection, and loses nothing stored.

use chat_proto::{
    ClientFrame, ClientMsgId, ErrorCode, Hello, MAX_FRAME_LEN, Request, RequestId, RoomName,
    ServerFrame, Target,
};
use chat_tests::TestServer;

fn closing_code(frame: Option<ServerFrame>) -> ErrorCode {
    match frame {
        Some(ServerFrame::Closing(reply)) => reply.code,
        other => panic!("expected a closing frame, got {other:?}"),
    }
}

async fn assert_closed(raw: &mut chat_tests::RawConnection) {
    assert!(
        raw.recv().await.is_none(),
        "the server should close the connection"
    );
}

#[tokio::test]
async fn an_oversized_frame_closes_only_that_connection() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let (before, _) = alice
        .client
        .send(general.clone(), "before".into())
        .await
        .unwrap();

    let mut raw = server.raw().await;
    raw.hello().await;
    let claimed = u32::try_from(MAX_FRAME_LEN + 1).unwrap();
    raw.send_raw(&claimed.to_be_bytes()).await;
    let limit = MAX_FRAME_LEN as u32;
    assert_eq!(
        closing_code(raw.recv().await),
        ErrorCode::FrameTooLarge { limit }
    );
    assert_closed(&mut raw).await;

    // Everyone else carries on, and what was stored is still there.
    let (after, _) = alice
        .client
        .send(general.clone(), "after".into())
        .await
        .unwrap();
    assert!(after > before);
    let texts: Vec<_> = alice
        .whole_history(&general)
        .await
        .into_iter()
        .map(|m| m.text().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["before", "after"]);
}

#[tokio::test]
async fn an_undecodable_frame_is_refused_with_bad_frame() {
    let server = TestServer::start().await;
    let mut raw = server.raw().await;
    raw.hello().await;
    raw.send_raw(&[0, 0, 0, 3, 0xff, 0xff, 0xff]).await;
    assert_eq!(closing_code(raw.recv().await), ErrorCode::BadFrame);
    assert_closed(&mut raw).await;
}

#[tokio::test]
async fn a_frame_with_an_invalid_name_is_refused_with_bad_frame() {
    // A Join whose room name has a space: the codec never builds an invalid name.
    #[derive(serde::Serialize)]
    enum RawRequest {
        #[allow(dead_code)]
        Register,
        #[allow(dead_code)]
        Login,
        Join {
            room: String,
        },
    }
    #[derive(serde::Serialize)]
    enum RawFrame {
        #[allow(dead_code)]
        Hello,
        Request {
            id: u64,
            request: RawRequest,
        },
    }
    let server = TestServer::start().await;
    let mut raw = server.raw().await;
    raw.hello().await;
    let body = chat_proto::codec::encode_frame(&RawFrame::Request {
        id: 1,
        request: RawRequest::Join {
            room: "two words".into(),
        },
    })
    .unwrap();
    raw.send_raw(&body).await;
    assert_eq!(closing_code(raw.recv().await), ErrorCode::BadFrame);
}

#[tokio::test]
async fn a_version_mismatch_names_both_versions() {
    let server = TestServer::start().await;
    let mut raw = server.raw().await;
    raw.send(ClientFrame::Hello(Hello {
        version: 999,
        client: "future".into(),
    }))
    .await;
    match raw.recv().await {
        Some(ServerFrame::Closing(reply)) => {
            assert_eq!(
                reply.code,
                ErrorCode::VersionMismatch {
                    server: chat_proto::PROTOCOL_VERSION,
                    client: 999
                }
            );
            assert!(
                reply.message.contains("999")
                    && reply
                        .message
                        .contains(&chat_proto::PROTOCOL_VERSION.to_string()),
                "{}",
                reply.message
            );
        }
        other => panic!("expected a closing frame, got {other:?}"),
    }
    assert_closed(&mut raw).await;
}

#[tokio::test]
async fn a_request_before_the_hello_is_refused() {
    let server = TestServer::start().await;
    let mut raw = server.raw().await;
    raw.send(ClientFrame::Request {
        id: RequestId(1),
        request: Request::ListRooms,
    })
    .await;
    assert_eq!(closing_code(raw.recv().await), ErrorCode::BadFrame);
}

#[tokio::test]
async fn a_request_before_login_gets_not_logged_in_and_the_connection_stays_usable() {
    let server = TestServer::start().await;
    let mut raw = server.raw().await;
    raw.hello().await;
    let send = Request::Send {
        to: Target::Room(RoomName::new("general").unwrap()),
        client_id: ClientMsgId(1),
        text: "hi".into(),
    };
    raw.send(ClientFrame::Request {
        id: RequestId(7),
        request: send,
    })
    .await;
    match raw.recv().await {
        Some(ServerFrame::Reply {
            id,
            result: Err(reply),
        }) => {
            assert_eq!(id, RequestId(7));
            assert_eq!(reply.code, ErrorCode::NotLoggedIn);
        }
        other => panic!("expected an error reply, got {other:?}"),
    }
    raw.send(ClientFrame::Request {
        id: RequestId(8),
        request: Request::ListRooms,
    })
    .await;
    assert!(matches!(
        raw.recv().await,
        Some(ServerFrame::Reply {
            id: RequestId(8),
            result: Err(_)
        })
    ));
}

#[tokio::test]
async fn a_second_hello_is_refused() {
    let server = TestServer::start().await;
    let mut raw = server.raw().await;
    raw.hello().await;
    raw.send(ClientFrame::Hello(Hello {
        version: 1,
        client: "again".into(),
    }))
    .await;
    assert_eq!(closing_code(raw.recv().await), ErrorCode::BadFrame);
}

#[tokio::test]
async fn a_silent_connection_is_closed_as_idle() {
    let server = TestServer::start_configured(|config| config.limits.idle_timeout_s = 1).await;
    let mut raw = server.raw().await;
    raw.hello().await;
    assert_eq!(closing_code(raw.recv().await), ErrorCode::Idle);
    assert_closed(&mut raw).await;
}
