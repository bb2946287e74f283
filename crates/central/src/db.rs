//! The central database, on SQLite (the default: `central.db` in the data folder) or on
//! PostgreSQL (`--database postgres://…`, shared by several nodes); `sql.rs` hides which.
//!
//! Every acknowledgement the server sends must survive a power cut (the kiosk deletes its
//! copy after it). On SQLite, transactions are `synchronous=FULL`, and one fsync per request
//! would cap intake at the disk's fsync rate; instead one writer thread takes every job
//! waiting, runs each in its own savepoint (one job's failure does not undo another's),
//! commits once, and only then lets the replies go out. On PostgreSQL, the server does its
//! own group commit: several worker threads each run a job in its own transaction, and
//! exactly-once across nodes rests on the database's keys (`intake::create`), not on a lock
//! in one process.

use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

use onevisit_sync::proto::IntakeState;

use crate::error::ApiError;
use crate::sql::{self, Conn, Engine, Location};

/// Column `idx` of a row holding `cases.state`, as the protocol's state; a word the protocol
/// does not know is a conversion error, not a case silently treated as still arriving.
pub fn intake_state(r: &sql::Row, idx: usize) -> sql::Result<IntakeState> {
    let word: String = r.get(idx)?;
    IntakeState::parse(&word)
        .ok_or_else(|| sql::Error::Other(format!("unknown intake state {word:?} in column {idx}")))
}

const SQLITE_MIGRATIONS: &[&str] = &[
    // 1: enrollment, devices, cases and their attachments, status history, catalogs.
    "CREATE TABLE enroll_codes (
        code_id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        site TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_by TEXT
     );
     CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        public_key TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_seen INTEGER,
        heartbeat TEXT
     );
     CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL REFERENCES devices(id),
        site TEXT NOT NULL,
        theme TEXT NOT NULL,
        manifest TEXT NOT NULL,
        manifest_sha256 TEXT NOT NULL,
        state TEXT NOT NULL,
        status TEXT,
        reason TEXT,
        submitted_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        committed_at INTEGER,
        source TEXT NOT NULL
     );
     CREATE INDEX cases_by_device ON cases(device_id);
     CREATE TABLE attachments (
        case_id TEXT NOT NULL REFERENCES cases(id),
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        offset INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (case_id, idx)
     );
     CREATE TABLE status_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id TEXT NOT NULL REFERENCES cases(id),
        device_id TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL
     );
     CREATE INDEX status_by_device ON status_changes(device_id, seq);
     CREATE TABLE catalogs (
        version INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        published_at INTEGER NOT NULL
     );
     CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    // 2: resource limits and the officers' audit trail. `hash_state` is the SHA-256 of an
    // attachment's bytes so far (`hashstate.rs`), so commit need not read the files again;
    // `touched_at` is a case's last upload progress, for cleaning up abandoned uploads.
    // The audit log is append-only (`audit.rs`): triggers refuse to change or delete a row.
    "ALTER TABLE attachments ADD COLUMN hash_state BLOB;
     ALTER TABLE cases ADD COLUMN touched_at INTEGER;
     CREATE INDEX cases_by_state ON cases(state, received_at);
     CREATE INDEX cases_by_device_time ON cases(device_id, received_at);
     CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        officer TEXT NOT NULL,
        command TEXT NOT NULL,
        args TEXT NOT NULL,
        outcome TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
     );
     CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
     CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    // The technician PIN a county sets per site, as a slow salted hash (never the PIN): the
    // site's kiosks take it with their next heartbeat.
    "CREATE TABLE technician_pins (
        site TEXT PRIMARY KEY,
        pin_hash TEXT NOT NULL,
        set_at INTEGER NOT NULL
     );",
    // 4: the officers' workbench (`accounts.rs`, `workflow.rs`). Officers with roles and
    // their browser sessions (only a hash of each session token is kept); the window's
    // decision on each case; one task per approval item for its department; one joint
    // inspection per case; the follow-up of each poor rating (a rating of 2 or less in a
    // case's manifest opens one; closing it records what was done). `cases.window_open` says the case waits for the window (new, or
    // back with corrections): the inbox reads a partial index of those alone.
    "CREATE TABLE officers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('window', 'department', 'supervisor', 'admin')),
        department TEXT,
        password_hash TEXT NOT NULL,
        totp_secret TEXT,
        disabled_at INTEGER,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER,
        created_at INTEGER NOT NULL,
        CHECK ((role = 'department') = (department IS NOT NULL))
     );
     CREATE TABLE web_sessions (
        token_sha256 TEXT PRIMARY KEY,
        officer_id INTEGER NOT NULL REFERENCES officers(id),
        csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
     );
     CREATE INDEX web_sessions_by_officer ON web_sessions(officer_id);
     CREATE TABLE case_work (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        stage TEXT NOT NULL CHECK (stage IN ('accepted', 'correction', 'refused', 'done')),
        note TEXT,
        decided_by TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        due TEXT,
        finished_at INTEGER
     );
     CREATE INDEX case_work_by_stage ON case_work(stage, decided_at);
     CREATE TABLE tasks (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        item TEXT NOT NULL,
        item_name TEXT NOT NULL,
        department TEXT NOT NULL,
        needs_inspection INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'approved', 'refused')),
        note TEXT,
        decided_by TEXT,
        decided_at INTEGER,
        due TEXT NOT NULL,
        UNIQUE (case_id, item)
     );
     CREATE INDEX tasks_by_department ON tasks(department, status, due);
     CREATE TABLE inspections (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        scheduled_for TEXT NOT NULL,
        departments TEXT NOT NULL,
        scheduled_by TEXT NOT NULL,
        passed INTEGER,
        conclusion TEXT,
        recorded_by TEXT,
        recorded_at INTEGER
     );
     ALTER TABLE cases ADD COLUMN window_open INTEGER NOT NULL DEFAULT 1;
     CREATE INDEX cases_in_inbox ON cases(received_at)
        WHERE window_open = 1 AND state = 'committed';
     CREATE INDEX cases_in_inbox_by_theme ON cases(theme, received_at)
        WHERE window_open = 1 AND state = 'committed';
     CREATE INDEX cases_rated_poorly ON cases(received_at)
        WHERE json_extract(manifest, '$.rating') <= 2;
     CREATE TABLE followups (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        action TEXT NOT NULL,
        closed_by TEXT NOT NULL,
        closed_at INTEGER NOT NULL
     );",
    // 5: the lease on writing an attachment (`api.rs`, `claim`): taken by a node only when
    // several share a PostgreSQL database, kept here so both schemas stay the same.
    // `nonces`: signed requests' nonces, so that nodes sharing a database refuse a request
    // played again at another node (`api.rs`); one node alone remembers them in memory.
    "ALTER TABLE attachments ADD COLUMN writer TEXT;
     ALTER TABLE attachments ADD COLUMN writer_until INTEGER;
     CREATE TABLE nonces (
        device_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (device_id, nonce)
     );
     CREATE INDEX nonces_by_expiry ON nonces(expires_at);",
];

