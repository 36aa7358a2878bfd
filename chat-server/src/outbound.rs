//! A connection's bounded queue of encoded frames: the hub and the connection's reader put
//! frames in ([`Outbound`]), the connection's writer takes them out ([`Queue`]).
//!
//! A deque under a lock rather than a channel: an idle connection's queue holds no buffer
//! at all (a channel keeps a block of slots for as long as it lives, a kilobyte here), and
//! most of the server's connections are idle.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use chat_proto::{ServerFrame, codec};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Most bytes queued for one connection: 32 of the largest file chunks. The queue is
/// bounded in frames too; this bound is what holds when the frames are large, so that a
/// client asking for many chunks without reading them cannot make the server hold them.
pub const MAX_QUEUED_BYTES: usize = 32 * chat_proto::MAX_CHUNK;

/// Where the hub and the connection's reader put frames for the connection's writer.
#[derive(Clone)]
pub struct Outbound {
    queue: Arc<Queue>,
    /// Cancelled when the queue overflows: the client is too slow and must go.
    pub too_slow: CancellationToken,
}

/// The frames waiting for the writer.
pub struct Queue {
    waiting: Mutex<Waiting>,
    /// Wakes the writer; a wake-up given while it is busy is kept for its next wait.
    wake: Notify,
    max_frames: usize,
}

#[derive(Default)]
struct Waiting {
    frames: VecDeque<Bytes>,
    bytes: usize,
    /// No frame is taken any more; the writer ends once the queue is empty.
    closed: bool,
}

impl Outbound {
    /// A queue of at most `max_frames` frames and [`MAX_QUEUED_BYTES`] bytes: its sending
    /// side, and the writer's.
    pub fn new(max_frames: usize) -> (Self, Arc<Queue>) {
        let queue = Arc::new(Queue {
            waiting: Mutex::default(),
            wake: Notify::new(),
            max_frames,
        });
        let outbound = Self {
            queue: Arc::clone(&queue),
            too_slow: CancellationToken::new(),
        };
        (outbound, queue)
    }

    /// Queues a frame without waiting. The queue's bounds are the connection's share of
    /// the server's memory; when either is reached the client is marked too slow, and this
    /// frame and every later one are dropped. Nothing is lost: no frame follows the gap, the
    /// connection closes, and the client resumes from the last message it saw.
    pub fn push(&self, frame: Bytes) {
        if self.too_slow.is_cancelled() {
            return;
        }
        {
            let mut waiting = self.queue.lock();
            if waiting.closed {
                return;
            }
            let full = waiting.frames.len() >= self.queue.max_frames
                || waiting.bytes + frame.len() > MAX_QUEUED_BYTES;
            if full {
                drop(waiting);
                self.too_slow.cancel();
                return;
            }
            waiting.bytes += frame.len();
            waiting.frames.push_back(frame);
        }
        self.queue.wake.notify_one();
    }

    /// Takes no more frames: the writer sends what is queued, then ends.
    pub fn close(&self) {
        self.queue.close();
    }

    /// Encodes and queues a frame meant for this connection alone.
    pub fn push_frame(&self, frame: &ServerFrame) -> Result<(), codec::CodecError> {
        self.push(codec::encode(frame)?);
        Ok(())
    }
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next frame, waiting for one; `None` once the queue is closed and empty.
    pub async fn recv(&self) -> Option<Bytes> {
        loop {
            {
                let mut waiting = self.lock();
                if let Some(frame) = waiting.take() {
                    return Some(frame);
                }
                if waiting.closed {
                    return None;
                }
                // Going idle: give the buffer back, so that a quiet connection holds none.
                waiting.frames = VecDeque::new();
            }
            self.wake.notified().await;
        }
    }

    /// The next frame if there is one now.
    pub fn try_recv(&self) -> Option<Bytes> {
        self.lock().take()
    }

    /// Takes no more frames: the writer sends what is queued, then ends.
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    /// Takes no more frames and drops those queued: the writer cannot send them.
    pub fn abandon(&self) {
        let mut waiting = self.lock();
        waiting.closed = true;
        waiting.frames = VecDeque::new();
        waiting.bytes = 0;
    }
}

impl Waiting {
    fn take(&mut self) -> Option<Bytes> {
        let frame = self.frames.pop_front()?;
        self.bytes -= frame.len();
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_come_out_in_order_until_the_queue_is_closed_and_empty() {
        let (outbound, queue) = Outbound::new(8);
        outbound.push(Bytes::from_static(b"one"));
        outbound.push(Bytes::from_static(b"two"));
        let writer = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move {
                let mut got = Vec::new();
                while let Some(frame) = queue.recv().await {
                    got.push(frame);
                }
                got
            }
        });
        tokio::task::yield_now().await;
        outbound.push(Bytes::from_static(b"three"));
        queue.close();
        outbound.push(Bytes::from_static(b"after the close"));
        let got = writer.await.unwrap();
        assert_eq!(got, [&b"one"[..], b"two", b"three"].map(Bytes::from_static));
        assert!(!outbound.too_slow.is_cancelled());
    }

    #[test]
    fn too_many_frames_or_bytes_mark_the_client_too_slow_and_drop_the_rest() {
        let (outbound, queue) = Outbound::new(2);
        for _ in 0..3 {
            outbound.push(Bytes::from_static(b"x"));
        }
        assert!(outbound.too_slow.is_cancelled());
        outbound.push(Bytes::from_static(b"y"));
        assert_eq!(queue.try_recv(), Some(Bytes::from_static(b"x")));
        assert_eq!(queue.try_recv(), Some(Bytes::from_static(b"x")));
        assert_eq!(queue.try_recv(), None);

        let (outbound, queue) = Outbound::new(1000);
        let chunk = Bytes::from(vec![0; chat_proto::MAX_CHUNK]);
        for _ in 0..=MAX_QUEUED_BYTES / chat_proto::MAX_CHUNK {
            outbound.push(chunk.clone());
        }
        assert!(outbound.too_slow.is_cancelled());
        assert_eq!(queue.lock().bytes, MAX_QUEUED_BYTES);
    }
}
