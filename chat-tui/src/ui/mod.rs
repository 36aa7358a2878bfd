//! The views: one module per pane, each drawing from a shared borrow of the [`App`] into a
//! ratatui buffer. Views decide nothing and change nothing; they are tested on ratatui's
//! `TestBackend` (see `tests/views.rs`).
//!
//! - `rooms`, `tabs`, `title`, `messages`, `members`, `transfers`, `status`: the panes of
//!   the chat screen.
//! - `overlay`, `preview`: the help, list and image boxes drawn over it.
//! - `login`: the screens before the chat: the form, the wait, the certificate question.

mod login;
mod members;
mod messages;
mod overlay;
mod preview;
mod rooms;
mod status;
mod tabs;
mod title;
mod transfers;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;

use crate::app::{App, Phase};
use crate::layout::Panes;

/// The narrowest terminal the screens are drawn in.
pub const MIN_WIDTH: u16 = 20;

/// The shortest terminal the screens are drawn in: on the chat screen, the top row, the
/// status line and the input line.
pub const MIN_HEIGHT: u16 = 3;

/// What a terminal smaller than that shows instead.
const TOO_SMALL: &str = "terminal too small";

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(area, frame.buffer_mut());
        return;
    }
    match &app.phase {
        Phase::Login(form) => {
            let cursor = login::form(form, &app.settings.server, area, frame.buffer_mut());
            frame.set_cursor_position(cursor);
        }
        Phase::Connecting { user } => {
            let text = format!("Connecting to {} as {user}…", app.settings.server);
            login::message(&text, area, frame.buffer_mut());
        }
        Phase::Trust {
            server,
            fingerprint,
            answer,
            ..
        } => {
            let buf = frame.buffer_mut();
            if let Some(cursor) = login::trust(server, *fingerprint, answer.text(), area, buf) {
                frame.set_cursor_position(cursor);
            }
        }
        Phase::Refused(warning) => login::refused(warning, area, frame.buffer_mut()),
        Phase::Chat => chat(frame, app),
    }
}

/// Says that the terminal is too small, in the middle of it, if even that fits.
fn too_small(area: Rect, buf: &mut Buffer) {
    let width = TOO_SMALL.len() as u16;
    if area.width < width || area.height == 0 {
        return;
    }
    let x = area.x + (area.width - width) / 2;
    let y = area.y + area.height / 2;
    buf.set_string(x, y, TOO_SMALL, Style::new().bold());
}

/// The chat screen: every pane, then the overlay if one is open.
fn chat(frame: &mut Frame<'_>, app: &App) {
    let panes = Panes::new(frame.area(), app.transfers.len());
    let buf = frame.buffer_mut();
    tabs::render(app, panes.tabs, buf);
    if let Some(area) = panes.rooms {
        rooms::render(app, area, buf);
    }
    if let Some(area) = panes.title {
        title::render(app, area, buf);
    }
    messages::render(app, panes.messages, buf);
    if let Some(area) = panes.members {
        members::render(app, area, buf);
    }
    transfers::render(app, panes.transfers, buf);
    let transfers_on_status_line = panes.transfers.height == 0;
    status::render_status(app, panes.status, transfers_on_status_line, buf);
    let cursor = status::render_input(app, panes.input, buf);
    match &app.overlay {
        Some(overlay) => overlay::render(app, overlay, frame.area(), frame.buffer_mut()),
        None => frame.set_cursor_position(cursor),
    }
}

/// A box of at most `width` by `height` in the middle of `area`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    )
}
