//! The app driven through its update function alone: no terminal, no server.

use chat_proto::{
    Body, Member, Message, MessageId, Page, ResumePoint, Role, RoomName, RoomSummary, Session,
    Target, UserName,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::client::ClientEvent;

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
        scrollback: 1000,
    }
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn with(code: KeyCode, modifiers: KeyModifiers) -> Action {
    Action::Key(KeyEvent::new(code, modifiers))
}

fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

/// Types a line and presses Enter; returns the effects of Enter.
fn enter_line(app: &mut App, line: &str) -> Vec<Effect> {
    type_text(app, line);
    app.update(key(KeyCode::Enter))
}

fn session(rooms: &[&str], dms: &[&str]) -> Session {
    Session {
        user: user("alice"),
        token: "t".into(),
        invitations: vec![],
        removals: vec![],
        conversations: dms
            .iter()
            .map(|peer| ResumePoint {
                target: Target::User(user(peer)),
                after: MessageId(0),
            })
            .collect(),
        rooms: rooms
            .iter()
            .map(|name| RoomSummary {
                name: room(name),
                members: 2,
                private: false,
                topic: String::new(),
            })
            .collect(),
    }
}

/// Alice, logged in, in #general and #rust, with a DM with carol.
fn connected() -> App {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    app.update(Action::Connected(session(&["general", "rust"], &["carol"])));
    app
}

fn message(id: u64, to: Target, from: &str, text: &str) -> Message {
    Message {
        id: MessageId(id),
        to,
        from: user(from),
        body: Body::Text(text.into()),
        ts_ms: 1_764_718_200_000 + id as i64 * 1000,
    }
}

fn arrive(app: &mut App, id: u64, conversation: Target, from: &str, text: &str) -> Vec<Effect> {
    let to = match &conversation {
        Target::User(_) => Target::User(user("alice")),
        room @ Target::Room(_) => room.clone(),
    };
    app.update(Action::Client(ClientEvent::Message {
        message: message(id, to, from, text),
        conversation,
        history: false,
    }))
}

/// `app` with a message in the current room posting `name` as file `id`.
fn posted(app: &mut App, id: u64, name: &str, size: u64, media_type: &str) {
    let file = chat_proto::FileInfo {
        id: chat_proto::FileId(id),
        name: name.into(),
        size,
        media_type: media_type.into(),
        sha256: chat_proto::Sha256([1; 32]),
    };
    app.update(Action::Client(ClientEvent::Message {
        message: Message {
            body: Body::File(file),
            ..message(id, general(), "bob", "")
        },
        conversation: general(),
        history: false,
    }));
}

fn general() -> Target {
    Target::Room(room("general"))
}

fn rust() -> Target {
    Target::Room(room("rust"))
}

#[test]
fn credentials_on_the_command_line_connect_at_once() {
    let login = Login {
        user: user("alice"),
        password: "pw".into(),
        register: true,
    };
    let (app, effects) = App::new(settings(), Start::Connect(login.clone()));
    assert_eq!(effects, [Effect::Connect(login)]);
    assert!(matches!(app.phase, Phase::Connecting { .. }));
}

#[test]
fn the_login_form_masks_nothing_in_state_and_submits_a_login() {
    let (mut app, effects) = App::new(
        settings(),
        Start::Ask {
            user: Some(user("alice")),
            register: false,
        },
    );
    assert!(effects.is_empty());
    type_text(&mut app, "hunter2");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Char(' ')));
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        effects,
        [Effect::Connect(Login {
            user: user("alice"),
            password: "hunter2".into(),
            register: true,
        })]
    );
}

#[test]
fn a_bad_login_is_explained_on_the_form() {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    type_text(&mut app, "no spaces");
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "pw");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let Phase::Login(form) = &app.phase else {
        panic!("{:?}", app.phase)
    };
    assert!(form.error.as_deref().unwrap().starts_with("user name"));

    app.phase = Phase::Connecting {
        user: user("alice"),
    };
    app.update(Action::ConnectFailed(Failure::new(
        "wrong_password",
        "wrong password",
    )));
    let Phase::Login(form) = &app.phase else {
        panic!("{:?}", app.phase)
    };
    assert_eq!(form.error.as_deref(), Some("wrong password"));
    assert_eq!(form.user.text(), "alice");
}

