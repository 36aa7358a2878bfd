//! The rooms pane: rooms, then DMs, each numbered for Alt+number, with unread counts and a
//! mark where the reader was mentioned; private rooms carry a `*` after their name. Below
//! them, the invitations waiting for `/accept` or `/decline`.

use chat_proto::{Invitation, Target};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::app::{App, Conversation, Focus};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let focused = app.focus == Focus::Rooms;
    let border = if focused {
        Style::new().fg(app.settings.theme.accent)
    } else {
        Style::new().dark_gray()
    };
    let block = Block::new().borders(Borders::RIGHT).border_style(border);
    let inner = block.inner(area);
    block.render(area, buf);

    let mut rows: Vec<Line> = Vec::new();
    let mut section = None;
    for (index, chat) in app.conversations.iter().enumerate() {
        let is_room = matches!(chat.target, Target::Room(_));
        if section != Some(is_room) {
            section = Some(is_room);
            let title = if is_room { "Rooms" } else { "Direct" };
            rows.push(Line::from(Span::from(title).bold().underlined()));
        }
        rows.push(row(app, index, chat, inner.width, focused));
    }
    if app.conversations.is_empty() {
        rows.push(Line::from("No rooms yet.").dark_gray());
        rows.push(Line::from("/join #room").dark_gray());
    }
    if !app.invitations.is_empty() {
        rows.push(Line::from(Span::from("Invited").bold().underlined()));
        for invitation in &app.invitations {
            rows.push(invitation_row(app, invitation, inner.width));
        }
    }
    for (y, line) in (inner.y..inner.bottom()).zip(rows.iter()) {
        buf.set_line(inner.x, y, line, inner.width);
    }
}

/// "1 #general     3", highlighted when current, marked when picked with the focus here.
fn row(app: &App, index: usize, chat: &Conversation, width: u16, focused: bool) -> Line<'static> {
    let theme = &app.settings.theme;
    let count = match (chat.unread, chat.mentioned) {
        (0, _) => String::new(),
        (n, true) => format!("@{n}"),
        (n, false) => n.to_string(),
    };
    let number = if index < 9 {
        format!("{}", index + 1)
    } else {
        " ".into()
    };
    let private = match &chat.target {
        Target::Room(room) => app.rooms.get(room).is_some_and(|r| r.private),
        Target::User(_) => false,
    };
    let mark = if private { "*" } else { "" };
    let room = usize::from(width).saturating_sub(count.len() + mark.len() + 3);
    let name = cut(&chat.target.to_string(), room);
    let used = name.chars().count() + mark.len() + count.len() + 2;
    let pad = usize::from(width).saturating_sub(used);
    let mut style = Style::new();
    if chat.unread > 0 {
        style = style.bold();
    }
    if index == app.current {
        style = style.fg(theme.accent).reversed();
    }
    if focused && index == app.selected {
        style = style.underlined();
    }
    let count_style = if chat.mentioned {
        Style::new().fg(theme.mention).bold()
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::from(number).dark_gray(),
        Span::styled(format!(" {name}"), style),
        Span::styled(mark, style),
        Span::styled(" ".repeat(pad), style),
        Span::styled(count, count_style),
    ])
}

/// "+ #secret (bob)": an invitation, with who sent it when there is room.
fn invitation_row(app: &App, invitation: &Invitation, width: u16) -> Line<'static> {
    let room = usize::from(width).saturating_sub(2);
    let name = cut(&invitation.room.to_string(), room);
    let by = format!(" ({})", invitation.by);
    let by = if name.chars().count() + by.len() <= room {
        by
    } else {
        String::new()
    };
    Line::from(vec![
        Span::from("+ ").dark_gray(),
        Span::from(name).fg(app.settings.theme.mention),
        Span::from(by).dark_gray(),
    ])
}

/// `name` in at most `room` columns, cut short with `…`.
fn cut(name: &str, room: usize) -> String {
    if name.chars().count() > room {
        name.chars()
            .take(room.saturating_sub(1))
            .chain(['…'])
            .collect()
    } else {
        name.to_owned()
    }
}
