//! The listener: accepts connections, holds each to the connection cap, completes the TLS
//! handshake under a timeout and hands the stream to [`connection::serve`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_proto::{ErrorCode, ServerFrame, codec};
use futures::SinkExt;
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::admission::{Admission, Admitted, Decision};
use crate::auth::PasswordCheck;
use crate::config::Config;
use crate::connection;
use crate::files::Files;
use crate::hub::Hub;
use crate::shared::Shared;
use crate::store::{Store, StoreOptions};
use crate::tls::{self, TlsReader, TlsWriter};
use crate::{ServerError, rate};

/// How long connections get to close by themselves at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A bound, ready server.
pub struct Server {
    listener: TcpListener,
    tls: Arc<ServerConfig>,
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
        let tls = tls::server_config(&config.tls)?;

        let hub = Arc::new(Hub::default());
        let options = StoreOptions {
            durability: config.durability,
            max_mib: config.limits.max_database_mib,
        };
        let path = config.database_path();
        let store =
            Store::open(&path, options, hub.clone()).map_err(|source| ServerError::Store {
                path: path.clone(),
                source,
            })?;
        let rooms = store
            .rooms()
            .await
            .map_err(|source| ServerError::Store { path, source })?;
        hub.load(rooms);
        let passwords = PasswordCheck::new(config.limits.hashing_concurrency)?;

        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let files_dir = config.files_dir();
        let files = Files::open(&files_dir).map_err(|source| ServerError::DataDir {
            path: files_dir,
            source,
        })?;
        let shared = Arc::new(Shared::new(config, store, files, hub, passwords));
        tidy_uploads(&shared).await;
        Ok(Self {
            listener,
            tls,
            shared,
        })
    }

    /// Serves an established stream as a client connection from `peer`, just as the
    /// listener does after a TLS handshake, until it closes. For tests and fuzzing, which
    /// drive the request handlers through an in-memory pipe.
    pub async fn serve_stream<S>(&self, stream: S, peer: SocketAddr)
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read, write) = tokio::io::split(stream);
        connection::serve(
            self.shared.clone(),
            read,
            write,
            peer,
            CancellationToken::new(),
        )
        .await;
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
        let admission = Admission::new(&self.shared.config.limits);
        let sweeper = tokio::spawn(sweep_rate_limits(self.shared.clone()));
        let expirer = tokio::spawn(expire_uploads(self.shared.clone()));
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
            let span = tracing::info_span!("conn", %peer, user = tracing::field::Empty);
            match admission.decide(peer.ip()) {
                Decision::Admit(admitted) => {
                    let connection = Accepted {
                        tcp,
                        peer,
                        _admitted: admitted,
                    };
                    let task = accept(
                        self.shared.clone(),
                        self.tls.clone(),
                        connection,
                        stop.child_token(),
                    );
                    tracker.spawn(task.instrument(span));
                }
                Decision::Refuse(permit) => {
                    let task = refuse(self.shared.clone(), self.tls.clone(), tcp, permit);
                    tracker.spawn(task.instrument(span));
                }
                Decision::Drop => {
                    tracing::warn!(%peer, "connection dropped: too many refusals at once");
                }
            }
        }

        tracing::info!(connections = tracker.len(), "shutting down");
        sweeper.abort();
        expirer.abort();
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

/// An admitted TCP connection, holding its place under the connection caps.
struct Accepted {
    tcp: TcpStream,
    peer: SocketAddr,
    _admitted: Admitted,
}

async fn accept(
    shared: Arc<Shared>,
    tls: Arc<ServerConfig>,
    accepted: Accepted,
    stop: CancellationToken,
) {
    // Boxed: the half-built TLS stream and its timer are needed only until the handshake
    // ends, and a task keeps room for its largest state for as long as it lives.
    let Some((read, write)) = Box::pin(handshake(&shared, tls, accepted.tcp)).await else {
        return;
    };
    tracing::info!("connection opened");
    connection::serve(shared, read, write, accepted.peer, stop).await;
    tracing::info!("connection closed");
}

/// Completes the TLS handshake under the configured timeout.
async fn handshake(
    shared: &Shared,
    tls: Arc<ServerConfig>,
    tcp: TcpStream,
) -> Option<(TlsReader, TlsWriter)> {
    if let Err(err) = tcp.set_nodelay(true) {
        tracing::debug!(error = %err, "cannot disable Nagle's algorithm");
    }
    let timeout = Duration::from_secs(shared.config.limits.handshake_timeout_s);
    match tokio::time::timeout(timeout, tls::accept(tls, tcp)).await {
        Ok(Ok(halves)) => Some(halves),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}

/// Tells a connection over a cap why it is refused, then closes it.
async fn refuse(
    shared: Arc<Shared>,
    tls: Arc<ServerConfig>,
    tcp: TcpStream,
    _permit: OwnedSemaphorePermit,
) {
    tracing::info!("connection refused: too many connections");
    // Only the writing half is needed: what the client sends is not read.
    let Some((_, write)) = handshake(&shared, tls, tcp).await else {
        return;
    };
    let closing = ServerFrame::Closing(ErrorCode::TooManyConnections.into());
    let Ok(frame) = codec::encode(&closing) else {
        return;
    };
    let mut writer = codec::server_writer(write);
    let timeout = Duration::from_secs(shared.config.limits.handshake_timeout_s);
    let _ = tokio::time::timeout(timeout, async {
        writer.send(frame).await?;
        SinkExt::<Bytes>::close(&mut writer).await
    })
    .await;
}

/// Forgets idle rate-limit buckets now and then.
/// How often unfinished uploads past their expiry are deleted.
const UPLOAD_EXPIRY_SWEEP: Duration = Duration::from_secs(3600);

/// At start: deletes partial files no upload refers to (left by a crash between forgetting
/// an upload and deleting its bytes, or by a deleted room), and blobs no file refers to
/// (their rooms deleted). Failing leaves them for the next start.
async fn tidy_uploads(shared: &Shared) {
    match shared.store.file_checksums().await {
        Ok(referenced) => match shared.files.remove_unreferenced(&referenced) {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed files no message refers to"),
            Err(err) => tracing::warn!(error = %err, "cannot look for unreferenced files"),
        },
        Err(err) => tracing::warn!(error = %err, "cannot list files"),
    }
    match shared.store.upload_ids().await {
        Ok(known) => match shared.files.remove_strays(&known) {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed stray partial uploads"),
            Err(err) => tracing::warn!(error = %err, "cannot look for stray partial uploads"),
        },
        Err(err) => tracing::warn!(error = %err, "cannot list uploads"),
    }
}

async fn expire_uploads(shared: Arc<Shared>) {
    let mut ticks = tokio::time::interval(UPLOAD_EXPIRY_SWEEP);
    loop {
        ticks.tick().await;
        match crate::transfers::expire(&shared).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "deleted expired uploads"),
            Err(err) => tracing::warn!(error = %err, "cannot expire uploads"),
        }
    }
}

async fn sweep_rate_limits(shared: Arc<Shared>) {
    let mut ticks = tokio::time::interval(rate::SWEEP_INTERVAL);
    loop {
        ticks.tick().await;
        shared.rate.sweep();
    }
}
