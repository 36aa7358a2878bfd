//! The client core: one connection task per logged-in user, and cheap handles to it.
//!
//! [`Client::connect`] spawns the task and returns a [`Client`] handle with a stream of
//! [`ClientEvent`]s. The task owns the connection: it logs in, catches up on what was
//! missed, matches replies to requests, and when the connection is lost it reconnects with
//! backoff, catches up again and sends the unanswered requests again, so that the
//! application sees every message once, in order, with nothing missing.
//!
//! Module map:
//! - `tls`: what to trust (a CA file or a pinned certificate) and the name to verify.
//! - `pinned`: certificate fingerprints, for trust on first use.
//! - `link`: one connection, from the dial to typed frames.
//! - `connector`: login and catch-up on a new connection.
//! - `resume`: the cursors that keep messages from being lost or repeated.
//! - `task`: the connection task and its reconnect loop.
//! - `events`: the event channel towards the application.
//! - `groups`: requests that manage rooms as groups (invitations, moderation, roles).
//! - `transfer`, `upload`, `download`: files sent and fetched in chunks, with progress,
//!   resume and cancelling.
//! - `backoff`: delays between reconnect attempts.
//!
//! Presence, join and leave events that happen while disconnected are not replayed; an
//! application that shows them refreshes its member lists on [`ClientEvent::Reconnected`].

mod backoff;
mod connector;
mod download;
mod error;
mod events;
mod groups;
mod link;
mod pinned;
mod resume;
mod task;
mod tls;
mod transfer;
mod upload;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use chat_proto::{
    ClientMsgId, Invitation, Member, Message, MessageId, Page, Request, Response, RoomName,
    RoomSummary, Session, Target, UserName,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::{CancellationToken, DropGuard};
use tracing::Instrument;

pub use download::Downloaded;
pub use error::ClientError;
pub use groups::RoomChange;
pub use pinned::{BadFingerprint, Fingerprint};
pub use tls::{Trust, probe};
pub use transfer::{PROGRESS_EVERY, Progress, Ticket, TransferError, Transfers, WINDOW};
pub use upload::{Announced, Uploaded};

use connector::Connector;
use events::EventSink;
use task::{Call, Control, Inbox, Task};
use tls::Tls;

/// How many events may wait for the application; past it the connection task waits too.
///
/// The application must therefore keep reading events while it waits for replies: the
/// task that would deliver a reply is the one waiting for room to deliver an event. (A
/// task that stops reading falls behind the server, which then disconnects it as too slow;
/// nothing is lost, it resumes once events are read again.)
const EVENT_QUEUE: usize = 1024;

/// How many requests may wait for the connection task, while it is reconnecting say; past it
/// callers wait.
const REQUEST_QUEUE: usize = 256;

/// Where to connect and who to be.
#[derive(Clone)]
pub struct ClientConfig {
    /// "host:port"; the host is also the name the server's certificate must carry.
    pub server: String,
    /// PEM file with the CA certificate(s) to trust.
    pub ca_file: PathBuf,
    pub user: UserName,
    pub password: String,
    /// Register the account on the first connection instead of logging in.
    pub register: bool,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("server", &self.server)
            .field("ca_file", &self.ca_file)
            .field("user", &self.user)
            .field("register", &self.register)
            .finish_non_exhaustive()
    }
}

/// Something the application should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// A message not delivered before: live, or caught up after a (re)connect. After a
    /// login, the kicks and bans of the user listed with the session come first, as news
    /// like live ones, unless this client saw them already or the user is back in the room.
    Message {
        message: Message,
        /// The conversation as this user sees it: the room, or the other person of a DM.
        conversation: Target,
        /// Always false from the event stream; the field lets an application carry pages
        /// from [`Client::history`] in the same type.
        history: bool,
    },
    Joined {
        room: RoomName,
        user: UserName,
    },
    Left {
        room: RoomName,
        user: UserName,
    },
    Presence {
        user: UserName,
        online: bool,
    },
    /// The user was invited to a room.
    Invited(Invitation),
    /// A room the user was in is gone, with its history.
    RoomDeleted {
        room: RoomName,
        by: UserName,
    },
    /// The connection was lost; the client is reconnecting. Requests wait meanwhile.
    Disconnected {
        reason: String,
    },
    /// Logged in again and caught up; events are continuous again.
    Reconnected,
}

