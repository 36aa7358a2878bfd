//! The sending side of a connection's bounded queue of encoded frames.

use bytes::Bytes;
use chat_proto::{ServerFrame, codec};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Where the hub and the connection's reader put frames for the connection's writer.
#[derive(Clone)]
pub struct Outbound {
    frames_tx: mpsc::Sender<Bytes>,
    /// Cancelled when the queue overflows: the client is too slow and must go.
    pub too_slow: CancellationToken,
}

impl Outbound {
    pub fn new(frames_tx: mpsc::Sender<Bytes>) -> Self {
        Self {
            frames_tx,
            too_slow: CancellationToken::new(),
        }
    }

    /// Queues a frame without waiting. The queue's bound is the connection's share of the
    /// server's memory; when it is full the client is marked too slow, and this frame and
    /// every later one are dropped. Nothing is lost: no frame follows the gap, the connection
    /// closes, and the client resumes from the last message it saw.
    pub fn push(&self, frame: Bytes) {
        if self.too_slow.is_cancelled() {
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(_)) = self.frames_tx.try_send(frame) {
            self.too_slow.cancel();
        }
    }

    /// Encodes and queues a frame meant for this connection alone.
    pub fn push_frame(&self, frame: &ServerFrame) -> Result<(), codec::CodecError> {
        self.push(codec::encode(frame)?);
        Ok(())
    }
}
