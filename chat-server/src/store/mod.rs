//! Durable state in SQLite: accounts, rooms, memberships and messages.
//!
//! One writer thread owns the only writing connection and commits whatever has queued up in
//! one transaction (group commit), so that a burst of sends costs one sync, not one each.
//! Reads run on a small pool of read-only connections, which WAL mode lets proceed while the
//! writer commits. Every call is async and runs its SQLite work off the async workers.
//!
//! What a commit changes is announced, in commit order, to a [`CommitListener`] (the hub),
//! so that live delivery sees exactly the order of the database.

mod files;
mod ops;
mod queries;
mod rooms;
mod schema;
mod writer;

use std::path::Path;
use std::sync::Arc;

use chat_proto::{ErrorReply, Message, MessageId, Role, RoomName, UserName};
use r2d2_sqlite::SqliteConnectionManager;
use tokio::sync::{mpsc, oneshot};

pub use files::{FileRow, StartUpload, UploadRow};
pub use ops::{Appended, Destination, NewMessage};
pub use queries::{Budget, Credentials, LoginState, RoomRecord, message_bytes};
pub use rooms::{Change, JoinMode, JoinedRoom, Managed};

use ops::Op;
use writer::{Queued, Writer};

/// A user's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// A conversation's row id: a room or a direct conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConversationId(pub i64);

/// How durable a commit is, as SQLite's `synchronous` setting in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Survives a crash of the process and of the machine: each commit is synced to disk.
    Full,
    /// Survives a crash of the process; a power loss may lose the last commits.
    Normal,
}

/// How the database is kept.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    pub durability: Durability,
    /// The most the database may grow to, in MiB.
    pub max_mib: Option<u64>,
}

/// Receives what each commit changed, in commit order, on the writer thread.
///
/// Implementations must not block: they run between commits.
pub trait CommitListener: Send + Sync + 'static {
    /// A message was stored; a room event in it has already changed the room.
    fn message(&self, message: &Message);
    /// `user` became a member; a room that was not known yet was just created.
    fn joined(
        &self,
        room: &RoomName,
        id: ConversationId,
        user: &UserName,
        role: Role,
        private: bool,
    );
    fn left(&self, room: &RoomName, user: &UserName);
    /// The room is gone, with its history.
    fn deleted(&self, room: &RoomName, by: &UserName);
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("user name is taken")]
    NameTaken,
    #[error("no such room")]
    NoSuchRoom,
    /// The write was refused for the client's own reason: not allowed, or not sensible.
    #[error("refused: {0}")]
    Refused(ErrorReply),
    #[error("database is full")]
    Full,
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("cannot start the writer thread: {0}")]
    Thread(std::io::Error),
    #[error("store is closed")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    /// A full disk (or the configured size reached) is told apart: the sender is told, and
    /// the server carries on.
    fn from(err: rusqlite::Error) -> Self {
        if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            Self::Full
        } else {
            Self::Sqlite(err)
        }
    }
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    jobs_tx: mpsc::Sender<Queued>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    writer: Arc<Writer>,
}

/// A queued write: the order of writes is fixed when they are queued, and the ticket
/// resolves once the write is committed (or has failed).
#[must_use = "a write's outcome is only known by waiting on its ticket"]
pub struct Ticket<T>(oneshot::Receiver<Result<T, StoreError>>);

impl<T> Ticket<T> {
    pub async fn wait(self) -> Result<T, StoreError> {
        self.0.await.map_err(|_| StoreError::Closed)?
    }
}

/// A write queued, or the reason it could not be.
pub type WriteResult<T> = Result<Ticket<T>, StoreError>;

/// How many writes may wait for the writer; senders wait when it is full.
const WRITE_QUEUE: usize = 8192;

