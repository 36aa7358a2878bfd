//! One connection to the server, from the TCP dial to the typed frames.

use std::io;
use std::time::Duration;

use chat_proto::codec::{self, ClientTransport, CodecError};
use chat_proto::{
    ClientFrame, Hello, PROTOCOL_VERSION, Request, RequestId, Response, ServerFrame, Welcome,
};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::ClientError;
use super::resume::Held;
use super::tls::Tls;

/// How long the dial, the TLS handshake and the hello may take together.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request made while setting up the connection (login, catch-up) may wait for
/// its reply. Generous, because password hashing on a busy server takes a while.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The name this client gives in its hello.
const CLIENT_NAME: &str = concat!("chat-tui/", env!("CARGO_PKG_VERSION"));

/// A connection that has said hello and been welcomed.
pub struct Link {
    transport: ClientTransport<TlsStream<TcpStream>>,
}

impl Link {
    /// Dials, verifies the server and exchanges hello and welcome.
    pub async fn open(server: &str, tls: &Tls) -> Result<(Self, Welcome), ClientError> {
        let open = async {
            let mut link = Self {
                transport: codec::client_transport(tls.connect(server).await?),
            };
            let hello = Hello {
                version: PROTOCOL_VERSION,
                client: CLIENT_NAME.into(),
            };
            link.send(ClientFrame::Hello(hello)).await?;
            match link.next().await? {
                ServerFrame::Welcome(welcome) => Ok((link, welcome)),
                ServerFrame::Closing(reply) => Err(ClientError::Server(reply)),
                _ => Err(ClientError::Protocol("expected a welcome".into())),
            }
        };
        tokio::time::timeout(OPEN_TIMEOUT, open)
            .await
            .map_err(|_| timed_out("connecting"))?
    }

    pub async fn send(&mut self, frame: ClientFrame) -> Result<(), ClientError> {
        self.transport.send(frame).await.map_err(ClientError::Io)
    }

    /// The next frame. Cancel-safe, so it can sit in a `select!`.
    pub async fn next(&mut self) -> Result<ServerFrame, ClientError> {
        match self.transport.next().await {
            Some(Ok(frame)) => Ok(frame),
            Some(Err(err)) => Err(match CodecError::classify(err) {
                CodecError::Io(err) => ClientError::Io(err),
                other => ClientError::Protocol(other.to_string()),
            }),
            None => Err(ClientError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ))),
        }
    }

    /// Sends a request and waits for its reply, holding the events that arrive meanwhile.
    ///
    /// Only for setting up a connection, when nothing else is in flight.
    pub async fn call(
        &mut self,
        id: RequestId,
        request: Request,
        held: &mut Held,
    ) -> Result<Response, ClientError> {
        let call = async {
            self.send(ClientFrame::Request { id, request }).await?;
            loop {
                match self.next().await? {
                    ServerFrame::Reply {
                        id: reply_id,
                        result,
                    } if reply_id == id => {
                        return result.map_err(ClientError::Server);
                    }
                    ServerFrame::Reply { id, .. } => {
                        tracing::debug!(id = id.0, "reply to no request");
                    }
                    ServerFrame::Event(event) => held.hold(event).map_err(|_| {
                        ClientError::Protocol("too many events while catching up".into())
                    })?,
                    ServerFrame::Closing(reply) => return Err(ClientError::Server(reply)),
                    ServerFrame::Welcome(_) => {
                        return Err(ClientError::Protocol("a second welcome".into()));
                    }
                }
            }
        };
        tokio::time::timeout(CALL_TIMEOUT, call)
            .await
            .map_err(|_| timed_out("waiting for a reply"))?
    }
}

fn timed_out(doing: &str) -> ClientError {
    ClientError::Io(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("timed out {doing}"),
    ))
}
