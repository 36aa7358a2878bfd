//! Writes that change rooms: joining and leaving, and everything owners and admins do.
//!
//! Each checks the caller's standing inside the transaction that makes the change, against
//! [`crate::permissions`], so that a decision always sees every change committed before
//! it. A change that others should know of is stored as a room event message, which the
//! hub fans out after the commit and which history keeps.

use chat_proto::{
    Body, ErrorCode, ErrorReply, Message, MessageId, Role, RoomEvent, RoomName, Target, UserName,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::ops::{Op, latest_in};
use super::queries::user_id;
use super::{CommitListener, ConversationId, StoreError, UserId, now_ms};
use crate::permissions::{self, Action, Standing};

/// A room's row.
struct RoomRow {
    id: ConversationId,
    private: bool,
}

fn find_room(conn: &Connection, room: &RoomName) -> Result<Option<RoomRow>, StoreError> {
    let found = conn
        .query_row(
            "SELECT id, private FROM conversations WHERE room = ?1",
            [room.as_str()],
            |row| {
                Ok(RoomRow {
                    id: ConversationId(row.get(0)?),
                    private: row.get(1)?,
                })
            },
        )
        .optional()?;
    Ok(found)
}

fn role_from_sql(value: i64) -> rusqlite::Result<Role> {
    match value {
        0 => Ok(Role::Owner),
        1 => Ok(Role::Admin),
        2 => Ok(Role::Member),
        other => Err(rusqlite::Error::IntegralValueOutOfRange(0, other)),
    }
}

pub(super) fn role_to_sql(role: Role) -> i64 {
    match role {
        Role::Owner => 0,
        Role::Admin => 1,
        Role::Member => 2,
    }
}

pub(super) fn role_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Role> {
    role_from_sql(row.get(index)?)
}

/// The user's relation to the room: a ban outweighs a pending invitation.
fn standing(conn: &Connection, room: ConversationId, user: UserId) -> Result<Standing, StoreError> {
    let role = conn
        .prepare_cached("SELECT role FROM members WHERE conversation_id = ?1 AND user_id = ?2")?
        .query_row([room.0, user.0], |row| role_column(row, 0))
        .optional()?;
    if let Some(role) = role {
        return Ok(Standing::Member(role));
    }
    let listed = |sql: &str| -> Result<bool, StoreError> {
        Ok(conn
            .prepare_cached(sql)?
            .query_row([room.0, user.0], |_| Ok(()))
            .optional()?
            .is_some())
    };
    Ok(
        if listed("SELECT 1 FROM bans WHERE conversation_id = ?1 AND user_id = ?2")? {
            Standing::Banned
        } else if listed("SELECT 1 FROM invitations WHERE conversation_id = ?1 AND user_id = ?2")? {
            Standing::Invited
        } else {
            Standing::Outsider
        },
    )
}

fn withdraw_invitation(
    conn: &Connection,
    room: ConversationId,
    user: UserId,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM invitations WHERE conversation_id = ?1 AND user_id = ?2",
        [room.0, user.0],
    )?;
    Ok(())
}

fn remove_member(conn: &Connection, room: ConversationId, user: UserId) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2",
        [room.0, user.0],
    )?;
    Ok(())
}

fn refuse(err: ErrorReply) -> StoreError {
    StoreError::Refused(err)
}

fn invalid(why: impl Into<String>) -> StoreError {
    refuse(ErrorReply::new(ErrorCode::InvalidRequest, why))
}

/// Stores a room event sent by `actor`, addressed to the room as it is now named.
fn record(
    conn: &Connection,
    room: ConversationId,
    name: &RoomName,
    actor: (UserId, &UserName),
    event: RoomEvent,
) -> Result<Message, StoreError> {
    let body = serde_json::to_string(&event)
        .map_err(|err| StoreError::Commit(format!("cannot encode a room event: {err}")))?;
    let ts_ms = now_ms();
    conn.execute(
        "INSERT INTO messages (conversation_id, sender_id, client_id, body, ts_ms, kind)
         VALUES (?1, ?2, 0, ?3, ?4, 1)",
        params![room.0, actor.0.0, body, ts_ms],
    )?;
    Ok(Message {
        id: MessageId(conn.last_insert_rowid() as u64),
        to: Target::Room(name.clone()),
        from: actor.1.clone(),
        body: Body::Event(event),
        ts_ms,
    })
}

