//! Server settings: defaults that work on one machine with no configuration, an optional
//! TOML file, and command-line flags, in rising order of precedence.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Deserialize;

use crate::store::Durability;

/// Where the server listens when told nothing: loopback only, so a first run exposes
/// nothing to the network.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Holds the SQLite database.
    pub data_dir: PathBuf,
    pub tls: TlsSource,
    pub registration_open: bool,
    pub durability: Durability,
    pub limits: Limits,
}

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// A certificate chain and key in PEM files.
    Files { cert: PathBuf, key: PathBuf },
    /// Certificates made by the server in this directory on first start: a local CA
    /// (`ca.pem`, for clients to trust) and a certificate for localhost signed by it.
    Generated { dir: PathBuf },
}

/// Bounds on what clients may use. SECURITY.md lists each with its default and its test.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    /// Connections from one IP address; past it, new ones are told so and closed.
    pub max_connections_per_address: usize,
    /// Longest message text, in bytes; at most the protocol's own limit.
    pub max_message_len: usize,
    /// Largest frame a client may send, in bytes; at most the protocol's own limit.
    pub max_frame_len: usize,
    pub max_rooms_per_user: usize,
    pub max_members_per_room: usize,
    /// Invitations one user may have pending, so that no one can make another's login
    /// reply too large by inviting them everywhere.
    pub max_pending_invitations: usize,
    /// Messages one user may send per second, after a burst of `message_burst`.
    pub messages_per_second: u32,
    pub message_burst: u32,
    /// Password attempts (logins and registrations) per minute from one address.
    pub logins_per_minute_per_address: u32,
    /// Password attempts per minute for one account, from anywhere.
    pub logins_per_minute_per_account: u32,
    /// Size the database may grow to, in MiB; writes past it are refused as storage full.
    pub max_database_mib: Option<u64>,
    /// Frames waiting to be written to one client; past this the client is too slow and
    /// is disconnected.
    pub outbound_queue: usize,
    /// Requests one connection may have in progress at once; more are not read until some
    /// finish.
    pub requests_in_flight: usize,
    /// Seconds for a TLS handshake and the protocol hello.
    pub handshake_timeout_s: u64,
    /// Seconds a connection may stay without logging in.
    pub login_timeout_s: u64,
    /// Seconds without a frame from the client before its connection is presumed dead;
    /// clients ping well within it.
    pub idle_timeout_s: u64,
    /// Password hashes computed at once.
    pub hashing_concurrency: usize,
    /// Largest file accepted, in MiB.
    pub max_file_mib: u64,
    /// What one user's files may take in all, in MiB; a file sent twice counts twice, as
    /// it would for them on any other service.
    pub storage_quota_mib: u64,
    /// Hours an unfinished upload is kept for its sender to resume.
    pub upload_expiry_hours: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_connections_per_address: 64,
            max_message_len: chat_proto::MAX_MESSAGE_LEN,
            max_frame_len: chat_proto::MAX_FRAME_LEN,
            max_rooms_per_user: 500,
            max_members_per_room: 10_000,
            max_pending_invitations: 100,
            messages_per_second: 10,
            message_burst: 50,
            logins_per_minute_per_address: 30,
            logins_per_minute_per_account: 10,
            max_database_mib: None,
            outbound_queue: 1024,
            requests_in_flight: 256,
            handshake_timeout_s: 10,
            login_timeout_s: 60,
            idle_timeout_s: 120,
            hashing_concurrency: std::thread::available_parallelism().map_or(2, usize::from),
            max_file_mib: 100,
            storage_quota_mib: 1024,
            upload_expiry_hours: 24,
        }
    }
}

