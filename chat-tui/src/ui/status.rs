//! The status line (connection, the file picked, news, the help hint; transfers too when
//! the screen is too short for their pane) and the input line under it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;

use crate::app::{App, Link};
use crate::file_text::human_size;
use crate::sanitize;
use crate::text::wrap::width;

pub fn render_status(app: &App, area: Rect, with_transfers: bool, buf: &mut Buffer) {
    buf.set_style(area, Style::new().reversed());
    let hint = " F1 help ";
    let room = area.width.saturating_sub(hint.len() as u16);
    // The hint's own leading space always parts it from the news.
    let spans = fit(status_parts(app, with_transfers), usize::from(room));
    buf.set_line(area.x, area.y, &Line::from(spans), room);
    let hint_style = Style::new().reversed().bold();
    buf.set_stringn(
        area.x + room,
        area.y,
        hint,
        usize::from(area.width - room),
        hint_style,
    );
}

/// The status line's parts, left to right, empty ones left out, with a bar between two.
fn status_parts(app: &App, with_transfers: bool) -> Vec<Span<'static>> {
    let (state, state_style) = match &app.link {
        Link::Connecting => ("connecting…".to_owned(), Style::new().yellow()),
        Link::Online => ("online".to_owned(), Style::new().green()),
        Link::Reconnecting(reason) if reason.trim().is_empty() => (
            "reconnecting…; messages wait".to_owned(),
            Style::new().yellow(),
        ),
        Link::Reconnecting(reason) => (
            format!("reconnecting… ({reason}); messages wait"),
            Style::new().yellow(),
        ),
        Link::Offline(reason) => (format!("offline: {reason}"), Style::new().red()),
    };
    let me = app.me.as_ref().map_or(String::new(), ToString::to_string);
    let mut parts = vec![(format!("{me}@{}", app.settings.server), Style::new())];
    if app.current().is_some_and(|c| !c.scroll.at_bottom()) {
        parts.push(("scrolled back: Ctrl+End returns".to_owned(), Style::new()));
    }
    if with_transfers {
        for transfer in &app.transfers {
            parts.push((transfer.summary(), Style::new().bold()));
        }
    }
    if let Some(notice) = &app.notice {
        let style = if notice.error {
            Style::new().red().bold()
        } else {
            Style::new()
        };
        parts.push((sanitize::one_line(&notice.text).trim().to_owned(), style));
    }
    if let Some(file) = app.picked_file() {
        let name = sanitize::one_line(&file.name);
        let hint = format!(
            "{name} ({}): Enter or d saves, v views, Esc leaves",
            human_size(file.size)
        );
        parts.push((hint, Style::new().bold()));
    }
    let mut spans = vec![Span::styled(
        format!(" [{state}]"),
        state_style.bold().reversed(),
    )];
    for (index, (text, style)) in parts.into_iter().filter(|(t, _)| !t.is_empty()).enumerate() {
        let sep = if index == 0 { " " } else { " │ " };
        spans.push(Span::styled(format!("{sep}{text}"), style.reversed()));
    }
    spans
}

/// The spans cut to `room` columns, the cut marked with `…`.
fn fit(spans: Vec<Span<'static>>, room: usize) -> Vec<Span<'static>> {
    let total: usize = spans.iter().map(|s| width(&s.content)).sum();
    if total <= room {
        return spans;
    }
    let mut fitted = Vec::new();
    let mut used = 0;
    for span in spans {
        let span_width = width(&span.content);
        // The ellipsis needs a column of its own.
        if used + span_width < room {
            used += span_width;
            fitted.push(span);
            continue;
        }
        let mut cut = String::new();
        for grapheme in span.content.graphemes(true) {
            if used + width(&cut) + width(grapheme) + 1 > room {
                break;
            }
            cut.push_str(grapheme);
        }
        if room > used {
            cut.push('…');
        }
        fitted.push(Span::styled(cut, span.style));
        break;
    }
    fitted
}

/// Columns of the input line kept for the text when the prompt is long.
const MIN_TEXT: usize = 12;

/// Draws the input line; returns where the cursor goes.
pub fn render_input(app: &App, area: Rect, buf: &mut Buffer) -> Position {
    let line_width = usize::from(area.width);
    let prompt = match app.current() {
        Some(chat) => prompt(
            &chat.target.to_string(),
            line_width.saturating_sub(MIN_TEXT),
        ),
        None => "> ".to_owned(),
    };
    let text = app.input.text();
    let (before, after) = text.split_at(app.input.cursor());
    // Scroll the line left when the cursor would pass the right edge.
    let room = line_width.saturating_sub(width(&prompt) + 1);
    let mut shown_before = before;
    while width(shown_before) > room {
        let skip = shown_before.graphemes(true).next().map_or(0, str::len);
        shown_before = &shown_before[skip..];
    }
    let cursor_x = area.x + (width(&prompt) + width(shown_before)) as u16;
    let line = Line::from(vec![
        Span::from(prompt).fg(app.settings.theme.accent).bold(),
        Span::raw(shown_before),
        Span::raw(after),
    ]);
    buf.set_line(area.x, area.y, &line, area.width);
    Position::new(cursor_x.min(area.right().saturating_sub(1)), area.y)
}

/// The prompt naming the conversation, `[#room] `, at most `max` columns wide: a long name
/// is cut short with `…`, so that what is typed stays in view.
fn prompt(name: &str, max: usize) -> String {
    let full = format!("[{name}] ");
    if width(&full) <= max {
        return full;
    }
    // The brackets, the space and the ellipsis take four columns.
    let Some(room) = max.checked_sub(4) else {
        return String::new();
    };
    let mut cut = String::new();
    for grapheme in name.graphemes(true) {
        if width(&cut) + width(grapheme) > room {
            break;
        }
        cut.push_str(grapheme);
    }
    format!("[{cut}…] ")
}
