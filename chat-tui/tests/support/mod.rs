//! A scripted stand-in for the server: real TLS and the real codec, with each frame sent and
//! checked by the test itself, so that the client's exact sequence of requests can be
//! asserted and races (a live event during catch-up) can be staged deterministically.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chat_proto::codec::{self, ServerReader, ServerWriter};
use chat_proto::{
    Body, ClientFrame, ErrorCode, ErrorReply, Message, MessageId, Page, Request, RequestId,
    Response, ResumePoint, RoomName, RoomSummary, ServerFrame, Session, Target, UserName, Welcome,
};
use chat_tui::ClientConfig;
use futures::{SinkExt, StreamExt};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a test waits for anything before failing rather than hanging.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct Server {
    pub addr: SocketAddr,
    pub ca_file: PathBuf,
    /// A CA that did not sign the server's certificate.
    pub other_ca_file: PathBuf,
    conns_rx: mpsc::Receiver<Conn>,
    _dir: tempfile::TempDir,
}

/// A CA and its issuer.
fn new_ca() -> (rcgen::Certificate, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert, Issuer::new(params, key))
}

impl Server {
    pub async fn start() -> Self {
        let (ca, issuer) = new_ca();
        let (other_ca, _) = new_ca();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        let other_ca_file = dir.path().join("other-ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        std::fs::write(&other_ca_file, other_ca.pem()).unwrap();

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (conns_tx, conns_rx) = mpsc::channel(8);
        tokio::spawn(accept_loop(listener, acceptor, conns_tx));
        Self {
            addr,
            ca_file,
            other_ca_file,
            conns_rx,
            _dir: dir,
        }
    }

    pub fn config(&self, user: &str, register: bool) -> ClientConfig {
        ClientConfig {
            server: self.addr.to_string(),
            ca_file: self.ca_file.clone(),
            user: UserName::new(user).unwrap(),
            password: "password".into(),
            register,
        }
    }

    /// The next connection whose TLS handshake succeeded.
    pub async fn accept(&mut self) -> Conn {
        tokio::time::timeout(PATIENCE, self.conns_rx.recv())
            .await
            .expect("no connection came")
            .unwrap()
    }

    /// Whether a connection arrives within `wait`.
    pub async fn connection_within(&mut self, wait: Duration) -> Option<Conn> {
        tokio::time::timeout(wait, self.conns_rx.recv())
            .await
            .ok()
            .flatten()
    }
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, conns_tx: mpsc::Sender<Conn>) {
    while let Ok((tcp, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        let conns_tx = conns_tx.clone();
        tokio::spawn(async move {
            if let Ok(tls) = acceptor.accept(tcp).await {
                let (read, write) = tokio::io::split(tls);
                let conn = Conn {
                    reader: codec::server_reader(read, chat_proto::MAX_FRAME_LEN),
                    writer: codec::server_writer(write),
                };
                let _ = conns_tx.send(conn).await;
            }
        });
    }
}

type Tls = TlsStream<TcpStream>;

/// One accepted connection, driven frame by frame by the test.
pub struct Conn {
    reader: ServerReader<ReadHalf<Tls>>,
    writer: ServerWriter<WriteHalf<Tls>>,
}

impl Conn {
    pub async fn recv(&mut self) -> ClientFrame {
        self.recv_within(PATIENCE).await
    }

    pub async fn recv_within(&mut self, wait: Duration) -> ClientFrame {
        tokio::time::timeout(wait, self.reader.next())
            .await
            .expect("client sent nothing")
            .expect("client closed the connection")
            .expect("client sent a bad frame")
    }

    /// Whether the client closes the connection within `wait` (rather than sending anything).
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        matches!(
            tokio::time::timeout(wait, self.reader.next()).await,
            Ok(None | Some(Err(_)))
        )
    }

    pub async fn send(&mut self, frame: ServerFrame) {
        self.writer
            .send(codec::encode(&frame).unwrap())
            .await
            .unwrap();
    }

    /// Answers the client's hello.
    pub async fn welcome(&mut self) {
        assert!(matches!(self.recv().await, ClientFrame::Hello(_)));
        let welcome = Welcome {
            version: chat_proto::PROTOCOL_VERSION,
            server: "mock".into(),
            registration_open: true,
        };
        self.send(ServerFrame::Welcome(welcome)).await;
    }

    pub async fn request(&mut self) -> (RequestId, Request) {
        match self.recv().await {
            ClientFrame::Request { id, request } => (id, request),
            ClientFrame::Hello(hello) => panic!("expected a request, got {hello:?}"),
        }
    }

    pub async fn reply(&mut self, id: RequestId, response: Response) {
        self.send(ServerFrame::Reply {
            id,
            result: Ok(response),
        })
        .await;
    }

    pub async fn refuse(&mut self, id: RequestId, code: ErrorCode) {
        self.send(ServerFrame::Reply {
            id,
            result: Err(ErrorReply::from(code)),
        })
        .await;
    }

    pub async fn event(&mut self, event: chat_proto::Event) {
        self.send(ServerFrame::Event(event)).await;
    }

    /// Says hello, takes the login request and answers it with `session`; returns the login.
    pub async fn log_in(&mut self, session: Session) -> Request {
        self.welcome().await;
        let (id, login) = self.request().await;
        self.reply(id, Response::Session(session)).await;
        login
    }

    /// Takes a catch-up request, answers it with `messages`, and returns its points.
    pub async fn catch_up(&mut self, messages: Vec<Message>, complete: bool) -> Vec<ResumePoint> {
        let (id, request) = self.request().await;
        let Request::CatchUp { points } = request else {
            panic!("expected a catch-up, got {request:?}");
        };
        self.reply(id, Response::CatchUp(Page { messages, complete }))
            .await;
        points
    }
}

pub fn user(name: &str) -> UserName {
    UserName::new(name).unwrap()
}

pub fn room(name: &str) -> RoomName {
    RoomName::new(name).unwrap()
}

pub fn in_room(name: &str) -> Target {
    Target::Room(room(name))
}

pub fn point(target: Target, after: u64) -> ResumePoint {
    ResumePoint {
        target,
        after: MessageId(after),
    }
}

pub fn message(id: u64, to: Target, from: &str) -> Message {
    Message {
        id: MessageId(id),
        to,
        from: user(from),
        body: Body::Text(format!("text {id}")),
        ts_ms: 1000 + id as i64,
    }
}

/// A room event in `room`, made by `from`.
pub fn room_event(id: u64, room_name: &str, from: &str, event: chat_proto::RoomEvent) -> Message {
    Message {
        body: Body::Event(event),
        ..message(id, in_room(room_name), from)
    }
}

/// A session of `name` in the given rooms, each resuming at the given point.
pub fn session(name: &str, rooms: &[(&str, u64)]) -> Session {
    Session {
        user: user(name),
        token: format!("token-of-{name}"),
        invitations: vec![],
        removals: vec![],
        conversations: rooms
            .iter()
            .map(|&(r, after)| point(in_room(r), after))
            .collect(),
        rooms: rooms
            .iter()
            .map(|&(r, _)| RoomSummary {
                name: room(r),
                members: 2,
                private: false,
                topic: String::new(),
            })
            .collect(),
    }
}
