//! The screens, drawn on ratatui's test backend from states reached through the update
//! function. Whole screens are pinned as snapshots (tests/snapshots); the assertions here
//! check what a snapshot of plain text cannot show, such as colours, and what must never
//! be on screen, such as a password or an escape sequence.

use chat_proto::{
    Body, Invitation, Member, Message, MessageId, Page, ResumePoint, Role, RoomEvent, RoomName,
    RoomSummary, Session, Target, UserName,
};
use chat_tui::app::{Action, App, Failure, Keymap, Reply, Settings, Start};
use chat_tui::client::{ClientEvent, Fingerprint};
use chat_tui::preview::{self, Picture, Preview};
use chat_tui::text::clock::Clock;
use chat_tui::theme::Theme;
use chat_tui::ui;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui_image::picker::Picker;
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
        body: Body::Text(text.into()),
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
        invitations: vec![],
        removals: vec![],
        conversations: vec![ResumePoint {
            target: Target::User(user("carol")),
            after: MessageId(0),
        }],
        rooms: ["general", "rust"]
            .iter()
            .map(|n| RoomSummary {
                name: room(n),
                members: 3,
                private: false,
                topic: String::new(),
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
    let request = app.current().unwrap().fetching.older.unwrap();
    app.update(Action::Reply(Reply::Older {
        target: general(),
        request,
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
                role: Role::Member,
            },
            Member {
                user: user("carol"),
                online: false,
                role: Role::Member,
            },
            Member {
                user: user("bob"),
                online: true,
                role: Role::Member,
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
fn the_tab_row_names_each_conversation_once_and_marks_the_current() {
    let mut app = chat(100, 20);
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('3'),
        KeyModifiers::ALT,
    )));
    let terminal = draw(&app, 100, 20);
    let screen = text(terminal.backend().buffer());
    let top = screen.lines().next().unwrap();
    assert_eq!(top, " #general │ #rust (1) │ @carol │");
    let at = top.find("@carol").unwrap() as u16;
    let cell = &terminal.backend().buffer()[(at, 0)];
    assert_eq!(cell.fg, app.settings.theme.accent);
    assert_ne!(
        terminal.backend().buffer()[(2, 0)].fg,
        app.settings.theme.accent
    );
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
        ["│ Members 2/3", "│ ●  alice", "│ ●  bob", "│ ○  carol"]
    );
}

/// The chat screen of a private room with a topic, roles, an invitation waiting and room
/// events in the scrollback.
fn group_chat(width: u16, height: u16) -> App {
    let mut app = chat(width, height);
    let event = |id, from: &str, event, minutes| {
        let mut message = message(id, general(), from, "", minutes);
        message.body = Body::Event(event);
        Action::Client(ClientEvent::Message {
            message,
            conversation: general(),
            history: false,
        })
    };
    let day = 24 * 60;
    app.update(event(
        7,
        "bob",
        RoomEvent::TopicChanged {
            topic: "release on friday \u{1b}[31m".into(),
        },
        day + 10,
    ));
    app.update(event(
        8,
        "bob",
        RoomEvent::RoleChanged {
            user: user("alice"),
            role: Role::Admin,
        },
        day + 11,
    ));
    app.update(event(
        9,
        "alice",
        RoomEvent::Kicked {
            user: user("carol"),
            reason: "too much coffee".into(),
        },
        day + 12,
    ));
    app.update(Action::Reply(Reply::Members {
        room: room("general"),
        show: false,
        result: Ok(vec![
            Member {
                user: user("alice"),
                online: true,
                role: Role::Admin,
            },
            Member {
                user: user("dave"),
                online: true,
                role: Role::Member,
            },
            Member {
                user: user("bob"),
                online: false,
                role: Role::Owner,
            },
        ]),
    }));
    app.update(Action::Client(ClientEvent::Invited(Invitation {
        room: room("plans"),
        by: user("bob"),
    })));
    app.rooms.get_mut(&room("rust")).unwrap().private = true;
    app
}

#[test]
fn a_room_as_a_group() {
    let app = group_chat(100, 20);
    let terminal = draw(&app, 100, 20);
    let screen = text(terminal.backend().buffer());
    insta::assert_snapshot!(screen);
    assert!(!screen.contains("[31m"), "{screen}");
    // Room events are drawn dimmed, as the system's lines.
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("carol was removed by alice"))
        .unwrap();
    let x = line.find("carol was").unwrap();
    let x = line[..x].chars().count() as u16;
    let cell = &terminal.backend().buffer()[(x, y as u16)];
    assert_eq!(cell.fg, ratatui::style::Color::DarkGray);
}

