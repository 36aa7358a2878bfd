//! The writes the store performs, each one step of a group-committed transaction.
//!
//! An [`Op`] runs inside the batch's transaction under its own savepoint, so that one
//! failing write (a taken name, say) is rolled back alone; once the batch has committed,
//! [`Op::publish`] tells the listener what changed.

use chat_proto::{Body, ClientMsgId, Message, MessageId, RoomName, Target, UserName};
use rusqlite::{Connection, OptionalExtension, params};

use super::{CommitListener, ConversationId, StoreError, UserId, now_ms};
use crate::permissions::{self, Action, Standing};

/// One kind of write.
pub trait Op: Send + 'static {
    type Output: Send + 'static;

    fn apply(&self, conn: &Connection) -> Result<Self::Output, StoreError>;

    /// Announces a committed change; most writes have nothing to announce.
    fn publish(&self, _output: &Self::Output, _listener: &dyn CommitListener) {}
}

pub struct CreateUser {
    pub name: UserName,
    pub password_hash: String,
}

impl Op for CreateUser {
    type Output = UserId;

    fn apply(&self, conn: &Connection) -> Result<UserId, StoreError> {
        let inserted = conn.execute(
            "INSERT INTO users (name, password_hash, created_ms, seen_mark)
             VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(id), 0) FROM messages))
             ON CONFLICT (name) DO NOTHING",
            params![self.name.as_str(), self.password_hash, now_ms()],
        )?;
        if inserted == 0 {
            return Err(StoreError::NameTaken);
        }
        Ok(UserId(conn.last_insert_rowid()))
    }
}

pub struct AddToken {
    pub user: UserId,
    pub token_hash: [u8; 32],
}

impl Op for AddToken {
    type Output = ();

    fn apply(&self, conn: &Connection) -> Result<(), StoreError> {
        conn.execute(
            "INSERT INTO tokens (hash, user_id, created_ms) VALUES (?1, ?2, ?3)",
            params![self.token_hash, self.user.0, now_ms()],
        )?;
        Ok(())
    }
}

pub struct MarkSeen {
    pub user: UserId,
}

impl Op for MarkSeen {
    type Output = ();

    fn apply(&self, conn: &Connection) -> Result<(), StoreError> {
        conn.execute(
            "UPDATE users SET seen_mark = (SELECT COALESCE(MAX(id), 0) FROM messages)
             WHERE id = ?1",
            [self.user.0],
        )?;
        Ok(())
    }
}

/// Where a message goes, or which conversation a page is read from.
#[derive(Debug, Clone)]
pub enum Destination {
    Room {
        id: ConversationId,
        name: RoomName,
    },
    /// The direct conversation of `me` with `peer`.
    Direct {
        me: UserId,
        me_name: UserName,
        peer: UserId,
        peer_name: UserName,
    },
}

impl Destination {
    /// The target of a message in this conversation sent by `from`.
    pub(super) fn target_from(&self, from: &UserName) -> Target {
        match self {
            Self::Room { name, .. } => Target::Room(name.clone()),
            Self::Direct {
                me_name, peer_name, ..
            } if from == me_name => Target::User(peer_name.clone()),
            Self::Direct { me_name, .. } => Target::User(me_name.clone()),
        }
    }

    /// The conversation's id; a direct conversation is created on first use when `create`.
    pub(super) fn conversation(
        &self,
        conn: &Connection,
        create: bool,
    ) -> Result<Option<ConversationId>, StoreError> {
        let (me, peer) = match self {
            Self::Room { id, .. } => return Ok(Some(*id)),
            Self::Direct { me, peer, .. } => (me.0, peer.0),
        };
        let (a, b) = (me.min(peer), me.max(peer));
        if create {
            conn.execute(
                "INSERT INTO conversations (user_a, user_b, created_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_a, user_b) DO NOTHING",
                params![a, b, now_ms()],
            )?;
        }
        let id = conn
            .query_row(
                "SELECT id FROM conversations WHERE user_a = ?1 AND user_b = ?2",
                [a, b],
                |row| row.get(0),
            )
            .optional()?;
        Ok(id.map(ConversationId))
    }
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub sender: UserId,
    pub from: UserName,
    pub destination: Destination,
    pub client_id: ClientMsgId,
    pub text: String,
}

