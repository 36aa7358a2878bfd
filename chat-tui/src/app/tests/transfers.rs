//! Files sent and fetched, driven through the update function: the effects the commands
//! make, the transfers line, and how a transfer ends.

use std::path::PathBuf;

use chat_proto::{FileId, FileInfo, Sha256};

use super::*;
use crate::client::Progress;

fn progress(name: &str, bytes: u64, total: u64, rate: u64) -> Progress {
    Progress {
        name: name.into(),
        bytes,
        total,
        rate,
    }
}

#[test]
fn send_posts_a_file_to_the_current_conversation_as_a_numbered_transfer() {
    let mut app = connected();
    let effects = enter_line(&mut app, "/send /tmp/report.pdf");
    assert_eq!(
        effects,
        [Effect::Upload {
            transfer: 1,
            to: general(),
            path: PathBuf::from("/tmp/report.pdf"),
        }]
    );
    assert_eq!(app.transfers.len(), 1);
    assert_eq!(app.transfers[0].summary(), "[1] ↑ report.pdf starting…");
    assert!(app.input.is_empty());

    app.update(Action::Reply(Reply::Progress {
        transfer: 1,
        progress: progress("report.pdf", 500, 1000, 250),
    }));
    assert_eq!(
        app.transfers[0].summary(),
        "[1] ↑ report.pdf 50% 250 B/s 0:02 left"
    );

    app.update(Action::Reply(Reply::Uploaded {
        transfer: 1,
        result: Ok(MessageId(9)),
    }));
    assert!(app.transfers.is_empty());
    assert_eq!(app.notice.as_ref().unwrap().text, "sent report.pdf");
}

#[test]
fn download_numbers_its_transfer_and_says_where_the_file_went() {
    let mut app = connected();
    enter_line(&mut app, "/send a.txt");
    let effects = enter_line(&mut app, "/download 17 ~/keep");
    assert_eq!(
        effects,
        [Effect::Download {
            transfer: 2,
            file: FileId(17),
            dest: Some(PathBuf::from("~/keep")),
        }]
    );
    assert_eq!(app.transfers[1].summary(), "[2] ↓ file 17 starting…");
    app.update(Action::Reply(Reply::Downloaded {
        transfer: 2,
        result: Ok(PathBuf::from("/home/a/keep/cat.png")),
    }));
    assert_eq!(app.transfers.len(), 1);
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "saved /home/a/keep/cat.png"
    );
}

#[test]
fn cancel_stops_one_transfer_or_all_and_says_when_there_is_none() {
    let mut app = connected();
    assert!(enter_line(&mut app, "/cancel").is_empty());
    assert_eq!(app.notice.as_ref().unwrap().text, "no transfer is running");

    enter_line(&mut app, "/send a.txt");
    enter_line(&mut app, "/download 4");
    assert!(enter_line(&mut app, "/cancel 7").is_empty());
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "no transfer 7 is running"
    );
    assert_eq!(enter_line(&mut app, "/cancel 2"), [Effect::Cancel(vec![2])]);
    assert_eq!(
        enter_line(&mut app, "/cancel"),
        [Effect::Cancel(vec![1, 2])]
    );

    let cancelled = Failure::new("cancelled", "cancelled");
    app.update(Action::Reply(Reply::Uploaded {
        transfer: 1,
        result: Err(cancelled),
    }));
    assert_eq!(app.notice.as_ref().unwrap().text, "cancelled a.txt");
    let failure = Failure::new("checksum_mismatch", "the bytes do not match");
    app.update(Action::Reply(Reply::Downloaded {
        transfer: 2,
        result: Err(failure),
    }));
    let notice = app.notice.as_ref().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "cannot download file 4: the bytes do not match"
    );
    assert!(app.transfers.is_empty());
}

#[test]
fn send_needs_a_conversation() {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    app.update(Action::Connected(session(&[], &[])));
    assert!(enter_line(&mut app, "/send x").is_empty());
    assert!(app.notice.as_ref().unwrap().error);
    assert!(app.transfers.is_empty());
}

#[test]
fn a_file_message_reads_as_how_to_fetch_it() {
    let mut app = connected();
    let file = FileInfo {
        id: FileId(17),
        name: "report.pdf".into(),
        size: 1_200_000,
        media_type: "application/pdf".into(),
        sha256: Sha256([1; 32]),
    };
    app.update(Action::Client(ClientEvent::Message {
        message: Message {
            body: Body::File(file),
            ..message(5, general(), "bob", "")
        },
        conversation: general(),
        history: false,
    }));
    let chat = app.current().unwrap();
    let Some(Entry::Message(line)) = chat.entries.back() else {
        panic!("no message");
    };
    assert_eq!(
        line.body,
        "📎 report.pdf (1.2 MB, application/pdf) — /download 17"
    );
    assert_eq!(line.kind, LineKind::File);
}
