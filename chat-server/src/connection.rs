//! One client connection: a reader that handles requests and a writer that drains the
//! connection's bounded queue of encoded frames.
//!
//! The reader stops only between whole frames. It closes the connection, after a last
//! [`ServerFrame::Closing`] frame saying why, when the peer sends a frame that is too large
//! or does not decode, when the client falls too far behind, when it does not log in in
//! time, and when the server shuts down.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_proto::codec::{self, CodecError, ServerReader, ServerWriter};
use chat_proto::{
    ClientFrame, ErrorCode, ErrorReply, PROTOCOL_VERSION, Request, RequestId, Response,
    ServerFrame, Welcome,
};
use futures::future::{self, FutureExt};
use futures::stream::FuturesUnordered;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::outbound::{Outbound, Queue};
use crate::requests::{self, Reply};
use crate::session::{self, LoggedIn};
use crate::shared::Shared;

/// Most frames coalesced into one flush, so one busy connection still yields to others.
const MAX_FRAMES_PER_FLUSH: usize = 256;

/// How long a closing connection may take to send what it has queued.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a connection the server closed waits, once all is sent, for the client to
/// close its side.
const LINGER_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves one connection, given as its reading and writing halves, until it closes.
pub async fn serve<R, W>(
    shared: Arc<Shared>,
    read: R,
    write: W,
    peer: SocketAddr,
    shutdown: CancellationToken,
) where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (last_tx, last_rx) = oneshot::channel();
    let write_failed = CancellationToken::new();
    let (outbound, queue) = Outbound::new(shared.config.limits.outbound_queue);
    // However this future ends, even dropped at shutdown, the writer is let go.
    let _closes_queue = CloseOnDrop(Arc::clone(&queue));
    let writer = tokio::spawn(write_loop(
        codec::server_writer(write),
        queue,
        last_rx,
        write_failed.clone(),
    ));

    let mut connection = Connection {
        shared,
        peer: peer.ip(),
        outbound,
        session: None,
        in_flight: FuturesUnordered::new(),
        queued_chunks: 0,
        last_send: None,
        last_chunk: None,
        write_failed,
    };
    let mut reader = codec::server_reader(read, connection.shared.config.limits.max_frame_len);
    let reason = connection.run(&mut reader, &shutdown).await;
    let closed_by_us = reason.is_some();
    // Boxed, as is the lingering: logging out takes a large future, and this one would
    // otherwise keep room for it while the connection is open.
    let finishing = Box::pin(connection.finish(reason, last_tx, writer));
    if closed_by_us {
        Box::pin(linger(reader, finishing)).await;
    } else {
        finishing.await;
    }
}

/// Keeps reading, and dropping, what the client sends while the last frames go out, and
/// for a moment after. Closing a socket with input left unread makes the kernel reset the
/// connection, and the client would lose the frames still on their way: the reason for
/// closing among them.
async fn linger<R: AsyncRead + Unpin>(
    mut frames: ServerReader<R>,
    finishing: impl Future<Output = ()>,
) {
    let discard = async { while let Some(Ok(_)) = frames.next().await {} };
    tokio::pin!(finishing, discard);
    tokio::select! {
        () = &mut finishing => {}
        () = &mut discard => return finishing.await,
    }
    let _ = tokio::time::timeout(LINGER_TIMEOUT, discard).await;
}

