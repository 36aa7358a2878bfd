//! Sending a file to a conversation: hash it, announce it, send its chunks, finish.
//!
//! The file is hashed first, off the async threads, since the server checks every upload
//! against the checksum it was announced with. The chunks then go out with up to
//! [`WINDOW`] awaiting replies. Announcing the same file again answers how much of it the
//! server has, so every setback (a chunk refused as out of place, an upload the server no
//! longer knows after a reconnect) is met the same way: announce again and continue from
//! there. The message's client id stays the same throughout, so a finish sent twice posts
//! the file once.

use std::collections::VecDeque;
use std::io::{self, Read, SeekFrom};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use chat_proto::{
    Chunk, ClientMsgId, ErrorCode, FileId, MAX_CHUNK, MessageId, Request, Response, Sha256, Target,
    UploadId,
};
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::sync::CancellationToken;

use super::transfer::{Meter, Progress, TransferError, WINDOW};
use super::{Client, ClientError, PendingReply};
use crate::{filenames, media_type};

/// Bytes read at a time while hashing.
const HASH_BUFFER: usize = 256 * 1024;

/// Announcements in a row that find the server no further along before the upload gives
/// up: a server that keeps refusing chunks would otherwise be asked forever.
const MAX_STALLS: u32 = 5;

/// How long a cancelled upload waits for the server to drop what it has of it.
const CANCEL_WAIT: Duration = Duration::from_secs(5);

/// What an upload announces of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    pub name: String,
    pub size: u64,
    pub media_type: String,
    pub sha256: Sha256,
}

/// A file posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The file's message in the conversation.
    pub message: MessageId,
    /// The server had posted this upload before (a finish repeated after a reconnect).
    pub duplicate: bool,
    pub file: Announced,
    /// The file's id, for downloads: its message's.
    pub file_id: FileId,
}

impl Client {
    /// Posts the file at `path` to `to`, reporting progress as it goes; resumes by itself
    /// after a reconnect. Cancelling `cancel` stops it and tells the server to drop what it
    /// has.
    pub async fn upload(
        &self,
        to: Target,
        path: &Path,
        cancel: &CancellationToken,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<Uploaded, TransferError> {
        let announced = announce(path, cancel).await?;
        let file = tokio::fs::File::open(path)
            .await
            .map_err(TransferError::file(path))?;
        let mut upload = Upload {
            client: self,
            to,
            path,
            file,
            meter: Meter::new(announced.name.clone(), announced.size),
            announced,
            client_id: ClientMsgId(rand::random()),
            id: None,
            progress,
        };
        let result = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(TransferError::Cancelled),
            result = upload.run() => result,
        };
        if matches!(result, Err(TransferError::Cancelled)) {
            upload.abandon().await;
        }
        result
    }
}

