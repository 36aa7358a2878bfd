//! One conversation (a room or a DM): a bounded window of its scrollback, what is pending,
//! and where the reader is.
//!
//! The window holds at most `capacity` entries of a conversation that may be far longer.
//! It grows at the top when the reader scrolls back (pages fetched with `History`), and at
//! the bottom from live messages or, after the reader has been far back, from pages fetched
//! forwards. Whichever end is away from the reader is trimmed first to keep the bound, and
//! the other end if that is not enough: a reader deep in history lets go of the newest
//! entries (the window is then not `live`, and live messages are not kept but fetched again
//! when the reader comes back down), and one at the bottom lets go of the oldest.
//!
//! Pages arrive long after they are asked for. Each request has a number, and an end of the
//! window takes only the page that answers the request it still waits for: a window started
//! afresh, or an end trimmed meanwhile, forgets its request, and the late page is dropped.

use std::collections::VecDeque;

use chat_proto::{MessageId, Target};

use super::entry::{Entry, Line};
use super::scroll::Scroll;

/// Entries kept out of view on the side being read towards: fetching starts when the
/// reader comes within this many entries of the edge of what is loaded.
pub const PREFETCH: usize = 200;

/// An end of a conversation's window, where pages of history join it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Older,
    Newer,
}

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
    /// The newest live message let go while the window did not follow. A page of newer
    /// messages may have been read on the server before that message was written, so even
    /// one that says it reaches the newest is followed by another until the window holds
    /// it; only then does the window follow again.
    missed: Option<MessageId>,
    /// Most entries held. At least twice [`PREFETCH`], so that the window can keep a
    /// prefetch margin on both sides of the view: trimming one end then never reaches
    /// what the reader is about to see, and trimming the oldest down to the margin, then
    /// the newest below the view, always gets back within the bound.
    capacity: usize,
}

/// The requests for pages of a conversation that are not answered yet, one at each end at
/// a time, by the number the app gave each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetching {
    pub older: Option<u64>,
    pub newer: Option<u64>,
}