/// The reading side of one connection and what it knows: who is logged in, which requests
/// await their replies, and whether the writer has failed.
struct Connection {
    shared: Arc<Shared>,
    /// The client's address, for the per-address login limit.
    peer: IpAddr,
    outbound: Outbound,
    session: Option<Arc<LoggedIn>>,
    /// Requests whose replies are pending, bounded by `requests_in_flight`.
    in_flight: FuturesUnordered<futures::future::BoxFuture<'static, Answered>>,
    /// Upload chunks among them, bounded by [`MAX_QUEUED_CHUNKS`]: each holds its bytes
    /// until its turn to be written.
    queued_chunks: usize,
    /// Cancelled by the writer when the socket fails, so that reading stops too.
    write_failed: CancellationToken,
    /// Resolves once the last send this connection queued is committed (or has failed).
    /// Reads wait for it, so that a client always reads its own writes: `hello` then
    /// `/history` shows `hello`. Sends commit in queue order, so the last one stands for
    /// all before it.
    last_send: Option<future::Shared<oneshot::Receiver<()>>>,
    /// Resolves once the last upload chunk this connection queued is written (or has
    /// failed). The next chunk is written after it, and the upload requests that follow
    /// (start, finish, cancel) wait for it, so that `FinishUpload` finds every byte sent
    /// before it.
    last_chunk: Option<future::Shared<oneshot::Receiver<()>>>,
}

/// Most upload chunks one connection has waiting to be written; it reads no further frames
/// until one is. Twice the client's window, so that an upload never waits on it.
const MAX_QUEUED_CHUNKS: usize = 16;

/// A request's reply, ready to send.
struct Answered {
    id: RequestId,
    result: Result<Response, ErrorReply>,
    /// It was an upload chunk's.
    chunk: bool,
}

impl Answered {
    fn request(id: RequestId, result: Result<Response, ErrorReply>) -> Self {
        Self {
            id,
            result,
            chunk: false,
        }
    }

    fn chunk(id: RequestId, result: Result<Response, ErrorReply>) -> Self {
        Self {
            id,
            result,
            chunk: true,
        }
    }
}

/// Whether a request needs every chunk queued before it written first: finishing or
/// cancelling an upload, or asking where one stands.
fn ends_or_restarts_an_upload(request: &Request) -> bool {
    matches!(
        request,
        Request::StartUpload { .. } | Request::FinishUpload { .. } | Request::CancelUpload { .. }
    )
}

/// How a request is scheduled against the others of its connection.
enum Kind {
    /// Changes a room or an upload; completes before the next request starts, so that
    /// what follows sees it.
    Membership,
    /// An upload's bytes: written one chunk after another, in order, while the frames
    /// after it are read and decrypted.
    Chunk,
    /// Queued in order; later reads wait for its commit.
    Send,
    /// Runs alongside others, after the sends queued before it.
    Read,
}

impl Kind {
    fn of(request: &Request) -> Self {
        match request {
            Request::Join { .. }
            | Request::Create { .. }
            | Request::Accept { .. }
            | Request::Decline { .. }
            | Request::Leave { .. }
            | Request::Invite { .. }
            | Request::Kick { .. }
            | Request::Ban { .. }
            | Request::Unban { .. }
            | Request::SetRole { .. }
            | Request::Rename { .. }
            | Request::SetTopic { .. }
            | Request::Delete { .. }
            | Request::StartUpload { .. }
            | Request::FinishUpload { .. }
            | Request::CancelUpload { .. } => Self::Membership,
            Request::UploadChunk { .. } => Self::Chunk,
            Request::Send { .. } => Self::Send,
            _ => Self::Read,
        }
    }
}

