//! What keys, the wheel and pastes do on the chat screen, one small method per intent.

use crossterm::event::{KeyEvent, KeyEventKind};

use super::entry::EntryRows;
use super::keys::Intent;
use super::login::apply_edit;
use super::{App, Effect, Focus, Overlay, Phase};
use crate::commands::Command;

/// Rows one turn of the mouse wheel scrolls.
const WHEEL_ROWS: usize = 3;

impl App {
    pub(super) fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if self.phase != Phase::Chat {
            return self.on_key_before_chat(key);
        }
        let Some(intent) = self.settings.keys.intent(key) else {
            return Vec::new();
        };
        if intent != Intent::Tab {
            self.completion = None;
        }
        if self.overlay.is_some() {
            return self.on_overlay_intent(intent);
        }
        if let Some(effects) = self.on_global_intent(intent) {
            return effects;
        }
        match self.focus {
            Focus::Input => self.on_input_intent(intent),
            Focus::Rooms | Focus::Members => self.on_pane_intent(intent),
            Focus::Files => self.on_files_intent(intent),
        }
    }

    /// Keys that do the same wherever the focus is; `None` for the others.
    fn on_global_intent(&mut self, intent: Intent) -> Option<Vec<Effect>> {
        let effects = match intent {
            Intent::Quit => {
                self.quit = true;
                Vec::new()
            }
            Intent::Help => {
                self.overlay = Some(Overlay::Help { top: 0 });
                Vec::new()
            }
            Intent::Redraw => vec![Effect::Redraw],
            Intent::Next => self.cycle(1),
            Intent::Previous => self.cycle(self.conversations.len().saturating_sub(1)),
            Intent::Jump(number) => self.show(number - 1),
            Intent::FocusRooms => self.focus_pane(Focus::Rooms),
            Intent::FocusMembers => self.focus_pane(Focus::Members),
            Intent::FocusFiles => self.focus_files(),
            Intent::PageUp => self.scroll_up(self.page()),
            Intent::PageDown => self.scroll_down(self.page()),
            Intent::Bottom => self.bottom(),
            _ => return None,
        };
        Some(effects)
    }

    fn on_input_intent(&mut self, intent: Intent) -> Vec<Effect> {
        match intent {
            Intent::Enter => return self.submit(),
            Intent::Tab => return self.tab(),
            Intent::Up => self.input.recall_older(),
            Intent::Down => self.input.recall_newer(),
            Intent::Edit(edit) => apply_edit(&mut self.input, edit),
            Intent::Insert(c) => self.input.insert(c.encode_utf8(&mut [0; 4])),
            Intent::Escape => self.notice = None,
            _ => {}
        }
        Vec::new()
    }

    /// Tab on the input line completes the word before the cursor; on an empty line it
    /// switches conversation. A line being typed is never carried to another conversation,
    /// where Enter would send it.
    fn tab(&mut self) -> Vec<Effect> {
        if self.input.is_empty() {
            return self.cycle(1);
        }
        self.complete();
        Vec::new()
    }

    /// Keys while the rooms or members pane has the focus.
    fn on_pane_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let len = match self.focus {
            Focus::Rooms => self.conversations.len(),
            _ => self.current_members().len(),
        };
        match intent {
            Intent::Up | Intent::Insert('k') => self.selected = self.selected.saturating_sub(1),
            Intent::Down | Intent::Insert('j') => {
                self.selected = (self.selected + 1).min(len.saturating_sub(1));
            }
            Intent::Enter => return self.pick(),
            Intent::Escape | Intent::Tab => self.focus = Focus::Input,
            Intent::Insert(c) => {
                // Typing goes to the input line, as if the focus had never left it.
                self.focus = Focus::Input;
                self.input.insert(c.encode_utf8(&mut [0; 4]));
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_overlay_intent(&mut self, intent: Intent) -> Vec<Effect> {
        if let Some(Overlay::Help { top }) = self.overlay
            && let Some(top) = self.help_scrolled(top, intent)
        {
            self.overlay = Some(Overlay::Help { top });
            return Vec::new();
        }
        match (&mut self.overlay, intent) {
            (_, Intent::Quit) => self.quit = true,
            (Some(Overlay::List(list)), Intent::Up) => {
                list.selected = list.selected.saturating_sub(1);
            }
            (Some(Overlay::List(list)), Intent::Down) => {
                list.selected = (list.selected + 1).min(list.items.len().saturating_sub(1));
            }
            (Some(Overlay::List(list)), Intent::Enter) => {
                let command = list
                    .items
                    .get(list.selected)
                    .and_then(|i| i.command.clone());
                self.overlay = None;
                return command.map(|c| self.run(c)).unwrap_or_default();
            }
            (_, Intent::Escape | Intent::Help | Intent::Enter | Intent::Insert('q')) => {
                // Sixel and iTerm2 pictures are pixels the terminal keeps, not cells that a
                // frame overwrites: only a full repaint is sure to wipe them.
                if let Some(Overlay::Preview(_)) = self.overlay.take() {
                    return vec![Effect::Redraw];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Where the help starts after a scrolling key; `None` for other keys.
    fn help_scrolled(&self, top: usize, intent: Intent) -> Option<usize> {
        let page = usize::from(self.size.1.saturating_sub(3)).max(1);
        let top = match intent {
            Intent::Up => top.saturating_sub(1),
            Intent::Down => top + 1,
            Intent::PageUp => top.saturating_sub(page),
            Intent::PageDown => top + page,
            _ => return None,
        };
        Some(top.min(self.help_last_top()))
    }

    /// Enter in a focused pane: open the conversation, or a DM with the member.
    fn pick(&mut self) -> Vec<Effect> {
        let focus = std::mem::replace(&mut self.focus, Focus::Input);
        match focus {
            Focus::Rooms => self.show(self.selected),
            Focus::Members => {
                let member = self
                    .current_members()
                    .get(self.selected)
                    .map(|m| m.user.clone());
                match member {
                    Some(user) if Some(&user) != self.me.as_ref() => {
                        self.run(Command::Query(chat_proto::Target::User(user)))
                    }
                    _ => Vec::new(),
                }
            }
            Focus::Input | Focus::Files => Vec::new(),
        }
    }

    fn focus_pane(&mut self, focus: Focus) -> Vec<Effect> {
        self.selected_file = None;
        self.focus = if self.focus == focus {
            Focus::Input
        } else {
            focus
        };
        self.selected = if focus == Focus::Rooms {
            self.current
        } else {
            0
        };
        Vec::new()
    }

    /// Shows the conversation `step` places further on, wrapping around.
    fn cycle(&mut self, step: usize) -> Vec<Effect> {
        let len = self.conversations.len();
        if len == 0 {
            return Vec::new();
        }
        self.show((self.current + step) % len)
    }

    pub(super) fn on_wheel(&mut self, up: bool) -> Vec<Effect> {
        if self.phase != Phase::Chat || self.overlay.is_some() {
            return Vec::new();
        }
        if up {
            self.scroll_up(WHEEL_ROWS)
        } else {
            self.scroll_down(WHEEL_ROWS)
        }
    }

    pub(super) fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        let one_line = text.replace(['\r', '\n'], " ");
        match &mut self.phase {
            Phase::Chat => self.input.insert(&one_line),
            Phase::Login(form) => match form.field {
                super::Field::User => form.user.insert(&one_line),
                super::Field::Password => form.password.insert(&one_line),
                super::Field::Register => {}
            },
            _ => {}
        }
        Vec::new()
    }

    /// Rows a page key scrolls: the view's height, less two rows kept for context.
    fn page(&self) -> usize {
        self.view_size().1.saturating_sub(2).max(1)
    }

    fn scroll_up(&mut self, rows: usize) -> Vec<Effect> {
        let (width, height) = self.view_size();
        let clock = self.settings.clock;
        if let Some(chat) = self.conversations.get_mut(self.current) {
            let entries = &chat.entries;
            let row_count = |i| EntryRows::of(entries, i, width, clock).height();
            chat.scroll.up(rows, entries.len(), height, row_count);
        }
        self.fetches()
    }

    fn scroll_down(&mut self, rows: usize) -> Vec<Effect> {
        let (width, _) = self.view_size();
        let clock = self.settings.clock;
        if let Some(chat) = self.conversations.get_mut(self.current) {
            let entries = &chat.entries;
            let row_count = |i| EntryRows::of(entries, i, width, clock).height();
            chat.scroll.down(rows, entries.len(), row_count);
        }
        self.fetches()
    }

    fn bottom(&mut self) -> Vec<Effect> {
        if let Some(chat) = self.current_mut() {
            chat.jump_to_newest();
        }
        self.fetches()
    }
}
