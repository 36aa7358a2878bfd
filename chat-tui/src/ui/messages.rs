//! The message view: the current conversation's scrollback, newest at the bottom.
//!
//! Only the entries in view are laid out, walking up from the reader's place (see
//! `app::scroll`), so a frame costs the same whatever the length of the scrollback.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};

use crate::app::{App, Conversation, Entry, EntryRows, LineKind, NICK_WIDTH, text_width};
use crate::text::wrap::wrap;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(chat) = app.current() else {
        welcome(area, buf);
        return;
    };
    let rows = visible_rows(app, chat, area);
    let top = area.bottom().saturating_sub(rows.len() as u16);
    for (y, line) in (top..area.bottom()).zip(rows.iter()) {
        // Centred lines (the markers) are centred here: `set_line` ignores alignment.
        let x = match line.alignment {
            Some(Alignment::Center) => area.x + area.width.saturating_sub(line.width() as u16) / 2,
            _ => area.x,
        };
        buf.set_line(x, y, line, area.width);
    }
}

/// The rows to show, top to bottom, at most the view's height.
fn visible_rows<'a>(app: &App, chat: &'a Conversation, area: Rect) -> Vec<Line<'a>> {
    let height = usize::from(area.height);
    let width = text_width(area.width);
    // Collected bottom-up, then turned over.
    let mut rows: Vec<Line<'a>> = Vec::with_capacity(height);
    if chat.scroll.at_bottom() {
        for pending in chat.pending.iter().rev() {
            let lines = text_rows(&pending.text, width, Style::new().dark_gray());
            rows.extend(lines.into_iter().rev());
        }
    }
    let mut skip = chat.scroll.rows;
    let mut index = chat.scroll.bottom_index(chat.entries.len());
    let picked = app
        .picked_file()
        .and(app.selected_file.as_ref().map(|(_, id)| *id));
    while let Some(at) = index.filter(|_| rows.len() < height) {
        let layout = EntryRows::of(&chat.entries, at, width, app.settings.clock);
        let entry = &chat.entries[at];
        let is_picked = picked.is_some() && entry.id() == picked;
        let lines = entry_lines(app, entry, &layout, area.width, is_picked);
        rows.extend(lines.into_iter().rev().skip(skip));
        skip = 0;
        index = at.checked_sub(1);
    }
    if rows.len() < height {
        rows.push(top_marker(chat));
    }
    rows.truncate(height);
    rows.reverse();
    rows
}

/// What lies above the oldest entry loaded.
fn top_marker(chat: &Conversation) -> Line<'static> {
    let text = if chat.complete {
        format!("── beginning of {} ──", chat.target)
    } else if chat.fetching.older.is_some() {
        "loading older messages…".to_owned()
    } else {
        "↑ older messages: PageUp".to_owned()
    };
    Line::from(text).dark_gray().centered()
}

/// What goes left of a row's text.
enum Prefix<'a> {
    /// The first row of an entry: its time and sender.
    Time(String, Span<'a>),
    /// Rows after the first.
    Blank,
    /// The first row of a message not yet acknowledged.
    Pending,
}

/// The rows of one entry: its day separator, then its text, reversed when it is the file
/// picked.
fn entry_lines<'a>(
    app: &App,
    entry: &'a Entry,
    layout: &EntryRows,
    view_width: u16,
    picked: bool,
) -> Vec<Line<'a>> {
    let clock = app.settings.clock;
    let mut lines = Vec::with_capacity(layout.height());
    if layout.separator {
        let label = format!(" {} ", clock.day_label(entry.ts_ms()));
        let side = usize::from(view_width).saturating_sub(label.chars().count()) / 2;
        let rule = "─".repeat(side);
        lines.push(Line::from(format!("{rule}{label}{rule}")).dark_gray());
    }
    let (sender, style) = sender_and_style(app, entry);
    let time = clock.time_of_day(entry.ts_ms());
    let body = entry.body();
    for (row, range) in layout.text.iter().enumerate() {
        let prefix = if row == 0 {
            Prefix::Time(time.clone(), sender.clone())
        } else {
            Prefix::Blank
        };
        let line = text_line(prefix, &body[range.clone()], style);
        lines.push(if picked { line.reversed() } else { line });
    }
    lines
}

/// What stands in the sender column, and the style of the text: a star for actions, the
/// sender in their colour (or the reader's own), dim dashes for notices and room events;
/// mentions stand out.
fn sender_and_style(app: &App, entry: &Entry) -> (Span<'static>, Style) {
    let theme = &app.settings.theme;
    let (sender, style) = match entry {
        Entry::Message(line) if line.kind == LineKind::Action => {
            (Span::from("*").bold(), Style::new().italic())
        }
        Entry::Message(line) if line.kind == LineKind::Event => {
            (Span::from("--").dark_gray(), Style::new().dark_gray())
        }
        Entry::Message(line) => {
            let colour = if line.own {
                theme.own
            } else {
                theme.name(line.from.as_str())
            };
            let name = Span::from(nick(line.from.as_str())).fg(colour).bold();
            (name, Style::new())
        }
        Entry::Notice { .. } => (Span::from("--").dark_gray(), Style::new().dark_gray()),
    };
    match entry {
        Entry::Message(line) if line.mention => (sender, style.fg(theme.mention).bold()),
        _ => (sender, style),
    }
}

/// The rows of a message still being sent.
fn text_rows(text: &str, width: usize, style: Style) -> Vec<Line<'_>> {
    wrap(text, width)
        .into_iter()
        .enumerate()
        .map(|(row, range)| {
            let prefix = if row == 0 {
                Prefix::Pending
            } else {
                Prefix::Blank
            };
            text_line(prefix, &text[range], style)
        })
        .collect()
}

/// One row: the time and sender (or what stands for them), the gutter, and the text.
fn text_line<'a>(prefix: Prefix<'a>, text: &'a str, style: Style) -> Line<'a> {
    let left = NICK_WIDTH + 6;
    let mut spans = match prefix {
        Prefix::Time(time, sender) => {
            let pad = NICK_WIDTH.saturating_sub(sender.width());
            vec![
                Span::from(time).dark_gray(),
                Span::from(" ".repeat(pad + 1)),
                sender,
            ]
        }
        Prefix::Blank => vec![Span::from(" ".repeat(left))],
        Prefix::Pending => vec![Span::from(format!("{:>left$}", "…")).dark_gray()],
    };
    spans.push(Span::from(" │ ").dark_gray());
    spans.push(Span::styled(text, style));
    Line::from(spans)
}

/// A sender's name cut to the sender column.
fn nick(name: &str) -> String {
    if name.chars().count() <= NICK_WIDTH {
        return name.to_owned();
    }
    name.chars().take(NICK_WIDTH - 1).chain(['…']).collect()
}

/// Shown when there is no conversation at all.
fn welcome(area: Rect, buf: &mut Buffer) {
    let lines = [
        Line::from("Welcome to chat-tui").bold(),
        Line::from(""),
        Line::from("/join #room    join a room, or create it"),
        Line::from("/rooms         list the rooms on this server"),
        Line::from("/query @user   talk to someone directly"),
        Line::from("F1             every key and command"),
    ];
    let top = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (y, line) in (top..area.bottom()).zip(lines.iter()) {
        buf.set_line(area.x + 2, y, line, area.width.saturating_sub(2));
    }
}
