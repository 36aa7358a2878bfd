//! Rooms as groups, driven through the update function: invitations, moderation, roles,
//! renames, topics and deletion.

use chat_proto::{Invitation, RoomEvent};

use super::*;
use crate::client::RoomChange;

/// A room event in `room`, made by `from`, as the client hands it over.
fn room_event(
    app: &mut App,
    id: u64,
    room_name: &str,
    from: &str,
    event: RoomEvent,
) -> Vec<Effect> {
    let target = Target::Room(room(room_name));
    let message = Message {
        body: Body::Event(event),
        ..message(id, target.clone(), from, "")
    };
    app.update(Action::Client(ClientEvent::Message {
        message,
        conversation: target,
        history: false,
    }))
}

fn members(app: &mut App, room_name: &str, people: &[(&str, Role)]) {
    let members = people
        .iter()
        .map(|&(name, role)| Member {
            user: user(name),
            online: true,
            role,
        })
        .collect();
    app.update(Action::Reply(Reply::Members {
        room: room(room_name),
        show: false,
        result: Ok(members),
    }));
}

fn member_names(app: &App) -> Vec<String> {
    app.current_members()
        .iter()
        .map(|m| format!("{}{}", role_mark(m.role), m.user))
        .collect()
}

fn last_body(app: &App, target: &Target) -> String {
    let index = app.position(target).unwrap();
    app.conversations[index]
        .entries
        .back()
        .map(|e| e.body().to_owned())
        .unwrap_or_default()
}

