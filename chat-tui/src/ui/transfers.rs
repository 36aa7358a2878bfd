//! The transfers pane: a progress bar for each upload and download under way, with its
//! bytes, rate, time left and how to cancel it, one row each above the status line.

use std::fmt::Write;

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
    // The transfers beyond the pane are counted on a row of their own, or, when the pane
    // has a single row, beside its one bar.
    let (shown, more_row) = match count.checked_sub(rows) {
        Some(over) if over > 0 && rows > 1 => (rows - 1, true),
        _ => (rows.min(count), false),
    };
    let rows_shown = (area.y..).zip(app.transfers.iter().take(shown));
    for (n, (y, transfer)) in rows_shown.enumerate() {
        let beyond = if more_row || n + 1 < shown {
            0
        } else {
            count - shown
        };
        bar(
            transfer,
            beyond,
            app,
            Rect::new(area.x, y, area.width, 1),
            buf,
        );
    }
    if more_row {
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

/// One transfer's row: `[1] ↑ slides.odp ━━━━━━━━──── 75% 3.0 MB of 4.0 MB … /cancel 1`,
/// with `+N` after it when `beyond` more transfers have no row.
fn bar(transfer: &Transfer, beyond: usize, app: &App, area: Rect, buf: &mut Buffer) {
    let mut figures = format!(" {} · /cancel {}", transfer.figures(), transfer.number);
    if beyond > 0 {
        let _ = write!(figures, " · +{beyond} more");
    }
    figures.push(' ');
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
