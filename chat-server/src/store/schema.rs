//! The database schema and its versioned migrations.
//!
//! `PRAGMA user_version` records how many migrations a database has had; opening it applies
//! the rest in order, each in its own transaction. Migrations are only ever appended.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: accounts, conversations, memberships, messages.
    "
    CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_ms    INTEGER NOT NULL,
        -- Newest message id when the user last went offline: direct messages after it are
        -- delivered to a client that logs in without a resume point of its own.
        seen_mark     INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE tokens (
        hash       BLOB PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_ms INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- A room (room set) or a direct conversation (user_a < user_b set).
    CREATE TABLE conversations (
        id         INTEGER PRIMARY KEY,
        room       TEXT UNIQUE,
        user_a     INTEGER REFERENCES users(id),
        user_b     INTEGER REFERENCES users(id),
        created_ms INTEGER NOT NULL,
        UNIQUE (user_a, user_b),
        CHECK ((room IS NULL) <> (user_a IS NULL AND user_b IS NULL))
    );

    CREATE TABLE members (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        joined_ms       INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX members_by_user ON members (user_id);

    -- AUTOINCREMENT: ids are never reused, so a client's resume point stays meaningful.
    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        sender_id       INTEGER NOT NULL REFERENCES users(id),
        client_id       INTEGER NOT NULL,
        body            TEXT NOT NULL,
        ts_ms           INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_id);
    CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
    ",
    // 2: rooms as groups: visibility, topic, roles, invitations, bans, and room events
    // stored as messages.
    "
    ALTER TABLE conversations ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE conversations ADD COLUMN topic TEXT NOT NULL DEFAULT '';

    -- 0 owner, 1 admin, 2 member.
    ALTER TABLE members ADD COLUMN role INTEGER NOT NULL DEFAULT 2;
    -- Rooms made before roles existed are owned by their earliest member.
    UPDATE members SET role = 0 WHERE (conversation_id, user_id) IN (
        SELECT conversation_id, user_id FROM (
            SELECT m.conversation_id, m.user_id, ROW_NUMBER() OVER (
                PARTITION BY m.conversation_id ORDER BY m.joined_ms, m.user_id) AS n
            FROM members m JOIN conversations c ON c.id = m.conversation_id
            WHERE c.room IS NOT NULL)
        WHERE n = 1);

    CREATE TABLE invitations (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        by_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_ms      INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX invitations_by_user ON invitations (user_id);

    CREATE TABLE bans (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        by_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        reason          TEXT NOT NULL,
        created_ms      INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
    ) WITHOUT ROWID;

    -- Kicks and bans, by whom they removed: a user who was away is told at the next login.
    CREATE TABLE removals (
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX removals_by_message ON removals (message_id);

    -- 0 text; 1 a room event, its body JSON. Only text carries a client id.
    ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
    DROP INDEX messages_by_client_id;
    CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_id) WHERE kind = 0;
    ",
    // 3: files. A file is posted as a message (kind 2, its body the file's details as
    // JSON); its bytes are kept once per checksum in the files directory.
    "
    CREATE TABLE files (
        message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        uploader_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        size        INTEGER NOT NULL,
        sha256      BLOB NOT NULL
    );
    CREATE INDEX files_by_uploader ON files (uploader_id);
    CREATE INDEX files_by_sha256 ON files (sha256);

    -- Unfinished uploads: their bytes so far are in the files directory's uploads/. Ids
    -- are never reused, so that a stale chunk cannot land in a later upload.
    CREATE TABLE uploads (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        client_id       INTEGER NOT NULL,
        name            TEXT NOT NULL,
        size            INTEGER NOT NULL,
        media_type      TEXT NOT NULL,
        sha256          BLOB NOT NULL,
        created_ms      INTEGER NOT NULL,
        UNIQUE (user_id, conversation_id, sha256, size)
    );

    -- File messages carry a client id too, so that a retried finish posts once.
    DROP INDEX messages_by_client_id;
    CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_id)
        WHERE kind IN (0, 2);
    ",
];

/// Brings the database up to the current schema.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let applied: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (version, sql) in (1u32..).zip(MIGRATIONS).skip(applied as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied schema migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_from_before_roles_get_their_earliest_member_as_owner() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, name, password_hash, created_ms) VALUES
                 (1, 'alice', '', 0), (2, 'bob', '', 0);
             INSERT INTO conversations (id, room, created_ms) VALUES (1, 'general', 0);
             INSERT INTO members VALUES (1, 2, 10), (1, 1, 20);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let roles: Vec<(i64, i64)> = conn
            .prepare("SELECT user_id, role FROM members ORDER BY user_id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(roles, [(1, 2), (2, 0)]);
    }

    #[test]
    fn migrating_twice_is_harmless() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
    }
}
