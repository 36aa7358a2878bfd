//! Files sent and fetched from the chat screen: `/send`, `/download`, `/cancel`, and the
//! transfers shown on the status line while they run (`/view` fetches as one too).
//!
//! Each transfer gets a small number of the app's own, shown beside it, which `/cancel N`
//! takes. The runtime runs transfers as tasks of their own, so that chat goes on meanwhile,
//! and reports back with [`Reply::Progress`] and a final reply.

use std::fmt::Write;
use std::path::PathBuf;

use chat_proto::FileId;

use super::{App, Effect, Failure, Reply};
use crate::client::Progress;
use crate::file_text::human_size;
use crate::sanitize;

/// Which way a file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upload,
    Download,
}

/// A transfer under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub number: u64,
    pub direction: Direction,
    /// The latest report; before the first, the name as far as it is known and no bytes.
    pub progress: Progress,
}

impl Transfer {
    /// Its number, direction and name: `[1] ↑ report.pdf`.
    pub fn label(&self) -> String {
        let arrow = match self.direction {
            Direction::Upload => '↑',
            Direction::Download => '↓',
        };
        let name = sanitize::one_line(&self.progress.name);
        format!("[{}] {arrow} {name}", self.number)
    }

    /// Whether no report has come in yet.
    fn starting(&self) -> bool {
        let progress = &self.progress;
        progress.total == 0 && progress.bytes == 0 && progress.rate == 0
    }

    /// How far it has come, for a progress bar: 0 to 1.
    pub fn ratio(&self) -> f64 {
        if self.starting() {
            0.0
        } else {
            let percent = u8::try_from(self.progress.percent().min(100)).unwrap_or(100);
            f64::from(percent) / 100.0
        }
    }

    /// Its figures beside the bar: `42% 420 KB of 1.0 MB 100 KB/s 0:06 left`.
    pub fn figures(&self) -> String {
        if self.starting() {
            return "starting…".to_owned();
        }
        let progress = &self.progress;
        let mut figures = format!(
            "{}% {} of {}",
            progress.percent(),
            human_size(progress.bytes),
            human_size(progress.total)
        );
        self.rate_and_time_left(&mut figures);
        figures
    }

    /// How the status line shows it when there is no room for its bar:
    /// `[1] ↑ report.pdf 42% 1.2 MB/s 0:05 left`.
    pub fn summary(&self) -> String {
        let head = self.label();
        if self.starting() {
            return format!("{head} starting…");
        }
        let mut summary = format!("{head} {}%", self.progress.percent());
        self.rate_and_time_left(&mut summary);
        summary
    }

    fn rate_and_time_left(&self, text: &mut String) {
        let progress = &self.progress;
        if progress.rate > 0 {
            let _ = write!(text, " {}/s", human_size(progress.rate));
        }
        if let Some(eta) = progress.eta_s().filter(|_| progress.bytes < progress.total) {
            let _ = write!(text, " {} left", clock(eta));
        }
    }
}