#[test]
fn an_unknown_certificate_is_asked_about_and_a_changed_one_refused() {
    let (mut app, _) = App::new(
        settings(),
        Start::Connect(Login {
            user: user("alice"),
            password: "pw".into(),
            register: false,
        }),
    );
    let fingerprint = crate::client::Fingerprint::of(b"cert");
    app.update(Action::TrustUnknown {
        server: "chat.test:7878".into(),
        fingerprint,
    });
    assert!(matches!(app.phase, Phase::Trust { .. }));
    assert!(enter_line(&mut app, "yes").contains(&Effect::Trust(fingerprint)));

    let other = crate::client::Fingerprint::of(b"other");
    app.update(Action::TrustChanged {
        server: "chat.test:7878".into(),
        known: fingerprint,
        presented: other,
        file: "/home/a/known_servers".into(),
    });
    let Phase::Refused(warning) = &app.phase else {
        panic!("{:?}", app.phase)
    };
    for needle in [
        fingerprint.to_string(),
        other.to_string(),
        "/home/a/known_servers".into(),
    ] {
        assert!(warning.contains(&needle), "{warning}");
    }
    app.update(key(KeyCode::Char('q')));
    assert!(app.quit);
}

#[test]
fn connecting_opens_rooms_then_dms_and_loads_the_first() {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    let effects = app.update(Action::Connected(session(&["general", "rust"], &["carol"])));
    let targets: Vec<String> = app
        .conversations
        .iter()
        .map(|c| c.target.to_string())
        .collect();
    assert_eq!(targets, ["#general", "#rust", "@carol"]);
    assert_eq!(
        effects,
        [
            Effect::Older {
                target: general(),
                before: None,
                request: 1,
            },
            Effect::Members {
                room: room("general"),
                show: false
            },
        ]
    );
    assert_eq!(app.link, Link::Online);
}

#[test]
fn messages_elsewhere_count_as_unread_until_shown() {
    let mut app = connected();
    arrive(&mut app, 1, rust(), "bob", "hi all");
    arrive(&mut app, 2, rust(), "bob", "alice: are you there?");
    arrive(&mut app, 3, general(), "bob", "in view");
    let rust_chat = &app.conversations[1];
    assert_eq!((rust_chat.unread, rust_chat.mentioned), (2, true));
    assert_eq!(app.conversations[0].unread, 0);

    app.update(with(KeyCode::Char('2'), KeyModifiers::ALT));
    assert_eq!(app.current, 1);
    assert_eq!(
        (app.conversations[1].unread, app.conversations[1].mentioned),
        (0, false)
    );
}

#[test]
fn a_direct_message_from_someone_new_opens_a_tab() {
    let mut app = connected();
    arrive(&mut app, 5, Target::User(user("dave")), "dave", "psst");
    assert_eq!(
        app.conversations.last().unwrap().target,
        Target::User(user("dave"))
    );
    assert_eq!(app.conversations.last().unwrap().unread, 1);
}

#[test]
fn sending_shows_the_message_pending_until_acknowledged() {
    let mut app = connected();
    let effects = enter_line(&mut app, "hello :wave:");
    let Some(Effect::Send { to, local, text }) = effects.last().cloned() else {
        panic!("{effects:?}")
    };
    assert_eq!((&to, text.as_str()), (&general(), "hello 👋"));
    assert_eq!(app.conversations[0].pending.len(), 1);
    assert!(app.input.is_empty());

    app.update(Action::Reply(Reply::Sent {
        to,
        local,
        result: Ok(MessageId(9)),
    }));
    assert!(app.conversations[0].pending.is_empty());
}

