//! Text from the network, made safe to put on a terminal.
//!
//! A peer controls message text, and the server's error reasons pass through it too. A
//! terminal obeys escape sequences wherever they appear: colours, cursor moves, window
//! titles, OSC 52 clipboard writes, OSC 8 links. Unicode bidirectional overrides can make a
//! line read differently from what it says. [`for_display`] removes all of them, so that
//! what is shown is only the printable text.

use std::borrow::Cow;

/// Spaces a tab becomes: a tab's width depends on its column, which the wrapping of a
/// message does not know.
const TAB: &str = "    ";

/// The printable part of `text`: escape sequences removed whole (CSI, OSC, DCS and the other
/// string commands, two-character escapes), every other control character (C0, DEL, C1)
/// dropped except newlines, which are kept, and tabs, which become spaces; and the format
/// characters that can reorder or hide text dropped.
///
/// Returns the text unchanged, without copying, when there is nothing to remove: the
/// common case.
pub fn for_display(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_care) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str(TAB),
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if needs_care(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`for_display`] on one line: newlines become spaces. For names, reasons and titles.
pub fn one_line(text: &str) -> Cow<'_, str> {
    match for_display(text) {
        Cow::Borrowed(text) if !text.contains('\n') => Cow::Borrowed(text),
        cleaned => Cow::Owned(cleaned.replace('\n', " ")),
    }
}

/// Whether a character is a control or format character rather than plain text.
fn needs_care(c: char) -> bool {
    c.is_control() || reorders(c)
}

/// Format characters that change the order or visibility of the text around them:
/// bidirectional embeddings, overrides, isolates and marks, line and paragraph separators,
/// the byte order mark and the interlinear annotation marks. The zero-width joiner and
/// non-joiner stay: emoji sequences and several scripts need them.
pub(crate) fn reorders(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
    )
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips what follows an ESC: a CSI sequence, a string command, or one more character.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        _ => {}
    }
}

/// Skips a control sequence's parameters and intermediates, up to its final byte.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Not part of a well-formed sequence: the terminal would have aborted it too.
            return;
        }
    }
}

/// Skips a string command (OSC, DCS, ...) up to its terminator: BEL, ESC \ or ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(text: &str) -> String {
        for_display(text).into_owned()
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let text = "héllo wörld 👋 日本語 👨\u{200d}👩\u{200d}👧";
        assert!(matches!(for_display(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn colour_codes_are_removed() {
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m text"), "red text");
        assert_eq!(clean("\u{1b}[38;5;196mx\u{1b}[m"), "x");
        assert_eq!(clean("\u{9b}1;31mbright"), "bright");
    }

    #[test]
    fn cursor_moves_and_screen_clears_are_removed() {
        assert_eq!(clean("a\u{1b}[2J\u{1b}[H\u{1b}[10;20Hb"), "ab");
        assert_eq!(clean("x\u{1b}[1Ay\u{1b}7z\u{1b}8"), "xyz");
        assert_eq!(clean("over\rwrite"), "overwrite");
        assert_eq!(clean("back\u{8}\u{8}space"), "backspace");
    }

    #[test]
    fn osc_sequences_are_removed_whole() {
        let link = "\u{1b}]8;;https://evil.example\u{1b}\\click\u{1b}]8;;\u{1b}\\";
        assert_eq!(clean(link), "click");
        assert_eq!(clean("\u{1b}]52;c;aGVsbG8=\u{7}after"), "after");
        assert_eq!(clean("\u{1b}]0;title\u{9c}t"), "t");
        assert_eq!(clean("\u{9d}2;title\u{7}ok"), "ok");
    }

    #[test]
    fn device_control_strings_are_removed() {
        assert_eq!(clean("\u{1b}Pq#0;2;0;0;0\u{1b}\\x"), "x");
        assert_eq!(clean("\u{1b}_apc\u{1b}\\y"), "y");
    }

    #[test]
    fn bells_and_other_controls_are_dropped() {
        assert_eq!(clean("ding\u{7}\u{7}"), "ding");
        assert_eq!(clean("nul\0 del\u{7f} c1\u{85}\u{8d}"), "nul del c1");
    }

    #[test]
    fn an_unterminated_sequence_swallows_only_itself() {
        assert_eq!(clean("text\u{1b}"), "text");
        assert_eq!(clean("text\u{1b}]0;never ends"), "text");
        assert_eq!(clean("a\u{1b}[12"), "a");
    }

    #[test]
    fn bidi_overrides_and_isolates_are_dropped() {
        assert_eq!(clean("abc\u{202e}fdp.exe"), "abcfdp.exe");
        assert_eq!(clean("\u{2066}x\u{2069}\u{2067}y\u{2068}"), "xy");
        assert_eq!(clean("\u{202a}\u{202b}\u{202c}\u{202d}z"), "z");
        assert_eq!(clean("m\u{200f}\u{200e}\u{61c}\u{feff}"), "m");
    }

    #[test]
    fn tabs_become_spaces_and_newlines_stay() {
        assert_eq!(clean("a\tb"), "a    b");
        assert_eq!(clean("one\ntwo"), "one\ntwo");
        assert_eq!(clean("one\r\ntwo"), "one\ntwo");
    }

    #[test]
    fn one_line_turns_newlines_into_spaces() {
        assert_eq!(one_line("a\nb\u{1b}[1mc"), "a bc");
        assert!(matches!(one_line("plain"), Cow::Borrowed("plain")));
    }
}