impl Connection {
    /// Reads and handles frames; returns why the server closes the connection, or `None`
    /// when the peer went away.
    async fn run<R: AsyncRead + Unpin>(
        &mut self,
        frames: &mut ServerReader<R>,
        shutdown: &CancellationToken,
    ) -> Option<ErrorReply> {
        let greeted = tokio::select! {
            () = shutdown.cancelled() => Err(Some(ErrorCode::ShuttingDown.into())),
            greeted = self.greet(frames) => greeted,
        };
        if let Err(reason) = greeted {
            return reason;
        }
        let limits = &self.shared.config.limits;
        let max_in_flight = limits.requests_in_flight;
        let idle_limit = Duration::from_secs(limits.idle_timeout_s);
        let login_deadline = tokio::time::sleep(Duration::from_secs(limits.login_timeout_s));
        let idle_deadline = tokio::time::sleep(idle_limit);
        tokio::pin!(login_deadline, idle_deadline);
        loop {
            let frame = tokio::select! {
                biased;
                () = shutdown.cancelled() => return Some(ErrorCode::ShuttingDown.into()),
                () = self.outbound.too_slow.cancelled() => return Some(ErrorCode::TooSlow.into()),
                () = self.write_failed.cancelled() => return None,
                () = &mut login_deadline, if self.session.is_none() => {
                    return Some(ErrorReply::new(ErrorCode::NotLoggedIn, "login timed out"));
                }
                () = &mut idle_deadline => return Some(ErrorCode::Idle.into()),
                Some(answered) = self.in_flight.next() => {
                    self.answer(answered);
                    self.release_buffer_if_quiet(frames);
                    continue;
                }
                frame = frames.next(), if self.in_flight.len() < max_in_flight
                    && self.queued_chunks < MAX_QUEUED_CHUNKS => frame,
            };
            idle_deadline
                .as_mut()
                .reset(tokio::time::Instant::now() + idle_limit);
            match frame {
                None => return None,
                Some(Err(err)) => return self.refusal(CodecError::classify(err)),
                Some(Ok(ClientFrame::Hello(_))) => {
                    return Some(ErrorReply::new(ErrorCode::BadFrame, "hello sent twice"));
                }
                // Boxed: the request's own future lives only while it starts, and an idle
                // connection should not keep room for the largest one.
                Some(Ok(ClientFrame::Request { id, request })) => {
                    Box::pin(self.begin(id, request)).await;
                    self.release_buffer_if_quiet(frames);
                }
            }
        }
    }

    /// Lets go of the read buffer once every request has its reply, so that a quiet
    /// connection keeps none. Not while requests are pending: a client streaming an
    /// upload would take a new buffer the size of a chunk for every chunk.
    fn release_buffer_if_quiet<R>(&self, frames: &mut ServerReader<R>) {
        if self.in_flight.is_empty() {
            codec::release_read_buffer(frames);
        }
    }

    /// Waits for the client's hello and answers it.
    async fn greet<R: AsyncRead + Unpin>(
        &mut self,
        frames: &mut ServerReader<R>,
    ) -> Result<(), Option<ErrorReply>> {
        let timeout = Duration::from_secs(self.shared.config.limits.handshake_timeout_s);
        let hello = match tokio::time::timeout(timeout, frames.next()).await {
            Err(_) => {
                return Err(Some(ErrorReply::new(
                    ErrorCode::BadFrame,
                    "no hello in time",
                )));
            }
            Ok(None) => return Err(None),
            Ok(Some(Err(err))) => return Err(self.refusal(CodecError::classify(err))),
            Ok(Some(Ok(ClientFrame::Hello(hello)))) => hello,
            Ok(Some(Ok(ClientFrame::Request { .. }))) => {
                return Err(Some(ErrorReply::new(
                    ErrorCode::BadFrame,
                    "expected a hello first",
                )));
            }
        };
        if hello.version != PROTOCOL_VERSION {
            let code = ErrorCode::VersionMismatch {
                server: PROTOCOL_VERSION,
                client: hello.version,
            };
            return Err(Some(code.into()));
        }
        tracing::debug!(client = %hello.client, "hello");
        let welcome = ServerFrame::Welcome(Welcome {
            version: PROTOCOL_VERSION,
            server: format!("chat-server/{}", env!("CARGO_PKG_VERSION")),
            registration_open: self.shared.config.registration_open,
        });
        self.outbound.push_frame(&welcome).map_err(|err| {
            tracing::error!(error = %err, "cannot encode the welcome");
            Some(ErrorCode::Internal.into())
        })
    }

