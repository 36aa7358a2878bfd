//! The screens, drawn on ratatui's test backend from states reached through the update
//! function. Whole screens are pinned as snapshots (tests/snapshots); the assertions here
//! check what a snapshot of plain text cannot show, such as colours, and what must never
//! be on screen, such as a password or an escape sequence.

use chat_proto::{
    Member, Message, MessageId, Page, ResumePoint, RoomName, RoomSummary, Session, Target, UserName,
};
use chat_tui::app::{Action, App, Keymap, Reply, Settings, Start};
use chat_tui::client::{ClientEvent, Fingerprint};
use chat_tui::text::clock::Clock;
use chat_tui::theme::Theme;
use chat_tui::ui;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

/// 2025-12-02 09:00 UTC.
const MORNING: i64 = 1_764_666_000_000;

fn user(name: &str) -> UserName {
    UserName::new(name).unwrap()
}

fn room(name: &str) -> RoomName {
    RoomName::new(name).unwrap()
}

fn settings() -> Settings {
    Settings {
        server: "chat.test:7878".into(),
        keys: Keymap::default(),
        theme: Theme::default(),
        clock: Clock::UTC,
        scrollback: 5000,
    }
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| ui::draw(frame, app)).unwrap();
    terminal
}

/// The screen as text, one line per row, as a terminal shows it: a wide character hides
/// the cell after it.
fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < area.width {
                let symbol = buffer[(x, y)].symbol();
                row.push_str(symbol);
                x += symbol.width().max(1) as u16;
            }
            row.trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn message(id: u64, to: Target, from: &str, text: &str, minutes: i64) -> Message {
    Message {
        id: MessageId(id),
        to,
        from: user(from),
        text: text.into(),
        ts_ms: MORNING + minutes * 60_000,
    }
}

fn general() -> Target {
    Target::Room(room("general"))
}

/// Alice in #general (with history and members), #rust and a DM with carol.
fn chat(width: u16, height: u16) -> App {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    app.update(Action::Resize { width, height });
    app.update(Action::Connected(Session {
        user: user("alice"),
        token: String::new(),
        conversations: vec![ResumePoint {
            target: Target::User(user("carol")),
            after: MessageId(0),
        }],
        rooms: ["general", "rust"]
            .iter()
            .map(|n| RoomSummary {
                name: room(n),
                members: 3,
            })
            .collect(),
    }));
    let history = vec![
        message(1, general(), "bob", "good morning", 0),
        message(2, general(), "alice", "morning bob! 👋", 1),
        message(3, general(), "carol", "/me brings coffee ☕", 2),
        message(
            4,
            general(),
            "bob",
            "alice: a long line to show wrapping, which goes on and on past the edge of the \
             message view so that it takes more than one row",
            3,
        ),
        message(5, general(), "carol", "日本語も大丈夫です", 24 * 60),
    ];
    app.update(Action::Reply(Reply::Older {
        target: general(),
        result: Ok(Page {
            messages: history,
            complete: true,
        }),
    }));
    app.update(Action::Reply(Reply::Members {
        room: room("general"),
        show: false,
        result: Ok(vec![
            Member {
                user: user("alice"),
                online: true,
            },
            Member {
                user: user("carol"),
                online: false,
            },
            Member {
                user: user("bob"),
                online: true,
            },
        ]),
    }));
    app.update(Action::Client(ClientEvent::Message {
        message: message(
            6,
            room_target("rust"),
            "bob",
            "anyone here, alice?",
            24 * 60 + 5,
        ),
        conversation: room_target("rust"),
        history: false,
    }));
    app
}

fn room_target(name: &str) -> Target {
    Target::Room(room(name))
}

#[test]
fn the_chat_screen() {
    let app = chat(100, 20);
    insta::assert_snapshot!(text(draw(&app, 100, 20).backend().buffer()));
}

#[test]
fn the_rooms_pane_marks_unread_and_mentions() {
    let app = chat(100, 20);
    let terminal = draw(&app, 100, 20);
    let screen = text(terminal.backend().buffer());
    let rows: Vec<&str> = screen.lines().collect();
    assert!(rows[2].starts_with("1 #general"), "{}", rows[2]);
    assert!(
        rows[3].starts_with("2 #rust") && rows[3].contains("@1"),
        "{}",
        rows[3]
    );
    assert!(rows[5].starts_with("3 @carol"), "{}", rows[5]);
    // The current room is drawn in the accent colour.
    let cell = &terminal.backend().buffer()[(3, 2)];
    assert_eq!(cell.fg, app.settings.theme.accent);
}

#[test]
fn the_member_pane_lists_online_people_first() {
    let app = chat(100, 20);
    let screen = text(draw(&app, 100, 20).backend().buffer());
    let members: Vec<&str> = screen
        .lines()
        .skip(1)
        .take(4)
        .map(|l| l[l.len() - 18..].trim())
        .collect();
    assert_eq!(
        members,
        ["│ Members 2/3", "│ ● alice", "│ ● bob", "│ ○ carol"]
    );
}

