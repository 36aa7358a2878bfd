//! The top row: the current conversation's name, then the DM tabs.

use chat_proto::Target;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};

use crate::app::App;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    if let Some(current) = app.current() {
        spans.push(Span::from(format!(" {} ", current.target)).bold());
        spans.push(Span::from("│").dark_gray());
    }
    let dms: Vec<_> = app
        .conversations
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.target, Target::User(_)))
        .collect();
    if dms.is_empty() {
        spans.push(Span::from(" no direct messages yet: /query @user opens one").dark_gray());
    }
    for (index, chat) in dms {
        let mut label = format!(" {} ", chat.target);
        if chat.unread > 0 {
            label = format!(" {} ({}) ", chat.target, chat.unread);
        }
        let style = if index == app.current {
            Style::new().fg(app.settings.theme.accent).reversed()
        } else if chat.mentioned {
            Style::new().fg(app.settings.theme.mention).bold()
        } else if chat.unread > 0 {
            Style::new().bold()
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::from("│").dark_gray());
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