fn add_member(
    conn: &Connection,
    room: ConversationId,
    user: UserId,
    role: Role,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO members (conversation_id, user_id, joined_ms, role) VALUES (?1, ?2, ?3, ?4)",
        params![room.0, user.0, now_ms(), role_to_sql(role)],
    )?;
    withdraw_invitation(conn, room, user)
}

/// Whether the room has an owner. Only a room left empty before roles existed has none.
fn has_owner(conn: &Connection, room: ConversationId) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM members WHERE conversation_id = ?1 AND role = 0",
            [room.0],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// How a join treats a room that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinMode {
    /// Join, creating a public room when there is none.
    JoinOrCreate,
    /// Create; refused when the name is taken.
    Create { private: bool },
    /// Accept an invitation.
    Accept,
}

pub struct Join {
    pub user: UserId,
    pub name: UserName,
    pub room: RoomName,
    pub mode: JoinMode,
}

/// The outcome of a join.
#[derive(Debug, Clone)]
pub struct JoinedRoom {
    pub conversation: ConversationId,
    pub role: Role,
    pub private: bool,
    /// The user was not a member before.
    pub newly_joined: bool,
    /// The room's creation, when this join created it.
    pub created: Option<Message>,
    /// The room's newest message, as a resume point for the new member.
    pub latest: MessageId,
}

impl Join {
    fn create(&self, conn: &Connection, private: bool) -> Result<JoinedRoom, StoreError> {
        conn.execute(
            "INSERT INTO conversations (room, created_ms, private) VALUES (?1, ?2, ?3)",
            params![self.room.as_str(), now_ms(), private],
        )?;
        let conversation = ConversationId(conn.last_insert_rowid());
        add_member(conn, conversation, self.user, Role::Owner)?;
        let actor = (self.user, &self.name);
        let created = record(
            conn,
            conversation,
            &self.room,
            actor,
            RoomEvent::Created { private },
        )?;
        Ok(JoinedRoom {
            conversation,
            role: Role::Owner,
            private,
            newly_joined: true,
            latest: created.id,
            created: Some(created),
        })
    }
}

impl Op for Join {
    type Output = JoinedRoom;

    fn apply(&self, conn: &Connection) -> Result<JoinedRoom, StoreError> {
        let found = find_room(conn, &self.room)?;
        let room = match (found, self.mode) {
            (None, JoinMode::JoinOrCreate) => return self.create(conn, false),
            (None, JoinMode::Create { private }) => return self.create(conn, private),
            (None, JoinMode::Accept) => return Err(StoreError::NoSuchRoom),
            (Some(_), JoinMode::Create { .. }) => {
                return Err(refuse(ErrorCode::RoomExists.into()));
            }
            (Some(room), _) => room,
        };
        let action = match self.mode {
            JoinMode::Accept => Action::Answer,
            _ => Action::Join,
        };
        let standing = standing(conn, room.id, self.user)?;
        permissions::check(action, standing, room.private).map_err(refuse)?;
        let (role, newly_joined) = if let Standing::Member(role) = standing {
            (role, false)
        } else {
            // The first to join a room that has no owner becomes it, so that no room stays
            // without one.
            let role = if has_owner(conn, room.id)? {
                Role::Member
            } else {
                Role::Owner
            };
            add_member(conn, room.id, self.user, role)?;
            (role, true)
        };
        Ok(JoinedRoom {
            conversation: room.id,
            role,
            private: room.private,
            newly_joined,
            created: None,
            latest: latest_in(conn, room.id)?,
        })
    }

