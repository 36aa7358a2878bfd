//! Colours, chosen in the config file or left at defaults that read on dark and light
//! terminals alike (the sixteen ANSI colours, which a terminal's own theme adapts).

use ratatui::style::Color;

/// The colours of the interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The reader's own name.
    pub own: Color,
    /// Messages that name the reader, and the mark of a conversation where that happened.
    pub mention: Color,
    /// Highlights: the current conversation, the focused pane's border.
    pub accent: Color,
    /// Other people's names, each always the same colour from this palette.
    pub names: Vec<Color>,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            own: Color::LightBlue,
            mention: Color::LightYellow,
            accent: Color::Cyan,
            names: vec![
                Color::Red,
                Color::Green,
                Color::Yellow,
                Color::Magenta,
                Color::Cyan,
                Color::LightRed,
                Color::LightGreen,
                Color::LightMagenta,
                Color::LightCyan,
                Color::Blue,
            ],
        }
    }
}

impl Theme {
    /// The colour of a name: a hash of it, so that a person has one colour across
    /// conversations and sessions.
    pub fn name(&self, name: &str) -> Color {
        if self.names.is_empty() {
            return Color::Reset;
        }
        // FNV-1a: stable across runs and versions, unlike the standard library's hasher.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        self.names[(hash % self.names.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_always_gets_the_same_colour() {
        let theme = Theme::default();
        assert_eq!(theme.name("alice"), theme.name("alice"));
        let colours: std::collections::HashSet<_> =
            ["alice", "bob", "carol", "dave", "erin", "frank"]
                .iter()
                .map(|n| format!("{:?}", theme.name(n)))
                .collect();
        assert!(colours.len() > 2, "names should spread over the palette");
    }

    #[test]
    fn an_empty_palette_falls_back_to_the_default_colour() {
        let theme = Theme {
            names: vec![],
            ..Theme::default()
        };
        assert_eq!(theme.name("x"), Color::Reset);
    }
}