impl Config {
    /// Settings for a server on `listen` keeping everything under `data_dir`, with a
    /// generated certificate in `data_dir/certs`; the rest defaults.
    pub fn new(listen: SocketAddr, data_dir: &Path) -> Self {
        Self {
            listen,
            data_dir: data_dir.to_owned(),
            tls: TlsSource::Generated {
                dir: data_dir.join("certs"),
            },
            registration_open: true,
            durability: Durability::Full,
            limits: Limits::default(),
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("chat.sqlite3")
    }

    /// Where files are kept: finished ones by checksum, unfinished ones by upload.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

/// Command-line flags of `chat-server`.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "A TLS chat server with rooms, direct messages and durable history"
)]
pub struct Cli {
    /// TOML file with any of the settings below (flags win over it).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:7878].
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Directory for the database [default: data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Certificate chain (PEM); with --key, used instead of a generated certificate.
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) of --cert.
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Where a generated CA and certificate are kept [default: certs].
    #[arg(long)]
    pub cert_dir: Option<PathBuf>,
    /// Refuse new accounts.
    #[arg(long)]
    pub closed_registration: bool,
    /// Durability of each commit [default: full].
    #[arg(long, value_enum)]
    pub durability: Option<Durability>,
    /// Most simultaneous connections [default: 10000].
    #[arg(long)]
    pub max_connections: Option<usize>,
}

/// The TOML file's shape; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    cert_dir: Option<PathBuf>,
    registration: Option<Registration>,
    durability: Option<Durability>,
    max_connections: Option<usize>,
    outbound_queue: Option<usize>,
    requests_in_flight: Option<usize>,
    handshake_timeout_s: Option<u64>,
    login_timeout_s: Option<u64>,
    idle_timeout_s: Option<u64>,
    max_connections_per_address: Option<usize>,
    max_message_len: Option<usize>,
    max_frame_len: Option<usize>,
    max_rooms_per_user: Option<usize>,
    max_members_per_room: Option<usize>,
    max_pending_invitations: Option<usize>,
    max_file_mib: Option<u64>,
    storage_quota_mib: Option<u64>,
    upload_expiry_hours: Option<u64>,
    messages_per_second: Option<u32>,
    message_burst: Option<u32>,
    logins_per_minute_per_address: Option<u32>,
    logins_per_minute_per_account: Option<u32>,
    max_database_mib: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Registration {
    Open,
    Closed,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("both `cert` and `key` must be given, or neither")]
    HalfCertificate,
    #[error("`{0}` must be at least 1")]
    Zero(&'static str),
    #[error("`{name}` may be at most {max}, the protocol's own limit")]
    AboveProtocol { name: &'static str, max: usize },
}

impl FileConfig {
    fn apply_limits(&self, limits: &mut Limits) {
        let set = |value: Option<usize>, field: &mut usize| *field = value.unwrap_or(*field);
        set(
            self.max_connections_per_address,
            &mut limits.max_connections_per_address,
        );
        set(self.max_message_len, &mut limits.max_message_len);
        set(self.max_frame_len, &mut limits.max_frame_len);
        set(self.max_rooms_per_user, &mut limits.max_rooms_per_user);
        set(self.max_members_per_room, &mut limits.max_members_per_room);
        set(
            self.max_pending_invitations,
            &mut limits.max_pending_invitations,
        );
        let set = |value: Option<u32>, field: &mut u32| *field = value.unwrap_or(*field);
        set(self.messages_per_second, &mut limits.messages_per_second);
        set(self.message_burst, &mut limits.message_burst);
        set(
            self.logins_per_minute_per_address,
            &mut limits.logins_per_minute_per_address,
        );
        set(
            self.logins_per_minute_per_account,
            &mut limits.logins_per_minute_per_account,
        );
        limits.max_database_mib = self.max_database_mib.or(limits.max_database_mib);
        let set = |value: Option<u64>, field: &mut u64| *field = value.unwrap_or(*field);
        set(self.max_file_mib, &mut limits.max_file_mib);
        set(self.storage_quota_mib, &mut limits.storage_quota_mib);
        set(self.upload_expiry_hours, &mut limits.upload_expiry_hours);
    }
}

impl Limits {
    /// Refuses settings that would stop the server from working at all.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let counts = [
            ("max_connections", self.max_connections as u64),
            ("outbound_queue", self.outbound_queue as u64),
            ("requests_in_flight", self.requests_in_flight as u64),
            ("hashing_concurrency", self.hashing_concurrency as u64),
            ("handshake_timeout_s", self.handshake_timeout_s),
            ("login_timeout_s", self.login_timeout_s),
            ("idle_timeout_s", self.idle_timeout_s),
            ("max_file_mib", self.max_file_mib),
            ("storage_quota_mib", self.storage_quota_mib),
            ("upload_expiry_hours", self.upload_expiry_hours),
            (
                "max_connections_per_address",
                self.max_connections_per_address as u64,
            ),
            ("max_message_len", self.max_message_len as u64),
            ("max_frame_len", self.max_frame_len as u64),
            ("max_rooms_per_user", self.max_rooms_per_user as u64),
            ("max_members_per_room", self.max_members_per_room as u64),
            (
                "max_pending_invitations",
                self.max_pending_invitations as u64,
            ),
            ("messages_per_second", u64::from(self.messages_per_second)),
            ("message_burst", u64::from(self.message_burst)),
            (
                "logins_per_minute_per_address",
                u64::from(self.logins_per_minute_per_address),
            ),
            (
                "logins_per_minute_per_account",
                u64::from(self.logins_per_minute_per_account),
            ),
            ("max_database_mib", self.max_database_mib.unwrap_or(1)),
        ];
        if let Some((name, _)) = counts.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError::Zero(name));
        }
        let ceilings = [
            (
                "max_message_len",
                self.max_message_len,
                chat_proto::MAX_MESSAGE_LEN,
            ),
            (
                "max_frame_len",
                self.max_frame_len,
                chat_proto::MAX_FRAME_LEN,
            ),
        ];
        match ceilings.iter().find(|(_, value, max)| value > max) {
            Some(&(name, _, max)) => Err(ConfigError::AboveProtocol { name, max }),
            None => Ok(()),
        }
    }
}

