//! The connection task: serves one connection at a time, and replaces it when it is lost.
//!
//! Requests come in over a bounded channel, each with a oneshot for its reply, and stay in
//! `in_flight` until answered. When a connection is lost they are sent again on the next one.
//! Reads, joins and leaves may be repeated, and a send carries its client id, so the server
//! stores it once. A change to a room (a kick, a rename) carries no such id: one whose reply
//! was lost with the connection may have been made, and its second try then fails (the
//! user is gone, the name is taken), while the room's history, caught up, shows what was
//! done. Requests made while disconnected wait in the channel, whose bound makes their
//! callers wait too.

use std::collections::BTreeMap;
use std::time::Duration;

use chat_proto::{
    ClientFrame, ErrorCode, ErrorReply, Request, RequestId, Response, ServerFrame, Target,
};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::connector::Connector;
use super::link::Link;
use super::{ClientError, ClientEvent};

/// How many requests may await replies at once; past it, the task stops taking requests,
/// so that callers wait in the bounded request channel. It matches the server's default
/// window, so that the server never stops reading a client that is itself waiting to write.
const MAX_IN_FLIGHT: usize = 256;

/// How long the client may send nothing before it pings. Well inside the server's idle
/// limit (two minutes by default), and it lets a dead connection be noticed even while only
/// listening.
const PING_INTERVAL: Duration = Duration::from_secs(30);

/// How long a request may go unanswered, with nothing else heard from the server either,
/// before the connection is presumed dead. TCP alone can take many minutes to notice a
/// server that vanished (a laptop lid closed, a NAT mapping forgotten).
const SILENCE_LIMIT: Duration = Duration::from_secs(30);

/// A request and where its reply goes.
pub struct Call {
    pub request: Request,
    pub reply_tx: oneshot::Sender<Result<Response, ClientError>>,
}

/// Orders for the task itself rather than for the server.
pub enum Control {
    /// Drop the connection as a network failure would; `done_tx` hears once it is down.
    DropConnection { done_tx: oneshot::Sender<()> },
}

/// What the task listens to besides the server.
pub struct Inbox {
    pub requests_rx: mpsc::Receiver<Call>,
    pub control_rx: mpsc::Receiver<Control>,
    pub shutdown: CancellationToken,
}

pub struct Task {
    inbox: Inbox,
    conn: Connector,
    /// Sent and not yet answered, by request id; ordered, so that a resend keeps the order
    /// in which the requests were made, and the first entry is the one waiting longest.
    in_flight: BTreeMap<u64, Sent>,
    /// When the server was last heard from on the current connection.
    last_heard: Instant,
    /// When the client last sent anything on the current connection.
    last_sent: Instant,
    /// The unanswered ping, by request id, and when it was sent.
    ping: Option<(u64, Instant)>,
}

/// A request on the wire.
struct Sent {
    call: Call,
    at: Instant,
}

/// Why serving a connection ended.
enum Ended {
    Shutdown,
    Lost(String),
    Dropped(oneshot::Sender<()>),
}

/// Why the task ends.
enum Stop {
    Shutdown,
    /// The server refused the login for good (wrong password, deleted account).
    Refused(ErrorReply),
}

/// One thing that happened while serving a connection.
enum Step {
    Control(Option<Control>),
    Frame(Result<ServerFrame, ClientError>),
    Call(Option<Call>),
    /// A request waited too long, and the server said nothing meanwhile.
    Silence,
    /// The client has been quiet for a while.
    Ping,
}

impl Task {
    pub fn new(inbox: Inbox, conn: Connector) -> Self {
        Self {
            inbox,
            conn,
            in_flight: BTreeMap::new(),
            last_heard: Instant::now(),
            last_sent: Instant::now(),
            ping: None,
        }
    }

    /// Runs until shut down, or until the server refuses the login for good.
    pub async fn run(mut self) {
        let shutdown = self.inbox.shutdown.clone();
        let stop = tokio::select! {
            biased;
            () = shutdown.cancelled() => Stop::Shutdown,
            stop = self.run_connections() => stop,
        };
        self.finish(stop).await;
    }

