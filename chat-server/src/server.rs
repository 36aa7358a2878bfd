//! The listener: accepts connections, holds each to the connection cap, completes the TLS
//! handshake under a timeout and hands the stream to [`connection::serve`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::auth::PasswordCheck;
use crate::config::Config;
use crate::connection;
use crate::hub::Hub;
use crate::shared::Shared;
use crate::store::Store;
use crate::{ServerError, tls};

/// How long connections get to close by themselves at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A bound, ready server.
pub struct Server {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
}

impl Server {
    /// Prepares TLS and the store and binds the listening socket.
    pub async fn bind(config: Config) -> Result<Self, ServerError> {
        config.limits.validate()?;
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let acceptor = tls::acceptor(&config.tls)?;

        let hub = Arc::new(Hub::default());
        let store = Store::open(&config.database_path(), config.durability, hub.clone())?;
        hub.load(store.rooms().await?);
        let passwords = PasswordCheck::new(config.limits.hashing_concurrency)?;

        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let shared = Arc::new(Shared::new(config, store, hub, passwords));
        Ok(Self {
            listener,
            acceptor,
            shared,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then closes every connection with a reason and
    /// commits what the store has queued.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let stop = CancellationToken::new();
        let tracker = TaskTracker::new();
        let permits = Arc::new(Semaphore::new(self.shared.config.limits.max_connections));
        tracing::info!(addr = %self.local_addr(), "listening");
        tokio::pin!(shutdown);
        loop {
            let (tcp, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of descriptors, typically: wait for some to free up.
                        tracing::warn!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                tracing::warn!(%peer, "connection refused: at the connection limit");
                continue;
            };
            let span = tracing::info_span!("conn", %peer, user = tracing::field::Empty);
            let task = accept(
                self.shared.clone(),
                self.acceptor.clone(),
                tcp,
                stop.child_token(),
                permit,
            );
            tracker.spawn(task.instrument(span));
        }

        tracing::info!(connections = tracker.len(), "shutting down");
        stop.cancel();
        tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                connections = tracker.len(),
                "connections still open after the grace period"
            );
        }
        self.shared.store.close().await;
        tracing::info!("stopped");
    }
}

async fn accept(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    stop: CancellationToken,
    _permit: OwnedSemaphorePermit,
) {
    if let Err(err) = tcp.set_nodelay(true) {
        tracing::debug!(error = %err, "cannot disable Nagle's algorithm");
    }
    let timeout = Duration::from_secs(shared.config.limits.handshake_timeout_s);
    let stream = match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            return;
        }
    };
    tracing::info!("connection opened");
    connection::serve(shared, stream, stop).await;
    tracing::info!("connection closed");
}
