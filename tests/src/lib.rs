//! Support for the end-to-end tests: a real server on a loopback port with its database and
//! certificates in a temporary directory, clients driven through the client core, and a raw
//! TLS connection for sending what no well-behaved client would.

pub mod load;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chat_proto::{ClientFrame, Hello, PROTOCOL_VERSION, ServerFrame, UserName, codec};
use chat_server::{Config, Server};
use chat_tui::client::{Client, ClientConfig, ClientEvent};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen promptly.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A server running in this process.
pub struct TestServer {
    pub addr: SocketAddr,
    dir: Arc<tempfile::TempDir>,
    stop_tx: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on a free loopback port with a fresh data directory.
    pub async fn start() -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temporary directory"));
        Self::start_with(dir, "127.0.0.1:0".parse().expect("address"), |_| {}).await
    }

    /// Starts a server with settings adjusted by `adjust`.
    pub async fn start_configured(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temporary directory"));
        Self::start_with(dir, "127.0.0.1:0".parse().expect("address"), adjust).await
    }

    async fn start_with(
        dir: Arc<tempfile::TempDir>,
        addr: SocketAddr,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        init_logging();
        let mut config = Config::new(addr, dir.path());
        adjust(&mut config);
        let server = Server::bind(config).await.expect("server starts");
        let addr = server.local_addr();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = stop_rx.await;
        }));
        Self {
            addr,
            dir,
            stop_tx: Some(stop_tx),
            task: Some(task),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The CA that signed the server's generated certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("certs").join(chat_server::CA_CERT)
    }

    /// Shuts the server down gracefully and waits until it has stopped.
    pub async fn stop(&mut self) {
        if let Some(stop_tx) = self.stop_tx.take() {
            let _ = stop_tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
    }

    /// Stops the server and starts it again on the same address and data directory.
    pub async fn restart(&mut self) {
        self.stop().await;
        let restarted = Self::start_with(self.dir.clone(), self.addr, |_| {}).await;
        *self = restarted;
    }

    pub fn client_config(&self, user: &str, register: bool) -> ClientConfig {
        ClientConfig {
            server: self.addr.to_string(),
            ca_file: self.ca_file(),
            user: UserName::new(user).expect("valid user name"),
            password: password_of(user),
            register,
        }
    }

    /// Registers `user` and returns a connected client.
    pub async fn register(&self, user: &str) -> TestClient {
        TestClient::connect(self.client_config(user, true)).await
    }

    /// Logs in as an existing `user`.
    pub async fn login(&self, user: &str) -> TestClient {
        TestClient::connect(self.client_config(user, false)).await
    }

    /// Headless mode as `user` (registering), on in-memory stdin and stdout.
    pub fn headless(&self, user: &str) -> Headless {
        Headless::start(self.client_config(user, true))
    }

    /// A raw TLS connection that has said nothing yet.
    pub async fn raw(&self) -> RawConnection {
        RawConnection::connect(self.addr, &self.ca_file()).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Lifts the per-user message rate limit, for tests that send as fast as they can.
pub fn unthrottled(config: &mut Config) {
    config.limits.messages_per_second = 1_000_000;
    config.limits.message_burst = 1_000_000;
}

/// The password the helpers give each test user.
pub fn password_of(user: &str) -> String {
    format!("{user}-secret-password")
}

fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_test_writer()
        .try_init();
}

/// A client core and its event stream.
pub struct TestClient {
    pub client: Client,
    pub events: mpsc::Receiver<ClientEvent>,
}

impl TestClient {
    pub async fn connect(config: ClientConfig) -> Self {
        let user = config.user.clone();
        let (client, events) = tokio::time::timeout(PATIENCE, Client::connect(config))
            .await
            .expect("connect in time")
            .unwrap_or_else(|err| panic!("{user} cannot connect: {err}"));
        Self { client, events }
    }

    /// The next event, failing the test if none comes in time.
    pub async fn next_event(&mut self) -> ClientEvent {
        tokio::time::timeout(PATIENCE, self.events.recv())
            .await
            .expect("an event in time")
            .expect("event stream open")
    }

    /// Waits for the next message someone wrote, skipping other events and room events.
    pub async fn next_message(&mut self) -> (chat_proto::Message, chat_proto::Target, bool) {
        loop {
            if let ClientEvent::Message {
                message,
                conversation,
                history,
            } = self.next_event().await
                && message.text().is_some()
            {
                return (message, conversation, history);
            }
        }
    }

    /// Waits for the next room event message, skipping everything else.
    pub async fn next_room_event(&mut self) -> (chat_proto::Message, chat_proto::RoomEvent) {
        loop {
            if let ClientEvent::Message { message, .. } = self.next_event().await
                && let Some(event) = message.event()
            {
                let event = event.clone();
                return (message, event);
            }
        }
    }

    /// Collects message texts until `count` have arrived.
    pub async fn messages(&mut self, count: usize) -> Vec<chat_proto::Message> {
        let mut messages = Vec::with_capacity(count);
        while messages.len() < count {
            messages.push(self.next_message().await.0);
        }
        messages
    }

    /// Joins `room` (creating it) and returns it as a target.
    pub async fn join_room(&self, room: &str) -> chat_proto::Target {
        let room = chat_proto::RoomName::new(room).expect("valid room name");
        self.client.join(room.clone()).await.expect("join");
        chat_proto::Target::Room(room)
    }

    /// Sends `count` messages "`prefix` 0", "`prefix` 1", ... and returns their ids.
    pub async fn send_numbered(
        &self,
        to: &chat_proto::Target,
        prefix: &str,
        count: usize,
    ) -> Vec<chat_proto::MessageId> {
        let mut ids = Vec::with_capacity(count);
        for n in 0..count {
            let (id, _) = self
                .client
                .send(to.clone(), format!("{prefix} {n}"))
                .await
                .expect("send");
            ids.push(id);
        }
        ids
    }

    /// Every message someone wrote in a conversation, oldest first, leaving out room events.
    pub async fn whole_history(&self, target: &chat_proto::Target) -> Vec<chat_proto::Message> {
        let mut messages = self.full_history(target).await;
        messages.retain(|m| m.text().is_some());
        messages
    }

    /// Every message of a conversation, room events too, oldest first, fetched page by page.
    pub async fn full_history(&self, target: &chat_proto::Target) -> Vec<chat_proto::Message> {
        let mut messages = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .client
                .history(target.clone(), before, chat_proto::MAX_PAGE)
                .await
                .expect("history");
            assert!(
                page.complete || !page.messages.is_empty(),
                "an empty page that is not the last"
            );
            before = page.messages.first().map(|m| m.id);
            messages.splice(0..0, page.messages);
            if page.complete {
                return messages;
            }
        }
    }

    /// Asserts that no message arrives within a short while.
    pub async fn assert_no_message(&mut self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Err(_) | Ok(None) => return,
                Ok(Some(ClientEvent::Message { message, .. })) => {
                    panic!("unexpected message: {message:?}")
                }
                Ok(Some(_)) => {}
            }
        }
    }
}