    fn publish(&self, joined: &JoinedRoom, listener: &dyn CommitListener) {
        if joined.newly_joined {
            listener.joined(
                &self.room,
                joined.conversation,
                &self.name,
                joined.role,
                joined.private,
            );
        }
        if let Some(created) = &joined.created {
            listener.message(created);
        }
    }
}

pub struct Leave {
    pub user: UserId,
    pub name: UserName,
    pub room: RoomName,
}

impl Op for Leave {
    type Output = ();

    fn apply(&self, conn: &Connection) -> Result<(), StoreError> {
        let room = find_room(conn, &self.room)?.ok_or(StoreError::NoSuchRoom)?;
        let standing = standing(conn, room.id, self.user)?;
        permissions::check(Action::Leave, standing, room.private).map_err(refuse)?;
        remove_member(conn, room.id, self.user)
    }

    fn publish(&self, (): &(), listener: &dyn CommitListener) {
        listener.left(&self.room, &self.name);
    }
}

/// What an owner or admin (or, for `Decline`, an invitee) does to a room.
#[derive(Debug, Clone)]
pub enum Change {
    Decline,
    /// Invites a user, unless they have `max_pending` invitations already.
    Invite {
        user: UserName,
        max_pending: usize,
    },
    Kick {
        user: UserName,
        reason: String,
    },
    Ban {
        user: UserName,
        reason: String,
    },
    Unban(UserName),
    SetRole {
        user: UserName,
        role: Role,
    },
    Rename(RoomName),
    SetTopic(String),
    Delete,
}

impl Change {
    fn action(&self) -> Action {
        match self {
            Self::Decline => Action::Answer,
            Self::Invite { .. } => Action::Invite,
            Self::Kick { .. } => Action::Kick,
            Self::Ban { .. } => Action::Ban,
            Self::Unban(_) => Action::Unban,
            Self::SetRole {
                role: Role::Owner, ..
            } => Action::Transfer,
            Self::SetRole {
                role: Role::Admin, ..
            } => Action::Promote,
            Self::SetRole {
                role: Role::Member, ..
            } => Action::Demote,
            Self::Rename(_) => Action::Rename,
            Self::SetTopic(_) => Action::SetTopic,
            Self::Delete => Action::Delete,
        }
    }
}

pub struct Manage {
    pub actor: UserId,
    pub actor_name: UserName,
    pub room: RoomName,
    pub change: Change,
}

/// What a change did, for the hub to pass on.
#[derive(Debug, Clone, Default)]
pub struct Managed {
    /// The room events recorded, in order.
    pub events: Vec<Message>,
    pub deleted: bool,
}

/// The room and the actor, while a change is applied.
struct Context<'a> {
    conn: &'a Connection,
    room: ConversationId,
    name: &'a RoomName,
    actor: (UserId, &'a UserName),
    standing: Standing,
}

impl Context<'_> {
    fn record(&self, event: RoomEvent) -> Result<Message, StoreError> {
        record(self.conn, self.room, self.name, self.actor, event)
    }

    /// The target's id and standing; an unknown name is an error.
    fn target(&self, user: &UserName) -> Result<(UserId, Standing), StoreError> {
        let id = user_id(self.conn, user)?.ok_or_else(|| refuse(ErrorCode::UnknownUser.into()))?;
        Ok((id, standing(self.conn, self.room, id)?))
    }

    fn set_role(&self, user: UserId, role: Role) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE members SET role = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
            params![self.room.0, user.0, role_to_sql(role)],
        )?;
        Ok(())
    }

    /// Whether the actor outranks someone holding `target`.
    fn may_act_on(&self, target: Role) -> Result<(), StoreError> {
        match self.standing {
            Standing::Member(role) => permissions::may_act_on(role, target).map_err(refuse),
            _ => Err(refuse(ErrorReply::new(
                ErrorCode::Forbidden,
                "only members act on members",
            ))),
        }
    }

    /// Removes a member by a kick or a ban, recording the event as their removal so that
    /// they are told of it at their next login if they are away.
    fn remove(&self, user: UserId, event: RoomEvent) -> Result<Managed, StoreError> {
        remove_member(self.conn, self.room, user)?;
        let message = self.record(event)?;
        self.conn.execute(
            "INSERT INTO removals (user_id, message_id) VALUES (?1, ?2)",
            params![user.0, message.id.0 as i64],
        )?;
        Ok(Managed::one(message))
    }
}

