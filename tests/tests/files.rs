//! Files: chunked uploads that resume, checksums, one copy per content, limits, who may
//! download, and what survives a restart.

use chat_proto::{
    Body, Chunk, ClientMsgId, ErrorCode, FileId, FileInfo, MAX_CHUNK, Request, Response, RoomName,
    Sha256, Target, UploadId,
};
use chat_tests::{TestClient, TestServer, unthrottled};
use chat_tui::client::ClientError;
use sha2::Digest;

/// Bytes that differ from run to run of `seed` and compress badly.
fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn sha(bytes: &[u8]) -> Sha256 {
    Sha256(sha2::Sha256::digest(bytes).into())
}

fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ErrorCode {
    match result {
        Err(ClientError::Server(reply)) => reply.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

fn start(to: &Target, name: &str, bytes: &[u8], client_id: u64) -> Request {
    Request::StartUpload {
        to: to.clone(),
        client_id: ClientMsgId(client_id),
        name: name.into(),
        size: bytes.len() as u64,
        media_type: "application/octet-stream".into(),
        sha256: sha(bytes),
    }
}

/// Starts an upload: its id and how much the server has.
async fn begin(client: &TestClient, request: Request) -> Result<(UploadId, u64), ClientError> {
    match client.client.request(request).await? {
        Response::Upload { upload, received } => Ok((upload, received)),
        other => panic!("expected an upload, got {other:?}"),
    }
}

async fn send_chunks(client: &TestClient, upload: UploadId, bytes: &[u8], from: u64) {
    let mut offset = from as usize;
    while offset < bytes.len() {
        let end = (offset + MAX_CHUNK).min(bytes.len());
        let request = Request::UploadChunk {
            upload,
            offset: offset as u64,
            data: Chunk(bytes[offset..end].to_vec().into()),
        };
        client.client.request(request).await.expect("chunk");
        offset = end;
    }
}

async fn finish(client: &TestClient, upload: UploadId) -> Result<Response, ClientError> {
    client
        .client
        .request(Request::FinishUpload { upload })
        .await
}

/// Uploads `bytes` whole; the file's id.
async fn upload(client: &TestClient, to: &Target, name: &str, bytes: &[u8], id: u64) -> FileId {
    let (upload, received) = begin(client, start(to, name, bytes, id)).await.unwrap();
    send_chunks(client, upload, bytes, received).await;
    match finish(client, upload).await.unwrap() {
        Response::Sent { id, .. } => FileId(id.0),
        other => panic!("expected sent, got {other:?}"),
    }
}

async fn download(client: &TestClient, file: FileId) -> Result<Vec<u8>, ClientError> {
    let info = match client.client.request(Request::FileInfo { file }).await? {
        Response::File(info) => info,
        other => panic!("expected a file, got {other:?}"),
    };
    let mut bytes = Vec::new();
    loop {
        let request = Request::Download {
            file,
            offset: bytes.len() as u64,
            len: MAX_CHUNK as u32,
        };
        match client.client.request(request).await? {
            Response::Chunk(Chunk(chunk)) if chunk.is_empty() => break,
            Response::Chunk(Chunk(chunk)) => bytes.extend_from_slice(&chunk),
            other => panic!("expected a chunk, got {other:?}"),
        }
    }
    assert_eq!(bytes.len() as u64, info.size);
    assert_eq!(sha(&bytes), info.sha256);
    Ok(bytes)
}

/// A raw connection, logged in as `user`, for frames the client would not send.
async fn logged_in_raw(server: &TestServer, user: &TestClient) -> chat_tests::RawConnection {
    let mut raw = server.raw().await;
    raw.hello().await;
    let login = Request::Login {
        user: user.client.user().clone(),
        credential: chat_proto::Credential::Password(chat_tests::password_of(
            user.client.user().as_str(),
        )),
    };
    raw.request(1, login).await.unwrap();
    raw
}

/// Starts an upload of `bytes` on `raw` and sends every chunk, as requests 10, 11, …,
/// without reading their replies.
async fn start_and_send_unanswered(
    raw: &mut chat_tests::RawConnection,
    to: &Target,
    bytes: &[u8],
    client_id: u64,
) -> UploadId {
    use chat_proto::{ClientFrame, RequestId};
    let upload = match raw.request(2, start(to, "f.bin", bytes, client_id)).await {
        Ok(Response::Upload { upload, .. }) => upload,
        other => panic!("expected an upload, got {other:?}"),
    };
    for (n, chunk) in bytes.chunks(MAX_CHUNK).enumerate() {
        let request = Request::UploadChunk {
            upload,
            offset: (n * MAX_CHUNK) as u64,
            data: Chunk(chunk.to_vec().into()),
        };
        raw.send(ClientFrame::Request {
            id: RequestId(10 + n as u64),
            request,
        })
        .await;
    }
    upload
}

fn blobs(server: &TestServer) -> usize {
    walk(&server.data_dir().join("files").join("blobs"))
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .map(|entry| {
                let path = entry.unwrap().path();
                if path.is_dir() { walk(&path) } else { 1 }
            })
            .sum()
    })
}

