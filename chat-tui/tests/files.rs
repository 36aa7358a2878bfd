//! Uploads and downloads of the client core against a scripted server: the exact chunk
//! requests, resuming after a refused chunk and after a reconnect, checksums, and the
//! names files are saved under.

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chat_proto::{
    Chunk, ErrorCode, FileId, FileInfo, MAX_CHUNK, MessageId, Request, RequestId, Response, Sha256,
    UploadId,
};
use chat_tui::client::{Progress, TransferError};
use chat_tui::{Client, ClientEvent};
use sha2::Digest;
use support::{Conn, PATIENCE, Server, in_room, session};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Connects as alice, in room `#a`, with nothing to catch up.
async fn connected(server: &mut Server) -> (Client, mpsc::Receiver<ClientEvent>, Conn) {
    let connecting = tokio::spawn(Client::connect(server.config("alice", false)));
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 5)])).await;
    conn.catch_up(vec![], true).await;
    let (client, events) = connecting.await.unwrap().unwrap();
    (client, events, conn)
}

/// Drops the connection and takes the client's next one, logged in and caught up.
async fn reconnect(client: &Client, server: &mut Server, conn: &mut Conn) -> Conn {
    client.drop_connection().await;
    assert!(conn.closed_within(PATIENCE).await);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("a", 5)])).await;
    conn.catch_up(vec![], true).await;
    conn
}

/// Bytes that differ from chunk to chunk, so that a chunk sent from the wrong place shows.
fn contents(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn sha256(data: &[u8]) -> Sha256 {
    Sha256(sha2::Sha256::digest(data).into())
}

type Reports = Arc<Mutex<Vec<Progress>>>;

fn recorder() -> (Reports, impl FnMut(Progress) + Send + 'static) {
    let reports = Reports::default();
    let sink = reports.clone();
    (reports, move |progress| sink.lock().unwrap().push(progress))
}

fn upload(
    client: &Client,
    path: &Path,
    cancel: &CancellationToken,
) -> (
    Reports,
    JoinHandle<Result<chat_tui::client::Uploaded, TransferError>>,
) {
    let (reports, progress) = recorder();
    let (client, path, cancel) = (client.clone(), path.to_owned(), cancel.clone());
    let task =
        tokio::spawn(async move { client.upload(in_room("a"), &path, &cancel, progress).await });
    (reports, task)
}

async fn expect_start(conn: &mut Conn, data: &[u8], name: &str) -> RequestId {
    let (id, request) = conn.request().await;
    let Request::StartUpload {
        to,
        name: announced,
        size,
        media_type,
        sha256: digest,
        ..
    } = request
    else {
        panic!("expected a start, got {request:?}");
    };
    assert_eq!(to, in_room("a"));
    assert_eq!(announced, name);
    assert_eq!(size, data.len() as u64);
    assert_eq!(media_type, "text/plain");
    assert_eq!(digest, sha256(data));
    id
}

/// Takes a chunk, checks it is `data` from `offset` of upload `upload`; returns its id.
async fn expect_chunk(conn: &mut Conn, data: &[u8], upload: u64, offset: usize) -> RequestId {
    let (id, request) = conn.request().await;
    let Request::UploadChunk {
        upload: got,
        offset: at,
        data: Chunk(bytes),
    } = request
    else {
        panic!("expected a chunk, got {request:?}");
    };
    assert_eq!((got, at), (UploadId(upload), offset as u64));
    let end = (offset + MAX_CHUNK).min(data.len());
    assert!(
        bytes[..] == data[offset..end],
        "chunk at {offset} has other bytes"
    );
    id
}

/// Answers the finish of upload `upload`.
async fn finish(conn: &mut Conn, upload: u64) {
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::FinishUpload {
            upload: UploadId(upload)
        }
    );
    let sent = Response::Sent {
        id: MessageId(42),
        ts_ms: 1,
        duplicate: false,
    };
    conn.reply(id, sent).await;
}

#[tokio::test]
async fn an_upload_refused_out_of_place_announces_again_and_continues_from_there() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let data = contents(3 * MAX_CHUNK + 100);
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, &data).unwrap();
    let (reports, task) = upload(&client, &path, &CancellationToken::new());

    let start = expect_start(&mut conn, &data, "notes.txt").await;
    let upload_id = Response::Upload {
        upload: UploadId(1),
        received: 0,
    };
    conn.reply(start, upload_id).await;
    // All four chunks go out before any reply: they are pipelined.
    let mut chunks = Vec::new();
    for offset in [0, 1, 2, 3].map(|n| n * MAX_CHUNK) {
        chunks.push(expect_chunk(&mut conn, &data, 1, offset).await);
    }
    conn.reply(chunks[0], Response::Done).await;
    let expected = MAX_CHUNK as u64 / 2;
    conn.refuse(chunks[1], ErrorCode::UploadOffset { expected })
        .await;
    conn.refuse(chunks[2], ErrorCode::UploadOffset { expected })
        .await;

    // Announced again, the upload continues where the server says it is.
    let start = expect_start(&mut conn, &data, "notes.txt").await;
    let resumed = Response::Upload {
        upload: UploadId(2),
        received: MAX_CHUNK as u64,
    };
    conn.reply(start, resumed).await;
    for offset in [1, 2, 3].map(|n| n * MAX_CHUNK) {
        let id = expect_chunk(&mut conn, &data, 2, offset).await;
        conn.reply(id, Response::Done).await;
    }
    finish(&mut conn, 2).await;

    let uploaded = task.await.unwrap().unwrap();
    assert_eq!(uploaded.message, MessageId(42));
    assert_eq!(uploaded.file_id, FileId(42));
    assert_eq!(uploaded.file.sha256, sha256(&data));
    let reports = reports.lock().unwrap();
    let last = reports.last().unwrap();
    assert_eq!(
        (last.bytes, last.total),
        (data.len() as u64, data.len() as u64)
    );
    assert_eq!(last.name, "notes.txt");
}

