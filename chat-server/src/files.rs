//! The bytes of files, on disk under the files directory.
//!
//! - `uploads/<id>.part`: an unfinished upload, appended to in order as chunks arrive.
//! - `blobs/<aa>/<sha256>`: a finished file, named by its checksum, so that the same bytes
//!   sent twice are kept once.
//!
//! A partial file becomes a blob only once its SHA-256 matches the one announced, and only
//! by a rename after it is synced to disk: a server killed mid-upload leaves at most a
//! partial file, which the upload resumes from or which expires, never a blob that is not
//! whole. The checksum is computed as the chunks arrive; after a restart, from the partial
//! file's bytes when the upload continues.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chat_proto::{Sha256, UploadId};
use sha2::Digest;

/// Why a chunk or a finish was refused.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the upload continues at byte {expected}")]
    Offset { expected: u64 },
    #[error("more bytes than the upload announced")]
    TooLong,
    #[error("the upload has {received} of its {size} bytes")]
    Incomplete { received: u64, size: u64 },
    #[error("the bytes do not match the checksum")]
    Mismatch,
    #[error("the upload was finished, cancelled or expired")]
    Gone,
    #[error("file storage: {0}")]
    Io(#[from] io::Error),
}

/// Bytes written to a partial file between syncs. Left alone, the page cache would hold a
/// whole upload's bytes unwritten, and a commit's sync of the database (on ext4, in its
/// default data mode) waits for data written before it on the same disk: chat messages
/// would wait behind the file. Syncing as it goes keeps that wait short.
const SYNC_EVERY: u64 = 8 * 1024 * 1024;

/// An upload being received: its partial file, how much it holds, and the checksum so far.
struct Partial {
    file: File,
    received: u64,
    hasher: sha2::Sha256,
    /// Bytes written since the last sync.
    unsynced: u64,
}

/// The files directory.
pub struct Files {
    uploads: PathBuf,
    blobs: PathBuf,
    /// Uploads receiving chunks. Each has its own lock, so that writing one chunk does not
    /// hold up other uploads; the map's lock is held only to find it.
    partials: Mutex<HashMap<UploadId, Arc<tokio::sync::Mutex<Option<Partial>>>>>,
}

impl Files {
    pub fn open(dir: &Path) -> io::Result<Self> {
        let files = Self {
            uploads: dir.join("uploads"),
            blobs: dir.join("blobs"),
            partials: Mutex::default(),
        };
        fs::create_dir_all(&files.uploads)?;
        fs::create_dir_all(&files.blobs)?;
        Ok(files)
    }

    fn partial_path(&self, id: UploadId) -> PathBuf {
        self.uploads.join(format!("{}.part", id.0))
    }

    pub fn blob_path(&self, sha256: &Sha256) -> PathBuf {
        let hex = sha256.to_hex();
        self.blobs.join(&hex[..2]).join(hex)
    }

    pub fn has_blob(&self, sha256: &Sha256) -> bool {
        self.blob_path(sha256).is_file()
    }

    fn slot(&self, id: UploadId) -> Arc<tokio::sync::Mutex<Option<Partial>>> {
        let mut partials = self
            .partials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        partials.entry(id).or_default().clone()
    }

    fn forget(&self, id: UploadId) {
        self.partials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
    }