impl Cli {
    /// Merges flags over the config file over the defaults.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let mut file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = self
            .data_dir
            .or(file.data_dir.take())
            .unwrap_or_else(|| "data".into());
        let listen = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("default address is valid"));
        let mut config = Config::new(listen, &data_dir);
        config.tls = match (self.cert.or(file.cert.take()), self.key.or(file.key.take())) {
            (Some(cert), Some(key)) => TlsSource::Files { cert, key },
            (None, None) => TlsSource::Generated {
                dir: self
                    .cert_dir
                    .or(file.cert_dir.take())
                    .unwrap_or_else(|| "certs".into()),
            },
            _ => return Err(ConfigError::HalfCertificate),
        };
        config.registration_open =
            !self.closed_registration && file.registration != Some(Registration::Closed);
        config.durability = self
            .durability
            .or(file.durability)
            .unwrap_or(Durability::Full);
        let limits = &mut config.limits;
        limits.max_connections = self
            .max_connections
            .or(file.max_connections)
            .unwrap_or(limits.max_connections);
        limits.outbound_queue = file.outbound_queue.unwrap_or(limits.outbound_queue);
        limits.requests_in_flight = file.requests_in_flight.unwrap_or(limits.requests_in_flight);
        limits.handshake_timeout_s = file
            .handshake_timeout_s
            .unwrap_or(limits.handshake_timeout_s);
        limits.login_timeout_s = file.login_timeout_s.unwrap_or(limits.login_timeout_s);
        limits.idle_timeout_s = file.idle_timeout_s.unwrap_or(limits.idle_timeout_s);
        file.apply_limits(limits);
        limits.validate()?;
        Ok(config)
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("chat-server").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn no_arguments_give_the_documented_defaults() {
        let config = cli(&[]).into_config().unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.database_path(), Path::new("data/chat.sqlite3"));
        assert!(
            matches!(config.tls, TlsSource::Generated { ref dir } if dir == Path::new("certs"))
        );
        assert!(config.registration_open);
        assert_eq!(config.durability, Durability::Full);
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nregistration = \"closed\"\nmax_connections = 5\n\
             durability = \"normal\"\n",
        )
        .unwrap();
        let config = cli(&[
            "--config",
            path.to_str().unwrap(),
            "--listen",
            "127.0.0.1:9001",
        ])
        .into_config()
        .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9001");
        assert!(!config.registration_open);
        assert_eq!(config.limits.max_connections, 5);
        assert_eq!(config.durability, Durability::Normal);
    }

    #[test]
    fn a_zero_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "outbound_queue = 0\n").unwrap();
        let err = cli(&["--config", path.to_str().unwrap()])
            .into_config()
            .unwrap_err();
        assert!(matches!(err, ConfigError::Zero("outbound_queue")), "{err}");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        let err = cli(&["--config", path.to_str().unwrap()])
            .into_config()
            .unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
    }
}
