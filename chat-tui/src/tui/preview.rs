//! `/view`: an image fetched into the preview cache, decoded on a blocking thread, and sent
//! back ready to draw.
//!
//! The fetched file is removed once decoded: the picture is held in memory while the box
//! is open, and a fresh fetch each time keeps the cache from growing.

use chat_proto::FileId;
use ratatui_image::picker::Picker;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::transfers::reporter;
use crate::app::{Action, Failure, Reply};
use crate::client::{Client, Progress, Transfers};
use crate::preview::{self, Picture, Preview};
use crate::sanitize;

/// The task that fetches and decodes file `file` as transfer `transfer`.
pub fn start(
    client: Client,
    transfers: &Transfers,
    transfer: u64,
    file: FileId,
    picker: Picker,
    replies_tx: &mpsc::Sender<Action>,
) -> impl Future<Output = ()> + Send + use<> {
    let ticket = transfers.start(transfer);
    let replies_tx = replies_tx.clone();
    async move {
        let progress = reporter(transfer, &replies_tx);
        let result = fetch(&client, file, &ticket.cancel, progress, picker).await;
        // The loop is gone only when the app is quitting.
        let _ = replies_tx
            .send(Action::Reply(Reply::Previewed { transfer, result }))
            .await;
    }
}

async fn fetch(
    client: &Client,
    file: FileId,
    cancel: &CancellationToken,
    progress: impl FnMut(Progress) + Send,
    picker: Picker,
) -> Result<Preview, Failure> {
    let info = client
        .file_info(file)
        .await
        .map_err(|err| Failure::from(&err))?;
    if let Some(why) = preview::refusal(&info) {
        return Err(Failure::new("not_previewable", why));
    }
    let dir = preview::cache_dir();
    let made = dir.clone();
    tokio::task::spawn_blocking(move || preview::make_private_dir(&made))
        .await
        .map_err(|err| Failure::new("io", err.to_string()))?
        .map_err(|err| Failure::new("io", format!("{}: {err}", dir.display())))?;
    let saved = client
        .download(file, &dir, cancel, progress)
        .await
        .map_err(|err| Failure::from(&err))?;
    let path = saved.path;
    let picture = tokio::task::spawn_blocking(move || {
        let decoded = preview::decode(&path);
        let _ = std::fs::remove_file(&path);
        decoded.map(|image| Picture::new(image, &picker))
    })
    .await
    .map_err(|err| Failure::new("io", err.to_string()))?
    .map_err(|err| Failure::new("bad_image", format!("cannot decode the image: {err}")))?;
    Ok(Preview {
        name: sanitize::one_line(&saved.file.name).into_owned(),
        picture,
    })
}