    /// How many bytes of the upload are on disk.
    pub async fn received(&self, id: UploadId) -> io::Result<u64> {
        let slot = self.slot(id);
        let partial = slot.lock().await;
        if let Some(partial) = partial.as_ref() {
            return Ok(partial.received);
        }
        match fs::metadata(self.partial_path(id)) {
            Ok(meta) => Ok(meta.len()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(err) => Err(err),
        }
    }

    /// Appends `data` at `offset`, which must be where the upload got to; bytes it has
    /// already are acknowledged and dropped. Answers how many bytes it now holds.
    ///
    /// The write runs on the blocking pool holding the upload's lock, which it gives back
    /// only when done: if the request is dropped meanwhile (its connection closed), the
    /// next chunk, perhaps from a client that reconnected, still starts after it.
    ///
    /// `wanted` says whether the upload still stands. It is asked under the lock, which
    /// discarding an upload's bytes takes too, and it must say no once a discard may have
    /// begun: then either the chunk is written before the bytes are deleted, or it finds
    /// the upload gone and writes nothing, rather than making its partial file again.
    pub async fn append(
        &self,
        id: UploadId,
        offset: u64,
        data: Bytes,
        size: u64,
        wanted: impl FnOnce() -> bool,
    ) -> Result<u64, FileError> {
        let mut slot = self.slot(id).lock_owned().await;
        if !wanted() {
            drop(slot);
            self.forget(id);
            return Err(FileError::Gone);
        }
        let path = self.partial_path(id);
        blocking(move || {
            let mut partial = match slot.take() {
                Some(partial) => partial,
                None => resume_partial(&path)?,
            };
            let end = offset.saturating_add(data.len() as u64);
            let result = if end <= partial.received {
                Ok(partial.received)
            } else if offset != partial.received {
                Err(FileError::Offset {
                    expected: partial.received,
                })
            } else if end > size {
                Err(FileError::TooLong)
            } else {
                write_chunk(&mut partial, &data).map(|()| partial.received)
            };
            // After a failed write, what reached the disk is unknown: the next chunk reads
            // the partial file back.
            if !matches!(result, Err(FileError::Io(_))) {
                *slot = Some(partial);
            }
            result
        })
        .await
    }

    /// Checks a complete upload against its checksum and makes it a blob; a mismatch
    /// discards its bytes.
    pub async fn finish(&self, id: UploadId, size: u64, sha256: Sha256) -> Result<(), FileError> {
        let slot = self.slot(id);
        let mut guard = slot.lock().await;
        let path = self.partial_path(id);
        let partial = if let Some(partial) = guard.take() {
            partial
        } else {
            let path = path.clone();
            blocking(move || resume_partial(&path).map_err(FileError::Io)).await?
        };
        if partial.received != size {
            let received = partial.received;
            *guard = Some(partial);
            return Err(FileError::Incomplete { received, size });
        }
        let blob = self.blob_path(&sha256);
        let outcome = blocking(move || seal(partial, &path, &blob, sha256)).await;
        drop(guard);
        self.forget(id);
        outcome
    }

    /// Deletes an upload's partial bytes.
    pub async fn discard(&self, id: UploadId) {
        let slot = self.slot(id);
        let mut guard = slot.lock().await;
        guard.take();
        let path = self.partial_path(id);
        if let Err(err) = fs::remove_file(&path)
            && err.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %err, "cannot delete a partial upload");
        }
        drop(guard);
        self.forget(id);
    }

    /// Deletes partial files of uploads that are not among `known`, left by a crash
    /// between forgetting an upload and deleting its bytes.
    pub fn remove_strays(&self, known: &[UploadId]) -> io::Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(&self.uploads)? {
            let path = entry?.path();
            let id = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .and_then(|stem| stem.parse().ok())
                .map(UploadId);
            if id.is_none_or(|id| !known.contains(&id)) {
                fs::remove_file(&path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Deletes blobs no file refers to any more (their rooms deleted), and answers how many.
    pub fn remove_unreferenced(&self, referenced: &HashSet<[u8; 32]>) -> io::Result<usize> {
        let mut removed = 0;
        for shard in fs::read_dir(&self.blobs)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for blob in fs::read_dir(&shard)? {
                let path = blob?.path();
                let digest = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .and_then(parse_hex);
                if digest.is_none_or(|digest| !referenced.contains(&digest)) {
                    fs::remove_file(&path)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Up to `len` bytes of a blob from `offset`; empty past its end.
    pub async fn read(&self, sha256: Sha256, offset: u64, len: usize) -> io::Result<Bytes> {
        let path = self.blob_path(&sha256);
        blocking(move || {
            let file = File::open(&path)?;
            let size = file.metadata()?.len();
            let len =
                usize::try_from(size.saturating_sub(offset)).map_or(len, |left| left.min(len));
            let mut buf = vec![0; len];
            file.read_exact_at(&mut buf, offset)?;
            Ok(Bytes::from(buf))
        })
        .await
    }
}

fn parse_hex(name: &str) -> Option<[u8; 32]> {
    let mut digest = [0; 32];
    hex::decode_to_slice(name, &mut digest).ok()?;
    Some(digest)
}

/// Writes a chunk at the end of a partial file, syncing every [`SYNC_EVERY`] bytes, and
/// hashes it.
fn write_chunk(partial: &mut Partial, data: &[u8]) -> Result<(), FileError> {
    partial.file.write_all(data)?;
    partial.hasher.update(data);
    partial.received += data.len() as u64;
    partial.unsynced += data.len() as u64;
    if partial.unsynced >= SYNC_EVERY {
        partial.unsynced = 0;
        partial.file.sync_data()?;
    }
    Ok(())
}

/// Opens a partial file to continue it, hashing what it already holds.
fn resume_partial(path: &Path) -> io::Result<Partial> {
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0; 1 << 16];
    let mut received = 0;
    loop {
        let read = file.read(&mut buf)?;
        if read == 0 {
            break;
        }
        hasher.update(&buf[..read]);
        received += read as u64;
    }
    Ok(Partial {
        file,
        received,
        hasher,
        unsynced: 0,
    })
}

/// Checks the checksum, syncs the partial file and renames it into place as a blob.
fn seal(partial: Partial, path: &Path, blob: &Path, sha256: Sha256) -> Result<(), FileError> {
    let digest: [u8; 32] = partial.hasher.finalize().into();
    if digest != sha256.0 {
        fs::remove_file(path)?;
        return Err(FileError::Mismatch);
    }
    if blob.is_file() {
        fs::remove_file(path)?;
        return Ok(());
    }
    partial.file.sync_all()?;
    let dir = blob.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    fs::rename(path, blob)?;
    File::open(dir)?.sync_all()?;
    Ok(())
}

async fn blocking<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<io::Error> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| E::from(io::Error::other(err)))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(bytes: &[u8]) -> Sha256 {
        Sha256(sha2::Sha256::digest(bytes).into())
    }

    #[tokio::test]
    async fn chunks_become_a_blob_only_when_whole_and_matching() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::open(dir.path()).unwrap();
        let id = UploadId(1);
        let content = b"hello, files";
        assert_eq!(
            files
                .append(id, 0, Bytes::from_static(b"hello"), 12, || true)
                .await
                .unwrap(),
            5
        );
        // A resent chunk is dropped; a gap is refused with where to continue.
        assert_eq!(
            files
                .append(id, 0, Bytes::from_static(b"hello"), 12, || true)
                .await
                .unwrap(),
            5
        );
        assert!(matches!(
            files
                .append(id, 7, Bytes::from_static(b"files"), 12, || true)
                .await,
            Err(FileError::Offset { expected: 5 })
        ));
        assert!(matches!(
            files.finish(id, 12, sha(content)).await,
            Err(FileError::Incomplete { received: 5, .. })
        ));
        assert!(!files.has_blob(&sha(content)));
        files
            .append(id, 5, Bytes::from_static(b", files"), 12, || true)
            .await
            .unwrap();
        files.finish(id, 12, sha(content)).await.unwrap();
        assert!(files.has_blob(&sha(content)));
        assert_eq!(
            &files.read(sha(content), 7, 100).await.unwrap()[..],
            b"files"
        );
        assert!(files.read(sha(content), 50, 10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_mismatch_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::open(dir.path()).unwrap();
        let id = UploadId(2);
        files
            .append(id, 0, Bytes::from_static(b"evil"), 4, || true)
            .await
            .unwrap();
        let claimed = sha(b"good");
        assert!(matches!(
            files.finish(id, 4, claimed).await,
            Err(FileError::Mismatch)
        ));
        assert!(!files.has_blob(&claimed));
        assert_eq!(files.received(id).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn an_upload_continues_after_a_restart_with_the_right_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let id = UploadId(3);
        {
            let files = Files::open(dir.path()).unwrap();
            files
                .append(id, 0, Bytes::from_static(b"first half "), 22, || true)
                .await
                .unwrap();
        }
        let files = Files::open(dir.path()).unwrap();
        assert_eq!(files.received(id).await.unwrap(), 11);
        files
            .append(id, 11, Bytes::from_static(b"second half"), 22, || true)
            .await
            .unwrap();
        files
            .finish(id, 22, sha(b"first half second half"))
            .await
            .unwrap();
        assert!(files.has_blob(&sha(b"first half second half")));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_dropped_halfway_is_whole_before_the_upload_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let files = Arc::new(Files::open(dir.path()).unwrap());
        let bytes: Vec<u8> = (0..24 << 20).map(|i: u32| (i % 251) as u8).collect();
        let size = bytes.len() as u64;
        for (round, id) in (0..5).map(|n| (n, UploadId(10 + n))) {
            let first = Bytes::copy_from_slice(&bytes[..16 << 20]);
            let writing = tokio::spawn({
                let files = Arc::clone(&files);
                async move { files.append(id, 0, first, size, || true).await }
            });
            // Dropped at a different point each round: before, during or after its write.
            tokio::time::sleep(std::time::Duration::from_millis(round * 3)).await;
            writing.abort();
            let from = files.received(id).await.unwrap();
            assert!(from == 0 || from == 16 << 20, "round {round}: {from}");
            let rest = Bytes::copy_from_slice(&bytes[from as usize..]);
            files.append(id, from, rest, size, || true).await.unwrap();
            files.finish(id, size, sha(&bytes)).await.unwrap();
        }
    }

    #[tokio::test]
    async fn blobs_nothing_refers_to_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::open(dir.path()).unwrap();
        for (id, content) in [(6, &b"kept"[..]), (7, &b"gone"[..])] {
            let size = content.len() as u64;
            files
                .append(
                    UploadId(id),
                    0,
                    Bytes::copy_from_slice(content),
                    size,
                    || true,
                )
                .await
                .unwrap();
            files
                .finish(UploadId(id), size, sha(content))
                .await
                .unwrap();
        }
        let referenced = HashSet::from([sha(b"kept").0]);
        assert_eq!(files.remove_unreferenced(&referenced).unwrap(), 1);
        assert!(files.has_blob(&sha(b"kept")));
        assert!(!files.has_blob(&sha(b"gone")));
    }

    #[tokio::test]
    async fn stray_partials_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::open(dir.path()).unwrap();
        files
            .append(UploadId(4), 0, Bytes::from_static(b"kept"), 4, || true)
            .await
            .unwrap();
        files
            .append(UploadId(5), 0, Bytes::from_static(b"stray"), 5, || true)
            .await
            .unwrap();
        assert_eq!(files.remove_strays(&[UploadId(4)]).unwrap(), 1);
        assert_eq!(files.received(UploadId(4)).await.unwrap(), 4);
    }
}
