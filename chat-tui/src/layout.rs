//! Where each pane goes, from the terminal's size alone; shared by the views, which draw
//! there, and the app state, which scrolls by pages of the message view's height.

use ratatui::layout::{Constraint, Layout, Rect};

/// Width of the rooms pane, border included.
const ROOMS_WIDTH: u16 = 22;

/// Width of the member pane, border included.
const MEMBERS_WIDTH: u16 = 20;

/// Narrowest terminal that still shows the member pane.
const MEMBERS_FROM: u16 = 90;

/// Narrowest terminal that still shows the rooms pane.
const ROOMS_FROM: u16 = 50;

/// Shortest message column that gives its top row to the title (the conversation's name
/// and topic); a shorter one keeps every row for messages.
const TITLE_FROM: u16 = 6;

/// Most rows the transfers pane takes; further transfers are counted on its last row.
pub const MAX_TRANSFER_ROWS: u16 = 3;

/// Rows the body (rooms, messages, members) keeps however many transfers run.
const MIN_BODY: u16 = 3;

/// The panes of the chat screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    /// The DM tabs, across the top.
    pub tabs: Rect,
    pub rooms: Option<Rect>,
    /// The row above the messages naming the conversation, with the room's topic.
    pub title: Option<Rect>,
    pub messages: Rect,
    pub members: Option<Rect>,
    /// The running transfers' progress bars, across the screen above the status line; no
    /// rows when none runs or the terminal is too short to spare them.
    pub transfers: Rect,
    pub status: Rect,
    pub input: Rect,
}

impl Panes {
    /// The panes of `area` with `transfers` running.
    pub fn new(area: Rect, transfers: usize) -> Self {
        let transfer_rows = u16::try_from(transfers)
            .unwrap_or(u16::MAX)
            .min(MAX_TRANSFER_ROWS)
            .min(area.height.saturating_sub(3 + MIN_BODY));
        let [tabs, body, transfers, status, input] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(transfer_rows),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let rooms_width = if area.width >= ROOMS_FROM {
            ROOMS_WIDTH
        } else {
            0
        };
        let members_width = if area.width >= MEMBERS_FROM {
            MEMBERS_WIDTH
        } else {
            0
        };
        let [rooms, column, members] = Layout::horizontal([
            Constraint::Length(rooms_width),
            Constraint::Fill(1),
            Constraint::Length(members_width),
        ])
        .areas(body);
        let title_height = u16::from(column.height >= TITLE_FROM);
        let [title, messages] =
            Layout::vertical([Constraint::Length(title_height), Constraint::Fill(1)]).areas(column);
        Self {
            tabs,
            rooms: (rooms_width > 0).then_some(rooms),
            title: (title_height > 0).then_some(title),
            messages,
            members: (members_width > 0).then_some(members),
            transfers,
            status,
            input,
        }
    }

    /// The panes of a terminal `width` by `height` with `transfers` running.
    pub fn of_size(width: u16, height: u16, transfers: usize) -> Self {
        Self::new(Rect::new(0, 0, width, height), transfers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_terminal_shows_every_pane() {
        let panes = Panes::of_size(120, 40, 0);
        assert_eq!(panes.rooms.map(|r| r.width), Some(ROOMS_WIDTH));
        assert_eq!(panes.members.map(|r| r.width), Some(MEMBERS_WIDTH));
        assert_eq!(panes.messages.width, 120 - ROOMS_WIDTH - MEMBERS_WIDTH);
        assert_eq!(panes.title.map(|t| (t.y, t.height)), Some((1, 1)));
        assert_eq!(panes.messages.height, 36);
        assert_eq!(panes.input.y, 39);
    }

    #[test]
    fn a_narrow_terminal_keeps_the_messages() {
        let panes = Panes::of_size(60, 20, 0);
        assert!(panes.members.is_none());
        assert!(panes.rooms.is_some());
        assert!(Panes::of_size(40, 20, 0).rooms.is_none());
    }

    #[test]
    fn a_short_terminal_gives_the_title_row_to_messages() {
        let panes = Panes::of_size(80, 7, 0);
        assert!(panes.title.is_none());
        assert_eq!(panes.messages.height, 4);
    }

    #[test]
    fn transfers_take_rows_from_the_messages_while_the_body_keeps_some() {
        let idle = Panes::of_size(80, 24, 0);
        assert_eq!(idle.transfers.height, 0);
        let two = Panes::of_size(80, 24, 2);
        assert_eq!(two.transfers.height, 2);
        assert_eq!(two.messages.height, idle.messages.height - 2);
        assert_eq!(two.transfers.bottom(), two.status.y);
        assert_eq!(
            Panes::of_size(80, 24, 9).transfers.height,
            MAX_TRANSFER_ROWS
        );
        assert_eq!(Panes::of_size(80, 7, 3).transfers.height, 1);
        assert_eq!(Panes::of_size(80, 6, 3).transfers.height, 0);
    }
}
