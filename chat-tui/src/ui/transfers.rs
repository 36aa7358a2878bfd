//! The transfers pane: a progress bar for each upload and download under way, with its
//! bytes, rate, time left and how to cancel it, one row each above the status line.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{LineGauge, Widget};
use unicode_segmentation::UnicodeSegmentation;

use crate::app::{App, Transfer};
use crate::text::wrap::width;

/// Columns a bar keeps; narrower rows leave it out.
const MIN_BAR: u16 = 8;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = usize::from(area.height);
    if rows == 0 {
        return;
    }
    let count = app.transfers.len();
    let shown = if count > rows { rows - 1 } else { rows };
    for (y, transfer) in (area.y..).zip(app.transfers.iter().take(shown)) {
        bar(transfer, app, Rect::new(area.x, y, area.width, 1), buf);
    }
    if count > shown {
        let more = format!(" +{} more: /cancel stops them all", count - shown);
        buf.set_stringn(
            area.x,
            area.bottom() - 1,
            more,
            usize::from(area.width),
            Style::new().dark_gray(),
        );
    }
}

/// One transfer's row: `[1] ↑ slides.odp ━━━━━━━━──── 75% 3.0 MB of 4.0 MB … /cancel 1`.
fn bar(transfer: &Transfer, app: &App, area: Rect, buf: &mut Buffer) {
    let figures = format!(" {} · /cancel {} ", transfer.figures(), transfer.number);
    let figures_width = (width(&figures) as u16).min(area.width);
    // The name gets at most a third of the row, so that the bar and figures keep theirs.
    let label = cut(
        &format!(" {} ", transfer.label()),
        usize::from(area.width / 3),
    );
    let label_width = width(&label) as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(figures_width)]).areas(area);
    buf.set_stringn(
        right.x,
        right.y,
        &figures,
        usize::from(right.width),
        Style::new(),
    );
    if left.width >= label_width + MIN_BAR {
        LineGauge::default()
            .ratio(transfer.ratio().clamp(0.0, 1.0))
            .label(label.bold())
            .filled_symbol("━")
            .unfilled_symbol("─")
            .filled_style(Style::new().fg(app.settings.theme.accent))
            .unfilled_style(Style::new().dark_gray())
            .render(left, buf);
    } else {
        buf.set_stringn(
            left.x,
            left.y,
            &label,
            usize::from(left.width),
            Style::new().bold(),
        );
    }
}

/// `text` cut to `max` columns, the cut marked with `…`.
fn cut(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let mut kept = String::new();
    for grapheme in text.graphemes(true) {
        if width(&kept) + width(grapheme) + 2 > max {
            break;
        }
        kept.push_str(grapheme);
    }
    format!("{kept}… ")
}
