//! Word wrapping by display width.
//!
//! Widths are measured per grapheme cluster with `unicode-width`, as ratatui measures them
//! when it draws, so that an emoji or a CJK character takes its two columns in both places
//! and a row never overflows its pane.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The byte ranges of the rows `text` takes at `width` columns.
///
/// Rows break after the last space that fits; a word longer than a row is broken between
/// graphemes. A newline always starts a new row. Empty text still takes one row.
pub fn wrap(text: &str, width: usize) -> Vec<Range<usize>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut base = 0;
    for paragraph in text.split('\n') {
        wrap_paragraph(paragraph, base, width, &mut rows);
        base += paragraph.len() + 1;
    }
    rows
}

/// The display width of `text`.
pub fn width(text: &str) -> usize {
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// A row being filled.
struct Row {
    start: usize,
    used: usize,
    /// The byte after the last space in the row, and the width up to it.
    last_space: Option<(usize, usize)>,
}

fn wrap_paragraph(paragraph: &str, base: usize, width: usize, rows: &mut Vec<Range<usize>>) {
    let mut row = Row {
        start: 0,
        used: 0,
        last_space: None,
    };
    for (at, grapheme) in paragraph.grapheme_indices(true) {
        let grapheme_width = grapheme.width();
        let mut broke = false;
        while row.used + grapheme_width > width && at > row.start {
            broke = true;
            let end = match row.last_space.take() {
                // The space that overflows is the break itself.
                _ if grapheme == " " => {
                    row.used = 0;
                    at
                }
                // Break after the space, carrying the word begun since onto the next row.
                Some((after_space, used)) if after_space > row.start => {
                    row.used -= used;
                    after_space
                }
                _ => {
                    row.used = 0;
                    at
                }
            };
            rows.push(base + row.start..base + end);
            row.start = end;
        }
        // A space that ends a full row is the break itself; it does not indent the next.
        if broke && grapheme == " " && at == row.start {
            row.start = at + 1;
            continue;
        }
        row.used += grapheme_width;
        if grapheme == " " {
            row.last_space = Some((at + 1, row.used));
        }
    }
    rows.push(base + row.start..base + paragraph.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, width: usize) -> Vec<&str> {
        wrap(text, width).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn short_text_takes_one_row() {
        assert_eq!(rows("hello", 10), ["hello"]);
        assert_eq!(rows("", 10), [""]);
    }

    #[test]
    fn rows_break_after_spaces() {
        assert_eq!(rows("the quick brown fox", 10), ["the quick ", "brown fox"]);
        assert_eq!(rows("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
        assert_eq!(rows("aaa bbb ccc", 6), ["aaa ", "bbb ", "ccc"]);
    }

    #[test]
    fn long_words_are_broken() {
        assert_eq!(rows("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(rows("ab cdefghij", 4), ["ab ", "cdef", "ghij"]);
        assert_eq!(rows("abcd efg", 4), ["abcd", "efg"]);
    }

    #[test]
    fn newlines_start_rows() {
        assert_eq!(rows("one\ntwo", 10), ["one", "two"]);
        assert_eq!(rows("a\n\nb", 10), ["a", "", "b"]);
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(rows("日本語テキスト", 6), ["日本語", "テキス", "ト"]);
        assert_eq!(rows("ok 👍👍👍", 5), ["ok ", "👍👍", "👍"]);
        assert_eq!(width("a👍日"), 5);
    }

    #[test]
    fn no_row_is_wider_than_asked() {
        let text = "mixed 日本 text with emoji 🎉🎉 and averyveryverylongword in it";
        for width_limit in 2..30 {
            for row in rows(text, width_limit) {
                assert!(
                    width(row.trim_end()) <= width_limit,
                    "{row:?} at {width_limit}"
                );
            }
        }
    }

    #[test]
    fn grapheme_clusters_are_not_split() {
        let family = "👨\u{200d}👩\u{200d}👧";
        let text = format!("{family}{family}");
        for row in rows(&text, 2) {
            assert_eq!(row, family);
        }
    }
}
