//! Why a client operation failed, sorted by who is at fault.

use std::io;

use chat_proto::{ErrorReply, Response};

/// An error of the client core.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server refused the request; its code says why.
    #[error("{0}")]
    Server(ErrorReply),
    /// The TLS handshake failed, most often because the server's certificate is not signed
    /// by the CA the client trusts or does not name the host dialled.
    #[error("tls: {0}")]
    Tls(String),
    /// The network: a refused connection, a reset, a timeout.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The server sent something the protocol does not allow at that point.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The configuration cannot work: an unreadable CA file, a malformed server address.
    #[error("{0}")]
    Config(String),
    /// The client was shut down.
    #[error("client is closed")]
    Closed,
}

impl ClientError {
    /// A stable snake-case name, for scripts: the server's code for [`ClientError::Server`],
    /// and one word per client-side kind otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Server(reply) => reply.code.as_str(),
            Self::Tls(_) => "tls",
            Self::Io(_) => "io",
            Self::Protocol(_) => "protocol",
            Self::Config(_) => "config",
            Self::Closed => "closed",
        }
    }

    /// A reply of the wrong kind for its request.
    pub(crate) fn unexpected(request: &str, response: &Response) -> Self {
        let kind = match response {
            Response::Done => "done",
            Response::Session(_) => "session",
            Response::Joined { .. } => "joined",
            Response::Rooms(_) => "rooms",
            Response::Members(_) => "members",
            Response::Sent { .. } => "sent",
            Response::History(_) => "history",
            Response::CatchUp(_) => "catch-up",
            Response::Upload { .. } => "upload",
            Response::File(_) => "file",
            Response::Chunk(_) => "chunk",
        };
        Self::Protocol(format!("unexpected {kind} reply to {request}"))
    }
}
