//! The bookkeeping that makes a reconnect lose nothing and repeat nothing.
//!
//! [`Cursors`] remembers, per conversation, the last message handed to the application. Every
//! message on its way out passes [`Cursors::observe`], which lets through only ids above the
//! cursor: that one rule drops the overlap between a catch-up page and live events, and
//! between two connections.
//!
//! Room events move cursors too. A rename readdresses a room's whole history to its new
//! name, so the cursor follows it there. A room the user was removed from (kicked, banned)
//! or that was deleted loses its cursor, so that no later catch-up asks for it; a removal
//! leaves a mark instead, which keeps the removal and anything before it from being emitted
//! twice, and anything after it from being emitted at all, until the user is back in.
//!
//! Each login says which rooms the user is in: [`Cursors::resume`] takes that as the truth,
//! whatever this client saw before. A room rejoined from another device while this client
//! was away loses its mark, and a removal from it older than the login, replayed by the
//! catch-up or listed with the session, was undone by that rejoin and mutes nothing.
//!
//! [`CatchUp`] computes the points to resume from after a login, and [`Held`] keeps the live
//! events that arrive while the catch-up pages are still being fetched, so that they are
//! released after the older messages rather than before them.

use std::collections::{HashMap, VecDeque};

use chat_proto::{
    Event, Message, MessageId, ResumePoint, RoomEvent, RoomName, Session, Target, UserName,
};

/// The id of the last message emitted, per conversation as seen by this user.
#[derive(Debug)]
pub struct Cursors {
    me: UserName,
    last: HashMap<Target, MessageId>,
    /// Rooms the user was removed from, with the id of the removal.
    removed: HashMap<Target, MessageId>,
    /// The rooms the latest login found the user in, each with its point then (the room's
    /// newest message): a removal up to that point was followed by a rejoin.
    back_in: HashMap<Target, MessageId>,
}

impl Cursors {
    pub fn new(me: UserName) -> Self {
        Self {
            me,
            last: HashMap::new(),
            removed: HashMap::new(),
            back_in: HashMap::new(),
        }
    }

    /// Takes in a login: the user is in the rooms the session lists, whatever this client
    /// saw of them before (a removal, then a join from another device while it was away).
    pub fn resume(&mut self, session: &Session) {
        self.back_in.clear();
        for room in &session.rooms {
            let room = Target::Room(room.name.clone());
            self.removed.remove(&room);
            let point = session.conversations.iter().find(|p| p.target == room);
            if let Some(point) = point {
                self.back_in.insert(room, point.after);
            }
        }
    }

    /// Records a removal listed with the session, about to be emitted; like
    /// [`Cursors::observe`], returns its conversation when it is news.
    ///
    /// It is not when this client saw it live already (the room is marked, or its cursor
    /// is past it), nor when the user is back in the room since: the session lists removals
    /// since the user was last offline, which a client that only dropped its connection
    /// may have seen. Anything but a removal of this user is not news either.
    pub fn removal(&mut self, message: &Message) -> Option<Target> {
        if message.event().and_then(RoomEvent::removes) != Some(&self.me) {
            return None;
        }
        if self.undone(&self.conversation(message), message.id) {
            return None;
        }
        self.observe(message)
    }

    /// Whether a removal from `room` was followed by a rejoin before the latest login.
    fn undone(&self, room: &Target, removal: MessageId) -> bool {
        self.back_in
            .get(room)
            .is_some_and(|point| removal <= *point)
    }

    pub fn is_me(&self, user: &UserName) -> bool {
        *user == self.me
    }

    /// The conversation a message belongs to, named as this user sees it.
    pub fn conversation(&self, message: &Message) -> Target {
        message.to.seen_by(&self.me, &message.from)
    }

    /// Where a conversation stands, if any message of it was emitted.
    pub fn get(&self, conversation: &Target) -> Option<MessageId> {
        self.last.get(conversation).copied()
    }

    /// Moves a conversation's cursor up to `at`, if it is not there yet.
    ///
    /// For a room just joined: its messages up to `at` came before the user did, and the
    /// cursor makes a reconnect resume from the join rather than from the room's newest
    /// message at that later time, which would skip what was missed in between.
    pub fn start(&mut self, conversation: Target, at: MessageId) {
        self.removed.remove(&conversation);
        let last = self.last.entry(conversation).or_insert(at);
        *last = (*last).max(at);
    }

