//! Live state: rooms and their members, and who is online on which sessions.
//!
//! The hub learns of changes from the store's writer thread, after they are committed and
//! in commit order ([`CommitListener`]), and fans them out at once. Each event is encoded
//! once and the same bytes go to every recipient's queue. A queue that is full belongs to a
//! client that stopped reading: that session is told to close (it can resume later) rather
//! than let it slow the room or grow the server's memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use bytes::Bytes;
use chat_proto::{
    ErrorCode, ErrorReply, Event, Invitation, Member, Message, Role, RoomEvent, RoomName,
    RoomSummary, ServerFrame, Target, UserName, codec,
};

use crate::outbound::Outbound;
use crate::permissions::{self, Action, Standing};
use crate::store::{CommitListener, ConversationId, RoomRecord};

/// Identifies one connection of a user.
pub type SessionId = u64;

/// How the hub reaches one logged-in connection.
#[derive(Clone)]
pub struct SessionHandle {
    pub id: SessionId,
    pub outbound: Outbound,
}

#[derive(Debug)]
struct Room {
    id: ConversationId,
    members: BTreeMap<UserName, Role>,
    private: bool,
    topic: String,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomName, Room>,
    /// Each user's rooms: the reverse of `Room::members`.
    memberships: HashMap<UserName, BTreeSet<RoomName>>,
    online: HashMap<UserName, Vec<SessionHandle>>,
}

/// The shared live state.
///
/// One mutex guards it: every operation is a few map look-ups and non-blocking queue
/// pushes, and none awaits while holding it.
#[derive(Default)]
pub struct Hub {
    state: Mutex<State>,
}

