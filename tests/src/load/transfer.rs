//! One large file up over one connection and down over another, with chat messages timed
//! through the same server the whole while: the throughput a person sending a file gets,
//! and what the transfer costs everyone else's chat.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chat_proto::{
    Chunk, ClientFrame, ClientMsgId, Event, FileId, MAX_CHUNK, Request, RequestId, Response,
    ServerFrame, Sha256, Target, UploadId,
};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use sha2::Digest;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

use super::conn::{Conn, LoadError, Reader, Sender};
use super::process::Probe;
use super::report::{Report, round2};
use super::scenarios::{LoadTarget, Phase, members, room};

const MIB: u64 = 1024 * 1024;

/// A full chunk, as the protocol allows at most.
const CHUNK: u64 = MAX_CHUNK as u64;

/// How often the chat sender sends: 50 messages a second, a lively room.
const CHAT_INTERVAL: Duration = Duration::from_millis(20);

/// The chat sender's last message; the listener stops at it.
const CHAT_END: &str = "end";

/// Which part of the transfer is running, so that chat latency is told apart by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Upload,
    Download,
    Done,
}

impl Stage {
    /// The mark a chat message carries of the stage it was sent in.
    fn mark(self) -> Option<char> {
        match self {
            Self::Upload => Some('u'),
            Self::Download => Some('d'),
            Self::Done => None,
        }
    }
}

/// Send-to-delivery times of chat messages, by the stage they were sent in.
struct ChatLatency {
    upload: Histogram<u64>,
    download: Histogram<u64>,
}

/// Wall seconds and CPU microseconds of the server and of this load generator over a phase.
struct Measured {
    seconds: f64,
    server_cpu: u64,
    client_cpu: u64,
}

/// Starts measuring the server and this process together.
fn measure(server: Probe) -> Result<(Phase, Phase), LoadError> {
    let client = Probe {
        pid: std::process::id(),
    };
    Ok((Phase::start(server)?, Phase::start(client)?))
}

fn measured((server, client): &(Phase, Phase)) -> Result<Measured, LoadError> {
    let (seconds, server_cpu) = server.end()?;
    let (_, client_cpu) = client.end()?;
    Ok(Measured {
        seconds,
        server_cpu,
        client_cpu,
    })
}

/// A file of `mib` MiB uploaded by one member of a room and downloaded by another, `window`
/// chunks in flight each way, while a third member chats at 50 messages a second and a
/// fourth times each message's delivery. `limit` bounds how many chat messages are sent.
pub async fn transfer(
    target: &LoadTarget,
    mib: u64,
    window: usize,
    limit: Duration,
) -> Result<Report, LoadError> {
    let room = room("transfer");
    let to = Target::Room(room.clone());
    let mut conns = members(target, "xfer", 4, &room).await?.into_iter();
    let mut next = || conns.next().ok_or("too few connections");
    let (uploader, mut downloader, talker, listener) = (next()?, next()?, next()?, next()?);

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("transfer.bin");
    let size = mib * MIB;
    let sha256 = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || write_file(&path, size)).await??
    };

    let most = limit.as_millis() / CHAT_INTERVAL.as_millis() + 1;
    let most = u64::try_from(most)?;
    let epoch = Instant::now();
    let (stage_tx, stage_rx) = watch::channel(Stage::Upload);
    let (_, listening, _) = listener.split();
    let timing = tokio::spawn(time_chat(listening, epoch, most));
    let chatting = tokio::spawn(chat(talker, to.clone(), epoch, stage_rx, most));

    let phase = measure(target.probe)?;
    let _uploader = upload(uploader, to, &path, size, sha256, window).await?;
    let up = measured(&phase)?;

    stage_tx.send(Stage::Download)?;
    let file = posted_file(&mut downloader, most).await?;
    let phase = measure(target.probe)?;
    let received = download(downloader, file, size, window).await?;
    let down = measured(&phase)?;
    stage_tx.send(Stage::Done)?;

    let sent = chatting.await??;
    let latency = timing.await??;
    if received != sha256 {
        return Err(format!("downloaded {received:?}, uploaded {sha256:?}").into());
    }
    report(mib, window, &up, &down, sent, &latency, target.probe)
}

