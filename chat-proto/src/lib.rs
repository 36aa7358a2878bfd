//! Wire protocol of the chat system, shared by `chat-server` and `chat-tui`.
//!
//! - [`names`]: user and room names, and the targets (`#room`, `@user`) that messages go to.
//!   Each has one validation rule, used by both sides.
//! - [`frames`]: what travels on the wire: a client's hello and requests, the server's
//!   replies and events.
//! - [`groups`]: roles in a room and the changes made to rooms, which history records.
//! - [`files`]: files posted to conversations, moved in chunks.
//! - [`error`]: the typed errors a request can get back.
//! - [`codec`]: the only place that knows the encoding (bincode inside a length-prefixed
//!   frame), with its frame limit.

pub mod codec;
pub mod error;
pub mod files;
pub mod frames;
pub mod groups;
pub mod names;

pub use error::{ErrorCode, ErrorReply};
pub use files::{Chunk, FileId, FileInfo, MAX_CHUNK, Sha256, UploadId};
pub use frames::{
    Body, ClientFrame, ClientMsgId, Credential, Event, Hello, Member, Message, MessageId, Page,
    Request, RequestId, Response, ResumePoint, RoomSummary, ServerFrame, Session, Welcome,
};
pub use groups::{Invitation, MAX_REASON_LEN, MAX_TOPIC_LEN, Role, RoomEvent};
pub use names::{NameError, RoomName, Target, UserName};

/// Version of the protocol spoken by this build; both sides must agree exactly.
pub const PROTOCOL_VERSION: u32 = 3;

/// Largest frame body either side accepts, in bytes; checked before anything is allocated.
pub const MAX_FRAME_LEN: usize = 256 * 1024;

/// Longest message text, in bytes of UTF-8.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// Largest page of history or catch-up a client may ask for in one request.
pub const MAX_PAGE: u16 = 500;

/// Longest password accepted, in bytes; longer ones are rejected before hashing.
pub const MAX_PASSWORD_LEN: usize = 1024;
