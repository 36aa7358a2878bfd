//! `/view ID`: an image fetched as a transfer, decoded by the runtime, then shown in a box
//! over the chat until Esc.
//!
//! A file whose message is in memory is judged by its details first, so that a document or
//! a huge photo is refused at once, without a round trip; the runtime checks again with the
//! server's details, for files the reader only knows the number of.

use chat_proto::{FileId, FileInfo};

use super::{App, Direction, Effect, Entry, Failure, Overlay};
use crate::preview::{self, Preview};
use crate::sanitize;

impl App {
    /// `/view ID`: starts fetching an image to preview.
    pub(super) fn view_file(&mut self, file: FileId) -> Vec<Effect> {
        let known = self.known_file(file);
        if let Some(why) = known.and_then(preview::refusal) {
            self.error(why);
            return Vec::new();
        }
        let name = known.map_or_else(
            || format!("file {file}"),
            |info| sanitize::one_line(&info.name).into_owned(),
        );
        let transfer = self.begin(Direction::Download, name);
        vec![Effect::Preview { transfer, file }]
    }

    /// The image is ready: it replaces whatever box was open.
    pub(super) fn on_previewed(&mut self, transfer: u64, result: Result<Preview, Failure>) {
        let name = self.end(transfer);
        match result {
            Ok(preview) => self.overlay = Some(Overlay::Preview(preview)),
            Err(failure) => self.transfer_failed("preview", &name, &failure),
        }
    }

    /// The details of a file posted in a message held in memory.
    fn known_file(&self, file: FileId) -> Option<&FileInfo> {
        self.conversations
            .iter()
            .flat_map(|conversation| &conversation.entries)
            .find_map(|entry| match entry {
                Entry::Message(line) => line.file.as_ref().filter(|info| info.id == file),
                Entry::Notice { .. } => None,
            })
    }
}