#[tokio::test]
async fn a_file_reaches_the_room_and_downloads_intact() {
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let mut bob = server.register("bob").await;
    let general = alice.join_room("general").await;
    bob.join_room("general").await;
    let bytes = content(3 * MAX_CHUNK + 1234, 1);

    let file = upload(&alice, &general, "report.pdf", &bytes, 1).await;
    let posted = loop {
        if let chat_tui::client::ClientEvent::Message { message, .. } = bob.next_event().await
            && let Body::File(info) = message.body
        {
            break info;
        }
    };
    assert_eq!(
        posted,
        FileInfo {
            id: file,
            name: "report.pdf".into(),
            size: bytes.len() as u64,
            media_type: "application/octet-stream".into(),
            sha256: sha(&bytes),
        }
    );
    assert_eq!(download(&bob, file).await.unwrap(), bytes);
    let history = bob.full_history(&general).await;
    assert_eq!(history.last().unwrap().file(), Some(&posted));
}

#[tokio::test]
async fn an_interrupted_upload_resumes_where_it_stopped_even_after_a_restart() {
    let mut server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let bytes = content(2 * MAX_CHUNK + 10, 2);
    let (upload, received) = begin(&alice, start(&general, "big.bin", &bytes, 7))
        .await
        .unwrap();
    assert_eq!(received, 0);
    send_chunks(&alice, upload, &bytes[..MAX_CHUNK], 0).await;
    // A gap is refused with where to go on from.
    let gap = Request::UploadChunk {
        upload,
        offset: (MAX_CHUNK + 5) as u64,
        data: Chunk(vec![0; 5].into()),
    };
    assert_eq!(
        code(alice.client.request(gap).await),
        ErrorCode::UploadOffset {
            expected: MAX_CHUNK as u64
        }
    );

    server.restart().await;
    let alice = server.login("alice").await;
    let (again, received) = begin(&alice, start(&general, "big.bin", &bytes, 7))
        .await
        .unwrap();
    assert_eq!((again, received), (upload, MAX_CHUNK as u64));
    send_chunks(&alice, upload, &bytes, received).await;
    let Response::Sent { id, .. } = finish(&alice, upload).await.unwrap() else {
        panic!("not sent");
    };
    assert_eq!(download(&alice, FileId(id.0)).await.unwrap(), bytes);
}

#[tokio::test]
async fn the_same_bytes_are_stored_once_and_not_sent_again() {
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let general = alice.join_room("general").await;
    let bytes = content(MAX_CHUNK + 1, 3);
    let first = upload(&alice, &general, "a.bin", &bytes, 1).await;

    let (upload, received) = begin(
        &bob,
        start(
            &Target::User(alice.client.user().clone()),
            "copy.bin",
            &bytes,
            2,
        ),
    )
    .await
    .unwrap();
    assert_eq!(received, bytes.len() as u64, "nothing needs sending");
    let Response::Sent { id, .. } = finish(&bob, upload).await.unwrap() else {
        panic!("not sent");
    };
    assert_ne!(FileId(id.0), first);
    assert_eq!(download(&alice, FileId(id.0)).await.unwrap(), bytes);
    assert_eq!(blobs(&server), 1);
}