    /// Starts a request. Logins complete here, since they change the connection's state;
    /// other requests are queued in order (so that a client's sends commit in the order it
    /// sent them) and their replies awaited alongside further reading.
    async fn begin(&mut self, id: RequestId, request: Request) {
        tracing::debug!(request = request_name(&request), "request");
        match (&self.session, request) {
            (Some(_), Request::Register { .. } | Request::Login { .. }) => {
                self.reply(id, Err(ErrorCode::AlreadyLoggedIn.into()));
            }
            (None, request @ (Request::Register { .. } | Request::Login { .. })) => {
                match session::log_in(&self.shared, request, &self.outbound, self.peer).await {
                    Ok((logged_in, response)) => {
                        tracing::Span::current().record("user", logged_in.name.as_str());
                        tracing::info!("logged in");
                        self.session = Some(Arc::new(logged_in));
                        self.reply(id, Ok(response));
                    }
                    Err(err) => self.reply(id, Err(err)),
                }
            }
            (None, _) => self.reply(id, Err(ErrorCode::NotLoggedIn.into())),
            (Some(session), request) => {
                let kind = Kind::of(&request);
                let session = Arc::clone(session);
                if ends_or_restarts_an_upload(&request) {
                    self.chunks_written().await;
                }
                let reply: Reply = requests::begin(&self.shared, &session, request).await;
                match kind {
                    // The requests after it are authorised against the membership it sets,
                    // so it completes before they start: `/join #new` then `hello` works.
                    Kind::Membership => {
                        let result = reply.await;
                        self.reply(id, result);
                    }
                    Kind::Chunk => {
                        let (written_tx, written_rx) = oneshot::channel();
                        let previous = self.last_chunk.replace(written_rx.shared());
                        self.queued_chunks += 1;
                        self.in_flight.push(Box::pin(async move {
                            if let Some(previous) = previous {
                                let _ = previous.await;
                            }
                            let result = reply.await;
                            let _ = written_tx.send(());
                            Answered::chunk(id, result)
                        }));
                    }
                    Kind::Send => {
                        let (committed_tx, committed_rx) = oneshot::channel();
                        self.last_send = Some(committed_rx.shared());
                        self.in_flight.push(Box::pin(async move {
                            let result = reply.await;
                            let _ = committed_tx.send(());
                            Answered::request(id, result)
                        }));
                    }
                    Kind::Read => {
                        let last_send = self.last_send.clone();
                        self.in_flight.push(Box::pin(async move {
                            if let Some(committed) = last_send {
                                let _ = committed.await;
                            }
                            Answered::request(id, reply.await)
                        }));
                    }
                }
            }
        }
    }

    /// Answers queued requests until every upload chunk queued so far is written.
    async fn chunks_written(&mut self) {
        let Some(written) = self.last_chunk.take() else {
            return;
        };
        tokio::pin!(written);
        loop {
            tokio::select! {
                _ = &mut written => return,
                Some(answered) = self.in_flight.next() => self.answer(answered),
            }
        }
    }

    /// What a frame that could not be read earns its sender.
    fn refusal(&self, err: CodecError) -> Option<ErrorReply> {
        match err {
            CodecError::TooLarge => Some(
                ErrorCode::FrameTooLarge {
                    limit: self.shared.config.limits.max_frame_len as u32,
                }
                .into(),
            ),
            CodecError::Malformed(detail) => {
                tracing::debug!(%detail, "malformed frame");
                Some(ErrorCode::BadFrame.into())
            }
            CodecError::Io(err) => {
                tracing::debug!(error = %err, "read failed");
                None
            }
        }
    }

    fn answer(&mut self, answered: Answered) {
        if answered.chunk {
            self.queued_chunks -= 1;
        }
        self.reply(answered.id, answered.result);
    }

    fn reply(&self, id: RequestId, result: Result<Response, ErrorReply>) {
        if let Err(err) = &result {
            tracing::debug!(code = err.code.as_str(), "request refused");
        }
        if let Err(err) = self.outbound.push_frame(&ServerFrame::Reply { id, result }) {
            // Pages are sized to fit a frame; anything else too large is a bug of ours, and
            // the client still gets its one reply.
            tracing::error!(error = %err, "cannot encode a reply");
            let fallback = ErrorReply::new(ErrorCode::Internal, "reply too large");
            let _ = self.outbound.push_frame(&ServerFrame::Reply {
                id,
                result: Err(fallback),
            });
        }
    }