impl Op for Manage {
    type Output = Managed;

    fn apply(&self, conn: &Connection) -> Result<Managed, StoreError> {
        let room = find_room(conn, &self.room)?.ok_or(StoreError::NoSuchRoom)?;
        let standing = standing(conn, room.id, self.actor)?;
        permissions::check(self.change.action(), standing, room.private).map_err(refuse)?;
        let context = Context {
            conn,
            room: room.id,
            name: &self.room,
            actor: (self.actor, &self.actor_name),
            standing,
        };
        apply_change(&context, &self.change)
    }

    fn publish(&self, managed: &Managed, listener: &dyn CommitListener) {
        for event in &managed.events {
            listener.message(event);
        }
        if managed.deleted {
            listener.deleted(&self.room, &self.actor_name);
        }
    }
}

impl Managed {
    fn one(event: Message) -> Self {
        Self {
            events: vec![event],
            deleted: false,
        }
    }
}

fn apply_change(cx: &Context<'_>, change: &Change) -> Result<Managed, StoreError> {
    match change {
        Change::Decline => {
            withdraw_invitation(cx.conn, cx.room, cx.actor.0)?;
            Ok(Managed::one(cx.record(RoomEvent::Declined)?))
        }
        Change::Invite { user, max_pending } => invite(cx, user, *max_pending),
        Change::Kick { user, reason } => kick(cx, user, reason),
        Change::Ban { user, reason } => ban(cx, user, reason),
        Change::Unban(user) => {
            let (id, standing) = cx.target(user)?;
            if standing != Standing::Banned {
                return Err(invalid(format!("{user} is not banned")));
            }
            cx.conn.execute(
                "DELETE FROM bans WHERE conversation_id = ?1 AND user_id = ?2",
                [cx.room.0, id.0],
            )?;
            Ok(Managed::one(
                cx.record(RoomEvent::Unbanned { user: user.clone() })?,
            ))
        }
        Change::SetRole { user, role } => set_role(cx, user, *role),
        Change::Rename(to) => rename(cx, to),
        Change::SetTopic(topic) => {
            cx.conn.execute(
                "UPDATE conversations SET topic = ?2 WHERE id = ?1",
                params![cx.room.0, topic],
            )?;
            Ok(Managed::one(cx.record(RoomEvent::TopicChanged {
                topic: topic.clone(),
            })?))
        }
        Change::Delete => {
            cx.conn
                .execute("DELETE FROM conversations WHERE id = ?1", [cx.room.0])?;
            Ok(Managed {
                events: Vec::new(),
                deleted: true,
            })
        }
    }
}

/// Invites an outsider; inviting someone already invited changes nothing.
fn invite(cx: &Context<'_>, user: &UserName, max_pending: usize) -> Result<Managed, StoreError> {
    match cx.target(user)? {
        (_, Standing::Member(_)) => Err(invalid(format!("{user} is a member already"))),
        (_, Standing::Banned) => Err(invalid(format!("{user} is banned: unban them first"))),
        (_, Standing::Invited) => Ok(Managed::default()),
        (id, Standing::Outsider) => {
            let pending: i64 = cx.conn.query_row(
                "SELECT COUNT(*) FROM invitations WHERE user_id = ?1",
                [id.0],
                |row| row.get(0),
            )?;
            if usize::try_from(pending).unwrap_or(usize::MAX) >= max_pending {
                return Err(invalid(format!(
                    "{user} has {max_pending} invitations pending, the most allowed"
                )));
            }
            cx.conn.execute(
                "INSERT INTO invitations (conversation_id, user_id, by_id, created_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![cx.room.0, id.0, cx.actor.0.0, now_ms()],
            )?;
            Ok(Managed::one(
                cx.record(RoomEvent::Invited { user: user.clone() })?,
            ))
        }
    }
}