#[test]
fn mentions_and_own_messages_are_coloured() {
    let app = chat(100, 20);
    let terminal = draw(&app, 100, 20);
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    let find = |needle: &str| {
        screen
            .lines()
            .enumerate()
            .find_map(|(y, l)| {
                l.find(needle)
                    .map(|x| (l[..x].chars().count() as u16, y as u16))
            })
            .unwrap_or_else(|| panic!("{needle} not on screen"))
    };
    let (x, y) = find("alice: a long line");
    assert_eq!(buffer[(x, y)].fg, app.settings.theme.mention);
    let (x, y) = find("alice │ morning");
    assert_eq!(buffer[(x, y)].fg, app.settings.theme.own);
}

#[test]
fn wide_characters_take_two_columns() {
    let app = chat(100, 20);
    let terminal = draw(&app, 100, 20);
    let buffer = terminal.backend().buffer();
    let y = (0..20)
        .find(|&y| (0..100).any(|x| buffer[(x, y)].symbol() == "日"))
        .unwrap();
    let x = (0..100).find(|&x| buffer[(x, y)].symbol() == "日").unwrap();
    let cells: Vec<&str> = (x..x + 6).map(|x| buffer[(x, y)].symbol()).collect();
    assert_eq!(cells, ["日", " ", "本", " ", "語", " "]);
    // The row still ends at the member pane's border, in its usual column.
    assert_eq!(buffer[(80, y)].symbol(), "│");
    assert_eq!(buffer[(80, y - 1)].symbol(), "│");
}

#[test]
fn escape_sequences_from_the_network_never_reach_the_screen() {
    let mut app = chat(100, 20);
    app.update(Action::Client(ClientEvent::Message {
        message: message(
            7,
            general(),
            "bob",
            "\u{1b}]52;c;cHduZWQ=\u{7}hi\u{1b}[2J\u{202e}there",
            25 * 60,
        ),
        conversation: general(),
        history: false,
    }));
    let buffer = draw(&app, 100, 20).backend().buffer().clone();
    let screen = text(&buffer);
    assert!(screen.contains("bob │ hithere"), "{screen}");
    for cell in buffer.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}')
        );
    }
}

#[test]
fn the_help_overlay() {
    let mut app = chat(100, 30);
    app.update(key(KeyCode::F(1)));
    insta::assert_snapshot!(text(draw(&app, 100, 30).backend().buffer()));
}

#[test]
fn a_scrolled_view_says_how_to_come_back() {
    let mut app = chat(100, 12);
    app.update(Action::Wheel { up: true });
    let screen = text(draw(&app, 100, 12).backend().buffer());
    insta::assert_snapshot!(screen);
    assert!(screen.contains("Ctrl+End"));
}

#[test]
fn a_narrow_terminal_drops_the_side_panes() {
    let app = chat(46, 12);
    insta::assert_snapshot!(text(draw(&app, 46, 12).backend().buffer()));
}

#[test]
fn the_login_form_never_shows_the_password() {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: Some(user("alice")),
            register: false,
        },
    );
    type_text(&mut app, "hunter2");
    let mut terminal = draw(&app, 70, 15);
    let screen = text(terminal.backend().buffer());
    assert!(!screen.contains("hunter2"));
    insta::assert_snapshot!(screen);
    // The cursor sits after the seventh dot.
    let row = screen.lines().position(|l| l.contains("Password")).unwrap();
    let dots = screen.lines().nth(row).unwrap().find('•').unwrap();
    let column = screen.lines().nth(row).unwrap()[..dots].chars().count() + 7;
    terminal
        .backend_mut()
        .assert_cursor_position((column as u16, row as u16));
}

#[test]
fn the_certificate_question_shows_the_fingerprint() {
    let (mut app, _) = App::new(
        settings(),
        Start::Connect(chat_tui::app::Login {
            user: user("alice"),
            password: "pw".into(),
            register: false,
        }),
    );
    let fingerprint = Fingerprint::of(b"a certificate");
    app.update(Action::TrustUnknown {
        server: "chat.test:7878".into(),
        fingerprint,
    });
    let screen = text(draw(&app, 90, 20).backend().buffer());
    assert!(screen.contains(&fingerprint.to_string()), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn the_status_line_shows_reconnecting() {
    let mut app = chat(100, 20);
    app.update(Action::Client(ClientEvent::Disconnected {
        reason: "connection reset".into(),
    }));
    let screen = text(draw(&app, 100, 20).backend().buffer());
    let status = screen.lines().nth(18).unwrap();
    assert!(
        status.contains("[reconnecting… (connection reset); messages wait]"),
        "{status}"
    );
    assert!(status.ends_with("F1 help"), "{status}");
}

#[test]
fn the_first_screen_after_login_says_what_to_do() {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    app.update(Action::Resize {
        width: 100,
        height: 16,
    });
    app.update(Action::Connected(Session {
        user: user("alice"),
        token: String::new(),
        conversations: vec![],
        rooms: vec![],
    }));
    insta::assert_snapshot!(text(draw(&app, 100, 16).backend().buffer()));
}