/// The reply to a request from [`Client::submit`], still to come.
#[derive(Debug)]
pub struct PendingReply {
    reply_rx: oneshot::Receiver<Result<Response, ClientError>>,
}

impl PendingReply {
    /// Waits for the reply, across reconnects if need be.
    pub async fn reply(self) -> Result<Response, ClientError> {
        self.reply_rx.await.map_err(|_| ClientError::Closed)?
    }
}

/// A handle to the connection task; clones share the connection.
///
/// The task stops when [`Client::close`] is called or the last handle is dropped.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

struct Shared {
    user: UserName,
    requests_tx: mpsc::Sender<Call>,
    control_tx: mpsc::Sender<Control>,
    session_rx: watch::Receiver<Session>,
    shutdown: CancellationToken,
    _stop_on_drop: DropGuard,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("user", &self.shared.user)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects, verifies the server against the CA file, says hello, registers or logs in,
    /// catches up, and returns once ready.
    ///
    /// Errors of this first attempt (wrong password, version mismatch, refused connection)
    /// are returned, not retried. Messages caught up are already in the event channel; if
    /// there are more than it holds, this returns as soon as it is full, and the rest
    /// follows as the channel is drained.
    pub async fn connect(
        config: ClientConfig,
    ) -> Result<(Client, mpsc::Receiver<ClientEvent>), ClientError> {
        let trust = Trust::CaFile(config.ca_file.clone());
        Self::connect_trusting(config, &trust).await
    }

    /// [`Client::connect`], verifying the server as `trust` says instead of with
    /// `config.ca_file`, which is then unused. Reconnects verify the same way.
    pub async fn connect_trusting(
        config: ClientConfig,
        trust: &Trust,
    ) -> Result<(Client, mpsc::Receiver<ClientEvent>), ClientError> {
        let tls = Tls::load(&config.server, trust).await?;
        let (events_tx, events_rx) = mpsc::channel(EVENT_QUEUE);
        let (requests_tx, requests_rx) = mpsc::channel(REQUEST_QUEUE);
        let (control_tx, control_rx) = mpsc::channel(1);
        let (ready_tx, ready_rx) = oneshot::channel();
        let (session_tx, session_rx) = watch::channel(Session {
            user: config.user.clone(),
            token: String::new(),
            conversations: Vec::new(),
            rooms: Vec::new(),
            invitations: Vec::new(),
            removals: Vec::new(),
        });
        let shutdown = CancellationToken::new();

        // Made before the task starts, so that giving up on `connect` stops the task.
        let client = Client {
            shared: Arc::new(Shared {
                user: config.user.clone(),
                requests_tx,
                control_tx,
                session_rx,
                shutdown: shutdown.clone(),
                _stop_on_drop: shutdown.clone().drop_guard(),
            }),
        };
        let span = tracing::info_span!("client", user = %config.user, server = %config.server);
        let connector =
            Connector::new(config, tls, EventSink::new(events_tx, ready_tx), session_tx);
        let task = Task::new(
            Inbox {
                requests_rx,
                control_rx,
                shutdown,
            },
            connector,
        );
        tokio::spawn(task.run().instrument(span));

        ready_rx.await.map_err(|_| ClientError::Closed)??;
        Ok((client, events_rx))
    }

    pub fn user(&self) -> &UserName {
        &self.shared.user
    }

    /// The latest session from a login: the user's rooms and conversations at that time.
    pub fn session(&self) -> Session {
        self.shared.session_rx.borrow().clone()
    }

    /// Sends a request and waits for its reply, across reconnects if need be.
    ///
    /// Login and catch-up are the core's business; a `Login`, `Register` or `CatchUp` sent
    /// here goes to the server as is and does not change the core's state.
    pub async fn request(&self, request: Request) -> Result<Response, ClientError> {
        self.submit(request).await?.reply().await
    }