fn report(
    mib: u64,
    window: usize,
    up: &Measured,
    down: &Measured,
    chat_sent: u64,
    latency: &ChatLatency,
    server: Probe,
) -> Result<Report, LoadError> {
    let mut both = latency.upload.clone();
    both.add(&latency.download)?;
    let ms = |h: &Histogram<u64>, q: f64| round2(h.value_at_quantile(q) as f64 / 1000.0);
    let max = |h: &Histogram<u64>| round2(h.max() as f64 / 1000.0);
    let cpu = |micros: u64| round2(micros as f64 / 1e6);
    let rate = |seconds: f64| round2(mib as f64 / seconds);
    Ok(Report::new("transfer")
        .add("file_mib", mib)
        .add("window_chunks", window)
        .add("chunk_kib", CHUNK / 1024)
        .add("upload_s", round2(up.seconds))
        .add("upload_mib_per_s", rate(up.seconds))
        .add("upload_server_cpu_s", cpu(up.server_cpu))
        .add("upload_client_cpu_s", cpu(up.client_cpu))
        .add("download_s", round2(down.seconds))
        .add("download_mib_per_s", rate(down.seconds))
        .add("download_server_cpu_s", cpu(down.server_cpu))
        .add("download_client_cpu_s", cpu(down.client_cpu))
        .add("sha256_verified", true)
        .add("chat_sent", chat_sent)
        .add("chat_delivered", both.len())
        .add("chat_p50_ms", ms(&both, 0.5))
        .add("chat_p99_ms", ms(&both, 0.99))
        .add("chat_max_ms", max(&both))
        .add("chat_upload_p99_ms", ms(&latency.upload, 0.99))
        .add("chat_upload_max_ms", max(&latency.upload))
        .add("chat_download_p99_ms", ms(&latency.download, 0.99))
        .add("chat_download_max_ms", max(&latency.download))
        .add("server_rss_kib", server.rss_kib()?))
}

/// Writes `size` bytes to `path` and answers their SHA-256. The bytes are xorshift output:
/// neither TLS nor the disk can make less of them than they are, as they could of zeros, and
/// every run sends the same file.
fn write_file(path: &Path, size: u64) -> io::Result<Sha256> {
    let mut file = File::create(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut block = vec![0_u8; MAX_CHUNK];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut left = size;
    while left > 0 {
        let len = left.min(CHUNK) as usize;
        for word in block[..len].chunks_mut(8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            word.copy_from_slice(&seed.to_le_bytes()[..word.len()]);
        }
        file.write_all(&block[..len])?;
        hasher.update(&block[..len]);
        left -= len as u64;
    }
    // On disk before the upload starts, so that writing it back does not compete with the
    // server's own writes.
    file.sync_all()?;
    Ok(Sha256(hasher.finalize().into()))
}

/// Uploads the file at `path` with `window` chunks unanswered at most, and posts it.
async fn upload(
    mut conn: Conn,
    to: Target,
    path: &Path,
    size: u64,
    sha256: Sha256,
    window: usize,
) -> Result<Conn, LoadError> {
    let start = Request::StartUpload {
        to,
        client_id: ClientMsgId(1),
        name: "transfer.bin".into(),
        size,
        media_type: "application/octet-stream".into(),
        sha256,
    };
    let upload = match conn.call(start).await? {
        Response::Upload {
            upload,
            received: 0,
        } => upload,
        other => return Err(format!("not a fresh upload: {other:?}").into()),
    };
    let chunks = size.div_ceil(CHUNK);
    let (sender, reader, first_id) = conn.split();
    let permits = Arc::new(Semaphore::new(window));
    let reading = read_chunks(path.to_owned(), window);
    let sending = tokio::spawn(send_chunks(
        sender,
        first_id,
        upload,
        reading,
        permits.clone(),
    ));
    let reader = await_replies(reader, chunks, &permits).await?;
    let sender = sending.await??;
    let mut conn = Conn::rejoin(sender, reader, first_id + chunks)?;
    match conn.call(Request::FinishUpload { upload }).await? {
        Response::Sent { .. } => Ok(conn),
        other => Err(format!("not sent: {other:?}").into()),
    }
}

/// The file's chunks in order, read on a blocking thread at most `window` ahead of the
/// sender, so that reading the disk neither stalls the runtime nor fills memory.
fn read_chunks(path: PathBuf, window: usize) -> mpsc::Receiver<io::Result<Bytes>> {
    let (tx, rx) = mpsc::channel(window);
    tokio::task::spawn_blocking(move || {
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(err) => return tx.blocking_send(Err(err)),
        };
        loop {
            let mut chunk = Vec::with_capacity(MAX_CHUNK);
            match (&mut file).take(CHUNK).read_to_end(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(_) => tx.blocking_send(Ok(Bytes::from(chunk)))?,
                Err(err) => return tx.blocking_send(Err(err)),
            }
        }
    });
    rx
}

