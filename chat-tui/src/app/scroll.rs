//! Where a conversation's view stands, counted from its newest entry.
//!
//! The position is kept as whole entries below the view plus rows of the bottom entry
//! hidden, not as rows from the top: new messages arrive at the bottom and old pages at the
//! top, and counting from the bottom keeps a reader's place when either happens without
//! knowing any entry's height. Heights are only needed to move, and only for the entries
//! moved over, so scrolling costs the same with 50 entries loaded or 100,000.

/// A view's position in a list of entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    /// Entries entirely below the bottom of the view.
    pub below: usize,
    /// Rows of the bottom entry that are below the view.
    pub rows: usize,
}

impl Scroll {
    /// Following the newest entry: new ones come into view as they arrive.
    pub fn at_bottom(self) -> bool {
        self.below == 0 && self.rows == 0
    }

    /// The index of the entry at the bottom of the view, in a list of `len`.
    pub fn bottom_index(self, len: usize) -> Option<usize> {
        len.checked_sub(self.below + 1)
    }

    /// Moves the view `n` rows towards older entries, stopping where the oldest entry's
    /// top meets the top of a view `view_height` rows tall.
    pub fn up(
        &mut self,
        n: usize,
        len: usize,
        view_height: usize,
        height: impl Fn(usize) -> usize,
    ) {
        let Some(mut bottom) = self.bottom_index(len) else {
            return;
        };
        for _ in 0..n {
            if self.rows + 1 < height(bottom) {
                self.rows += 1;
            } else if bottom > 0 {
                self.below += 1;
                self.rows = 0;
                bottom -= 1;
            } else {
                break;
            }
        }
        let over = view_height.saturating_sub(self.rows_from_top(bottom, view_height, &height));
        self.down(over, len, &height);
    }

    /// Moves the view `n` rows towards newer entries, stopping at the newest.
    pub fn down(&mut self, n: usize, len: usize, height: impl Fn(usize) -> usize) {
        let mut remaining = n;
        loop {
            let take = remaining.min(self.rows);
            self.rows -= take;
            remaining -= take;
            if remaining == 0 || self.below == 0 {
                return;
            }
            self.below -= 1;
            if let Some(bottom) = self.bottom_index(len) {
                self.rows = height(bottom);
            }
        }
    }

    /// Rows from the top of the oldest entry to the bottom of the view, counted only up to
    /// `enough`: all that matters is whether the view is filled.
    fn rows_from_top(self, bottom: usize, enough: usize, height: impl Fn(usize) -> usize) -> usize {
        let mut rows = height(bottom).saturating_sub(self.rows);
        let mut index = bottom;
        while rows < enough && index > 0 {
            index -= 1;
            rows += height(index);
        }
        rows
    }

    /// Moves the view the least that brings the whole of entry `index` into a view
    /// `view_height` rows tall: one below the view, or whose last rows are, comes up to
    /// the bottom row; one above, or cut at the top, comes down to the top row; one in
    /// view stays. Only the entries between the view and `index` are measured.
    pub fn reveal(
        &mut self,
        index: usize,
        len: usize,
        view_height: usize,
        height: impl Fn(usize) -> usize,
    ) {
        let Some(bottom) = self.bottom_index(len).filter(|_| index < len) else {
            return;
        };
        if index > bottom || (index == bottom && self.rows > 0) {
            self.below = len - 1 - index;
            self.rows = 0;
            return;
        }
        // Rows from the bottom of the view up to the top of `index`, counted no further
        // than the view reaches.
        let mut rows = height(bottom).saturating_sub(self.rows);
        let mut at = bottom;
        while at > index && rows <= view_height {
            at -= 1;
            rows += height(at);
        }
        if rows <= view_height {
            return;
        }
        self.below = len - 1 - index;
        self.rows = 0;
        self.down(view_height.saturating_sub(height(index)), len, &height);
    }

