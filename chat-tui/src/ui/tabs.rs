//! The top row: a tab for each open conversation, the current one highlighted.

use chat_proto::Target;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};

use crate::app::{App, Conversation};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    for (index, chat) in app.conversations.iter().enumerate() {
        spans.push(Span::styled(label(chat), style(app, index, chat)));
        spans.push(Span::from("│").dark_gray());
    }
    if !app
        .conversations
        .iter()
        .any(|c| matches!(c.target, Target::User(_)))
    {
        spans.push(Span::from(" no direct messages yet: /query @user opens one").dark_gray());
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// The conversation's name, with its unread count when it has one.
fn label(chat: &Conversation) -> String {
    if chat.unread > 0 {
        format!(" {} ({}) ", chat.target, chat.unread)
    } else {
        format!(" {} ", chat.target)
    }
}

fn style(app: &App, index: usize, chat: &Conversation) -> Style {
    if index == app.current {
        Style::new().fg(app.settings.theme.accent).reversed().bold()
    } else if chat.mentioned {
        Style::new().fg(app.settings.theme.mention).bold()
    } else if chat.unread > 0 {
        Style::new().bold()
    } else {
        Style::new()
    }
}
