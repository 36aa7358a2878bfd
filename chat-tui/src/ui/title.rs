//! The title row above the messages: the conversation's name, whether a room is private,
//! and its topic, which is how a reader learns what a room is for.

use chat_proto::Target;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::room_event;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(chat) = app.current() else {
        return;
    };
    let name = Span::from(chat.target.to_string())
        .fg(app.settings.theme.accent)
        .bold();
    let mut spans = vec![Span::raw(" "), name];
    match &chat.target {
        Target::Room(_) => {
            let facts = app.current_room_facts();
            if facts.is_some_and(|f| f.private) {
                spans.push(Span::from(" (private)").dark_gray());
            }
            let topic = facts.map(|f| room_event::one_line(&f.topic));
            if let Some(topic) = topic.filter(|t| !t.is_empty()) {
                spans.push(Span::from(" — ").dark_gray());
                spans.push(Span::raw(topic));
            }
        }
        Target::User(_) => spans.push(Span::from(" — direct conversation").dark_gray()),
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