    /// Records that `count` entries were added at the bottom: a view that is not following
    /// the newest keeps its place.
    pub fn added_below(&mut self, count: usize) {
        if !self.at_bottom() {
            self.below += count;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten entries of two rows each.
    fn two_rows(_: usize) -> usize {
        2
    }

    #[test]
    fn scrolling_up_moves_through_rows_then_entries() {
        let mut scroll = Scroll::default();
        scroll.up(1, 10, 4, two_rows);
        assert_eq!(scroll, Scroll { below: 0, rows: 1 });
        scroll.up(1, 10, 4, two_rows);
        assert_eq!(scroll, Scroll { below: 1, rows: 0 });
        scroll.up(3, 10, 4, two_rows);
        assert_eq!(scroll, Scroll { below: 2, rows: 1 });
    }

    #[test]
    fn scrolling_down_comes_back_to_the_bottom_and_stops() {
        let mut scroll = Scroll { below: 2, rows: 1 };
        scroll.down(4, 10, two_rows);
        assert_eq!(scroll, Scroll { below: 0, rows: 1 });
        scroll.down(10, 10, two_rows);
        assert!(scroll.at_bottom());
    }

    #[test]
    fn scrolling_up_stops_when_the_oldest_entry_reaches_the_top() {
        let mut scroll = Scroll::default();
        scroll.up(1000, 10, 4, two_rows);
        // 20 rows in all, 4 in view: the bottom of the view is 16 rows up.
        assert_eq!(scroll, Scroll { below: 8, rows: 0 });
        assert_eq!(scroll.bottom_index(10), Some(1));
    }

    #[test]
    fn a_short_conversation_does_not_scroll() {
        let mut scroll = Scroll::default();
        scroll.up(5, 2, 10, two_rows);
        assert!(scroll.at_bottom());
    }

    #[test]
    fn up_then_down_by_the_same_rows_returns() {
        let height = |i: usize| 1 + i % 3;
        let mut scroll = Scroll::default();
        scroll.up(17, 50, 5, height);
        scroll.down(17, 50, height);
        assert!(scroll.at_bottom());
    }

    #[test]
    fn revealing_an_entry_moves_the_view_only_when_it_is_not_whole_in_view() {
        // Ten entries of two rows, a view of five rows at the bottom: entries 8 and 9
        // whole, entry 7 cut at the top.
        let mut scroll = Scroll::default();
        scroll.reveal(8, 10, 5, two_rows);
        assert!(scroll.at_bottom());
        // Cut at the top: it comes down to the top row, one row of entry 9 going below.
        scroll.reveal(7, 10, 5, two_rows);
        assert_eq!(scroll, Scroll { below: 0, rows: 1 });
        scroll.reveal(8, 10, 5, two_rows);
        assert_eq!(scroll, Scroll { below: 0, rows: 1 });
        // Far above: the same, at the top row.
        scroll.reveal(2, 10, 5, two_rows);
        assert_eq!(scroll, Scroll { below: 5, rows: 1 });
        // Below the view, or its last row hidden: it comes up to the bottom row.
        scroll.reveal(9, 10, 5, two_rows);
        assert!(scroll.at_bottom());
        let mut cut = Scroll { below: 1, rows: 1 };
        cut.reveal(8, 10, 5, two_rows);
        assert_eq!(cut, Scroll { below: 1, rows: 0 });
        // Nothing there: nothing moves.
        cut.reveal(10, 10, 5, two_rows);
        assert_eq!(cut, Scroll { below: 1, rows: 0 });
    }

    #[test]
    fn revealing_measures_only_the_entries_it_passes() {
        let measured = std::cell::Cell::new(0);
        let counted = |_: usize| {
            measured.set(measured.get() + 1);
            2
        };
        let mut scroll = Scroll::default();
        scroll.reveal(10, 100_000, 5, counted);
        assert!(measured.get() < 10, "{}", measured.get());
        assert_eq!(scroll.bottom_index(100_000), Some(12));
    }

    #[test]
    fn new_entries_keep_a_reader_in_place() {
        let mut following = Scroll::default();
        following.added_below(3);
        assert!(following.at_bottom());
        let mut reading = Scroll { below: 4, rows: 1 };
        reading.added_below(3);
        assert_eq!(reading, Scroll { below: 7, rows: 1 });
    }
}