/// A TLS connection speaking frames directly, for protocol-level tests.
pub struct RawConnection {
    pub transport: codec::ClientTransport<tokio_rustls::client::TlsStream<TcpStream>>,
}

impl RawConnection {
    pub async fn connect(addr: SocketAddr, ca_file: &Path) -> Self {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, ServerName};

        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_file).expect("CA file") {
            roots
                .add(cert.expect("CA certificate"))
                .expect("CA accepted");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = TcpStream::connect(addr).await.expect("TCP connect");
        let name = ServerName::try_from("localhost").expect("server name");
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .expect("TLS handshake");
        Self {
            transport: codec::client_transport(tls),
        }
    }

    /// Sends a hello with the current version and reads the welcome.
    pub async fn hello(&mut self) {
        self.send(ClientFrame::Hello(Hello {
            version: PROTOCOL_VERSION,
            client: "raw-test".into(),
        }))
        .await;
        let frame = self.recv().await.expect("a welcome");
        assert!(
            matches!(frame, ServerFrame::Welcome(_)),
            "expected welcome, got {frame:?}"
        );
    }

    pub async fn send(&mut self, frame: ClientFrame) {
        self.transport.send(frame).await.expect("send frame");
    }

    /// Sends a request and waits for its reply, skipping events.
    pub async fn request(
        &mut self,
        id: u64,
        request: chat_proto::Request,
    ) -> Result<chat_proto::Response, chat_proto::ErrorReply> {
        let id = chat_proto::RequestId(id);
        self.send(ClientFrame::Request { id, request }).await;
        loop {
            match self.recv().await {
                Some(ServerFrame::Reply { id: got, result }) if got == id => return result,
                Some(_) => {}
                None => panic!("connection closed before the reply"),
            }
        }
    }

    /// Writes bytes straight onto the TLS stream, under the framing.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        let stream = self.transport.get_mut().get_mut();
        stream.write_all(bytes).await.expect("write");
        stream.flush().await.expect("flush");
    }

    /// The next frame, or `None` once the server has closed the connection.
    pub async fn recv(&mut self) -> Option<ServerFrame> {
        match tokio::time::timeout(PATIENCE, self.transport.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(frame)) => Some(frame),
            Some(Err(_)) | None => None,
        }
    }
}

