//! The outgoing side of the event stream, and the signal that the first connection is ready.

use chat_proto::{Event, Message, Target};
use tokio::sync::{mpsc, oneshot};

use super::resume::Cursors;
use super::{ClientError, ClientEvent};

/// Tells [`super::Client::connect`] how the first connection went.
pub type ReadySender = oneshot::Sender<Result<(), ClientError>>;

/// Hands events to the application, waiting for room in its bounded channel.
///
/// Waiting is the backpressure we want: a slow reader slows this client's reading of the
/// socket, and the server, which bounds its queues, eventually drops the connection, which
/// is then resumed. If the application dropped its receiver, events are discarded and the
/// client keeps working.
pub struct EventSink {
    events_tx: mpsc::Sender<ClientEvent>,
    /// Present until the first connection is ready or has failed.
    ready_tx: Option<ReadySender>,
}

impl EventSink {
    pub fn new(events_tx: mpsc::Sender<ClientEvent>, ready_tx: ReadySender) -> Self {
        Self {
            events_tx,
            ready_tx: Some(ready_tx),
        }
    }

    /// Whether `connect` is still waiting for the first connection.
    pub fn connecting(&self) -> bool {
        self.ready_tx.is_some()
    }

    /// Answers `connect`, if it is still waiting.
    pub fn ready(&mut self, result: Result<(), ClientError>) {
        if let Some(ready_tx) = self.ready_tx.take() {
            // A `connect` that was given up on stops the task through its drop guard.
            let _ = ready_tx.send(result);
        }
    }

    pub async fn emit(&mut self, event: ClientEvent) {
        if let Some(permit) = self.reserve().await {
            permit.send(event);
        }
    }

    /// Emits a message unless it was emitted already, moving its conversation's cursor.
    ///
    /// The slot is reserved before the cursor moves, so that cancelling this future never
    /// leaves a cursor past a message that was not handed over.
    pub async fn message(&mut self, cursors: &mut Cursors, message: Message) {
        self.news(message, |message| cursors.observe(message)).await;
    }

    /// Emits a removal listed with the session unless it is old news: see
    /// [`Cursors::removal`]. It goes out as a live message would, `history` false, so that
    /// the application takes the user out of the room and says who did it and why.
    pub async fn removal(&mut self, cursors: &mut Cursors, message: Message) {
        self.news(message, |message| cursors.removal(message)).await;
    }

    /// Emits a message if `record`, which moves the cursors, finds it new.
    async fn news(&mut self, message: Message, record: impl FnOnce(&Message) -> Option<Target>) {
        let permit = self.reserve().await;
        if let (Some(conversation), Some(permit)) = (record(&message), permit) {
            permit.send(ClientEvent::Message {
                message,
                conversation,
                history: false,
            });
        }
    }

    /// Emits a live event from the server, keeping the cursors in step with the rooms the
    /// user is in.
    ///
    /// Joins and parts in a room the user was removed from are dropped: the server says
    /// nothing more of such a room, and a late word of it must not bring it back.
    pub async fn event(&mut self, cursors: &mut Cursors, event: Event) {
        let event = match event {
            Event::Message(message) => return self.message(cursors, message).await,
            Event::Joined { room, user } => {
                if cursors.is_me(&user) {
                    cursors.rejoined(&room);
                } else if cursors.removed_from(&room) {
                    return;
                }
                ClientEvent::Joined { room, user }
            }
            Event::Left { room, .. } if cursors.removed_from(&room) => return,
            Event::Left { room, user } => ClientEvent::Left { room, user },
            Event::Presence { user, online } => ClientEvent::Presence { user, online },
            Event::Invited(invitation) => ClientEvent::Invited(invitation),
            Event::RoomDeleted { room, by } => {
                cursors.forget(&room);
                ClientEvent::RoomDeleted { room, by }
            }
        };
        self.emit(event).await;
    }

    /// A slot in the channel, or `None` when nobody listens any more.
    ///
    /// While `connect` has not returned, nobody can drain the channel yet; if it is full,
    /// `connect` is told to return now, so that a long catch-up cannot deadlock it.
    async fn reserve(&mut self) -> Option<mpsc::Permit<'_, ClientEvent>> {
        if self.ready_tx.is_some() && self.events_tx.capacity() == 0 {
            self.ready(Ok(()));
        }
        self.events_tx.reserve().await.ok()
    }
}