fn notice(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn summary(name: &str, private: bool, topic: &str) -> RoomSummary {
    RoomSummary {
        name: room(name),
        members: 2,
        private,
        topic: topic.into(),
    }
}

#[test]
fn invitations_from_the_login_and_live_wait_for_an_answer() {
    let (mut app, _) = App::new(
        settings(),
        Start::Ask {
            user: None,
            register: false,
        },
    );
    let mut login = session(&["general"], &[]);
    login.invitations = vec![Invitation {
        room: room("plans"),
        by: user("bob"),
    }];
    app.update(Action::Connected(login));
    assert_eq!(app.invitations.len(), 1);

    app.update(Action::Client(ClientEvent::Invited(Invitation {
        room: room("secret"),
        by: user("carol"),
    })));
    assert_eq!(app.invitations.len(), 2);
    assert_eq!(
        notice(&app),
        "carol invited you to #secret: /accept #secret or /decline #secret"
    );

    let effects = enter_line(&mut app, "/accept #secret");
    assert_eq!(effects, [Effect::Accept(room("secret"))]);
    app.update(Action::Reply(Reply::Joined {
        room: room("secret"),
        result: Ok(summary("secret", true, "")),
    }));
    assert_eq!(app.current().unwrap().target, Target::Room(room("secret")));
    assert!(app.rooms[&room("secret")].private);
    assert_eq!(app.invitations.len(), 1);

    let effects = enter_line(&mut app, "/decline #plans");
    assert_eq!(
        effects,
        [Effect::Change {
            room: room("plans"),
            change: RoomChange::Decline
        }]
    );
    app.update(Action::Reply(Reply::Changed {
        room: room("plans"),
        change: RoomChange::Decline,
        result: Ok(()),
    }));
    assert!(app.invitations.is_empty());
}

#[test]
fn room_events_show_as_lines_of_their_own() {
    let mut app = connected();
    room_event(
        &mut app,
        5,
        "general",
        "bob",
        RoomEvent::Kicked {
            user: user("carol"),
            reason: "spam\u{1b}[2J".into(),
        },
    );
    let index = app.position(&general()).unwrap();
    let Some(Entry::Message(line)) = app.conversations[index].entries.back() else {
        panic!("no line");
    };
    assert_eq!(line.kind, LineKind::Event);
    assert_eq!(line.body, "carol was removed by bob: spam");
    assert!(!line.mention);
}

#[test]
fn being_kicked_removes_the_room_and_says_who_and_why() {
    let mut app = connected();
    members(
        &mut app,
        "general",
        &[("alice", Role::Member), ("bob", Role::Admin)],
    );
    room_event(
        &mut app,
        5,
        "general",
        "bob",
        RoomEvent::Kicked {
            user: user("alice"),
            reason: "off topic".into(),
        },
    );
    assert_eq!(app.position(&general()), None);
    assert!(!app.members.contains_key(&room("general")));
    assert_eq!(app.current().unwrap().target, rust());
    let shown = app.notice.as_ref().unwrap();
    assert!(shown.error);
    assert_eq!(
        shown.text,
        "you were removed from #general by bob: off topic"
    );

    room_event(
        &mut app,
        6,
        "rust",
        "carol",
        RoomEvent::Banned {
            user: user("alice"),
            reason: String::new(),
        },
    );
    assert_eq!(notice(&app), "you were banned from #rust by carol");
    assert_eq!(app.position(&rust()), None);
}

#[test]
fn others_removed_leave_the_member_list() {
    let mut app = connected();
    members(
        &mut app,
        "general",
        &[("alice", Role::Owner), ("bob", Role::Member)],
    );
    room_event(
        &mut app,
        5,
        "general",
        "alice",
        RoomEvent::Banned {
            user: user("bob"),
            reason: String::new(),
        },
    );
    assert_eq!(member_names(&app), ["~alice"]);
}

#[test]
fn roles_order_the_members_and_follow_their_changes() {
    let mut app = connected();
    members(
        &mut app,
        "general",
        &[
            ("alice", Role::Member),
            ("bob", Role::Owner),
            ("carol", Role::Admin),
            ("dave", Role::Member),
        ],
    );
    assert_eq!(member_names(&app), ["~bob", "@carol", " alice", " dave"]);

    // Ownership handed on: the new owner first, then the old one steps down.
    let role = |name: &str, role| RoomEvent::RoleChanged {
        user: user(name),
        role,
    };
    room_event(&mut app, 5, "general", "bob", role("alice", Role::Owner));
    room_event(&mut app, 6, "general", "bob", role("bob", Role::Admin));
    assert_eq!(member_names(&app), ["~alice", "@bob", "@carol", " dave"]);
    assert_eq!(last_body(&app, &general()), "bob is now an admin");
}

#[test]
fn a_rename_moves_the_tab_and_what_is_known_of_the_room() {
    let mut app = connected();
    app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    members(&mut app, "general", &[("alice", Role::Member)]);
    arrive(&mut app, 3, general(), "bob", "before");
    let effects = enter_line(&mut app, "unsent yet");
    let Some(Effect::Send { local, .. }) = effects.last().cloned() else {
        panic!("{effects:?}");
    };

    let rename = RoomEvent::Renamed {
        from: room("general"),
        to: room("main"),
    };
    room_event(&mut app, 4, "main", "bob", rename);
    let main = Target::Room(room("main"));
    assert_eq!(app.current().unwrap().target, main);
    assert_eq!(app.position(&general()), None);
    assert!(app.members.contains_key(&room("main")));
    assert!(app.rooms.contains_key(&room("main")));
    assert_eq!(last_body(&app, &main), "bob renamed #general to #main");
    let index = app.position(&main).unwrap();
    assert!(
        app.conversations[index]
            .entries
            .iter()
            .any(|e| e.body() == "before"),
        "the scrollback goes with it"
    );

    // The answer to a message sent under the old name still finds its pending copy.
    app.update(Action::Reply(Reply::Sent {
        to: general(),
        local,
        result: Ok(MessageId(5)),
    }));
    assert!(app.conversations[index].pending.is_empty());
}

#[test]
fn topics_are_kept_and_shown_on_request() {
    let mut app = connected();
    enter_line(&mut app, "/topic");
    assert_eq!(notice(&app), "#general has no topic: /topic text sets one");
    room_event(
        &mut app,
        5,
        "general",
        "bob",
        RoomEvent::TopicChanged {
            topic: "release\nfriday".into(),
        },
    );
    assert_eq!(app.current_room_facts().unwrap().topic, "release\nfriday");
    assert_eq!(
        last_body(&app, &general()),
        "bob set the topic: release friday"
    );
    enter_line(&mut app, "/topic");
    assert_eq!(notice(&app), "topic of #general: release friday");

    let effects = enter_line(&mut app, "/topic #rust -delete");
    assert_eq!(
        effects,
        [Effect::Change {
            room: room("rust"),
            change: RoomChange::SetTopic(String::new())
        }]
    );
}

#[test]
fn a_deleted_room_goes_with_a_word() {
    let mut app = connected();
    app.update(Action::Client(ClientEvent::RoomDeleted {
        room: room("general"),
        by: user("bob"),
    }));
    assert_eq!(app.position(&general()), None);
    assert_eq!(notice(&app), "#general was deleted by bob");
}

#[test]
fn commands_act_on_the_current_room_and_not_on_a_direct_conversation() {
    let mut app = connected();
    let effects = enter_line(&mut app, "/kick @bob spam");
    assert_eq!(
        effects,
        [Effect::Change {
            room: room("general"),
            change: RoomChange::Kick {
                user: user("bob"),
                reason: "spam".into()
            }
        }]
    );
    app.update(Action::Reply(Reply::Changed {
        room: room("general"),
        change: RoomChange::Invite(user("bob")),
        result: Err(Failure::new("forbidden", "only admins may invite")),
    }));
    assert_eq!(notice(&app), "/invite #general: only admins may invite");

    app.update(with(KeyCode::Char('3'), KeyModifiers::ALT));
    assert_eq!(app.current().unwrap().target, Target::User(user("carol")));
    let effects = enter_line(&mut app, "/op bob");
    assert!(effects.is_empty());
    assert_eq!(
        notice(&app),
        "/op acts on a room, not a direct conversation: /op #room …"
    );
    let effects = enter_line(&mut app, "/op #rust bob");
    assert_eq!(effects.len(), 1);
}

#[test]
fn a_room_created_is_shown_at_once() {
    let mut app = connected();
    let effects = enter_line(&mut app, "/create #plans --private");
    assert_eq!(
        effects,
        [Effect::Create {
            room: room("plans"),
            private: true
        }]
    );
    app.update(Action::Reply(Reply::Created {
        room: room("plans"),
        result: Ok(summary("plans", true, "")),
    }));
    assert_eq!(app.current().unwrap().target, Target::Room(room("plans")));
    assert!(app.current_room_facts().unwrap().private);
    assert_eq!(notice(&app), "created the private room #plans");

    app.update(Action::Reply(Reply::Created {
        room: room("taken"),
        result: Err(Failure::new("room_exists", "room exists")),
    }));
    assert_eq!(notice(&app), "/create #taken: room exists");
    assert_eq!(app.position(&Target::Room(room("taken"))), None);
}

#[test]
fn a_removal_from_a_room_without_a_tab_is_told_and_forgotten() {
    let mut app = connected();
    // Removed while away: the login no longer lists the room, and the removal follows it.
    app.rooms
        .insert(room("plans"), summary("plans", true, "release"));
    members(&mut app, "plans", &[("alice", Role::Member)]);
    room_event(
        &mut app,
        5,
        "plans",
        "bob",
        RoomEvent::Banned {
            user: user("alice"),
            reason: "spam".into(),
        },
    );
    assert_eq!(notice(&app), "you were banned from #plans by bob: spam");
    assert!(!app.rooms.contains_key(&room("plans")));
    assert!(!app.members.contains_key(&room("plans")));
    assert_eq!(app.current().unwrap().target, general());
}

#[test]
fn removals_while_away_are_told_after_a_reconnect() {
    let mut app = connected();
    // Listed with the new session, they come before the word that the client is back.
    let kick = RoomEvent::Kicked {
        user: user("alice"),
        reason: String::new(),
    };
    room_event(&mut app, 5, "general", "bob", kick);
    let ban = RoomEvent::Banned {
        user: user("alice"),
        reason: "spam".into(),
    };
    room_event(&mut app, 6, "old", "carol", ban);
    app.update(Action::Resumed(session(&["rust"], &["carol"])));
    assert_eq!(notice(&app), "you were banned from #old by carol: spam");
    assert_eq!(app.position(&general()), None);
    assert_eq!(app.current().unwrap().target, rust());
}

#[test]
fn events_of_rooms_the_reader_is_not_in_make_up_no_facts() {
    let mut app = connected();
    let topic = RoomEvent::TopicChanged {
        topic: "plans".into(),
    };
    room_event(&mut app, 5, "elsewhere", "bob", topic);
    let created = RoomEvent::Created { private: true };
    room_event(&mut app, 6, "other", "bob", created);
    assert!(!app.rooms.contains_key(&room("elsewhere")));
    assert!(!app.rooms.contains_key(&room("other")));
}

#[test]
fn a_room_deleted_by_the_reader_is_told_once_whichever_word_comes_first() {
    let deleted_by_me = || {
        Action::Client(ClientEvent::RoomDeleted {
            room: room("general"),
            by: user("alice"),
        })
    };
    let answered = || {
        Action::Reply(Reply::Changed {
            room: room("general"),
            change: RoomChange::Delete,
            result: Ok(()),
        })
    };
    for reply_first in [true, false] {
        let mut app = connected();
        let (first, second) = if reply_first {
            (answered(), deleted_by_me())
        } else {
            (deleted_by_me(), answered())
        };
        app.update(first);
        assert_eq!(notice(&app), "deleted #general");
        assert_eq!(app.position(&general()), None);
        app.notice = None;
        app.update(second);
        assert_eq!(app.notice, None, "reply first: {reply_first}");
    }
}

#[test]
fn a_room_joined_from_another_device_learns_its_facts_when_shown() {
    let mut app = connected();
    app.update(Action::Client(ClientEvent::Joined {
        room: room("secret"),
        user: user("alice"),
    }));
    let secret = Target::Room(room("secret"));
    let index = app.position(&secret).unwrap();
    let effects = app.update(with(
        KeyCode::Char(char::from(b'1' + index as u8)),
        KeyModifiers::ALT,
    ));
    assert_eq!(app.current().unwrap().target, secret);
    assert!(
        effects.contains(&Effect::Rooms { show: false }),
        "{effects:?}"
    );
    app.update(Action::Reply(Reply::Rooms {
        show: false,
        result: Ok(vec![
            summary("secret", true, "plans"),
            summary("lobby", false, ""),
        ]),
    }));
    assert_eq!(app.overlay, None, "asked for quietly");
    assert!(app.current_room_facts().unwrap().private);
    assert_eq!(app.current_room_facts().unwrap().topic, "plans");
    assert!(
        !app.rooms.contains_key(&room("lobby")),
        "only the reader's rooms"
    );

    // A room joined here comes with its facts, and asks for no list.
    enter_line(&mut app, "/join #lobby");
    let effects = app.update(Action::Reply(Reply::Joined {
        room: room("lobby"),
        result: Ok(summary("lobby", false, "")),
    }));
    assert!(!effects.contains(&Effect::Rooms { show: false }));
}

#[test]
fn rooms_lost_while_away_go_and_rooms_joined_elsewhere_come() {
    let mut app = connected();
    let mut back = session(&["rust", "plans"], &["carol"]);
    back.rooms[1].private = true;
    back.invitations = vec![Invitation {
        room: room("secret"),
        by: user("bob"),
    }];
    let effects = app.update(Action::Resumed(back));
    let targets: Vec<String> = app
        .conversations
        .iter()
        .map(|c| c.target.to_string())
        .collect();
    assert_eq!(targets, ["#rust", "#plans", "@carol"]);
    assert!(app.rooms[&room("plans")].private);
    assert_eq!(app.invitations.len(), 1);
    assert_eq!(app.link, Link::Online);
    assert!(!effects.is_empty(), "the room now shown loads");
    assert_eq!(
        notice(&app),
        "you are no longer in #general (removed, or deleted, while away)"
    );
}

#[test]
fn group_commands_and_invited_rooms_complete() {
    let mut app = connected();
    app.update(Action::Client(ClientEvent::Invited(Invitation {
        room: room("secret"),
        by: user("bob"),
    })));
    type_text(&mut app, "/acc");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.input.text(), "/accept ");
    type_text(&mut app, "#sec");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.input.text(), "/accept #secret ");
}
