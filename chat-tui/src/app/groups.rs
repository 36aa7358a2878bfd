//! Rooms as groups on the chat screen: what room events change in the state, invitations,
//! and the answers to the commands that manage rooms.
//!
//! State follows the events in a room's history, live or caught up, never the pages of
//! `/history`: those show old changes, which the state has long taken in.

use chat_proto::{
    Invitation, Member, Role, RoomEvent, RoomName, RoomSummary, Session, Target, UserName,
};

use super::{App, Effect, Failure};
use crate::client::{ClientEvent, RoomChange};
use crate::commands;
use crate::room_event;

/// What stands before a member's name: `~` for the owner and `@` for admins, as IRC
/// clients mark operators, and a space for members so that names line up.
pub fn role_mark(role: Role) -> &'static str {
    match role {
        Role::Owner => "~",
        Role::Admin => "@",
        Role::Member => " ",
    }
}

/// The order of a member list: the owner, admins, members; online first within each, then
/// by name.
pub fn sort_members(members: &mut [&Member]) {
    members.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then_with(|| b.online.cmp(&a.online))
            .then_with(|| a.user.cmp(&b.user))
    });
}

/// What became of a room through one of its events.
pub(super) enum Fate {
    /// The room is still there (perhaps under a new name), for the event's line.
    Kept(Vec<Effect>),
    /// The reader is no longer in it: the line has nowhere to go.
    Gone(Vec<Effect>),
}

impl App {
    /// Applies a room event to the state, before its line is shown.
    pub(super) fn on_room_event(
        &mut self,
        room: &RoomName,
        by: &UserName,
        event: &RoomEvent,
    ) -> Fate {
        match event {
            RoomEvent::Created { private } => {
                if let Some(facts) = self.rooms.get_mut(room) {
                    facts.private = *private;
                }
            }
            RoomEvent::Renamed { from, to } => return Fate::Kept(self.rename_room(from, to)),
            RoomEvent::Kicked { user, reason } | RoomEvent::Banned { user, reason }
                if self.me.as_ref() == Some(user) =>
            {
                let verb = match event {
                    RoomEvent::Banned { .. } => "banned",
                    _ => "removed",
                };
                return Fate::Gone(self.removed_from(room, by, verb, reason));
            }
            RoomEvent::Kicked { user, .. } | RoomEvent::Banned { user, .. } => {
                if let Some(members) = self.members.get_mut(room) {
                    members.retain(|m| &m.user != user);
                }
            }
            RoomEvent::RoleChanged { user, role } => {
                let members = self.members.get_mut(room).into_iter().flatten();
                for member in members.filter(|m| &m.user == user) {
                    member.role = *role;
                }
            }
            RoomEvent::TopicChanged { topic } => {
                if let Some(facts) = self.rooms.get_mut(room) {
                    facts.topic.clone_from(topic);
                }
            }
            RoomEvent::Invited { .. } | RoomEvent::Declined | RoomEvent::Unbanned { .. } => {}
        }
        Fate::Kept(Vec::new())
    }

    /// A room renamed: its tab, members and facts go under the new name, and so does any
    /// mention of it the app keeps. Pages asked for under the old name are dropped when
    /// they come, so the tab asks again under the new one.
    fn rename_room(&mut self, from: &RoomName, to: &RoomName) -> Vec<Effect> {
        let (old, new) = (Target::Room(from.clone()), Target::Room(to.clone()));
        if let Some(facts) = self.rooms.remove(from) {
            self.rooms.insert(
                to.clone(),
                RoomSummary {
                    name: to.clone(),
                    ..facts
                },
            );
        }
        if let Some(members) = self.members.remove(from) {
            self.members.insert(to.clone(), members);
        }
        if self.previous.as_ref() == Some(&old) {
            self.previous = Some(new.clone());
        }
        if let Some(notice) = &mut self.notice
            && notice.about.as_ref() == Some(&old)
        {
            notice.about = Some(new.clone());
        }
        let Some(index) = self.position(&old) else {
            return Vec::new();
        };
        if self.position(&new).is_some() {
            return self.close(&old);
        }
        let chat = &mut self.conversations[index];
        chat.target = new;
        chat.fetching = super::Fetching::default();
        self.fetches()
    }

