//! The chat screen's side of the network: logging in, the client's events, and the
//! replies to what the app asked for.

use chat_proto::{Member, Message, Role, RoomName, Session, Target, UserName};

use super::conversation::{Conversation, Side};
use super::entry::{Entry, Line};
use super::groups::{Fate, role_mark, sort_members};
use super::{App, Effect, Link, ListItem, ListOverlay, Overlay, Phase, Reply};
use crate::client::ClientEvent;
use crate::commands::Command;
use crate::sanitize;

/// The server's code for a user name it does not know.
const UNKNOWN_USER: &str = "unknown_user";

impl App {
    pub(super) fn on_connected(&mut self, session: &Session) -> Vec<Effect> {
        self.me = Some(session.user.clone());
        self.phase = Phase::Chat;
        self.link = Link::Online;
        self.invitations.clone_from(&session.invitations);
        for room in &session.rooms {
            self.rooms.insert(room.name.clone(), room.clone());
            self.open(Target::Room(room.name.clone()));
        }
        for point in &session.conversations {
            if let Target::User(_) = point.target {
                self.open(point.target.clone());
            }
        }
        if self.conversations.is_empty() {
            self.info(
                "Welcome! /join #room to join or create a room, /rooms to list them, F1 for help",
            );
        }
        self.show(0)
    }

    pub(super) fn on_client_event(&mut self, event: ClientEvent) -> Vec<Effect> {
        match event {
            ClientEvent::Message {
                message,
                conversation,
                ..
            } => return self.on_message(message, conversation),
            ClientEvent::Joined { room, user } => return self.on_joined(room, user),
            ClientEvent::Left { room, user } => return self.on_left(&room, &user),
            ClientEvent::Presence { user, online } => self.on_presence(&user, online),
            ClientEvent::Invited(invitation) => self.on_invited(invitation),
            ClientEvent::RoomDeleted { room, by } => return self.on_room_deleted(&room, &by),
            ClientEvent::Disconnected { reason } => {
                self.link = Link::Reconnecting(sanitize::one_line(&reason).into_owned());
            }
            ClientEvent::Reconnected => {
                self.link = Link::Online;
                // Joins, parts and presence missed while away are not replayed.
                self.members.clear();
                return self.show(self.current);
            }
        }
        Vec::new()
    }

    pub(super) fn on_client_stopped(&mut self) -> Vec<Effect> {
        let why = match &self.link {
            Link::Reconnecting(reason) => reason.clone(),
            _ => "the connection was closed".to_owned(),
        };
        self.link = Link::Offline(why);
        Vec::new()
    }

    fn on_message(&mut self, message: Message, conversation: Target) -> Vec<Effect> {
        let Some(me) = self.me.clone() else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        if let (Some(event), Target::Room(room)) = (message.event(), &conversation) {
            match self.on_room_event(room, &message.from, event) {
                Fate::Kept(more) => effects = more,
                Fate::Gone(effects) => return effects,
            }
        }
        let known = self.position(&conversation);
        let new = known.is_none();
        let index = match (known, &conversation) {
            (Some(index), _) => index,
            (None, Target::User(_)) => self.open(conversation),
            // A room without a tab is one just left: what was said there before the server
            // had the part is no reason to open it again.
            (None, Target::Room(_)) => return effects,
        };
        let shown = index == self.current;
        let chat = &mut self.conversations[index];
        // Our own message, echoed: it replaces its pending copy, if the reply is not in yet.
        if message.from == me
            && let Some(at) = chat
                .pending
                .iter()
                .position(|p| message.text() == Some(p.text.as_str()))
        {
            chat.pending.remove(at);
        }
        let line = Line::new(message, &me);
        let (own, mention) = (line.own, line.mention);
        chat.push_live(Entry::Message(line));
        if !shown && !own {
            chat.unread += 1;
            chat.mentioned |= mention;
        }
        if new && shown {
            effects.extend(self.show(index));
        }
        effects
    }

    fn on_joined(&mut self, room: RoomName, user: UserName) -> Vec<Effect> {
        if self.me.as_ref() == Some(&user) {
            self.invitations.retain(|i| i.room != room);
            self.open(Target::Room(room));
            return Vec::new();
        }
        self.notice_in(&room, format!("→ {user} joined {room}"));
        if let Some(members) = self.members.get_mut(&room)
            && !members.iter().any(|m| m.user == user)
        {
            members.push(Member {
                user,
                online: true,
                role: Role::Member,
            });
        }
        Vec::new()
    }

    fn on_left(&mut self, room: &RoomName, user: &UserName) -> Vec<Effect> {
        if self.me.as_ref() == Some(user) {
            return self.close(&Target::Room(room.clone()));
        }
        self.notice_in(room, format!("← {user} left {room}"));
        if let Some(members) = self.members.get_mut(room) {
            members.retain(|m| &m.user != user);
        }
        Vec::new()
    }

    fn on_presence(&mut self, user: &UserName, online: bool) {
        for member in self.members.values_mut().flatten() {
            if &member.user == user {
                member.online = online;
            }
        }
    }

