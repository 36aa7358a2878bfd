//! Which image protocol the terminal speaks, asked once at startup.
//!
//! The terminal is sent the kitty, sixel and iTerm2 queries, with the size of a cell in
//! pixels, and its answers (or the environment, inside tmux) pick the protocol. This reads
//! stdin, so it runs before the event loop starts reading keys. A terminal that answers
//! none of it (or any error) gets unicode half blocks, which need only colour, so that a
//! preview shows something everywhere. `--halfblocks` skips the question: a terminal that
//! never answers leaves the library's reader waiting on stdin, where it takes the first
//! keys typed.

use ratatui_image::picker::Picker;

/// The way pictures are drawn in this terminal; half blocks without asking it (`ask`).
pub fn detect(ask: bool) -> Picker {
    if !ask {
        return Picker::halfblocks();
    }
    match Picker::from_query_stdio() {
        Ok(picker) => {
            tracing::info!(protocol = ?picker.protocol_type(), "terminal graphics");
            picker
        }
        Err(err) => {
            tracing::info!(error = %err, "no answer about terminal graphics; using half blocks");
            Picker::halfblocks()
        }
    }
}
