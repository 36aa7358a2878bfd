//! Commands typed on the input line, in the same language as headless mode.

use chat_proto::{RoomName, Target};

use super::conversation::{Pending, Side};
use super::{App, Effect, Overlay};
use crate::commands::{self, ACTION_PREFIX, Command, ParseError};
use crate::emoji;

impl App {
    /// Enter on the input line: a command, or text for the current conversation. A line
    /// that does not parse stays, with the reason on the status line, to be corrected.
    pub(super) fn submit(&mut self) -> Vec<Effect> {
        self.completion = None;
        match commands::parse(self.input.text()) {
            Ok(command) => {
                self.input.take();
                self.run(command)
            }
            Err(ParseError::Empty) => {
                self.input.take();
                Vec::new()
            }
            Err(err @ ParseError::UnknownCommand { .. }) => {
                self.error(format!("{err} (/help lists the commands)"));
                Vec::new()
            }
            Err(err) => {
                self.error(err.to_string());
                Vec::new()
            }
        }
    }

    /// Runs a command, from the input line or picked from a list.
    pub(super) fn run(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Say(text) => self.say(&text),
            Command::Me(text) => self.say(&format!("{ACTION_PREFIX}{text}")),
            Command::Join(room) | Command::Query(Target::Room(room)) => self.join(room),
            Command::Part(room) => self.part(room),
            Command::Msg { to, text } => {
                let index = self.open(to.clone());
                let mut effects = self.show(index);
                effects.extend(self.send(to, &text));
                effects
            }
            Command::Query(to) => {
                let index = self.open(to);
                self.show(index)
            }
            Command::History { target, .. } => self.older(target),
            Command::Rooms => vec![Effect::Rooms { show: true }],
            Command::Who(room) => match room.or_else(|| self.current_room()) {
                Some(room) => vec![Effect::Members { room, show: true }],
                None => self.no_room("who"),
            },
            Command::Create { room, private } => vec![Effect::Create { room, private }],
            Command::Change { room, change } => self.change(room, change),
            Command::Accept(room) => self.accept(room),
            Command::Topic(room) => self.show_topic(room),
            Command::Send(path) => self.send_file(path),
            Command::Download { file, path } => self.download_file(file, path),
            Command::View(file) => self.view_file(file),
            Command::Cancel(number) => self.cancel_transfers(number),
            Command::Help => {
                self.overlay = Some(Overlay::Help { top: 0 });
                Vec::new()
            }
            Command::Quit => {
                self.quit = true;
                Vec::new()
            }
        }
    }

    pub(super) fn current_room(&self) -> Option<RoomName> {
        match self.current().map(|c| &c.target) {
            Some(Target::Room(room)) => Some(room.clone()),
            _ => None,
        }
    }

    fn nowhere(&mut self, hint: &str) -> Vec<Effect> {
        self.error(hint);
        Vec::new()
    }

    fn say(&mut self, text: &str) -> Vec<Effect> {
        match self.current().map(|c| c.target.clone()) {
            Some(to) => self.send(to, text),
            None => self.nowhere("nowhere to send: /join #room or /query @user first"),
        }
    }

    /// Sends text, showing it as pending until the server has it. `:shortcodes:` become
    /// emoji here, so the message carries the emoji itself.
    fn send(&mut self, to: Target, text: &str) -> Vec<Effect> {
        let text = emoji::replace_shortcodes(text).into_owned();
        let local = self.next_number();
        let mut effects = Vec::new();
        if let Some(index) = self.position(&to) {
            let chat = &mut self.conversations[index];
            chat.pending.push(Pending {
                local,
                text: text.clone(),
            });
            chat.jump_to_newest();
            effects = self.fetches();
        }
        effects.push(Effect::Send { to, local, text });
        effects
    }

    fn join(&mut self, room: RoomName) -> Vec<Effect> {
        if let Some(index) = self.position(&Target::Room(room.clone())) {
            return self.show(index);
        }
        self.info(format!("joining {room}…"));
        vec![Effect::Join(room)]
    }

    fn part(&mut self, room: Option<RoomName>) -> Vec<Effect> {
        if let Some(room) = room.or_else(|| self.current_room()) {
            return vec![Effect::Leave(room)];
        }
        match self.current().map(|c| c.target.clone()) {
            // A DM has nothing to leave on the server: its tab is closed.
            Some(dm @ Target::User(_)) => self.close(&dm),
            _ => self.nowhere("/part #room: there is no current room"),
        }
    }

    /// `/history`: shows the conversation and fetches the page before what is loaded.
    fn older(&mut self, target: Option<Target>) -> Vec<Effect> {
        let Some(target) = target.or_else(|| self.current().map(|c| c.target.clone())) else {
            return self.nowhere("/history #room: there is no current conversation");
        };
        let index = self.open(target);
        let mut effects = self.show(index);
        if self.conversations[index].complete {
            let target = self.conversations[index].target.clone();
            self.info_about(&target, "this is the beginning of the conversation");
        } else if self.conversations[index].fetching.older.is_none() {
            let request = self.next_number();
            let chat = &mut self.conversations[index];
            chat.asked(Side::Older, request);
            effects.push(Effect::Older {
                target: chat.target.clone(),
                before: chat.oldest_id(),
                request,
            });
        }
        effects
    }
}
