//! History: paging back through a conversation, and keeping it across restarts.

use chat_proto::{Request, RoomName, Target};
use chat_tests::TestServer;

#[tokio::test]
async fn history_pages_back_to_the_first_message() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let sent = alice.send_numbered(&general, "message", 25).await;

    let newest = alice
        .client
        .history(general.clone(), None, 10)
        .await
        .unwrap();
    assert!(!newest.complete);
    let ids: Vec<_> = newest.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, sent[15..]);

    let middle = alice
        .client
        .history(general.clone(), Some(ids[0]), 10)
        .await
        .unwrap();
    assert!(!middle.complete);
    let ids: Vec<_> = middle.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, sent[5..15]);

    let oldest = alice
        .client
        .history(general, Some(ids[0]), 10)
        .await
        .unwrap();
    assert!(oldest.complete);
    let texts: Vec<_> = oldest.messages.iter().filter_map(|m| m.text()).collect();
    assert_eq!(
        texts,
        [
            "message 0",
            "message 1",
            "message 2",
            "message 3",
            "message 4"
        ]
    );
}

#[tokio::test]
async fn history_survives_a_restart() {
    let mut server = TestServer::start().await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let sent = alice.send_numbered(&general, "kept", 5).await;
    alice.client.close().await;

    server.restart().await;

    let alice = server.login("alice").await;
    let page = alice
        .client
        .history(general.clone(), None, 50)
        .await
        .unwrap();
    // The room's creation comes first.
    let ids: Vec<_> = page.messages.iter().skip(1).map(|m| m.id).collect();
    assert_eq!(ids, sent);
    assert!(page.complete);
    // New messages continue after the old ones.
    let next = alice
        .client
        .send(general, "after the restart".into())
        .await
        .unwrap()
        .0;
    assert!(next > *sent.last().unwrap());
}

#[tokio::test]
async fn pages_of_long_messages_fit_in_a_frame_and_page_on() {
    let server = TestServer::start_configured(chat_tests::unthrottled).await;
    let alice = server.register("alice").await;
    let logs = alice.join_room("logs").await;
    // 100 messages of the longest kind: 400 KiB, more than one frame holds.
    let long = "z".repeat(chat_proto::MAX_MESSAGE_LEN);
    let mut sent = Vec::new();
    for _ in 0..100 {
        sent.push(
            alice
                .client
                .send(logs.clone(), long.clone())
                .await
                .unwrap()
                .0,
        );
    }

    let fetched: Vec<_> = alice
        .whole_history(&logs)
        .await
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(fetched, sent);
}

#[tokio::test]
async fn a_history_read_sent_right_after_a_send_sees_it() {
    use chat_proto::{ClientFrame, ClientMsgId, RequestId, Response, ServerFrame, UserName};

    let server = TestServer::start().await;
    let mut raw = server.raw().await;
    raw.hello().await;
    let user = UserName::new("alice").unwrap();
    let register = Request::Register {
        user,
        password: "alice-password".into(),
    };
    raw.request(1, register).await.unwrap();
    let room = RoomName::new("general").unwrap();
    raw.request(2, Request::Join { room: room.clone() })
        .await
        .unwrap();

    // Both go out before either is answered, as a script piping commands would send them.
    let general = Target::Room(room);
    let send = Request::Send {
        to: general.clone(),
        client_id: ClientMsgId(1),
        text: "mine".into(),
    };
    raw.send(ClientFrame::Request {
        id: RequestId(3),
        request: send,
    })
    .await;
    let history = Request::History {
        target: general,
        before: None,
        limit: 10,
    };
    raw.send(ClientFrame::Request {
        id: RequestId(4),
        request: history,
    })
    .await;
    loop {
        match raw.recv().await {
            Some(ServerFrame::Reply {
                id: RequestId(4),
                result,
            }) => {
                let Ok(Response::History(page)) = result else {
                    panic!("{result:?}")
                };
                let texts: Vec<_> = page.messages.iter().filter_map(|m| m.text()).collect();
                assert_eq!(texts, ["mine"]);
                break;
            }
            Some(_) => {}
            None => panic!("connection closed"),
        }
    }
}