    async fn run_connections(&mut self) -> Stop {
        let mut link = match self.first_connection().await {
            Ok(link) => link,
            Err(stop) => return stop,
        };
        loop {
            let ended = self.serve(&mut link).await;
            drop(link);
            let reason = match ended {
                Ended::Shutdown => return Stop::Shutdown,
                Ended::Lost(reason) => reason,
                Ended::Dropped(done_tx) => {
                    let _ = done_tx.send(());
                    "connection dropped on request".to_owned()
                }
            };
            // The reason may quote the server: Debug escapes any control characters in it.
            tracing::info!(?reason, "connection lost");
            self.conn
                .sink
                .emit(ClientEvent::Disconnected { reason })
                .await;

            link = match self.reconnect().await {
                Ok(link) => link,
                Err(stop) => return stop,
            };
            tracing::info!("reconnected");
            self.conn.sink.emit(ClientEvent::Reconnected).await;
        }
    }

    /// The first connection: its failure goes back to `connect`, which has not returned yet.
    ///
    /// Only if `connect` was let go early, because the catch-up filled the event channel,
    /// is a failure treated as a lost connection.
    async fn first_connection(&mut self) -> Result<Link, Stop> {
        match self.conn.establish().await {
            Ok(link) => {
                self.conn.sink.ready(Ok(()));
                Ok(link)
            }
            Err(err) if self.conn.sink.connecting() => {
                self.conn.sink.ready(Err(err));
                Err(Stop::Shutdown)
            }
            Err(err) => {
                let reason = err.to_string();
                self.conn
                    .sink
                    .emit(ClientEvent::Disconnected { reason })
                    .await;
                let link = self.reconnect().await?;
                self.conn.sink.emit(ClientEvent::Reconnected).await;
                Ok(link)
            }
        }
    }

