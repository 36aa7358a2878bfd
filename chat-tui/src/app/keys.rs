//! Keys: the configurable bindings, and what a key press means where it is pressed.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, as written in the config file: `ctrl-n`, `alt-right`, `f2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// The text is not a key this client knows how to name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key {0:?}: write keys like ctrl-n, alt-right, f2, shift-tab")]
pub struct BadKey(pub String);

impl FromStr for KeySpec {
    type Err = BadKey;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadKey(text.to_owned());
        let lower = text.trim().to_ascii_lowercase();
        let mut parts: Vec<&str> = lower.split('-').collect();
        // "ctrl--" names the minus key.
        if lower.ends_with("--") {
            parts.truncate(parts.len() - 2);
            parts.push("-");
        }
        let key = parts.pop().filter(|k| !k.is_empty()).ok_or_else(bad)?;
        let mut modifiers = KeyModifiers::NONE;
        for part in parts {
            modifiers |= match part {
                "ctrl" | "c" => KeyModifiers::CONTROL,
                "alt" | "meta" | "m" => KeyModifiers::ALT,
                "shift" | "s" => KeyModifiers::SHIFT,
                _ => return Err(bad()),
            };
        }
        Ok(Self {
            code: key_code(key).ok_or_else(bad)?,
            modifiers,
        })
    }
}

fn key_code(name: &str) -> Option<KeyCode> {
    let code = match name {
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "space" => KeyCode::Char(' '),
        f if f.starts_with('f') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
        c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
        _ => return None,
    };
    Some(code)
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (modifier, name) in [
            (KeyModifiers::CONTROL, "Ctrl+"),
            (KeyModifiers::ALT, "Alt+"),
            (KeyModifiers::SHIFT, "Shift+"),
        ] {
            if self.modifiers.contains(modifier) {
                f.write_str(name)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::PageUp => f.write_str("PageUp"),
            KeyCode::PageDown => f.write_str("PageDown"),
            KeyCode::BackTab => f.write_str("Shift+Tab"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl KeySpec {
    const fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        Self { code, modifiers }
    }

    /// Whether a key press is this key. Shift is ignored for characters, whose case
    /// already says it.
    pub fn matches(self, key: &KeyEvent) -> bool {
        let ignore = match key.code {
            KeyCode::Char(_) | KeyCode::BackTab => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        let same_code = match (self.code, key.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a.eq_ignore_ascii_case(&b),
            (a, b) => a == b,
        };
        same_code && (self.modifiers - ignore) == (key.modifiers - ignore)
    }
}

/// The keys a user may rebind in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub next: Vec<KeySpec>,
    pub previous: Vec<KeySpec>,
    pub help: Vec<KeySpec>,
    pub focus_rooms: Vec<KeySpec>,
    pub focus_members: Vec<KeySpec>,
    /// Picks a posted file to download or preview.
    pub focus_files: Vec<KeySpec>,
    /// Held with a digit to jump to a conversation by its number.
    pub jump: KeyModifiers,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            next: vec![
                KeySpec::new(KeyCode::Char('n'), KeyModifiers::CONTROL),
                KeySpec::new(KeyCode::Right, KeyModifiers::ALT),
            ],
            previous: vec![
                KeySpec::new(KeyCode::Char('p'), KeyModifiers::CONTROL),
                KeySpec::new(KeyCode::Left, KeyModifiers::ALT),
                KeySpec::new(KeyCode::BackTab, KeyModifiers::NONE),
            ],
            help: vec![KeySpec::new(KeyCode::F(1), KeyModifiers::NONE)],
            focus_rooms: vec![KeySpec::new(KeyCode::F(2), KeyModifiers::NONE)],
            focus_members: vec![KeySpec::new(KeyCode::F(3), KeyModifiers::NONE)],
            focus_files: vec![
                KeySpec::new(KeyCode::F(4), KeyModifiers::NONE),
                KeySpec::new(KeyCode::Up, KeyModifiers::ALT),
            ],
            jump: KeyModifiers::ALT,
        }
    }
}

/// What a key press asks for, before knowing the state it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Quit,
    Help,
    Redraw,
    Next,
    Previous,
    /// Jump to the conversation with this number, from 1.
    Jump(usize),
    FocusRooms,
    FocusMembers,
    FocusFiles,
    /// Back to the input line, or close what is open.
    Escape,
    PageUp,
    PageDown,
    Bottom,
    Up,
    Down,
    Enter,
    /// Complete the word before the cursor, or, on an empty line, go to the next
    /// conversation.
    Tab,
    Edit(Edit),
    Insert(char),
}

/// Editing of the input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Left,
    Right,
    WordLeft,
    WordRight,
    Home,
    End,
    Backspace,
    Delete,
    DeleteWord,
    DeleteToStart,
    DeleteToEnd,
}

