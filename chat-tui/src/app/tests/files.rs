//! Picking a posted file with the keys, driven through the update function: what is
//! picked, how the pick moves and scrolls into view, and what Enter, `d` and `v` fetch.

use chat_proto::FileId;

use super::*;

fn picked(app: &App) -> Option<FileId> {
    app.picked_file().map(|f| f.id)
}

fn pick_key() -> Action {
    key(KeyCode::F(4))
}

#[test]
fn the_files_key_picks_the_newest_file_and_up_and_down_move_between_files() {
    let mut app = connected();
    posted(&mut app, 10, "a.pdf", 2_000, "application/pdf");
    arrive(&mut app, 11, general(), "bob", "in between");
    posted(&mut app, 12, "cat.png", 2_000, "image/png");
    arrive(&mut app, 13, general(), "bob", "after");

    app.update(with(KeyCode::Up, KeyModifiers::ALT));
    assert_eq!(app.focus, Focus::Files);
    assert_eq!(picked(&app), Some(FileId(12)));

    app.update(key(KeyCode::Up));
    assert_eq!(picked(&app), Some(FileId(10)));
    app.update(key(KeyCode::Up));
    assert_eq!(picked(&app), Some(FileId(10)));
    assert!(app.notice.as_ref().unwrap().text.contains("no older file"));

    app.update(key(KeyCode::Char('j')));
    assert_eq!(picked(&app), Some(FileId(12)));
    app.update(key(KeyCode::Down));
    assert_eq!(picked(&app), Some(FileId(12)));
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "this is the newest file here"
    );
}

#[test]
fn enter_and_d_download_the_pick_and_v_previews_it() {
    let mut app = connected();
    posted(&mut app, 12, "cat.png", 2_000, "image/png");
    app.update(pick_key());
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        [Effect::Download {
            transfer: 1,
            file: FileId(12),
            dest: None,
        }]
    );
    assert_eq!(
        app.update(key(KeyCode::Char('d'))),
        [Effect::Download {
            transfer: 2,
            file: FileId(12),
            dest: None,
        }]
    );
    assert_eq!(
        app.update(key(KeyCode::Char('v'))),
        [Effect::Preview {
            transfer: 3,
            file: FileId(12),
        }]
    );
    assert_eq!(app.focus, Focus::Files, "the pick stays for another fetch");
}

#[test]
fn nothing_is_picked_where_no_file_was_posted() {
    let mut app = connected();
    arrive(&mut app, 11, general(), "bob", "no files here");
    assert!(app.update(pick_key()).is_empty());
    assert_eq!(app.focus, Focus::Input);
    assert!(app.notice.as_ref().unwrap().error);
}

#[test]
fn a_file_far_above_is_scrolled_into_view() {
    let mut app = connected();
    posted(&mut app, 1, "old.pdf", 2_000, "application/pdf");
    for id in 2..=200 {
        arrive(&mut app, id, general(), "bob", "chatter");
    }
    app.update(pick_key());
    assert_eq!(picked(&app), Some(FileId(1)));
    // It is the top row: the entries in view below it are the ones after it.
    let chat = app.current().unwrap();
    let bottom = chat.scroll.bottom_index(chat.entries.len()).unwrap();
    let (_, view_height) = app.view_size();
    assert!(bottom > 0 && bottom < view_height, "{bottom}");
}

#[test]
fn esc_typing_and_switching_conversation_leave_the_pick() {
    let mut app = connected();
    posted(&mut app, 12, "cat.png", 2_000, "image/png");
    app.update(pick_key());
    app.update(key(KeyCode::Esc));
    assert_eq!((app.focus, picked(&app)), (Focus::Input, None));

    app.update(pick_key());
    type_text(&mut app, "hi");
    assert_eq!(app.focus, Focus::Input);
    assert_eq!(app.input.text(), "hi");

    app.update(pick_key());
    app.update(with(KeyCode::Char('n'), KeyModifiers::CONTROL));
    assert_eq!((app.focus, picked(&app)), (Focus::Input, None));
}
