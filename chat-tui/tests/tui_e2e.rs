//! The real binary in a real terminal against a real server: `chat-tui` runs in a detached
//! tmux session, keys are typed with `send-keys`, and the screen is read with
//! `capture-pane`. A second user, on the client core in this process, talks to it.
//!
//! tmux must be installed (CI installs it); without it these tests fail and say so.

mod e2e;

use std::time::Duration;

use e2e::{Screen, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_talk_through_the_terminal_client_across_a_server_restart() {
    let mut server = Server::start().await;
    let alice = Screen::start(&server, "alice");
    alice.wait_for("[online]").await;
    alice.wait_for("Welcome to chat-tui").await;

    // Alice joins a room; bob, on the client core, joins it too and writes.
    alice.type_line("/join #general");
    alice.wait_for("joined #general").await;
    let bob = server.client("bob").await;
    bob.join("general").await;
    alice.wait_for("→ bob joined #general").await;
    bob.say("general", "hello from bob 👋").await;
    alice.wait_for("bob │ hello from bob 👋").await;

    // Alice answers; bob receives it.
    alice.type_line("hi bob, :tada:");
    bob.expect("alice", "hi bob, 🎉").await;
    alice.wait_for("alice │ hi bob, 🎉").await;

    // The help overlay opens and closes.
    alice.keys(&["F1"]);
    alice.wait_for("Help — Esc closes").await;
    alice.keys(&["Escape"]);
    alice.wait_gone("Help — Esc closes").await;

    // The server restarts; alice's client says so, keeps what she types, and sends it once
    // it is back.
    server.stop().await;
    alice.wait_for("[reconnecting").await;
    alice.type_line("typed while the server was down");
    server.restart().await;
    alice.wait_for("[online]").await;
    bob.expect("alice", "typed while the server was down").await;
    bob.say("general", "welcome back").await;
    alice.wait_for("bob │ welcome back").await;

    // Ctrl+C quits and gives the terminal back.
    alice.keys(&["C-c"]);
    alice.wait_exit().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_opens_a_tab_and_an_unknown_command_gets_a_hint() {
    let server = Server::start().await;
    let carol = Screen::start(&server, "carol");
    carol.wait_for("[online]").await;
    carol.type_line("/join #lobby");
    carol.wait_for("joined #lobby").await;

    // A DM to carol while she reads #lobby: a tab with an unread count, reached with Alt+2.
    let dave = server.client("dave").await;
    dave.say_to_user("carol", "psst, carol").await;
    carol.wait_for("@dave (1)").await;
    carol.keys(&["M-2"]);
    carol.wait_for("dave │ psst, carol").await;
    carol.type_line("hi dave");
    dave.expect("carol", "hi dave").await;

    carol.type_line("/jion #x");
    carol.wait_for("did you mean /join?").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sighup_end_the_client_and_give_the_terminal_back() {
    let server = Server::start().await;
    for (user, signal) in [("erin", "TERM"), ("frank", "HUP")] {
        let screen = Screen::start(&server, user);
        screen.wait_for("[online]").await;
        screen.signal(signal);
        screen.wait_exit().await;
        // A clean exit: the shell's line is on the main screen, not over the chat.
        screen.wait_for("chat-tui exited with 0").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_the_topic_are_shown_and_a_removal_says_who_and_why() {
    use chat_proto::{Role, UserName};
    use chat_tui::RoomChange;

    let server = Server::start().await;
    // Bob makes #ops, so he owns it; carol joins it.
    let bob = server.client("bob").await;
    bob.join("ops").await;
    let carol = server.client("carol").await;
    carol.join("ops").await;

    let alice = Screen::start(&server, "alice");
    alice.wait_for("[online]").await;
    alice.type_line("/join #lobby");
    alice.wait_for("joined #lobby").await;
    alice.type_line("/join #ops");
    alice.wait_for("joined #ops").await;
    alice.wait_for_in_rooms_pane("2 #ops").await;

    // The member pane marks the owner `~` and an admin `@`; the title row has the topic.
    alice.wait_for("● ~bob").await;
    bob.change(
        "ops",
        RoomChange::SetRole {
            user: UserName::new("carol").expect("user name"),
            role: Role::Admin,
        },
    )
    .await;
    alice.wait_for("● @carol").await;
    alice.wait_for("bob made carol an admin").await;
    bob.change("ops", RoomChange::SetTopic("deploys at noon".into()))
        .await;
    alice.wait_for("#ops — deploys at noon").await;

    // Carol, an admin, removes alice: the room goes from her panes, and the status line
    // says who did it and why.
    carol
        .change(
            "ops",
            RoomChange::Kick {
                user: UserName::new("alice").expect("user name"),
                reason: "wrong channel for that".into(),
            },
        )
        .await;
    alice
        .wait_for("you were removed from #ops by carol: wrong channel for that")
        .await;
    alice.wait_gone_from_rooms_pane("#ops").await;
    assert!(
        alice.rooms_pane().contains("1 #lobby"),
        "{}",
        alice.capture()
    );
    // What is said in #ops from now on does not bring it back. Bob's direct message is
    // committed after it, so once that is shown the room's would have been too.
    bob.say("ops", "is she gone?").await;
    bob.say_to_user("alice", "sorry about that").await;
    alice.wait_for_in_rooms_pane("@bob").await;
    let screen = alice.capture();
    assert!(
        !alice.rooms_pane().contains("#ops") && !screen.contains("is she gone?"),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_posted_image_is_previewed_in_a_box_and_esc_closes_it() {
    let server = Server::start().await;
    let erin = Screen::start(&server, "erin");
    erin.wait_for("[online]").await;
    erin.type_line("/join #pics");
    erin.wait_for("joined #pics").await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dot.png");
    image::RgbImage::from_pixel(8, 8, image::Rgb([200, 30, 30]))
        .save(&path)
        .unwrap();
    erin.type_line(&format!("/send {}", path.display()));
    erin.wait_for("sent dot.png").await;
    erin.wait_for("[image: dot.png").await;

    let screen = erin.capture();
    let id: String = screen
        .split("/view ")
        .nth(1)
        .expect("the placeholder names /view")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    erin.type_line(&format!("/view {id}"));
    erin.wait_for("dot.png — Esc closes").await;
    erin.wait_for("drawn with half blocks").await;
    erin.keys(&["Escape"]);
    erin.wait_gone("dot.png — Esc closes").await;

    erin.type_line("/view 999999");
    erin.wait_for("cannot preview file 999999").await;

    // Picked with the keys instead of by number, and saved into ~/Downloads.
    let downloads = erin.home().join("Downloads");
    std::fs::create_dir(&downloads).unwrap();
    erin.keys(&["F4"]);
    erin.wait_for("dot.png (").await;
    erin.wait_for("Enter or d saves").await;
    erin.keys(&["d"]);
    erin.wait_for("saved ").await;
    let saved = downloads.join("dot.png");
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        std::fs::read(&path).unwrap()
    );
}