impl Fetching {
    fn at(&mut self, side: Side) -> &mut Option<u64> {
        match side {
            Side::Older => &mut self.older,
            Side::Newer => &mut self.newer,
        }
    }
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
            missed: None,
            capacity: capacity.max(2 * PREFETCH),
        }
    }

    /// Most entries the window holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn oldest_id(&self) -> Option<MessageId> {
        self.entries.iter().find_map(Entry::id)
    }

    fn newest_id(&self) -> Option<MessageId> {
        self.entries.iter().rev().find_map(Entry::id)
    }

    /// Adds a live entry at the bottom; returns whether it was kept (a window away from
    /// the newest messages does not keep live ones, nor a message already there).
    pub fn push_live(&mut self, entry: Entry) -> bool {
        if !self.live {
            self.missed = self.missed.max(entry.id());
            return false;
        }
        if let (Some(id), Some(newest)) = (entry.id(), self.newest_id())
            && id <= newest
        {
            return false;
        }
        self.entries.push_back(entry);
        self.scroll.added_below(1);
        self.trim_after_append();
        // Trimming lets go of the newest entries only when the window stops following.
        self.live
    }

    /// Adds a page of older messages at the top, skipping any already in the window.
    pub fn prepend_older(&mut self, lines: Vec<Line>, complete: bool) {
        self.complete = complete;
        let oldest = self.oldest_id();
        let older = lines
            .into_iter()
            .filter(|line| oldest.is_none_or(|oldest| line.id < oldest));
        for line in older.rev() {
            self.entries.push_front(Entry::Message(line));
        }
        self.trim_after_prepend();
    }

    /// Adds a page of newer messages at the bottom; `complete` when it reaches the newest.
    pub fn append_newer(&mut self, lines: Vec<Line>, complete: bool) {
        let newest = self.newest_id();
        let mut added = 0;
        for line in lines {
            if newest.is_none_or(|newest| line.id > newest) {
                self.entries.push_back(Entry::Message(line));
                added += 1;
            }
        }
        self.scroll.added_below(added);
        let newest = self.newest_id();
        if self.missed.is_some_and(|missed| newest < Some(missed)) {
            self.live = false;
        } else {
            self.missed = None;
            self.live = complete;
        }
        self.trim_after_append();
    }

    /// Whether a page is the answer to the request `side` waits for; if so, that end waits
    /// no more. A page that is not (its window was started afresh, or that end trimmed,
    /// since it was asked for) must be dropped.
    pub fn answered(&mut self, side: Side, request: u64) -> bool {
        let waiting = self.fetching.at(side);
        if *waiting != Some(request) {
            return false;
        }
        *waiting = None;
        true
    }

    /// Records that a page for `side` was asked for by request number `request`.
    pub fn asked(&mut self, side: Side, request: u64) {
        *self.fetching.at(side) = Some(request);
    }

    /// Keeps the bound after growing at the bottom: the oldest entries go first.
    fn trim_after_append(&mut self) {
        let excess = self.excess();
        let dropped = self.drop_oldest(excess);
        self.drop_newest(excess - dropped);
    }

    /// Keeps the bound after growing at the top: the newest entries go first.
    fn trim_after_prepend(&mut self) {
        let excess = self.excess();
        let dropped = self.drop_newest(excess);
        self.drop_oldest(excess - dropped);
    }

    fn excess(&self) -> usize {
        self.entries.len().saturating_sub(self.capacity)
    }

    /// Drops up to `count` of the oldest entries, keeping [`PREFETCH`] above the bottom of
    /// the view; returns how many went.
    fn drop_oldest(&mut self, count: usize) -> usize {
        let bottom = self.scroll.bottom_index(self.entries.len()).unwrap_or(0);
        let droppable = count.min(bottom.saturating_sub(PREFETCH));
        if droppable > 0 {
            self.entries.drain(..droppable);
            self.complete = false;
            // A page asked for before them would now leave a gap.
            self.fetching.older = None;
        }
        droppable
    }

    /// Drops up to `count` of the newest entries, of those below the view; returns how
    /// many went. The window then stops following: they are fetched again when the reader
    /// comes down.
    fn drop_newest(&mut self, count: usize) -> usize {
        let droppable = count.min(self.scroll.below);
        if droppable > 0 {
            self.entries.truncate(self.entries.len() - droppable);
            self.scroll.below -= droppable;
            self.live = false;
            self.fetching.newer = None;
        }
        droppable
    }

    /// The `before` of the next page of older messages to fetch, when the reader is near
    /// the top of what is loaded and more exists. `Some(None)` asks for the newest page.
    pub fn wants_older(&self) -> Option<Option<MessageId>> {
        if self.complete || self.fetching.older.is_some() {
            return None;
        }
        let bottom = self.scroll.bottom_index(self.entries.len()).unwrap_or(0);
        (bottom < PREFETCH).then(|| self.oldest_id())
    }

    /// The `after` of the next page of newer messages to fetch, when the window stops short
    /// of the newest and the reader is near its bottom.
    pub fn wants_newer(&self) -> Option<MessageId> {
        if self.live || self.fetching.newer.is_some() || self.scroll.below >= PREFETCH {
            return None;
        }
        self.newest_id()
    }

    /// Goes back to the newest message. A window that stops short of it is started afresh,
    /// and will fetch the newest page; the pages it was waiting for are dropped when they
    /// come.
    pub fn jump_to_newest(&mut self) {
        self.scroll = Scroll::default();
        if !self.live {
            self.entries.clear();
            self.live = true;
            self.complete = false;
            self.missed = None;
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
            kind: crate::app::LineKind::Said,
            own: false,
            mention: false,
            file: None,
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
        c.asked(Side::Older, 1);
        assert_eq!(c.wants_older(), None, "one page at a time");
        assert!(c.answered(Side::Older, 1));
        c.prepend_older(vec![line(8), line(9), line(10)], false);
        assert_eq!(ids(&c), [8, 9, 10]);
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
        c.asked(Side::Newer, 1);
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

    #[test]
    fn a_page_is_taken_only_by_the_request_its_end_waits_for() {
        let mut c = conversation(400);
        c.push_live(Entry::Message(line(1)));
        c.asked(Side::Older, 7);
        c.live = false;
        c.jump_to_newest();
        assert!(!c.answered(Side::Older, 7), "the window started afresh");
        c.asked(Side::Older, 8);
        assert!(!c.answered(Side::Newer, 8), "the other end did not ask");
        assert!(c.answered(Side::Older, 8));
        assert!(!c.answered(Side::Older, 8), "a page is taken once");
    }

    #[test]
    fn a_forward_page_read_before_a_live_message_is_followed_by_another() {
        let mut c = conversation(400);
        for id in 1..=10 {
            c.push_live(Entry::Message(line(id)));
        }
        c.live = false;
        c.scroll.below = 5;
        assert_eq!(c.wants_newer(), Some(MessageId(10)));
        c.asked(Side::Newer, 1);

        // Message 12 arrives live before the page, which the server read before 12 existed.
        assert!(!c.push_live(Entry::Message(line(12))));
        assert!(c.answered(Side::Newer, 1));
        c.append_newer(vec![line(11)], true);
        assert!(!c.live, "following now would leave out message 12");
        assert_eq!(c.wants_newer(), Some(MessageId(11)));

        c.asked(Side::Newer, 2);
        assert!(c.answered(Side::Newer, 2));
        c.append_newer(vec![line(12)], true);
        assert!(c.live);
        assert_eq!(ids(&c), (1..=12).collect::<Vec<_>>());
    }

    #[test]
    fn a_reader_scrolled_far_up_does_not_let_live_messages_pile_up() {
        let mut c = conversation(400);
        for id in 1..=400 {
            c.push_live(Entry::Message(line(id)));
        }
        // Near the top, where the oldest entries cannot go.
        c.scroll.below = 350;
        for id in 401..=5000 {
            c.push_live(Entry::Message(line(id)));
            assert!(
                c.entries.len() <= c.capacity(),
                "{} at {id}",
                c.entries.len()
            );
        }
        assert!(!c.live);
        assert_eq!(c.scroll.below, 350);
        assert_eq!(ids(&c).first(), Some(&1), "what the reader reads stays");

        // Coming down fetches what was let go, from the newest entry held.
        c.scroll.below = 10;
        assert_eq!(c.wants_newer(), Some(MessageId(400)));
    }

    /// What may happen to a window, in any order.
    #[derive(Debug, Clone)]
    enum Step {
        Live,
        Older(u8),
        Newer(u8, bool),
        Up(u16),
        Down(u16),
        Newest,
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            4 => Just(Step::Live),
            1 => (1..=250u8).prop_map(Step::Older),
            1 => (1..=250u8, any::<bool>()).prop_map(|(n, complete)| Step::Newer(n, complete)),
            1 => (1..=600u16).prop_map(Step::Up),
            1 => (1..=600u16).prop_map(Step::Down),
            1 => Just(Step::Newest),
        ]
    }

    proptest::proptest! {
        #[test]
        fn the_window_never_holds_more_than_its_capacity(
            steps in proptest::collection::vec(step(), 1..400)
        ) {
            let mut c = conversation(400);
            let mut next = 1_000_000;
            for step in steps {
                let oldest = c.oldest_id().map_or(next, |id| id.0);
                match step {
                    Step::Live => {
                        next += 1;
                        c.push_live(Entry::Message(line(next)));
                    }
                    Step::Older(n) => {
                        let first = oldest.saturating_sub(u64::from(n));
                        c.prepend_older((first..oldest).map(line).collect(), false);
                    }
                    Step::Newer(n, complete) => {
                        let newest = c.newest_id().map_or(next, |id| id.0);
                        let lines = (newest + 1..=newest + u64::from(n)).map(line).collect();
                        next = next.max(newest + u64::from(n));
                        c.append_newer(lines, complete);
                    }
                    Step::Up(rows) => {
                        let len = c.entries.len();
                        c.scroll.up(usize::from(rows), len, 10, |_| 1);
                    }
                    Step::Down(rows) => {
                        let len = c.entries.len();
                        c.scroll.down(usize::from(rows), len, |_| 1);
                    }
                    Step::Newest => c.jump_to_newest(),
                }
                proptest::prop_assert!(c.entries.len() <= c.capacity());
            }
        }
    }
}
