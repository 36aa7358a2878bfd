//! Reads, run on the pool's read-only connections.

use chat_proto::{Body, Invitation, Message, MessageId, Role, RoomName, Target, UserName};
use rusqlite::{Connection, OptionalExtension, params};

use rusqlite::types::Type;

use super::files::StoredFile;
use super::ops::Destination;
use super::{ConversationId, StoreError, UserId};

/// What a password login needs.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: UserId,
    pub password_hash: String,
}

/// A room and its members, as loaded at startup.
#[derive(Debug, Clone)]
pub struct RoomRecord {
    pub name: RoomName,
    pub id: ConversationId,
    pub private: bool,
    pub topic: String,
    pub members: Vec<(UserName, Role)>,
}

/// What a login needs to tell the client where to resume.
#[derive(Debug, Clone)]
pub struct LoginState {
    /// Peers of the user's direct conversations.
    pub direct_peers: Vec<UserName>,
    /// Newest message id when the user was last offline.
    pub seen_mark: MessageId,
    /// Newest message id now.
    pub newest: MessageId,
    /// Invitations the user has not answered.
    pub invitations: Vec<Invitation>,
    /// Kicks and bans of the user since `seen_mark`.
    pub removals: Vec<Message>,
}

/// How much one page may hold: a count the client asked for, and bytes that keep the reply
/// well inside one frame.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub messages: u16,
    pub bytes: usize,
}

impl Budget {
    /// Half a frame: the rest of a reply is small, and the estimate is generous.
    pub const PAGE_BYTES: usize = chat_proto::MAX_FRAME_LEN / 2;

    pub fn messages(messages: u16) -> Self {
        Self {
            messages,
            bytes: Self::PAGE_BYTES,
        }
    }
}

/// Names are validated when written, so a bad one read back is corruption.
pub(super) fn parse_name<T: std::str::FromStr>(raw: &str) -> rusqlite::Result<T> {
    raw.parse()
        .map_err(|_| rusqlite::Error::InvalidColumnName(format!("invalid name {raw:?}")))
}

pub fn credentials(conn: &Connection, name: &UserName) -> Result<Option<Credentials>, StoreError> {
    let found = conn
        .query_row(
            "SELECT id, password_hash FROM users WHERE name = ?1",
            [name.as_str()],
            |row| {
                Ok(Credentials {
                    user: UserId(row.get(0)?),
                    password_hash: row.get(1)?,
                })
            },
        )
        .optional()?;
    Ok(found)
}

pub fn user_by_token(
    conn: &Connection,
    hash: &[u8; 32],
) -> Result<Option<(UserId, UserName)>, StoreError> {
    let found = conn
        .query_row(
            "SELECT u.id, u.name FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1",
            [hash],
            |row| Ok((UserId(row.get(0)?), parse_name(&row.get::<_, String>(1)?)?)),
        )
        .optional()?;
    Ok(found)
}