    /// The user is in `room` again (joined from another device, say): its messages count
    /// once more.
    pub fn rejoined(&mut self, room: &RoomName) {
        self.removed.remove(&Target::Room(room.clone()));
    }

    /// Forgets a room that no longer exists, with its cursor.
    pub fn forget(&mut self, room: &RoomName) {
        let room = Target::Room(room.clone());
        self.last.remove(&room);
        self.removed.remove(&room);
    }

    /// Whether the user was removed from `room` and has not come back.
    pub fn removed_from(&self, room: &RoomName) -> bool {
        self.removed.contains_key(&Target::Room(room.clone()))
    }

    /// Starts a conversation's cursor at the server's resume point, unless it has one.
    ///
    /// After a login every conversation the server names gets a cursor, even one where no
    /// message has arrived yet; otherwise a later reconnect would resume it from the server's
    /// point of that later time and skip what was sent in between.
    pub fn adopt(&mut self, point: &ResumePoint) {
        self.last.entry(point.target.clone()).or_insert(point.after);
    }

    /// Records a message that is about to be emitted.
    ///
    /// Returns its conversation when the message is new, and `None` when its id is not above
    /// the conversation's cursor, that is, when it was emitted already. A message of a
    /// conversation never seen before (a room joined after login) starts its cursor.
    ///
    /// A room event is applied to the cursors as it passes: see the module's doc.
    pub fn observe(&mut self, message: &Message) -> Option<Target> {
        let conversation = self.conversation(message);
        match message.event() {
            Some(RoomEvent::Renamed { from, .. }) => {
                self.follow_rename(&Target::Room(from.clone()), &conversation, message.id);
            }
            // A room made anew under a name the user was removed from is another room.
            Some(RoomEvent::Created { .. }) => {
                self.removed.remove(&conversation);
            }
            _ => {}
        }
        if self.removed.contains_key(&conversation) {
            return None;
        }
        match self.last.get_mut(&conversation) {
            Some(last) if message.id <= *last => return None,
            Some(last) => *last = message.id,
            None => {
                self.last.insert(conversation.clone(), message.id);
            }
        }
        if message.event().and_then(RoomEvent::removes) == Some(&self.me)
            && !self.undone(&conversation, message.id)
        {
            self.last.remove(&conversation);
            self.removed.insert(conversation.clone(), message.id);
        }
        Some(conversation)
    }

    /// Moves the cursor of a renamed room to its new name, where its history now is.
    ///
    /// Only a cursor below the rename's own id is moved: one at or above it belongs to
    /// another room of that name, or the rename was seen already.
    fn follow_rename(&mut self, from: &Target, to: &Target, at: MessageId) {
        if from == to || self.last.get(from).is_none_or(|last| *last >= at) {
            return;
        }
        if let Some(last) = self.last.remove(from) {
            self.removed.remove(to);
            self.last.insert(to.clone(), last);
        }
    }
}

/// The conversations to catch up on after one login, and where each resumes.
#[derive(Debug)]
pub struct CatchUp {
    /// Conversations in the order first heard of, so that requests are deterministic.
    order: Vec<Target>,
    server: HashMap<Target, MessageId>,
}

impl CatchUp {
    /// Starts from the points the server sent with the session.
    pub fn new(server_points: &[ResumePoint]) -> Self {
        let mut catch_up = Self {
            order: Vec::new(),
            server: HashMap::new(),
        };
        for point in server_points {
            if !catch_up.server.contains_key(&point.target) {
                catch_up.order.push(point.target.clone());
            }
            catch_up.server.insert(point.target.clone(), point.after);
        }
        catch_up
    }

    /// Notes a conversation seen in a catch-up page, so that the next request covers it.
    pub fn track(&mut self, conversation: &Target) {
        if !self.order.contains(conversation) {
            self.order.push(conversation.clone());
        }
    }

    /// The points for the next catch-up request.
    ///
    /// The client's own cursor wins over the server's point: after a reconnect it is the
    /// exact place the application stopped, while the server's point for a room is its
    /// newest message, which would skip what was missed while away. On a first login there
    /// are no cursors yet, and the server's points are used as they are.
    pub fn points(&self, cursors: &Cursors) -> Vec<ResumePoint> {
        self.order
            .iter()
            .filter_map(|target| {
                let after = cursors
                    .get(target)
                    .or_else(|| self.server.get(target).copied())?;
                Some(ResumePoint {
                    target: target.clone(),
                    after,
                })
            })
            .collect()
    }
}

