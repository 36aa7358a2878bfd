//! The sending side of a connection's bounded queue of encoded frames.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use chat_proto::{ServerFrame, codec};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Most bytes queued for one connection: 32 of the largest file chunks. The queue is
/// bounded in frames too; this bound is what holds when the frames are large, so that a
/// client asking for many chunks without reading them cannot make the server hold them.
pub const MAX_QUEUED_BYTES: usize = 32 * chat_proto::MAX_CHUNK;

/// Where the hub and the connection's reader put frames for the connection's writer.
#[derive(Clone)]
pub struct Outbound {
    frames_tx: mpsc::Sender<Bytes>,
    /// Bytes in the queue; the writer takes off what it dequeues.
    queued: Arc<AtomicUsize>,
    /// Cancelled when the queue overflows: the client is too slow and must go.
    pub too_slow: CancellationToken,
}

impl Outbound {
    /// A queue's sending side, and the count of its bytes for the writer to decrease.
    pub fn new(frames_tx: mpsc::Sender<Bytes>) -> (Self, Arc<AtomicUsize>) {
        let queued = Arc::new(AtomicUsize::new(0));
        let outbound = Self {
            frames_tx,
            queued: queued.clone(),
            too_slow: CancellationToken::new(),
        };
        (outbound, queued)
    }

    /// Queues a frame without waiting. The queue's bounds are the connection's share of
    /// the server's memory; when either is reached the client is marked too slow, and this
    /// frame and every later one are dropped. Nothing is lost: no frame follows the gap, the
    /// connection closes, and the client resumes from the last message it saw.
    pub fn push(&self, frame: Bytes) {
        if self.too_slow.is_cancelled() {
            return;
        }
        let len = frame.len();
        if self.queued.fetch_add(len, Ordering::Relaxed) + len > MAX_QUEUED_BYTES {
            self.queued.fetch_sub(len, Ordering::Relaxed);
            self.too_slow.cancel();
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(_)) = self.frames_tx.try_send(frame) {
            self.queued.fetch_sub(len, Ordering::Relaxed);
            self.too_slow.cancel();
        }
    }

    /// Encodes and queues a frame meant for this connection alone.
    pub fn push_frame(&self, frame: &ServerFrame) -> Result<(), codec::CodecError> {
        self.push(codec::encode(frame)?);
        Ok(())
    }
}
