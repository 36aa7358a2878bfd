//! The member pane: the current room's members by role (`~` the owner, `@` admins, then
//! members), online first within each.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::app::{App, Focus, role_mark};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let focused = app.focus == Focus::Members;
    let border = if focused {
        Style::new().fg(app.settings.theme.accent)
    } else {
        Style::new().dark_gray()
    };
    let block = Block::new().borders(Borders::LEFT).border_style(border);
    let inner = block.inner(area);
    block.render(area, buf);

    if let Some(chat_proto::Target::User(peer)) = app.current().map(|c| &c.target) {
        let rows = [
            Line::from("Direct with").bold(),
            Line::from(peer.to_string()).fg(app.settings.theme.name(peer.as_str())),
        ];
        for (y, line) in (inner.y..inner.bottom()).zip(rows.iter()) {
            buf.set_line(inner.x + 1, y, line, inner.width.saturating_sub(1));
        }
        return;
    }
    if app.current().is_none() {
        return;
    }
    let members = app.current_members();
    let online = members.iter().filter(|m| m.online).count();
    let mut rows = vec![Line::from(format!("Members {online}/{}", members.len())).bold()];
    for (index, member) in members.iter().enumerate() {
        let (dot, dot_style) = if member.online {
            ("●", Style::new().green())
        } else {
            ("○", Style::new().dark_gray())
        };
        let is_me = app.me.as_ref() == Some(&member.user);
        let mut name_style = match (is_me, member.online) {
            (true, _) => Style::new().fg(app.settings.theme.own),
            (false, true) => Style::new().fg(app.settings.theme.name(member.user.as_str())),
            (false, false) => Style::new().dark_gray(),
        };
        if focused && index == app.selected {
            name_style = name_style.reversed();
        }
        rows.push(Line::from(vec![
            Span::styled(dot, dot_style),
            Span::raw(" "),
            Span::from(role_mark(member.role)).bold(),
            Span::styled(member.user.to_string(), name_style),
        ]));
    }
    for (y, line) in (inner.y..inner.bottom()).zip(rows.iter()) {
        buf.set_line(inner.x + 1, y, line, inner.width.saturating_sub(1));
    }
}