#[test]
fn a_failed_send_says_why() {
    let mut app = connected();
    let effects = enter_line(&mut app, "too long");
    let Some(Effect::Send { to, local, .. }) = effects.last().cloned() else {
        panic!("{effects:?}")
    };
    app.update(Action::Reply(Reply::Sent {
        to,
        local,
        result: Err(Failure::new(
            "message_too_long",
            "message is longer than 4096 bytes",
        )),
    }));
    let notice = app.notice.clone().unwrap();
    assert!(notice.error && notice.text.contains("4096"), "{notice:?}");
}

#[test]
fn our_own_echo_replaces_the_pending_copy() {
    let mut app = connected();
    enter_line(&mut app, "echo me");
    arrive(&mut app, 7, general(), "alice", "echo me");
    let chat = &app.conversations[0];
    assert!(chat.pending.is_empty());
    assert_eq!(chat.entries.len(), 1);
}

#[test]
fn me_sends_an_action_and_it_shows_as_one() {
    let mut app = connected();
    let effects = enter_line(&mut app, "/me waves");
    assert!(matches!(effects.last(), Some(Effect::Send { text, .. }) if text == "/me waves"));
    arrive(&mut app, 8, general(), "bob", "/me ducks");
    let Some(Entry::Message(line)) = app.conversations[0].entries.back() else {
        panic!()
    };
    assert_eq!(line.kind, LineKind::Action);
    assert_eq!(line.body, "bob ducks");
}

#[test]
fn unknown_commands_get_a_hint() {
    let mut app = connected();
    assert!(enter_line(&mut app, "/jion #x").is_empty());
    let text = app.notice.clone().unwrap().text;
    assert!(
        text.contains("did you mean /join?") && text.contains("/help"),
        "{text}"
    );
}

#[test]
fn a_mistyped_command_stays_in_the_input_line_to_be_corrected() {
    let mut app = connected();
    enter_line(&mut app, "/jion #x");
    assert_eq!(app.input.text(), "/jion #x");
    assert!(app.notice.as_ref().is_some_and(|n| n.error));

    // Corrected in place, it is accepted and the line is cleared.
    for _ in 0.."jion #x".len() {
        app.update(key(KeyCode::Backspace));
    }
    assert_eq!(enter_line(&mut app, "join #x"), [Effect::Join(room("x"))]);
    assert!(app.input.is_empty());
}

#[test]
fn notices_expire_and_errors_stay_longer() {
    const T: i64 = 1_764_718_200_000;
    let mut app = connected();
    app.update(Action::Now(T));
    enter_line(&mut app, "/join #zoo");
    app.update(Action::Now(T + INFO_LASTS_MS - 1));
    assert!(app.notice.is_some(), "news stays a few seconds");
    app.update(Action::Now(T + INFO_LASTS_MS));
    assert_eq!(app.notice, None, "news goes by itself");

    enter_line(&mut app, "/jion #x");
    app.update(Action::Now(T + ERROR_LASTS_MS - 1));
    assert!(app.notice.is_some(), "an error outlasts news");
    app.update(Action::Now(T + INFO_LASTS_MS + ERROR_LASTS_MS));
    assert_eq!(app.notice, None, "an error goes too");
}

#[test]
fn news_of_a_conversation_is_cleared_on_leaving_it() {
    let mut app = connected();
    let carol = Target::User(user("carol"));
    app.update(with(KeyCode::Char('3'), KeyModifiers::ALT));
    app.update(Action::Reply(Reply::Older {
        target: carol.clone(),
        request: awaited(&app, &carol).unwrap(),
        result: Err(Failure::new("internal", "server error")),
    }));
    assert!(app.notice.is_some());
    app.update(with(KeyCode::Char('1'), KeyModifiers::ALT));
    assert_eq!(app.notice, None, "the error about @carol went with her tab");

    // News about nothing in particular stays across tabs.
    enter_line(&mut app, "/join #zoo");
    app.update(with(KeyCode::Char('2'), KeyModifiers::ALT));
    assert!(app.notice.is_some());
}