/// The same schema on PostgreSQL, as one migration per release from the first that ran on it.
/// Integers are `BIGINT` (SQLite's are 64-bit), `BLOB` is `BYTEA`, `offset` is quoted (a
/// reserved word there), the audit log's guard is a PL/pgSQL trigger, and JSON fields are
/// read with `->>`. `writer_lock` holds the one row an immediate transaction locks
/// (`sql::Conn::transaction_with_behavior`). Only SQL that openGauss and KingbaseES also
/// accept (`docs/central-cluster.md`).
const PG_MIGRATIONS: &[&str] = &[
    "CREATE TABLE enroll_codes (
        code_id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        site TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_by TEXT
     );
     CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        public_key TEXT NOT NULL,
        enrolled_at BIGINT NOT NULL,
        revoked_at BIGINT,
        last_seen BIGINT,
        heartbeat TEXT
     );
     CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL REFERENCES devices(id),
        site TEXT NOT NULL,
        theme TEXT NOT NULL,
        manifest TEXT NOT NULL,
        manifest_sha256 TEXT NOT NULL,
        state TEXT NOT NULL,
        status TEXT,
        reason TEXT,
        submitted_at BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        committed_at BIGINT,
        source TEXT NOT NULL,
        touched_at BIGINT,
        window_open BIGINT NOT NULL DEFAULT 1
     );
     CREATE INDEX cases_by_device ON cases(device_id);
     CREATE INDEX cases_by_state ON cases(state, received_at);
     CREATE INDEX cases_by_device_time ON cases(device_id, received_at);
     CREATE INDEX cases_in_inbox ON cases(received_at)
        WHERE window_open = 1 AND state = 'committed';
     CREATE INDEX cases_in_inbox_by_theme ON cases(theme, received_at)
        WHERE window_open = 1 AND state = 'committed';
     CREATE INDEX cases_rated_poorly ON cases(received_at)
        WHERE CAST(CAST(manifest AS jsonb) ->> 'rating' AS NUMERIC) <= 2;
     CREATE TABLE attachments (
        case_id TEXT NOT NULL REFERENCES cases(id),
        idx BIGINT NOT NULL,
        name TEXT NOT NULL,
        size BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        \"offset\" BIGINT NOT NULL DEFAULT 0,
        hash_state BYTEA,
        PRIMARY KEY (case_id, idx)
     );
     CREATE TABLE status_changes (
        seq BIGSERIAL PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        device_id TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL
     );
     CREATE INDEX status_by_device ON status_changes(device_id, seq);
     CREATE TABLE catalogs (
        version BIGINT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        size BIGINT NOT NULL,
        published_at BIGINT NOT NULL
     );
     CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
     CREATE TABLE writer_lock (name TEXT PRIMARY KEY);
     INSERT INTO writer_lock (name) VALUES ('writer');
     CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        officer TEXT NOT NULL,
        command TEXT NOT NULL,
        args TEXT NOT NULL,
        outcome TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
     );
     CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;
     CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        FOR EACH ROW EXECUTE PROCEDURE audit_log_append_only();
     CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        FOR EACH ROW EXECUTE PROCEDURE audit_log_append_only();
     CREATE TABLE technician_pins (
        site TEXT PRIMARY KEY,
        pin_hash TEXT NOT NULL,
        set_at BIGINT NOT NULL
     );
     CREATE TABLE officers (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('window', 'department', 'supervisor', 'admin')),
        department TEXT,
        password_hash TEXT NOT NULL,
        totp_secret TEXT,
        disabled_at BIGINT,
        failed_logins BIGINT NOT NULL DEFAULT 0,
        locked_until BIGINT,
        created_at BIGINT NOT NULL,
        CHECK ((role = 'department') = (department IS NOT NULL))
     );
     CREATE TABLE web_sessions (
        token_sha256 TEXT PRIMARY KEY,
        officer_id BIGINT NOT NULL REFERENCES officers(id),
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
     );
     CREATE INDEX web_sessions_by_officer ON web_sessions(officer_id);
     CREATE TABLE case_work (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        stage TEXT NOT NULL CHECK (stage IN ('accepted', 'correction', 'refused', 'done')),
        note TEXT,
        decided_by TEXT NOT NULL,
        decided_at BIGINT NOT NULL,
        due TEXT,
        finished_at BIGINT
     );
     CREATE INDEX case_work_by_stage ON case_work(stage, decided_at);
     CREATE TABLE tasks (
        id BIGSERIAL PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        item TEXT NOT NULL,
        item_name TEXT NOT NULL,
        department TEXT NOT NULL,
        needs_inspection BIGINT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'approved', 'refused')),
        note TEXT,
        decided_by TEXT,
        decided_at BIGINT,
        due TEXT NOT NULL,
        UNIQUE (case_id, item)
     );
     CREATE INDEX tasks_by_department ON tasks(department, status, due);
     CREATE TABLE inspections (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        scheduled_for TEXT NOT NULL,
        departments TEXT NOT NULL,
        scheduled_by TEXT NOT NULL,
        passed BIGINT,
        conclusion TEXT,
        recorded_by TEXT,
        recorded_at BIGINT
     );
     CREATE TABLE followups (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        action TEXT NOT NULL,
        closed_by TEXT NOT NULL,
        closed_at BIGINT NOT NULL
     );",
    // 2: the lease on writing an attachment (`api.rs`, `claim`), so two nodes never write
    // the same attachment at once; the nonces of signed requests, so a request played again
    // at another node is refused.
    "ALTER TABLE attachments ADD COLUMN writer TEXT;
     ALTER TABLE attachments ADD COLUMN writer_until BIGINT;
     CREATE TABLE nonces (
        device_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (device_id, nonce)
     );
     CREATE INDEX nonces_by_expiry ON nonces(expires_at);",
];

