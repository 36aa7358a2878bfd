//! A lean client for load: the protocol's codec over TLS, split into a sender and a reader
//! so that one task can pipeline requests while another counts what arrives.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chat_proto::codec::{self, ClientTransport};
use chat_proto::{
    ClientFrame, Credential, Event, Hello, PROTOCOL_VERSION, Request, RequestId, Response,
    ServerFrame, UserName,
};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

type Transport = ClientTransport<TlsStream<TcpStream>>;
pub type Sender = SplitSink<Transport, ClientFrame>;
pub type Reader = SplitStream<Transport>;

pub type LoadError = Box<dyn std::error::Error + Send + Sync>;

/// Loopback addresses connections are made from, in turn. One source address has room for
/// about 28,000 connections to the server's one port (Linux's ephemeral port range); the
/// whole of 127.0.0.0/8 is loopback, so more sources make room for more connections.
const SOURCES: u8 = 8;

/// TLS settings shared by every connection of a run.
#[derive(Clone)]
pub struct Dialer {
    addr: SocketAddr,
    connector: TlsConnector,
    dialed: Arc<AtomicUsize>,
}

impl Dialer {
    pub fn new(addr: SocketAddr, ca_file: &Path) -> Result<Self, LoadError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;

        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_file)? {
            roots.add(cert?)?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            addr,
            connector: TlsConnector::from(Arc::new(config)),
            dialed: Arc::default(),
        })
    }

    /// A TCP connection to the server, from the next loopback source address.
    async fn connect(&self) -> Result<TcpStream, LoadError> {
        let socket = TcpSocket::new_v4()?;
        if self.addr.ip().is_loopback() {
            let n = self.dialed.fetch_add(1, Ordering::Relaxed);
            let source = Ipv4Addr::new(127, 0, 0, 1 + (n % usize::from(SOURCES)) as u8);
            socket.bind(SocketAddr::new(source.into(), 0))?;
        }
        let tcp = socket.connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        Ok(tcp)
    }

    /// A connection that has said hello and logged in (registering when `password` is
    /// given, else with `token`); returns it with the session token.
    pub async fn session(
        &self,
        user: &UserName,
        credential: Login<'_>,
    ) -> Result<(Conn, String), LoadError> {
        let tcp = self.connect().await?;
        let name = rustls::pki_types::ServerName::try_from("localhost")?;
        let tls = self.connector.connect(name, tcp).await?;
        let mut conn = Conn {
            transport: codec::client_transport(tls),
            next_id: 0,
        };
        let hello = Hello {
            version: PROTOCOL_VERSION,
            client: "chat-load".into(),
        };
        conn.transport.send(ClientFrame::Hello(hello)).await?;
        match conn.transport.next().await {
            Some(Ok(ServerFrame::Welcome(_))) => {}
            other => return Err(format!("no welcome: {other:?}").into()),
        }
        let request = match credential {
            Login::Register(password) => Request::Register {
                user: user.clone(),
                password: password.into(),
            },
            Login::Token(token) => Request::Login {
                user: user.clone(),
                credential: Credential::Token(token.into()),
            },
        };
        match conn.call(request).await? {
            Response::Session(session) => Ok((conn, session.token)),
            other => Err(format!("not a session: {other:?}").into()),
        }
    }
}

/// How a connection logs in.
#[derive(Clone, Copy)]
pub enum Login<'a> {
    Register(&'a str),
    Token(&'a str),
}

pub struct Conn {
    transport: Transport,
    next_id: u64,
}

impl Conn {
    /// Sends a request and waits for its reply, skipping events meanwhile.
    pub async fn call(&mut self, request: Request) -> Result<Response, LoadError> {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.transport
            .send(ClientFrame::Request { id, request })
            .await?;
        while let Some(frame) = self.transport.next().await {
            match frame? {
                ServerFrame::Reply { id: got, result } if got == id => return Ok(result?),
                ServerFrame::Closing(reason) => return Err(reason.into()),
                _ => {}
            }
        }
        Err("connection closed".into())
    }

    /// The next event pushed to this connection, skipping replies no one waits for.
    pub async fn next_event(&mut self) -> Result<Event, LoadError> {
        while let Some(frame) = self.transport.next().await {
            match frame? {
                ServerFrame::Event(event) => return Ok(event),
                ServerFrame::Closing(reason) => return Err(reason.into()),
                ServerFrame::Reply { .. } | ServerFrame::Welcome(_) => {}
            }
        }
        Err("connection closed".into())
    }

    /// Puts the halves back together; `next_id` is the first id not yet used.
    pub fn rejoin(sender: Sender, reader: Reader, next_id: u64) -> Result<Self, LoadError> {
        let transport = reader
            .reunite(sender)
            .map_err(|_| "halves of different connections")?;
        Ok(Self { transport, next_id })
    }

    /// The two halves, for pipelining; request ids continue from here.
    pub fn split(self) -> (Sender, Reader, u64) {
        let (sender, reader) = self.transport.split();
        (sender, reader, self.next_id)
    }
}