#[test]
fn a_dm_with_a_user_who_does_not_exist_closes_and_keeps_what_was_typed() {
    let mut app = connected();
    app.update(with(KeyCode::Char('2'), KeyModifiers::ALT));
    enter_line(&mut app, "/query @carl");
    let carl = Target::User(user("carl"));
    assert_eq!(app.current().unwrap().target, carl);
    let request = awaited(&app, &carl).unwrap();
    let sent = enter_line(&mut app, "hi carl");
    let Some(Effect::Send { local, .. }) = sent.last() else {
        panic!("{sent:?}")
    };
    let no_such_user = || Failure::new("unknown_user", "no such user");

    app.update(Action::Reply(Reply::Older {
        target: carl.clone(),
        request,
        result: Err(no_such_user()),
    }));
    assert!(app.position(&carl).is_none(), "no tab for nobody");
    assert_eq!(
        app.current().unwrap().target,
        rust(),
        "back where the user was"
    );
    assert_eq!(app.input.text(), "hi carl");
    let notice = app.notice.clone().unwrap();
    assert!(notice.text.contains("no such user"), "{notice:?}");

    // The send's own failure, later, does not type the text twice.
    app.update(Action::Reply(Reply::Sent {
        to: carl,
        local: *local,
        result: Err(no_such_user()),
    }));
    assert_eq!(app.input.text(), "hi carl");
}

#[test]
fn a_message_that_could_not_be_sent_comes_back_to_the_input_line() {
    let mut app = connected();
    let sent = enter_line(&mut app, "hello");
    let Some(Effect::Send { local, .. }) = sent.last() else {
        panic!("{sent:?}")
    };
    app.update(Action::Reply(Reply::Sent {
        to: general(),
        local: *local,
        result: Err(Failure::new("not_connected", "not connected")),
    }));
    assert_eq!(app.input.text(), "hello");
}

#[test]
fn joining_asks_the_server_and_opens_the_room_when_it_answers() {
    let mut app = connected();
    assert_eq!(
        enter_line(&mut app, "/join #new"),
        [Effect::Join(room("new"))]
    );
    let effects = app.update(Action::Reply(Reply::Joined {
        room: room("new"),
        result: Ok(RoomSummary {
            name: room("new"),
            members: 1,
            private: false,
            topic: String::new(),
        }),
    }));
    assert_eq!(app.current().unwrap().target, Target::Room(room("new")));
    assert_eq!(app.current, 2, "rooms come before DMs");
    assert!(effects.contains(&Effect::Members {
        room: room("new"),
        show: false
    }));
}

#[test]
fn parting_a_dm_closes_its_tab_and_parting_a_room_asks_the_server() {
    let mut app = connected();
    app.update(with(KeyCode::Char('3'), KeyModifiers::ALT));
    let effects = enter_line(&mut app, "/part");
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Leave(_))),
        "{effects:?}"
    );
    assert_eq!(app.conversations.len(), 2);
    assert_eq!(app.current().unwrap().target, rust());
    assert_eq!(enter_line(&mut app, "/part"), [Effect::Leave(room("rust"))]);
}

#[test]
fn tab_completes_a_partial_word_and_otherwise_switches() {
    let mut app = connected();
    app.update(Action::Reply(Reply::Members {
        room: room("general"),
        show: false,
        result: Ok(vec![
            Member {
                user: user("bob"),
                online: true,
                role: Role::Member,
            },
            Member {
                user: user("bobby"),
                online: false,
                role: Role::Member,
            },
        ]),
    }));
    type_text(&mut app, "bo");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.input.text(), "bob: ");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.input.text(), "bobby: ");
    assert_eq!(app.current, 0, "completing does not switch");

    app.update(with(KeyCode::Char('u'), KeyModifiers::CONTROL));
    app.update(key(KeyCode::Tab));
    assert_eq!(app.current, 1, "on an empty line, Tab switches");
}

#[test]
fn tab_never_carries_a_typed_line_to_another_conversation() {
    let mut app = connected();
    app.update(Action::Reply(Reply::Members {
        room: room("general"),
        show: false,
        result: Ok(vec![Member {
            user: user("bob"),
            online: true,
            role: Role::Member,
        }]),
    }));
    type_text(&mut app, "bo");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.input.text(), "bob: ");
    // The completion was the only one: a second Tab finds no word before the cursor.
    app.update(key(KeyCode::Tab));
    assert_eq!(app.current, 0);
    type_text(&mut app, "see #general");
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(effects.last(), Some(Effect::Send { to, .. }) if *to == general()),
        "{effects:?}"
    );
}