/// Opens the database, creating and migrating it. SQLite: `central.db` in the data folder,
/// which is made 0700 and the database 0600 (SQLite gives its `-wal` and `-shm` files the
/// database's mode). PostgreSQL: the schema in the URL's database; nodes starting together
/// migrate one at a time.
pub fn open(at: &Location) -> Result<Conn, sql::Error> {
    match at.engine() {
        Engine::Sqlite => open_sqlite(at),
        Engine::Postgres => {
            let conn = at.connect()?;
            migrate_pg(&conn)?;
            Ok(conn)
        }
    }
}

fn open_sqlite(at: &Location) -> Result<Conn, sql::Error> {
    let dir = &at.data;
    let path = dir.join("central.db");
    private_files(dir, &path)
        .map_err(|e| sql::Error::Other(format!("making {} private: {e}", path.display())))?;
    let mut conn = rusqlite::Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in SQLITE_MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(Conn::Sqlite(conn))
}

fn migrate_pg(conn: &Conn) -> Result<(), sql::Error> {
    // Two nodes starting at once may both create the version table; the loser's error is
    // the winner's success.
    if let Err(e) =
        conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
    {
        tracing::debug!("schema_version: {e}");
    }
    conn.execute_batch("BEGIN; LOCK TABLE schema_version IN EXCLUSIVE MODE")?;
    let r = (|| {
        let current: Option<i64> =
            conn.query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))?;
        let current = usize::try_from(current.unwrap_or(0)).unwrap_or(0);
        for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(current) {
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [i as i64 + 1],
            )?;
        }
        Ok(())
    })();
    match r {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn private_files(dir: &Path, db: &Path) -> std::io::Result<()> {
    crate::private::dir(dir)?;
    // An empty file is a new database to SQLite; made here so it is 0600 from the start.
    crate::private::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(db)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        crate::private::tighten(Path::new(&p), crate::private::FILE_MODE)?;
    }
    Ok(())
}

