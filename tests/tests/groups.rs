//! Rooms as groups: the permission matrix, and what kicks, bans, invitations, renames,
//! topics and deletion do, live and after a restart.

use chat_proto::{
    Body, ErrorCode, FileId, Invitation, Member, Message, MessageId, Request, Response,
    ResumePoint, Role, RoomEvent, RoomName, RoomSummary, Sha256, Target, UserName,
};
use chat_tests::{TestClient, TestServer, unthrottled};
use chat_tui::client::{ClientError, ClientEvent};
use sha2::Digest;
use std::time::Duration;

fn room(name: &str) -> RoomName {
    RoomName::new(name).unwrap()
}

fn user(name: &str) -> UserName {
    UserName::new(name).unwrap()
}

fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ErrorCode {
    match result {
        Err(ClientError::Server(reply)) => reply.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

async fn ask(client: &TestClient, request: Request) -> Result<Response, ClientError> {
    client.client.request(request).await
}

async fn ok(client: &TestClient, request: Request) -> Response {
    let described = format!("{request:?}");
    ask(client, request)
        .await
        .unwrap_or_else(|err| panic!("{described} failed: {err}"))
}

async fn rooms(client: &TestClient) -> Vec<RoomSummary> {
    match ok(client, Request::ListRooms).await {
        Response::Rooms(rooms) => rooms,
        other => panic!("expected rooms, got {other:?}"),
    }
}

async fn members(client: &TestClient, name: &str) -> Vec<Member> {
    match ok(client, Request::Members { room: room(name) }).await {
        Response::Members(members) => members,
        other => panic!("expected members, got {other:?}"),
    }
}

fn role_of(members: &[Member], name: &str) -> Option<Role> {
    members
        .iter()
        .find(|m| m.user.as_str() == name)
        .map(|m| m.role)
}

async fn next_room_event(client: &mut TestClient) -> (Message, RoomEvent) {
    client.next_room_event().await
}

/// The room events of a room's history, oldest first.
async fn history_events(client: &TestClient, name: &str) -> Vec<RoomEvent> {
    let messages = client.full_history(&Target::Room(room(name))).await;
    messages
        .into_iter()
        .filter_map(|m| match m.body {
            Body::Event(event) => Some(event),
            Body::Text(_) | Body::File(_) => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The matrix

/// Who acts, as the matrix's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Owner,
    Admin,
    Member,
    Invited,
    Banned,
    Outsider,
}

const ACTORS: [Actor; 6] = [
    Actor::Owner,
    Actor::Admin,
    Actor::Member,
    Actor::Invited,
    Actor::Banned,
    Actor::Outsider,
];

impl Actor {
    fn user(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Invited => "invited",
            Self::Banned => "banned",
            Self::Outsider => "outsider",
        }
    }
}

/// What is tried, as the matrix's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    History,
    Members,
    Send,
    Join,
    Accept,
    Decline,
    Leave,
    Invite,
    Kick,
    Ban,
    Unban,
    Promote,
    Demote,
    Transfer,
    Rename,
    Topic,
    Delete,
    Upload,
    Download,
}

/// The expected outcome of each action by each actor, in the order of `ACTORS`, for a
/// public and a private room: 1 allowed, 0 forbidden. Written out here, apart from the
/// server's table, so that a change to either is caught.
const MATRIX: &[(Action, [u8; 6], [u8; 6])] = &[
    //                      O  A  M  I  B  X     O  A  M  I  B  X
    (Action::History, [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0]),
    (Action::Members, [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0]),
    (Action::Send, [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0]),
    (Action::Join, [1, 1, 1, 1, 0, 1], [1, 1, 1, 1, 0, 0]),
    (Action::Accept, [0, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0]),
    (Action::Decline, [0, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0]),
    (Action::Leave, [0, 1, 1, 0, 0, 0], [0, 1, 1, 0, 0, 0]),
    (Action::Invite, [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]),
    (Action::Kick, [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]),
    (Action::Ban, [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]),
    (Action::Unban, [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]),
    (Action::Promote, [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]),
    (Action::Demote, [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]),
    (Action::Transfer, [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]),
    (Action::Rename, [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]),
    (Action::Topic, [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]),
    (Action::Delete, [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]),
    (Action::Upload, [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0]),
    (Action::Download, [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0]),
];

/// Everyone a cell's room needs: the actors, and the people acted on.
const TARGET: &str = "target";
const DEMOTEE: &str = "demotee";
const UNBANNEE: &str = "unbannee";
const INVITEE: &str = "invitee";

fn cell_room(action: Action, private: bool, actor: Actor) -> RoomName {
    let visibility = if private { "private" } else { "public" };
    room(&format!(
        "{}-{visibility}-{}",
        format!("{action:?}").to_lowercase(),
        actor.user()
    ))
}

/// The bytes of the file each room's owner posts, and of the one the upload row tries.
const FILE: &[u8] = b"the room's file";

fn request_for(action: Action, name: &RoomName, file: FileId) -> Request {
    let room = name.clone();
    match action {
        Action::History => Request::History {
            target: Target::Room(room),
            before: None,
            limit: 10,
        },
        Action::Members => Request::Members { room },
        Action::Send => Request::Send {
            to: Target::Room(room),
            client_id: chat_proto::ClientMsgId(rand_id(name)),
            text: "hello".into(),
        },
        Action::Join => Request::Join { room },
        Action::Accept => Request::Accept { room },
        Action::Decline => Request::Decline { room },
        Action::Leave => Request::Leave { room },
        Action::Invite => Request::Invite {
            room,
            user: user(INVITEE),
        },
        Action::Kick => Request::Kick {
            room,
            user: user(TARGET),
            reason: "testing".into(),
        },
        Action::Ban => Request::Ban {
            room,
            user: user(TARGET),
            reason: "testing".into(),
        },
        Action::Unban => Request::Unban {
            room,
            user: user(UNBANNEE),
        },
        Action::Promote => Request::SetRole {
            room,
            user: user(TARGET),
            role: Role::Admin,
        },
        Action::Demote => Request::SetRole {
            room,
            user: user(DEMOTEE),
            role: Role::Member,
        },
        Action::Transfer => Request::SetRole {
            room,
            user: user(TARGET),
            role: Role::Owner,
        },
        Action::Rename => Request::Rename {
            to: RoomName::new(&format!("{}-renamed", name.as_str())).unwrap(),
            room,
        },
        Action::Topic => Request::SetTopic {
            room,
            topic: "a topic".into(),
        },
        Action::Delete => Request::Delete { room },
        Action::Upload => Request::StartUpload {
            to: Target::Room(room),
            client_id: chat_proto::ClientMsgId(rand_id(name)),
            name: "upload.txt".into(),
            size: 4,
            media_type: "text/plain".into(),
            sha256: Sha256([7; 32]),
        },
        Action::Download => Request::Download {
            file,
            offset: 0,
            len: 100,
        },
    }
}

/// A client id unique to the room, so that sends are not taken for retries of each other.
fn rand_id(name: &RoomName) -> u64 {
    name.as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Gives the room its cast: an admin, members (one to act on, one admin to demote), an
/// invitee, and two banned users (one to stay banned, one to unban); and a file, whose id
/// it returns.
async fn cast(
    clients: &std::collections::HashMap<&str, TestClient>,
    name: &RoomName,
    private: bool,
) -> FileId {
    let owner = &clients["owner"];
    ok(
        owner,
        Request::Create {
            room: name.clone(),
            private,
        },
    )
    .await;
    for member in ["admin", "member", TARGET, DEMOTEE] {
        if private {
            ok(
                owner,
                Request::Invite {
                    room: name.clone(),
                    user: user(member),
                },
            )
            .await;
            ok(&clients[member], Request::Accept { room: name.clone() }).await;
        } else {
            ok(&clients[member], Request::Join { room: name.clone() }).await;
        }
    }
    for admin in ["admin", DEMOTEE] {
        ok(
            owner,
            Request::SetRole {
                room: name.clone(),
                user: user(admin),
                role: Role::Admin,
            },
        )
        .await;
    }
    ok(
        owner,
        Request::Invite {
            room: name.clone(),
            user: user("invited"),
        },
    )
    .await;
    for banned in ["banned", UNBANNEE] {
        ok(
            owner,
            Request::Ban {
                room: name.clone(),
                user: user(banned),
                reason: "cast".into(),
            },
        )
        .await;
    }
    post_file(owner, name).await
}

async fn post_file(owner: &TestClient, name: &RoomName) -> FileId {
    let start = Request::StartUpload {
        to: Target::Room(name.clone()),
        client_id: chat_proto::ClientMsgId(rand_id(name) ^ 1),
        name: "cast.txt".into(),
        size: FILE.len() as u64,
        media_type: "text/plain".into(),
        sha256: Sha256(sha2::Sha256::digest(FILE).into()),
    };
    let Response::Upload { upload, received } = ok(owner, start).await else {
        panic!("no upload");
    };
    if received == 0 {
        let chunk = Request::UploadChunk {
            upload,
            offset: 0,
            data: chat_proto::Chunk(FILE.to_vec().into()),
        };
        ok(owner, chunk).await;
    }
    match ok(owner, Request::FinishUpload { upload }).await {
        Response::Sent { id, .. } => FileId(id.0),
        other => panic!("expected sent, got {other:?}"),
    }
}

#[tokio::test]
async fn the_permission_matrix_holds_across_a_restart() {
    let mut server = TestServer::start_configured(|config| {
        unthrottled(config);
        config.limits.max_rooms_per_user = 1000;
        config.limits.max_pending_invitations = 1000;
    })
    .await;
    let names = [
        "owner", "admin", "member", "invited", "banned", "outsider", TARGET, DEMOTEE, UNBANNEE,
        INVITEE,
    ];
    let mut clients = std::collections::HashMap::new();
    for name in names {
        let mut client = server.register(name).await;
        // Nothing here reads events; without a receiver the client discards them.
        client.events.close();
        clients.insert(name, client);
    }
    let mut files = std::collections::HashMap::new();
    for &(action, _, _) in MATRIX {
        for private in [false, true] {
            for actor in ACTORS {
                let name = cell_room(action, private, actor);
                files.insert(name.clone(), cast(&clients, &name, private).await);
            }
        }
    }

    server.restart().await;

    let mut wrong = Vec::new();
    for &(action, public, private_row) in MATRIX {
        for (private, row) in [(false, public), (true, private_row)] {
            for (actor, expected) in ACTORS.into_iter().zip(row) {
                let name = cell_room(action, private, actor);
                let request = request_for(action, &name, files[&name]);
                let result = ask(&clients[actor.user()], request).await;
                let fine = match (&result, expected) {
                    (Ok(_), 1) => true,
                    (Err(ClientError::Server(reply)), 0) => reply.code == ErrorCode::Forbidden,
                    _ => false,
                };
                if !fine {
                    wrong.push(format!(
                        "{action:?} by {actor:?} in a {} room: expected {}, got {result:?}",
                        if private { "private" } else { "public" },
                        if expected == 1 {
                            "success"
                        } else {
                            "forbidden"
                        },
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Behaviour

#[tokio::test]
async fn a_kicked_or_banned_user_hears_why_and_then_nothing_more() {
    let mut server = TestServer::start().await;
    let alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    ok(
        &alice,
        Request::Create {
            room: room("team"),
            private: false,
        },
    )
    .await;
    let team = Target::Room(room("team"));
    bob.join_room("team").await;

    ok(
        &alice,
        Request::Kick {
            room: room("team"),
            user: user("bob"),
            reason: "spam".into(),
        },
    )
    .await;
    let (message, event) = next_room_event(&mut bob).await;
    assert_eq!(message.from.as_str(), "alice");
    assert_eq!(
        event,
        RoomEvent::Kicked {
            user: user("bob"),
            reason: "spam".into()
        }
    );
    alice
        .client
        .send(team.clone(), "after the kick".into())
        .await
        .unwrap();
    bob.assert_no_message(Duration::from_millis(300)).await;
    assert_eq!(
        code(bob.client.send(team.clone(), "still here?".into()).await),
        ErrorCode::Forbidden
    );

    // A kick is not a ban: a public room takes bob back.
    bob.join_room("team").await;
    ok(
        &alice,
        Request::Ban {
            room: room("team"),
            user: user("bob"),
            reason: "spam again".into(),
        },
    )
    .await;
    let (_, event) = next_room_event(&mut bob).await;
    assert!(matches!(event, RoomEvent::Banned { ref reason, .. } if reason == "spam again"));
    alice
        .client
        .send(team.clone(), "after the ban".into())
        .await
        .unwrap();
    bob.assert_no_message(Duration::from_millis(300)).await;

    server.restart().await;
    let bob = server.login("bob").await;
    assert_eq!(
        code(ask(&bob, Request::Join { room: room("team") }).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(bob.client.history(team.clone(), None, 10).await),
        ErrorCode::Forbidden
    );
    let alice = server.login("alice").await;
    ok(
        &alice,
        Request::Unban {
            room: room("team"),
            user: user("bob"),
        },
    )
    .await;
    ok(&bob, Request::Join { room: room("team") }).await;

    let events = history_events(&alice, "team").await;
    assert_eq!(
        events,
        [
            RoomEvent::Created { private: false },
            RoomEvent::Kicked {
                user: user("bob"),
                reason: "spam".into()
            },
            RoomEvent::Banned {
                user: user("bob"),
                reason: "spam again".into()
            },
            RoomEvent::Unbanned { user: user("bob") },
        ]
    );
}

#[tokio::test]
async fn a_private_room_is_invisible_to_outsiders() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let mut mallory = server.register("mallory").await;
    ok(
        &alice,
        Request::Create {
            room: room("secret"),
            private: true,
        },
    )
    .await;
    ok(
        &alice,
        Request::SetTopic {
            room: room("secret"),
            topic: "plans".into(),
        },
    )
    .await;
    let secret = Target::Room(room("secret"));
    let (sent, _) = alice
        .client
        .send(secret.clone(), "the plan".into())
        .await
        .unwrap();

    assert!(
        rooms(&mallory)
            .await
            .iter()
            .all(|r| r.name.as_str() != "secret")
    );
    let listed = rooms(&alice).await;
    let summary = listed.iter().find(|r| r.name.as_str() == "secret").unwrap();
    assert!(summary.private);
    assert_eq!(summary.topic, "plans");

    assert_eq!(
        code(mallory.client.history(secret.clone(), None, 10).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            ask(
                &mallory,
                Request::Members {
                    room: room("secret")
                }
            )
            .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            mallory
                .client
                .send(secret.clone(), "let me in".into())
                .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            ask(
                &mallory,
                Request::Join {
                    room: room("secret")
                }
            )
            .await
        ),
        ErrorCode::Forbidden
    );
    let caught_up = ok(
        &mallory,
        Request::CatchUp {
            points: vec![ResumePoint {
                target: secret.clone(),
                after: MessageId(0),
            }],
        },
    )
    .await;
    assert!(
        matches!(&caught_up, Response::CatchUp(page) if page.messages.is_empty()),
        "catch-up leaked {caught_up:?}"
    );
    assert!(sent.0 > 0);
    mallory.assert_no_message(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn invitations_arrive_live_or_at_the_next_login_and_can_be_declined() {
    let mut server = TestServer::start().await;
    let alice = server.register("alice").await;
    let mut carol = server.register("carol").await;
    let dave = server.register("dave").await;
    drop(dave);
    ok(
        &alice,
        Request::Create {
            room: room("club"),
            private: true,
        },
    )
    .await;
    alice
        .client
        .send(Target::Room(room("club")), "welcome".into())
        .await
        .unwrap();

    ok(
        &alice,
        Request::Invite {
            room: room("club"),
            user: user("carol"),
        },
    )
    .await;
    let invitation = loop {
        if let ClientEvent::Invited(invitation) = carol.next_event().await {
            break invitation;
        }
    };
    assert_eq!(
        invitation,
        Invitation {
            room: room("club"),
            by: user("alice")
        }
    );
    assert!(
        rooms(&carol)
            .await
            .iter()
            .all(|r| r.name.as_str() != "club")
    );
    match ok(&carol, Request::Accept { room: room("club") }).await {
        Response::Joined { room: summary, .. } => assert!(summary.private),
        other => panic!("expected joined, got {other:?}"),
    }
    let texts: Vec<_> = carol
        .whole_history(&Target::Room(room("club")))
        .await
        .into_iter()
        .filter_map(|m| m.text().map(str::to_owned))
        .collect();
    assert_eq!(texts, ["welcome"]);

    ok(
        &alice,
        Request::Invite {
            room: room("club"),
            user: user("dave"),
        },
    )
    .await;
    server.restart().await;
    let dave = server.login("dave").await;
    assert_eq!(
        dave.client.session().invitations,
        [Invitation {
            room: room("club"),
            by: user("alice")
        }]
    );
    ok(&dave, Request::Decline { room: room("club") }).await;
    assert_eq!(
        code(ask(&dave, Request::Accept { room: room("club") }).await),
        ErrorCode::Forbidden
    );
    let alice = server.login("alice").await;
    let members: Vec<_> = members(&alice, "club")
        .await
        .into_iter()
        .map(|m| m.user)
        .collect();
    assert_eq!(members.len(), 2, "{members:?}");
    assert!(
        history_events(&alice, "club")
            .await
            .contains(&RoomEvent::Declined)
    );
}

#[tokio::test]
async fn renames_and_topics_reach_members_live_and_are_kept() {
    let mut server = TestServer::start().await;
    let alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    ok(
        &alice,
        Request::Create {
            room: room("old"),
            private: false,
        },
    )
    .await;
    bob.join_room("old").await;

    ok(
        &alice,
        Request::SetTopic {
            room: room("old"),
            topic: "first topic".into(),
        },
    )
    .await;
    let (_, event) = next_room_event(&mut bob).await;
    assert_eq!(
        event,
        RoomEvent::TopicChanged {
            topic: "first topic".into()
        }
    );

    ok(
        &alice,
        Request::Rename {
            room: room("old"),
            to: room("new"),
        },
    )
    .await;
    let (message, event) = next_room_event(&mut bob).await;
    assert_eq!(
        event,
        RoomEvent::Renamed {
            from: room("old"),
            to: room("new")
        }
    );
    assert_eq!(message.to, Target::Room(room("new")));

    let new = Target::Room(room("new"));
    bob.client
        .send(new.clone(), "under the new name".into())
        .await
        .unwrap();
    assert_eq!(
        code(
            bob.client
                .send(Target::Room(room("old")), "old name".into())
                .await
        ),
        ErrorCode::NoSuchRoom
    );

    server.restart().await;
    let alice = server.login("alice").await;
    let summary = rooms(&alice)
        .await
        .into_iter()
        .find(|r| r.name == room("new"))
        .unwrap();
    assert_eq!(summary.topic, "first topic");
    assert_eq!(summary.members, 2);
    let history = alice.whole_history(&new).await;
    assert!(
        history.iter().all(|m| m.to == new),
        "old messages carry the new name"
    );
    assert_eq!(
        history_events(&alice, "new").await,
        [
            RoomEvent::Created { private: false },
            RoomEvent::TopicChanged {
                topic: "first topic".into()
            },
            RoomEvent::Renamed {
                from: room("old"),
                to: room("new")
            },
        ]
    );
    assert_eq!(history.last().unwrap().text(), Some("under the new name"));
}

#[tokio::test]
async fn ownership_is_handed_on_but_never_lost_and_deletion_tells_members() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    ok(
        &alice,
        Request::Create {
            room: room("shop"),
            private: false,
        },
    )
    .await;
    bob.join_room("shop").await;

    assert_eq!(
        code(ask(&alice, Request::Leave { room: room("shop") }).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            ask(
                &alice,
                Request::SetRole {
                    room: room("shop"),
                    user: user("alice"),
                    role: Role::Member
                }
            )
            .await
        ),
        ErrorCode::Forbidden
    );
    ok(
        &alice,
        Request::SetRole {
            room: room("shop"),
            user: user("bob"),
            role: Role::Owner,
        },
    )
    .await;
    let listed = members(&bob, "shop").await;
    assert_eq!(role_of(&listed, "bob"), Some(Role::Owner));
    assert_eq!(role_of(&listed, "alice"), Some(Role::Admin));
    // An admin cannot act on the owner, nor delete the room.
    assert_eq!(
        code(
            ask(
                &alice,
                Request::Kick {
                    room: room("shop"),
                    user: user("bob"),
                    reason: String::new()
                }
            )
            .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(ask(&alice, Request::Delete { room: room("shop") }).await),
        ErrorCode::Forbidden
    );

    ok(&bob, Request::Delete { room: room("shop") }).await;
    let deleted = loop {
        if let ClientEvent::RoomDeleted { room, by } = bob.next_event().await {
            break (room, by);
        }
    };
    assert_eq!(deleted, (room("shop"), user("bob")));
    assert!(rooms(&alice).await.is_empty());
    assert_eq!(
        code(
            alice
                .client
                .history(Target::Room(room("shop")), None, 10)
                .await
        ),
        ErrorCode::NoSuchRoom
    );
}

#[tokio::test]
async fn an_admin_cannot_act_on_another_admin() {
    let server = TestServer::start().await;
    let owner = server.register("owner").await;
    let first = server.register("first").await;
    let second = server.register("second").await;
    ok(
        &owner,
        Request::Create {
            room: room("mods"),
            private: false,
        },
    )
    .await;
    for admin in ["first", "second"] {
        let client = if admin == "first" { &first } else { &second };
        client.join_room("mods").await;
        ok(
            &owner,
            Request::SetRole {
                room: room("mods"),
                user: user(admin),
                role: Role::Admin,
            },
        )
        .await;
    }
    for request in [
        Request::Kick {
            room: room("mods"),
            user: user("second"),
            reason: String::new(),
        },
        Request::Ban {
            room: room("mods"),
            user: user("second"),
            reason: String::new(),
        },
        Request::SetRole {
            room: room("mods"),
            user: user("second"),
            role: Role::Member,
        },
    ] {
        assert_eq!(code(ask(&first, request).await), ErrorCode::Forbidden);
    }
    assert_eq!(
        role_of(&members(&owner, "mods").await, "second"),
        Some(Role::Admin)
    );
}

#[tokio::test]
async fn long_topics_and_reasons_are_refused() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    ok(
        &alice,
        Request::Create {
            room: room("limits"),
            private: false,
        },
    )
    .await;
    bob.join_room("limits").await;
    let topic = "t".repeat(chat_proto::MAX_TOPIC_LEN + 1);
    assert_eq!(
        code(
            ask(
                &alice,
                Request::SetTopic {
                    room: room("limits"),
                    topic
                }
            )
            .await
        ),
        ErrorCode::InvalidRequest
    );
    let reason = "r".repeat(chat_proto::MAX_REASON_LEN + 1);
    assert_eq!(
        code(
            ask(
                &alice,
                Request::Kick {
                    room: room("limits"),
                    user: user("bob"),
                    reason
                }
            )
            .await
        ),
        ErrorCode::InvalidRequest
    );
    let exact = "t".repeat(chat_proto::MAX_TOPIC_LEN);
    ok(
        &alice,
        Request::SetTopic {
            room: room("limits"),
            topic: exact,
        },
    )
    .await;
    assert_eq!(
        members(&alice, "limits").await.len(),
        2,
        "bob was not kicked"
    );
}

#[tokio::test]
async fn a_room_cannot_be_created_or_renamed_onto_a_taken_name() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    alice.join_room("taken").await;
    alice.join_room("other").await;
    let create = Request::Create {
        room: room("taken"),
        private: true,
    };
    assert_eq!(code(ask(&alice, create).await), ErrorCode::RoomExists);
    let rename = Request::Rename {
        room: room("other"),
        to: room("taken"),
    };
    assert_eq!(code(ask(&alice, rename).await), ErrorCode::RoomExists);
    let names: Vec<_> = rooms(&alice).await.into_iter().map(|r| r.name).collect();
    assert_eq!(names, [room("other"), room("taken")]);
}

#[tokio::test]
async fn a_user_who_was_away_learns_at_login_who_removed_them_and_why() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    ok(
        &alice,
        Request::Create {
            room: room("den"),
            private: false,
        },
    )
    .await;
    bob.join_room("den").await;
    carol.join_room("den").await;
    bob.client.close().await;
    // Carol is online when she is kicked: she hears it live, so her next login does not
    // repeat it.
    let kick = |user: &str| Request::Kick {
        room: room("den"),
        user: self::user(user),
        reason: "off topic".into(),
    };
    ok(&alice, kick("bob")).await;
    ok(&alice, kick("carol")).await;
    let mut carol = carol;
    carol.next_room_event().await;
    carol.next_room_event().await;
    carol.client.close().await;

    let bob = server.login("bob").await;
    let removals = bob.client.session().removals;
    assert_eq!(removals.len(), 1, "{removals:?}");
    assert_eq!(removals[0].from, user("alice"));
    assert_eq!(removals[0].to, Target::Room(room("den")));
    assert_eq!(
        removals[0].event(),
        Some(&RoomEvent::Kicked {
            user: user("bob"),
            reason: "off topic".into()
        })
    );
    assert!(bob.client.session().rooms.is_empty());
    let carol = server.login("carol").await;
    assert!(carol.client.session().removals.is_empty());
}

#[tokio::test]
async fn invitations_pending_for_one_user_are_bounded() {
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let invite = |n: usize| Request::Invite {
        room: room(&format!("r{n}")),
        user: user("bob"),
    };
    for n in 0..=100 {
        ok(
            &alice,
            Request::Create {
                room: room(&format!("r{n}")),
                private: true,
            },
        )
        .await;
    }
    for n in 0..100 {
        ok(&alice, invite(n)).await;
    }
    assert_eq!(
        code(ask(&alice, invite(100)).await),
        ErrorCode::InvalidRequest
    );
    ok(&bob, Request::Decline { room: room("r0") }).await;
    ok(&alice, invite(100)).await;
}

#[tokio::test]
async fn a_flood_of_room_changes_is_rate_limited() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    ok(
        &alice,
        Request::Create {
            room: room("busy"),
            private: false,
        },
    )
    .await;
    let mut limited = None;
    for n in 0..200 {
        let topic = Request::SetTopic {
            room: room("busy"),
            topic: format!("topic {n}"),
        };
        if let Err(err) = ask(&alice, topic).await {
            limited = Some(err);
            break;
        }
    }
    assert!(
        matches!(
            limited,
            Some(ClientError::Server(ref reply)) if matches!(reply.code, ErrorCode::RateLimited { .. })
        ),
        "{limited:?}"
    );
}