/// Names, types and hashes the file at `path`.
async fn announce(path: &Path, cancel: &CancellationToken) -> Result<Announced, TransferError> {
    let name = filenames::upload_name(path).ok_or_else(|| TransferError::File {
        path: path.to_owned(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let owned = path.to_owned();
    let cancel = cancel.clone();
    let hashed = tokio::task::spawn_blocking(move || hash_file(&owned, &cancel))
        .await
        .map_err(io::Error::other)
        .and_then(|hashed| hashed)
        .map_err(TransferError::file(path))?;
    let (sha256, size) = hashed.ok_or(TransferError::Cancelled)?;
    Ok(Announced {
        name,
        size,
        media_type: media_type::guess(path).to_owned(),
        sha256,
    })
}

/// The SHA-256 and length of a regular file, read in a stream; `None` if cancelled.
fn hash_file(path: &Path, cancel: &CancellationToken) -> io::Result<Option<(Sha256, u64)>> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0; HASH_BUFFER];
    let mut size = 0;
    loop {
        if cancel.is_cancelled() {
            return Ok(None);
        }
        let read = match file.read(&mut buffer) {
            Ok(0) => return Ok(Some((Sha256(hasher.finalize().into()), size))),
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
}

/// How a round of chunks ended.
#[derive(Debug, PartialEq, Eq)]
enum Round {
    /// Every chunk is acknowledged.
    Sent,
    /// The server is elsewhere than the chunks: announce again to learn where.
    Restart,
}

/// One upload under way.
struct Upload<'a, P> {
    client: &'a Client,
    to: Target,
    path: &'a Path,
    file: tokio::fs::File,
    announced: Announced,
    meter: Meter,
    client_id: ClientMsgId,
    /// The server's id for the upload, once a start has been answered.
    id: Option<UploadId>,
    progress: P,
}

impl<P: FnMut(Progress) + Send> Upload<'_, P> {
    async fn run(&mut self) -> Result<Uploaded, TransferError> {
        let mut reached: Option<u64> = None;
        let mut stalls = 0;
        loop {
            let (id, received) = self.start().await?;
            if reached.is_some_and(|before| received <= before) {
                stalls += 1;
                if stalls > MAX_STALLS {
                    let why = "the server keeps refusing the upload's chunks";
                    return Err(ClientError::Protocol(why.into()).into());
                }
            } else {
                stalls = 0;
            }
            reached = Some(received);

            if self.send_from(id, received).await? == Round::Restart {
                continue;
            }
            if let Some(uploaded) = self.finish(id).await? {
                return Ok(uploaded);
            }
        }
    }

    /// Announces the file; returns the upload's id and how much of it the server has.
    async fn start(&mut self) -> Result<(UploadId, u64), TransferError> {
        let announced = &self.announced;
        let request = Request::StartUpload {
            to: self.to.clone(),
            client_id: self.client_id,
            name: announced.name.clone(),
            size: announced.size,
            media_type: announced.media_type.clone(),
            sha256: announced.sha256,
        };
        match self.client.request(request).await? {
            Response::Upload { upload, received } => {
                self.id = Some(upload);
                Ok((upload, received.min(announced.size)))
            }
            other => Err(ClientError::unexpected("start upload", &other).into()),
        }
    }

    /// Sends the file from `offset` on, keeping a window of chunks in flight.
    async fn send_from(&mut self, id: UploadId, offset: u64) -> Result<Round, TransferError> {
        self.meter.resume_at(offset);
        self.report(offset);
        self.file
            .seek(SeekFrom::Start(offset))
            .await
            .map_err(TransferError::file(self.path))?;
        let size = self.announced.size;
        let mut window: VecDeque<(u64, PendingReply)> = VecDeque::with_capacity(WINDOW);
        let mut next = offset;
        loop {
            while window.len() < WINDOW && next < size {
                let len = (size - next).min(MAX_CHUNK as u64);
                let data = self.read_chunk(len as usize).await?;
                let request = Request::UploadChunk {
                    upload: id,
                    offset: next,
                    data: Chunk(data),
                };
                next += len;
                window.push_back((next, self.client.submit(request).await?));
            }
            let Some((end, pending)) = window.pop_front() else {
                return Ok(Round::Sent);
            };
            match pending.reply().await {
                Ok(Response::Done) => self.report(end),
                Ok(other) => return Err(ClientError::unexpected("upload chunk", &other).into()),
                Err(ClientError::Server(reply)) if out_of_step(&reply.code) => {
                    tracing::debug!(code = %reply.code, "upload out of step; announcing again");
                    return Ok(Round::Restart);
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The next `len` bytes of the file; a file that got shorter has changed.
    async fn read_chunk(&mut self, len: usize) -> Result<Bytes, TransferError> {
        let mut buffer = vec![0; len];
        match self.file.read_exact(&mut buffer).await {
            Ok(_) => Ok(Bytes::from(buffer)),
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => Err(TransferError::Changed {
                path: self.path.to_owned(),
            }),
            Err(err) => Err(TransferError::File {
                path: self.path.to_owned(),
                source: err,
            }),
        }
    }

    /// Asks the server to check and post the upload; `None` when it no longer knows the
    /// upload (a finish resent after a reconnect), which calls for announcing again.
    async fn finish(&mut self, id: UploadId) -> Result<Option<Uploaded>, TransferError> {
        match self
            .client
            .request(Request::FinishUpload { upload: id })
            .await
        {
            Ok(Response::Sent {
                id: message,
                duplicate,
                ..
            }) => Ok(Some(Uploaded {
                message,
                duplicate,
                file: self.announced.clone(),
                file_id: FileId::from(message),
            })),
            Ok(other) => Err(ClientError::unexpected("finish upload", &other).into()),
            Err(ClientError::Server(reply)) if reply.code == ErrorCode::NoSuchUpload => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Tells the server to drop what it has of a cancelled upload, if it has anything.
    async fn abandon(&self) {
        let Some(upload) = self.id else {
            return;
        };
        let request = self.client.request(Request::CancelUpload { upload });
        if let Ok(Err(err)) = tokio::time::timeout(CANCEL_WAIT, request).await {
            tracing::debug!(error = %err, "cancelling an upload failed");
        }
    }

    fn report(&mut self, bytes: u64) {
        if let Some(progress) = self.meter.update(bytes) {
            (self.progress)(progress);
        }
    }
}

/// Whether a chunk's error means the server is elsewhere in the upload than the client.
fn out_of_step(code: &ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::UploadOffset { .. } | ErrorCode::NoSuchUpload
    )
}