#[tokio::test]
async fn bytes_that_do_not_match_their_checksum_are_refused_and_not_kept() {
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let announced = content(1000, 4);
    let sent = content(1000, 5);
    let (upload, _) = begin(&alice, start(&general, "x.bin", &announced, 1))
        .await
        .unwrap();
    send_chunks(&alice, upload, &sent, 0).await;
    assert_eq!(
        code(finish(&alice, upload).await),
        ErrorCode::ChecksumMismatch
    );
    assert_eq!(blobs(&server), 0);
    assert!(
        alice
            .full_history(&general)
            .await
            .iter()
            .all(|m| m.file().is_none())
    );
    assert_eq!(code(finish(&alice, upload).await), ErrorCode::NoSuchUpload);
}

#[tokio::test]
async fn size_and_quota_are_refused_before_any_byte_is_sent() {
    let server = TestServer::start_configured(|config| {
        unthrottled(config);
        config.limits.max_file_mib = 1;
        config.limits.storage_quota_mib = 1;
    })
    .await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let huge = Request::StartUpload {
        to: general.clone(),
        client_id: ClientMsgId(1),
        name: "huge.iso".into(),
        size: 2 * 1024 * 1024,
        media_type: "application/octet-stream".into(),
        sha256: Sha256([0; 32]),
    };
    assert_eq!(
        code(alice.client.request(huge).await),
        ErrorCode::FileTooLarge { limit: 1024 * 1024 }
    );
    let half = content(600 * 1024, 6);
    upload(&alice, &general, "first.bin", &half, 2).await;
    let other = content(600 * 1024, 7);
    assert_eq!(
        code(begin(&alice, start(&general, "second.bin", &other, 3)).await),
        ErrorCode::QuotaExceeded { limit: 1024 * 1024 }
    );
    for bad in ["", "line\nbreak", "bell\u{7}"] {
        assert_eq!(
            code(begin(&alice, start(&general, bad, &other, 4)).await),
            ErrorCode::InvalidRequest,
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn only_those_who_may_read_the_conversation_get_its_files() {
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let mallory = server.register("mallory").await;
    let general = alice.join_room("general").await;
    bob.join_room("general").await;
    let in_room = upload(&alice, &general, "room.txt", b"for the room", 1).await;
    let direct = upload(
        &alice,
        &Target::User(bob.client.user().clone()),
        "dm.txt",
        b"for bob",
        2,
    )
    .await;

    assert_eq!(download(&bob, in_room).await.unwrap(), b"for the room");
    assert_eq!(download(&bob, direct).await.unwrap(), b"for bob");
    for file in [in_room, direct] {
        assert_eq!(
            code(mallory.client.request(Request::FileInfo { file }).await),
            ErrorCode::Forbidden
        );
        let read = Request::Download {
            file,
            offset: 0,
            len: 100,
        };
        assert_eq!(
            code(mallory.client.request(read).await),
            ErrorCode::Forbidden
        );
    }
    // Uploading needs the right to send.
    assert_eq!(
        code(begin(&mallory, start(&general, "spam.bin", b"spam", 3)).await),
        ErrorCode::Forbidden
    );
    // A member who leaves loses access.
    bob.client
        .leave(RoomName::new("general").unwrap())
        .await
        .unwrap();
    assert_eq!(code(download(&bob, in_room).await), ErrorCode::Forbidden);
    let nothing = Request::FileInfo {
        file: FileId(999_999),
    };
    assert_eq!(
        code(alice.client.request(nothing).await),
        ErrorCode::NoSuchFile
    );
}

#[tokio::test]
async fn a_cancelled_upload_and_stray_partial_files_leave_nothing_behind() {
    let mut server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let bytes = content(MAX_CHUNK * 2, 8);
    let (upload, _) = begin(&alice, start(&general, "c.bin", &bytes, 1))
        .await
        .unwrap();
    send_chunks(&alice, upload, &bytes[..MAX_CHUNK], 0).await;
    alice
        .client
        .request(Request::CancelUpload { upload })
        .await
        .unwrap();
    let uploads = server.data_dir().join("files").join("uploads");
    assert_eq!(walk(&uploads), 0);
    let (again, received) = begin(&alice, start(&general, "c.bin", &bytes, 1))
        .await
        .unwrap();
    assert_ne!(again, upload);
    assert_eq!(received, 0, "a cancelled upload starts over");

    // A partial file that no upload refers to, as a crash can leave, goes at the start.
    std::fs::write(uploads.join("424242.part"), b"half a file").unwrap();
    server.restart().await;
    assert!(!uploads.join("424242.part").exists());
    assert_eq!(blobs(&server), 0);
}

#[tokio::test]
async fn the_files_of_a_deleted_room_are_gone_after_a_restart() {
    let mut server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let lab = alice.join_room("lab").await;
    let general = alice.join_room("general").await;
    let file = upload(&alice, &lab, "notes.txt", b"lab notes", 1).await;
    let kept = upload(&alice, &general, "keep.txt", b"kept notes", 2).await;
    assert_eq!(blobs(&server), 2);
    alice
        .client
        .request(Request::Delete {
            room: RoomName::new("lab").unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(
        code(alice.client.request(Request::FileInfo { file }).await),
        ErrorCode::NoSuchFile
    );
    server.restart().await;
    assert_eq!(blobs(&server), 1);
    let alice = server.login("alice").await;
    assert_eq!(download(&alice, kept).await.unwrap(), b"kept notes");
}

#[tokio::test]
async fn a_client_that_asks_for_chunks_without_reading_them_is_cut_off() {
    use chat_proto::{ClientFrame, RequestId, ServerFrame};
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let file = upload(&alice, &general, "big.bin", &content(MAX_CHUNK, 9), 1).await;

    let mut raw = logged_in_raw(&server, &alice).await;
    // 200 chunks of 128 KiB, 25 MiB, asked for at once and not read.
    for n in 0..200 {
        let read = Request::Download {
            file,
            offset: 0,
            len: MAX_CHUNK as u32,
        };
        raw.send(ClientFrame::Request {
            id: RequestId(10 + n),
            request: read,
        })
        .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let closing = loop {
        match raw.recv().await {
            Some(ServerFrame::Closing(reply)) => break Some(reply.code),
            Some(_) => {}
            None => break None,
        }
    };
    assert_eq!(closing, Some(ErrorCode::TooSlow));
}

#[tokio::test]
async fn chunks_sent_without_waiting_are_written_in_order_before_the_finish() {
    use chat_proto::{ClientFrame, RequestId, ServerFrame};
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    // More chunks than the server queues per connection: it reads on as they are written.
    let bytes = content(40 * MAX_CHUNK + 77, 5);

    let mut raw = logged_in_raw(&server, &alice).await;
    // Every chunk and the finish, written before any reply is read.
    let upload = start_and_send_unanswered(&mut raw, &general, &bytes, 1).await;
    raw.send(ClientFrame::Request {
        id: RequestId(100),
        request: Request::FinishUpload { upload },
    })
    .await;
    let mut replies = std::collections::BTreeMap::new();
    while replies.len() < 42 {
        if let Some(ServerFrame::Reply { id, result }) = raw.recv().await {
            replies.insert(id.0, result);
        }
    }
    for n in 10..51 {
        assert_eq!(replies[&n], Ok(Response::Done), "chunk {n}");
    }
    let file = match &replies[&100] {
        Ok(Response::Sent { id, .. }) => FileId(id.0),
        other => panic!("expected the file posted, got {other:?}"),
    };
    assert_eq!(download(&alice, file).await.unwrap(), bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_waiting_when_their_upload_is_cancelled_elsewhere_leave_no_file() {
    use chat_proto::ServerFrame;
    let server = TestServer::start_configured(unthrottled).await;
    let alice = server.register("alice").await;
    let general = alice.join_room("general").await;
    let bytes = content(16 * MAX_CHUNK, 6);
    let uploads = server.data_dir().join("files").join("uploads");
    for round in 0..4 {
        let mut raw = logged_in_raw(&server, &alice).await;
        let upload = start_and_send_unanswered(&mut raw, &general, &bytes, round).await;
        // Cancelled from another device while chunks still wait their turn.
        alice
            .client
            .request(Request::CancelUpload { upload })
            .await
            .unwrap();
        let mut answered = 0;
        while answered < 16 {
            if let Some(ServerFrame::Reply { result, .. }) = raw.recv().await {
                match result {
                    Ok(Response::Done) | Err(_) => answered += 1,
                    Ok(other) => panic!("round {round}: {other:?}"),
                }
            }
        }
        assert_eq!(walk(&uploads), 0, "round {round}: a partial file came back");
    }
}
