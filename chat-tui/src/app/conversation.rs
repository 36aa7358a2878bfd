//! One conversation (a room or a DM): a bounded window of its scrollback, what is pending,
//! and where the reader is.
//!
//! The window holds at most `capacity` entries of a conversation that may be far longer.
//! It grows at the top when the reader scrolls back (pages fetched with `History`), and at
//! the bottom from live messages or, after the reader has been far back, from pages fetched
//! forwards. Whichever end is away from the reader is trimmed to keep the bound: a reader
//! deep in history lets go of the newest entries (the window is then not `live`, and live
//! messages are counted but not kept), and one at the bottom lets go of the oldest.

use std::collections::VecDeque;

use chat_proto::{MessageId, Target};

use super::entry::{Entry, Line};
use super::scroll::Scroll;

/// Entries kept out of view on the side being read towards: fetching starts when the
/// reader comes within this many entries of the edge of what is loaded.
pub const PREFETCH: usize = 200;

/// A message typed and sent, not yet acknowledged by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Chosen by the app, to match the acknowledgement.
    pub local: u64,
    pub text: String,
}

/// A conversation as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub target: Target,
    pub entries: VecDeque<Entry>,
    pub pending: Vec<Pending>,
    pub scroll: Scroll,
    /// Messages that arrived while another conversation was shown.
    pub unread: usize,
    /// One of those named the reader.
    pub mentioned: bool,
    /// The window reaches back to the conversation's first message.
    pub complete: bool,
    /// The window reaches the conversation's newest message, so live messages join it.
    pub live: bool,
    /// Pages asked for and not yet in.
    pub fetching: Fetching,
    capacity: usize,
}

/// Which pages of a conversation have been asked for and not yet received; one of each at
/// a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetching {
    pub older: bool,
    pub newer: bool,
}

impl Conversation {
    pub fn new(target: Target, capacity: usize) -> Self {
        Self {
            target,
            entries: VecDeque::new(),
            pending: Vec::new(),
            scroll: Scroll::default(),
            unread: 0,
            mentioned: false,
            complete: false,
            live: true,
            fetching: Fetching::default(),
            capacity: capacity.max(2 * PREFETCH),
        }
    }

    fn oldest_id(&self) -> Option<MessageId> {
        self.entries.iter().find_map(Entry::id)
    }

    fn newest_id(&self) -> Option<MessageId> {
        self.entries.iter().rev().find_map(Entry::id)
    }

    /// Adds a live entry at the bottom; returns whether it was kept (a window away from
    /// the newest messages does not keep live ones, nor a message already there).
    pub fn push_live(&mut self, entry: Entry) -> bool {
        if !self.live {
            return false;
        }
        if let (Some(id), Some(newest)) = (entry.id(), self.newest_id())
            && id <= newest
        {
            return false;
        }
        self.entries.push_back(entry);
        self.scroll.added_below(1);
        self.trim_oldest();
        true
    }

    /// Adds a page of older messages at the top, skipping any already in the window.
    pub fn prepend_older(&mut self, lines: Vec<Line>, complete: bool) {
        self.fetching.older = false;
        self.complete = complete;
        let oldest = self.oldest_id();
        let older = lines
            .into_iter()
            .filter(|line| oldest.is_none_or(|oldest| line.id < oldest));
        for line in older.rev() {
            self.entries.push_front(Entry::Message(line));
        }
        self.trim_newest();
    }

    /// Adds a page of newer messages at the bottom; `complete` when it reaches the newest.
    pub fn append_newer(&mut self, lines: Vec<Line>, complete: bool) {
        self.fetching.newer = false;
        let newest = self.newest_id();
        let mut added = 0;
        for line in lines {
            if newest.is_none_or(|newest| line.id > newest) {
                self.entries.push_back(Entry::Message(line));
                added += 1;
            }
        }
        self.scroll.added_below(added);
        self.live = complete;
        self.trim_oldest();
    }

    /// Drops the oldest entries beyond the capacity, keeping those near the view.
    fn trim_oldest(&mut self) {
        let excess = self.entries.len().saturating_sub(self.capacity);
        let bottom = self.scroll.bottom_index(self.entries.len()).unwrap_or(0);
        let droppable = excess.min(bottom.saturating_sub(PREFETCH));
        if droppable > 0 {
            self.entries.drain(..droppable);
            self.complete = false;
        }
    }

    /// Drops the newest entries beyond the capacity, if they are out of view.
    fn trim_newest(&mut self) {
        let excess = self.entries.len().saturating_sub(self.capacity);
        let droppable = excess.min(self.scroll.below);
        if droppable > 0 {
            self.entries.truncate(self.entries.len() - droppable);
            self.scroll.below -= droppable;
            self.live = false;
        }
    }

