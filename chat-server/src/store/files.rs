//! Files in the database: unfinished uploads, and finished files posted as messages.
//!
//! The bytes live in the files directory (`crate::files`); the database holds what they
//! are and who may read them. A file's id is the id of the message that posted it.

use chat_proto::{
    Body, ClientMsgId, ErrorCode, ErrorReply, FileId, FileInfo, Message, MessageId, RoomName,
    Sha256, Target, UploadId, UserName,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::ops::{Destination, Op};
use super::queries::parse_name;
use super::{CommitListener, ConversationId, StoreError, UserId, now_ms};
use crate::permissions::{self, Action, Standing};

/// Most unfinished uploads one user may have, so that the partial files held open for
/// them stay few.
const MAX_UNFINISHED_UPLOADS: i64 = 16;

/// A file's details as a message body stores them; its id is the message's.
#[derive(Serialize, Deserialize)]
pub(super) struct StoredFile {
    name: String,
    size: u64,
    media_type: String,
    sha256: [u8; 32],
}

impl StoredFile {
    pub(super) fn into_info(self, id: MessageId) -> FileInfo {
        FileInfo {
            id: FileId(id.0),
            name: self.name,
            size: self.size,
            media_type: self.media_type,
            sha256: Sha256(self.sha256),
        }
    }
}

/// An unfinished upload.
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub id: UploadId,
    pub user: UserId,
    pub conversation: ConversationId,
    pub client_id: ClientMsgId,
    pub name: String,
    pub size: u64,
    pub media_type: String,
    pub sha256: Sha256,
}

fn refuse(code: ErrorCode, why: Option<String>) -> StoreError {
    StoreError::Refused(match why {
        Some(why) => ErrorReply::new(code, why),
        None => code.into(),
    })
}

/// Starts an upload, or finds the same one started before, within the size limits.
pub struct StartUpload {
    pub user: UserId,
    pub destination: Destination,
    pub client_id: ClientMsgId,
    pub name: String,
    pub size: u64,
    pub media_type: String,
    pub sha256: Sha256,
    pub max_file: u64,
    pub quota: u64,
}

impl StartUpload {
    /// Bytes of the user's files and unfinished uploads, this one left out.
    fn used(&self, conn: &Connection, conversation: ConversationId) -> Result<u64, StoreError> {
        let used: i64 = conn.query_row(
            "SELECT (SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader_id = ?1)
                  + (SELECT COALESCE(SUM(size), 0) FROM uploads WHERE user_id = ?1
                     AND NOT (conversation_id = ?2 AND sha256 = ?3 AND size = ?4))",
            params![self.user.0, conversation.0, self.sha256.0, self.size as i64],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(used).unwrap_or(0))
    }
}

impl Op for StartUpload {
    type Output = UploadRow;

    fn apply(&self, conn: &Connection) -> Result<UploadRow, StoreError> {
        if self.size > self.max_file {
            return Err(refuse(
                ErrorCode::FileTooLarge {
                    limit: self.max_file,
                },
                None,
            ));
        }
        let conversation = self
            .destination
            .conversation(conn, true)?
            .ok_or(StoreError::NoSuchRoom)?;
        if self.used(conn, conversation)?.saturating_add(self.size) > self.quota {
            return Err(refuse(ErrorCode::QuotaExceeded { limit: self.quota }, None));
        }
        let existing = conn
            .query_row(
                "SELECT id FROM uploads
                 WHERE user_id = ?1 AND conversation_id = ?2 AND sha256 = ?3 AND size = ?4",
                params![self.user.0, conversation.0, self.sha256.0, self.size as i64],
                |row| row.get::<_, i64>(0),
            )
            .optional()?;
        let id = if let Some(id) = existing {
            id
        } else {
            let unfinished: i64 = conn.query_row(
                "SELECT COUNT(*) FROM uploads WHERE user_id = ?1",
                [self.user.0],
                |row| row.get(0),
            )?;
            if unfinished >= MAX_UNFINISHED_UPLOADS {
                return Err(refuse(
                    ErrorCode::InvalidRequest,
                    Some(format!(
                        "{MAX_UNFINISHED_UPLOADS} uploads are unfinished: finish or cancel one"
                    )),
                ));
            }
            conn.execute(
                "INSERT INTO uploads (user_id, conversation_id, client_id, name, size,
                     media_type, sha256, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    self.user.0,
                    conversation.0,
                    self.client_id.0 as i64,
                    self.name,
                    self.size as i64,
                    self.media_type,
                    self.sha256.0,
                    now_ms()
                ],
            )?;
            conn.last_insert_rowid()
        };
        Ok(UploadRow {
            id: UploadId(id as u64),
            user: self.user,
            conversation,
            client_id: self.client_id,
            name: self.name.clone(),
            size: self.size,
            media_type: self.media_type.clone(),
            sha256: self.sha256,
        })
    }
}

