//! Requests about files: uploading in chunks, posting, and downloading.
//!
//! Whoever may send to a conversation may upload to it, and whoever may read it may
//! download its files, by the same checks as messages ([`crate::permissions`]). Sizes and
//! the sender's quota are checked when the upload starts, before any byte is sent.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chat_proto::files::{MAX_FILE_NAME_LEN, MAX_MEDIA_TYPE_LEN};
use chat_proto::{
    Chunk, ClientMsgId, ErrorCode, ErrorReply, FileId, FileInfo, MAX_CHUNK, Message, Response,
    Sha256, Target, UploadId,
};

use crate::files::FileError;
use crate::permissions::Action;
use crate::requests::{Started, destination, done};
use crate::session::LoggedIn;
use crate::shared::Shared;
use crate::store::{StartUpload, StoreError, UploadRow};

const MIB: u64 = 1024 * 1024;

impl From<FileError> for ErrorReply {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Offset { expected } => ErrorCode::UploadOffset { expected }.into(),
            FileError::TooLong => {
                ErrorReply::new(ErrorCode::InvalidRequest, "more bytes than announced")
            }
            FileError::Incomplete { .. } => {
                ErrorReply::new(ErrorCode::InvalidRequest, err.to_string())
            }
            FileError::Mismatch => ErrorCode::ChecksumMismatch.into(),
            FileError::Gone => ErrorCode::NoSuchUpload.into(),
            FileError::Io(err) => {
                tracing::error!(error = %err, "file storage failed");
                if err.raw_os_error() == Some(28) {
                    ErrorCode::StorageFull.into()
                } else {
                    ErrorCode::Internal.into()
                }
            }
        }
    }
}

/// A name to show, not a path: one line of printable text.
fn check_name(name: &str, media_type: &str) -> Result<(), ErrorReply> {
    let invalid = |why: &str| Err(ErrorReply::new(ErrorCode::InvalidRequest, why));
    if name.trim().is_empty() || name.len() > MAX_FILE_NAME_LEN {
        return invalid("a file name has 1 to 255 bytes");
    }
    if name.chars().any(char::is_control) {
        return invalid("a file name has no control characters");
    }
    if media_type.len() > MAX_MEDIA_TYPE_LEN || media_type.chars().any(|c| !c.is_ascii_graphic()) {
        return invalid("a media type is up to 100 printable ASCII characters");
    }
    Ok(())
}

pub struct Announced {
    pub to: Target,
    pub client_id: ClientMsgId,
    pub name: String,
    pub size: u64,
    pub media_type: String,
    pub sha256: Sha256,
}

pub async fn start(shared: &Arc<Shared>, session: &LoggedIn, file: Announced) -> Started {
    shared.rate.message(&session.name)?;
    check_name(&file.name, &file.media_type)?;
    let limits = &shared.config.limits;
    let destination = destination(shared, session, file.to, Action::Send).await?;
    let ticket = shared
        .store
        .start_upload(StartUpload {
            user: session.id,
            destination,
            client_id: file.client_id,
            name: file.name,
            size: file.size,
            media_type: file.media_type,
            sha256: file.sha256,
            max_file: limits.max_file_mib.saturating_mul(MIB),
            quota: limits.storage_quota_mib.saturating_mul(MIB),
        })
        .await?;
    let shared = shared.clone();
    Ok(Box::pin(async move {
        let upload = ticket.wait().await?;
        shared.uploads.remember(&upload);
        // Bytes the server keeps already need not travel again.
        let stored = shared.files.has_blob(&upload.sha256)
            && shared
                .store
                .known_content(upload.sha256, upload.size)
                .await?;
        let received = if stored {
            upload.size
        } else {
            shared
                .files
                .received(upload.id)
                .await
                .map_err(FileError::Io)?
        };
        Ok(Response::Upload {
            upload: upload.id,
            received,
        })
    }))
}

/// Unfinished uploads as the database has them, kept at hand so that a chunk costs no
/// database read: an upload of a gigabyte is eight thousand chunks. An entry goes when its
/// upload is finished, cancelled or expired; there are at most a few per user.
#[derive(Default)]
pub struct Unfinished {
    state: Mutex<UnfinishedState>,
}

#[derive(Default)]
struct UnfinishedState {
    rows: HashMap<UploadId, UploadRow>,
    /// Uploads ended since the last sweep of expired ones. A lookup that read the database
    /// just before one ended must not bring it back, and an upload never resumes once
    /// ended; the hourly sweep clears this, long after any such lookup.
    ended: HashSet<UploadId>,
}

impl Unfinished {
    fn state(&self) -> std::sync::MutexGuard<'_, UnfinishedState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, id: UploadId) -> Option<UploadRow> {
        self.state().rows.get(&id).cloned()
    }

    fn remember(&self, upload: &UploadRow) {
        let mut state = self.state();
        if !state.ended.contains(&upload.id) {
            state.rows.insert(upload.id, upload.clone());
        }
    }

    fn forget(&self, id: UploadId) {
        let mut state = self.state();
        state.rows.remove(&id);
        state.ended.insert(id);
    }

    fn knows(&self, id: UploadId) -> bool {
        self.state().rows.contains_key(&id)
    }

    fn clear_ended(&self) {
        self.state().ended.clear();
    }
}