    /// The reader was kicked or banned: the room goes, with a word saying who did it and why.
    ///
    /// The word is said even when the room has no tab: a removal made while the client was
    /// away comes after the login, about a room the session no longer lists.
    fn removed_from(
        &mut self,
        room: &RoomName,
        by: &UserName,
        verb: &str,
        reason: &str,
    ) -> Vec<Effect> {
        self.rooms.remove(room);
        self.members.remove(room);
        let effects = self.close(&Target::Room(room.clone()));
        let because = room_event::because(reason);
        self.error(format!("you were {verb} from {room} by {by}{because}"));
        effects
    }

    /// Back after a reconnect: rooms the user lost while away (removed, or deleted) go,
    /// rooms joined elsewhere come, and the invitations are the server's.
    ///
    /// The catch-up brings what was said in the rooms that remain, their events included,
    /// and the kicks and bans listed with the session come before it, each closing its
    /// room with a word; a room gone otherwise (deleted while away) is learnt of here.
    pub(super) fn on_resumed(&mut self, session: &Session) -> Vec<Effect> {
        self.invitations.clone_from(&session.invitations);
        let gone: Vec<RoomName> = self
            .conversations
            .iter()
            .filter_map(|c| match &c.target {
                Target::Room(room) if !session.rooms.iter().any(|r| &r.name == room) => {
                    Some(room.clone())
                }
                _ => None,
            })
            .collect();
        for room in &gone {
            self.rooms.remove(room);
            self.close(&Target::Room(room.clone()));
        }
        for room in &session.rooms {
            self.rooms.insert(room.name.clone(), room.clone());
            self.open(Target::Room(room.name.clone()));
        }
        let effects = self.on_client_event(ClientEvent::Reconnected);
        if !gone.is_empty() {
            let names: Vec<String> = gone.iter().map(ToString::to_string).collect();
            self.error(format!(
                "you are no longer in {} (removed, or deleted, while away)",
                names.join(", ")
            ));
        }
        effects
    }

    pub(super) fn on_invited(&mut self, invitation: Invitation) {
        let room = invitation.room.clone();
        self.invitations.retain(|i| i.room != room);
        self.info(format!(
            "{} invited you to {room}: /accept {room} or /decline {room}",
            invitation.by
        ));
        self.invitations.push(invitation);
    }

    pub(super) fn on_room_deleted(&mut self, room: &RoomName, by: &UserName) -> Vec<Effect> {
        let (known, effects) = self.forget_room(room);
        if known {
            if self.me.as_ref() == Some(by) {
                self.info(format!("deleted {room}"));
            } else {
                self.error(format!("{room} was deleted by {by}"));
            }
        }
        effects
    }

    /// Drops all the app knows of a room that is gone; says whether it knew anything.
    ///
    /// A room the reader deleted is heard of twice, by the reply and by the event that
    /// tells every member; whichever comes second finds nothing left, and says nothing.
    fn forget_room(&mut self, room: &RoomName) -> (bool, Vec<Effect>) {
        let target = Target::Room(room.clone());
        let invited = self.invitations.iter().any(|i| &i.room == room);
        self.invitations.retain(|i| &i.room != room);
        let known = self.rooms.remove(room).is_some() || invited;
        let open = self.position(&target).is_some();
        (known || open, self.close(&target))
    }

    /// A room is joined, by `/join` or by accepting an invitation: what the server said of
    /// it is kept, and any invitation to it is spent.
    pub(super) fn entered(&mut self, summary: &RoomSummary) {
        self.invitations.retain(|i| i.room != summary.name);
        self.rooms.insert(summary.name.clone(), summary.clone());
    }

    /// `/invite`, `/kick`, `/topic text`...: the room named, or else the current one.
    pub(super) fn change(&mut self, room: Option<RoomName>, change: RoomChange) -> Vec<Effect> {
        match room.or_else(|| self.current_room()) {
            Some(room) => vec![Effect::Change { room, change }],
            None => self.no_room(change.command()),
        }
    }

    /// `/accept #room`.
    pub(super) fn accept(&mut self, room: RoomName) -> Vec<Effect> {
        if let Some(index) = self.position(&Target::Room(room.clone())) {
            return self.show(index);
        }
        self.info(format!("joining {room}…"));
        vec![Effect::Accept(room)]
    }

