//! The frames of the protocol.
//!
//! A connection opens with the client's [`Hello`] and the server's [`Welcome`]. After that
//! the client sends [`Request`]s, each with a [`RequestId`] that the server's
//! [`ServerFrame::Reply`] echoes, and the server pushes [`Event`]s whenever something
//! happens. Before closing a connection on its own initiative, the server says why with
//! [`ServerFrame::Closing`].

use serde::{Deserialize, Serialize};

use crate::error::ErrorReply;
use crate::files::{Chunk, FileId, FileInfo, Sha256, UploadId};
use crate::groups::{Invitation, Role, RoomEvent};
use crate::names::{RoomName, Target, UserName};

/// Chosen by the client to match replies to requests; the server echoes it unchanged.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u64);

/// Chosen by the client for each message it sends, so that a retried send is recognised and
/// stored only once. Random 64-bit values make a collision between two sends of the same
/// user vanishingly unlikely.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientMsgId(pub u64);

/// A message's place in its conversation, assigned by the server.
///
/// Ids increase in the order messages are committed. Clients treat them as opaque resume
/// points: they compare them to order and deduplicate, and hand them back to resume, but
/// draw no other meaning from them (they are not dense, and need not be shared across
/// conversations).
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessageId(pub u64);

/// Anything a client sends.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClientFrame {
    Hello(Hello),
    Request { id: RequestId, request: Request },
}

/// The first frame of every connection.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// Must equal the server's [`crate::PROTOCOL_VERSION`].
    pub version: u32,
    /// Free-form client name and version, for the server's logs.
    pub client: String,
}

/// What a client can ask for. Everything but `Register` and `Login` needs a logged-in
/// connection.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Creates an account and logs in as it.
    Register {
        user: UserName,
        password: String,
    },
    /// Logs in with a password, or with a token from an earlier [`Session`].
    Login {
        user: UserName,
        credential: Credential,
    },
    /// Joins a room, creating it (public, with the caller as owner) when it does not exist
    /// yet. A private room is joined only by invitation; joining it accepts the invitation.
    Join {
        room: RoomName,
    },
    /// Creates a room with the caller as owner; refused when the name is taken.
    Create {
        room: RoomName,
        private: bool,
    },
    Leave {
        room: RoomName,
    },
    /// Public rooms, and the private ones the caller is in, with member counts and topics.
    ListRooms,
    Invite {
        room: RoomName,
        user: UserName,
    },
    /// Joins a room one is invited to; answered like [`Request::Join`].
    Accept {
        room: RoomName,
    },
    Decline {
        room: RoomName,
    },
    /// Removes a member; they may come back.
    Kick {
        room: RoomName,
        user: UserName,
        reason: String,
    },
    /// Removes a member, if they are one, and keeps them out.
    Ban {
        room: RoomName,
        user: UserName,
        reason: String,
    },
    Unban {
        room: RoomName,
        user: UserName,
    },
    /// Promotes or demotes a member. Giving [`Role::Owner`] hands ownership on, and the
    /// caller becomes an admin.
    SetRole {
        room: RoomName,
        user: UserName,
        role: Role,
    },
    Rename {
        room: RoomName,
        to: RoomName,
    },
    SetTopic {
        room: RoomName,
        topic: String,
    },
    /// Deletes the room with its history, for everyone.
    Delete {
        room: RoomName,
    },
    /// Announces a file for a conversation; answered with where to continue, which is past
    /// the end when the server has the file already. `client_id` identifies the file's
    /// message as it does a text's.
    StartUpload {
        to: Target,
        client_id: ClientMsgId,
        name: String,
        size: u64,
        media_type: String,
        sha256: Sha256,
    },
    /// The next bytes of an upload: `offset` must be where the upload got to; a chunk the
    /// server has already is acknowledged and dropped.
    UploadChunk {
        upload: UploadId,
        offset: u64,
        data: Chunk,
    },
    /// Checks the upload against its checksum and posts it; answered like a send.
    FinishUpload {
        upload: UploadId,
    },
    CancelUpload {
        upload: UploadId,
    },
    /// A file's details, for those who may read its conversation.
    FileInfo {
        file: FileId,
    },
    /// Up to `len` bytes of a file from `offset` (at most [`crate::files::MAX_CHUNK`]).
    Download {
        file: FileId,
        offset: u64,
        len: u32,
    },
    /// A room's members and who of them is online. Only for members.
    Members {
        room: RoomName,
    },
    Send {
        to: Target,
        client_id: ClientMsgId,
        text: String,
    },
    /// Messages of one conversation older than `before` (or the newest, without it), newest
    /// page first, returned in increasing id order.
    History {
        target: Target,
        before: Option<MessageId>,
        limit: u16,
    },
    /// Messages missed since the given points, one page at a time; see [`Response::CatchUp`].
    CatchUp {
        points: Vec<ResumePoint>,
    },
    /// Answered with [`Response::Done`]. A quiet client sends one now and then, so that both
    /// sides notice a connection that died without a word (a laptop suspended, a NAT
    /// mapping forgotten).
    Ping,
}