/// Sends each chunk as it is read, once the window has room for it.
async fn send_chunks(
    mut sender: Sender,
    mut id: u64,
    upload: UploadId,
    mut chunks: mpsc::Receiver<io::Result<Bytes>>,
    window: Arc<Semaphore>,
) -> Result<Sender, LoadError> {
    let mut offset = 0;
    while let Some(data) = chunks.recv().await {
        let data = data?;
        window.acquire().await?.forget();
        let len = data.len() as u64;
        let request = Request::UploadChunk {
            upload,
            offset,
            data: Chunk(data),
        };
        sender
            .send(ClientFrame::Request {
                id: RequestId(id),
                request,
            })
            .await?;
        offset += len;
        id += 1;
    }
    Ok(sender)
}

/// Reads until `count` replies have come, each freeing a place in the window; a refused
/// request ends the run.
async fn await_replies(
    mut reader: Reader,
    count: u64,
    window: &Semaphore,
) -> Result<Reader, LoadError> {
    let mut replies = 0;
    while replies < count {
        match reader.next().await.ok_or("connection closed")?? {
            ServerFrame::Reply { result, .. } => {
                result?;
                replies += 1;
                window.add_permits(1);
            }
            ServerFrame::Closing(reason) => return Err(reason.into()),
            ServerFrame::Event(_) | ServerFrame::Welcome(_) => {}
        }
    }
    Ok(reader)
}

/// The file the room's newest file message posts, checked with `FileInfo`. At most `most`
/// events are read past, as many as the chat sends.
async fn posted_file(conn: &mut Conn, most: u64) -> Result<FileId, LoadError> {
    for _ in 0..most {
        if let Event::Message(message) = conn.next_event().await?
            && let Some(file) = message.file()
        {
            let id = file.id;
            return match conn.call(Request::FileInfo { file: id }).await? {
                Response::File(info) if info == *file => Ok(id),
                other => Err(format!("not the posted file: {other:?}").into()),
            };
        }
    }
    Err("the file message did not arrive".into())
}

/// Downloads the file with `window` chunk requests unanswered at most, and answers the
/// SHA-256 of what came back.
async fn download(conn: Conn, file: FileId, size: u64, window: usize) -> Result<Sha256, LoadError> {
    let chunks = size.div_ceil(CHUNK);
    let (sender, reader, first_id) = conn.split();
    let permits = Arc::new(Semaphore::new(window));
    let sending = tokio::spawn(request_chunks(
        sender,
        first_id,
        file,
        chunks,
        permits.clone(),
    ));
    let (hash_tx, hashing) = hash_in_background(window);
    let wanted = Wanted {
        first_id,
        chunks,
        size,
    };
    let _finished = receive_chunks(reader, wanted, &permits, hash_tx).await?;
    let _finished = sending.await??;
    Ok(hashing.await?)
}

/// Asks for every chunk of the file in order, once the window has room for it.
async fn request_chunks(
    mut sender: Sender,
    first_id: u64,
    file: FileId,
    chunks: u64,
    window: Arc<Semaphore>,
) -> Result<Sender, LoadError> {
    for n in 0..chunks {
        window.acquire().await?.forget();
        let request = Request::Download {
            file,
            offset: n * CHUNK,
            len: CHUNK as u32,
        };
        sender
            .send(ClientFrame::Request {
                id: RequestId(first_id + n),
                request,
            })
            .await?;
    }
    Ok(sender)
}

/// Which replies a download waits for.
struct Wanted {
    first_id: u64,
    chunks: u64,
    size: u64,
}

impl Wanted {
    /// How long chunk `n` must be: full, but for the last.
    fn len(&self, n: u64) -> u64 {
        (self.size - n * CHUNK).min(CHUNK)
    }
}

/// Reads the replies to a download. The server answers reads as they finish, not in the
/// order asked, so each chunk waits until those before it are in; a place in the window is
/// freed only as a chunk is passed on in order, which bounds how many wait.
async fn receive_chunks(
    mut reader: Reader,
    wanted: Wanted,
    window: &Semaphore,
    hash_tx: mpsc::Sender<Bytes>,
) -> Result<Reader, LoadError> {
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    while next < wanted.chunks {
        match reader.next().await.ok_or("connection closed")?? {
            ServerFrame::Reply { id, result } => match result? {
                Response::Chunk(Chunk(bytes)) => {
                    let n =
                        id.0.checked_sub(wanted.first_id)
                            .ok_or("a reply to no chunk")?;
                    waiting.insert(n, bytes);
                }
                other => return Err(format!("not a chunk: {other:?}").into()),
            },
            ServerFrame::Closing(reason) => return Err(reason.into()),
            ServerFrame::Event(_) | ServerFrame::Welcome(_) => {}
        }
        while let Some(bytes) = waiting.remove(&next) {
            if bytes.len() as u64 != wanted.len(next) {
                return Err(format!("chunk {next} has {} bytes", bytes.len()).into());
            }
            hash_tx.send(bytes).await?;
            window.add_permits(1);
            next += 1;
        }
    }
    Ok(reader)
}