pub fn user_id(conn: &Connection, name: &UserName) -> Result<Option<UserId>, StoreError> {
    let found = conn
        .query_row(
            "SELECT id FROM users WHERE name = ?1",
            [name.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(found.map(UserId))
}

pub fn rooms(conn: &Connection) -> Result<Vec<RoomRecord>, StoreError> {
    let mut rooms: Vec<RoomRecord> = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT c.id, c.room, c.private, c.topic, u.name, m.role FROM conversations c
         LEFT JOIN members m ON m.conversation_id = c.id
         LEFT JOIN users u ON u.id = m.user_id
         WHERE c.room IS NOT NULL ORDER BY c.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id = ConversationId(row.get(0)?);
        if rooms.last().is_none_or(|room| room.id != id) {
            rooms.push(RoomRecord {
                name: parse_name(&row.get::<_, String>(1)?)?,
                id,
                private: row.get(2)?,
                topic: row.get(3)?,
                members: Vec::new(),
            });
        }
        if let Some(member) = row.get::<_, Option<String>>(4)? {
            let role = super::rooms::role_column(row, 5)?;
            rooms
                .last_mut()
                .expect("pushed above")
                .members
                .push((parse_name(&member)?, role));
        }
    }
    Ok(rooms)
}

pub fn login_state(conn: &Connection, user: UserId) -> Result<LoginState, StoreError> {
    let seen_mark: i64 = conn.query_row(
        "SELECT seen_mark FROM users WHERE id = ?1",
        [user.0],
        |row| row.get(0),
    )?;
    let newest: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM messages", [], |row| {
        row.get(0)
    })?;
    let mut stmt = conn.prepare(
        "SELECT u.name FROM conversations c
         JOIN users u ON u.id = CASE WHEN c.user_a = ?1 THEN c.user_b ELSE c.user_a END
         WHERE c.user_a = ?1 OR c.user_b = ?1",
    )?;
    let direct_peers = stmt
        .query_map([user.0], |row| parse_name(&row.get::<_, String>(0)?))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT c.room, u.name FROM invitations i
         JOIN conversations c ON c.id = i.conversation_id
         JOIN users u ON u.id = i.by_id
         WHERE i.user_id = ?1 ORDER BY i.created_ms",
    )?;
    let invitations = stmt
        .query_map([user.0], |row| {
            Ok(Invitation {
                room: parse_name(&row.get::<_, String>(0)?)?,
                by: parse_name(&row.get::<_, String>(1)?)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(LoginState {
        direct_peers,
        seen_mark: MessageId(seen_mark as u64),
        newest: MessageId(newest as u64),
        invitations,
        removals: removals_since(conn, user, seen_mark)?,
    })
}

/// Most removals a login reports; more than this many in one absence is abuse, and the
/// rooms are gone from the login's list regardless.
const MAX_REMOVALS: i64 = 50;

/// The newest kicks and bans of `user` after message `after`, oldest first.
fn removals_since(conn: &Connection, user: UserId, after: i64) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT m.id, u.name, m.body, m.ts_ms, m.kind, c.room FROM removals r
         JOIN messages m ON m.id = r.message_id
         JOIN users u ON u.id = m.sender_id
         JOIN conversations c ON c.id = m.conversation_id
         WHERE r.user_id = ?1 AND r.message_id > ?2
         ORDER BY r.message_id DESC LIMIT ?3",
    )?;
    let mut removals = stmt
        .query_map(params![user.0, after, MAX_REMOVALS], |row| {
            let room: RoomName = parse_name(&row.get::<_, String>(5)?)?;
            message_from_row(row, &Target::Room(room))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    removals.reverse();
    Ok(removals)
}

/// Ids are stored as SQLite's signed integers; none above `i64::MAX` exists.
fn sql_id(id: MessageId) -> i64 {
    i64::try_from(id.0).unwrap_or(i64::MAX)
}

/// Keeps the longest prefix of `messages` whose text fits in `max_bytes` (always at least
/// one message, which is far below the frame limit on its own); true when it cut any.
fn fit(messages: &mut Vec<Message>, max_bytes: usize) -> bool {
    let mut used = 0;
    let fitting = messages
        .iter()
        .position(|m| {
            used += message_bytes(m);
            used > max_bytes
        })
        .map_or(messages.len(), |over| over.max(1));
    let cut = fitting < messages.len();
    messages.truncate(fitting);
    cut
}

/// A generous estimate of a message's encoded size.
pub fn message_bytes(message: &Message) -> usize {
    const FIXED: usize = 64;
    let body = match &message.body {
        Body::Text(text) => text.len(),
        // The longest event: a topic, or a reason and a name.
        Body::Event(_) => chat_proto::MAX_TOPIC_LEN + chat_proto::names::MAX_ROOM_NAME * 2,
        Body::File(file) => file.name.len() + file.media_type.len() + 64,
    };
    FIXED + body + message.from.as_str().len() + chat_proto::names::MAX_ROOM_NAME
}

pub fn page_before(
    conn: &Connection,
    destination: &Destination,
    before: Option<MessageId>,
    limit: Budget,
) -> Result<(Vec<Message>, bool), StoreError> {
    let Some(conversation) = destination.conversation(conn, false)? else {
        return Ok((Vec::new(), true));
    };
    let before = before.map_or(i64::MAX, sql_id);
    // One row more than asked tells whether older messages remain.
    let mut messages = select(
        conn,
        destination,
        "WHERE m.conversation_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3",
        params![conversation.0, before, i64::from(limit.messages) + 1],
    )?;
    let mut complete = messages.len() <= usize::from(limit.messages);
    messages.truncate(usize::from(limit.messages));
    if fit(&mut messages, limit.bytes) {
        complete = false;
    }
    messages.reverse();
    Ok((messages, complete))
}

/// Messages after `after`, and whether more remain than fitted in the budget.
pub fn page_after(
    conn: &Connection,
    destination: &Destination,
    after: MessageId,
    limit: Budget,
) -> Result<(Vec<Message>, bool), StoreError> {
    let Some(conversation) = destination.conversation(conn, false)? else {
        return Ok((Vec::new(), false));
    };
    let mut messages = select(
        conn,
        destination,
        "WHERE m.conversation_id = ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3",
        params![conversation.0, sql_id(after), i64::from(limit.messages) + 1],
    )?;
    let mut more = messages.len() > usize::from(limit.messages);
    messages.truncate(usize::from(limit.messages));
    more |= fit(&mut messages, limit.bytes);
    Ok((messages, more))
}

fn select(
    conn: &Connection,
    destination: &Destination,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "SELECT m.id, u.name, m.body, m.ts_ms, m.kind FROM messages m
         JOIN users u ON u.id = m.sender_id {filter}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, |row| {
        let from: UserName = parse_name(&row.get::<_, String>(1)?)?;
        message_from_row(row, &destination.target_from(&from))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A message from a row whose first five columns are its id, sender name, body, time and
/// kind.
fn message_from_row(row: &rusqlite::Row<'_>, to: &Target) -> rusqlite::Result<Message> {
    let id = MessageId(row.get::<_, i64>(0)? as u64);
    let text: String = row.get(2)?;
    let corrupt = |err: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(2, Type::Text, err.into())
    };
    let body = match row.get::<_, i64>(4)? {
        0 => Body::Text(text),
        2 => {
            let stored: StoredFile = serde_json::from_str(&text).map_err(corrupt)?;
            Body::File(stored.into_info(id))
        }
        _ => Body::Event(serde_json::from_str(&text).map_err(corrupt)?),
    };
    Ok(Message {
        id,
        to: to.clone(),
        from: parse_name(&row.get::<_, String>(1)?)?,
        body,
        ts_ms: row.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::{Target, UserName};

    fn message(len: usize) -> Message {
        let from = UserName::new("alice").unwrap();
        Message {
            id: MessageId(1),
            to: Target::User(from.clone()),
            from,
            body: Body::Text("x".repeat(len)),
            ts_ms: 0,
        }
    }

    #[test]
    fn a_page_is_cut_to_its_byte_budget_but_keeps_one_message() {
        let mut messages = vec![message(100), message(100), message(100)];
        let two = message_bytes(&messages[0]) * 2;
        assert!(fit(&mut messages, two));
        assert_eq!(messages.len(), 2);
        assert!(!fit(&mut messages, two));

        let mut huge = vec![message(4096)];
        assert!(!fit(&mut huge, 10));
        assert_eq!(huge.len(), 1);
    }
}
