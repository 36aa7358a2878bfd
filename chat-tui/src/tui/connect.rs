//! The first connection of the interactive client, with trust on first use.
//!
//! With a CA file the core verifies the server as usual. Without one, the server's
//! certificate is first probed (a handshake abandoned as soon as the certificate is seen:
//! the server gets a TLS client hello naming it, but no credentials or requests), then judged
//! against the known-servers file: a known certificate is pinned for this connection and
//! every reconnect; an unknown one goes back to the user as a question; a changed one is
//! refused. Once the user accepts a fingerprint, the same
//! function is called again with it, and it is written to the file before connecting.

use std::path::PathBuf;

use chat_proto::Session;
use tokio::sync::mpsc;

use crate::app::{Failure, Login};
use crate::client::{Client, ClientConfig, ClientEvent, Fingerprint, Trust, probe};
use crate::config::TrustChoice;
use crate::known_servers::{KnownServers, Verdict};

/// How a connection attempt ended.
#[derive(Debug)]
pub enum Outcome {
    Ready {
        client: Client,
        events_rx: mpsc::Receiver<ClientEvent>,
        session: Session,
    },
    /// The server's certificate is not known: ask.
    Unknown {
        fingerprint: Fingerprint,
    },
    /// The server's certificate is not the one trusted before: refuse.
    Changed {
        known: Fingerprint,
        presented: Fingerprint,
        file: PathBuf,
    },
    Failed(Failure),
}

/// Connects and logs in; `accepted` is a fingerprint the user has just said yes to.
pub async fn connect(
    server: &str,
    trust: &TrustChoice,
    login: Login,
    accepted: Option<Fingerprint>,
) -> Outcome {
    let (trust, ca_file) = match trust {
        TrustChoice::CaFile(path) => (Trust::CaFile(path.clone()), path.clone()),
        TrustChoice::KnownServers(file) => match decide(server, file, accepted).await {
            Ok(fingerprint) => (Trust::Pinned(fingerprint), PathBuf::new()),
            Err(outcome) => return outcome,
        },
    };
    let config = ClientConfig {
        server: server.to_owned(),
        ca_file,
        user: login.user,
        password: login.password,
        register: login.register,
    };
    match Client::connect_trusting(config, &trust).await {
        Ok((client, events_rx)) => Outcome::Ready {
            session: client.session(),
            client,
            events_rx,
        },
        Err(err) => Outcome::Failed(Failure::from(&err)),
    }
}

/// The fingerprint to pin, or the outcome that stops here.
async fn decide(
    server: &str,
    file: &std::path::Path,
    accepted: Option<Fingerprint>,
) -> Result<Fingerprint, Outcome> {
    let presented = probe(server)
        .await
        .map_err(|err| Outcome::Failed(Failure::from(&err)))?;
    let (server, file) = (server.to_owned(), file.to_owned());
    let blocking = tokio::task::spawn_blocking(move || {
        let mut known = KnownServers::load(&file)?;
        let verdict = known.judge(&server, presented);
        if let Verdict::Unknown(fingerprint) = verdict
            && accepted == Some(fingerprint)
        {
            known.add(&server, fingerprint)?;
            return Ok((Verdict::Known(fingerprint), file));
        }
        Ok((verdict, file))
    });
    let config_failure = |message: String| Outcome::Failed(Failure::new("config", message));
    let (verdict, file) = blocking
        .await
        .map_err(|e| config_failure(e.to_string()))?
        .map_err(|e: crate::known_servers::KnownServersError| config_failure(e.to_string()))?;
    match verdict {
        Verdict::Known(fingerprint) => Ok(fingerprint),
        Verdict::Unknown(fingerprint) => Err(Outcome::Unknown { fingerprint }),
        Verdict::Changed { known, presented } => Err(Outcome::Changed {
            known,
            presented,
            file,
        }),
    }
}