/// Hashes what is sent to it on a blocking thread, so that hashing a GiB does not hold up
/// the runtime that times chat; answers the digest once the sender is dropped.
fn hash_in_background(window: usize) -> (mpsc::Sender<Bytes>, JoinHandle<Sha256>) {
    let (tx, mut rx) = mpsc::channel::<Bytes>(window);
    let hashing = tokio::task::spawn_blocking(move || {
        let mut hasher = sha2::Sha256::new();
        while let Some(bytes) = rx.blocking_recv() {
            hasher.update(&bytes);
        }
        Sha256(hasher.finalize().into())
    });
    (tx, hashing)
}

/// Sends a message every 20 ms, its text the stage's mark and the microseconds since
/// `epoch`, until the transfer is done (or `most` are sent), then [`CHAT_END`]; answers how
/// many were timed. The sender's own replies and echoes are read alongside and checked.
async fn chat(
    conn: Conn,
    to: Target,
    epoch: Instant,
    stage: watch::Receiver<Stage>,
    most: u64,
) -> Result<u64, LoadError> {
    let (mut sender, reader, mut id) = conn.split();
    let echoes = tokio::spawn(until_end(reader, most));
    let mut ticks = tokio::time::interval(CHAT_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sent = 0;
    while sent < most {
        ticks.tick().await;
        let Some(mark) = stage.borrow().mark() else {
            break;
        };
        let text = format!("{mark}{}", epoch.elapsed().as_micros());
        send_text(&mut sender, &mut id, &to, text).await?;
        sent += 1;
    }
    send_text(&mut sender, &mut id, &to, CHAT_END.into()).await?;
    echoes.await??;
    Ok(sent)
}

async fn send_text(
    sender: &mut Sender,
    id: &mut u64,
    to: &Target,
    text: String,
) -> Result<(), LoadError> {
    let request = Request::Send {
        to: to.clone(),
        client_id: ClientMsgId(*id),
        text,
    };
    sender
        .send(ClientFrame::Request {
            id: RequestId(*id),
            request,
        })
        .await?;
    *id += 1;
    Ok(())
}

/// Reads a chat sender's connection until its own last message comes back, failing on a
/// refused send; reads no more than `most` messages and one more.
async fn until_end(mut reader: Reader, most: u64) -> Result<(), LoadError> {
    for _ in 0..=most {
        loop {
            match reader.next().await.ok_or("connection closed")?? {
                ServerFrame::Event(Event::Message(message)) if message.text().is_some() => {
                    if message.text() == Some(CHAT_END) {
                        return Ok(());
                    }
                    break;
                }
                ServerFrame::Reply { result, .. } => {
                    result?;
                }
                ServerFrame::Closing(reason) => return Err(reason.into()),
                ServerFrame::Event(_) | ServerFrame::Welcome(_) => {}
            }
        }
    }
    Err("more chat messages than were sent".into())
}

/// Times each chat message from its sending to its delivery here, by the stage it was sent
/// in, until [`CHAT_END`]; reads no more than `most` messages and one more.
async fn time_chat(
    mut reader: Reader,
    epoch: Instant,
    most: u64,
) -> Result<ChatLatency, LoadError> {
    let mut latency = ChatLatency {
        upload: Histogram::new(3)?,
        download: Histogram::new(3)?,
    };
    for _ in 0..=most {
        let text = next_text(&mut reader).await?;
        let now = u64::try_from(epoch.elapsed().as_micros())?;
        if text == CHAT_END {
            return Ok(latency);
        }
        let (histogram, sent) = match text.split_at_checked(1) {
            Some(("u", sent)) => (&mut latency.upload, sent),
            Some(("d", sent)) => (&mut latency.download, sent),
            _ => return Err(format!("not a timed chat message: {text}").into()),
        };
        histogram.record(now.saturating_sub(sent.parse()?))?;
    }
    Err("more chat messages than were sent".into())
}

/// The text of the next text message, skipping everything else (the file's message among
/// them).
async fn next_text(reader: &mut Reader) -> Result<String, LoadError> {
    loop {
        match reader.next().await.ok_or("connection closed")?? {
            ServerFrame::Event(Event::Message(message)) => {
                if let Some(text) = message.text() {
                    return Ok(text.to_owned());
                }
            }
            ServerFrame::Closing(reason) => return Err(reason.into()),
            ServerFrame::Reply { .. } | ServerFrame::Event(_) | ServerFrame::Welcome(_) => {}
        }
    }
}
