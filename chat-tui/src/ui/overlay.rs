//! Boxes over the chat screen: the help (every key and command) and pick lists.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::centred;
use crate::app::{App, KeySpec, ListOverlay, Overlay};
use crate::commands::HELP;

pub fn render(app: &App, overlay: &Overlay, area: Rect, buf: &mut Buffer) {
    match overlay {
        Overlay::Help => help(app, area, buf),
        Overlay::List(list) => pick_list(app, list, area, buf),
    }
}

/// Draws a titled box in the middle of `area` and returns its inside.
fn boxed(title: &str, width: u16, height: u16, area: Rect, buf: &mut Buffer) -> Rect {
    let outer = centred(area, width, height);
    Clear.render(outer, buf);
    let block = Block::bordered().title(Line::from(format!(" {title} ")).bold());
    let inner = block.inner(outer);
    block.render(outer, buf);
    inner
}

fn keys(specs: &[KeySpec]) -> String {
    specs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every key, as bound now, and every command.
fn help_lines(app: &App) -> Vec<(String, String)> {
    let map = &app.settings.keys;
    let jump = KeySpec {
        code: crossterm::event::KeyCode::Char('1'),
        modifiers: map.jump,
    };
    let mut lines: Vec<(String, String)> = [
        (keys(&map.next), "next conversation"),
        (keys(&map.previous), "previous conversation"),
        (format!("{jump}..9"), "jump to conversation by number"),
        ("Tab".into(), "complete a name, #room, /command or :emoji:"),
        ("Tab on an empty line".into(), "next conversation"),
        (
            "PageUp, PageDown, wheel".into(),
            "scroll; older history loads itself",
        ),
        ("Ctrl+End".into(), "back to the newest message"),
        (keys(&map.focus_rooms), "rooms pane: Up/Down, Enter opens"),
        (keys(&map.focus_members), "members pane: Enter opens a DM"),
        ("Up, Down".into(), "input history"),
        ("Ctrl+A/E/W/U/K, Home/End".into(), "edit the input line"),
        ("Esc".into(), "close this box, leave a pane, clear a notice"),
        (keys(&map.help), "this help"),
        ("Ctrl+L".into(), "redraw the screen"),
        ("Ctrl+C".into(), "quit"),
    ]
    .into_iter()
    .map(|(k, what)| (k, what.to_owned()))
    .collect();
    lines.push((String::new(), String::new()));
    lines.extend(
        HELP.iter()
            .map(|(usage, what)| ((*usage).to_owned(), (*what).to_owned())),
    );
    lines
}

fn help(app: &App, area: Rect, buf: &mut Buffer) {
    let lines = help_lines(app);
    let key_width = lines
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let what_width = lines
        .iter()
        .map(|(_, w)| w.chars().count())
        .max()
        .unwrap_or(0);
    let width = (key_width + what_width + 4) as u16;
    let inner = boxed(
        "Help — Esc closes",
        width,
        lines.len() as u16 + 2,
        area,
        buf,
    );
    for (y, (key, what)) in (inner.y..inner.bottom()).zip(lines.iter()) {
        let line = Line::from(vec![
            Span::styled(
                format!(" {key:<key_width$}"),
                Style::new().fg(app.settings.theme.accent),
            ),
            Span::raw(what.as_str()),
        ]);
        buf.set_line(inner.x, y, &line, inner.width);
    }
}

fn pick_list(app: &App, list: &ListOverlay, area: Rect, buf: &mut Buffer) {
    // Two rows of the screen stay visible above and below the box, where there is room.
    let rows = (list.items.len() as u16)
        .min(area.height.saturating_sub(4))
        .max(1);
    let inner = boxed(&list.title, 64, rows + 2, area, buf);
    if inner.is_empty() {
        return;
    }
    if list.items.is_empty() {
        let none = Line::from(" (none)").dark_gray();
        buf.set_line(inner.x, inner.y, &none, inner.width);
        return;
    }
    // Keep the selected item in view.
    let rows = usize::from(inner.height);
    let first = list.selected.saturating_sub(rows.saturating_sub(1));
    for (y, (index, item)) in
        (inner.y..inner.bottom()).zip(list.items.iter().enumerate().skip(first))
    {
        let style = if index == list.selected {
            Style::new().fg(app.settings.theme.accent).reversed()
        } else {
            Style::new()
        };
        let line = Line::styled(
            format!(
                " {:<width$}",
                item.label,
                width = usize::from(inner.width.saturating_sub(1))
            ),
            style,
        );
        buf.set_line(inner.x, y, &line, inner.width);
    }
}
