//! The help box's text: every key as bound now and every command, in two columns that
//! wrap to the width there is, so that nothing is cut on the right of a narrow terminal.
//!
//! It lives with the state, not the view, because the app needs the number of rows to
//! know how far the box scrolls.

use crossterm::event::KeyCode;

use super::{KeySpec, Keymap};
use crate::commands::HELP;
use crate::text::wrap::{width, wrap};

/// The help laid out for a box of a given width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpText {
    /// The box's outer width, borders included.
    pub width: u16,
    /// The columns the keys take, the space after them included.
    pub key_width: usize,
    /// A key and what it does, a row each; a continued row has an empty key.
    pub rows: Vec<(String, String)>,
}

/// Columns the description keeps however long the keys are.
const MIN_WHAT: usize = 16;

impl HelpText {
    /// The help for `keys`, in a box at most `max_width` columns wide.
    pub fn new(keys: &Keymap, max_width: u16) -> Self {
        let entries = entries(keys);
        let longest = |column: fn(&(String, String)) -> &str| {
            entries.iter().map(|e| width(column(e))).max().unwrap_or(0)
        };
        let (key_natural, what_natural) = (longest(|e| &e.0) + 1, longest(|e| &e.1));
        // Borders, and a space before the keys and after the descriptions.
        let natural = key_natural + what_natural + 4;
        let width = natural.min(usize::from(max_width));
        let inner = width.saturating_sub(4);
        let key_width = key_natural.min(inner.saturating_sub(MIN_WHAT).max(inner / 2));
        let what_width = inner.saturating_sub(key_width).max(1);
        let rows = entries
            .iter()
            .flat_map(|(key, what)| {
                side_by_side(key, key_width.saturating_sub(1), what, what_width)
            })
            .collect();
        Self {
            width: width as u16,
            key_width,
            rows,
        }
    }

    /// The first row to show so that the last one is at the bottom of `visible` rows.
    pub fn last_top(&self, visible: usize) -> usize {
        self.rows.len().saturating_sub(visible)
    }
}

/// The rows a key and its description take, each wrapped in its own column.
fn side_by_side(
    key: &str,
    key_width: usize,
    what: &str,
    what_width: usize,
) -> Vec<(String, String)> {
    let cut = |text: &str, width: usize| -> Vec<String> {
        wrap(text, width)
            .into_iter()
            .map(|range| text[range].trim_end().to_owned())
            .collect()
    };
    let (keys, whats) = (cut(key, key_width), cut(what, what_width));
    let count = keys.len().max(whats.len());
    (0..count)
        .map(|i| {
            (
                keys.get(i).cloned().unwrap_or_default(),
                whats.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect()
}

fn names(specs: &[KeySpec]) -> String {
    specs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every key, as bound now, a blank row, then every command.
fn entries(map: &Keymap) -> Vec<(String, String)> {
    let jump = KeySpec {
        code: KeyCode::Char('1'),
        modifiers: map.jump,
    };
    let mut lines: Vec<(String, String)> = [
        (names(&map.next), "next conversation"),
        (names(&map.previous), "previous conversation"),
        (format!("{jump}..9"), "jump to conversation by number"),
        ("Tab".into(), "complete a name, #room, /command or :emoji:"),
        ("Tab on an empty line".into(), "next conversation"),
        (
            "PageUp, PageDown, wheel".into(),
            "scroll; older history loads itself",
        ),
        ("Ctrl+End".into(), "back to the newest message"),
        (names(&map.focus_rooms), "rooms pane: Up/Down, Enter opens"),
        (names(&map.focus_members), "members pane: Enter opens a DM"),
        (
            names(&map.focus_files),
            "pick a file: Up/Down, Enter saves, v views",
        ),
        ("Up, Down".into(), "input history (in this box: scroll)"),
        ("Ctrl+A/E/W/U/K, Home/End".into(), "edit the input line"),
        ("Esc".into(), "close this box, leave a pane, clear a notice"),
        (names(&map.help), "this help"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_box_keeps_one_row_per_entry() {
        let help = HelpText::new(&Keymap::default(), 200);
        assert_eq!(help.rows.len(), entries(&Keymap::default()).len());
    }

    #[test]
    fn a_narrow_box_wraps_rather_than_cuts() {
        let keys = Keymap::default();
        for max in [70, 50, 30] {
            let help = HelpText::new(&keys, max);
            assert!(help.width <= max);
            let inner = usize::from(help.width) - 2;
            for (key, what) in &help.rows {
                assert!(1 + help.key_width + width(what) <= inner, "{max}: {what}");
                assert!(width(key) < help.key_width, "{max}: {key}");
            }
            // Every word of every description is still there, in order.
            let shown: Vec<&str> = help.rows.iter().flat_map(|(_, w)| w.split(' ')).collect();
            let all: Vec<String> = entries(&keys)
                .iter()
                .flat_map(|(_, w)| w.split(' ').map(str::to_owned).collect::<Vec<_>>())
                .collect();
            let shown: Vec<&str> = shown.into_iter().filter(|w| !w.is_empty()).collect();
            let all: Vec<&str> = all
                .iter()
                .map(String::as_str)
                .filter(|w| !w.is_empty())
                .collect();
            assert_eq!(shown, all, "{max}");
        }
    }
}
