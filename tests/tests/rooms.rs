//! Rooms: joining, chatting, listing, members and presence, and the errors around them.

use chat_proto::{ErrorCode, MAX_MESSAGE_LEN, Request, Response, RoomName, Target};
use chat_tests::{TestClient, TestServer};
use chat_tui::client::{ClientError, ClientEvent};

fn room(name: &str) -> RoomName {
    RoomName::new(name).unwrap()
}

async fn join(client: &TestClient, name: &str) -> Response {
    client
        .client
        .request(Request::Join { room: room(name) })
        .await
        .unwrap()
}

fn code(result: Result<impl std::fmt::Debug, ClientError>) -> ErrorCode {
    match result {
        Err(ClientError::Server(reply)) => reply.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn three_users_see_the_same_conversation_in_the_same_order() {
    let server = TestServer::start().await;
    let mut users = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let user = server.register(name).await;
        join(&user, "general").await;
        users.push(user);
    }
    let general = Target::Room(room("general"));
    for user in &users {
        for n in 0..3 {
            let text = format!("{} says {n}", user.client.user());
            let (_, duplicate) = user.client.send(general.clone(), text).await.unwrap();
            assert!(!duplicate, "a first send is no duplicate");
        }
    }
    let mut seen = Vec::new();
    for user in &mut users {
        let messages = user.messages(9).await;
        let ids: Vec<_> = messages.iter().map(|m| m.id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
        assert!(messages.iter().all(|m| m.to == general));
        seen.push(messages);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], seen[2]);
    assert_eq!(seen[0][0].text(), Some("alice says 0"));
    assert_eq!(seen[0][8].text(), Some("carol says 2"));
}

#[tokio::test]
async fn joining_creates_a_room_and_members_see_each_other_come_and_go() {
    let server = TestServer::start().await;
    let mut alice = server.register("alice").await;
    match join(&alice, "#General").await {
        Response::Joined { room: summary, .. } => {
            assert_eq!(summary.name, room("general"));
            assert_eq!(summary.members, 1);
        }
        other => panic!("unexpected reply {other:?}"),
    }
    let bob = server.register("bob").await;
    join(&bob, "general").await;
    loop {
        match alice.next_event().await {
            ClientEvent::Joined { room: r, user } if user.as_str() == "bob" => {
                assert_eq!(r, room("general"));
                break;
            }
            _ => {}
        }
    }

    let rooms = alice.client.request(Request::ListRooms).await.unwrap();
    let Response::Rooms(rooms) = rooms else {
        panic!("unexpected reply {rooms:?}")
    };
    assert_eq!(rooms.len(), 1);
    assert_eq!((rooms[0].name.as_str(), rooms[0].members), ("general", 2));

    let members = alice
        .client
        .request(Request::Members {
            room: room("general"),
        })
        .await
        .unwrap();
    let Response::Members(members) = members else {
        panic!("unexpected reply {members:?}")
    };
    let online: Vec<_> = members
        .iter()
        .map(|m| (m.user.as_str(), m.online))
        .collect();
    assert_eq!(online, [("alice", true), ("bob", true)]);

    bob.client.close().await;
    loop {
        if let ClientEvent::Presence { user, online } = alice.next_event().await
            && user.as_str() == "bob"
        {
            assert!(!online);
            break;
        }
    }
    let members = alice
        .client
        .request(Request::Members {
            room: room("general"),
        })
        .await
        .unwrap();
    let Response::Members(members) = members else {
        panic!("unexpected reply {members:?}")
    };
    let online: Vec<_> = members
        .iter()
        .map(|m| (m.user.as_str(), m.online))
        .collect();
    assert_eq!(online, [("alice", true), ("bob", false)]);
}

#[tokio::test]
async fn a_member_who_leaves_receives_nothing_more() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    join(&alice, "general").await;
    join(&bob, "general").await;
    bob.client
        .request(Request::Leave {
            room: room("general"),
        })
        .await
        .unwrap();
    loop {
        if let ClientEvent::Left { user, .. } = bob.next_event().await
            && user.as_str() == "bob"
        {
            break;
        }
    }
    alice
        .client
        .send(Target::Room(room("general")), "bob has gone".into())
        .await
        .unwrap();
    bob.assert_no_message(std::time::Duration::from_millis(300))
        .await;
    assert_eq!(
        code(
            bob.client
                .history(Target::Room(room("general")), None, 10)
                .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            bob.client
                .request(Request::Leave {
                    room: room("general")
                })
                .await
        ),
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn requests_about_rooms_one_is_not_in_are_refused() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    join(&alice, "private-ish").await;

    let nowhere = Target::Room(room("nowhere"));
    assert_eq!(
        code(bob.client.send(nowhere.clone(), "hello?".into()).await),
        ErrorCode::NoSuchRoom
    );
    assert_eq!(
        code(bob.client.history(nowhere, None, 10).await),
        ErrorCode::NoSuchRoom
    );

    let theirs = Target::Room(room("private-ish"));
    assert_eq!(
        code(bob.client.send(theirs.clone(), "let me in".into()).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(bob.client.history(theirs, None, 10).await),
        ErrorCode::Forbidden
    );
    let members = bob
        .client
        .request(Request::Members {
            room: room("private-ish"),
        })
        .await;
    assert_eq!(code(members), ErrorCode::Forbidden);
}

#[tokio::test]
async fn empty_and_overlong_messages_are_refused_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    join(&alice, "general").await;
    let general = Target::Room(room("general"));

    assert_eq!(
        code(alice.client.send(general.clone(), String::new()).await),
        ErrorCode::EmptyMessage
    );
    assert_eq!(
        code(alice.client.send(general.clone(), " \n\t ".into()).await),
        ErrorCode::EmptyMessage
    );
    let long = "x".repeat(MAX_MESSAGE_LEN + 1);
    let limit = MAX_MESSAGE_LEN as u32;
    assert_eq!(
        code(alice.client.send(general.clone(), long).await),
        ErrorCode::MessageTooLong { limit }
    );
    // Exactly at the limit is fine.
    alice
        .client
        .send(general.clone(), "y".repeat(MAX_MESSAGE_LEN))
        .await
        .unwrap();

    let page = alice.client.history(general, None, 10).await.unwrap();
    let texts: Vec<_> = page.messages.iter().filter_map(|m| m.text()).collect();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].len(), MAX_MESSAGE_LEN);
}

#[tokio::test]
async fn rooms_and_memberships_survive_a_restart() {
    let mut server = TestServer::start().await;
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    join(&alice, "general").await;
    join(&bob, "general").await;
    join(&alice, "quiet").await;
    alice.client.close().await;
    bob.client.close().await;

    server.restart().await;

    let alice = server.login("alice").await;
    let mut rooms: Vec<_> = alice
        .client
        .session()
        .rooms
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    rooms.sort();
    assert_eq!(rooms, ["#general", "#quiet"]);
    let Response::Rooms(all) = alice.client.request(Request::ListRooms).await.unwrap() else {
        panic!("expected rooms")
    };
    let counts: Vec<_> = all.iter().map(|r| (r.name.as_str(), r.members)).collect();
    assert_eq!(counts, [("general", 2), ("quiet", 1)]);
    // Still a member: sending needs no new join.
    alice
        .client
        .send(Target::Room(room("general")), "back".into())
        .await
        .unwrap();
}
