//! `/send`, `/download` and `/cancel` in headless mode.
//!
//! A transfer is one command's future, like any other: it runs alongside the commands
//! after it, whose requests go out meanwhile, but its `ok` or `error` line comes in input
//! order, so the answers of later commands print after it. Progress lines are not answers:
//! they go out as they come, through a channel of their own, and may be dropped when that
//! channel is full, as a later line says more anyway.
//!
//! Transfers are numbered from 1 in input order, counting uploads and downloads together,
//! so that a script knows the number `/cancel` takes before the first progress line says it.

use std::path::PathBuf;

use chat_proto::FileId;
use futures::FutureExt;
use tokio::sync::mpsc;

use super::dispatch::{Current, Reply, no_target};
use super::output::{Done, Output, SentFile};
use crate::client::{Client, Progress, Ticket, Transfers};
use crate::filenames;

/// Starts transfers and cancels them by number.
pub struct Files {
    client: Client,
    transfers: Transfers,
    /// The number of the latest transfer.
    latest: u64,
    progress_tx: mpsc::Sender<Output>,
}

impl Files {
    pub fn new(client: Client, progress_tx: mpsc::Sender<Output>) -> Self {
        Self {
            client,
            transfers: Transfers::default(),
            latest: 0,
            progress_tx,
        }
    }

    /// `/send PATH`: posts a file to the current conversation once it is known.
    pub fn send(&mut self, current: Current, path: PathBuf) -> Reply {
        let ticket = self.start();
        let progress = self.reporter(ticket.id, "upload");
        let client = self.client.clone();
        async move {
            let Some(to) = current.await else {
                return vec![no_target(
                    "send",
                    "nowhere to send: /join a room or /msg someone first",
                )];
            };
            let target = to.to_string();
            let path = filenames::expand_home(&path);
            let line = match client.upload(to, &path, &ticket.cancel, progress).await {
                Ok(uploaded) => Output::done(Done::Send {
                    id: uploaded.message.0,
                    target,
                    duplicate: uploaded.duplicate,
                    file: SentFile::from(&uploaded),
                }),
                Err(err) => Output::transfer_failed(&err, "send"),
            };
            vec![line]
        }
        .boxed()
    }

    /// `/download ID [PATH]`: saves a file, in the download directory without a path.
    pub fn download(&mut self, file: FileId, path: Option<PathBuf>) -> Reply {
        let ticket = self.start();
        let progress = self.reporter(ticket.id, "download");
        let client = self.client.clone();
        async move {
            let dest = path.map_or_else(filenames::download_dir, |p| filenames::expand_home(&p));
            let line = match client.download(file, &dest, &ticket.cancel, progress).await {
                Ok(saved) => Output::done(Done::Download {
                    file: file.0,
                    path: saved.path.display().to_string(),
                    size: saved.file.size,
                    sha256: saved.file.sha256.to_hex(),
                }),
                Err(err) => Output::transfer_failed(&err, "download"),
            };
            vec![line]
        }
        .boxed()
    }

    /// `/cancel [N]`: stops the transfers running now; an error when none matches.
    pub fn cancel(&self, number: Option<u64>) -> Reply {
        let cancelled = self.transfers.cancel(number);
        let line = if cancelled.is_empty() {
            let message = match number {
                Some(n) => format!("no transfer {n} is running"),
                None => "no transfer is running".to_owned(),
            };
            Output::error("no_transfer", message, Some("cancel"))
        } else {
            Output::done(Done::Cancel {
                transfers: cancelled,
            })
        };
        futures::future::ready(vec![line]).boxed()
    }

    fn start(&mut self) -> Ticket {
        self.latest += 1;
        self.transfers.start(self.latest)
    }

    /// Prints a transfer's progress, or drops the line when output is backed up.
    fn reporter(
        &self,
        transfer: u64,
        direction: &'static str,
    ) -> impl FnMut(Progress) + Send + use<> {
        let progress_tx = self.progress_tx.clone();
        move |progress| {
            let _ = progress_tx.try_send(Output::progress(transfer, direction, progress));
        }
    }
}