    /// Passes requests to the server and replies and events back, until the connection ends.
    async fn serve(&mut self, link: &mut Link) -> Ended {
        if let Err(err) = self.resend(link).await {
            return Ended::Lost(err.to_string());
        }
        self.last_heard = Instant::now();
        self.last_sent = Instant::now();
        self.ping = None;
        loop {
            let deadline = self.silence_deadline();
            // Frames before the deadline: a reply already received is not a silence.
            let step = tokio::select! {
                biased;
                control = self.inbox.control_rx.recv() => Step::Control(control),
                frame = link.next() => Step::Frame(frame),
                call = self.inbox.requests_rx.recv(), if self.in_flight.len() < MAX_IN_FLIGHT => {
                    Step::Call(call)
                }
                () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)),
                    if deadline.is_some() => Step::Silence,
                () = tokio::time::sleep_until(self.last_sent + PING_INTERVAL),
                    if self.ping.is_none() => Step::Ping,
            };
            let ended = match step {
                Step::Control(Some(Control::DropConnection { done_tx })) => {
                    Some(Ended::Dropped(done_tx))
                }
                // Every handle is gone: nobody can ask for anything any more.
                Step::Control(None) | Step::Call(None) => Some(Ended::Shutdown),
                Step::Frame(Ok(frame)) => {
                    self.last_heard = Instant::now();
                    self.on_frame(frame).await
                }
                Step::Frame(Err(err)) => Some(Ended::Lost(err.to_string())),
                Step::Call(Some(call)) => self.on_call(call, link).await,
                Step::Silence => Some(Ended::Lost("server stopped answering".into())),
                Step::Ping => self.send_ping(link).await,
            };
            if let Some(ended) = ended {
                return ended;
            }
        }
    }

    /// When the connection counts as dead if nothing is heard before: only while a request
    /// or a ping waits for its reply.
    fn silence_deadline(&self) -> Option<Instant> {
        let oldest_request = self.in_flight.first_key_value().map(|(_, sent)| sent.at);
        let waiting_since = match (oldest_request, self.ping.map(|(_, at)| at)) {
            (Some(request), Some(ping)) => request.min(ping),
            (one, other) => one.or(other)?,
        };
        Some(waiting_since.max(self.last_heard) + SILENCE_LIMIT)
    }

    /// Sends a ping, whose reply is only a sign of life.
    async fn send_ping(&mut self, link: &mut Link) -> Option<Ended> {
        let id = self.conn.next_id();
        let now = Instant::now();
        self.ping = Some((id.0, now));
        self.last_sent = now;
        let frame = ClientFrame::Request {
            id,
            request: Request::Ping,
        };
        link.send(frame)
            .await
            .err()
            .map(|err| Ended::Lost(err.to_string()))
    }

    /// Sends again what the previous connection left unanswered, oldest first.
    async fn resend(&mut self, link: &mut Link) -> Result<(), ClientError> {
        self.in_flight
            .retain(|_, sent| !sent.call.reply_tx.is_closed());
        for (&id, sent) in &mut self.in_flight {
            let frame = ClientFrame::Request {
                id: RequestId(id),
                request: sent.call.request.clone(),
            };
            sent.at = Instant::now();
            link.send(frame).await?;
        }
        Ok(())
    }

    async fn on_call(&mut self, call: Call, link: &mut Link) -> Option<Ended> {
        if call.reply_tx.is_closed() {
            return None;
        }
        let id = self.conn.next_id();
        let frame = ClientFrame::Request {
            id,
            request: call.request.clone(),
        };
        self.last_sent = Instant::now();
        // Recorded before sending, so that a failed send is retried on the next connection.
        self.in_flight.insert(
            id.0,
            Sent {
                call,
                at: Instant::now(),
            },
        );
        link.send(frame)
            .await
            .err()
            .map(|err| Ended::Lost(err.to_string()))
    }

    async fn on_frame(&mut self, frame: ServerFrame) -> Option<Ended> {
        match frame {
            ServerFrame::Reply { id, result } => {
                if let Ok(Response::Joined { room, latest }) = &result {
                    self.conn
                        .cursors
                        .start(Target::Room(room.name.clone()), *latest);
                }
                if self.ping.is_some_and(|(ping, _)| ping == id.0) {
                    self.ping = None;
                } else if let Some(sent) = self.in_flight.remove(&id.0) {
                    let _ = sent.call.reply_tx.send(result.map_err(ClientError::Server));
                } else {
                    tracing::debug!(id = id.0, "reply to no request");
                }
                None
            }
            ServerFrame::Event(event) => {
                self.conn.sink.event(&mut self.conn.cursors, event).await;
                None
            }
            ServerFrame::Closing(reply) => Some(Ended::Lost(format!(
                "server closed the connection: {reply}"
            ))),
            ServerFrame::Welcome(_) => Some(Ended::Lost("protocol error: a second welcome".into())),
        }
    }

    /// Tries to connect again, with backoff, until it works or the login is refused for good.
    async fn reconnect(&mut self) -> Result<Link, Stop> {
        let mut backoff = Backoff::new();
        loop {
            self.pause(backoff.next_delay()).await?;
            let attempt = tokio::select! {
                control = self.inbox.control_rx.recv() => match control {
                    // Dropping a connection still being set up is giving up this attempt.
                    Some(Control::DropConnection { done_tx }) => {
                        let _ = done_tx.send(());
                        continue;
                    }
                    None => return Err(Stop::Shutdown),
                },
                result = self.conn.establish() => result,
            };
            match attempt {
                Ok(link) => return Ok(link),
                Err(ClientError::Server(reply)) if refused_for_good(&reply) => {
                    return Err(Stop::Refused(reply));
                }
                Err(err) => tracing::info!(error = ?err.to_string(), "reconnect failed"),
            }
        }
    }

    /// Waits between attempts; there is no connection to drop meanwhile.
    async fn pause(&mut self, delay: std::time::Duration) -> Result<(), Stop> {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return Ok(()),
                control = self.inbox.control_rx.recv() => match control {
                    Some(Control::DropConnection { done_tx }) => {
                        let _ = done_tx.send(());
                    }
                    None => return Err(Stop::Shutdown),
                },
            }
        }
    }

    /// Fails whatever is pending, with the reason the task stops, and ends the event stream.
    async fn finish(mut self, stop: Stop) {
        let error = || match &stop {
            Stop::Shutdown => ClientError::Closed,
            Stop::Refused(reply) => ClientError::Server(reply.clone()),
        };
        for sent in std::mem::take(&mut self.in_flight).into_values() {
            let _ = sent.call.reply_tx.send(Err(error()));
        }
        self.inbox.requests_rx.close();
        while let Ok(call) = self.inbox.requests_rx.try_recv() {
            let _ = call.reply_tx.send(Err(error()));
        }

        if let Stop::Refused(reply) = stop {
            tracing::warn!(reason = ?reply.to_string(), "login refused; not reconnecting");
            let reason = reply.message;
            tokio::select! {
                () = self.inbox.shutdown.cancelled() => {}
                () = self.conn.sink.emit(ClientEvent::Disconnected { reason }) => {}
            }
        }
    }
}

/// Whether a login error means that trying again cannot help: the account or the server
/// says no, and will say it again.
fn refused_for_good(reply: &ErrorReply) -> bool {
    matches!(
        reply.code,
        ErrorCode::WrongPassword
            | ErrorCode::UnknownUser
            | ErrorCode::BadPassword
            | ErrorCode::UsernameTaken
            | ErrorCode::RegistrationClosed
            | ErrorCode::VersionMismatch { .. }
    )
}
