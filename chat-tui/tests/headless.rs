//! Headless mode end to end, against a scripted server, over in-memory stdin and stdout.

mod support;

use chat_proto::{
    Event, Invitation, MessageId, Page, Request, Response, RoomEvent, RoomSummary, Target,
};
use serde_json::{Value, json};
use support::{PATIENCE, Server, in_room, message, room, room_event, session, user};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};

struct Script {
    input: DuplexStream,
    output: Lines<BufReader<DuplexStream>>,
    status: tokio::task::JoinHandle<std::io::Result<u8>>,
}

impl Script {
    fn start(server: &Server) -> Self {
        let (input, stdin) = tokio::io::duplex(64 * 1024);
        let (stdout, output) = tokio::io::duplex(64 * 1024);
        let config = server.config("alice", false);
        let status = tokio::spawn(chat_tui::headless::run(
            config,
            BufReader::new(stdin),
            stdout,
        ));
        Self {
            input,
            output: BufReader::new(output).lines(),
            status,
        }
    }

    async fn type_lines(&mut self, lines: &str) {
        self.input.write_all(lines.as_bytes()).await.unwrap();
    }

    async fn line(&mut self) -> Value {
        let line = tokio::time::timeout(PATIENCE, self.output.next_line())
            .await
            .expect("no output came")
            .unwrap()
            .expect("output ended");
        serde_json::from_str(&line).unwrap()
    }

    async fn exit_status(self) -> u8 {
        tokio::time::timeout(PATIENCE, self.status)
            .await
            .unwrap()
            .unwrap()
            .unwrap()
    }
}

#[tokio::test]
async fn answers_come_in_command_order_though_replies_do_not() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[("general", 0)])).await;
    conn.catch_up(vec![], true).await;
    assert_eq!(
        script.line().await,
        json!({"type":"ready","user":"alice","rooms":["#general"]})
    );

    script
        .type_lines("/join #a\nhello\n\n/history 2\n/jion #b\n/msg @bob psst\n/quit\n")
        .await;
    // The join and the explicit /msg go out at once; the plain text and the /history that
    // default to the current conversation wait until the join has made it current.
    let join = conn.request().await;
    assert_eq!(join.1, Request::Join { room: room("a") });
    let psst = conn.request().await;
    assert!(matches!(
        &psst.1,
        Request::Send {
            to: Target::User(_),
            ..
        }
    ));

    // Replies out of order, with a live event before them.
    conn.event(chat_proto::Event::Message(message(
        3,
        in_room("general"),
        "bob",
    )))
    .await;
    let sent = |id| Response::Sent {
        id: MessageId(id),
        ts_ms: 0,
        duplicate: false,
    };
    conn.reply(psst.0, sent(12)).await;
    let joined = RoomSummary {
        name: room("a"),
        members: 3,
        private: false,
        topic: String::new(),
    };
    conn.reply(
        join.0,
        Response::Joined {
            room: joined,
            latest: MessageId(2),
        },
    )
    .await;

    let hello = conn.request().await;
    assert!(
        matches!(&hello.1, Request::Send { to, text, .. } if *to == in_room("a") && text == "hello")
    );
    let history = conn.request().await;
    assert!(
        matches!(&history.1, Request::History { target, limit: 2, .. } if *target == in_room("a"))
    );
    let page = Page {
        messages: vec![
            message(1, in_room("a"), "bob"),
            message(2, in_room("a"), "alice"),
        ],
        complete: true,
    };
    conn.reply(history.0, Response::History(page)).await;
    conn.reply(hello.0, sent(11)).await;

    let expected = [
        json!({"type":"message","id":3,"target":"#general","from":"bob","text":"text 3","ts":1003,"history":false}),
        json!({"type":"ok","command":"join","room":"#a","members":3}),
        json!({"type":"ok","command":"msg","id":11,"target":"#a","duplicate":false}),
        json!({"type":"message","id":1,"target":"#a","from":"bob","text":"text 1","ts":1001,"history":true}),
        json!({"type":"message","id":2,"target":"#a","from":"alice","text":"text 2","ts":1002,"history":true}),
        json!({"type":"ok","command":"history","target":"#a","count":2,"complete":true}),
        json!({"type":"error","code":"unknown_command","message":"unknown command /jion; did you mean /join?"}),
        json!({"type":"ok","command":"msg","id":12,"target":"@bob","duplicate":false}),
        json!({"type":"ok","command":"quit"}),
    ];
    for expected in expected {
        assert_eq!(script.line().await, expected);
    }
    assert_eq!(script.exit_status().await, 0);
    assert!(conn.closed_within(PATIENCE).await);
}

