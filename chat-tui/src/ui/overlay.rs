//! Boxes over the chat screen: the help (every key and command), pick lists, and image
//! previews (see `preview`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::centred;
use crate::app::{App, HelpText, ListOverlay, Overlay};

pub fn render(app: &App, overlay: &Overlay, area: Rect, buf: &mut Buffer) {
    match overlay {
        Overlay::Help { top } => help(app, *top, area, buf),
        Overlay::List(list) => pick_list(app, list, area, buf),
        Overlay::Preview(preview) => super::preview::render(preview, area, buf),
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

/// The help, scrolled to `top`, wrapped to the screen, with a mark when more is below.
fn help(app: &App, top: usize, area: Rect, buf: &mut Buffer) {
    let help = HelpText::new(&app.settings.keys, area.width);
    let outer = centred(area, help.width, help.rows.len() as u16 + 2);
    let visible = usize::from(outer.height.saturating_sub(2));
    let top = top.min(help.last_top(visible));
    let mut block = Block::bordered().title(Line::from(" Help — Esc closes ").bold());
    if top + visible < help.rows.len() {
        block = block.title_bottom(Line::from(" ↓ more below: Down, PageDown ").bold());
    } else if top > 0 {
        block = block.title_bottom(Line::from(" ↑ more above: Up, PageUp ").bold());
    }
    Clear.render(outer, buf);
    let inner = block.inner(outer);
    block.render(outer, buf);
    let key_width = help.key_width;
    for (y, (key, what)) in (inner.y..inner.bottom()).zip(help.rows.iter().skip(top)) {
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
