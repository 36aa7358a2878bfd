//! Graceful shutdown: clients are told why, and come back by themselves after a restart.

use chat_proto::{RoomName, Target};
use chat_tests::TestServer;
use chat_tui::client::ClientEvent;

#[tokio::test]
async fn clients_hear_the_shutdown_and_resume_after_a_restart() {
    let mut server = TestServer::start().await;
    let mut alice = server.register("alice").await;
    let general = RoomName::new("general").unwrap();
    alice.client.join(general.clone()).await.unwrap();

    server.restart().await;

    loop {
        match alice.next_event().await {
            ClientEvent::Disconnected { reason } => {
                assert!(reason.contains("shutting down"), "reason: {reason}");
                break;
            }
            // The join, and the room's creation.
            ClientEvent::Joined { .. } | ClientEvent::Message { .. } => {}
            other => panic!("expected a disconnect, got {other:?}"),
        }
    }
    loop {
        if alice.next_event().await == ClientEvent::Reconnected {
            break;
        }
    }
    let (id, _) = alice
        .client
        .send(Target::Room(general), "still here".into())
        .await
        .unwrap();
    let (message, _, _) = alice.next_message().await;
    assert_eq!(message.id, id);
}