/// The caller's own upload.
async fn own_upload(
    shared: &Shared,
    session: &LoggedIn,
    id: UploadId,
) -> Result<UploadRow, ErrorReply> {
    let known = shared.uploads.get(id);
    let upload = match known {
        Some(upload) => Some(upload),
        None => shared.store.upload(id).await?,
    };
    match upload {
        Some(upload) if upload.user == session.id => {
            shared.uploads.remember(&upload);
            Ok(upload)
        }
        _ => Err(ErrorCode::NoSuchUpload.into()),
    }
}

pub async fn chunk(
    shared: &Arc<Shared>,
    session: &LoggedIn,
    id: UploadId,
    offset: u64,
    data: Chunk,
) -> Started {
    if data.0.len() > MAX_CHUNK {
        return Err(ErrorReply::new(
            ErrorCode::InvalidRequest,
            format!("a chunk is at most {MAX_CHUNK} bytes"),
        ));
    }
    let upload = own_upload(shared, session, id).await?;
    // Written when the reply is awaited: the connection writes its chunks one after
    // another while it reads on.
    let shared = Arc::clone(shared);
    Ok(Box::pin(async move {
        // Finished, cancelled or expired while the chunk waited its turn, the upload is
        // forgotten before its bytes are discarded: writing the chunk then would bring
        // its partial file back.
        let still_known = || shared.uploads.knows(id);
        let files = &shared.files;
        files
            .append(id, offset, data.0, upload.size, still_known)
            .await?;
        Ok(Response::Done)
    }))
}

pub async fn finish(shared: &Arc<Shared>, session: &LoggedIn, id: UploadId) -> Started {
    let upload = own_upload(shared, session, id).await?;
    let stored = shared.files.has_blob(&upload.sha256)
        && shared
            .store
            .known_content(upload.sha256, upload.size)
            .await?;
    if stored {
        shared.files.discard(id).await;
    } else if let Err(err) = shared.files.finish(id, upload.size, upload.sha256).await {
        if matches!(err, FileError::Mismatch) {
            tracing::warn!(upload = id.0, "upload did not match its checksum");
            shared.uploads.forget(id);
            shared.store.drop_upload(id).await?.wait().await?;
        }
        return Err(err.into());
    }
    shared.uploads.forget(id);
    let ticket = shared.store.post_file(upload, session.name.clone()).await?;
    Ok(Box::pin(async move {
        let appended = ticket.wait().await?;
        let Message { id, ts_ms, .. } = appended.message;
        Ok(Response::Sent {
            id,
            ts_ms,
            duplicate: appended.duplicate,
        })
    }))
}

pub async fn cancel(shared: &Arc<Shared>, session: &LoggedIn, id: UploadId) -> Started {
    own_upload(shared, session, id).await?;
    shared.uploads.forget(id);
    shared.store.drop_upload(id).await?.wait().await?;
    shared.files.discard(id).await;
    Ok(done(Response::Done))
}

/// The file, when the caller may read the conversation it was posted to.
async fn readable(shared: &Shared, session: &LoggedIn, id: FileId) -> Result<FileInfo, ErrorReply> {
    let file = shared.store.file(id).await?.ok_or(ErrorCode::NoSuchFile)?;
    match (&file.room, file.people) {
        (Some(room), _) => {
            shared.hub.access(room, &session.name, Action::Read)?;
        }
        (None, (a, b)) if a == Some(session.id) || b == Some(session.id) => {}
        (None, _) => {
            return Err(ErrorReply::new(
                ErrorCode::Forbidden,
                "only the two people of a direct conversation read its files",
            ));
        }
    }
    Ok(file.info)
}

pub async fn info(shared: &Arc<Shared>, session: &LoggedIn, id: FileId) -> Started {
    let info = readable(shared, session, id).await?;
    Ok(done(Response::File(info)))
}

pub async fn download(
    shared: &Arc<Shared>,
    session: &LoggedIn,
    id: FileId,
    offset: u64,
    len: u32,
) -> Started {
    let info = readable(shared, session, id).await?;
    let len = usize::try_from(len).unwrap_or(MAX_CHUNK).min(MAX_CHUNK);
    let shared = shared.clone();
    Ok(Box::pin(async move {
        let bytes = shared
            .files
            .read(info.sha256, offset, len)
            .await
            .map_err(FileError::Io)?;
        Ok(Response::Chunk(Chunk(bytes)))
    }))
}

/// Forgets uploads older than the expiry, with their bytes; run at start and hourly.
pub async fn expire(shared: &Shared) -> Result<usize, StoreError> {
    let hours = i64::try_from(shared.config.limits.upload_expiry_hours).unwrap_or(i64::MAX);
    let before = crate::store::now_ms().saturating_sub(hours.saturating_mul(3_600_000));
    shared.uploads.clear_ended();
    let expired = shared.store.expire_uploads(before).await?.wait().await?;
    for id in &expired {
        shared.uploads.forget(*id);
        shared.files.discard(*id).await;
    }
    Ok(expired.len())
}