    /// The `before` of the next page of older messages to fetch, when the reader is near
    /// the top of what is loaded and more exists. `Some(None)` asks for the newest page.
    pub fn wants_older(&self) -> Option<Option<MessageId>> {
        if self.complete || self.fetching.older {
            return None;
        }
        let bottom = self.scroll.bottom_index(self.entries.len()).unwrap_or(0);
        (bottom < PREFETCH).then(|| self.oldest_id())
    }

    /// The `after` of the next page of newer messages to fetch, when the window stops short
    /// of the newest and the reader is near its bottom.
    pub fn wants_newer(&self) -> Option<MessageId> {
        if self.live || self.fetching.newer || self.scroll.below >= PREFETCH {
            return None;
        }
        self.newest_id()
    }

    /// Goes back to the newest message. A window that stops short of it is started afresh,
    /// and will fetch the newest page.
    pub fn jump_to_newest(&mut self) {
        self.scroll = Scroll::default();
        if !self.live {
            self.entries.clear();
            self.live = true;
            self.complete = false;
            self.fetching = Fetching::default();
        }
    }

    /// Forgets the reader's unread marks: the conversation is being shown.
    pub fn mark_read(&mut self) {
        self.unread = 0;
        self.mentioned = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::{RoomName, UserName};

    fn line(id: u64) -> Line {
        Line {
            id: MessageId(id),
            from: UserName::new("bob").unwrap(),
            body: format!("m{id}"),
            ts_ms: 0,
            action: false,
            own: false,
            mention: false,
        }
    }

    fn conversation(capacity: usize) -> Conversation {
        Conversation::new(Target::Room(RoomName::new("a").unwrap()), capacity)
    }

    fn ids(conversation: &Conversation) -> Vec<u64> {
        conversation
            .entries
            .iter()
            .filter_map(|e| e.id().map(|id| id.0))
            .collect()
    }

    #[test]
    fn live_messages_are_appended_once() {
        let mut c = conversation(1000);
        assert!(c.push_live(Entry::Message(line(5))));
        assert!(!c.push_live(Entry::Message(line(5))));
        assert!(c.push_live(Entry::Message(line(6))));
        assert_eq!(ids(&c), [5, 6]);
    }

    #[test]
    fn older_pages_go_on_top_without_duplicates() {
        let mut c = conversation(1000);
        c.push_live(Entry::Message(line(10)));
        c.fetching.older = true;
        c.prepend_older(vec![line(8), line(9), line(10)], false);
        assert_eq!(ids(&c), [8, 9, 10]);
        assert!(!c.fetching.older);
        assert_eq!(c.wants_older(), Some(Some(MessageId(8))));
        c.prepend_older(vec![line(7)], true);
        assert_eq!(c.wants_older(), None);
    }

    #[test]
    fn an_empty_conversation_asks_for_the_newest_page() {
        assert_eq!(conversation(1000).wants_older(), Some(None));
    }

    #[test]
    fn following_the_bottom_drops_the_oldest() {
        let mut c = conversation(400);
        for id in 1..=1000 {
            c.push_live(Entry::Message(line(id)));
        }
        assert_eq!(c.entries.len(), 400);
        assert_eq!(ids(&c).first(), Some(&601));
        assert!(!c.complete);
    }

    #[test]
    fn reading_far_back_drops_the_newest_and_fetches_them_again() {
        let mut c = conversation(400);
        for id in 1001..=1400 {
            c.push_live(Entry::Message(line(id)));
        }
        c.scroll.below = 350;
        c.prepend_older((901..=1000).map(line).collect(), false);
        assert_eq!(c.entries.len(), 400);
        assert!(!c.live);
        assert_eq!(c.scroll.below, 250);
        assert_eq!(ids(&c).last(), Some(&1300));

        // Live messages are not kept meanwhile; scrolling down fetches forwards.
        assert!(!c.push_live(Entry::Message(line(1401))));
        c.scroll.below = 10;
        assert_eq!(c.wants_newer(), Some(MessageId(1300)));
        c.append_newer((1301..=1401).map(line).collect(), true);
        assert!(c.live);
        assert_eq!(ids(&c).last(), Some(&1401));
        assert_eq!(c.scroll.below, 111);
    }

    #[test]
    fn jumping_to_the_newest_restarts_a_window_that_stopped_short() {
        let mut c = conversation(400);
        c.push_live(Entry::Message(line(1)));
        c.live = false;
        c.jump_to_newest();
        assert!(c.entries.is_empty() && c.live);
        assert_eq!(c.wants_older(), Some(None));
    }
}
