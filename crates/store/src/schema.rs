//! The schema, as numbered migrations applied in order; `PRAGMA user_version` records how far
//! a database has come. A migration is never edited once released: add the next one.

use rusqlite::{Connection, Transaction, params};

use crate::crypto::DataKey;
use crate::store::StoreError;

pub const MIGRATIONS: &[&str] = &[
    // 1: cases, their attachments, the audit log, key-value state.
    "CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        theme TEXT NOT NULL,
        answers TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        central_number TEXT,
        receipt TEXT NOT NULL DEFAULT 'not_printed',
        personal BLOB
     );
     CREATE TABLE attachments (
        case_id TEXT NOT NULL REFERENCES cases(id),
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        pages INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        file TEXT NOT NULL,
        PRIMARY KEY (case_id, idx)
     );
     CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        case_id TEXT,
        action TEXT NOT NULL
     );
     CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE INDEX cases_by_state ON cases(state, created_at);",
    // 2: when the central system acknowledged a case, for retention.
    "ALTER TABLE cases ADD COLUMN acknowledged_at INTEGER;",
    // 3: who did it, and the audit log made append-only by the database itself.
    "ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL DEFAULT 'kiosk';
     CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
     CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    // 4: delivery by USB export, and the central system's decisions coming back.
    "ALTER TABLE cases ADD COLUMN exported_at INTEGER;
     ALTER TABLE cases ADD COLUMN remote_status TEXT;
     ALTER TABLE cases ADD COLUMN remote_reason TEXT;
     ALTER TABLE cases ADD COLUMN remote_at INTEGER;",
    // 5: the citizen's rating of the service (好差评), given after the case is submitted.
    "CREATE TABLE ratings (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        at INTEGER NOT NULL
     );",
    // 6: answers and rating comments are sealed like the other personal fields (a theme's
    // answers alone can reveal a disability or a death). The sealing itself is Rust
    // (`seal_plaintext`, run in the same transaction); the indexes serve retention.
    "CREATE INDEX cases_by_ack ON cases(state, acknowledged_at);
     CREATE INDEX ratings_by_age ON ratings(at);",
    // 7: applications saved to finish later, one per holder (a keyed hash of the ID number),
    // sealed whole; gone when submitted or expired.
    "CREATE TABLE drafts (
        holder BLOB PRIMARY KEY,
        theme TEXT NOT NULL,
        saved_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        body BLOB NOT NULL
     );
     CREATE INDEX drafts_by_expiry ON drafts(expires_at);",
];

/// The migration after which answers and comments are sealed.
const SEALED_ANSWERS: usize = 6;

/// Additional authenticated data binding a sealed field to its case and its place.
pub(crate) fn answers_aad(case_id: &str) -> Vec<u8> {
    format!("{case_id}/answers").into_bytes()
}

pub(crate) fn comment_aad(case_id: &str) -> Vec<u8> {
    format!("{case_id}/comment").into_bytes()
}

/// Seals every answer set and rating comment still stored as plain text.
fn seal_plaintext(tx: &Transaction<'_>, key: &DataKey) -> Result<(), StoreError> {
    let plain: Vec<(String, String)> = tx
        .prepare("SELECT id, answers FROM cases WHERE typeof(answers) = 'text'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, answers) in plain {
        let sealed = key.seal(answers.as_bytes(), &answers_aad(&id));
        tx.execute(
            "UPDATE cases SET answers = ?2 WHERE id = ?1",
            params![id, sealed],
        )?;
    }
    let comments: Vec<(String, String)> = tx
        .prepare("SELECT case_id, comment FROM ratings WHERE typeof(comment) = 'text'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, comment) in comments {
        let sealed = key.seal(comment.as_bytes(), &comment_aad(&id));
        tx.execute(
            "UPDATE ratings SET comment = ?2 WHERE case_id = ?1",
            params![id, sealed],
        )?;
    }
    Ok(())
}

/// Brings a database up to the current schema. Refuses one written by a newer OneVisit.
/// `key` seals what earlier versions kept in clear.
pub fn migrate(conn: &mut Connection, key: &DataKey) -> Result<u32, StoreError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let latest = MIGRATIONS.len() as u32;
    if current > latest {
        return Err(StoreError::TooNew(current, latest));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if i + 1 == SEALED_ANSWERS {
            seal_plaintext(&tx, key)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(latest)
}