#[test]
fn keys_switch_conversations_both_ways_and_wrap() {
    let mut app = connected();
    app.update(with(KeyCode::Char('n'), KeyModifiers::CONTROL));
    assert_eq!(app.current, 1);
    app.update(with(KeyCode::Char('p'), KeyModifiers::CONTROL));
    app.update(with(KeyCode::Char('p'), KeyModifiers::CONTROL));
    assert_eq!(app.current, 2);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.current, 0);
}

#[test]
fn the_rooms_pane_takes_the_focus_and_opens_a_room() {
    let mut app = connected();
    app.update(key(KeyCode::F(2)));
    assert_eq!(app.focus, Focus::Rooms);
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    assert_eq!((app.current, app.focus), (2, Focus::Input));
}

#[test]
fn help_opens_and_closes() {
    let mut app = connected();
    app.update(key(KeyCode::F(1)));
    assert_eq!(app.overlay, Some(Overlay::Help { top: 0 }));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.overlay, None);
    enter_line(&mut app, "/help");
    assert_eq!(app.overlay, Some(Overlay::Help { top: 0 }));
}

#[test]
fn the_room_list_joins_the_room_picked() {
    let mut app = connected();
    assert_eq!(
        enter_line(&mut app, "/rooms"),
        [Effect::Rooms { show: true }]
    );
    app.update(Action::Reply(Reply::Rooms {
        show: true,
        result: Ok(vec![
            RoomSummary {
                name: room("general"),
                members: 3,
                private: false,
                topic: String::new(),
            },
            RoomSummary {
                name: room("zoo"),
                members: 1,
                private: false,
                topic: String::new(),
            },
        ]),
    }));
    app.update(key(KeyCode::Down));
    assert_eq!(app.update(key(KeyCode::Enter)), [Effect::Join(room("zoo"))]);
    assert_eq!(app.overlay, None);
}

#[test]
fn the_connection_state_follows_the_client() {
    let mut app = connected();
    app.members.insert(room("general"), vec![]);
    app.update(Action::Client(ClientEvent::Disconnected {
        reason: "reset\u{1b}[2J".into(),
    }));
    assert_eq!(app.link, Link::Reconnecting("reset".into()));
    let effects = app.update(Action::Client(ClientEvent::Reconnected));
    assert_eq!(app.link, Link::Online);
    assert!(effects.contains(&Effect::Members {
        room: room("general"),
        show: false
    }));
    app.update(Action::ClientStopped);
    assert!(matches!(app.link, Link::Offline(_)));
}

#[test]
fn joins_parts_and_presence_update_the_members_and_the_view() {
    let mut app = connected();
    app.update(Action::Reply(Reply::Members {
        room: room("general"),
        show: false,
        result: Ok(vec![Member {
            user: user("alice"),
            online: true,
            role: Role::Member,
        }]),
    }));
    let joined = ClientEvent::Joined {
        room: room("general"),
        user: user("bob"),
    };
    app.update(Action::Now(1_764_718_200_000));
    app.update(Action::Client(joined));
    assert_eq!(
        app.conversations[0].entries.back().map(Entry::ts_ms),
        Some(1_764_718_200_000),
        "a join is dated by the wall clock"
    );
    app.update(Action::Client(ClientEvent::Presence {
        user: user("bob"),
        online: false,
    }));
    let names: Vec<(String, bool)> = app
        .current_members()
        .iter()
        .map(|m| (m.user.to_string(), m.online))
        .collect();
    assert_eq!(
        names,
        [("alice".to_owned(), true), ("bob".to_owned(), false)]
    );
    assert_eq!(
        app.conversations[0].entries.back().unwrap().body(),
        "→ bob joined #general"
    );

    app.update(Action::Client(ClientEvent::Left {
        room: room("general"),
        user: user("alice"),
    }));
    assert!(
        app.position(&general()).is_none(),
        "our own part elsewhere closes the room"
    );
}