impl Keymap {
    /// The intent of a key press: the configurable bindings first, then the fixed ones.
    pub fn intent(&self, key: &KeyEvent) -> Option<Intent> {
        let bound = |keys: &[KeySpec]| keys.iter().any(|k| k.matches(key));
        if bound(&self.help) {
            return Some(Intent::Help);
        }
        if bound(&self.next) {
            return Some(Intent::Next);
        }
        if bound(&self.previous) {
            return Some(Intent::Previous);
        }
        if bound(&self.focus_rooms) {
            return Some(Intent::FocusRooms);
        }
        if bound(&self.focus_members) {
            return Some(Intent::FocusMembers);
        }
        if bound(&self.focus_files) {
            return Some(Intent::FocusFiles);
        }
        if let KeyCode::Char(digit @ '1'..='9') = key.code
            && key.modifiers.contains(self.jump)
            && self.jump != KeyModifiers::NONE
        {
            return Some(Intent::Jump(digit as usize - '0' as usize));
        }
        fixed(key)
    }
}

/// Keys that are not configurable.
fn fixed(key: &KeyEvent) -> Option<Intent> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let intent = match key.code {
        KeyCode::Char('c') if ctrl => Intent::Quit,
        KeyCode::Char('l') if ctrl => Intent::Redraw,
        KeyCode::Char('a') if ctrl => Intent::Edit(Edit::Home),
        KeyCode::Char('e') if ctrl => Intent::Edit(Edit::End),
        KeyCode::Char('w') if ctrl => Intent::Edit(Edit::DeleteWord),
        KeyCode::Char('u') if ctrl => Intent::Edit(Edit::DeleteToStart),
        KeyCode::Char('k') if ctrl => Intent::Edit(Edit::DeleteToEnd),
        KeyCode::Char('h') if ctrl => Intent::Edit(Edit::Backspace),
        KeyCode::Char('b') if alt => Intent::Edit(Edit::WordLeft),
        KeyCode::Char('f') if alt => Intent::Edit(Edit::WordRight),
        KeyCode::Char(c) if !ctrl && !alt => Intent::Insert(c),
        KeyCode::Left if ctrl => Intent::Edit(Edit::WordLeft),
        KeyCode::Right if ctrl => Intent::Edit(Edit::WordRight),
        KeyCode::Left => Intent::Edit(Edit::Left),
        KeyCode::Right => Intent::Edit(Edit::Right),
        KeyCode::End if ctrl || alt => Intent::Bottom,
        KeyCode::Home => Intent::Edit(Edit::Home),
        KeyCode::End => Intent::Edit(Edit::End),
        KeyCode::Backspace => Intent::Edit(Edit::Backspace),
        KeyCode::Delete => Intent::Edit(Edit::Delete),
        KeyCode::PageUp => Intent::PageUp,
        KeyCode::PageDown => Intent::PageDown,
        KeyCode::Up => Intent::Up,
        KeyCode::Down => Intent::Down,
        KeyCode::Enter => Intent::Enter,
        KeyCode::Tab => Intent::Tab,
        KeyCode::Esc => Intent::Escape,
        _ => return None,
    };
    Some(intent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn key_specs_parse_and_print() {
        let spec: KeySpec = "Ctrl-N".parse().unwrap();
        assert_eq!(
            spec,
            KeySpec::new(KeyCode::Char('n'), KeyModifiers::CONTROL)
        );
        assert_eq!(spec.to_string(), "Ctrl+N");
        assert_eq!(
            "alt-right".parse::<KeySpec>().unwrap().to_string(),
            "Alt+Right"
        );
        assert_eq!("f12".parse::<KeySpec>().unwrap().code, KeyCode::F(12));
        assert_eq!(
            "ctrl--".parse::<KeySpec>().unwrap().code,
            KeyCode::Char('-')
        );
        for bad in ["", "hyper-x", "ctrl-", "nosuchkey", "fx"] {
            assert!(bad.parse::<KeySpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn default_bindings() {
        let keys = Keymap::default();
        let intent = |code, modifiers| keys.intent(&key(code, modifiers));
        assert_eq!(
            intent(KeyCode::Char('n'), KeyModifiers::CONTROL),
            Some(Intent::Next)
        );
        assert_eq!(
            intent(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Intent::Previous)
        );
        assert_eq!(
            intent(KeyCode::Char('3'), KeyModifiers::ALT),
            Some(Intent::Jump(3))
        );
        assert_eq!(
            intent(KeyCode::F(1), KeyModifiers::NONE),
            Some(Intent::Help)
        );
        assert_eq!(
            intent(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Intent::Quit)
        );
        assert_eq!(
            intent(KeyCode::Char('N'), KeyModifiers::SHIFT),
            Some(Intent::Insert('N'))
        );
        assert_eq!(
            intent(KeyCode::Char('3'), KeyModifiers::NONE),
            Some(Intent::Insert('3'))
        );
    }

    #[test]
    fn rebinding_replaces_a_default() {
        let keys = Keymap {
            next: vec!["f6".parse().unwrap()],
            jump: KeyModifiers::CONTROL,
            ..Keymap::default()
        };
        assert_eq!(
            keys.intent(&key(KeyCode::F(6), KeyModifiers::NONE)),
            Some(Intent::Next)
        );
        assert_eq!(
            keys.intent(&key(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            keys.intent(&key(KeyCode::Char('2'), KeyModifiers::CONTROL)),
            Some(Intent::Jump(2))
        );
    }
}