    /// `/topic` without text: the topic of a room the reader is in.
    pub(super) fn show_topic(&mut self, room: Option<RoomName>) -> Vec<Effect> {
        let Some(room) = room.or_else(|| self.current_room()) else {
            return self.no_room("topic");
        };
        let target = Target::Room(room.clone());
        match self
            .rooms
            .get(&room)
            .map(|r| room_event::one_line(&r.topic))
        {
            Some(topic) if topic.is_empty() => {
                self.info_about(
                    &target,
                    format!("{room} has no topic: /topic text sets one"),
                );
            }
            Some(topic) => self.info_about(&target, format!("topic of {room}: {topic}")),
            None => self.error(format!(
                "{room}: not one of your rooms; /rooms shows topics"
            )),
        }
        Vec::new()
    }

    /// Says why a command that acts on a room has none.
    pub(super) fn no_room(&mut self, command: &str) -> Vec<Effect> {
        let direct = matches!(self.current().map(|c| &c.target), Some(Target::User(_)));
        self.error(commands::no_room(command, direct));
        Vec::new()
    }

    /// The answer to a change asked of the server.
    pub(super) fn on_changed(
        &mut self,
        room: &RoomName,
        change: &RoomChange,
        result: Result<(), Failure>,
    ) -> Vec<Effect> {
        if let Err(failure) = result {
            if matches!(change, RoomChange::Decline) && failure.code == "no_such_room" {
                self.invitations.retain(|i| &i.room != room);
            }
            self.error(format!("/{} {room}: {}", change.command(), failure.message));
            return Vec::new();
        }
        match change {
            RoomChange::Decline => {
                self.invitations.retain(|i| &i.room != room);
                self.info(format!("declined the invitation to {room}"));
            }
            RoomChange::Delete => {
                let (known, effects) = self.forget_room(room);
                if known {
                    self.info(format!("deleted {room}"));
                }
                return effects;
            }
            other => self.info(done_text(room, other)),
        }
        Vec::new()
    }

    /// The answer to `/create`: the room made, which the reader is now in, is shown at
    /// once, ahead of the event that says so.
    pub(super) fn on_created(
        &mut self,
        room: &RoomName,
        result: Result<RoomSummary, Failure>,
    ) -> Vec<Effect> {
        let summary = match result {
            Ok(summary) => summary,
            Err(failure) => {
                self.error(format!("/create {room}: {}", failure.message));
                return Vec::new();
            }
        };
        self.entered(&summary);
        let kind = if summary.private {
            "private room"
        } else {
            "room"
        };
        let target = Target::Room(summary.name.clone());
        self.info_about(&target, format!("created the {kind} {}", summary.name));
        let index = self.open(target);
        self.show(index)
    }

    /// A list of rooms from the server: what it says of the reader's rooms is kept, so
    /// that a room joined from another device learns whether it is private, and its topic.
    pub(super) fn take_room_facts(&mut self, rooms: &[RoomSummary]) {
        for room in rooms {
            if self.position(&Target::Room(room.name.clone())).is_some() {
                self.rooms.insert(room.name.clone(), room.clone());
            }
        }
    }
}

/// What a change did, said to the one who asked for it.
fn done_text(room: &RoomName, change: &RoomChange) -> String {
    match change {
        RoomChange::Invite(user) => format!("invited {user} to {room}"),
        RoomChange::Kick { user, .. } => format!("removed {user} from {room}"),
        RoomChange::Ban { user, .. } => format!("banned {user} from {room}"),
        RoomChange::Unban(user) => format!("unbanned {user} in {room}"),
        RoomChange::SetRole {
            user,
            role: Role::Owner,
        } => format!("{user} now owns {room}; you are an admin"),
        RoomChange::SetRole { user, role } => {
            format!(
                "{user} is now {} of {room}",
                room_event::with_article(*role)
            )
        }
        RoomChange::Rename(to) => format!("renamed {room} to {to}"),
        RoomChange::SetTopic(topic) if topic.is_empty() => format!("cleared the topic of {room}"),
        RoomChange::SetTopic(_) => format!("set the topic of {room}"),
        RoomChange::Decline | RoomChange::Delete => {
            format!("/{} {room}: done", change.command())
        }
    }
}
