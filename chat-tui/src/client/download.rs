//! Fetching a posted file: its details, then its chunks into a temporary file next to
//! where it goes, checked against the announced SHA-256 as they arrive, then moved into
//! place under a name nothing else has.
//!
//! Chunk requests ride the core's request path, so a reconnect resends the ones in flight
//! and the download continues from the bytes already written. Anything but a complete,
//! matching file leaves nothing behind: the temporary file is removed when the download
//! fails, is cancelled, or is dropped.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chat_proto::{Chunk, FileId, FileInfo, MAX_CHUNK, Request, Response};
use sha2::Digest;
use tokio_util::sync::CancellationToken;

use super::transfer::{Meter, Progress, TransferError, WINDOW};
use super::{Client, ClientError, PendingReply};
use crate::filenames;

/// Bytes of the final name kept in the temporary file's name.
const TEMP_NAME_PREFIX: usize = 100;

/// A file saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// Where it was written.
    pub path: PathBuf,
    pub file: FileInfo,
}

impl Client {
    /// A file's details, if the caller may read its conversation.
    pub async fn file_info(&self, file: FileId) -> Result<FileInfo, ClientError> {
        match self.request(Request::FileInfo { file }).await? {
            Response::File(info) => Ok(info),
            other => Err(ClientError::unexpected("file info", &other)),
        }
    }

    /// Saves file `file` at `dest`: into it, under the sender's name made safe, when it is a
    /// directory, or else at that path. Nothing existing is overwritten: a name taken gets
    /// a fresh variant (`name (1).ext`). Progress is reported as bytes are written.
    pub async fn download(
        &self,
        file: FileId,
        dest: &Path,
        cancel: &CancellationToken,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<Downloaded, TransferError> {
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(TransferError::Cancelled),
            result = self.fetch(file, dest, progress) => result,
        }
    }

    async fn fetch(
        &self,
        file: FileId,
        dest: &Path,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<Downloaded, TransferError> {
        let info = self.file_info(file).await?;
        let requested = dest.to_owned();
        let name = info.name.clone();
        let target = blocking(move || filenames::destination(&requested, &name))
            .await
            .map_err(TransferError::file(dest))?;
        let mut part = Part::create(target).await?;
        let mut meter = Meter::new(part.name(), info.size);
        let mut report = |bytes| {
            if let Some(report) = meter.update(bytes) {
                progress(report);
            }
        };
        report(0);

        let mut window: VecDeque<(u64, u32, PendingReply)> = VecDeque::with_capacity(WINDOW);
        let mut next = 0;
        loop {
            while window.len() < WINDOW && next < info.size {
                let len = (info.size - next).min(MAX_CHUNK as u64) as u32;
                let request = Request::Download {
                    file,
                    offset: next,
                    len,
                };
                window.push_back((next, len, self.submit(request).await?));
                next += u64::from(len);
            }
            let Some((offset, len, pending)) = window.pop_front() else {
                break;
            };
            let data = match pending.reply().await? {
                Response::Chunk(Chunk(data)) => data,
                other => return Err(ClientError::unexpected("download", &other).into()),
            };
            if offset != part.written {
                continue;
            }
            if data.is_empty() || data.len() > len as usize {
                return Err(TransferError::Mismatch);
            }
            let short = data.len() < len as usize;
            part.write(data).await?;
            report(part.written);
            if short {
                // The chunks asked for after this one start past a gap: ask again.
                window.clear();
                next = part.written;
            }
        }
        let path = part.finish(&info).await?;
        Ok(Downloaded { path, file: info })
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// A download being written: a temporary file next to its target, removed on drop unless
/// it was moved into place.
struct Part {
    /// Where the file is meant to go; taken by then, a variant of it.
    target: PathBuf,
    temp: PathBuf,
    /// Out while a write is under way on a blocking thread.
    sink: Option<Sink>,
    written: u64,
    kept: bool,
}

/// The open temporary file and the hash of what went into it.
struct Sink {
    file: std::fs::File,
    hasher: sha2::Sha256,
}

impl Part {
    async fn create(target: PathBuf) -> Result<Self, TransferError> {
        let temp = temp_path(&target);
        let opened = temp.clone();
        let file = blocking(move || {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&opened)
        })
        .await
        .map_err(TransferError::file(&temp))?;
        Ok(Self {
            target,
            temp,
            sink: Some(Sink {
                file,
                hasher: sha2::Sha256::new(),
            }),
            written: 0,
            kept: false,
        })
    }

    /// The name the file will have, for progress reports.
    fn name(&self) -> String {
        self.target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    async fn write(&mut self, data: Bytes) -> Result<(), TransferError> {
        let mut sink = self.sink.take().ok_or(TransferError::Mismatch)?;
        let len = data.len() as u64;
        let sink = blocking(move || {
            sink.file.write_all(&data)?;
            sink.hasher.update(&data);
            Ok(sink)
        })
        .await
        .map_err(TransferError::file(&self.temp))?;
        self.sink = Some(sink);
        self.written += len;
        Ok(())
    }

    /// Checks the bytes against `info`, then moves them into place; returns where.
    async fn finish(mut self, info: &FileInfo) -> Result<PathBuf, TransferError> {
        let sink = self.sink.take().ok_or(TransferError::Mismatch)?;
        let digest: [u8; 32] = sink.hasher.finalize().into();
        if self.written != info.size || digest != info.sha256.0 {
            return Err(TransferError::Mismatch);
        }
        let (temp, target) = (self.temp.clone(), self.target.clone());
        let placed = blocking(move || {
            sink.file.sync_all()?;
            drop(sink.file);
            place(&temp, &target)
        })
        .await
        .map_err(TransferError::file(&self.target))?;
        self.kept = true;
        Ok(placed)
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        if !self.kept
            && let Err(err) = std::fs::remove_file(&self.temp)
        {
            let path = self.temp.display();
            tracing::warn!(%path, error = %err, "could not remove a partial download");
        }
    }
}

/// A hidden, unique name next to `target` for its bytes while they arrive.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut end = name.len().min(TEMP_NAME_PREFIX);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let unique: u64 = rand::random();
    target.with_file_name(format!(".{}.{unique:016x}.part", &name[..end]))
}

/// Moves the finished file from `temp` to `target`, or to a fresh variant of it if the name
/// was taken meanwhile; never over an existing file.
///
/// A hard link fails when its name exists, which makes taking the name atomic; where
/// links are not supported, a rename after checking the name is free is the fallback.
fn place(temp: &Path, target: &Path) -> io::Result<PathBuf> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut at = target.to_owned();
    loop {
        match std::fs::hard_link(temp, &at) {
            Ok(()) => {
                std::fs::remove_file(temp)?;
                return Ok(at);
            }
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(_) if at.symlink_metadata().is_err() => {
                std::fs::rename(temp, &at)?;
                return Ok(at);
            }
            Err(_) => {}
        }
        at = filenames::fresh_path(dir, &name)?;
    }
}
