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