/// A stored message, or the earlier one with the same client id.
#[derive(Debug, Clone)]
pub struct Appended {
    pub message: Message,
    pub duplicate: bool,
}

impl Op for NewMessage {
    type Output = Appended;

    fn apply(&self, conn: &Connection) -> Result<Appended, StoreError> {
        let (conversation, to) = self.checked_destination(conn)?;
        // The client id is stored as the same 64 bits, signed, as SQLite integers are.
        let client_id = self.client_id.0 as i64;
        // Statements on this path are prepared once per connection and cached: preparing
        // them for every message cost more than running them.
        let earlier = conn
            .prepare_cached(
                "SELECT id, ts_ms, body, kind FROM messages
                 WHERE sender_id = ?1 AND client_id = ?2 AND kind IN (0, 2)",
            )?
            .query_row(params![self.sender.0, client_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .optional()?;
        if let Some((_, _, _, kind)) = earlier
            && kind != 0
        {
            return Err(StoreError::Refused(chat_proto::ErrorReply::new(
                chat_proto::ErrorCode::InvalidRequest,
                "that client id was used for a file",
            )));
        }
        if let Some((id, ts_ms, text, _)) = earlier {
            let message = self.message(to, MessageId(id as u64), ts_ms, text);
            return Ok(Appended {
                message,
                duplicate: true,
            });
        }
        let ts_ms = now_ms();
        conn.prepare_cached(
            "INSERT INTO messages (conversation_id, sender_id, client_id, body, ts_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            conversation.0,
            self.sender.0,
            client_id,
            self.text,
            ts_ms
        ])?;
        let id = MessageId(conn.last_insert_rowid() as u64);
        Ok(Appended {
            message: self.message(to, id, ts_ms, self.text.clone()),
            duplicate: false,
        })
    }

    fn publish(&self, appended: &Appended, listener: &dyn CommitListener) {
        if !appended.duplicate {
            listener.message(&appended.message);
        }
    }
}

impl NewMessage {
    /// The conversation and the message's target as of this commit. A room's membership is
    /// checked again here, in commit order, so that a message sent as its sender is being
    /// removed cannot land after the removal; and its name is read again, in case the room
    /// was renamed since the request arrived.
    fn checked_destination(
        &self,
        conn: &Connection,
    ) -> Result<(ConversationId, Target), StoreError> {
        let Destination::Room { id, .. } = &self.destination else {
            let conversation = self
                .destination
                .conversation(conn, true)?
                .ok_or(StoreError::NoSuchRoom)?;
            return Ok((conversation, self.destination.target_from(&self.from)));
        };
        let name: Option<String> = conn
            .prepare_cached(
                "SELECT c.room FROM members m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.conversation_id = ?1 AND m.user_id = ?2",
            )?
            .query_row(params![id.0, self.sender.0], |row| row.get(0))
            .optional()?;
        let name = name.ok_or_else(|| {
            StoreError::Refused(permissions::refusal(
                Action::Send,
                Standing::Outsider,
                false,
            ))
        })?;
        let name = super::queries::parse_name(&name)?;
        Ok((*id, Target::Room(name)))
    }

    fn message(&self, to: Target, id: MessageId, ts_ms: i64, text: String) -> Message {
        Message {
            id,
            to,
            from: self.from.clone(),
            body: Body::Text(text),
            ts_ms,
        }
    }
}

pub(super) fn latest_in(
    conn: &Connection,
    conversation: ConversationId,
) -> Result<MessageId, StoreError> {
    let id: i64 = conn.query_row(
        "SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ?1",
        [conversation.0],
        |row| row.get(0),
    )?;
    Ok(MessageId(id as u64))
}
