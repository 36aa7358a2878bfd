//! Support for driving the binary in tmux against an in-process server.
//!
//! Each test file uses part of it, so what one file leaves unused is not dead code.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_proto::{RoomName, Target, UserName};
use chat_tui::{Client, ClientConfig, ClientEvent, RoomChange};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a test waits for something to appear before failing.
const PATIENCE: Duration = Duration::from_secs(20);

/// A chat server on a loopback port, with its data in a temporary folder.
pub struct Server {
    pub addr: SocketAddr,
    dir: Arc<tempfile::TempDir>,
    stop_tx: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    pub async fn start() -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temporary folder"));
        Self::start_in(dir, "127.0.0.1:0".parse().expect("address")).await
    }

    async fn start_in(dir: Arc<tempfile::TempDir>, addr: SocketAddr) -> Self {
        let config = chat_server::Config::new(addr, dir.path());
        let server = chat_server::Server::bind(config)
            .await
            .expect("server starts");
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

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("certs").join(chat_server::CA_CERT)
    }

    /// Shuts the server down and waits until it has stopped.
    pub async fn stop(&mut self) {
        if let Some(stop_tx) = self.stop_tx.take() {
            let _ = stop_tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
    }

    /// Starts the server again on the same address and data.
    pub async fn restart(&mut self) {
        self.stop().await;
        *self = Self::start_in(self.dir.clone(), self.addr).await;
    }

    /// A user on the client core, registered now and in no room yet.
    pub async fn client(&self, name: &str) -> Peer {
        let config = ClientConfig {
            server: self.addr.to_string(),
            ca_file: self.ca_file(),
            user: UserName::new(name).expect("user name"),
            password: format!("{name}-password"),
            register: true,
        };
        let (client, events_rx) = Client::connect(config).await.expect("peer connects");
        Peer {
            client,
            events_rx: tokio::sync::Mutex::new(events_rx),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A second user, on the client core.
pub struct Peer {
    client: Client,
    events_rx: tokio::sync::Mutex<mpsc::Receiver<ClientEvent>>,
}

impl Peer {
    pub async fn join(&self, room: &str) {
        self.client
            .join(RoomName::new(room).expect("room name"))
            .await
            .expect("join");
    }

    pub async fn say(&self, room: &str, text: &str) {
        let to = Target::Room(RoomName::new(room).expect("room name"));
        self.client.send(to, text.into()).await.expect("send");
    }

    pub async fn say_to_user(&self, user: &str, text: &str) {
        let to = Target::User(UserName::new(user).expect("user name"));
        self.client.send(to, text.into()).await.expect("send");
    }

    /// Makes a change to a room: a kick, a role, a topic... and waits until it is made.
    pub async fn change(&self, room: &str, change: RoomChange) {
        let what = change.command();
        self.client
            .change(RoomName::new(room).expect("room name"), change)
            .await
            .unwrap_or_else(|err| panic!("/{what} in #{room}: {err}"));
    }

    /// Waits for a message with this text from this sender.
    pub async fn expect(&self, from: &str, text: &str) {
        let mut events_rx = self.events_rx.lock().await;
        let wait = async {
            while let Some(event) = events_rx.recv().await {
                if let ClientEvent::Message { message, .. } = event
                    && message.from.as_str() == from
                    && message.text() == Some(text)
                {
                    return;
                }
            }
            panic!("the peer's client stopped before {text:?} arrived");
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .unwrap_or_else(|_| panic!("no message {text:?} from {from} within {PATIENCE:?}"));
    }
}

/// `chat-tui` running in a tmux session of its own; the session (and the tmux server of
/// its private socket) is killed when this is dropped, whether the test passed or not.
pub struct Screen {
    /// The tmux server's socket, inside the temporary home, so that nothing is left behind.
    socket: PathBuf,
    /// The binary's home: its config, its data, the pid file; removed when this is dropped.
    home: tempfile::TempDir,
}

impl Screen {
    /// Starts the binary as `user`, registering, with the password in the environment.
    pub fn start(server: &Server, user: &str) -> Self {
        require_tmux();
        let home = tempfile::tempdir().expect("temporary home");
        let socket = home.path().join("tmux.sock");
        let binary = env!("CARGO_BIN_EXE_chat-tui");
        let home_path = home.path().display();
        // The inner shell notes its pid, which the binary takes over with `exec`, for
        // `signal`; the outer one says how the binary ended. A detached session answers no
        // terminal queries, so the client is told not to ask which image protocol it has.
        let command = format!(
            "sh -c 'echo $$ > {home_path}/pid; exec env HOME={home_path} \
             XDG_CONFIG_HOME={home_path}/config XDG_DATA_HOME={home_path}/data \
             XDG_STATE_HOME={home_path}/state CHAT_PASSWORD={user}-password TERM=xterm-256color \
             CHAT_TUI_HALFBLOCKS=1 \
             {binary} --server {} --ca {} --user {user} --register'; \
             echo \"chat-tui exited with $?\"; sleep 60",
            server.addr,
            server.ca_file().display(),
        );
        let screen = Self { socket, home };
        screen.tmux(&[
            "new-session",
            "-d",
            "-s",
            "chat",
            "-x",
            "120",
            "-y",
            "40",
            &command,
        ]);
        screen
    }

    fn tmux(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The binary's home directory.
    pub fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// The screen as text.
    pub fn capture(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "chat"])
    }

    /// Sends keys by tmux's names ("Enter", "F1", "C-c", "M-1").
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "chat"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types a line and presses Enter.
    pub fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "chat", "-l", line]);
        self.keys(&["Enter"]);
    }

    /// Waits until `text` is on the screen.
    pub async fn wait_for(&self, text: &str) {
        self.wait_until(text, |screen| screen.contains(text)).await;
    }

    /// The rooms pane, as text.
    pub fn rooms_pane(&self) -> String {
        rooms_pane(&self.capture())
    }

    /// Waits until `text` is in the rooms pane.
    pub async fn wait_for_in_rooms_pane(&self, text: &str) {
        self.wait_until(text, |screen| rooms_pane(screen).contains(text))
            .await;
    }

    /// Waits until `text` is no longer in the rooms pane.
    pub async fn wait_gone_from_rooms_pane(&self, text: &str) {
        self.wait_until(text, |screen| !rooms_pane(screen).contains(text))
            .await;
    }

    /// Waits until `text` is no longer on the screen.
    pub async fn wait_gone(&self, text: &str) {
        self.wait_until(text, |screen| !screen.contains(text)).await;
    }

    async fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if done(&screen) {
                return;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "waited {PATIENCE:?} for {what:?}; the screen is:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the binary has exited and the shell's `sleep` holds the pane: the
    /// alternate screen is gone, so the chat's status line is too.
    pub async fn wait_exit(&self) {
        self.wait_gone("F1 help").await;
    }

    /// Sends a signal ("TERM", "HUP") to the binary.
    pub fn signal(&self, name: &str) {
        let pid_file = self.home.path().join("pid");
        let pid = std::fs::read_to_string(&pid_file).expect("the binary's pid");
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.trim())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} {pid} failed");
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// The left column of a captured screen: what comes before the first `│` of each row
/// below the tab row, less the status and input lines, which have no such border.
fn rooms_pane(screen: &str) -> String {
    let rows: Vec<&str> = screen.lines().collect();
    let above_status = rows.len().saturating_sub(2);
    rows[..above_status]
        .iter()
        .skip(1)
        .filter_map(|row| row.split_once('│').map(|(left, _)| left))
        .collect::<Vec<_>>()
        .join("\n")
}

fn require_tmux() {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "these tests drive chat-tui in tmux, which is not installed: apt-get install tmux"
    );
}
