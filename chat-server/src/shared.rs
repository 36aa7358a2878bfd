//! What every connection shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chat_proto::{ErrorCode, ErrorReply};

use crate::auth::PasswordCheck;
use crate::config::Config;
use crate::files::Files;
use crate::hub::{Hub, SessionId};
use crate::rate::RateLimits;
use crate::store::{Store, StoreError};
use crate::transfers::Unfinished;

/// The server's state that outlives any one connection: settings, the store, the live hub
/// and the password checker. Every connection task holds it behind one `Arc`.
pub struct Shared {
    pub config: Config,
    pub store: Store,
    pub files: Files,
    /// Unfinished uploads, as the store has them.
    pub uploads: Unfinished,
    pub hub: Arc<Hub>,
    pub passwords: PasswordCheck,
    pub rate: RateLimits,
    /// Numbers sessions, so that one of a user's several connections can be told apart.
    next_session: AtomicU64,
}

impl Shared {
    pub fn new(
        config: Config,
        store: Store,
        files: Files,
        hub: Arc<Hub>,
        passwords: PasswordCheck,
    ) -> Self {
        let rate = RateLimits::new(&config.limits);
        Self {
            config,
            store,
            files,
            uploads: Unfinished::default(),
            hub,
            passwords,
            rate,
            next_session: AtomicU64::new(1),
        }
    }

    pub fn new_session_id(&self) -> SessionId {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }
}

impl From<StoreError> for ErrorReply {
    /// Store errors a client can act on keep their meaning; the rest are the server's fault,
    /// logged here and reported as internal.
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NameTaken => ErrorCode::UsernameTaken.into(),
            StoreError::NoSuchRoom => ErrorCode::NoSuchRoom.into(),
            StoreError::Refused(reply) => reply,
            StoreError::Closed => ErrorCode::ShuttingDown.into(),
            StoreError::Full => {
                tracing::warn!("database full: a write was refused");
                ErrorCode::StorageFull.into()
            }
            other => {
                tracing::error!(error = %other, "store failed");
                ErrorCode::Internal.into()
            }
        }
    }
}

impl From<crate::auth::AuthError> for ErrorReply {
    fn from(err: crate::auth::AuthError) -> Self {
        tracing::error!(error = %err, "password check failed");
        ErrorCode::Internal.into()
    }
}
