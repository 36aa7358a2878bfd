//! What goes into the update function (actions) and what comes out (effects).
//!
//! Actions are everything that happens: keys, the terminal's size, the client's events,
//! and the replies to earlier effects. Effects are what the state cannot do by itself: talk
//! to the server. The runtime carries them out off the UI's path and answers each with a
//! [`Reply`] action.

use std::path::PathBuf;

use chat_proto::{
    FileId, Member, MessageId, Page, RoomName, RoomSummary, Session, Target, UserName,
};
use crossterm::event::KeyEvent;

use crate::client::{ClientError, ClientEvent, Fingerprint, Progress, RoomChange, TransferError};
use crate::preview::Preview;

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Key(KeyEvent),
    /// Text pasted into the terminal, in one piece.
    Paste(String),
    /// The mouse wheel turned over the screen.
    Wheel {
        up: bool,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// The wall clock, in Unix milliseconds, for what the app dates itself (joins, parts)
    /// and for the notices it lets expire; the runtime sends it before each batch of
    /// actions, and every second while a notice is up.
    Now(i64),
    /// Logged in and caught up.
    Connected(Session),
    /// The first connection failed; nothing is running.
    ConnectFailed(Failure),
    /// The server's certificate is not known yet: ask the user.
    TrustUnknown {
        server: String,
        fingerprint: Fingerprint,
    },
    /// The server's certificate differs from the one trusted before: refuse.
    TrustChanged {
        server: String,
        known: Fingerprint,
        presented: Fingerprint,
        file: PathBuf,
    },
    Client(ClientEvent),
    /// Logged in again after a reconnect and caught up, where [`ClientEvent::Reconnected`]
    /// would say just that: the session names the rooms the user is in now, which may
    /// have changed while the client was away (a kick, a room deleted).
    Resumed(Session),
    /// The client stopped for good (its login was refused on a reconnect).
    ClientStopped,
    Reply(Reply),
}

/// Something for the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Connect(Login),
    /// The user accepted this certificate for the server: remember it and connect.
    Trust(Fingerprint),
    Send {
        to: Target,
        /// The app's number for the pending message, echoed in the reply.
        local: u64,
        text: String,
    },
    Join(RoomName),
    Leave(RoomName),
    /// Join a room by its invitation; answered as a join is.
    Accept(RoomName),
    /// Make a room and join it; answered with the room's summary, as a join is.
    Create {
        room: RoomName,
        private: bool,
    },
    /// Make a change to a room: invite, kick, rename, set the topic...
    Change {
        room: RoomName,
        change: RoomChange,
    },
    /// A page of history older than `before`, or the newest page.
    Older {
        target: Target,
        before: Option<MessageId>,
        /// The app's number for the request, echoed in the reply: the conversation takes
        /// the page only if it still waits for this request.
        request: u64,
    },
    /// A page of messages after `after`.
    Newer {
        target: Target,
        after: MessageId,
        /// As for `Older`.
        request: u64,
    },
    /// A room's members; `show` lists them in an overlay too (`/who`).
    Members {
        room: RoomName,
        show: bool,
    },
    /// Every room on the server; `show` lists them in an overlay (`/rooms`). Without it the
    /// list only brings the facts of the reader's rooms (private, topic) up to date.
    Rooms {
        show: bool,
    },
    /// Post the file at `path` to `to`, as transfer number `transfer`.
    Upload {
        transfer: u64,
        to: Target,
        path: PathBuf,
    },
    /// Save a posted file at or into `dest`, or in the download directory without one.
    Download {
        transfer: u64,
        file: FileId,
        dest: Option<PathBuf>,
    },
    /// Fetch file `file` as transfer `transfer`, if it is an image small enough, and
    /// decode it for the preview box.
    Preview {
        transfer: u64,
        file: FileId,
    },
    /// Stop these transfers.
    Cancel(Vec<u64>),
    /// Clear and repaint the whole terminal.
    Redraw,
}

/// Who to log in as.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub user: UserName,
    pub password: String,
    pub register: bool,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("register", &self.register)
            .finish_non_exhaustive()
    }
}

/// How an effect turned out.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Sent {
        to: Target,
        local: u64,
        result: Result<MessageId, Failure>,
    },
    /// The answer to a join or to accepting an invitation.
    Joined {
        room: RoomName,
        result: Result<RoomSummary, Failure>,
    },
    /// The answer to making a room, with the room's summary.
    Created {
        room: RoomName,
        result: Result<RoomSummary, Failure>,
    },
    Changed {
        room: RoomName,
        change: RoomChange,
        result: Result<(), Failure>,
    },
    Left {
        room: RoomName,
        result: Result<(), Failure>,
    },
    Older {
        target: Target,
        /// The number of the request answered.
        request: u64,
        result: Result<Page, Failure>,
    },
    Newer {
        target: Target,
        request: u64,
        result: Result<Page, Failure>,
    },
    Members {
        room: RoomName,
        show: bool,
        result: Result<Vec<Member>, Failure>,
    },
    Rooms {
        show: bool,
        result: Result<Vec<RoomSummary>, Failure>,
    },
    /// How far a transfer has come.
    Progress { transfer: u64, progress: Progress },
    /// A file posted, with its message's id.
    Uploaded {
        transfer: u64,
        result: Result<MessageId, Failure>,
    },
    /// A file saved, with where.
    Downloaded {
        transfer: u64,
        result: Result<PathBuf, Failure>,
    },
    /// An image fetched and decoded, to show.
    Previewed {
        transfer: u64,
        result: Result<Preview, Failure>,
    },
}

/// Why an effect failed, in words for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A stable code: the server's, or one of the client's own.
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<&ClientError> for Failure {
    fn from(err: &ClientError) -> Self {
        Self::new(err.code(), err.to_string())
    }
}

impl From<&TransferError> for Failure {
    fn from(err: &TransferError) -> Self {
        Self::new(err.code(), err.to_string())
    }
}