    /// Hands a request to the connection task and returns once it is queued, without
    /// waiting for the reply.
    ///
    /// Requests go to the server in the order they are submitted, so a caller that submits
    /// one after the other (messages typed in a row, say) keeps their order while their
    /// replies are awaited concurrently. Waits while the request queue is full.
    pub async fn submit(&self, request: Request) -> Result<PendingReply, ClientError> {
        let (reply_tx, reply_rx) = oneshot::channel();
        let call = Call { request, reply_tx };
        self.shared
            .requests_tx
            .send(call)
            .await
            .map_err(|_| ClientError::Closed)?;
        Ok(PendingReply { reply_rx })
    }

    /// Sends a message with a fresh random client id; returns its id and whether the server
    /// had already stored it.
    pub async fn send(&self, to: Target, text: String) -> Result<(MessageId, bool), ClientError> {
        self.send_with_id(to, ClientMsgId(rand::random()), text)
            .await
    }

    /// Sends a message with a chosen client id, so that a retry by the caller is stored once.
    pub async fn send_with_id(
        &self,
        to: Target,
        client_id: ClientMsgId,
        text: String,
    ) -> Result<(MessageId, bool), ClientError> {
        match self
            .request(Request::Send {
                to,
                client_id,
                text,
            })
            .await?
        {
            Response::Sent { id, duplicate, .. } => Ok((id, duplicate)),
            other => Err(ClientError::unexpected("send", &other)),
        }
    }

    /// Fetches a page of history: messages older than `before`, or the newest without it.
    ///
    /// The page is returned, not emitted as events, and does not move the resume cursors.
    pub async fn history(
        &self,
        target: Target,
        before: Option<MessageId>,
        limit: u16,
    ) -> Result<Page, ClientError> {
        match self
            .request(Request::History {
                target,
                before,
                limit,
            })
            .await?
        {
            Response::History(page) => Ok(page),
            other => Err(ClientError::unexpected("history", &other)),
        }
    }

    /// Joins a room, creating it (public, with the caller as owner) when it does not exist.
    pub async fn join(&self, room: RoomName) -> Result<RoomSummary, ClientError> {
        match self.request(Request::Join { room }).await? {
            Response::Joined { room, .. } => Ok(room),
            other => Err(ClientError::unexpected("join", &other)),
        }
    }

    pub async fn leave(&self, room: RoomName) -> Result<(), ClientError> {
        match self.request(Request::Leave { room }).await? {
            Response::Done => Ok(()),
            other => Err(ClientError::unexpected("leave", &other)),
        }
    }

    /// The public rooms, and the private ones the caller is in, with member counts and
    /// topics.
    pub async fn rooms(&self) -> Result<Vec<RoomSummary>, ClientError> {
        match self.request(Request::ListRooms).await? {
            Response::Rooms(rooms) => Ok(rooms),
            other => Err(ClientError::unexpected("list rooms", &other)),
        }
    }

    /// A room's members, with whether each is online and their role.
    pub async fn members(&self, room: RoomName) -> Result<Vec<Member>, ClientError> {
        match self.request(Request::Members { room }).await? {
            Response::Members(members) => Ok(members),
            other => Err(ClientError::unexpected("members", &other)),
        }
    }

    /// Drops the current connection abruptly, as a network failure would; the core then
    /// reconnects and resumes by itself. Returns once the connection is down.
    ///
    /// A hook for tests and diagnostics.
    pub async fn drop_connection(&self) {
        let (done_tx, done_rx) = oneshot::channel();
        if self
            .shared
            .control_tx
            .send(Control::DropConnection { done_tx })
            .await
            .is_ok()
        {
            let _ = done_rx.await;
        }
    }

    /// Closes the connection and stops the task; pending requests fail with
    /// [`ClientError::Closed`], and the event stream ends.
    pub async fn close(&self) {
        self.shared.shutdown.cancel();
        self.shared.requests_tx.closed().await;
    }
}