#[tokio::test]
async fn the_current_target_and_its_errors() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[])).await;
    script.line().await;

    script
        .type_lines("hi\n/part\n/who\n/join #a\n/part\n/join #b\n/part\nagain\n")
        .await;
    let error = |command: &str, message: &str| json!({"type":"error","code":"no_target","message":message,"command":command});
    assert_eq!(
        script.line().await,
        error("msg", "nowhere to send: /join a room or /msg someone first")
    );
    assert_eq!(
        script.line().await,
        error("part", "no current room: /part #room")
    );
    assert_eq!(
        script.line().await,
        error("who", "no current room: /who #room")
    );

    // A join that fails does not make its room current; one that works does.
    let (join_a, _) = conn.request().await;
    let (join_b, request) = conn.request().await;
    assert_eq!(request, Request::Join { room: room("b") });
    conn.refuse(join_a, chat_proto::ErrorCode::NoSuchRoom).await;
    let joined = RoomSummary {
        name: room("b"),
        members: 1,
        private: false,
        topic: String::new(),
    };
    conn.reply(
        join_b,
        Response::Joined {
            room: joined,
            latest: MessageId(0),
        },
    )
    .await;
    let (id, request) = conn.request().await;
    assert_eq!(request, Request::Leave { room: room("b") });
    conn.reply(id, Response::Done).await;
    assert_eq!(
        script.line().await,
        json!({"type":"error","code":"no_such_room","message":"no such room","command":"join"})
    );
    assert_eq!(
        script.line().await,
        error("part", "no current room: /part #room")
    );
    assert_eq!(
        script.line().await,
        json!({"type":"ok","command":"join","room":"#b","members":1})
    );
    assert_eq!(
        script.line().await,
        json!({"type":"ok","command":"part","room":"#b"})
    );
    // Parting the current room cleared it.
    assert_eq!(
        script.line().await,
        error("msg", "nowhere to send: /join a room or /msg someone first")
    );

    drop(script.input);
    assert_eq!(
        tokio::time::timeout(PATIENCE, script.status)
            .await
            .unwrap()
            .unwrap()
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_failed_connect_prints_an_error_and_exits_with_1() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.welcome().await;
    let (id, _) = conn.request().await;
    conn.refuse(id, chat_proto::ErrorCode::WrongPassword).await;
    assert_eq!(
        script.line().await,
        json!({"type":"error","code":"wrong_password","message":"wrong password"})
    );
    assert_eq!(script.exit_status().await, 1);
}

#[tokio::test]
async fn the_binary_quits_on_quit_while_stdin_stays_open() {
    use std::io::{BufRead, Write};
    use std::process::{Command, Stdio};

    let mut server = Server::start().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_chat-tui"))
        .args([
            "--headless",
            "--user",
            "alice",
            "--server",
            &server.addr.to_string(),
        ])
        .arg("--ca")
        .arg(&server.ca_file)
        .env("CHAT_PASSWORD", "password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[])).await;

    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let ready = lines.next().unwrap().unwrap();
        stdin.write_all(b"/quit\n").unwrap();
        let quit = lines.next().unwrap().unwrap();
        // stdin is still open here: the process must exit anyway.
        let status = child.wait().unwrap();
        drop(stdin);
        (ready, quit, status)
    });
    let (ready, quit, status) = tokio::time::timeout(PATIENCE, lines)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&ready).unwrap()["type"],
        "ready"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&quit).unwrap(),
        json!({"type":"ok","command":"quit"})
    );
    assert!(status.success());
}

