//! Tab completion of the word before the cursor: commands after a leading `/`, rooms after
//! `#` (the reader's, the server's as last listed, and those the reader is invited to),
//! people after `@` or bare, and emoji after `:`.
//!
//! Tab completes when the cursor follows a partial word, and switches conversation only on
//! an empty line: a line being typed stays with the conversation it was meant for. Pressing
//! Tab again cycles through the other candidates.

use std::ops::Range;

use chat_proto::Target;

use super::App;
use crate::commands::HELP;
use crate::emoji;

/// A completion in progress, for cycling with further Tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Where the completed word starts in the input.
    start: usize,
    candidates: Vec<String>,
    index: usize,
}

/// Names to complete from.
struct Sources {
    rooms: Vec<String>,
    people: Vec<String>,
}

/// The completions of `word`, each with what follows it.
fn candidates(word: &str, line_start: bool, sources: &Sources) -> Vec<String> {
    let lower = word.to_lowercase();
    let starting = |names: &[String], sigil: &str, suffix: &str| -> Vec<String> {
        let prefix = &lower[sigil.len()..];
        names
            .iter()
            .filter(|name| name.starts_with(prefix))
            .map(|name| format!("{sigil}{name}{suffix}"))
            .collect()
    };
    match lower.chars().next() {
        Some('/') if line_start => {
            let commands: Vec<String> = HELP
                .iter()
                .filter_map(|(usage, _)| usage[1..].split(' ').next())
                .filter(|name| !name.is_empty() && !name.starts_with('/'))
                .map(str::to_owned)
                .collect();
            starting(&commands, "/", " ")
        }
        Some('#') => starting(&sources.rooms, "#", " "),
        Some('@') => starting(&sources.people, "@", " "),
        Some(':') => emoji::complete(&word[1..]),
        _ => starting(&sources.people, "", if line_start { ": " } else { " " }),
    }
}

impl App {
    /// Completes the word before the cursor, or cycles an ongoing completion; does nothing
    /// when the cursor follows no word.
    pub(super) fn complete(&mut self) {
        if let Some(completion) = &mut self.completion {
            let previous = &completion.candidates[completion.index];
            let range = completion.start..completion.start + previous.len();
            completion.index = (completion.index + 1) % completion.candidates.len();
            let next = completion.candidates[completion.index].clone();
            self.input.replace(range, &next);
            return;
        }
        let Some((range, word)) = self.input.word_before_cursor() else {
            return;
        };
        let word = word.to_owned();
        let found = candidates(&word, range.start == 0, &self.sources());
        self.start_completion(range, found, &word);
    }

    fn start_completion(&mut self, range: Range<usize>, found: Vec<String>, word: &str) {
        let Some(first) = found.first() else {
            self.error(format!("no completion for {word}"));
            return;
        };
        self.input.replace(range.clone(), first);
        if found.len() > 1 {
            self.completion = Some(Completion {
                start: range.start,
                candidates: found,
                index: 0,
            });
        }
    }

    fn sources(&self) -> Sources {
        let mut rooms: Vec<String> = self
            .conversations
            .iter()
            .filter_map(|c| match &c.target {
                Target::Room(room) => Some(room.as_str().to_owned()),
                Target::User(_) => None,
            })
            .chain(self.server_rooms.iter().map(|r| r.name.as_str().to_owned()))
            .chain(self.invitations.iter().map(|i| i.room.as_str().to_owned()))
            .collect();
        rooms.sort();
        rooms.dedup();
        let mut people: Vec<String> = self
            .current_members()
            .into_iter()
            .map(|m| m.user.as_str().to_owned())
            .chain(self.conversations.iter().filter_map(|c| match &c.target {
                Target::User(user) => Some(user.as_str().to_owned()),
                Target::Room(_) => None,
            }))
            .filter(|name| self.me.as_ref().is_none_or(|me| me.as_str() != name))
            .collect();
        people.sort();
        people.dedup();
        Sources { rooms, people }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Sources {
        Sources {
            rooms: vec!["general".into(), "rust".into(), "rust-lang".into()],
            people: vec!["bob".into(), "bobby".into(), "carol".into()],
        }
    }

    #[test]
    fn commands_complete_at_the_start_of_the_line_only() {
        assert_eq!(candidates("/jo", true, &sources()), ["/join "]);
        assert_eq!(candidates("/h", true, &sources()), ["/history ", "/help "]);
        assert!(candidates("/jo", false, &sources()).is_empty());
    }

    #[test]
    fn rooms_and_people_complete_by_their_sigil() {
        assert_eq!(
            candidates("#ru", false, &sources()),
            ["#rust ", "#rust-lang "]
        );
        assert_eq!(candidates("@Ca", false, &sources()), ["@carol "]);
        assert_eq!(candidates("bo", true, &sources()), ["bob: ", "bobby: "]);
        assert_eq!(candidates("bo", false, &sources()), ["bob ", "bobby "]);
        assert!(candidates("zed", false, &sources()).is_empty());
    }

    #[test]
    fn emoji_complete_to_shortcodes() {
        let found = candidates(":smil", false, &sources());
        assert_eq!(found.first().map(String::as_str), Some(":smile:"));
    }
}