fn kick(cx: &Context<'_>, user: &UserName, reason: &str) -> Result<Managed, StoreError> {
    let (id, standing) = cx.target(user)?;
    let Standing::Member(role) = standing else {
        return Err(invalid(format!("{user} is not a member")));
    };
    cx.may_act_on(role)?;
    cx.remove(
        id,
        RoomEvent::Kicked {
            user: user.clone(),
            reason: reason.to_owned(),
        },
    )
}

/// Bans a member (removing them), an invitee (withdrawing the invitation) or anyone else.
fn ban(cx: &Context<'_>, user: &UserName, reason: &str) -> Result<Managed, StoreError> {
    let (id, standing) = cx.target(user)?;
    match standing {
        Standing::Banned => return Err(invalid(format!("{user} is banned already"))),
        Standing::Member(role) => cx.may_act_on(role)?,
        Standing::Invited | Standing::Outsider => {}
    }
    withdraw_invitation(cx.conn, cx.room, id)?;
    cx.conn.execute(
        "INSERT INTO bans (conversation_id, user_id, by_id, reason, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![cx.room.0, id.0, cx.actor.0.0, reason, now_ms()],
    )?;
    let event = RoomEvent::Banned {
        user: user.clone(),
        reason: reason.to_owned(),
    };
    if matches!(standing, Standing::Member(_)) {
        cx.remove(id, event)
    } else {
        Ok(Managed::one(cx.record(event)?))
    }
}

fn rename(cx: &Context<'_>, to: &RoomName) -> Result<Managed, StoreError> {
    if find_room(cx.conn, to)?.is_some() {
        return Err(refuse(ErrorCode::RoomExists.into()));
    }
    cx.conn.execute(
        "UPDATE conversations SET room = ?2 WHERE id = ?1",
        params![cx.room.0, to.as_str()],
    )?;
    let renamed = Context { name: to, ..*cx };
    Ok(Managed::one(renamed.record(RoomEvent::Renamed {
        from: cx.name.clone(),
        to: to.clone(),
    })?))
}

/// Promotes, demotes, or hands ownership on, in which case the old owner becomes an admin.
fn set_role(cx: &Context<'_>, user: &UserName, role: Role) -> Result<Managed, StoreError> {
    let (id, standing) = cx.target(user)?;
    let Standing::Member(current) = standing else {
        return Err(invalid(format!("{user} is not a member")));
    };
    if current == role {
        return Err(invalid(format!(
            "{user} is a room {} already",
            role.as_str()
        )));
    }
    if role != Role::Owner {
        cx.may_act_on(current)?;
    }
    cx.set_role(id, role)?;
    let mut managed = Managed::one(cx.record(RoomEvent::RoleChanged {
        user: user.clone(),
        role,
    })?);
    if role == Role::Owner {
        cx.set_role(cx.actor.0, Role::Admin)?;
        managed.events.push(cx.record(RoomEvent::RoleChanged {
            user: cx.actor.1.clone(),
            role: Role::Admin,
        })?);
    }
    Ok(managed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, name, password_hash, created_ms) VALUES
                 (1, 'alice', '', 0), (2, 'bob', '', 0);
             INSERT INTO conversations (id, room, created_ms) VALUES (1, 'empty', 0);",
        )
        .unwrap();
        conn
    }

    fn join(user: i64, name: &str) -> Join {
        Join {
            user: UserId(user),
            name: UserName::new(name).unwrap(),
            room: RoomName::new("empty").unwrap(),
            mode: JoinMode::JoinOrCreate,
        }
    }

    #[test]
    fn the_first_to_join_a_room_without_an_owner_becomes_it() {
        let conn = store();
        assert_eq!(join(1, "alice").apply(&conn).unwrap().role, Role::Owner);
        assert_eq!(join(2, "bob").apply(&conn).unwrap().role, Role::Member);
    }
}