/// Seconds as `m:ss`, or `h:mm:ss` past an hour.
fn clock(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

impl App {
    /// `/send PATH`: posts a file to the current conversation.
    pub(super) fn send_file(&mut self, path: PathBuf) -> Vec<Effect> {
        let Some(to) = self.current().map(|c| c.target.clone()) else {
            self.error("nowhere to send: /join #room or /query @user first");
            return Vec::new();
        };
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let transfer = self.begin(Direction::Upload, name);
        vec![Effect::Upload { transfer, to, path }]
    }

    /// `/download ID [PATH]`: saves a posted file.
    pub(super) fn download_file(&mut self, file: FileId, dest: Option<PathBuf>) -> Vec<Effect> {
        let transfer = self.begin(Direction::Download, format!("file {file}"));
        vec![Effect::Download {
            transfer,
            file,
            dest,
        }]
    }

    /// `/cancel [N]`: stops one transfer, or all of them.
    pub(super) fn cancel_transfers(&mut self, number: Option<u64>) -> Vec<Effect> {
        let running: Vec<u64> = self.transfers.iter().map(|t| t.number).collect();
        let numbers = match number {
            Some(n) if running.contains(&n) => vec![n],
            Some(n) => {
                self.error(format!("no transfer {n} is running"));
                return Vec::new();
            }
            None => running,
        };
        if numbers.is_empty() {
            self.error("no transfer is running");
            return Vec::new();
        }
        vec![Effect::Cancel(numbers)]
    }

    pub(super) fn on_transfer_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Progress { transfer, progress } => {
                if let Some(running) = self.transfers.iter_mut().find(|t| t.number == transfer) {
                    running.progress = progress;
                }
            }
            Reply::Uploaded { transfer, result } => {
                let name = self.end(transfer);
                match result {
                    Ok(_) => self.info(format!("sent {name}")),
                    Err(failure) => self.transfer_failed("send", &name, &failure),
                }
            }
            Reply::Previewed { transfer, result } => self.on_previewed(transfer, result),
            Reply::Downloaded { transfer, result } => {
                let name = self.end(transfer);
                match result {
                    Ok(path) => self.info(format!("saved {}", path.display())),
                    Err(failure) => self.transfer_failed("download", &name, &failure),
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn transfer_failed(&mut self, verb: &str, name: &str, failure: &Failure) {
        if failure.code == "cancelled" {
            self.info(format!("cancelled {name}"));
        } else {
            self.error(format!("cannot {verb} {name}: {}", failure.message));
        }
    }

    /// Shows a new transfer; returns its number.
    pub(super) fn begin(&mut self, direction: Direction, name: String) -> u64 {
        self.latest_transfer += 1;
        self.transfers.push(Transfer {
            number: self.latest_transfer,
            direction,
            progress: Progress {
                name,
                bytes: 0,
                total: 0,
                rate: 0,
            },
        });
        self.latest_transfer
    }

    /// Takes a finished transfer off the line; returns its name.
    pub(super) fn end(&mut self, number: u64) -> String {
        let index = self.transfers.iter().position(|t| t.number == number);
        index.map_or_else(String::new, |i| {
            let name = self.transfers.remove(i).progress.name;
            sanitize::one_line(&name).into_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer(bytes: u64, total: u64, rate: u64) -> Transfer {
        Transfer {
            number: 2,
            direction: Direction::Upload,
            progress: Progress {
                name: "report\u{1b}[2J.pdf".into(),
                bytes,
                total,
                rate,
            },
        }
    }

    #[test]
    fn a_transfer_shows_its_name_percent_rate_and_time_left() {
        assert_eq!(
            transfer(420_000, 1_000_000, 100_000).summary(),
            "[2] ↑ report.pdf 42% 100 KB/s 0:06 left"
        );
        assert_eq!(transfer(0, 0, 0).summary(), "[2] ↑ report.pdf starting…");
        assert_eq!(transfer(10, 100, 0).summary(), "[2] ↑ report.pdf 10%");
        assert_eq!(
            transfer(0, 36_000_000, 10_000).summary(),
            "[2] ↑ report.pdf 0% 10 KB/s 1:00:00 left"
        );
    }

    #[test]
    fn the_bar_gets_the_bytes_of_the_total_and_how_far_it_is() {
        let half = transfer(500_000, 1_000_000, 100_000);
        assert_eq!(half.label(), "[2] ↑ report.pdf");
        assert_eq!(half.figures(), "50% 500 KB of 1.0 MB 100 KB/s 0:05 left");
        assert!((half.ratio() - 0.5).abs() < f64::EPSILON);
        let done = transfer(1_000_000, 1_000_000, 100_000);
        assert_eq!(done.figures(), "100% 1.0 MB of 1.0 MB 100 KB/s");
        assert_eq!(transfer(0, 0, 0).figures(), "starting…");
        assert!(transfer(0, 0, 0).ratio().abs() < f64::EPSILON);
    }
}