/// Posts a finished upload, whose bytes are in place, as a message.
pub struct PostFile {
    pub upload: UploadRow,
    pub from: UserName,
}

/// The target a message in `conversation` from `sender` is addressed to, as of now; for a
/// room, only while the sender is a member.
fn target_of(
    conn: &Connection,
    conversation: ConversationId,
    sender: UserId,
) -> Result<Target, StoreError> {
    let (room, a, b): (Option<String>, Option<i64>, Option<i64>) = conn.query_row(
        "SELECT room, user_a, user_b FROM conversations WHERE id = ?1",
        [conversation.0],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    if let Some(room) = room {
        let member = conn
            .query_row(
                "SELECT 1 FROM members WHERE conversation_id = ?1 AND user_id = ?2",
                [conversation.0, sender.0],
                |_| Ok(()),
            )
            .optional()?;
        if member.is_none() {
            let refusal = permissions::refusal(Action::Send, Standing::Outsider, false);
            return Err(StoreError::Refused(refusal));
        }
        return Ok(Target::Room(parse_name::<RoomName>(&room)?));
    }
    let peer = if a == Some(sender.0) { b } else { a };
    let peer: String = conn.query_row(
        "SELECT name FROM users WHERE id = ?1",
        [peer.unwrap_or_default()],
        |row| row.get(0),
    )?;
    Ok(Target::User(parse_name(&peer)?))
}

impl Op for PostFile {
    type Output = super::Appended;

    fn apply(&self, conn: &Connection) -> Result<super::Appended, StoreError> {
        let upload = &self.upload;
        let to = target_of(conn, upload.conversation, upload.user)?;
        let stored = StoredFile {
            name: upload.name.clone(),
            size: upload.size,
            media_type: upload.media_type.clone(),
            sha256: upload.sha256.0,
        };
        let earlier = conn
            .query_row(
                "SELECT id, ts_ms FROM messages
                 WHERE sender_id = ?1 AND client_id = ?2 AND kind IN (0, 2)",
                params![upload.user.0, upload.client_id.0 as i64],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
            )
            .optional()?;
        let (id, ts_ms, duplicate) = if let Some((id, ts_ms)) = earlier {
            (MessageId(id as u64), ts_ms, true)
        } else {
            let body = serde_json::to_string(&stored)
                .map_err(|err| StoreError::Commit(format!("cannot encode a file: {err}")))?;
            let ts_ms = now_ms();
            conn.execute(
                "INSERT INTO messages (conversation_id, sender_id, client_id, body, ts_ms, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, 2)",
                params![
                    upload.conversation.0,
                    upload.user.0,
                    upload.client_id.0 as i64,
                    body,
                    ts_ms
                ],
            )?;
            let id = conn.last_insert_rowid();
            conn.execute(
                "INSERT INTO files (message_id, uploader_id, size, sha256) VALUES (?1, ?2, ?3, ?4)",
                params![id, upload.user.0, upload.size as i64, upload.sha256.0],
            )?;
            (MessageId(id as u64), ts_ms, false)
        };
        conn.execute("DELETE FROM uploads WHERE id = ?1", [upload.id.0 as i64])?;
        Ok(super::Appended {
            message: Message {
                id,
                to,
                from: self.from.clone(),
                body: Body::File(stored.into_info(id)),
                ts_ms,
            },
            duplicate,
        })
    }

    fn publish(&self, appended: &super::Appended, listener: &dyn CommitListener) {
        if !appended.duplicate {
            listener.message(&appended.message);
        }
    }
}

/// Forgets an unfinished upload; its partial bytes are the caller's to delete.
pub struct DropUpload {
    pub id: UploadId,
}

impl Op for DropUpload {
    type Output = ();

    fn apply(&self, conn: &Connection) -> Result<(), StoreError> {
        conn.execute("DELETE FROM uploads WHERE id = ?1", [self.id.0 as i64])?;
        Ok(())
    }
}

/// Forgets uploads started before `before_ms`, returning their ids.
pub struct ExpireUploads {
    pub before_ms: i64,
}

impl Op for ExpireUploads {
    type Output = Vec<UploadId>;

    fn apply(&self, conn: &Connection) -> Result<Vec<UploadId>, StoreError> {
        let mut stmt = conn.prepare("DELETE FROM uploads WHERE created_ms < ?1 RETURNING id")?;
        let ids = stmt
            .query_map([self.before_ms], |row| row.get::<_, i64>(0))?
            .map(|id| id.map(|id| UploadId(id as u64)))
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }
}

pub fn upload(conn: &Connection, id: UploadId) -> Result<Option<UploadRow>, StoreError> {
    let row = conn
        .query_row(
            "SELECT user_id, conversation_id, client_id, name, size, media_type, sha256
             FROM uploads WHERE id = ?1",
            [id.0 as i64],
            |row| {
                Ok(UploadRow {
                    id,
                    user: UserId(row.get(0)?),
                    conversation: ConversationId(row.get(1)?),
                    client_id: ClientMsgId(row.get::<_, i64>(2)? as u64),
                    name: row.get(3)?,
                    size: row.get::<_, i64>(4)? as u64,
                    media_type: row.get(5)?,
                    sha256: Sha256(row.get(6)?),
                })
            },
        )
        .optional()?;
    Ok(row)
}

/// Every unfinished upload's id, to find partial files that nothing refers to.
pub fn upload_ids(conn: &Connection) -> Result<Vec<UploadId>, StoreError> {
    let mut stmt = conn.prepare("SELECT id FROM uploads")?;
    let ids = stmt
        .query_map([], |row| row.get::<_, i64>(0))?
        .map(|id| id.map(|id| UploadId(id as u64)))
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// The checksums of every finished file.
pub fn checksums(conn: &Connection) -> Result<std::collections::HashSet<[u8; 32]>, StoreError> {
    let mut stmt = conn.prepare("SELECT DISTINCT sha256 FROM files")?;
    let sums = stmt
        .query_map([], |row| row.get::<_, [u8; 32]>(0))?
        .collect::<Result<_, _>>()?;
    Ok(sums)
}

/// Whether a finished file has these bytes.
pub fn known_content(conn: &Connection, sha256: Sha256, size: u64) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM files WHERE sha256 = ?1 AND size = ?2 LIMIT 1",
            params![sha256.0, size as i64],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// A file and where it was posted.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub info: FileInfo,
    pub room: Option<RoomName>,
    /// For a direct conversation, its two people.
    pub people: (Option<UserId>, Option<UserId>),
}

pub fn file(conn: &Connection, id: FileId) -> Result<Option<FileRow>, StoreError> {
    let row = conn
        .query_row(
            "SELECT m.body, c.room, c.user_a, c.user_b FROM files f
             JOIN messages m ON m.id = f.message_id
             JOIN conversations c ON c.id = m.conversation_id
             WHERE f.message_id = ?1",
            [i64::try_from(id.0).unwrap_or(-1)],
            |row| {
                let stored: StoredFile =
                    serde_json::from_str(&row.get::<_, String>(0)?).map_err(|err| {
                        rusqlite::Error::FromSqlConversionFailure(
                            0,
                            rusqlite::types::Type::Text,
                            err.into(),
                        )
                    })?;
                let room = row
                    .get::<_, Option<String>>(1)?
                    .map(|room| parse_name(&room))
                    .transpose()?;
                Ok(FileRow {
                    info: stored.into_info(MessageId(id.0)),
                    room,
                    people: (
                        row.get::<_, Option<i64>>(2)?.map(UserId),
                        row.get::<_, Option<i64>>(3)?.map(UserId),
                    ),
                })
            },
        )
        .optional()?;
    Ok(row)
}
