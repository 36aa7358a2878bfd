//! What a conversation's scrollback holds, and how tall each entry is on screen.
//!
//! Text from the network is sanitised once, when an entry is made, so that drawing a frame
//! does no more than lay out text that is already safe.

use std::collections::VecDeque;
use std::ops::Range;

use chat_proto::{Body, FileInfo, Message, MessageId, UserName};

use crate::commands::action_text;
use crate::file_text;
use crate::room_event;
use crate::sanitize;
use crate::text::clock::Clock;
use crate::text::wrap::wrap;

/// Width of the sender column; longer names are cut, with a mark.
pub const NICK_WIDTH: usize = 12;

/// Columns left of a message's text: "14:05 " then the sender, then " │ ".
pub const PREFIX_WIDTH: usize = 6 + NICK_WIDTH + 3;

/// Narrowest text column; below it, rows overflow rather than wrap one letter at a time.
const MIN_TEXT_WIDTH: usize = 8;

/// Columns left for text in a message view `view_width` wide.
pub fn text_width(view_width: u16) -> usize {
    usize::from(view_width)
        .saturating_sub(PREFIX_WIDTH)
        .max(MIN_TEXT_WIDTH)
}

/// One entry of a conversation's scrollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Message(Line),
    /// Something that happened in the conversation that is not a message: a join, a part.
    Notice {
        ts_ms: i64,
        text: String,
    },
}

/// A message, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: MessageId,
    pub from: UserName,
    /// The text shown: sanitised; for an action, "alice waves"; for a room event, what
    /// happened in words.
    pub body: String,
    pub ts_ms: i64,
    pub kind: LineKind,
    /// Sent by the reader.
    pub own: bool,
    /// Names the reader.
    pub mention: bool,
    /// The file posted, for a file message: `/view` looks up whether it is an image.
    pub file: Option<FileInfo>,
}

/// How a message reads, which decides how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Text someone wrote, shown under their name.
    Said,
    /// A `/me` action, shown with a star instead of the sender.
    Action,
    /// A change to the room, shown dimmed as a line of the system's.
    Event,
    /// A file posted, shown under the sender's name with how to download it.
    File,
}

impl Line {
    /// A message as `me` sees it.
    pub fn new(message: Message, me: &UserName) -> Self {
        let own = &message.from == me;
        let (body, kind) = match &message.body {
            Body::Text(text) => {
                let text = sanitize::for_display(text);
                match action_text(&text) {
                    Some(action) => (format!("{} {action}", message.from), LineKind::Action),
                    None => (text.into_owned(), LineKind::Said),
                }
            }
            Body::Event(event) => (room_event::describe(&message.from, event), LineKind::Event),
            Body::File(file) => (file_text::describe(file), LineKind::File),
        };
        let file = match &message.body {
            Body::File(file) => Some(file.clone()),
            Body::Text(_) | Body::Event(_) => None,
        };
        Self {
            file,
            mention: !own
                && matches!(kind, LineKind::Said | LineKind::Action)
                && mentions(&body, me),
            id: message.id,
            from: message.from,
            body,
            ts_ms: message.ts_ms,
            kind,
            own,
        }
    }
}

/// Whether `text` names `me`: the name as a whole word, in any case, with or without `@`.
pub fn mentions(text: &str, me: &UserName) -> bool {
    let name = me.as_str();
    let lower = text.to_lowercase();
    let is_name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    lower.match_indices(name).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + name.len()..].chars().next();
        !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
    })
}

impl Entry {
    pub fn ts_ms(&self) -> i64 {
        match self {
            Self::Message(line) => line.ts_ms,
            Self::Notice { ts_ms, .. } => *ts_ms,
        }
    }

    /// The message id, for a message.
    pub fn id(&self) -> Option<MessageId> {
        match self {
            Self::Message(line) => Some(line.id),
            Self::Notice { .. } => None,
        }
    }

    /// The text shown in the text column.
    pub fn body(&self) -> &str {
        match self {
            Self::Message(line) => &line.body,
            Self::Notice { text, .. } => text,
        }
    }
}

/// How an entry lays out: a day separator above it when its day differs from the entry
/// before, then its text in rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRows {
    pub separator: bool,
    /// Byte ranges of the entry's body, one per row.
    pub text: Vec<Range<usize>>,
}

impl EntryRows {
    /// Lays out entry `index` of `entries` with `text_width` columns for its text.
    pub fn of(entries: &VecDeque<Entry>, index: usize, text_width: usize, clock: Clock) -> Self {
        let entry = &entries[index];
        let separator = index
            .checked_sub(1)
            .is_none_or(|before| clock.day(entries[before].ts_ms()) != clock.day(entry.ts_ms()));
        Self {
            separator,
            text: wrap(entry.body(), text_width),
        }
    }

    pub fn height(&self) -> usize {
        self.text.len() + usize::from(self.separator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::{RoomName, Target};

    fn user(name: &str) -> UserName {
        UserName::new(name).unwrap()
    }

    fn message(from: &str, text: &str) -> Message {
        Message {
            id: MessageId(1),
            to: Target::Room(RoomName::new("a").unwrap()),
            from: user(from),
            body: Body::Text(text.to_owned()),
            ts_ms: 0,
        }
    }

    #[test]
    fn mentions_are_whole_words_in_any_case() {
        let me = user("ann");
        for text in ["ann: hi", "hi @ann", "hey ANN!", "(Ann)", "ann"] {
            assert!(mentions(text, &me), "{text}");
        }
        for text in ["anne", "joanna", "ann_b", "b-ann", "nothing"] {
            assert!(!mentions(text, &me), "{text}");
        }
    }

    #[test]
    fn lines_are_sanitised_and_classified() {
        let me = user("ann");
        let line = Line::new(message("bob", "\u{1b}[31mhi ann\u{7}"), &me);
        assert_eq!(line.body, "hi ann");
        assert!(line.mention && !line.own && line.kind == LineKind::Said);

        let action = Line::new(message("bob", "/me waves"), &me);
        assert_eq!(action.body, "bob waves");
        assert_eq!(action.kind, LineKind::Action);

        let own = Line::new(message("ann", "I am ann"), &me);
        assert!(own.own && !own.mention);
    }

    #[test]
    fn a_day_separator_comes_before_the_first_entry_of_each_day() {
        let day = 86_400_000;
        let entries: VecDeque<Entry> = [0, 1000, day, day + 5]
            .into_iter()
            .map(|ts_ms| Entry::Notice {
                ts_ms,
                text: "x".into(),
            })
            .collect();
        let separators: Vec<bool> = (0..4)
            .map(|i| EntryRows::of(&entries, i, 20, Clock::UTC).separator)
            .collect();
        assert_eq!(separators, [true, false, true, false]);
        assert_eq!(EntryRows::of(&entries, 2, 20, Clock::UTC).height(), 2);
    }
}
