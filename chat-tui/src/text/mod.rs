//! Pure text layout shared by the app state (to scroll by rows) and the message view (to
//! draw them), so that both agree on how tall every entry is.
//!
//! - `wrap`: breaking text into rows of a given width, counting wide characters as two.
//! - `clock`: times of day and calendar days of message timestamps in one time zone.

pub mod clock;
pub mod wrap;