    /// Logs out, sends the closing frame and lets the writer drain.
    async fn finish(
        self,
        reason: Option<ErrorReply>,
        last_tx: oneshot::Sender<Bytes>,
        writer: tokio::task::JoinHandle<()>,
    ) {
        if let Some(session) = &self.session {
            // A connection that dropped frames or failed to write them has not delivered
            // everything queued, so it does not count as having seen it.
            let delivered =
                !self.outbound.too_slow.is_cancelled() && !self.write_failed.is_cancelled();
            session::log_out(&self.shared, session, delivered).await;
        }
        if let Some(reason) = &reason {
            tracing::debug!(code = reason.code.as_str(), "closing connection");
        }
        // The writer ends once the queue is closed and empty (the hub let go of it at
        // log-out) and it has the closing frame, or knows there is none.
        match reason.and_then(|reason| codec::encode(&ServerFrame::Closing(reason)).ok()) {
            Some(frame) => {
                let _ = last_tx.send(frame);
            }
            None => drop(last_tx),
        }
        self.outbound.close();
        let abort = writer.abort_handle();
        if tokio::time::timeout(DRAIN_TIMEOUT, writer).await.is_err() {
            abort.abort();
        }
    }
}

/// Closes a connection's queue when dropped.
struct CloseOnDrop(Arc<Queue>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Writes queued frames, many per flush, then the closing frame if there is one.
async fn write_loop<W: AsyncWrite + Unpin>(
    mut sink: ServerWriter<W>,
    queue: Arc<Queue>,
    last_rx: oneshot::Receiver<Bytes>,
    write_failed: CancellationToken,
) {
    let result: std::io::Result<()> = async {
        while let Some(frame) = queue.recv().await {
            sink.feed(frame).await?;
            for _ in 1..MAX_FRAMES_PER_FLUSH {
                let Some(frame) = queue.try_recv() else {
                    break;
                };
                sink.feed(frame).await?;
            }
            SinkExt::<Bytes>::flush(&mut sink).await?;
            codec::release_write_buffer(&mut sink);
        }
        if let Ok(frame) = last_rx.await {
            sink.send(frame).await?;
        }
        SinkExt::<Bytes>::close(&mut sink).await
    }
    .await;
    if let Err(err) = result {
        tracing::debug!(error = %err, "write failed");
        queue.abandon();
        write_failed.cancel();
    }
}

fn request_name(request: &Request) -> &'static str {
    match request {
        Request::Register { .. } => "register",
        Request::Login { .. } => "login",
        Request::Join { .. } => "join",
        Request::Create { .. } => "create",
        Request::Accept { .. } => "accept",
        Request::Decline { .. } => "decline",
        Request::Leave { .. } => "leave",
        Request::Invite { .. } => "invite",
        Request::Kick { .. } => "kick",
        Request::Ban { .. } => "ban",
        Request::Unban { .. } => "unban",
        Request::SetRole { .. } => "set_role",
        Request::Rename { .. } => "rename",
        Request::SetTopic { .. } => "set_topic",
        Request::Delete { .. } => "delete",
        Request::StartUpload { .. } => "start_upload",
        Request::UploadChunk { .. } => "upload_chunk",
        Request::FinishUpload { .. } => "finish_upload",
        Request::CancelUpload { .. } => "cancel_upload",
        Request::FileInfo { .. } => "file_info",
        Request::Download { .. } => "download",
        Request::ListRooms => "list_rooms",
        Request::Members { .. } => "members",
        Request::Send { .. } => "send",
        Request::History { .. } => "history",
        Request::CatchUp { .. } => "catch_up",
        Request::Ping => "ping",
    }
}
