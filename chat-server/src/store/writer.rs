//! The writer thread: the only connection that writes, committing in batches.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::ops::Op;
use super::{CommitListener, Durability, StoreError, StoreOptions, schema};

/// Most writes committed in one transaction; bounds the latency a batch adds to its first
/// write.
const MAX_BATCH: usize = 1024;

/// A queued write, its type erased so that one queue carries every kind.
pub trait Pending: Send {
    /// Runs the write inside the open transaction, keeping its result; true when it failed
    /// for lack of space.
    fn apply(&mut self, conn: &mut Connection) -> bool;

    /// After the batch's commit (or its failure): announce the change and answer.
    fn finish(self: Box<Self>, commit: Result<(), &StoreError>, listener: &dyn CommitListener);
}

struct Job<O: Op> {
    op: O,
    result: Option<Result<O::Output, StoreError>>,
    reply_tx: oneshot::Sender<Result<O::Output, StoreError>>,
}

pub fn job<O: Op>(
    op: O,
    reply_tx: oneshot::Sender<Result<O::Output, StoreError>>,
) -> Box<dyn Pending> {
    Box::new(Job {
        op,
        result: None,
        reply_tx,
    })
}

impl<O: Op> Pending for Job<O> {
    fn apply(&mut self, conn: &mut Connection) -> bool {
        let result = conn
            .savepoint()
            .map_err(StoreError::from)
            .and_then(|savepoint| {
                let output = self.op.apply(&savepoint)?;
                savepoint.commit()?;
                Ok(output)
            });
        let full = matches!(result, Err(StoreError::Full));
        self.result = Some(result);
        full
    }

    fn finish(self: Box<Self>, commit: Result<(), &StoreError>, listener: &dyn CommitListener) {
        let result = match (commit, self.result) {
            (Err(StoreError::Full), _) => Err(StoreError::Full),
            (Err(err), _) => Err(StoreError::Commit(err.to_string())),
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(StoreError::Closed),
        };
        if let Ok(output) = &result {
            self.op.publish(output, listener);
        }
        // The requester may have gone (its connection closed); the write stands regardless.
        let _ = self.reply_tx.send(result);
    }
}

/// What the writer's queue carries.
pub enum Queued {
    Write(Box<dyn Pending>),
    /// Commit everything queued before this, then exit.
    Stop,
}

/// Owns the writer thread.
pub struct Writer {
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub fn start(
        path: &Path,
        options: StoreOptions,
        jobs_rx: mpsc::Receiver<Queued>,
        listener: Arc<dyn CommitListener>,
    ) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let synchronous = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        schema::migrate(&mut conn)?;
        if let Some(mib) = options.max_mib {
            let page_size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
            let mib = i64::try_from(mib).unwrap_or(i64::MAX / (1024 * 1024));
            conn.pragma_update(None, "max_page_count", mib * 1024 * 1024 / page_size.max(1))?;
        }

        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, jobs_rx, &*listener))
            .map_err(StoreError::Thread)?;
        Ok(Self {
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Waits for the thread to exit, after a [`Queued::Stop`] has been queued.
    pub fn join(&self) {
        let thread = self.thread.lock().expect("writer handle lock").take();
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("store writer thread panicked");
        }
    }
}

fn run(mut conn: Connection, mut jobs_rx: mpsc::Receiver<Queued>, listener: &dyn CommitListener) {
    let mut batch: Vec<Box<dyn Pending>> = Vec::with_capacity(MAX_BATCH);
    let mut stopping = false;
    while !stopping {
        match jobs_rx.blocking_recv() {
            Some(Queued::Write(job)) => batch.push(job),
            Some(Queued::Stop) | None => break,
        }
        while batch.len() < MAX_BATCH {
            match jobs_rx.try_recv() {
                Ok(Queued::Write(job)) => batch.push(job),
                Ok(Queued::Stop) => {
                    stopping = true;
                    break;
                }
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, &mut batch, listener);
    }
    if let Err(err) = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE") {
        tracing::warn!(error = %err, "final checkpoint failed");
    }
    tracing::info!("store writer stopped");
}

fn commit_batch(
    conn: &mut Connection,
    batch: &mut Vec<Box<dyn Pending>>,
    listener: &dyn CommitListener,
) {
    let commit = apply_all(conn, batch).inspect_err(|err| {
        if matches!(err, StoreError::Full) {
            tracing::warn!(writes = batch.len(), "database full: batch refused");
        } else {
            tracing::error!(error = %err, writes = batch.len(), "commit failed");
        }
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    });
    tracing::trace!(writes = batch.len(), "committed batch");
    for job in batch.drain(..) {
        job.finish(commit.as_ref().copied(), listener);
    }
}

/// Applies every write of the batch in one transaction and commits it.
fn apply_all(conn: &mut Connection, batch: &mut [Box<dyn Pending>]) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut full = false;
    for job in batch.iter_mut() {
        full |= job.apply(conn);
        // On some errors, a full disk among them, SQLite rolls the whole transaction back:
        // then no write of the batch stands, and none may run outside the transaction.
        if conn.is_autocommit() {
            return Err(if full {
                StoreError::Full
            } else {
                StoreError::Commit("transaction rolled back".into())
            });
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}
