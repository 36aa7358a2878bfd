//! Trust on first use against a real server: the first connection asks, an accepted
//! fingerprint is remembered and pinned, and a changed certificate is refused.

mod e2e;

use chat_proto::UserName;
use chat_tui::app::Login;
use chat_tui::client::{Client, ClientConfig, ClientError, Fingerprint, Trust};
use chat_tui::config::TrustChoice;
use chat_tui::known_servers::KnownServers;
use chat_tui::tui::connect::{Outcome, connect};
use e2e::Server;

fn login(user: &str, register: bool) -> Login {
    Login {
        user: UserName::new(user).unwrap(),
        password: format!("{user}-password"),
        register,
    }
}

#[tokio::test]
async fn the_first_connection_asks_and_the_answer_is_remembered() {
    let server = Server::start().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("known_servers");
    let trust = TrustChoice::KnownServers(file.clone());
    let addr = server.addr.to_string();

    let Outcome::Unknown { fingerprint } = connect(&addr, &trust, login("ann", true), None).await
    else {
        panic!("an unknown server must be asked about");
    };
    assert!(
        !file.exists(),
        "nothing is remembered before the user says yes"
    );

    let outcome = connect(&addr, &trust, login("ann", true), Some(fingerprint)).await;
    assert!(matches!(outcome, Outcome::Ready { .. }), "{outcome:?}");
    let known = KnownServers::load(&file).unwrap();
    assert_eq!(known.get(&addr), Some(fingerprint));

    // Next time, no question.
    let outcome = connect(&addr, &trust, login("ann", false), None).await;
    assert!(matches!(outcome, Outcome::Ready { .. }), "{outcome:?}");
}

#[tokio::test]
async fn a_changed_certificate_is_refused_naming_both_fingerprints() {
    let server = Server::start().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("known_servers");
    let addr = server.addr.to_string();
    let old = Fingerprint::of(b"the certificate it had before");
    KnownServers::load(&file).unwrap().add(&addr, old).unwrap();

    let trust = TrustChoice::KnownServers(file.clone());
    match connect(&addr, &trust, login("ann", true), None).await {
        Outcome::Changed {
            known,
            presented,
            file: named,
        } => {
            assert_eq!(known, old);
            assert_ne!(presented, old);
            assert_eq!(named, file);
        }
        other => panic!("a changed certificate must be refused: {other:?}"),
    }
    // Even an answer of yes to the new fingerprint does not override the file.
    let presented = chat_tui::client::probe(&addr).await.unwrap();
    let outcome = connect(&addr, &trust, login("ann", true), Some(presented)).await;
    assert!(matches!(outcome, Outcome::Changed { .. }), "{outcome:?}");
}

#[tokio::test]
async fn a_pin_that_does_not_match_fails_the_handshake() {
    let server = Server::start().await;
    let config = ClientConfig {
        server: server.addr.to_string(),
        ca_file: server.ca_file(),
        user: UserName::new("ann").unwrap(),
        password: "ann-password".into(),
        register: true,
    };
    let wrong = Trust::Pinned(Fingerprint::of(b"not the server's"));
    let err = Client::connect_trusting(config.clone(), &wrong)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Tls(_)), "{err}");

    let right = Trust::Pinned(chat_tui::client::probe(&config.server).await.unwrap());
    assert!(Client::connect_trusting(config, &right).await.is_ok());
}

#[tokio::test]
async fn a_ca_file_is_used_instead_when_given() {
    let server = Server::start().await;
    let trust = TrustChoice::CaFile(server.ca_file());
    let outcome = connect(&server.addr.to_string(), &trust, login("ann", true), None).await;
    assert!(matches!(outcome, Outcome::Ready { .. }), "{outcome:?}");
}
