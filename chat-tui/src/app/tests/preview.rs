//! `/view`, driven through the update function: what is refused at once, the effect that
//! fetches an image, and the box that shows it.

use chat_proto::FileId;
use image::DynamicImage;
use ratatui_image::picker::Picker;

use super::*;
use crate::preview::{MAX_BYTES, Picture, Preview};

#[test]
fn an_image_is_fetched_as_a_transfer_and_shown_in_a_box() {
    let mut app = connected();
    posted(&mut app, 18, "cat.png", 205_000, "image/png");
    let effects = enter_line(&mut app, "/view 18");
    assert_eq!(
        effects,
        [Effect::Preview {
            transfer: 1,
            file: FileId(18),
        }]
    );
    assert_eq!(app.transfers[0].summary(), "[1] ↓ cat.png starting…");

    let picture = Picture::new(DynamicImage::new_rgb8(4, 4), &Picker::halfblocks());
    let preview = Preview {
        name: "cat.png".into(),
        picture,
    };
    app.update(Action::Reply(Reply::Previewed {
        transfer: 1,
        result: Ok(preview.clone()),
    }));
    assert!(app.transfers.is_empty());
    assert_eq!(app.overlay, Some(Overlay::Preview(preview)));
    assert_eq!(app.update(key(KeyCode::Esc)), [Effect::Redraw]);
    assert_eq!(app.overlay, None);
}

#[test]
fn files_that_are_not_images_or_too_large_are_refused_at_once() {
    let mut app = connected();
    posted(&mut app, 17, "report.pdf", 1_200_000, "application/pdf");
    posted(&mut app, 19, "huge.png", MAX_BYTES + 1, "image/png");

    assert!(enter_line(&mut app, "/view 17").is_empty());
    let notice = app.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "report.pdf is not an image (application/pdf); /download 17 saves it"
    );

    assert!(enter_line(&mut app, "/preview 19").is_empty());
    let notice = app.notice.clone().unwrap();
    assert!(notice.error);
    assert!(
        notice.text.contains("over the 20 MB preview limit"),
        "{notice:?}"
    );
    assert!(app.transfers.is_empty());
    assert_eq!(app.overlay, None);
}

#[test]
fn a_file_not_in_memory_is_left_to_the_runtime_to_check() {
    let mut app = connected();
    let effects = enter_line(&mut app, "/view 99");
    assert_eq!(
        effects,
        [Effect::Preview {
            transfer: 1,
            file: FileId(99),
        }]
    );
    app.update(Action::Reply(Reply::Previewed {
        transfer: 1,
        result: Err(Failure::new("not_previewable", "a.txt is not an image")),
    }));
    assert!(app.transfers.is_empty());
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "cannot preview file 99: a.txt is not an image"
    );
}