#[tokio::test]
async fn an_upload_resumes_after_a_reconnect_from_what_the_server_has() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let data = contents(2 * MAX_CHUNK + 1);
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, &data).unwrap();
    let (_reports, task) = upload(&client, &path, &CancellationToken::new());

    let start = expect_start(&mut conn, &data, "notes.txt").await;
    let upload_id = Response::Upload {
        upload: UploadId(1),
        received: 0,
    };
    conn.reply(start, upload_id).await;
    for offset in [0, MAX_CHUNK, 2 * MAX_CHUNK] {
        expect_chunk(&mut conn, &data, 1, offset).await;
    }

    // The unanswered chunks are resent on the new connection; this server forgot the
    // upload (though it kept the first chunk), so the client announces it again and sends
    // only what is missing.
    let mut conn = reconnect(&client, &mut server, &mut conn).await;
    for offset in [0, MAX_CHUNK, 2 * MAX_CHUNK] {
        let resent = expect_chunk(&mut conn, &data, 1, offset).await;
        conn.refuse(resent, ErrorCode::NoSuchUpload).await;
    }
    let start = expect_start(&mut conn, &data, "notes.txt").await;
    let resumed = Response::Upload {
        upload: UploadId(5),
        received: MAX_CHUNK as u64,
    };
    conn.reply(start, resumed).await;
    for offset in [MAX_CHUNK, 2 * MAX_CHUNK] {
        let id = expect_chunk(&mut conn, &data, 5, offset).await;
        conn.reply(id, Response::Done).await;
    }
    finish(&mut conn, 5).await;
    assert_eq!(task.await.unwrap().unwrap().message, MessageId(42));
}

#[tokio::test]
async fn a_file_the_server_has_already_is_finished_without_sending_a_byte() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let data = contents(1000);
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, &data).unwrap();
    let (_reports, task) = upload(&client, &path, &CancellationToken::new());

    let start = expect_start(&mut conn, &data, "notes.txt").await;
    let stored = Response::Upload {
        upload: UploadId(3),
        received: 1000,
    };
    conn.reply(start, stored).await;
    finish(&mut conn, 3).await;
    assert_eq!(task.await.unwrap().unwrap().file_id, FileId(42));
}

#[tokio::test]
async fn a_cancelled_upload_tells_the_server_to_drop_it() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let data = contents(MAX_CHUNK * 2);
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, &data).unwrap();
    let cancel = CancellationToken::new();
    let (_reports, task) = upload(&client, &path, &cancel);

    let start = expect_start(&mut conn, &data, "notes.txt").await;
    let upload_id = Response::Upload {
        upload: UploadId(9),
        received: 0,
    };
    conn.reply(start, upload_id).await;
    expect_chunk(&mut conn, &data, 9, 0).await;
    expect_chunk(&mut conn, &data, 9, MAX_CHUNK).await;
    cancel.cancel();
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::CancelUpload {
            upload: UploadId(9)
        }
    );
    conn.reply(id, Response::Done).await;
    assert!(matches!(task.await.unwrap(), Err(TransferError::Cancelled)));
}

fn info(id: u64, name: &str, data: &[u8]) -> FileInfo {
    FileInfo {
        id: FileId(id),
        name: name.into(),
        size: data.len() as u64,
        media_type: "application/pdf".into(),
        sha256: sha256(data),
    }
}

fn download(
    client: &Client,
    dest: &Path,
    cancel: &CancellationToken,
) -> JoinHandle<Result<chat_tui::client::Downloaded, TransferError>> {
    let (client, dest, cancel) = (client.clone(), dest.to_owned(), cancel.clone());
    tokio::spawn(async move { client.download(FileId(7), &dest, &cancel, |_| {}).await })
}

/// Answers the file-info request with `file`.
async fn answer_info(conn: &mut Conn, file: FileInfo) {
    let (id, request) = conn.request().await;
    assert_eq!(request, Request::FileInfo { file: FileId(7) });
    conn.reply(id, Response::File(file)).await;
}

