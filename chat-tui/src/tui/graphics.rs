//! Which image protocol the terminal speaks, asked once at startup.
//!
//! The terminal is sent the kitty, sixel and iTerm2 queries, with the size of a cell in
//! pixels, and its answers (or the environment, inside tmux) pick the protocol. This reads
//! stdin, so it runs before the event loop starts reading keys. A terminal that answers
//! none of it (or any error) gets unicode half blocks, which need only colour, so that a
//! preview shows something everywhere. `--halfblocks` skips the question: a terminal that
//! never answers leaves the library's reader waiting on stdin, where it takes the first
//! keys typed.

use std::time::Duration;

use ratatui_image::picker::Picker;
use ratatui_image::picker::cap_parser::QueryStdioOptions;

/// How long the terminal has to answer. A local one answers in milliseconds and one over
/// SSH in a round trip; the library's default, two seconds, is what a terminal that never
/// answers costs at every start.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

/// The way pictures are drawn in this terminal; half blocks without asking it (`ask`).
pub fn detect(ask: bool) -> Picker {
    if !ask {
        return Picker::halfblocks();
    }
    let mut options = QueryStdioOptions::default();
    options.timeout = ANSWER_WITHIN;
    match Picker::from_query_stdio_with_options(options) {
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
