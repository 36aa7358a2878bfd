//! Files in words: how a posted file reads in the message view and in the status line.
//!
//! The name and media type come from the sender, so both are cleaned for the terminal
//! before they are shown. Messages never show file contents inline: an image gets a
//! placeholder line that says how to preview it in a box over the chat (`/view`, drawn with
//! the terminal's image protocol, or with coloured half blocks where it has none) and how
//! to save it.

use chat_proto::FileInfo;

use crate::sanitize;

/// The line a file message shows: `📎 report.pdf (1.2 MB, application/pdf) — /download 17`,
/// or for an image `[image: cat.png, 200 KB — /view 17 to preview, /download 17 to save]`.
pub fn describe(file: &FileInfo) -> String {
    let name = sanitize::one_line(&file.name);
    let size = human_size(file.size);
    if is_image(&file.media_type) {
        let id = file.id;
        return format!("[image: {name}, {size} — /view {id} to preview, /download {id} to save]");
    }
    let media_type = sanitize::one_line(&file.media_type);
    format!("📎 {name} ({size}, {media_type}) — /download {}", file.id)
}

/// Whether a media type names an image.
pub fn is_image(media_type: &str) -> bool {
    media_type
        .get(..6)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("image/"))
}

/// A byte count for people, in decimal units as file managers show them: `512 B`,
/// `1.2 KB`, `200 KB`, `3.4 GB`. One decimal below ten, none above, so the width stays
/// small.
#[allow(clippy::cast_precision_loss)] // Three significant digits are all that show.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.5 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 9.95 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::{FileId, Sha256};

    fn file(name: &str, size: u64, media_type: &str) -> FileInfo {
        FileInfo {
            id: FileId(17),
            name: name.into(),
            size,
            media_type: media_type.into(),
            sha256: Sha256([0; 32]),
        }
    }

    #[test]
    fn sizes_read_as_file_managers_show_them() {
        let cases = [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.0 KB"),
            (1234, "1.2 KB"),
            (200_000, "200 KB"),
            (999_999, "1.0 MB"),
            (1_200_000, "1.2 MB"),
            (u64::MAX, "18447 PB"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(human_size(bytes), expected, "{bytes}");
        }
    }

    #[test]
    fn a_file_names_its_size_type_and_how_to_fetch_it() {
        assert_eq!(
            describe(&file("report.pdf", 1_200_000, "application/pdf")),
            "📎 report.pdf (1.2 MB, application/pdf) — /download 17"
        );
    }

    #[test]
    fn an_image_gets_a_placeholder() {
        assert_eq!(
            describe(&file("cat.png", 200_000, "Image/PNG")),
            "[image: cat.png, 200 KB — /view 17 to preview, /download 17 to save]"
        );
    }

    #[test]
    fn names_from_the_sender_cannot_drive_the_terminal() {
        let line = describe(&file("a\u{1b}[2Jb\nc\u{202e}.txt", 1, "text/\u{7}plain"));
        assert_eq!(line, "📎 ab c.txt (1 B, text/plain) — /download 17");
    }
}
