//! Trust on first use: the servers whose certificates the user has accepted.
//!
//! One line per server, `host:port SHA256:base64`, like OpenSSH's `known_hosts`. A line is
//! added when the user accepts a new server's fingerprint; a server whose certificate no
//! longer matches its line is refused until the user edits the file, because that is what
//! an impersonator would look like.
//!
//! The functions here do blocking file IO; the runtime calls them off its async workers.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::client::Fingerprint;

/// The file could not be read or written, or holds a line that is not `host:port SHA256:…`.
#[derive(Debug, thiserror::Error)]
pub enum KnownServersError {
    #[error("cannot {doing} {}: {source}", path.display())]
    Io {
        doing: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}, line {line}: expected \"host:port SHA256:...\"", path.display())]
    Malformed { path: PathBuf, line: usize },
}

/// The known servers, as read from their file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownServers {
    path: PathBuf,
    entries: Vec<(String, Fingerprint)>,
}

/// What a presented certificate means for a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The certificate trusted before: connect.
    Known(Fingerprint),
    /// A server never seen: ask the user.
    Unknown(Fingerprint),
    /// Not the certificate trusted before: refuse.
    Changed {
        known: Fingerprint,
        presented: Fingerprint,
    },
}

impl KnownServers {
    /// Reads the file; a file that does not exist yet is an empty list.
    pub fn load(path: &Path) -> Result<Self, KnownServersError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(KnownServersError::Io {
                    doing: "read",
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let malformed = || KnownServersError::Malformed {
                path: path.to_owned(),
                line: number + 1,
            };
            let (server, fingerprint) =
                line.split_once(char::is_whitespace).ok_or_else(malformed)?;
            let fingerprint = fingerprint.trim().parse().map_err(|_| malformed())?;
            entries.push((server.to_owned(), fingerprint));
        }
        Ok(Self {
            path: path.to_owned(),
            entries,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The fingerprint trusted for `server` ("host:port"), if any.
    pub fn get(&self, server: &str) -> Option<Fingerprint> {
        self.entries
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(server))
            .map(|(_, fingerprint)| *fingerprint)
    }

    /// What `presented` means for `server`.
    pub fn judge(&self, server: &str, presented: Fingerprint) -> Verdict {
        match self.get(server) {
            Some(known) if known == presented => Verdict::Known(known),
            Some(known) => Verdict::Changed { known, presented },
            None => Verdict::Unknown(presented),
        }
    }

    /// Trusts `fingerprint` for `server` from now on, appending its line to the file.
    pub fn add(&mut self, server: &str, fingerprint: Fingerprint) -> Result<(), KnownServersError> {
        let io = |doing| {
            let path = self.path.clone();
            move |source| KnownServersError::Io {
                doing,
                path,
                source,
            }
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io("create the folder of"))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io("open"))?;
        writeln!(file, "{server} {fingerprint}").map_err(io("write"))?;
        self.entries.push((server.to_owned(), fingerprint));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_knows_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let known = KnownServers::load(&dir.path().join("none")).unwrap();
        let fingerprint = Fingerprint::of(b"cert");
        assert_eq!(
            known.judge("a:1", fingerprint),
            Verdict::Unknown(fingerprint)
        );
    }

    #[test]
    fn added_servers_are_known_after_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deeper").join("known_servers");
        let fingerprint = Fingerprint::of(b"cert");
        KnownServers::load(&path)
            .unwrap()
            .add("chat.example:7878", fingerprint)
            .unwrap();

        let known = KnownServers::load(&path).unwrap();
        assert_eq!(
            known.judge("chat.example:7878", fingerprint),
            Verdict::Known(fingerprint)
        );
        let other = Fingerprint::of(b"other");
        assert_eq!(
            known.judge("chat.example:7878", other),
            Verdict::Changed {
                known: fingerprint,
                presented: other
            }
        );
        assert_eq!(
            known.judge("chat.example:7879", other),
            Verdict::Unknown(other)
        );
    }

    #[test]
    fn comments_are_skipped_and_bad_lines_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_servers");
        let good = format!("# mine\n\na:1 {}\n", Fingerprint::of(b"x"));
        std::fs::write(&path, &good).unwrap();
        assert!(KnownServers::load(&path).unwrap().get("a:1").is_some());

        std::fs::write(&path, format!("{good}b:2 SHA256:nope\n")).unwrap();
        let err = KnownServers::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 4"), "{err}");
    }
}
