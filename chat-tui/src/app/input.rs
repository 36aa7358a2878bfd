//! The input line: text, a cursor that moves by grapheme, and the lines sent before.

use std::collections::VecDeque;

use unicode_segmentation::UnicodeSegmentation;

/// Lines remembered for Up and Down.
const HISTORY: usize = 100;

/// An editable line with its history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    /// A byte offset into `text`, always on a grapheme boundary.
    cursor: usize,
    history: VecDeque<String>,
    /// Which history line is shown, counted back from the newest; `None` while editing.
    recalled: Option<usize>,
    /// What was being typed before Up was pressed, restored by going past the newest.
    draft: String,
}

impl Input {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn insert(&mut self, text: &str) {
        self.text.insert_str(self.cursor, text);
        self.cursor += text.len();
    }

    /// Replaces `range` of the text (a word being completed) and puts the cursor after it.
    pub fn replace(&mut self, range: std::ops::Range<usize>, with: &str) {
        self.text.replace_range(range.clone(), with);
        self.cursor = range.start + with.len();
    }

    fn previous_boundary(&self) -> usize {
        self.text[..self.cursor]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(at, _)| at)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .graphemes(true)
            .next()
            .map_or(self.cursor, |g| self.cursor + g.len())
    }

    /// The start of the word before the cursor (skipping spaces just before it).
    fn word_start(&self) -> usize {
        let before = self.text[..self.cursor].trim_end();
        before.rfind(' ').map_or(0, |at| at + 1)
    }

    pub fn left(&mut self) {
        self.cursor = self.previous_boundary();
    }

    pub fn right(&mut self) {
        self.cursor = self.next_boundary();
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }

    pub fn word_left(&mut self) {
        self.cursor = self.word_start();
    }

    pub fn word_right(&mut self) {
        let rest = &self.text[self.cursor..];
        let skip_spaces = rest.len() - rest.trim_start().len();
        let word = rest[skip_spaces..]
            .find(' ')
            .unwrap_or(rest.len() - skip_spaces);
        self.cursor += skip_spaces + word;
    }

    pub fn backspace(&mut self) {
        let start = self.previous_boundary();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    pub fn delete(&mut self) {
        let end = self.next_boundary();
        self.text.replace_range(self.cursor..end, "");
    }

    /// Ctrl+W: deletes the word before the cursor.
    pub fn delete_word(&mut self) {
        let start = self.word_start();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Ctrl+U: deletes everything before the cursor.
    pub fn delete_to_start(&mut self) {
        self.text.replace_range(..self.cursor, "");
        self.cursor = 0;
    }

    /// Ctrl+K: deletes everything after the cursor.
    pub fn delete_to_end(&mut self) {
        self.text.truncate(self.cursor);
    }

    /// The partial word the cursor follows, with its byte range, if the cursor follows one.
    pub fn word_before_cursor(&self) -> Option<(std::ops::Range<usize>, &str)> {
        let start = self.text[..self.cursor].rfind(' ').map_or(0, |at| at + 1);
        (start < self.cursor).then(|| (start..self.cursor, &self.text[start..self.cursor]))
    }

    /// Takes the line to send: clears the input and remembers the line for Up.
    pub fn take(&mut self) -> String {
        let line = std::mem::take(&mut self.text);
        self.cursor = 0;
        self.recalled = None;
        self.draft.clear();
        if !line.trim().is_empty() && self.history.back() != Some(&line) {
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(line.clone());
        }
        line
    }

    /// Up: the line sent before the one shown.
    pub fn recall_older(&mut self) {
        let next = self.recalled.map_or(0, |n| n + 1);
        if next >= self.history.len() {
            return;
        }
        if self.recalled.is_none() {
            self.draft = std::mem::take(&mut self.text);
        }
        self.show_recalled(next);
    }

    /// Down: the line sent after the one shown, or back to the draft.
    pub fn recall_newer(&mut self) {
        match self.recalled {
            None => {}
            Some(0) => {
                self.recalled = None;
                self.text = std::mem::take(&mut self.draft);
                self.cursor = self.text.len();
            }
            Some(n) => self.show_recalled(n - 1),
        }
    }

    fn show_recalled(&mut self, back: usize) {
        self.recalled = Some(back);
        self.text = self.history[self.history.len() - 1 - back].clone();
        self.cursor = self.text.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Input {
        let mut input = Input::default();
        input.insert(text);
        input
    }

    #[test]
    fn editing_moves_by_grapheme() {
        let mut input = typed("añ👍🏽x");
        input.left();
        input.left();
        input.backspace();
        assert_eq!(input.text(), "a👍🏽x");
        input.delete();
        assert_eq!(input.text(), "ax");
        input.home();
        input.insert(">");
        assert_eq!((input.text(), input.cursor()), (">ax", 1));
        input.end();
        input.right();
        assert_eq!(input.cursor(), 3);
    }

    #[test]
    fn word_commands() {
        let mut input = typed("one two  three");
        input.delete_word();
        assert_eq!(input.text(), "one two  ");
        input.delete_word();
        assert_eq!(input.text(), "one ");
        input.insert("x y");
        input.word_left();
        assert_eq!(input.cursor(), 6);
        input.home();
        input.word_right();
        assert_eq!(input.cursor(), 3);
        input.delete_to_end();
        assert_eq!(input.text(), "one");
        input.left();
        input.delete_to_start();
        assert_eq!((input.text(), input.cursor()), ("e", 0));
    }

    #[test]
    fn history_recalls_sent_lines_and_the_draft() {
        let mut input = Input::default();
        for line in ["first", "second"] {
            input.insert(line);
            input.take();
        }
        input.insert("draft");
        input.recall_older();
        assert_eq!(input.text(), "second");
        input.recall_older();
        input.recall_older();
        assert_eq!(input.text(), "first");
        input.recall_newer();
        assert_eq!(input.text(), "second");
        input.recall_newer();
        assert_eq!(input.text(), "draft");
    }

    #[test]
    fn the_word_before_the_cursor_is_the_one_to_complete() {
        let input = typed("hi @bo");
        assert_eq!(input.word_before_cursor(), Some((3..6, "@bo")));
        assert_eq!(typed("hi ").word_before_cursor(), None);
        assert_eq!(typed("").word_before_cursor(), None);
    }
}