    /// Adds a line about the room that is not a message, timed now.
    fn notice_in(&mut self, room: &RoomName, text: String) {
        let ts_ms = self.now_ms;
        if let Some(index) = self.position(&Target::Room(room.clone())) {
            self.conversations[index].push_live(Entry::Notice { ts_ms, text });
        }
    }

    pub(super) fn on_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Sent { to, local, result } => self.on_sent(&to, local, result.err()),
            Reply::Joined { room, result } => match result {
                Ok(summary) => {
                    self.entered(&summary);
                    let members = match summary.members {
                        1 => "only you".to_owned(),
                        n => format!("{n} members"),
                    };
                    let target = Target::Room(summary.name.clone());
                    self.info_about(&target, format!("joined {} ({members})", summary.name));
                    let index = self.open(target);
                    return self.show(index);
                }
                Err(failure) => self.error(format!("cannot join {room}: {}", failure.message)),
            },
            Reply::Created { room, result } => return self.on_created(&room, result),
            Reply::Changed {
                room,
                change,
                result,
            } => return self.on_changed(&room, &change, result),
            Reply::Left { room, result } => match result {
                Ok(()) => {
                    self.info(format!("left {room}"));
                    return self.close(&Target::Room(room));
                }
                Err(failure) => self.error(format!("cannot leave {room}: {}", failure.message)),
            },
            Reply::Older {
                target,
                request,
                result,
            } => return self.on_page(&target, Side::Older, request, result),
            Reply::Newer {
                target,
                request,
                result,
            } => return self.on_page(&target, Side::Newer, request, result),
            Reply::Members { room, show, result } => match result {
                Ok(members) => self.on_members(room, members, show),
                Err(failure) => self.error(format!("members of {room}: {}", failure.message)),
            },
            Reply::Rooms { show, result } => match result {
                Ok(rooms) => self.on_rooms(rooms, show),
                Err(failure) if show => {
                    self.error(format!("cannot list rooms: {}", failure.message));
                }
                Err(_) => {}
            },
            transfer @ (Reply::Progress { .. }
            | Reply::Uploaded { .. }
            | Reply::Downloaded { .. }
            | Reply::Previewed { .. }) => return self.on_transfer_reply(transfer),
        }
        Vec::new()
    }

    /// The answer to a message sent. Its pending copy is found by its number alone: the
    /// room may have been renamed since.
    fn on_sent(&mut self, to: &Target, local: u64, failure: Option<super::Failure>) {
        let mut unsent = None;
        for chat in &mut self.conversations {
            if let Some(at) = chat.pending.iter().position(|p| p.local == local) {
                unsent = Some(chat.pending.remove(at).text);
                break;
            }
        }
        if let Some(failure) = failure {
            if let Some(text) = unsent {
                self.keep_unsent(&text);
            }
            self.error_about(to, format!("not sent to {to}: {}", failure.message));
        }
    }

    /// Puts text that could not be sent back on the input line, unless something else is
    /// being typed there, so that it need not be typed again.
    fn keep_unsent(&mut self, text: &str) {
        if self.input.is_empty() {
            self.input.insert(text);
        }
    }

    /// The server knows no user of a DM just opened (a typo in `/query @name`): its tab
    /// goes, the reader is back where they were, and what was typed there is kept.
    fn forget_unknown_user(&mut self, target: &Target, failure: &super::Failure) -> Vec<Effect> {
        let back = self.previous.clone();
        if let Some(index) = self.position(target) {
            let unsent: Vec<String> = self.conversations[index]
                .pending
                .iter()
                .map(|p| p.text.clone())
                .collect();
            if !unsent.is_empty() {
                self.keep_unsent(&unsent.join(" "));
            }
        }
        let mut effects = self.close(target);
        if let Some(index) = back.and_then(|back| self.position(&back)) {
            effects.extend(self.show(index));
        }
        self.error(format!("{target}: {}", failure.message));
        effects
    }

    /// A page of history for one end of a conversation, taken only if that end still waits
    /// for the request it answers.
    fn on_page(
        &mut self,
        target: &Target,
        side: Side,
        request: u64,
        result: Result<chat_proto::Page, super::Failure>,
    ) -> Vec<Effect> {
        let Some(index) = self.position(target) else {
            return Vec::new();
        };
        let me = self.me.clone().expect("pages come after login");
        let chat = &mut self.conversations[index];
        if !chat.answered(side, request) {
            return Vec::new();
        }
        match result {
            Ok(page) => {
                let lines = page
                    .messages
                    .into_iter()
                    .filter(|m| &m.to.seen_by(&me, &m.from) == target)
                    .map(|m| Line::new(m, &me))
                    .collect();
                match side {
                    Side::Older => chat.prepend_older(lines, page.complete),
                    Side::Newer => chat.append_newer(lines, page.complete),
                }
            }
            Err(failure) if failure.code == UNKNOWN_USER && matches!(target, Target::User(_)) => {
                return self.forget_unknown_user(target, &failure);
            }
            Err(failure) => {
                self.error_about(target, format!("history of {target}: {}", failure.message));
                return Vec::new();
            }
        }
        self.fetches()
    }

    fn on_members(&mut self, room: RoomName, members: Vec<Member>, show: bool) {
        if show {
            let mut sorted: Vec<&Member> = members.iter().collect();
            sort_members(&mut sorted);
            let items = sorted
                .iter()
                .map(|m| ListItem {
                    label: format!(
                        "{} {}{}",
                        if m.online { "●" } else { "○" },
                        role_mark(m.role),
                        m.user
                    ),
                    command: Some(Command::Query(Target::User(m.user.clone()))),
                })
                .collect();
            self.overlay = Some(Overlay::List(ListOverlay {
                title: format!("Members of {room} (Enter: direct message)"),
                items,
                selected: 0,
            }));
        }
        self.members.insert(room, members);
    }

    fn on_rooms(&mut self, rooms: Vec<chat_proto::RoomSummary>, show: bool) {
        self.take_room_facts(&rooms);
        if !show {
            self.server_rooms = rooms;
            return;
        }
        let items = rooms.iter().map(room_item).collect();
        self.overlay = Some(Overlay::List(ListOverlay {
            title: format!("Rooms on {} (Enter: join)", self.settings.server),
            items,
            selected: 0,
        }));
        self.server_rooms = rooms;
    }

    /// The index of the conversation with `target`, opening it if need be: rooms after the
    /// other rooms, DMs at the end.
    pub(super) fn open(&mut self, target: Target) -> usize {
        if let Some(index) = self.position(&target) {
            return index;
        }
        let index = match target {
            Target::Room(_) => self
                .conversations
                .iter()
                .position(|c| matches!(c.target, Target::User(_)))
                .unwrap_or(self.conversations.len()),
            Target::User(_) => self.conversations.len(),
        };
        let chat = Conversation::new(target, self.settings.scrollback);
        self.conversations.insert(index, chat);
        if index <= self.current && self.conversations.len() > 1 {
            self.current += 1;
        }
        index
    }

    /// Closes a conversation, showing a neighbour if it was the current one.
    pub(super) fn close(&mut self, target: &Target) -> Vec<Effect> {
        let Some(index) = self.position(target) else {
            return Vec::new();
        };
        self.conversations.remove(index);
        if let Target::Room(room) = target {
            self.members.remove(room);
        }
        if index < self.current || self.current >= self.conversations.len() {
            self.current = self.current.saturating_sub(1);
        }
        self.show(self.current)
    }

    /// Shows conversation `index`, fetching what it needs.
    pub(super) fn show(&mut self, index: usize) -> Vec<Effect> {
        self.leave_files();
        if index >= self.conversations.len() {
            return Vec::new();
        }
        let target = &self.conversations[index].target;
        if let Some(shown) = self.current().map(|c| &c.target)
            && shown != target
        {
            self.previous = Some(shown.clone());
        }
        self.current = index;
        self.completion = None;
        if self
            .notice
            .as_ref()
            .is_some_and(|n| n.about.as_ref().is_some_and(|about| about != target))
        {
            self.notice = None;
        }
        let chat = &mut self.conversations[index];
        chat.mark_read();
        let mut effects = self.fetches();
        if let Target::Room(room) = &self.conversations[index].target {
            if !self.members.contains_key(room) {
                effects.push(Effect::Members {
                    room: room.clone(),
                    show: false,
                });
            }
            // A room joined from another device: the join's answer, which says whether the
            // room is private and what its topic is, went there.
            if !self.rooms.contains_key(room) {
                effects.push(Effect::Rooms { show: false });
            }
        }
        effects
    }

    /// Pages the current conversation needs, given where its reader is.
    pub(super) fn fetches(&mut self) -> Vec<Effect> {
        if self.phase != Phase::Chat {
            return Vec::new();
        }
        let Some(chat) = self.conversations.get_mut(self.current) else {
            return Vec::new();
        };
        let requests = &mut self.next_number;
        let mut effects = Vec::new();
        if let Some(before) = chat.wants_older() {
            *requests += 1;
            chat.asked(Side::Older, *requests);
            effects.push(Effect::Older {
                target: chat.target.clone(),
                before,
                request: *requests,
            });
        }
        if let Some(after) = chat.wants_newer() {
            *requests += 1;
            chat.asked(Side::Newer, *requests);
            effects.push(Effect::Newer {
                target: chat.target.clone(),
                after,
                request: *requests,
            });
        }
        effects
    }
}

/// A room in the `/rooms` list: its name, marked `*` when private, its size and its topic.
fn room_item(room: &chat_proto::RoomSummary) -> ListItem {
    let mark = if room.private { "*" } else { "" };
    let name = format!("{}{mark}", room.name);
    let topic = crate::room_event::one_line(&room.topic);
    let label = format!("{name:<25} {} members  {topic}", room.members);
    ListItem {
        label: label.trim_end().to_owned(),
        command: Some(Command::Join(room.name.clone())),
    }
}