#[tokio::test]
async fn query_me_and_help() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    // With no conversation there is nothing to catch up on.
    conn.log_in(session("alice", &[])).await;
    script.line().await;

    script.type_lines("/help\n/query @bob\n/me waves\n").await;
    let help = script.line().await;
    assert_eq!(help["command"], "help");
    assert!(
        help["commands"]
            .as_array()
            .unwrap()
            .contains(&json!("/me text"))
    );
    assert_eq!(
        script.line().await,
        json!({"type":"ok","command":"query","target":"@bob"})
    );
    let (id, request) = conn.request().await;
    assert!(
        matches!(&request, Request::Send { to: Target::User(bob), text, .. } if bob.as_str() == "bob" && text == "/me waves"),
        "{request:?}"
    );
    conn.reply(
        id,
        Response::Sent {
            id: MessageId(4),
            ts_ms: 0,
            duplicate: false,
        },
    )
    .await;
    assert_eq!(script.line().await["command"], "msg");

    // Previews draw in a terminal; here there is nowhere to show one.
    script.type_lines("/view 18\n").await;
    assert_eq!(
        script.line().await,
        json!({"type":"error","code":"unsupported","message":"no images in headless mode; use /download","command":"view"})
    );
}

fn joined(name: &str) -> Response {
    Response::Joined {
        room: RoomSummary {
            name: room(name),
            members: 2,
            private: false,
            topic: String::new(),
        },
        latest: MessageId(0),
    }
}

fn sent(id: u64) -> Response {
    Response::Sent {
        id: MessageId(id),
        ts_ms: 0,
        duplicate: false,
    }
}

#[tokio::test]
async fn removals_while_away_print_after_ready_and_the_invitations() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    let mut login = session("alice", &[("a", 0)]);
    login.invitations = vec![Invitation {
        room: room("plans"),
        by: user("bob"),
    }];
    let kick = RoomEvent::Kicked {
        user: user("alice"),
        reason: "spam".into(),
    };
    login.removals = vec![room_event(3, "x", "bob", kick)];
    conn.log_in(login).await;
    conn.catch_up(vec![message(5, in_room("a"), "bob")], true)
        .await;
    assert_eq!(script.line().await["type"], "ready");
    assert_eq!(script.line().await["type"], "invited");
    assert_eq!(
        script.line().await,
        json!({"type":"room_event","id":3,"target":"#x","from":"bob",
               "event":{"kind":"kicked","user":"alice","reason":"spam"},
               "text":"alice was removed by bob: spam","ts":1003,"history":false})
    );
    assert_eq!(script.line().await["id"], 5);
}

#[tokio::test]
async fn invitations_and_room_events_print_as_lines_of_their_own() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    let mut login = session("alice", &[("a", 0)]);
    login.invitations = vec![Invitation {
        room: room("plans"),
        by: user("bob"),
    }];
    conn.log_in(login).await;
    conn.catch_up(vec![], true).await;
    assert_eq!(script.line().await["type"], "ready");
    assert_eq!(
        script.line().await,
        json!({"type":"invited","room":"#plans","by":"bob"})
    );

    let kick = RoomEvent::Kicked {
        user: user("carol"),
        reason: "spam".into(),
    };
    conn.event(Event::Message(room_event(4, "a", "bob", kick)))
        .await;
    conn.event(Event::Invited(Invitation {
        room: room("secret"),
        by: user("carol"),
    }))
    .await;
    conn.event(Event::RoomDeleted {
        room: room("a"),
        by: user("bob"),
    })
    .await;
    assert_eq!(
        script.line().await,
        json!({"type":"room_event","id":4,"target":"#a","from":"bob",
               "event":{"kind":"kicked","user":"carol","reason":"spam"},
               "text":"carol was removed by bob: spam","ts":1004,"history":false})
    );
    assert_eq!(
        script.line().await,
        json!({"type":"invited","room":"#secret","by":"carol"})
    );
    assert_eq!(
        script.line().await,
        json!({"type":"room_deleted","room":"#a","by":"bob"})
    );
}