impl Hub {
    /// Adds the rooms loaded from the store.
    pub fn load(&self, rooms: Vec<RoomRecord>) {
        let mut state = self.state();
        for record in rooms {
            for (member, _) in &record.members {
                state
                    .memberships
                    .entry(member.clone())
                    .or_default()
                    .insert(record.name.clone());
            }
            state.rooms.insert(
                record.name,
                Room {
                    id: record.id,
                    members: record.members.into_iter().collect(),
                    private: record.private,
                    topic: record.topic,
                },
            );
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves maps that are still consistent enough to
        // serve: every update is a single insert or remove.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a session; the user's first session announces them online.
    pub fn connect(&self, user: &UserName, session: SessionHandle) {
        let mut state = self.state();
        let sessions = state.online.entry(user.clone()).or_default();
        sessions.push(session);
        if sessions.len() == 1 {
            announce_presence(&state, user, true);
        }
    }

    /// Whether `session` is the only one `user` has online.
    pub fn is_last_session(&self, user: &UserName, session: SessionId) -> bool {
        let state = self.state();
        state
            .online
            .get(user)
            .is_some_and(|sessions| sessions.iter().all(|s| s.id == session))
    }

    /// Removes a session; the user's last one announces them offline.
    pub fn disconnect(&self, user: &UserName, session: SessionId) {
        let mut state = self.state();
        let Some(sessions) = state.online.get_mut(user) else {
            return;
        };
        sessions.retain(|s| s.id != session);
        if sessions.is_empty() {
            state.online.remove(user);
            announce_presence(&state, user, false);
        }
    }

    /// The room's id when `user` may read it or send to it, as [`permissions`] rules.
    ///
    /// The hub knows members only, so anyone else stands here as an outsider: for reading
    /// and sending, invitees and the banned are refused just the same.
    pub fn access(
        &self,
        room: &RoomName,
        user: &UserName,
        action: Action,
    ) -> Result<ConversationId, ErrorReply> {
        let state = self.state();
        let found = state.rooms.get(room).ok_or(ErrorCode::NoSuchRoom)?;
        let standing = found
            .members
            .get(user)
            .map_or(Standing::Outsider, |role| Standing::Member(*role));
        permissions::check(action, standing, found.private)?;
        Ok(found.id)
    }

    /// Whether `user` may join `room` under the limits on rooms per user and members per
    /// room; joining a room one is already in always is. Checked when the request arrives,
    /// so simultaneous joins from several connections may overshoot a limit by a few.
    pub fn may_join(
        &self,
        room: &RoomName,
        user: &UserName,
        max_rooms: usize,
        max_members: usize,
    ) -> Result<(), ErrorCode> {
        let state = self.state();
        let members = state.rooms.get(room).map(|found| &found.members);
        if members.is_some_and(|members| members.contains_key(user)) {
            return Ok(());
        }
        if state.memberships.get(user).map_or(0, BTreeSet::len) >= max_rooms {
            return Err(ErrorCode::TooManyRooms {
                limit: max_rooms as u32,
            });
        }
        if members.map_or(0, BTreeMap::len) >= max_members {
            return Err(ErrorCode::RoomFull {
                limit: max_members as u32,
            });
        }
        Ok(())
    }

    pub fn room_summary(&self, room: &RoomName) -> Option<RoomSummary> {
        let state = self.state();
        state.rooms.get(room).map(|found| summary(room, found))
    }

    /// The rooms `user` may see: public ones and their own, by name.
    pub fn visible_rooms(&self, user: &UserName) -> Vec<RoomSummary> {
        let state = self.state();
        let mut rooms: Vec<_> = state
            .rooms
            .iter()
            .filter(|(_, room)| !room.private || room.members.contains_key(user))
            .map(|(name, room)| summary(name, room))
            .collect();
        rooms.sort_by(|a, b| a.name.cmp(&b.name));
        rooms
    }

    /// The user's rooms, by name.
    pub fn rooms_of(&self, user: &UserName) -> Vec<RoomSummary> {
        let state = self.state();
        let Some(names) = state.memberships.get(user) else {
            return Vec::new();
        };
        names
            .iter()
            .filter_map(|name| state.rooms.get(name).map(|room| summary(name, room)))
            .collect()
    }

    /// The room's members, online ones first, then by role, then by name.
    pub fn members(&self, room: &RoomName) -> Vec<Member> {
        let state = self.state();
        let Some(found) = state.rooms.get(room) else {
            return Vec::new();
        };
        let mut members: Vec<Member> = found
            .members
            .iter()
            .map(|(user, role)| Member {
                user: user.clone(),
                online: state.online.contains_key(user),
                role: *role,
            })
            .collect();
        members.sort_by_key(|member| (!member.online, member.role));
        members
    }
}

fn summary(name: &RoomName, room: &Room) -> RoomSummary {
    RoomSummary {
        name: name.clone(),
        members: room.members.len() as u32,
        private: room.private,
        topic: room.topic.clone(),
    }
}

fn encode_event(event: &Event) -> Option<Bytes> {
    // Events are built by the server from valid parts; failing to encode one is a bug, and
    // dropping it is better than taking the writer thread down.
    codec::encode(&ServerFrame::Event(event.clone()))
        .inspect_err(|err| tracing::error!(error = %err, "cannot encode event"))
        .ok()
}

fn push_to(state: &State, user: &UserName, frame: &Bytes) {
    for session in state.online.get(user).into_iter().flatten() {
        session.outbound.push(frame.clone());
    }
}

fn push_to_room(state: &State, room: &RoomName, frame: &Bytes) {
    if let Some(found) = state.rooms.get(room) {
        for member in found.members.keys() {
            push_to(state, member, frame);
        }
    }
}

fn push_event_to(state: &State, user: &UserName, event: &Event) {
    if let Some(frame) = encode_event(event) {
        push_to(state, user, &frame);
    }
}

impl State {
    fn remove_member(&mut self, room: &RoomName, user: &UserName) {
        if let Some(found) = self.rooms.get_mut(room) {
            found.members.remove(user);
        }
        if let Some(rooms) = self.memberships.get_mut(user) {
            rooms.remove(room);
        }
    }

    /// Applies what a room event changes that members are told before it reaches them.
    fn apply_before_delivery(&mut self, room: &RoomName, event: &RoomEvent) {
        match event {
            RoomEvent::Renamed { from, to } => {
                let Some(found) = self.rooms.remove(from) else {
                    return;
                };
                for member in found.members.keys() {
                    if let Some(rooms) = self.memberships.get_mut(member) {
                        rooms.remove(from);
                        rooms.insert(to.clone());
                    }
                }
                self.rooms.insert(to.clone(), found);
            }
            RoomEvent::RoleChanged { user, role } => {
                if let Some(held) = self
                    .rooms
                    .get_mut(room)
                    .and_then(|found| found.members.get_mut(user))
                {
                    *held = *role;
                }
            }
            RoomEvent::TopicChanged { topic } => {
                if let Some(found) = self.rooms.get_mut(room) {
                    found.topic.clone_from(topic);
                }
            }
            RoomEvent::Created { .. }
            | RoomEvent::Invited { .. }
            | RoomEvent::Declined
            | RoomEvent::Kicked { .. }
            | RoomEvent::Banned { .. }
            | RoomEvent::Unbanned { .. } => {}
        }
    }

    /// Applies what a room event changes after members, the one it concerns among them,
    /// have been told.
    fn apply_after_delivery(&mut self, room: &RoomName, event: &RoomEvent, by: &UserName) {
        if let Some(removed) = event.removes() {
            self.remove_member(room, removed);
        }
        if let RoomEvent::Invited { user } = event {
            let invitation = Invitation {
                room: room.clone(),
                by: by.clone(),
            };
            push_event_to(self, user, &Event::Invited(invitation));
        }
    }
}

/// Tells everyone who shares a room with `user` that they came or went.
fn announce_presence(state: &State, user: &UserName, online: bool) {
    let mut peers = BTreeSet::new();
    for room in state.memberships.get(user).into_iter().flatten() {
        if let Some(found) = state.rooms.get(room) {
            peers.extend(found.members.keys().filter(|member| *member != user));
        }
    }
    if peers.is_empty() {
        return;
    }
    let Some(frame) = encode_event(&Event::Presence {
        user: user.clone(),
        online,
    }) else {
        return;
    };
    for peer in peers {
        push_to(state, peer, &frame);
    }
}

impl CommitListener for Hub {
    fn message(&self, message: &Message) {
        let Some(frame) = encode_event(&Event::Message(message.clone())) else {
            return;
        };
        let mut state = self.state();
        match &message.to {
            Target::Room(room) => {
                if let Some(event) = message.event() {
                    state.apply_before_delivery(room, event);
                }
                push_to_room(&state, room, &frame);
                if let Some(event) = message.event() {
                    state.apply_after_delivery(room, event, &message.from);
                }
            }
            Target::User(recipient) => {
                push_to(&state, recipient, &frame);
                if *recipient != message.from {
                    push_to(&state, &message.from, &frame);
                }
            }
        }
    }

    fn joined(
        &self,
        room: &RoomName,
        id: ConversationId,
        user: &UserName,
        role: Role,
        private: bool,
    ) {
        let mut state = self.state();
        state
            .rooms
            .entry(room.clone())
            .or_insert_with(|| Room {
                id,
                members: BTreeMap::new(),
                private,
                topic: String::new(),
            })
            .members
            .insert(user.clone(), role);
        state
            .memberships
            .entry(user.clone())
            .or_default()
            .insert(room.clone());
        if let Some(frame) = encode_event(&Event::Joined {
            room: room.clone(),
            user: user.clone(),
        }) {
            push_to_room(&state, room, &frame);
        }
    }

    fn left(&self, room: &RoomName, user: &UserName) {
        let mut state = self.state();
        let frame = encode_event(&Event::Left {
            room: room.clone(),
            user: user.clone(),
        });
        // The leaver hears of it too, on every device, before they stop being a member.
        if let Some(frame) = &frame {
            push_to_room(&state, room, frame);
        }
        state.remove_member(room, user);
    }

    fn deleted(&self, room: &RoomName, by: &UserName) {
        let mut state = self.state();
        if let Some(frame) = encode_event(&Event::RoomDeleted {
            room: room.clone(),
            by: by.clone(),
        }) {
            push_to_room(&state, room, &frame);
        }
        if let Some(found) = state.rooms.remove(room) {
            for member in found.members.keys() {
                if let Some(rooms) = state.memberships.get_mut(member) {
                    rooms.remove(room);
                }
            }
        }
    }
}
