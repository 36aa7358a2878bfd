//! The preview box of `/view`: the picture, as large as the screen allows with its shape
//! kept, titled with the file's name, with the protocol that draws it in the footer.

use std::num::NonZeroU16;

use ratatui::buffer::{Buffer, CellDiffOption};
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, StatefulWidget, Widget};
use ratatui_image::{Resize, StatefulImage};

use super::centred;
use crate::preview::Preview;

/// Columns and rows of the screen left around the box, so that it reads as a box.
const MARGIN: u16 = 2;

/// The narrowest box, so that the title and footer have room.
const MIN_WIDTH: u16 = 30;

pub fn render(preview: &Preview, area: Rect, buf: &mut Buffer) {
    let mut protocol = preview.picture.protocol();
    // Small pictures are scaled up: a few pixels would otherwise be a cell or two.
    let resize = Resize::Scale(None);
    let most = Rect::new(
        0,
        0,
        area.width.saturating_sub(2 * MARGIN + 2),
        area.height.saturating_sub(2 * MARGIN + 2),
    );
    let fitted = protocol.size_for(resize.clone(), most);
    let outer = centred(area, (fitted.width + 2).max(MIN_WIDTH), fitted.height + 2);
    Clear.render(outer, buf);
    let block = Block::bordered()
        .title(Line::from(format!(" {} — Esc closes ", preview.name)).bold())
        .title_bottom(Line::from(format!(" drawn with {} ", preview.picture.protocol_name)).dim());
    let inner = block.inner(outer);
    block.render(outer, buf);
    if inner.is_empty() {
        return;
    }
    let picture = centred(inner, fitted.width, fitted.height);
    StatefulImage::default()
        .resize(resize)
        .render(picture, buf, &mut *protocol);
    pin_escape_widths(picture, buf);
}

/// Kitty, sixel and iTerm2 put a picture's escape sequence in the first cell of a row, and
/// ratatui would take the sequence's text for thousands of columns: the frame's diff would
/// then skip as many cells after it, and the rest of the screen (the box's footer, the
/// panes below) would never reach the terminal. The cell is said to be as wide as the
/// picture, whose other cells the protocol marks to be skipped.
fn pin_escape_widths(picture: Rect, buf: &mut Buffer) {
    let Some(width) = NonZeroU16::new(picture.width) else {
        return;
    };
    for y in picture.top()..picture.bottom() {
        if let Some(cell) = buf.cell_mut((picture.x, y))
            && cell.symbol().contains('\u{1b}')
        {
            cell.set_diff_option(CellDiffOption::ForcedWidth(width));
        }
    }
}