#[test]
fn the_member_pane_lists_the_owner_then_admins_then_members() {
    let app = group_chat(100, 20);
    let screen = text(draw(&app, 100, 20).backend().buffer());
    // What follows the member pane's border.
    let members: Vec<&str> = screen
        .lines()
        .skip(1)
        .take(4)
        .filter_map(|l| l.rsplit('│').next())
        .map(str::trim)
        .collect();
    assert_eq!(members, ["Members 2/3", "○ ~bob", "● @alice", "●  dave"]);
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
fn the_help_scrolls_on_a_small_terminal_and_says_when_more_is_below() {
    let mut app = chat(80, 24);
    app.update(key(KeyCode::F(1)));
    let screen = text(draw(&app, 80, 24).backend().buffer());
    assert!(screen.contains("↓ more below"), "{screen}");
    assert!(!screen.contains("//text"), "{screen}");

    for _ in 0..3 {
        app.update(key(KeyCode::PageDown));
    }
    let screen = text(draw(&app, 80, 24).backend().buffer());
    assert!(
        screen.contains("//text") && screen.contains("send text that starts with a slash"),
        "{screen}"
    );
    assert!(!screen.contains("more below"), "{screen}");

    app.update(key(KeyCode::Up));
    let screen = text(draw(&app, 80, 24).backend().buffer());
    assert!(!screen.contains("//text"), "Up scrolls back: {screen}");
}

#[test]
fn the_help_wraps_rather_than_cuts_on_a_narrow_terminal() {
    let mut app = chat(70, 20);
    app.update(key(KeyCode::F(1)));
    let screen = text(draw(&app, 70, 20).backend().buffer());
    let rows: Vec<&str> = screen.lines().collect();
    // Every row of the box ends with its right border: no text runs into it.
    let inside = rows
        .iter()
        .filter(|r| r.contains("│ Ctrl") || r.contains("│ Tab"));
    for row in inside {
        assert!(row.ends_with('│'), "{row}");
    }
    assert!(
        screen.contains("complete a name, #room, /command or"),
        "{screen}"
    );
    assert!(screen.contains(":emoji:"), "{screen}");
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
fn the_answer_to_the_certificate_question_is_shown_as_typed() {
    let (mut app, _) = App::new(
        settings(),
        Start::Connect(chat_tui::app::Login {
            user: user("alice"),
            password: "pw".into(),
            register: false,
        }),
    );
    app.update(Action::TrustUnknown {
        server: "chat.test:7878".into(),
        fingerprint: Fingerprint::of(b"a certificate"),
    });
    type_text(&mut app, "ye");
    let mut terminal = draw(&app, 90, 20);
    let screen = text(terminal.backend().buffer());
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Trust this server"))
        .unwrap();
    let line = line.trim_end_matches([' ', '│']);
    assert!(line.ends_with("then Enter: ye"), "{line}");
    terminal
        .backend_mut()
        .assert_cursor_position((line.chars().count() as u16, row as u16));
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
fn a_long_notice_is_cut_short_before_the_help_hint() {
    let mut app = chat(120, 20);
    app.update(Action::Reply(Reply::Joined {
        room: room("general"),
        result: Err(Failure::new("internal", "the server says ".repeat(10))),
    }));
    let screen = text(draw(&app, 120, 20).backend().buffer());
    let status = screen.lines().nth(18).unwrap();
    assert!(status.ends_with("… F1 help"), "{status}");
}

#[test]
fn the_status_line_has_no_bar_with_nothing_after_it() {
    let mut app = chat(100, 20);
    app.update(Action::Client(ClientEvent::Disconnected {
        reason: "\u{1b}[2J".into(),
    }));
    type_text(&mut app, "/jion");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Esc));
    let screen = text(draw(&app, 100, 20).backend().buffer());
    let status = screen.lines().nth(18).unwrap();
    assert!(
        !status.contains("│ │") && !status.trim_end_matches("F1 help").trim_end().ends_with('│'),
        "{status}"
    );
    assert!(
        status.contains("[reconnecting…; messages wait]"),
        "{status}"
    );
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
        invitations: vec![],
        removals: vec![],
        conversations: vec![],
        rooms: vec![],
    }));
    insta::assert_snapshot!(text(draw(&app, 100, 16).backend().buffer()));
}

