//! Live state: rooms and their members, and who is online on which sessions.
//!
//! The hub learns of changes from the store's writer thread, after they are committed and
//! in commit order ([`CommitListener`]), and fans them out at once. Each event is encoded
//! once and the same bytes go to every recipient's queue. A queue that is full belongs to a
//! client that stopped reading: that session is told to close (it can resume later) rather
//! than let it slow the room or grow the server's memory.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use bytes::Bytes;
use chat_proto::{
    ErrorCode, Event, Member, Message, RoomName, RoomSummary, ServerFrame, Target, UserName, codec,
};

use crate::outbound::Outbound;
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
    members: BTreeSet<UserName>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomName, Room>,
    /// Each user's rooms: the reverse of `Room::members`.
    memberships: HashMap<UserName, BTreeSet<RoomName>>,
    online: HashMap<UserName, Vec<SessionHandle>>,
}

/// Why a request about a room was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomAccess {
    NoSuchRoom,
    NotMember,
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
            for member in &record.members {
                state
                    .memberships
                    .entry(member.clone())
                    .or_default()
                    .insert(record.name.clone());
            }
            let members = record.members.into_iter().collect();
            state.rooms.insert(
                record.name,
                Room {
                    id: record.id,
                    members,
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

    /// The room's id when `user` may act in it.
    pub fn member_room(
        &self,
        room: &RoomName,
        user: &UserName,
    ) -> Result<ConversationId, RoomAccess> {
        let state = self.state();
        let found = state.rooms.get(room).ok_or(RoomAccess::NoSuchRoom)?;
        if found.members.contains(user) {
            Ok(found.id)
        } else {
            Err(RoomAccess::NotMember)
        }
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
        if members.is_some_and(|members| members.contains(user)) {
            return Ok(());
        }
        if state.memberships.get(user).map_or(0, BTreeSet::len) >= max_rooms {
            return Err(ErrorCode::TooManyRooms {
                limit: max_rooms as u32,
            });
        }
        if members.map_or(0, BTreeSet::len) >= max_members {
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

    /// Every room, by name.
    pub fn all_rooms(&self) -> Vec<RoomSummary> {
        let state = self.state();
        let mut rooms: Vec<_> = state
            .rooms
            .iter()
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

    /// The room's members, online ones first, each group by name.
    pub fn members(&self, room: &RoomName) -> Vec<Member> {
        let state = self.state();
        let Some(found) = state.rooms.get(room) else {
            return Vec::new();
        };
        let mut members: Vec<Member> = found
            .members
            .iter()
            .map(|user| Member {
                user: user.clone(),
                online: state.online.contains_key(user),
            })
            .collect();
        members.sort_by_key(|member| !member.online);
        members
    }
}

fn summary(name: &RoomName, room: &Room) -> RoomSummary {
    RoomSummary {
        name: name.clone(),
        members: room.members.len() as u32,
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
        for member in &found.members {
            push_to(state, member, frame);
        }
    }
}

/// Tells everyone who shares a room with `user` that they came or went.
fn announce_presence(state: &State, user: &UserName, online: bool) {
    let mut peers = BTreeSet::new();
    for room in state.memberships.get(user).into_iter().flatten() {
        if let Some(found) = state.rooms.get(room) {
            peers.extend(found.members.iter().filter(|member| *member != user));
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
        let state = self.state();
        match &message.to {
            Target::Room(room) => push_to_room(&state, room, &frame),
            Target::User(recipient) => {
                push_to(&state, recipient, &frame);
                if *recipient != message.from {
                    push_to(&state, &message.from, &frame);
                }
            }
        }
    }

    fn joined(&self, room: &RoomName, id: ConversationId, user: &UserName) {
        let mut state = self.state();
        state
            .rooms
            .entry(room.clone())
            .or_insert_with(|| Room {
                id,
                members: BTreeSet::new(),
            })
            .members
            .insert(user.clone());
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
        if let Some(found) = state.rooms.get_mut(room) {
            found.members.remove(user);
        }
        if let Some(rooms) = state.memberships.get_mut(user) {
            rooms.remove(room);
        }
    }
}