#[tokio::test]
async fn group_commands_act_on_the_current_room_which_follows_them() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[])).await;
    script.line().await;

    script
        .type_lines("/join #a\n/kick @bob spam\n/topic\n/rename #b\nhello\n")
        .await;
    let (id, request) = conn.request().await;
    assert_eq!(request, Request::Join { room: room("a") });
    conn.reply(id, joined("a")).await;

    // The three wait for the join, then go out together.
    for _ in 0..3 {
        let (id, request) = conn.request().await;
        let response = match request {
            Request::Kick {
                room: r,
                user: u,
                reason,
            } => {
                assert_eq!((r, u.as_str(), reason.as_str()), (room("a"), "bob", "spam"));
                Response::Done
            }
            Request::ListRooms => Response::Rooms(vec![RoomSummary {
                name: room("a"),
                members: 2,
                private: false,
                topic: "plans".into(),
            }]),
            Request::Rename { room: r, to } => {
                assert_eq!((r, to), (room("a"), room("b")));
                Response::Done
            }
            other => panic!("unexpected {other:?}"),
        };
        conn.reply(id, response).await;
    }
    // The text waited for the rename, and goes to the room under its new name.
    let (id, request) = conn.request().await;
    assert!(
        matches!(&request, Request::Send { to, .. } if *to == in_room("b")),
        "{request:?}"
    );
    conn.reply(id, sent(9)).await;
    for expected in [
        json!({"type":"ok","command":"join","room":"#a","members":2}),
        json!({"type":"ok","command":"kick","room":"#a","user":"bob"}),
        json!({"type":"ok","command":"topic","room":"#a","topic":"plans"}),
        json!({"type":"ok","command":"rename","room":"#a","to":"#b"}),
        json!({"type":"ok","command":"msg","id":9,"target":"#b","duplicate":false}),
    ] {
        assert_eq!(script.line().await, expected);
    }

    script
        .type_lines("/query @carol\n/op bob\n/create #c --private\nhi\n")
        .await;
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::Create {
            room: room("c"),
            private: true
        }
    );
    // The server answers as it does a join.
    let made = RoomSummary {
        name: room("c"),
        members: 1,
        private: true,
        topic: String::new(),
    };
    conn.reply(
        id,
        Response::Joined {
            room: made,
            latest: MessageId(9),
        },
    )
    .await;
    let (id, request) = conn.request().await;
    assert!(
        matches!(&request, Request::Send { to, .. } if *to == in_room("c")),
        "{request:?}"
    );
    conn.reply(id, sent(10)).await;
    for expected in [
        json!({"type":"ok","command":"query","target":"@carol"}),
        json!({"type":"error","code":"no_target","command":"op",
               "message":"/op acts on a room, not a direct conversation: /op #room …"}),
        json!({"type":"ok","command":"create","room":"#c","private":true}),
        json!({"type":"ok","command":"msg","id":10,"target":"#c","duplicate":false}),
    ] {
        assert_eq!(script.line().await, expected);
    }
}

#[tokio::test]
async fn the_current_room_follows_a_rename_by_someone_else() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[])).await;
    script.line().await;

    script.type_lines("/join #a\n").await;
    let (id, _) = conn.request().await;
    conn.reply(id, joined("a")).await;
    assert_eq!(script.line().await["command"], "join");

    let rename = RoomEvent::Renamed {
        from: room("a"),
        to: room("b"),
    };
    conn.event(Event::Message(room_event(3, "b", "bob", rename)))
        .await;
    assert_eq!(script.line().await["text"], "bob renamed #a to #b");

    script.type_lines("hello\n/invite @carol\n").await;
    let (id, request) = conn.request().await;
    assert!(
        matches!(&request, Request::Send { to, .. } if *to == in_room("b")),
        "{request:?}"
    );
    conn.reply(id, sent(4)).await;
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::Invite {
            room: room("b"),
            user: user("carol")
        }
    );
    conn.reply(id, Response::Done).await;
    assert_eq!(script.line().await["target"], "#b");
    assert_eq!(
        script.line().await,
        json!({"type":"ok","command":"invite","room":"#b","user":"carol"})
    );
}