/// A TCP relay between clients and the server that can cut every connection and refuse new
/// ones, to play a network outage at a moment of the test's choosing.
pub struct Proxy {
    pub addr: SocketAddr,
    open_tx: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("proxy bind");
        let addr = listener.local_addr().expect("proxy address");
        let (open_tx, open_rx) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !*open_rx.borrow() {
                    continue;
                }
                let mut open_rx = open_rx.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = open_rx.wait_for(|open| !*open) => {}
                    }
                });
            }
        });
        Self { addr, open_tx }
    }

    /// Drops every relayed connection and refuses new ones until [`Proxy::restore`].
    pub fn cut(&self) {
        self.open_tx.send_replace(false);
    }

    pub fn restore(&self) {
        self.open_tx.send_replace(true);
    }
}

/// Headless mode running in this process, as a script would drive it.
pub struct Headless {
    input: tokio::io::DuplexStream,
    output: tokio::io::Lines<tokio::io::BufReader<tokio::io::DuplexStream>>,
    status: JoinHandle<std::io::Result<u8>>,
}

impl Headless {
    pub fn start(config: ClientConfig) -> Self {
        use tokio::io::AsyncBufReadExt;

        let (input, stdin) = tokio::io::duplex(64 * 1024);
        let (stdout, output) = tokio::io::duplex(64 * 1024);
        let stdin = tokio::io::BufReader::new(stdin);
        let status = tokio::spawn(chat_tui::headless::run(config, stdin, stdout));
        Self {
            input,
            output: tokio::io::BufReader::new(output).lines(),
            status,
        }
    }

    /// Writes lines to its standard input.
    pub async fn type_lines(&mut self, lines: &str) {
        use tokio::io::AsyncWriteExt;
        self.input
            .write_all(lines.as_bytes())
            .await
            .expect("headless input");
    }

    /// The next line of its standard output, parsed.
    pub async fn line(&mut self) -> serde_json::Value {
        let line = tokio::time::timeout(PATIENCE, self.output.next_line())
            .await
            .expect("output in time")
            .expect("readable output")
            .expect("output still open");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// The next line whose `type` is `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> serde_json::Value {
        loop {
            let line = self.line().await;
            if line["type"] == kind {
                return line;
            }
        }
    }

    /// Closes standard input and returns the exit status.
    pub async fn finish(self) -> u8 {
        drop(self.input);
        tokio::time::timeout(PATIENCE, self.status)
            .await
            .expect("exit in time")
            .expect("headless task")
            .expect("output writable")
    }
}
