//! Typed errors carried in replies.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What went wrong, as a stable variant a client can react to.
///
/// The variants' names and their [`ErrorCode::as_str`] spellings are part of the protocol:
/// new ones may be added, existing ones keep their meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The client speaks another protocol version than the server.
    VersionMismatch {
        server: u32,
        client: u32,
    },
    /// A frame did not decode, or was not the frame expected at this point.
    BadFrame,
    /// A frame's length prefix exceeded the limit.
    FrameTooLarge {
        limit: u32,
    },
    /// The request needs a logged-in connection.
    NotLoggedIn,
    AlreadyLoggedIn,
    RegistrationClosed,
    UsernameTaken,
    UnknownUser,
    WrongPassword,
    /// The session token is unknown or was revoked; log in with the password.
    InvalidToken,
    /// A password that is empty or longer than [`crate::MAX_PASSWORD_LEN`].
    BadPassword,
    NoSuchRoom,
    /// A room of that name exists already.
    RoomExists,
    /// The caller's standing in the room does not allow the request; the message says what
    /// would.
    Forbidden,
    /// A file larger than the server takes.
    FileTooLarge {
        limit: u64,
    },
    /// The file would take the sender past their storage quota, in bytes.
    QuotaExceeded {
        limit: u64,
    },
    /// An upload's bytes do not match the checksum it was announced with; nothing was kept.
    ChecksumMismatch,
    /// A chunk that is not where the upload got to.
    UploadOffset {
        expected: u64,
    },
    NoSuchUpload,
    NoSuchFile,
    EmptyMessage,
    MessageTooLong {
        limit: u32,
    },
    /// A request whose arguments make no sense (a direct message to oneself, a page of zero).
    InvalidRequest,
    /// Too many requests; try again after the given time.
    RateLimited {
        retry_after_ms: u64,
    },
    /// The client did not read fast enough and its queue filled up.
    TooSlow,
    /// Nothing was heard from the client for too long.
    Idle,
    /// Too many connections, from this address or in all.
    TooManyConnections,
    /// The user is in as many rooms as the server allows.
    TooManyRooms {
        limit: u32,
    },
    /// The room has as many members as the server allows.
    RoomFull {
        limit: u32,
    },
    /// The server is out of space for new data; nothing was stored.
    StorageFull,
    ShuttingDown,
    /// A fault on the server's side; the request may be retried.
    Internal,
}

impl ErrorCode {
    /// A stable snake-case name, for logs and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::VersionMismatch { .. } => "version_mismatch",
            Self::BadFrame => "bad_frame",
            Self::FrameTooLarge { .. } => "frame_too_large",
            Self::NotLoggedIn => "not_logged_in",
            Self::AlreadyLoggedIn => "already_logged_in",
            Self::RegistrationClosed => "registration_closed",
            Self::UsernameTaken => "username_taken",
            Self::UnknownUser => "unknown_user",
            Self::WrongPassword => "wrong_password",
            Self::InvalidToken => "invalid_token",
            Self::BadPassword => "bad_password",
            Self::NoSuchRoom => "no_such_room",
            Self::RoomExists => "room_exists",
            Self::Forbidden => "forbidden",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::ChecksumMismatch => "checksum_mismatch",
            Self::UploadOffset { .. } => "upload_offset",
            Self::NoSuchUpload => "no_such_upload",
            Self::NoSuchFile => "no_such_file",
            Self::EmptyMessage => "empty_message",
            Self::MessageTooLong { .. } => "message_too_long",
            Self::InvalidRequest => "invalid_request",
            Self::RateLimited { .. } => "rate_limited",
            Self::TooSlow => "too_slow",
            Self::Idle => "idle",
            Self::TooManyConnections => "too_many_connections",
            Self::TooManyRooms { .. } => "too_many_rooms",
            Self::RoomFull { .. } => "room_full",
            Self::StorageFull => "storage_full",
            Self::ShuttingDown => "shutting_down",
            Self::Internal => "internal",
        }
    }
}

/// An error with a human explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ErrorReply {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorReply {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<ErrorCode> for ErrorReply {
    /// An error with the default explanation of its code.
    fn from(code: ErrorCode) -> Self {
        let message = match &code {
            ErrorCode::VersionMismatch { server, client } => {
                format!("server speaks protocol version {server}, client speaks {client}")
            }
            ErrorCode::BadFrame => "malformed frame".into(),
            ErrorCode::FrameTooLarge { limit } => format!("frame larger than {limit} bytes"),
            ErrorCode::NotLoggedIn => "log in first".into(),
            ErrorCode::AlreadyLoggedIn => "already logged in".into(),
            ErrorCode::RegistrationClosed => "registration is closed on this server".into(),
            ErrorCode::UsernameTaken => "that user name is taken".into(),
            ErrorCode::UnknownUser => "no such user".into(),
            ErrorCode::WrongPassword => "wrong password".into(),
            ErrorCode::InvalidToken => "session expired; log in with your password".into(),
            ErrorCode::BadPassword => format!(
                "a password must be between 1 and {} bytes",
                crate::MAX_PASSWORD_LEN
            ),
            ErrorCode::NoSuchRoom => "no such room".into(),
            ErrorCode::RoomExists => "a room of that name exists".into(),
            ErrorCode::Forbidden => "not allowed".into(),
            ErrorCode::FileTooLarge { limit } => format!("files are at most {limit} bytes"),
            ErrorCode::QuotaExceeded { limit } => {
                format!("that would pass your storage quota of {limit} bytes")
            }
            ErrorCode::ChecksumMismatch => {
                "the file's bytes do not match its checksum; nothing was kept".into()
            }
            ErrorCode::UploadOffset { expected } => {
                format!("the upload continues at byte {expected}")
            }
            ErrorCode::NoSuchUpload => "no such upload".into(),
            ErrorCode::NoSuchFile => "no such file".into(),
            ErrorCode::EmptyMessage => "message is empty".into(),
            ErrorCode::MessageTooLong { limit } => format!("message is longer than {limit} bytes"),
            ErrorCode::InvalidRequest => "invalid request".into(),
            ErrorCode::RateLimited { retry_after_ms } => {
                format!(
                    "too many requests; try again in {} s",
                    retry_after_ms.div_ceil(1000)
                )
            }
            ErrorCode::TooSlow => "connection closed: too slow to read".into(),
            ErrorCode::Idle => "connection closed: nothing heard from the client".into(),
            ErrorCode::TooManyConnections => "too many connections; try again later".into(),
            ErrorCode::TooManyRooms { limit } => {
                format!("you are in {limit} rooms, the most allowed")
            }
            ErrorCode::RoomFull { limit } => {
                format!("the room has {limit} members, the most allowed")
            }
            ErrorCode::StorageFull => "the server is out of storage; nothing was stored".into(),
            ErrorCode::ShuttingDown => "server is shutting down".into(),
            ErrorCode::Internal => "internal server error".into(),
        };
        Self { code, message }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