/// Takes a download request, checks where it starts, and returns its id.
async fn expect_download(conn: &mut Conn, offset: usize, size: usize) -> RequestId {
    let (id, request) = conn.request().await;
    let len = (size - offset).min(MAX_CHUNK) as u32;
    assert_eq!(
        request,
        Request::Download {
            file: FileId(7),
            offset: offset as u64,
            len
        }
    );
    id
}

async fn send_chunk(conn: &mut Conn, id: RequestId, data: &[u8], offset: usize) {
    let end = (offset + MAX_CHUNK).min(data.len());
    let chunk = Chunk(Bytes::copy_from_slice(&data[offset..end]));
    conn.reply(id, Response::Chunk(chunk)).await;
}

/// The names in a directory, sorted: what a download left there.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_download_is_checked_and_saved_under_a_safe_fresh_name() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("evil.pdf"), "mine").unwrap();
    let data = contents(2 * MAX_CHUNK + 10);
    let task = download(&client, dir.path(), &CancellationToken::new());

    answer_info(&mut conn, info(7, "../../evil.pdf", &data)).await;
    let ids = [
        expect_download(&mut conn, 0, data.len()).await,
        expect_download(&mut conn, MAX_CHUNK, data.len()).await,
        expect_download(&mut conn, 2 * MAX_CHUNK, data.len()).await,
    ];
    for (n, id) in ids.into_iter().enumerate() {
        send_chunk(&mut conn, id, &data, n * MAX_CHUNK).await;
    }

    let saved = task.await.unwrap().unwrap();
    assert_eq!(saved.path, dir.path().join("evil (1).pdf"));
    assert_eq!(std::fs::read(&saved.path).unwrap(), data);
    assert_eq!(std::fs::read(dir.path().join("evil.pdf")).unwrap(), b"mine");
    assert_eq!(names_in(dir.path()), ["evil (1).pdf", "evil.pdf"]);
}

#[tokio::test]
async fn a_download_that_does_not_match_its_checksum_leaves_nothing() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let data = contents(MAX_CHUNK + 10);
    let task = download(&client, dir.path(), &CancellationToken::new());

    let mut announced = info(7, "report.pdf", &data);
    announced.sha256 = sha256(b"something else");
    answer_info(&mut conn, announced).await;
    let first = expect_download(&mut conn, 0, data.len()).await;
    let second = expect_download(&mut conn, MAX_CHUNK, data.len()).await;
    send_chunk(&mut conn, first, &data, 0).await;
    send_chunk(&mut conn, second, &data, MAX_CHUNK).await;

    assert!(matches!(task.await.unwrap(), Err(TransferError::Mismatch)));
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}

#[tokio::test]
async fn a_download_continues_after_a_reconnect_from_the_bytes_written() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let data = contents(2 * MAX_CHUNK + 10);
    let dest = dir.path().join("chosen.bin");
    let task = download(&client, &dest, &CancellationToken::new());

    answer_info(&mut conn, info(7, "report.pdf", &data)).await;
    let first = expect_download(&mut conn, 0, data.len()).await;
    expect_download(&mut conn, MAX_CHUNK, data.len()).await;
    expect_download(&mut conn, 2 * MAX_CHUNK, data.len()).await;
    send_chunk(&mut conn, first, &data, 0).await;
    // The first chunk is written before the connection goes.
    wait_for_part(dir.path(), MAX_CHUNK as u64).await;

    let mut conn = reconnect(&client, &mut server, &mut conn).await;
    for offset in [MAX_CHUNK, 2 * MAX_CHUNK] {
        let id = expect_download(&mut conn, offset, data.len()).await;
        send_chunk(&mut conn, id, &data, offset).await;
    }
    let saved = task.await.unwrap().unwrap();
    assert_eq!(saved.path, dest);
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    assert_eq!(names_in(dir.path()), ["chosen.bin"]);
}

/// Waits until the one file in `dir`, the partial download, holds `len` bytes.
async fn wait_for_part(dir: &Path, len: u64) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let sizes: Vec<u64> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().metadata().unwrap().len())
            .collect();
        if sizes == [len] {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "sizes {sizes:?}");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_cancelled_download_leaves_nothing() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let data = contents(2 * MAX_CHUNK);
    let cancel = CancellationToken::new();
    let task = download(&client, dir.path(), &cancel);

    answer_info(&mut conn, info(7, "report.pdf", &data)).await;
    let first = expect_download(&mut conn, 0, data.len()).await;
    send_chunk(&mut conn, first, &data, 0).await;
    wait_for_part(dir.path(), MAX_CHUNK as u64).await;
    cancel.cancel();
    assert!(matches!(task.await.unwrap(), Err(TransferError::Cancelled)));
    assert!(names_in(dir.path()).is_empty());
}

#[tokio::test]
async fn an_unknown_file_is_an_error_and_writes_nothing() {
    let mut server = Server::start().await;
    let (client, _events, mut conn) = connected(&mut server).await;
    let dir = tempfile::tempdir().unwrap();
    let task = download(&client, dir.path(), &CancellationToken::new());
    let (id, _) = conn.request().await;
    conn.refuse(id, ErrorCode::NoSuchFile).await;
    let err = task.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "no_such_file");
    assert!(names_in(dir.path()).is_empty());
}
