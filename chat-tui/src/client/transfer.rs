//! What uploads and downloads share: progress reports, their errors, and cancelling.
//!
//! A transfer is a loop of chunk requests on the ordinary request path, so chat messages
//! travel between the chunks, and a reconnect resends the chunks in flight like any other
//! request. Progress is reported through a callback, at most [`PROGRESS_EVERY`], so that a
//! fast transfer cannot flood a terminal or a script's output.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ClientError;

/// Chunk requests kept in flight: enough to keep a link with some latency busy, few enough
/// that a chat message queued behind them waits for at most this many chunks (1 MiB).
pub const WINDOW: usize = 8;

/// The shortest time between two progress reports of one transfer.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// How far a transfer has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The file's name: as announced for an upload, as it will be saved for a download.
    pub name: String,
    /// Bytes the other side has acknowledged (upload) or that are written (download).
    pub bytes: u64,
    pub total: u64,
    /// Bytes per second since this transfer started, not counting what a resume skipped.
    pub rate: u64,
}

impl Progress {
    /// Seconds left at the current rate, when there is a rate to go by.
    pub fn eta_s(&self) -> Option<u64> {
        (self.rate > 0).then(|| self.total.saturating_sub(self.bytes).div_ceil(self.rate))
    }

    /// Whole percent done; an empty file is done at once.
    pub fn percent(&self) -> u64 {
        if self.total == 0 {
            100
        } else {
            (u128::from(self.bytes) * 100 / u128::from(self.total)) as u64
        }
    }
}

/// Turns byte counts into progress reports, no more often than [`PROGRESS_EVERY`].
#[derive(Debug)]
pub struct Meter {
    name: String,
    total: u64,
    started: Instant,
    /// Bytes that were there before this transfer started (a resume), left out of the rate.
    base: u64,
    last: Option<Instant>,
}

impl Meter {
    pub fn new(name: String, total: u64) -> Self {
        Self {
            name,
            total,
            started: Instant::now(),
            base: 0,
            last: None,
        }
    }

    /// Takes `bytes` as the starting point, if nothing was counted since the start: the
    /// bytes a resume skips are not part of the rate.
    pub fn resume_at(&mut self, bytes: u64) {
        if self.last.is_none() {
            self.base = bytes;
        }
    }

    /// A report of `bytes` done, if one is due: the first, the last, and otherwise one per
    /// [`PROGRESS_EVERY`].
    pub fn update(&mut self, bytes: u64) -> Option<Progress> {
        let now = Instant::now();
        let due = self
            .last
            .is_none_or(|last| now - last >= PROGRESS_EVERY || bytes >= self.total);
        if !due {
            return None;
        }
        self.last = Some(now);
        let elapsed_ms = (now - self.started).as_millis();
        let moved = u128::from(bytes.saturating_sub(self.base));
        let rate = (moved * 1000).checked_div(elapsed_ms).unwrap_or(0) as u64;
        Some(Progress {
            name: self.name.clone(),
            bytes,
            total: self.total,
            rate,
        })
    }
}

/// Why a transfer failed, by who is at fault.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The server refused, or the connection is closed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    File { path: PathBuf, source: io::Error },
    /// The local file changed while it was being sent.
    #[error("{} changed while it was being sent", path.display())]
    Changed { path: PathBuf },
    /// The bytes downloaded are not the file the server announced.
    #[error("the downloaded bytes do not match the file's size and checksum; nothing was kept")]
    Mismatch,
    #[error("cancelled")]
    Cancelled,
}

impl TransferError {
    /// A stable snake-case name for scripts: the server's code, or the client's own.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Client(err) => err.code(),
            Self::File { .. } => "file",
            Self::Changed { .. } => "file_changed",
            Self::Mismatch => "checksum_mismatch",
            Self::Cancelled => "cancelled",
        }
    }

    pub(crate) fn file(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self::File {
            path: path.to_owned(),
            source,
        }
    }
}

/// The transfers running, by the number their caller gave each, so that one can be
/// cancelled by that number.
///
/// The numbers are the caller's, not the server's: the terminal client and headless mode
/// show them next to each transfer, and `/cancel N` names one.
#[derive(Debug, Clone, Default)]
pub struct Transfers {
    running: Arc<Mutex<BTreeMap<u64, CancellationToken>>>,
}

impl Transfers {
    /// Registers transfer `id`; it stays cancellable until the ticket is dropped.
    pub fn start(&self, id: u64) -> Ticket {
        let cancel = CancellationToken::new();
        self.lock().insert(id, cancel.clone());
        Ticket {
            id,
            cancel,
            transfers: self.clone(),
        }
    }

    /// Cancels transfer `id`, or every transfer without one; returns the numbers cancelled.
    pub fn cancel(&self, id: Option<u64>) -> Vec<u64> {
        let running = self.lock();
        let cancelled: Vec<u64> = match id {
            Some(id) => running
                .contains_key(&id)
                .then_some(id)
                .into_iter()
                .collect(),
            None => running.keys().copied().collect(),
        };
        for id in &cancelled {
            running[id].cancel();
        }
        cancelled
    }

    /// The numbers of the transfers running, in order.
    pub fn running(&self) -> Vec<u64> {
        self.lock().keys().copied().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, CancellationToken>> {
        // The map stays consistent whatever a panicking holder was doing.
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running transfer's place in [`Transfers`], released on drop.
#[derive(Debug)]
pub struct Ticket {
    pub id: u64,
    pub cancel: CancellationToken,
    transfers: Transfers,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.transfers.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn progress_is_reported_a_few_times_a_second_at_most() {
        let mut meter = Meter::new("f".into(), 1000);
        assert!(meter.update(0).is_some(), "the first report comes at once");
        let mut reports = 0;
        for bytes in 1..1000 {
            tokio::time::advance(Duration::from_millis(1)).await;
            reports += usize::from(meter.update(bytes).is_some());
        }
        assert_eq!(reports, 3, "one per 250 ms over a second");
        let last = meter.update(1000).expect("the last report always comes");
        assert_eq!((last.bytes, last.total, last.percent()), (1000, 1000, 100));
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_leaves_out_what_a_resume_skipped() {
        let mut meter = Meter::new("f".into(), 10_000);
        meter.resume_at(4000);
        meter.update(4000);
        tokio::time::advance(Duration::from_secs(2)).await;
        let progress = meter.update(6000).unwrap();
        assert_eq!(progress.rate, 1000);
        assert_eq!(progress.eta_s(), Some(4));
        assert_eq!(progress.percent(), 60);
    }

    #[test]
    fn transfers_are_cancelled_by_number_or_all_at_once() {
        let transfers = Transfers::default();
        let one = transfers.start(1);
        let two = transfers.start(2);
        assert_eq!(transfers.cancel(Some(3)), Vec::<u64>::new());
        assert_eq!(transfers.cancel(Some(2)), [2]);
        assert!(two.cancel.is_cancelled() && !one.cancel.is_cancelled());
        drop(two);
        assert_eq!(transfers.running(), [1]);
        assert_eq!(transfers.cancel(None), [1]);
        assert!(one.cancel.is_cancelled());
    }
}
