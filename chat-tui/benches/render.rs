//! Frame time of the chat screen with a large scrollback.
//!
//! A conversation of 100,000 messages is loaded through the app's normal path (pages of
//! history, as scrolling back fetches them) into an app allowed to keep them all, then a
//! full 200x50 frame is drawn on ratatui's test backend: at the newest message, and scrolled
//! far back. A third case loads the same 100,000 as live messages into an app with the
//! default bound of 5,000, as a long session would. Run with
//! `cargo bench -p chat-tui --bench render`.

use std::hint::black_box;

use chat_proto::{
    Body, Message, MessageId, Page, RoomName, RoomSummary, Session, Target, UserName,
};
use chat_tui::app::{Action, App, Keymap, Reply, Settings, Start};
use chat_tui::client::ClientEvent;
use chat_tui::config::DEFAULT_SCROLLBACK;
use chat_tui::text::clock::Clock;
use chat_tui::theme::Theme;
use chat_tui::ui;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const MESSAGES: u64 = 100_000;
const PAGE: u64 = 500;
const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

fn general() -> Target {
    Target::Room(RoomName::new("general").unwrap())
}

/// Message `id`: a mix of senders, lengths, emoji and wide characters, a minute apart.
fn message(id: u64) -> Message {
    let senders = ["bob", "carol", "dave", "erin", "alice"];
    let text = match id % 7 {
        0 => format!(
            "message {id}: a longer line that wraps, since it goes on about nothing in particular for well over the width of the message view, with an emoji 🎉 and some 日本語 to measure"
        ),
        3 => format!("/me does thing number {id}"),
        5 => format!("alice: a mention in message {id}"),
        _ => format!("message {id} 👍"),
    };
    Message {
        id: MessageId(id),
        to: general(),
        from: UserName::new(senders[(id % 5) as usize]).unwrap(),
        body: Body::Text(text),
        ts_ms: 1_764_666_000_000 + id as i64 * 60_000,
    }
}

fn app(scrollback: usize) -> App {
    let settings = Settings {
        server: "bench:7878".into(),
        keys: Keymap::default(),
        theme: Theme::default(),
        clock: Clock::UTC,
        scrollback,
    };
    let start = Start::Ask {
        user: None,
        register: false,
    };
    let (mut app, _) = App::new(settings, start);
    app.update(Action::Resize {
        width: WIDTH,
        height: HEIGHT,
    });
    app.update(Action::Connected(Session {
        user: UserName::new("alice").unwrap(),
        token: String::new(),
        invitations: vec![],
        removals: vec![],
        conversations: vec![],
        rooms: vec![RoomSummary {
            name: RoomName::new("general").unwrap(),
            members: 5,
            private: false,
            topic: String::new(),
        }],
    }));
    app
}

/// All the messages, as pages of history fetched newest first: the first answers the
/// request made on connecting, each other one a `/history`.
fn loaded_as_history() -> App {
    let mut app = app(MESSAGES as usize);
    for page in (0..MESSAGES / PAGE).rev() {
        if page + 1 < MESSAGES / PAGE {
            type_line(&mut app, "/history");
        }
        let messages = (page * PAGE + 1..=(page + 1) * PAGE).map(message).collect();
        let request = app.current().unwrap().fetching.older.unwrap();
        app.update(Action::Reply(Reply::Older {
            target: general(),
            request,
            result: Ok(Page {
                messages,
                complete: page == 0,
            }),
        }));
    }
    assert_eq!(app.current().unwrap().entries.len(), MESSAGES as usize);
    app
}

/// All the messages, arriving live into the default bound.
fn loaded_live() -> App {
    let mut app = app(DEFAULT_SCROLLBACK);
    for id in 1..=MESSAGES {
        app.update(Action::Client(ClientEvent::Message {
            message: message(id),
            conversation: general(),
            history: false,
        }));
    }
    assert_eq!(app.current().unwrap().entries.len(), DEFAULT_SCROLLBACK);
    app
}

fn type_line(app: &mut App, line: &str) {
    for c in line.chars() {
        app.update(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
}

fn page_up(app: &mut App) {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::PageUp,
        KeyModifiers::NONE,
    )));
}

fn frame(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|frame| ui::draw(frame, black_box(app)))
        .unwrap();
}

fn render(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut group = c.benchmark_group("frame 200x50");

    let mut app = loaded_as_history();
    group.bench_function("100k loaded, at the newest", |b| {
        b.iter(|| frame(&mut terminal, &app));
    });

    while app.current().unwrap().scroll.below < 90_000 {
        page_up(&mut app);
    }
    group.bench_function("100k loaded, 90k back", |b| {
        b.iter(|| frame(&mut terminal, &app));
    });
    group.bench_function("100k loaded, page up then draw", |b| {
        b.iter(|| {
            page_up(&mut app);
            frame(&mut terminal, &app);
        });
    });

    let live = loaded_live();
    group.bench_function("100k live into 5k bound, at the newest", |b| {
        b.iter(|| frame(&mut terminal, &live));
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