/// A 4×4 PNG, red on the left and blue on the right, written and decoded as a posted
/// file would be.
fn two_colour_picture() -> Picture {
    let image = image::RgbImage::from_fn(4, 4, |x, _| {
        if x < 2 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flag.png");
    image.save(&path).unwrap();
    let decoded = preview::decode(&path).unwrap();
    Picture::new(decoded, &Picker::halfblocks())
}

#[test]
fn terminals_with_graphics_get_the_picture_in_their_own_escape_sequence() {
    use ratatui_image::picker::ProtocolType;
    let image = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        64,
        64,
        image::Rgb([255, 0, 0]),
    ));
    for (protocol, name, start) in [
        (ProtocolType::Sixel, "sixel", "\u{1b}P"),
        (ProtocolType::Kitty, "kitty", "\u{1b}_G"),
        (ProtocolType::Iterm2, "iTerm2", "\u{1b}]1337;File="),
    ] {
        let mut picker = Picker::halfblocks();
        picker.set_protocol_type(protocol);
        let picture = Picture::new(image.clone(), &picker);
        let app = previewing_picture(chat(60, 20), "red.png", picture);
        let terminal = draw(&app, 60, 20);
        let buffer = terminal.backend().buffer();
        // Every cell's symbol in a row: the picture's one long escape sequence would
        // push the rest of its row off a `text` rendering.
        let cells: String = buffer
            .content()
            .iter()
            .map(ratatui::buffer::Cell::symbol)
            .collect();
        assert!(cells.contains(&format!(" drawn with {name} ")), "{name}");
        assert!(
            cells.contains("[online]"),
            "{name}: the status line is drawn too"
        );
        let sequences = buffer
            .content()
            .iter()
            .filter(|cell| cell.symbol().contains(start))
            .count();
        assert_eq!(sequences, 1, "{name}: one {start:?} sequence on screen");
    }
}

