//! Trust on first use: the servers whose certificates the user has accepted.
//!
//! One line per server, `host:port SHA256:base64`, like OpenSSH's `known_hosts`. A line is
//! added when the user accepts a new server's fingerprint; a server whose certificate no
//! longer matches its line is refused until the user edits the file, because that is what
//! an impersonator would look like. A line that cannot be read is skipped with a warning in
//! the log, as OpenSSH does, so that one bad line does not lock the user out of every
//! server; its server is then asked about again.
//!
//! Several clients may add lines at once: each line is written whole, with one write to a
//! file opened for appending, so lines are never torn or interleaved.
//!
//! The functions here do blocking file IO; the runtime calls them off its async workers.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::client::Fingerprint;

/// The file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KnownServersError {
    #[error("cannot {doing} {}: {source}", path.display())]
    Io {
        doing: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
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
    /// Reads the file; a file that does not exist yet is an empty list, and a line that is
    /// not `host:port SHA256:…` is skipped.
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
            if let Some(entry) = parse_line(line) {
                entries.push(entry);
            } else {
                tracing::warn!(
                    path = %path.display(),
                    line = number + 1,
                    "skipping a known-servers line that is not \"host:port SHA256:...\""
                );
            }
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
        append_line(&mut file, server, fingerprint).map_err(io("write"))?;
        self.entries.push((server.to_owned(), fingerprint));
        Ok(())
    }
}

/// A server and its fingerprint, from a line of the file.
fn parse_line(line: &str) -> Option<(String, Fingerprint)> {
    let (server, fingerprint) = line.split_once(char::is_whitespace)?;
    let fingerprint = fingerprint.trim().parse().ok()?;
    Some((server.to_owned(), fingerprint))
}

/// Writes a server's line in one `write_all` of one buffer: to a file opened for appending
/// that is one write at the end, which another client's line cannot split.
fn append_line(
    out: &mut impl Write,
    server: &str,
    fingerprint: Fingerprint,
) -> std::io::Result<()> {
    let line = format!("{server} {fingerprint}\n");
    out.write_all(line.as_bytes())
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
    fn comments_and_bad_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_servers");
        let (x, y) = (Fingerprint::of(b"x"), Fingerprint::of(b"y"));
        let text = format!("# mine\n\na:1 {x}\nb:2 SHA256:nope\njunk\nc:3 {y}\n");
        std::fs::write(&path, text).unwrap();
        let known = KnownServers::load(&path).unwrap();
        assert_eq!(known.get("a:1"), Some(x));
        assert_eq!(known.get("b:2"), None);
        assert_eq!(known.get("c:3"), Some(y));
    }

    /// Records each write it is given.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_is_written_in_one_piece() {
        let fingerprint = Fingerprint::of(b"cert");
        let mut writes = Writes::default();
        append_line(&mut writes, "chat.example:7878", fingerprint).unwrap();
        assert_eq!(
            writes.0,
            [format!("chat.example:7878 {fingerprint}\n").into_bytes()]
        );
    }
}