type Deliver = Box<dyn FnOnce(bool) + Send>;
/// A job gets its connection, or why there is none.
type Job = Box<dyn FnOnce(Result<&Conn, &str>) -> (bool, Deliver) + Send>;

/// Handle to the database threads. Cloning shares them.
#[derive(Clone)]
pub struct Db {
    jobs: mpsc::Sender<Job>,
}

/// Most jobs committed together on SQLite.
const GROUP: usize = 512;

/// Worker threads (so connections) per node on PostgreSQL.
const PG_WORKERS: usize = 8;

impl Db {
    /// Starts the database threads: on SQLite, the one writer with `conn`; on PostgreSQL,
    /// `conn` and more connections to `at`, one per worker.
    pub fn start(at: &Location, conn: Conn) -> std::io::Result<Db> {
        let (tx, rx) = mpsc::channel::<Job>();
        match conn.engine() {
            Engine::Sqlite => {
                std::thread::Builder::new()
                    .name("central-db".into())
                    .spawn(move || writer(conn, rx))?;
            }
            Engine::Postgres => {
                let rx = Arc::new(Mutex::new(rx));
                let mut first = Some(conn);
                for i in 0..PG_WORKERS {
                    let (rx, at, conn) = (rx.clone(), at.clone(), first.take());
                    std::thread::Builder::new()
                        .name(format!("central-db-{i}"))
                        .spawn(move || worker(at, conn, rx))?;
                }
            }
        }
        Ok(Db { jobs: tx })
    }

    /// Runs `f` in a transaction (on SQLite, in the writer's next group); its result comes
    /// back after the transaction commits. An `Err` from `f` rolls back what `f` did and
    /// nothing else.
    pub async fn call<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R, ApiError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let r = match conn {
                Ok(c) => f(c),
                Err(why) => Err(ApiError::new(503, "database_unavailable", why.to_owned())),
            };
            let ok = r.is_ok();
            let deliver: Deliver = Box::new(move |committed| {
                let r = if committed {
                    r
                } else {
                    Err(ApiError::internal("the database could not commit"))
                };
                let _ = tx.send(r);
            });
            (ok, deliver)
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::internal("the database thread stopped"))?;
        rx.await
            .map_err(|_| ApiError::internal("the database thread stopped"))?
    }
}

fn writer(conn: Conn, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            tracing::error!("database: cannot begin: {e}");
        }
        let mut delivers = Vec::with_capacity(batch.len());
        for job in batch {
            let _ = conn.execute_batch("SAVEPOINT job");
            let (ok, deliver) = job(Ok(&conn));
            if !ok {
                let _ = conn.execute_batch("ROLLBACK TO job");
            }
            let _ = conn.execute_batch("RELEASE job");
            delivers.push(deliver);
        }
        let committed = match conn.execute_batch("COMMIT") {
            Ok(()) => true,
            Err(e) => {
                tracing::error!("database: commit failed: {e}");
                let _ = conn.execute_batch("ROLLBACK");
                false
            }
        };
        for d in delivers {
            d(committed);
        }
    }
}

/// One PostgreSQL worker: a job per transaction. A lost connection is made again for the
/// next job (the job that met it reports the failure; the kiosk retries it).
fn worker(at: Location, mut conn: Option<Conn>, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let job = match rx.lock() {
            Ok(r) => match r.recv() {
                Ok(j) => j,
                Err(_) => return,
            },
            Err(_) => return,
        };
        if conn.as_ref().is_none_or(|c| !c.healthy()) {
            conn = match at.connect() {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::error!("database {}: cannot connect: {e}", at.describe());
                    None
                }
            };
        }
        let Some(c) = conn.as_ref() else {
            let (_, deliver) = job(Err("the database cannot be reached; try again shortly"));
            deliver(true);
            continue;
        };
        if let Err(e) = c.execute_batch("BEGIN") {
            tracing::error!("database: cannot begin: {e}");
        }
        let (ok, deliver) = job(Ok(c));
        let committed = if ok {
            match c.execute_batch("COMMIT") {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!("database: commit failed: {e}");
                    let _ = c.execute_batch("ROLLBACK");
                    false
                }
            }
        } else {
            let _ = c.execute_batch("ROLLBACK");
            true
        };
        deliver(committed);
    }
}
