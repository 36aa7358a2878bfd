//! Reads, run on the pool's read-only connections.

use chat_proto::{Message, MessageId, RoomName, UserName};
use rusqlite::{Connection, OptionalExtension, params};

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
    pub members: Vec<UserName>,
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
}

/// Names are validated when written, so a bad one read back is corruption.
fn parse_name<T: std::str::FromStr>(raw: &str) -> rusqlite::Result<T> {
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
        "SELECT c.id, c.room, u.name FROM conversations c
         LEFT JOIN members m ON m.conversation_id = c.id
         LEFT JOIN users u ON u.id = m.user_id
         WHERE c.room IS NOT NULL ORDER BY c.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id = ConversationId(row.get(0)?);
        if rooms.last().is_none_or(|room| room.id != id) {
            let name = parse_name(&row.get::<_, String>(1)?)?;
            rooms.push(RoomRecord {
                name,
                id,
                members: Vec::new(),
            });
        }
        if let Some(member) = row.get::<_, Option<String>>(2)? {
            rooms
                .last_mut()
                .expect("pushed above")
                .members
                .push(parse_name(&member)?);
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
    Ok(LoginState {
        direct_peers,
        seen_mark: MessageId(seen_mark as u64),
        newest: MessageId(newest as u64),
    })
}

pub fn page_before(
    conn: &Connection,
    destination: &Destination,
    before: Option<MessageId>,
    limit: u16,
) -> Result<(Vec<Message>, bool), StoreError> {
    let Some(conversation) = destination.conversation(conn, false)? else {
        return Ok((Vec::new(), true));
    };
    let before = before.map_or(i64::MAX, |id| id.0 as i64);
    // One row more than asked tells whether older messages remain.
    let mut messages = select(
        conn,
        destination,
        "WHERE m.conversation_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3",
        params![conversation.0, before, i64::from(limit) + 1],
    )?;
    let complete = messages.len() <= usize::from(limit);
    messages.truncate(usize::from(limit));
    messages.reverse();
    Ok((messages, complete))
}

pub fn page_after(
    conn: &Connection,
    destination: &Destination,
    after: MessageId,
    limit: u16,
) -> Result<Vec<Message>, StoreError> {
    let Some(conversation) = destination.conversation(conn, false)? else {
        return Ok(Vec::new());
    };
    select(
        conn,
        destination,
        "WHERE m.conversation_id = ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3",
        params![conversation.0, after.0 as i64, limit],
    )
}

fn select(
    conn: &Connection,
    destination: &Destination,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "SELECT m.id, u.name, m.body, m.ts_ms FROM messages m
         JOIN users u ON u.id = m.sender_id {filter}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, |row| {
        let from: UserName = parse_name(&row.get::<_, String>(1)?)?;
        Ok(Message {
            id: MessageId(row.get::<_, i64>(0)? as u64),
            to: destination.target_from(&from),
            from,
            text: row.get(2)?,
            ts_ms: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