/// Where the screen's background is `red` (R) or `blue` (B), one line per row.
fn colour_map(buffer: &Buffer, red: Color, blue: Color) -> String {
    (0..buffer.area.height)
        .map(|y| {
            let row: String = (0..buffer.area.width)
                .map(|x| match buffer[(x, y)].bg {
                    bg if bg == red => 'R',
                    bg if bg == blue => 'B',
                    _ => ' ',
                })
                .collect();
            row.trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `app` with the preview of a posted image open.
fn previewing(app: App) -> App {
    previewing_picture(app, "flag.png", two_colour_picture())
}

/// `app` with `picture` open in the preview box, posted as `name`.
fn previewing_picture(mut app: App, name: &str, picture: Picture) -> App {
    app.update(file_message(90, name, 120, "image/png", 25 * 60));
    type_text(&mut app, "/view 100");
    app.update(key(KeyCode::Enter));
    app.update(Action::Reply(Reply::Previewed {
        transfer: 1,
        result: Ok(Preview {
            name: name.into(),
            picture,
        }),
    }));
    app
}

#[test]
fn an_image_preview_draws_the_picture_in_half_blocks() {
    let app = previewing(chat(60, 20));
    let terminal = draw(&app, 60, 20);
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    assert!(screen.contains(" flag.png — Esc closes "), "{screen}");
    assert!(screen.contains(" drawn with half blocks "), "{screen}");
    // Solid colour fills a cell with its background; the middle row reads red, then blue.
    let middle = buffer.area.height / 2;
    let row: Vec<Color> = (0..buffer.area.width)
        .map(|x| buffer[(x, middle)].bg)
        .filter(|bg| matches!(bg, Color::Rgb(..)))
        .collect();
    let red = Color::Rgb(255, 0, 0);
    let blue = Color::Rgb(0, 0, 255);
    let first_blue = row.iter().position(|c| *c == blue);
    assert!(row.first() == Some(&red) && first_blue.is_some(), "{row:?}");
    assert!(
        row[first_blue.unwrap()..].iter().all(|c| *c == blue),
        "{row:?}"
    );
    insta::assert_snapshot!(format!("{screen}\n\n{}", colour_map(buffer, red, blue)));
}

/// Every screen and box, from states reached through the update function.
fn every_screen() -> Vec<(&'static str, App)> {
    let mut screens = Vec::new();
    let chat_screen = chat(100, 20);
    let preview = previewing(chat_screen.clone());
    let mut help = chat_screen.clone();
    help.update(key(KeyCode::F(1)));
    let mut rooms = chat_screen.clone();
    rooms.update(Action::Reply(Reply::Rooms {
        show: true,
        result: Ok((0..30)
            .map(|n| RoomSummary {
                name: room(&format!("room{n}")),
                members: n,
                private: false,
                topic: String::new(),
            })
            .collect()),
    }));
    let mut no_rooms = chat_screen.clone();
    no_rooms.update(Action::Reply(Reply::Rooms {
        show: true,
        result: Ok(vec![]),
    }));
    let mut who = chat_screen.clone();
    who.update(Action::Reply(Reply::Members {
        room: room("general"),
        show: true,
        result: Ok(vec![Member {
            user: user("bob"),
            online: true,
            role: Role::Member,
        }]),
    }));
    let mut group_who = group_chat(100, 20);
    group_who.update(Action::Reply(Reply::Members {
        room: room("general"),
        show: true,
        result: Ok(vec![Member {
            user: user("bob"),
            online: true,
            role: Role::Owner,
        }]),
    }));
    screens.extend([("group", group_chat(100, 20)), ("group who", group_who)]);
    screens.extend([
        ("chat", chat_screen),
        ("help", help),
        ("rooms", rooms),
        ("no rooms", no_rooms),
        ("who", who),
        ("preview", preview),
    ]);

    let (mut login, _) = App::new(
        settings(),
        Start::Ask {
            user: Some(user("alice")),
            register: false,
        },
    );
    type_text(&mut login, "pw");
    let (connecting, _) = App::new(
        settings(),
        Start::Connect(chat_tui::app::Login {
            user: user("alice"),
            password: "pw".into(),
            register: false,
        }),
    );
    let mut trust = connecting.clone();
    trust.update(Action::TrustUnknown {
        server: "chat.test:7878".into(),
        fingerprint: Fingerprint::of(b"a certificate"),
    });
    type_text(&mut trust, "ye");
    let mut refused = trust.clone();
    refused.update(key(KeyCode::Esc));
    screens.extend([
        ("login", login),
        ("connecting", connecting),
        ("trust", trust),
        ("refused", refused),
    ]);
    screens
}

#[test]
fn no_screen_panics_on_a_tiny_terminal() {
    let mut sizes = vec![(0, 0), (1, 1), (80, 1), (80, 2), (2, 40), (0, 40), (80, 0)];
    for width in (0..=24).chain([46, 63, 64, 65, 80]) {
        for height in (0..=8).chain([11, 12, 16, 17]) {
            sizes.push((width, height));
        }
    }
    for (name, app) in every_screen() {
        for &(width, height) in &sizes {
            let result = std::panic::catch_unwind(|| draw(&app, width, height));
            assert!(result.is_ok(), "{name} at {width}x{height}");
        }
    }
}

#[test]
fn a_tiny_terminal_says_it_is_too_small() {
    for (name, app) in every_screen() {
        for (width, height) in [(80, 1), (80, 2), (19, 40)] {
            let screen = text(draw(&app, width, height).backend().buffer());
            assert_eq!(
                screen.trim(),
                "terminal too small",
                "{name} at {width}x{height}"
            );
        }
        for (width, height) in [(1, 1), (2, 40)] {
            let screen = text(draw(&app, width, height).backend().buffer());
            assert_eq!(screen.trim(), "", "{name} at {width}x{height}");
        }
    }
}

#[test]
fn the_smallest_chat_screen_keeps_the_input_line() {
    let mut app = chat(20, 3);
    type_text(&mut app, "hi");
    let mut terminal = draw(&app, 20, 3);
    let screen = text(terminal.backend().buffer());
    let rows: Vec<&str> = screen.lines().collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].starts_with(" #general"), "{screen}");
    assert!(rows[1].contains("online"), "{screen}");
    assert!(rows[2].ends_with("] hi"), "{screen}");
    let column = rows[2].chars().count() as u16;
    terminal.backend_mut().assert_cursor_position((column, 2));
}

#[test]
fn a_list_on_a_short_terminal_keeps_the_selection_in_view() {
    let mut app = chat(80, 5);
    app.update(Action::Reply(Reply::Rooms {
        show: true,
        result: Ok((0..30)
            .map(|n| RoomSummary {
                name: room(&format!("room{n}")),
                members: 1,
                private: false,
                topic: String::new(),
            })
            .collect()),
    }));
    for _ in 0..7 {
        app.update(key(KeyCode::Down));
    }
    let screen = text(draw(&app, 80, 5).backend().buffer());
    assert!(screen.contains("#room7 "), "{screen}");
    assert!(!screen.contains("#room6 "), "{screen}");
}

#[test]
fn a_long_conversation_name_leaves_the_typed_text_in_view() {
    let long = "a-room-with-a-name-as-long-as-names-may-be-48-ch";
    assert_eq!(long.len(), 48);
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    app.update(Action::Resize {
        width: 46,
        height: 12,
    });
    app.update(Action::Connected(Session {
        user: user("alice"),
        token: String::new(),
        invitations: vec![],
        removals: vec![],
        conversations: vec![],
        rooms: vec![RoomSummary {
            name: room(long),
            members: 1,
            private: false,
            topic: String::new(),
        }],
    }));
    type_text(&mut app, "hello there");
    let mut terminal = draw(&app, 46, 12);
    let screen = text(terminal.backend().buffer());
    let input = screen.lines().last().unwrap();
    assert!(
        input.starts_with("[#a-room-with-a-name-as-long-as…] "),
        "{input}"
    );
    assert!(input.ends_with("] hello there"), "{input}");
    let column = input.chars().count() as u16;
    terminal.backend_mut().assert_cursor_position((column, 11));
}

/// A file posted to #general by bob, `minutes` after the morning.
fn file_message(id: u64, name: &str, size: u64, media_type: &str, minutes: i64) -> Action {
    let file = chat_proto::FileInfo {
        id: chat_proto::FileId(id + 10),
        name: name.into(),
        size,
        media_type: media_type.into(),
        sha256: chat_proto::Sha256([0; 32]),
    };
    Action::Client(ClientEvent::Message {
        message: Message {
            body: Body::File(file),
            ..message(id, general(), "bob", "", minutes)
        },
        conversation: general(),
        history: false,
    })
}

#[test]
fn files_say_how_to_fetch_them_and_transfers_show_with_a_bar() {
    let mut app = chat(140, 20);
    app.update(file_message(
        7,
        "report.pdf",
        1_234_567,
        "application/pdf",
        25 * 60,
    ));
    app.update(file_message(
        8,
        "cat.png",
        204_800,
        "image/png",
        25 * 60 + 1,
    ));
    type_text(&mut app, "/send /tmp/slides.odp");
    app.update(key(KeyCode::Enter));
    app.update(Action::Reply(Reply::Progress {
        transfer: 1,
        progress: chat_tui::client::Progress {
            name: "slides.odp".into(),
            bytes: 3_000_000,
            total: 4_000_000,
            rate: 500_000,
        },
    }));
    let screen = text(draw(&app, 140, 20).backend().buffer());
    assert!(
        screen.contains("📎 report.pdf (1.2 MB, application/pdf) — /download 17"),
        "{screen}"
    );
    assert!(
        screen.contains("[image: cat.png, 205 KB — /view 18 to preview, /download 18 to save]"),
        "{screen}"
    );
    let bar = screen
        .lines()
        .find(|row| row.contains("[1] ↑ slides.odp"))
        .expect("a row for the upload");
    assert!(bar.contains("━━━━━"), "{bar}");
    assert!(
        bar.ends_with("75% 3.0 MB of 4.0 MB 500 KB/s 0:02 left · /cancel 1"),
        "{bar}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn the_progress_bar_fills_with_the_bytes_done() {
    let mut app = chat(100, 20);
    type_text(&mut app, "/send /tmp/slides.odp");
    app.update(key(KeyCode::Enter));
    let progress = |bytes| {
        Action::Reply(Reply::Progress {
            transfer: 1,
            progress: chat_tui::client::Progress {
                name: "slides.odp".into(),
                bytes,
                total: 4_000_000,
                rate: 500_000,
            },
        })
    };
    let filled = |app: &App| {
        let screen = text(draw(app, 100, 20).backend().buffer());
        let bar = screen
            .lines()
            .find(|r| r.contains("slides.odp"))
            .unwrap()
            .to_owned();
        (bar.matches('━').count(), bar.matches('─').count())
    };
    app.update(progress(1_000_000));
    let (quarter, empty) = filled(&app);
    app.update(progress(3_000_000));
    let (three_quarters, rest) = filled(&app);
    assert!(
        quarter > 0 && three_quarters > 2 * quarter,
        "{quarter} {three_quarters}"
    );
    assert_eq!(quarter + empty, three_quarters + rest);
}

#[test]
fn transfers_beyond_the_pane_are_counted_even_on_a_single_row() {
    // Seven rows leave the pane one; twenty leave it three.
    for (height, uploads, bars, counted) in [
        (7, 3, 1, "/cancel 1 · +2 more"),
        (20, 4, 2, "+2 more: /cancel stops them all"),
    ] {
        let mut app = chat(100, height);
        for n in 0..uploads {
            type_text(&mut app, &format!("/send /tmp/{n}.bin"));
            app.update(key(KeyCode::Enter));
        }
        let screen = text(draw(&app, 100, height).backend().buffer());
        let bar_rows = screen
            .lines()
            .filter(|row| row.contains("starting…"))
            .count();
        assert_eq!(bar_rows, bars, "{screen}");
        assert!(screen.contains(counted), "{screen}");
    }
}

#[test]
fn a_terminal_too_short_for_the_transfers_pane_shows_them_on_the_status_line() {
    let mut app = chat(100, 6);
    type_text(&mut app, "/send /tmp/slides.odp");
    app.update(key(KeyCode::Enter));
    let screen = text(draw(&app, 100, 6).backend().buffer());
    let status = screen.lines().nth(4).unwrap();
    assert!(status.contains("[1] ↑ slides.odp starting…"), "{screen}");
    assert!(!screen.contains("/cancel 1"), "{screen}");
}

#[test]
fn the_file_picked_is_highlighted_and_the_status_line_says_what_keys_do() {
    let mut app = chat(140, 20);
    app.update(file_message(
        7,
        "report.pdf",
        1_234_567,
        "application/pdf",
        25 * 60,
    ));
    app.update(key(KeyCode::F(4)));
    let terminal = draw(&app, 140, 20);
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    assert!(
        screen.contains("report.pdf (1.2 MB): Enter or d saves, v views"),
        "{screen}"
    );
    let row = screen
        .lines()
        .position(|r| r.contains("📎 report.pdf"))
        .unwrap() as u16;
    let column = screen
        .lines()
        .nth(usize::from(row))
        .unwrap()
        .find("📎")
        .unwrap();
    let x = screen.lines().nth(usize::from(row)).unwrap()[..column]
        .chars()
        .count() as u16;
    let style = buffer[(x + 3, row)].modifier;
    assert!(style.contains(Modifier::REVERSED), "{style:?}");
}
