//! Uploads, downloads and previews for the terminal client, each in a task of its own, so that the
//! worker goes on with other effects and chat goes on around them.
//!
//! Progress goes back to the event loop with `try_send`: a report that finds the queue
//! full is dropped, as the next one says more. The final reply waits for room, like every
//! other reply.

use std::path::PathBuf;

use chat_proto::{FileId, Target};
use ratatui_image::picker::Picker;
use tokio::sync::mpsc;

use super::preview;
use crate::app::{Action, Effect, Failure, Reply};
use crate::client::{Client, ClientError, Progress, Transfers};
use crate::filenames;

/// Starts or cancels the transfer an effect asks for; returns the effect when it is about
/// something else.
pub fn carry_out(
    client: &Client,
    transfers: &Transfers,
    picker: &Picker,
    effect: Effect,
    replies_tx: &mpsc::Sender<Action>,
) -> Option<Effect> {
    match effect {
        Effect::Upload { transfer, to, path } => {
            let job = upload(client.clone(), transfers, transfer, to, path, replies_tx);
            tokio::spawn(job);
        }
        Effect::Download {
            transfer,
            file,
            dest,
        } => {
            let job = download(client.clone(), transfers, transfer, file, dest, replies_tx);
            tokio::spawn(job);
        }
        Effect::Preview { transfer, file } => {
            let job = preview::start(
                client.clone(),
                transfers,
                transfer,
                file,
                picker.clone(),
                replies_tx,
            );
            tokio::spawn(job);
        }
        Effect::Cancel(numbers) => {
            for number in numbers {
                transfers.cancel(Some(number));
            }
        }
        other => return Some(other),
    }
    None
}

/// The reply of a transfer effect that could not be started; `None` for other effects.
pub fn refused(effect: &Effect, why: &str) -> Option<Reply> {
    let failure = Failure::from(&ClientError::Io(std::io::Error::other(why.to_owned())));
    match *effect {
        Effect::Upload { transfer, .. } => Some(Reply::Uploaded {
            transfer,
            result: Err(failure),
        }),
        Effect::Download { transfer, .. } => Some(Reply::Downloaded {
            transfer,
            result: Err(failure),
        }),
        Effect::Preview { transfer, .. } => Some(Reply::Previewed {
            transfer,
            result: Err(failure),
        }),
        _ => None,
    }
}

fn upload(
    client: Client,
    transfers: &Transfers,
    transfer: u64,
    to: Target,
    path: PathBuf,
    replies_tx: &mpsc::Sender<Action>,
) -> impl Future<Output = ()> + Send + use<> {
    let ticket = transfers.start(transfer);
    let replies_tx = replies_tx.clone();
    async move {
        let path = filenames::expand_home(&path);
        let progress = reporter(transfer, &replies_tx);
        let result = client.upload(to, &path, &ticket.cancel, progress).await;
        let result = result
            .map(|uploaded| uploaded.message)
            .map_err(|err| Failure::from(&err));
        // The loop is gone only when the app is quitting.
        let _ = replies_tx
            .send(Action::Reply(Reply::Uploaded { transfer, result }))
            .await;
    }
}

fn download(
    client: Client,
    transfers: &Transfers,
    transfer: u64,
    file: FileId,
    dest: Option<PathBuf>,
    replies_tx: &mpsc::Sender<Action>,
) -> impl Future<Output = ()> + Send + use<> {
    let ticket = transfers.start(transfer);
    let replies_tx = replies_tx.clone();
    async move {
        let dest = dest.map_or_else(filenames::download_dir, |d| filenames::expand_home(&d));
        let progress = reporter(transfer, &replies_tx);
        let result = client.download(file, &dest, &ticket.cancel, progress).await;
        let result = result
            .map(|saved| saved.path)
            .map_err(|err| Failure::from(&err));
        let _ = replies_tx
            .send(Action::Reply(Reply::Downloaded { transfer, result }))
            .await;
    }
}

pub(super) fn reporter(
    transfer: u64,
    replies_tx: &mpsc::Sender<Action>,
) -> impl FnMut(Progress) + Send {
    let replies_tx = replies_tx.clone();
    move |progress| {
        let reply = Reply::Progress { transfer, progress };
        let _ = replies_tx.try_send(Action::Reply(reply));
    }
}