/// Fills #general with `count` messages through the normal path: the newest page first,
/// then live ones.
fn filled(count: u64) -> App {
    let mut app = connected();
    let messages = (1..=count)
        .map(|id| message(id, general(), "bob", "line"))
        .collect();
    answer_older(&mut app, &general(), messages, false);
    app
}

/// The request for older messages a conversation waits for.
fn awaited(app: &App, target: &Target) -> Option<u64> {
    app.conversations[app.position(target).unwrap()]
        .fetching
        .older
}

/// Answers the request for older messages the conversation waits for.
fn answer_older(app: &mut App, target: &Target, messages: Vec<Message>, complete: bool) {
    let request = awaited(app, target).expect("a page asked for");
    app.update(Action::Reply(Reply::Older {
        target: target.clone(),
        request,
        result: Ok(Page { messages, complete }),
    }));
}

#[test]
fn scrolling_back_near_the_top_fetches_older_history() {
    let mut app = filled(300);
    assert!(app.current().unwrap().scroll.at_bottom());
    let mut fetched = Vec::new();
    for _ in 0..20 {
        fetched.extend(app.update(key(KeyCode::PageUp)));
    }
    assert_eq!(
        fetched,
        [Effect::Older {
            target: general(),
            before: Some(MessageId(1)),
            request: awaited(&app, &general()).unwrap(),
        }]
    );
    assert!(!app.current().unwrap().scroll.at_bottom());
    app.update(with(KeyCode::End, KeyModifiers::CONTROL));
    assert!(app.current().unwrap().scroll.at_bottom());
}

#[test]
fn the_wheel_scrolls_three_rows() {
    let mut app = filled(100);
    app.update(Action::Wheel { up: true });
    let scroll = app.current().unwrap().scroll;
    assert_eq!(scroll, Scroll { below: 3, rows: 0 });
    app.update(Action::Wheel { up: false });
    assert!(app.current().unwrap().scroll.at_bottom());
}

#[test]
fn a_reader_scrolled_back_keeps_their_place_as_messages_arrive() {
    let mut app = filled(100);
    app.update(key(KeyCode::PageUp));
    let before = app.current().unwrap().scroll;
    arrive(&mut app, 101, general(), "bob", "new");
    let after = app.current().unwrap().scroll;
    assert_eq!(after.below, before.below + 1);
}

#[test]
fn memory_stays_bounded_however_much_arrives() {
    let mut app = filled(10);
    for id in 11..=5000 {
        arrive(&mut app, id, general(), "bob", "flood");
    }
    assert_eq!(app.conversations[0].entries.len(), 1000);
}