/// A file message posted to `#a` by alice.
fn posted(id: u64, file: chat_proto::FileInfo) -> chat_proto::Message {
    chat_proto::Message {
        body: chat_proto::Body::File(file),
        ..message(id, in_room("a"), "alice")
    }
}

fn text_file(id: u64, data: &[u8]) -> chat_proto::FileInfo {
    use sha2::Digest;
    chat_proto::FileInfo {
        id: chat_proto::FileId(id),
        name: "notes.txt".into(),
        size: data.len() as u64,
        media_type: "text/plain".into(),
        sha256: chat_proto::Sha256(sha2::Sha256::digest(data).into()),
    }
}

/// A progress line without its rate, which depends on timing.
fn without_rate(mut line: Value) -> Value {
    assert!(line["rate"].is_u64(), "{line}");
    line.as_object_mut().unwrap().remove("rate");
    line
}

/// Answers a join of `#a`.
async fn joined_a(conn: &mut support::Conn, join: chat_proto::RequestId) {
    let summary = RoomSummary {
        name: room("a"),
        members: 2,
        private: false,
        topic: String::new(),
    };
    let joined = Response::Joined {
        room: summary,
        latest: MessageId(0),
    };
    conn.reply(join, joined).await;
}

/// Takes the start and the one chunk of an upload of `size` bytes; returns the finish.
async fn one_chunk_upload(conn: &mut support::Conn, size: u64) -> chat_proto::RequestId {
    let (start, request) = conn.request().await;
    assert!(
        matches!(request, Request::StartUpload { size: s, .. } if s == size),
        "{request:?}"
    );
    let upload = chat_proto::UploadId(1);
    conn.reply(
        start,
        Response::Upload {
            upload,
            received: 0,
        },
    )
    .await;
    let (chunk, request) = conn.request().await;
    assert!(matches!(request, Request::UploadChunk { offset: 0, .. }));
    conn.reply(chunk, Response::Done).await;
    let (finish, request) = conn.request().await;
    assert_eq!(request, Request::FinishUpload { upload });
    finish
}

#[tokio::test]
async fn send_prints_progress_then_one_ok_with_the_message_and_file_ids() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[])).await;
    script.line().await;
    let dir = tempfile::tempdir().unwrap();
    let data = b"twelve bytes".repeat(100);
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, &data).unwrap();

    script
        .type_lines(&format!(
            "/join #a\n/send {}\n/msg @bob meanwhile\n",
            path.display()
        ))
        .await;
    // The message after the upload goes out while the upload waits for its room.
    let (join, _) = conn.request().await;
    let (msg, request) = conn.request().await;
    assert!(matches!(
        request,
        Request::Send {
            to: Target::User(_),
            ..
        }
    ));
    conn.reply(msg, sent(12)).await;
    joined_a(&mut conn, join).await;
    let finish = one_chunk_upload(&mut conn, 1200).await;

    assert_eq!(
        script.line().await,
        json!({"type":"ok","command":"join","room":"#a","members":2})
    );
    let progress = |bytes| json!({"type":"progress","transfer":1,"direction":"upload","name":"notes.txt","bytes":bytes,"total":1200});
    assert_eq!(without_rate(script.line().await), progress(0));
    assert_eq!(without_rate(script.line().await), progress(1200));

    // The file message arrives live, as it does for every member; the file's id is its
    // message's.
    let file = text_file(20, &data);
    conn.event(Event::Message(posted(20, file.clone()))).await;
    conn.reply(finish, sent(20)).await;

    let sha256 = file.sha256.to_hex();
    let file_json =
        json!({"id":20,"name":"notes.txt","size":1200,"media_type":"text/plain","sha256":sha256});
    assert_eq!(
        script.line().await,
        json!({"type":"file","id":20,"target":"#a","from":"alice","file":file_json,"ts":1020,"history":false})
    );
    assert_eq!(
        script.line().await,
        json!({"type":"ok","command":"send","id":20,"target":"#a","duplicate":false,"file":file_json})
    );
    assert_eq!(
        script.line().await,
        json!({"type":"ok","command":"msg","id":12,"target":"@bob","duplicate":false})
    );
}