/// Read connections; more than the cores gains nothing for these short queries.
const READERS: u32 = 4;

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it and starts the writer.
    pub fn open(
        path: &Path,
        options: StoreOptions,
        listener: Arc<dyn CommitListener>,
    ) -> Result<Self, StoreError> {
        let (jobs_tx, jobs_rx) = mpsc::channel(WRITE_QUEUE);
        let writer = Writer::start(path, options, jobs_rx, listener)?;
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            conn.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 5000;")
        });
        let readers = r2d2::Pool::builder().max_size(READERS).build(manager)?;
        Ok(Self {
            jobs_tx,
            readers,
            writer: Arc::new(writer),
        })
    }

    /// Commits every write queued so far and stops the writer; later writes fail with
    /// [`StoreError::Closed`].
    pub async fn close(&self) {
        if self.jobs_tx.send(Queued::Stop).await.is_ok() {
            let writer = self.writer.clone();
            let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        }
    }

    pub async fn create_user(&self, name: UserName, password_hash: String) -> WriteResult<UserId> {
        self.submit(ops::CreateUser {
            name,
            password_hash,
        })
        .await
    }

    pub async fn add_token(&self, user: UserId, token_hash: [u8; 32]) -> WriteResult<()> {
        self.submit(ops::AddToken { user, token_hash }).await
    }

    /// Joins a room; `mode` says what happens when it does not exist.
    pub async fn join(
        &self,
        user: UserId,
        name: UserName,
        room: RoomName,
        mode: JoinMode,
    ) -> WriteResult<JoinedRoom> {
        self.submit(rooms::Join {
            user,
            name,
            room,
            mode,
        })
        .await
    }

    pub async fn leave(&self, user: UserId, name: UserName, room: RoomName) -> WriteResult<()> {
        self.submit(rooms::Leave { user, name, room }).await
    }

    /// Changes a room, if the actor's standing in it allows.
    pub async fn manage(
        &self,
        actor: UserId,
        actor_name: UserName,
        room: RoomName,
        change: Change,
    ) -> WriteResult<Managed> {
        self.submit(rooms::Manage {
            actor,
            actor_name,
            room,
            change,
        })
        .await
    }

    /// Stores a message, or finds the one already stored under the same client id.
    pub async fn append(&self, message: NewMessage) -> WriteResult<Appended> {
        self.submit(message).await
    }

    /// Starts an upload, or finds the same one started before.
    pub async fn start_upload(&self, start: StartUpload) -> WriteResult<UploadRow> {
        self.submit(start).await
    }

    /// Posts a finished upload as a message.
    pub async fn post_file(&self, upload: UploadRow, from: UserName) -> WriteResult<Appended> {
        self.submit(files::PostFile { upload, from }).await
    }

    pub async fn drop_upload(&self, id: chat_proto::UploadId) -> WriteResult<()> {
        self.submit(files::DropUpload { id }).await
    }

    /// Forgets uploads started before `before_ms`, answering their ids.
    pub async fn expire_uploads(&self, before_ms: i64) -> WriteResult<Vec<chat_proto::UploadId>> {
        self.submit(files::ExpireUploads { before_ms }).await
    }

    pub async fn upload(&self, id: chat_proto::UploadId) -> Result<Option<UploadRow>, StoreError> {
        self.read(move |conn| files::upload(conn, id)).await
    }

    pub async fn file_checksums(&self) -> Result<std::collections::HashSet<[u8; 32]>, StoreError> {
        self.read(files::checksums).await
    }

    pub async fn upload_ids(&self) -> Result<Vec<chat_proto::UploadId>, StoreError> {
        self.read(files::upload_ids).await
    }

    pub async fn known_content(
        &self,
        sha256: chat_proto::Sha256,
        size: u64,
    ) -> Result<bool, StoreError> {
        self.read(move |conn| files::known_content(conn, sha256, size))
            .await
    }

    pub async fn file(&self, id: chat_proto::FileId) -> Result<Option<FileRow>, StoreError> {
        self.read(move |conn| files::file(conn, id)).await
    }

    /// Records that the user has gone offline having seen everything up to now.
    pub async fn mark_seen(&self, user: UserId) -> WriteResult<()> {
        self.submit(ops::MarkSeen { user }).await
    }

    pub async fn credentials(&self, name: UserName) -> Result<Option<Credentials>, StoreError> {
        self.read(move |conn| queries::credentials(conn, &name))
            .await
    }

    pub async fn user_by_token(
        &self,
        token_hash: [u8; 32],
    ) -> Result<Option<(UserId, UserName)>, StoreError> {
        self.read(move |conn| queries::user_by_token(conn, &token_hash))
            .await
    }

    pub async fn user_id(&self, name: UserName) -> Result<Option<UserId>, StoreError> {
        self.read(move |conn| queries::user_id(conn, &name)).await
    }

    pub async fn rooms(&self) -> Result<Vec<RoomRecord>, StoreError> {
        self.read(queries::rooms).await
    }

    pub async fn login_state(&self, user: UserId) -> Result<LoginState, StoreError> {
        self.read(move |conn| queries::login_state(conn, user))
            .await
    }

    /// Messages before `before` (or the newest), in increasing id order, and whether they
    /// reach the start of the conversation.
    pub async fn page_before(
        &self,
        destination: Destination,
        before: Option<MessageId>,
        limit: Budget,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        self.read(move |conn| queries::page_before(conn, &destination, before, limit))
            .await
    }

    /// Messages after `after`, in increasing id order, and whether more remain.
    pub async fn page_after(
        &self,
        destination: Destination,
        after: MessageId,
        limit: Budget,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        self.read(move |conn| queries::page_after(conn, &destination, after, limit))
            .await
    }

    /// Queues a write, waiting for room in the queue; the ticket resolves once committed.
    async fn submit<O: Op>(&self, op: O) -> WriteResult<O::Output> {
        let (reply_tx, reply_rx) = oneshot::channel();
        let job = Queued::Write(writer::job(op, reply_tx));
        self.jobs_tx
            .send(job)
            .await
            .map_err(|_| StoreError::Closed)?;
        Ok(Ticket(reply_rx))
    }

    async fn read<T, F>(&self, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || query(&*readers.get()?))
            .await
            .map_err(|_| StoreError::Closed)?
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since.as_millis() as i64
}