/// The buffer for live events that arrive before catch-up is complete.
///
/// Bounded: a server that pushes more than `limit` events while the client is still
/// catching up makes the client drop the connection and start over, rather than grow
/// without end.
#[derive(Debug)]
pub struct Held {
    events: VecDeque<Event>,
    limit: usize,
}

/// The hold buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl Held {
    pub fn new(limit: usize) -> Self {
        Self {
            events: VecDeque::new(),
            limit,
        }
    }

    pub fn hold(&mut self, event: Event) -> Result<(), Overflow> {
        if self.events.len() >= self.limit {
            return Err(Overflow);
        }
        self.events.push_back(event);
        Ok(())
    }

    /// The held events, in arrival order.
    pub fn release(self) -> VecDeque<Event> {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::{Body, Page};

    fn user(name: &str) -> UserName {
        UserName::new(name).unwrap()
    }

    fn room(name: &str) -> Target {
        Target::Room(RoomName::new(name).unwrap())
    }

    fn msg(id: u64, to: Target, from: &str) -> Message {
        Message {
            id: MessageId(id),
            to,
            from: user(from),
            body: Body::Text(format!("m{id}")),
            ts_ms: 0,
        }
    }

    fn point(target: Target, after: u64) -> ResumePoint {
        ResumePoint {
            target,
            after: MessageId(after),
        }
    }

    #[test]
    fn adopting_a_server_point_never_moves_an_existing_cursor() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.adopt(&point(room("quiet"), 7));
        assert_eq!(cursors.get(&room("quiet")), Some(MessageId(7)));
        assert!(cursors.observe(&msg(9, room("busy"), "bob")).is_some());
        cursors.adopt(&point(room("busy"), 20));
        cursors.adopt(&point(room("quiet"), 30));
        assert_eq!(cursors.get(&room("busy")), Some(MessageId(9)));
        assert_eq!(cursors.get(&room("quiet")), Some(MessageId(7)));
    }

    /// Runs the catch-up sequence the way the connection task does: pages are fetched with
    /// the current points and emitted, live events are held meanwhile, and released last.
    /// Returns the ids emitted and the points of every request made.
    fn catch_up(
        cursors: &mut Cursors,
        server_points: &[ResumePoint],
        pages: Vec<(Page, Vec<Message>)>,
    ) -> (Vec<u64>, Vec<Vec<ResumePoint>>) {
        let mut plan = CatchUp::new(server_points);
        let mut held = Held::new(100);
        let mut emitted = Vec::new();
        let mut requests = Vec::new();
        for (page, live_during_request) in pages {
            requests.push(plan.points(cursors));
            for live in live_during_request {
                held.hold(Event::Message(live)).unwrap();
            }
            for message in page.messages {
                plan.track(&cursors.conversation(&message));
                if cursors.observe(&message).is_some() {
                    emitted.push(message.id.0);
                }
            }
        }
        for event in held.release() {
            if let Event::Message(message) = event
                && cursors.observe(&message).is_some()
            {
                emitted.push(message.id.0);
            }
        }
        (emitted, requests)
    }

    fn page(messages: Vec<Message>, complete: bool) -> Page {
        Page { messages, complete }
    }

    #[test]
    fn a_message_at_or_below_the_cursor_is_a_duplicate() {
        let mut cursors = Cursors::new(user("alice"));
        assert_eq!(cursors.observe(&msg(5, room("a"), "bob")), Some(room("a")));
        assert_eq!(cursors.observe(&msg(5, room("a"), "bob")), None);
        assert_eq!(cursors.observe(&msg(3, room("a"), "bob")), None);
        assert_eq!(cursors.observe(&msg(6, room("a"), "bob")), Some(room("a")));
        assert_eq!(cursors.get(&room("a")), Some(MessageId(6)));
    }

    #[test]
    fn conversations_have_separate_cursors() {
        let mut cursors = Cursors::new(user("alice"));
        assert!(cursors.observe(&msg(10, room("a"), "bob")).is_some());
        assert!(cursors.observe(&msg(4, room("b"), "bob")).is_some());
        assert!(
            cursors
                .observe(&msg(4, Target::User(user("alice")), "bob"))
                .is_some()
        );
    }

    #[test]
    fn both_directions_of_a_direct_conversation_share_one_cursor() {
        let mut cursors = Cursors::new(user("alice"));
        let to_alice = msg(7, Target::User(user("alice")), "bob");
        let to_bob = msg(8, Target::User(user("bob")), "alice");
        assert_eq!(cursors.observe(&to_alice), Some(Target::User(user("bob"))));
        assert_eq!(cursors.observe(&to_bob), Some(Target::User(user("bob"))));
        assert_eq!(cursors.observe(&to_alice), None);
    }

    #[test]
    fn first_login_resumes_from_the_server_points() {
        let mut cursors = Cursors::new(user("alice"));
        let points = [point(room("a"), 10), point(Target::User(user("bob")), 3)];
        let (_, requests) = catch_up(&mut cursors, &points, vec![(page(vec![], true), vec![])]);
        assert_eq!(requests, vec![points.to_vec()]);
    }

    #[test]
    fn on_reconnect_the_client_cursor_wins_over_the_server_point() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&msg(4, room("a"), "bob"));
        let points = [point(room("a"), 10), point(room("b"), 2)];
        let (emitted, requests) = catch_up(
            &mut cursors,
            &points,
            vec![(
                page(
                    vec![msg(5, room("a"), "bob"), msg(9, room("a"), "bob")],
                    true,
                ),
                vec![],
            )],
        );
        assert_eq!(requests[0], vec![point(room("a"), 4), point(room("b"), 2)]);
        assert_eq!(emitted, vec![5, 9]);
    }

    #[test]
    fn later_pages_resume_past_what_earlier_pages_delivered() {
        let mut cursors = Cursors::new(user("alice"));
        let points = [point(room("a"), 1)];
        let first = page(
            vec![msg(2, room("a"), "bob"), msg(3, room("b"), "bob")],
            false,
        );
        let second = page(vec![msg(4, room("a"), "bob")], true);
        let (emitted, requests) = catch_up(
            &mut cursors,
            &points,
            vec![(first, vec![]), (second, vec![])],
        );
        assert_eq!(emitted, vec![2, 3, 4]);
        assert_eq!(requests[1], vec![point(room("a"), 2), point(room("b"), 3)]);
    }

    #[test]
    fn a_live_message_newer_than_the_catch_up_comes_after_it_and_is_not_lost() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&msg(10, room("a"), "bob"));
        let points = [point(room("a"), 10)];
        let first = page(
            vec![msg(11, room("a"), "bob"), msg(12, room("a"), "bob")],
            false,
        );
        let second = page(vec![msg(13, room("a"), "bob")], true);
        let (emitted, _) = catch_up(
            &mut cursors,
            &points,
            vec![(first, vec![msg(14, room("a"), "carol")]), (second, vec![])],
        );
        assert_eq!(emitted, vec![11, 12, 13, 14]);
    }

    #[test]
    fn a_live_message_also_in_the_catch_up_is_emitted_once() {
        let mut cursors = Cursors::new(user("alice"));
        let points = [point(room("a"), 10)];
        let caught_up = page(
            vec![msg(11, room("a"), "bob"), msg(12, room("a"), "bob")],
            true,
        );
        let live = vec![msg(12, room("a"), "bob"), msg(13, room("a"), "bob")];
        let (emitted, _) = catch_up(&mut cursors, &points, vec![(caught_up, live)]);
        assert_eq!(emitted, vec![11, 12, 13]);
    }

    #[test]
    fn a_live_message_of_a_conversation_without_a_point_starts_its_cursor() {
        let mut cursors = Cursors::new(user("alice"));
        let live = vec![msg(3, room("new"), "bob"), msg(3, room("new"), "bob")];
        let (emitted, _) = catch_up(&mut cursors, &[], vec![(page(vec![], true), live)]);
        assert_eq!(emitted, vec![3]);
        assert_eq!(cursors.get(&room("new")), Some(MessageId(3)));
    }

    #[test]
    fn joining_a_room_starts_its_cursor_without_moving_it_back() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.start(room("a"), MessageId(7));
        assert_eq!(cursors.observe(&msg(7, room("a"), "bob")), None);
        assert!(cursors.observe(&msg(9, room("a"), "bob")).is_some());
        cursors.start(room("a"), MessageId(8));
        assert_eq!(cursors.get(&room("a")), Some(MessageId(9)));
    }

    #[test]
    fn the_hold_buffer_is_bounded() {
        let mut held = Held::new(2);
        let event = || Event::Presence {
            user: user("bob"),
            online: true,
        };
        assert_eq!(held.hold(event()), Ok(()));
        assert_eq!(held.hold(event()), Ok(()));
        assert_eq!(held.hold(event()), Err(Overflow));
        assert_eq!(held.release().len(), 2);
    }

    fn event(id: u64, to: Target, from: &str, event: RoomEvent) -> Message {
        Message {
            body: Body::Event(event),
            ..msg(id, to, from)
        }
    }

    fn renamed(id: u64, from: &str, to: &str) -> Message {
        let event = RoomEvent::Renamed {
            from: RoomName::new(from).unwrap(),
            to: RoomName::new(to).unwrap(),
        };
        self::event(id, room(to), "bob", event)
    }

    fn kicked(id: u64, room_name: &str, who: &str) -> Message {
        let event = RoomEvent::Kicked {
            user: user(who),
            reason: String::new(),
        };
        self::event(id, room(room_name), "bob", event)
    }

    #[test]
    fn a_rename_moves_the_cursor_to_the_new_name() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&msg(4, room("old"), "bob"));
        assert_eq!(
            cursors.observe(&renamed(9, "old", "new")),
            Some(room("new"))
        );
        assert_eq!(cursors.get(&room("old")), None);
        assert_eq!(cursors.get(&room("new")), Some(MessageId(9)));
        // The old messages, now addressed to the new name, are not emitted again.
        assert_eq!(cursors.observe(&msg(4, room("new"), "bob")), None);
        assert_eq!(cursors.observe(&renamed(9, "old", "new")), None);
    }

    #[test]
    fn a_rename_takes_the_old_cursor_over_a_stale_one_of_the_new_name() {
        let mut cursors = Cursors::new(user("alice"));
        // Ids come from one counter for all conversations. An earlier #new, left since and
        // then deleted, reached 6; #old, read up to 4, is renamed to #new at 9.
        cursors.observe(&msg(6, room("new"), "bob"));
        cursors.observe(&msg(4, room("old"), "bob"));
        cursors.follow_rename(&room("old"), &room("new"), MessageId(9));
        assert_eq!(cursors.get(&room("new")), Some(MessageId(4)));
        assert_eq!(cursors.get(&room("old")), None);
        assert_eq!(
            cursors.observe(&renamed(9, "old", "new")),
            Some(room("new"))
        );
        assert_eq!(cursors.get(&room("new")), Some(MessageId(9)));
    }

    #[test]
    fn a_cursor_at_or_past_a_rename_belongs_to_another_room() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&msg(20, room("old"), "bob"));
        cursors.observe(&renamed(9, "old", "new"));
        assert_eq!(cursors.get(&room("old")), Some(MessageId(20)));
    }

    #[test]
    fn removing_the_user_drops_the_cursor_and_what_follows() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&msg(4, room("a"), "bob"));
        assert_eq!(cursors.observe(&kicked(6, "a", "alice")), Some(room("a")));
        assert_eq!(cursors.get(&room("a")), None);
        assert!(cursors.removed_from(&RoomName::new("a").unwrap()));
        assert_eq!(
            cursors.observe(&kicked(6, "a", "alice")),
            None,
            "a duplicate"
        );
        assert_eq!(cursors.observe(&msg(7, room("a"), "bob")), None);

        // Back in, by a join of this client: the room counts again from the join.
        cursors.start(room("a"), MessageId(10));
        assert_eq!(cursors.observe(&msg(11, room("a"), "bob")), Some(room("a")));
    }

    #[test]
    fn removing_someone_else_keeps_the_cursor() {
        let mut cursors = Cursors::new(user("alice"));
        assert!(cursors.observe(&kicked(6, "a", "carol")).is_some());
        assert_eq!(cursors.get(&room("a")), Some(MessageId(6)));
        assert!(cursors.observe(&msg(7, room("a"), "bob")).is_some());
    }

    #[test]
    fn a_room_joined_elsewhere_or_made_anew_counts_again() {
        let a = RoomName::new("a").unwrap();
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&kicked(6, "a", "alice"));
        cursors.rejoined(&a);
        assert!(cursors.observe(&msg(8, room("a"), "bob")).is_some());

        cursors.observe(&kicked(9, "a", "alice"));
        let created = event(1, room("a"), "alice", RoomEvent::Created { private: false });
        assert!(cursors.observe(&created).is_some());
    }

    fn session(rooms: &[(&str, u64)]) -> Session {
        let summary = |name: &str| chat_proto::RoomSummary {
            name: RoomName::new(name).unwrap(),
            members: 2,
            private: false,
            topic: String::new(),
        };
        Session {
            user: user("alice"),
            token: String::new(),
            conversations: rooms.iter().map(|&(r, at)| point(room(r), at)).collect(),
            rooms: rooms.iter().map(|&(r, _)| summary(r)).collect(),
            invitations: vec![],
            removals: vec![],
        }
    }

    #[test]
    fn a_room_the_login_lists_counts_again_after_a_removal_seen_live() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&kicked(6, "a", "alice"));
        // Rejoined from another device while this client was away.
        cursors.resume(&session(&[("a", 40)]));
        cursors.adopt(&point(room("a"), 40));
        assert!(!cursors.removed_from(&RoomName::new("a").unwrap()));
        assert_eq!(cursors.observe(&msg(41, room("a"), "bob")), Some(room("a")));
    }

    #[test]
    fn a_removal_the_catch_up_replays_after_a_rejoin_mutes_nothing() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&msg(4, room("a"), "bob"));
        // Kicked at 10 and back in from another device before the login at 40.
        cursors.resume(&session(&[("a", 40)]));
        assert_eq!(cursors.observe(&kicked(10, "a", "alice")), Some(room("a")));
        assert_eq!(cursors.observe(&msg(20, room("a"), "bob")), Some(room("a")));
        assert_eq!(cursors.get(&room("a")), Some(MessageId(20)));

        // A removal after the login is one.
        assert!(cursors.observe(&kicked(45, "a", "alice")).is_some());
        assert_eq!(cursors.observe(&msg(46, room("a"), "bob")), None);
    }

    #[test]
    fn a_removal_listed_with_the_session_is_news_once() {
        let mut cursors = Cursors::new(user("alice"));
        cursors.resume(&session(&[]));
        assert_eq!(cursors.removal(&kicked(6, "a", "alice")), Some(room("a")));
        assert_eq!(cursors.removal(&kicked(6, "a", "alice")), None);
        assert_eq!(cursors.observe(&msg(7, room("a"), "bob")), None, "muted");
    }

    #[test]
    fn a_removal_listed_with_the_session_is_old_news_when_seen_or_undone() {
        let mut cursors = Cursors::new(user("alice"));
        // Seen live before the connection dropped.
        cursors.observe(&kicked(6, "a", "alice"));
        // Read past it: the user came back here, and left again without a removal.
        cursors.observe(&msg(12, room("c"), "bob"));
        cursors.resume(&session(&[("b", 40)]));
        assert_eq!(cursors.removal(&kicked(6, "a", "alice")), None);
        assert_eq!(cursors.removal(&kicked(9, "c", "alice")), None);
        // Back in from another device since.
        assert_eq!(cursors.removal(&kicked(30, "b", "alice")), None);
        assert_eq!(cursors.observe(&msg(41, room("b"), "bob")), Some(room("b")));
        // Not a removal of this user at all.
        assert_eq!(cursors.removal(&kicked(31, "d", "carol")), None);
        assert_eq!(cursors.removal(&msg(32, room("d"), "bob")), None);
        assert_eq!(cursors.get(&room("d")), None);
    }

    #[test]
    fn a_deleted_room_is_forgotten() {
        let a = RoomName::new("a").unwrap();
        let mut cursors = Cursors::new(user("alice"));
        cursors.observe(&msg(4, room("a"), "bob"));
        cursors.forget(&a);
        assert_eq!(cursors.get(&room("a")), None);
        assert!(!cursors.removed_from(&a));
    }

    #[test]
    fn duplicate_server_points_keep_one_entry() {
        let cursors = Cursors::new(user("alice"));
        let plan = CatchUp::new(&[point(room("a"), 1), point(room("a"), 5)]);
        assert_eq!(plan.points(&cursors), vec![point(room("a"), 5)]);
    }
}