#[test]
fn input_history_and_paste() {
    let mut app = connected();
    enter_line(&mut app, "first");
    app.update(Action::Paste("two\nlines".into()));
    assert_eq!(app.input.text(), "two lines");
    app.update(key(KeyCode::Up));
    assert_eq!(app.input.text(), "first");
    app.update(key(KeyCode::Down));
    assert_eq!(app.input.text(), "two lines");
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut app = connected();
    app.update(key(KeyCode::F(1)));
    app.update(with(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);
    let (mut login, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    login.update(with(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(login.quit);
}

#[test]
fn quit_command() {
    let mut app = connected();
    enter_line(&mut app, "/quit");
    assert!(app.quit);
}

#[test]
fn a_new_certificate_is_trusted_only_by_typing_yes() {
    let (mut app, _) = App::new(
        settings(),
        Start::Connect(Login {
            user: user("alice"),
            password: "pw".into(),
            register: false,
        }),
    );
    let fingerprint = crate::client::Fingerprint::of(b"cert");
    app.update(Action::TrustUnknown {
        server: "chat.test:7878".into(),
        fingerprint,
    });
    // Keys typed ahead for the login form, Enter included, do not answer.
    for line in ["y", "hunter2", "ye s"] {
        assert!(enter_line(&mut app, line).is_empty(), "{line}");
        assert!(matches!(&app.phase, Phase::Trust { answer, .. } if answer.is_empty()));
    }
    assert_eq!(enter_line(&mut app, "YES"), [Effect::Trust(fingerprint)]);
    assert!(matches!(app.phase, Phase::Connecting { .. }));
}

#[test]
fn refusing_a_new_certificate_says_what_the_server_saw() {
    let (mut app, _) = App::new(
        settings(),
        Start::Connect(Login {
            user: user("alice"),
            password: "pw".into(),
            register: false,
        }),
    );
    app.update(Action::TrustUnknown {
        server: "chat.test:7878".into(),
        fingerprint: crate::client::Fingerprint::of(b"cert"),
    });
    assert!(enter_line(&mut app, "no").is_empty());
    let Phase::Refused(text) = &app.phase else {
        panic!("{:?}", app.phase)
    };
    assert!(!text.contains("Nothing was sent"), "{text}");
    assert!(
        text.contains("TLS handshake") && text.contains("no credentials"),
        "{text}"
    );
}

#[test]
fn a_client_that_never_got_in_ends_as_a_failure() {
    let connecting = || {
        App::new(
            settings(),
            Start::Connect(Login {
                user: user("alice"),
                password: "pw".into(),
                register: false,
            }),
        )
        .0
    };
    let mut refused = connecting();
    refused.update(Action::TrustUnknown {
        server: "chat.test:7878".into(),
        fingerprint: crate::client::Fingerprint::of(b"cert"),
    });
    enter_line(&mut refused, "no");
    refused.update(key(KeyCode::Char('q')));
    assert!(refused.quit);
    assert_eq!(refused.exit(), Exit::NeverConnected);

    let mut failed = connecting();
    failed.update(Action::ConnectFailed(Failure::new("bad_password", "wrong")));
    failed.update(key(KeyCode::Esc));
    assert!(failed.quit);
    assert_eq!(failed.exit(), Exit::NeverConnected);

    let mut app = connected();
    app.update(with(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(app.exit(), Exit::Quit);
    let mut app = connected();
    enter_line(&mut app, "/quit");
    assert_eq!(app.exit(), Exit::Quit);
}

#[test]
fn an_unknown_user_is_reported_and_never_registered_by_itself() {
    let (mut app, _) = App::new(
        settings(),
        Start::Connect(Login {
            user: user("alcie"),
            password: "pw".into(),
            register: false,
        }),
    );
    app.update(Action::ConnectFailed(Failure::new(
        "unknown_user",
        "unknown user",
    )));
    let Phase::Login(form) = &app.phase else {
        panic!("{:?}", app.phase)
    };
    assert!(!form.register, "a typo must not become an account");
    let error = form.error.as_deref().unwrap();
    assert!(
        error.contains("no such user") && error.contains("register"),
        "{error}"
    );
    type_text(&mut app, "pw");
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::Connect(login)] if !login.register),
        "{effects:?}"
    );
}

#[test]
fn a_message_in_a_room_just_left_does_not_open_it_again() {
    let mut app = connected();
    assert_eq!(
        enter_line(&mut app, "/part #rust"),
        [Effect::Leave(room("rust"))]
    );
    app.update(Action::Reply(Reply::Left {
        room: room("rust"),
        result: Ok(()),
    }));
    assert!(app.position(&rust()).is_none());

    // Said before the server had the part, delivered after it.
    arrive(&mut app, 40, rust(), "bob", "bye alice");
    assert!(app.position(&rust()).is_none(), "no ghost tab");
    // A direct message from someone new still opens one.
    arrive(&mut app, 41, Target::User(user("erin")), "erin", "hi");
    assert!(app.position(&Target::User(user("erin"))).is_some());
}

/// Scrolls the current conversation all the way up, a page at a time; returns the effects.
fn page_up_to_the_top(app: &mut App) -> Vec<Effect> {
    (0..400)
        .flat_map(|_| app.update(key(KeyCode::PageUp)))
        .collect()
}

#[test]
fn a_late_page_for_a_window_started_afresh_is_dropped() {
    let mut settings = settings();
    settings.scrollback = 400;
    let (mut app, _) = App::new(
        settings,
        Start::Ask {
            user: None,
            register: false,
        },
    );
    app.update(Action::Connected(session(&["general"], &[])));
    let page = |ids: std::ops::RangeInclusive<u64>| -> Vec<Message> {
        ids.map(|id| message(id, general(), "bob", "line"))
            .collect()
    };
    answer_older(&mut app, &general(), page(601..=1000), false);

    // Reading back: an older page arrives and the newest entries go.
    page_up_to_the_top(&mut app);
    answer_older(&mut app, &general(), page(401..=600), false);
    assert!(!app.current().unwrap().live);

    // Another older page is on its way when the reader jumps back to the newest.
    page_up_to_the_top(&mut app);
    let stale = awaited(&app, &general()).expect("an older page asked for");
    let effects = app.update(with(KeyCode::End, KeyModifiers::CONTROL));
    let fresh = awaited(&app, &general()).unwrap();
    assert_eq!(
        effects,
        [Effect::Older {
            target: general(),
            before: None,
            request: fresh,
        }]
    );

    // The late page is not the newest: it must not land in the empty window.
    app.update(Action::Reply(Reply::Older {
        target: general(),
        request: stale,
        result: Ok(Page {
            messages: page(201..=400),
            complete: false,
        }),
    }));
    let chat = app.current().unwrap();
    assert!(chat.entries.is_empty(), "{:?}", chat.entries.front());
    assert_eq!(chat.fetching.older, Some(fresh));

    answer_older(&mut app, &general(), page(801..=1000), false);
    let chat = app.current().unwrap();
    assert_eq!(chat.entries.len(), 200);
    assert!(chat.live);
}

#[test]
fn a_late_page_for_a_room_left_and_joined_again_is_dropped() {
    let mut app = connected();
    let stale = awaited(&app, &general()).unwrap();
    enter_line(&mut app, "/part");
    app.update(Action::Reply(Reply::Left {
        room: room("general"),
        result: Ok(()),
    }));
    enter_line(&mut app, "/join #general");
    app.update(Action::Reply(Reply::Joined {
        room: room("general"),
        result: Ok(RoomSummary {
            name: room("general"),
            members: 2,
            private: false,
            topic: String::new(),
        }),
    }));
    let fresh = awaited(&app, &general()).unwrap();
    assert_ne!(stale, fresh);

    app.update(Action::Reply(Reply::Older {
        target: general(),
        request: stale,
        result: Err(Failure::new("not_member", "not a member")),
    }));
    assert_eq!(
        app.notice.as_ref().map(|n| n.error),
        Some(false),
        "no stale error"
    );
    assert_eq!(awaited(&app, &general()), Some(fresh));
}

#[test]
fn memory_stays_bounded_while_scrolled_back_or_reading_elsewhere() {
    let mut app = filled(1000);
    app.update(key(KeyCode::PageUp));
    for id in 1001..=4000 {
        arrive(&mut app, id, general(), "bob", "flood");
        assert!(app.conversations[0].entries.len() <= 1000, "at {id}");
    }

    // The reader goes to #rust, leaving #general scrolled back; it keeps flooding.
    app.update(with(KeyCode::Char('2'), KeyModifiers::ALT));
    for id in 4001..=8000 {
        arrive(&mut app, id, general(), "bob", "flood");
    }
    let chat = &app.conversations[0];
    assert!(chat.entries.len() <= chat.capacity());
    assert_eq!(chat.unread, 4000);

    // Back in #general and down at the bottom, what was let go is fetched again.
    app.update(with(KeyCode::Char('1'), KeyModifiers::ALT));
    let effects: Vec<Effect> = (0..100)
        .flat_map(|_| app.update(key(KeyCode::PageDown)))
        .collect();
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Newer { .. })),
        "{effects:?}"
    );
}

mod files;
mod groups;
mod preview;
mod transfers;
