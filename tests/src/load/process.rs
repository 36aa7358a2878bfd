//! The server under load: a child process started here, or one already running.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Linux reports process CPU time in clock ticks of this many per second (`USER_HZ`), which
/// is 100 on every mainstream architecture.
const TICKS_PER_SECOND: u64 = 100;

/// Reads a process's CPU time and memory from /proc.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub pid: u32,
}

impl Probe {
    /// User plus system CPU time so far, in microseconds.
    pub fn cpu_micros(self) -> std::io::Result<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // The command name, in parentheses, may hold spaces: count fields after it.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |n: usize| {
            fields
                .get(n)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        let ticks = field(11) + field(12);
        Ok(ticks * 1_000_000 / TICKS_PER_SECOND)
    }

    /// Resident set size, in KiB.
    pub fn rss_kib(self) -> std::io::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let rss = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|kib| kib.parse().ok());
        Ok(rss.unwrap_or(0))
    }
}

/// A chat-server started for one run, in a temporary directory, stopped when dropped.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    pub ca_file: PathBuf,
    pub probe: Probe,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts `bin` on a free loopback port with limits lifted for load, and waits until it
    /// listens. Files of several GiB are allowed, and connections that only listen (as
    /// chat's receivers do through a long transfer) are not closed as idle.
    pub async fn start(bin: &Path, durability: &str) -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let config = dir.path().join("server.toml");
        std::fs::write(
            &config,
            format!(
                "durability = \"{durability}\"\n\
                 max_connections = 100000\nmax_connections_per_address = 100000\n\
                 messages_per_second = 100000000\nmessage_burst = 100000000\n\
                 logins_per_minute_per_address = 100000000\n\
                 logins_per_minute_per_account = 100000000\n\
                 max_members_per_room = 100000\n\
                 max_file_mib = 4096\nstorage_quota_mib = 4096\n\
                 idle_timeout_s = 3600\n"
            ),
        )?;
        let child = Command::new(bin)
            .arg("--config")
            .arg(&config)
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--cert-dir")
            .arg(dir.path().join("certs"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?;
        let probe = Probe { pid: child.id() };
        let ca_file = dir.path().join("certs").join("ca.pem");
        let server = Self {
            child,
            addr,
            ca_file,
            probe,
            _dir: dir,
        };
        server.wait_listening().await?;
        Ok(server)
    }

    async fn wait_listening(&self) -> std::io::Result<()> {
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(std::io::Error::other("the server did not start listening"))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
