//! The server binary killed with SIGKILL while clients send at full speed: after a restart,
//! every acknowledged message is in history exactly once, and a listening client has seen
//! each message once, in order.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chat_proto::{MessageId, RoomName, Target, UserName};
use chat_tui::client::{Client, ClientConfig, ClientEvent};

const PATIENCE: Duration = Duration::from_secs(20);

fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn spawn_server(dir: &Path, addr: SocketAddr) -> Child {
    // The senders go as fast as the server acknowledges, far past the default rate limit.
    let config = dir.join("server.toml");
    std::fs::write(
        &config,
        "messages_per_second = 1000000\nmessage_burst = 1000000\n",
    )
    .expect("write config");
    Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .arg("--config")
        .arg(&config)
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--cert-dir")
        .arg(dir.join("certs"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start chat-server")
}

async fn wait_listening(addr: SocketAddr) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "server did not start listening"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn config(addr: SocketAddr, ca_file: PathBuf, user: &str) -> ClientConfig {
    ClientConfig {
        server: addr.to_string(),
        ca_file,
        user: UserName::new(user).unwrap(),
        password: format!("{user}-password"),
        register: true,
    }
}

async fn connect(config: ClientConfig) -> (Client, tokio::sync::mpsc::Receiver<ClientEvent>) {
    let general = RoomName::new("general").unwrap();
    let (client, events) = Client::connect(config).await.expect("connect");
    client.join(general).await.expect("join");
    (client, events)
}

/// Sends numbered messages until told to stop; returns every acknowledged (id, text).
async fn send_until(client: Client, stop: Arc<AtomicBool>) -> Vec<(MessageId, String)> {
    let general = Target::Room(RoomName::new("general").unwrap());
    let mut acked = Vec::new();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let text = format!("{} {n}", client.user());
        let (id, _) = client
            .send(general.clone(), text.clone())
            .await
            .expect("send");
        acked.push((id, text));
        n += 1;
    }
    acked
}

/// Collects every message event, in the order received, while the test goes on.
fn collect_messages(
    mut events: tokio::sync::mpsc::Receiver<ClientEvent>,
) -> Arc<tokio::sync::Mutex<Vec<(MessageId, String)>>> {
    let seen = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let ClientEvent::Message { message, .. } = event
                && let Some(text) = message.text()
            {
                sink.lock().await.push((message.id, text.to_owned()));
            }
        }
    });
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_message_and_repeats_none() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let mut server = spawn_server(dir.path(), addr);
    wait_listening(addr).await;
    let ca_file = dir.path().join("certs").join("ca.pem");

    let (listener, events) = connect(config(addr, ca_file.clone(), "dave")).await;
    let seen = collect_messages(events);
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for user in ["alice", "bob", "carol"] {
        let (client, _events) = connect(config(addr, ca_file.clone(), user)).await;
        senders.push(tokio::spawn(send_until(client, stop.clone())));
    }

    tokio::time::sleep(Duration::from_millis(400)).await;
    server.kill().expect("SIGKILL");
    server.wait().expect("reap");
    server = spawn_server(dir.path(), addr);
    wait_listening(addr).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.store(true, Ordering::Relaxed);

    let mut acked = Vec::new();
    for sender in senders {
        acked.extend(
            tokio::time::timeout(PATIENCE, sender)
                .await
                .expect("senders finish")
                .unwrap(),
        );
    }
    acked.sort();

    // History holds exactly the acknowledged messages, each once.
    let general = Target::Room(RoomName::new("general").unwrap());
    let mut history = Vec::new();
    let mut before = None;
    loop {
        let page = listener
            .history(general.clone(), before, 500)
            .await
            .expect("history");
        before = page.messages.first().map(|m| m.id);
        history.splice(
            0..0,
            page.messages
                .into_iter()
                .filter_map(|m| Some((m.id, m.text()?.to_owned()))),
        );
        if page.complete {
            break;
        }
    }
    assert!(acked.len() > 10, "senders made progress: {}", acked.len());
    assert_eq!(
        history, acked,
        "history is exactly the acknowledged messages"
    );

    // The listener, which lived through the crash, saw each of them once, in order.
    let last = acked.last().map(|(id, _)| *id);
    let seen = tokio::time::timeout(PATIENCE, async {
        loop {
            let seen = seen.lock().await;
            if seen.last().map(|(id, _)| *id) >= last {
                break seen.clone();
            }
            drop(seen);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the listener catches up");
    assert_eq!(seen, acked);

    server.kill().ok();
    server.wait().ok();
}
