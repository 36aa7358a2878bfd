//! Picking a posted file with the keys, so that fetching one needs no number typed: the
//! files focus. Its key (F4 or Alt+Up) picks the file nearest the bottom of the view, Up
//! and Down move from file to file, Enter or `d` downloads the one picked, `v` previews
//! it, and Esc goes back to the input line.
//!
//! The pick is a message id, not a position: pages joining above and live messages below
//! move entries, never the pick.

use chat_proto::{FileInfo, MessageId};

use super::entry::EntryRows;
use super::keys::Intent;
use super::{App, Effect, Entry, Focus, Side};

impl App {
    /// The files focus's key: picks the file nearest the bottom of the view, or leaves.
    pub(super) fn focus_files(&mut self) -> Vec<Effect> {
        if self.focus == Focus::Files {
            self.leave_files();
            return Vec::new();
        }
        let newest_in_view = self.current().and_then(|chat| {
            let bottom = chat.scroll.bottom_index(chat.entries.len())?;
            chat.entries.range(..=bottom).rev().find_map(file_message)
        });
        let Some(id) = newest_in_view else {
            self.error("no file here or above: PageUp loads older messages");
            return Vec::new();
        };
        self.focus = Focus::Files;
        self.pick_file(id)
    }

    /// Keys while the files focus is on.
    pub(super) fn on_files_intent(&mut self, intent: Intent) -> Vec<Effect> {
        match intent {
            Intent::Up | Intent::Insert('k') => return self.step_file(Side::Older),
            Intent::Down | Intent::Insert('j') => return self.step_file(Side::Newer),
            Intent::Enter | Intent::Insert('d') => {
                if let Some(file) = self.picked_file().map(|f| f.id) {
                    return self.download_file(file, None);
                }
            }
            Intent::Insert('v') => {
                if let Some(file) = self.picked_file().map(|f| f.id) {
                    return self.view_file(file);
                }
            }
            Intent::Escape | Intent::Tab => self.leave_files(),
            Intent::Insert(c) => {
                // Typing goes to the input line, as from the rooms and members panes.
                self.leave_files();
                self.input.insert(c.encode_utf8(&mut [0; 4]));
            }
            _ => {}
        }
        Vec::new()
    }

    /// The file picked, while the files focus is on and its message is in the
    /// conversation shown.
    pub fn picked_file(&self) -> Option<&FileInfo> {
        if self.focus != Focus::Files {
            return None;
        }
        let (target, id) = self.selected_file.as_ref()?;
        let chat = self.current().filter(|chat| chat.target == *target)?;
        chat.entries.iter().rev().find_map(|entry| match entry {
            Entry::Message(line) if line.id == *id => line.file.as_ref(),
            _ => None,
        })
    }

    pub(super) fn leave_files(&mut self) {
        if self.focus == Focus::Files {
            self.focus = Focus::Input;
        }
        self.selected_file = None;
    }

    /// Moves the pick to the next file older or newer than it.
    fn step_file(&mut self, side: Side) -> Vec<Effect> {
        let Some((chat, picked)) = self.current().zip(self.selected_file.as_ref()) else {
            return Vec::new();
        };
        let picked = picked.1;
        let entries = &chat.entries;
        let at = entries.iter().rposition(|e| e.id() == Some(picked));
        let next = match (side, at) {
            (Side::Older, Some(at)) => entries.range(..at).rev().find_map(file_message),
            (Side::Newer, Some(at)) => entries.range(at + 1..).find_map(file_message),
            // The picked message was let go of: start again from the newest file.
            (_, None) => entries.iter().rev().find_map(file_message),
        };
        match (next, side) {
            (Some(id), _) => self.pick_file(id),
            (None, Side::Older) if !chat.complete => {
                self.info("no older file loaded: PageUp loads older messages");
                Vec::new()
            }
            (None, Side::Older) => {
                self.info("this is the oldest file here");
                Vec::new()
            }
            (None, Side::Newer) => {
                self.info("this is the newest file here");
                Vec::new()
            }
        }
    }

    /// Picks the file posted in message `id` and scrolls it into view.
    fn pick_file(&mut self, id: MessageId) -> Vec<Effect> {
        let Some(target) = self.current().map(|chat| chat.target.clone()) else {
            return Vec::new();
        };
        self.selected_file = Some((target, id));
        let (width, height) = self.view_size();
        let clock = self.settings.clock;
        if let Some(chat) = self.conversations.get_mut(self.current)
            && let Some(at) = chat.entries.iter().rposition(|e| e.id() == Some(id))
        {
            let entries = &chat.entries;
            let row_count = |i| EntryRows::of(entries, i, width, clock).height();
            chat.scroll.reveal(at, entries.len(), height, row_count);
        }
        self.fetches()
    }
}

/// The id of a message that posts a file.
fn file_message(entry: &Entry) -> Option<MessageId> {
    match entry {
        Entry::Message(line) if line.file.is_some() => Some(line.id),
        _ => None,
    }
}