#[tokio::test]
async fn send_of_a_missing_file_fails_with_the_file_code() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[])).await;
    script.line().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.txt");
    script
        .type_lines(&format!(
            "/query @bob\n/send {}\n/quit\n",
            missing.display()
        ))
        .await;
    script.line().await;
    let error = script.line().await;
    assert_eq!(
        (&error["code"], &error["command"]),
        (&json!("file"), &json!("send"))
    );
    assert_eq!(script.line().await, json!({"type":"ok","command":"quit"}));
    assert_eq!(script.exit_status().await, 0);
    assert!(conn.closed_within(PATIENCE).await);
}

#[tokio::test]
async fn download_prints_progress_then_the_path_and_checksum_and_never_keeps_bad_bytes() {
    let mut server = Server::start().await;
    let mut script = Script::start(&server);
    let mut conn = server.accept().await;
    conn.log_in(session("alice", &[])).await;
    script.line().await;
    let dir = tempfile::tempdir().unwrap();
    let data = b"0123456789".repeat(100);

    script
        .type_lines(&format!(
            "/download 7 {0}\n/download 8 {0}\n/cancel 5\n",
            dir.path().display()
        ))
        .await;
    let mut good = text_file(7, &data);
    good.name = "../report.pdf".into();
    let mut bad = text_file(8, &data);
    bad.sha256 = chat_proto::Sha256([0; 32]);
    for file in [good.clone(), bad] {
        let (id, request) = conn.request().await;
        assert_eq!(request, Request::FileInfo { file: file.id });
        conn.reply(id, Response::File(file)).await;
    }
    for _ in 0..2 {
        let (id, request) = conn.request().await;
        assert!(matches!(
            request,
            Request::Download {
                offset: 0,
                len: 1000,
                ..
            }
        ));
        let chunk = chat_proto::Chunk(bytes::Bytes::from(data.clone()));
        conn.reply(id, Response::Chunk(chunk)).await;
    }

    // Progress lines of the two downloads may interleave; each comes before its answer.
    let mut lines = Vec::new();
    while lines.len() < 6 {
        lines.push(script.line().await);
    }
    let progress: Vec<Value> = lines
        .iter()
        .filter(|line| line["type"] == "progress")
        .cloned()
        .map(without_rate)
        .collect();
    let expected = |transfer, name: &str, bytes| json!({"type":"progress","transfer":transfer,"direction":"download","name":name,"bytes":bytes,"total":1000});
    for line in [
        expected(1, "report.pdf", 0),
        expected(1, "report.pdf", 1000),
        expected(2, "notes.txt", 0),
        expected(2, "notes.txt", 1000),
    ] {
        assert!(progress.contains(&line), "{line} not in {progress:?}");
    }
    let saved = dir.path().join("report.pdf");
    let answers: Vec<&Value> = lines.iter().filter(|l| l["type"] != "progress").collect();
    assert_eq!(
        answers[0],
        &json!({"type":"ok","command":"download","file":7,"path":saved.display().to_string(),"size":1000,"sha256":good.sha256.to_hex()})
    );
    assert_eq!(
        (&answers[1]["code"], &answers[1]["command"]),
        (&json!("checksum_mismatch"), &json!("download"))
    );
    assert_eq!(
        script.line().await,
        json!({"type":"error","code":"no_transfer","message":"no transfer 5 is running","command":"cancel"})
    );
    assert_eq!(std::fs::read(&saved).unwrap(), data);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "only the good file is left");
}
