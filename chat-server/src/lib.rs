//! The chat server as a library, so that tests can start one in-process on port 0.
//!
//! - [`server`]: the listener, connection cap, TLS handshake and shutdown.
//! - `connection`: one client's reader and writer.
//! - `session` and `requests`: what each request does, authorised on the server.
//! - `permissions`: who may do what in a room, as one table.
//! - `transfers` and `files`: uploads and downloads, and the files' bytes on disk.
//! - `hub`: live rooms, members and sessions; fan-out of committed changes.
//! - [`store`]: SQLite with group commit; the only durable state.
//! - `auth`: password hashing and session tokens.
//! - [`config`] and `tls`: settings, certificates, and the TLS stream connections use.

mod admission;
mod auth;
pub mod config;
mod connection;
mod files;
mod hub;
mod outbound;
mod permissions;
mod rate;
mod requests;
pub mod server;
mod session;
mod shared;
pub mod store;
mod tls;
mod transfers;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use config::{Config, Limits, TlsSource};

/// The hub and a connection's queue, for the fan-out benchmark only.
#[cfg(feature = "bench-hooks")]
#[doc(hidden)]
pub mod bench_hooks {
    pub use crate::hub::{Hub, SessionHandle};
    pub use crate::outbound::{Outbound, Queue};
}
pub use server::Server;
pub use store::Durability;
pub use tls::CA_CERT;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot open the database {path}: {source}")]
    Store {
        path: PathBuf,
        source: store::StoreError,
    },
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
}