/// How a login proves who it is.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Credential {
    Password(String),
    /// A session token from [`Session::token`]; lets a client log in again after a reconnect
    /// without keeping the password.
    Token(String),
}

/// The last message of a conversation that a client has seen.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumePoint {
    pub target: Target,
    pub after: MessageId,
}

/// Anything the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerFrame {
    Welcome(Welcome),
    Reply {
        id: RequestId,
        result: Result<Response, ErrorReply>,
    },
    Event(Event),
    /// The last frame before the server closes the connection, saying why.
    Closing(ErrorReply),
}

/// The server's answer to [`Hello`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub version: u32,
    /// Server software and version.
    pub server: String,
    pub registration_open: bool,
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Done,
    Session(Session),
    /// `latest` is the room's newest message: where the new member resumes from.
    Joined {
        room: RoomSummary,
        latest: MessageId,
    },
    Rooms(Vec<RoomSummary>),
    Members(Vec<Member>),
    /// The message is committed. `duplicate` is set when it had been sent before with the
    /// same client id; `id` is then the original's.
    Sent {
        id: MessageId,
        ts_ms: i64,
        duplicate: bool,
    },
    History(Page),
    /// Missed messages in increasing id order within each conversation. Until `complete`,
    /// the client asks again with its points moved past what it got.
    CatchUp(Page),
    /// An upload, and how many of its bytes the server has.
    Upload {
        upload: UploadId,
        received: u64,
    },
    File(FileInfo),
    /// Bytes of a file; empty past its end.
    Chunk(Chunk),
}

/// A logged-in session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user: UserName,
    /// Logs this user in again after a reconnect; the server keeps only its hash.
    pub token: String,
    /// Every conversation of the user, each with where a new client should resume it: the
    /// latest message for rooms, and for direct conversations the last message seen before
    /// the user was last offline, so that messages received while away are delivered.
    pub conversations: Vec<ResumePoint>,
    /// The user's rooms.
    pub rooms: Vec<RoomSummary>,
    /// Invitations the user has neither accepted nor declined.
    pub invitations: Vec<Invitation>,
    /// The room events that removed the user from a room (kicks and bans) since they were
    /// last offline, so that a client that was away learns who removed them and why. A
    /// client that was connected at the time has seen them live already.
    pub removals: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSummary {
    pub name: RoomName,
    pub members: u32,
    /// Listed only to members, and joined only by invitation.
    pub private: bool,
    /// Empty when none is set.
    pub topic: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user: UserName,
    pub online: bool,
    pub role: Role,
}

/// A page of messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub messages: Vec<Message>,
    /// Nothing further lies in the direction of paging: for history, this page reaches the
    /// start of the conversation; for catch-up, nothing more was missed.
    pub complete: bool,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    /// Where it was sent: a room, or the recipient of a direct message. A reader names the
    /// conversation with [`Target::seen_by`].
    pub to: Target,
    pub from: UserName,
    pub body: Body,
    /// Commit time, unix milliseconds.
    pub ts_ms: i64,
}

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    Text(String),
    /// A change to the room, made by the message's sender.
    Event(RoomEvent),
    File(FileInfo),
}

impl Message {
    /// The text a person wrote, or `None` for a room event.
    pub fn text(&self) -> Option<&str> {
        match &self.body {
            Body::Text(text) => Some(text),
            Body::Event(_) | Body::File(_) => None,
        }
    }

    /// The room change this message records, if it is one.
    pub fn event(&self) -> Option<&RoomEvent> {
        match &self.body {
            Body::Event(event) => Some(event),
            Body::Text(_) | Body::File(_) => None,
        }
    }

    /// The file this message posts, if it is one.
    pub fn file(&self) -> Option<&FileInfo> {
        match &self.body {
            Body::File(file) => Some(file),
            Body::Text(_) | Body::Event(_) => None,
        }
    }
}

/// Something that happened, pushed by the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    Message(Message),
    Joined {
        room: RoomName,
        user: UserName,
    },
    Left {
        room: RoomName,
        user: UserName,
    },
    /// A user who shares a room with the reader came online (from their first device) or
    /// went offline (from their last).
    Presence {
        user: UserName,
        online: bool,
    },
    /// The reader was invited to a room.
    Invited(Invitation),
    /// The room is gone, with its history; sent to those who were its members.
    RoomDeleted {
        room: RoomName,
        by: UserName,
    },
}
