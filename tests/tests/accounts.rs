//! Registration and login.

use chat_proto::ErrorCode;
use chat_tests::{TestClient, TestServer};
use chat_tui::client::{Client, ClientConfig, ClientError};

async fn refusal(config: ClientConfig) -> ErrorCode {
    match Client::connect(config).await {
        Err(ClientError::Server(reply)) => reply.code,
        Err(other) => panic!("expected a server error, got {other}"),
        Ok(_) => panic!("expected the login to be refused"),
    }
}

#[tokio::test]
async fn a_registered_user_logs_in_again_with_the_password() {
    let server = TestServer::start().await;
    let alice = server.register("alice").await;
    assert_eq!(alice.client.user().as_str(), "alice");
    alice.client.close().await;

    let again = server.login("alice").await;
    assert_eq!(again.client.session().user.as_str(), "alice");
    assert!(!again.client.session().token.is_empty());
}

#[tokio::test]
async fn a_wrong_password_is_refused_as_such() {
    let server = TestServer::start().await;
    server.register("alice").await.client.close().await;
    let mut config = server.client_config("alice", false);
    config.password = "not the password".into();
    assert_eq!(refusal(config).await, ErrorCode::WrongPassword);
}

#[tokio::test]
async fn an_unknown_user_is_refused_as_such() {
    let server = TestServer::start().await;
    assert_eq!(
        refusal(server.client_config("nobody", false)).await,
        ErrorCode::UnknownUser
    );
}

#[tokio::test]
async fn a_taken_name_cannot_be_registered_again() {
    let server = TestServer::start().await;
    server.register("alice").await.client.close().await;
    assert_eq!(
        refusal(server.client_config("alice", true)).await,
        ErrorCode::UsernameTaken
    );
    // Names are case-insensitive: ALICE is alice.
    assert_eq!(
        refusal(server.client_config("ALICE", true)).await,
        ErrorCode::UsernameTaken
    );
}

#[tokio::test]
async fn closed_registration_refuses_new_accounts() {
    let server = TestServer::start_configured(|config| config.registration_open = false).await;
    assert_eq!(
        refusal(server.client_config("alice", true)).await,
        ErrorCode::RegistrationClosed
    );
}

#[tokio::test]
async fn an_empty_password_is_refused() {
    let server = TestServer::start().await;
    let mut config = server.client_config("alice", true);
    config.password = String::new();
    assert_eq!(refusal(config).await, ErrorCode::BadPassword);
}

#[tokio::test]
async fn a_user_may_be_online_from_several_clients() {
    let server = TestServer::start().await;
    let mut laptop = server.register("alice").await;
    let mut phone = TestClient::connect(server.client_config("alice", false)).await;
    let mut bob = server.register("bob").await;

    let dm = chat_proto::Target::User(bob.client.user().clone());
    bob.client
        .send(
            chat_proto::Target::User(laptop.client.user().clone()),
            "hi alice".into(),
        )
        .await
        .unwrap();
    for device in [&mut laptop, &mut phone] {
        let (message, conversation, _) = device.next_message().await;
        assert_eq!(message.text(), Some("hi alice"));
        assert_eq!(conversation, dm);
    }
    // What one device sends, the other sees too.
    laptop
        .client
        .send(dm.clone(), "from the laptop".into())
        .await
        .unwrap();
    let (message, conversation, _) = phone.next_message().await;
    assert_eq!(
        (message.text().unwrap(), conversation),
        ("from the laptop", dm)
    );
    // Bob sees his own message echoed, then the reply.
    let texts: Vec<_> = bob
        .messages(2)
        .await
        .into_iter()
        .map(|m| m.text().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["hi alice", "from the laptop"]);
}
