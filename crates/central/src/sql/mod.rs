//! The central system's database, on either engine: SQLite in the data folder (the embedded,
//! zero-setup default) or PostgreSQL (`--database postgres://…`, for several nodes).
//!
//! The rest of the crate writes one SQL, with `?N` parameters, and reads rows through
//! [`Row::get`]; this module binds and converts values for the engine underneath. The SQL
//! written for both keeps to what PostgreSQL-compatible servers used in government IT also
//! accept (`docs/central-cluster.md`); the few places where the engines differ ask
//! [`Conn::engine`] (JSON fields: [`Conn::json_field`]).

mod pg;
mod value;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use value::{FromValue, Params, ToValue, Value};

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Shown whole, cause included (`pg::message`); not chained, so it is not said twice.
    #[error("PostgreSQL: {}", pg::message(.0))]
    Postgres(postgres::Error),
    #[error("the query returned no rows")]
    NoRows,
    #[error("column {column} holds {found}, not {wanted}")]
    Conversion {
        column: usize,
        found: String,
        wanted: &'static str,
    },
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// A row refused because another has the same key (primary key or `UNIQUE`).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            ),
            Error::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Postgres(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// One row of a result, its values owned.
#[derive(Debug)]
pub struct Row {
    values: Vec<Value>,
}

/// A column position (the only kind of index used here).
pub trait RowIndex {
    fn index(&self) -> usize;
}

impl RowIndex for usize {
    fn index(&self) -> usize {
        *self
    }
}

impl Row {
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let i = idx.index();
        let v = self.values.get(i).ok_or(Error::Conversion {
            column: i,
            found: "no such column".into(),
            wanted: std::any::type_name::<T>(),
        })?;
        T::from_value(v).ok_or_else(|| Error::Conversion {
            column: i,
            found: match v {
                Value::Null => "NULL".into(),
                Value::Int(_) => "an integer".into(),
                Value::Real(_) => "a real number".into(),
                Value::Text(_) => "text".into(),
                Value::Blob(_) => "bytes".into(),
            },
            wanted: std::any::type_name::<T>(),
        })
    }
}

/// One connection to either engine. A PostgreSQL client needs `&mut` for every query; it sits
/// in a `RefCell` so a connection is used through `&Conn` on both engines (a connection is
/// only ever used by one thread at a time).
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<RefCell<pg::PgConn>>),
}

impl Conn {
    pub fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQL for a top-level field of a JSON text column, as text (`numeric`: as a number).
    pub fn json_field(&self, column: &str, field: &str, numeric: bool) -> String {
        match (self.engine(), numeric) {
            (Engine::Sqlite, _) => format!("json_extract({column}, '$.{field}')"),
            (Engine::Postgres, false) => format!("(CAST({column} AS jsonb) ->> '{field}')"),
            (Engine::Postgres, true) => {
                format!("CAST(CAST({column} AS jsonb) ->> '{field}' AS NUMERIC)")
            }
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values();
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(values.iter().map(lite_value)))?)
            }
            Conn::Postgres(c) => c.borrow_mut().execute(sql, &values),
        }
    }

    /// Every row of a query.
    pub fn query_all<P: Params>(&self, sql: &str, params: P) -> Result<Vec<Row>> {
        let values = params.values();
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let n = st.column_count();
                let mut rows =
                    st.query(rusqlite::params_from_iter(values.iter().map(lite_value)))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut values = Vec::with_capacity(n);
                    for i in 0..n {
                        values.push(from_lite(r.get_ref(i)?));
                    }
                    out.push(Row { values });
                }
                Ok(out)
            }
            Conn::Postgres(c) => c.borrow_mut().query(sql, &values),
        }
    }

    /// The first row of a query through `f`; [`Error::NoRows`] when there is none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row) -> Result<T>,
    {
        let rows = self.query_all(sql, params)?;
        f(rows.first().ok_or(Error::NoRows)?)
    }

    /// Statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => c.borrow_mut().batch(sql),
        }
    }

    /// An `INSERT` that may meet an existing row with the same key: `false` (and nothing
    /// changed) when it did. Portable in place of `ON CONFLICT DO NOTHING`, which openGauss
    /// lacks: the insert runs in a savepoint, so a refused row does not abort the caller's
    /// PostgreSQL transaction.
    pub fn insert_or_ignore<P: Params>(&self, insert: &str, params: P) -> Result<bool> {
        let values = params.values();
        if !self.in_transaction() {
            // A savepoint needs a transaction on PostgreSQL; this one is the insert alone.
            self.execute_batch("BEGIN")?;
            let r = self.insert_or_ignore(insert, values);
            self.execute_batch(if r.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
            return r;
        }
        self.execute_batch("SAVEPOINT insert_or_ignore")?;
        match self.execute(insert, values) {
            Ok(_) => {
                self.execute_batch("RELEASE insert_or_ignore")?;
                Ok(true)
            }
            Err(e) if e.is_unique_violation() => {
                self.execute_batch("ROLLBACK TO insert_or_ignore; RELEASE insert_or_ignore")?;
                Ok(false)
            }
            Err(e) => {
                let _ =
                    self.execute_batch("ROLLBACK TO insert_or_ignore; RELEASE insert_or_ignore");
                Err(e)
            }
        }
    }

    /// `update`, or `insert` when it changed no row (both take the same parameters): an
    /// upsert in SQL every engine here accepts. Another writer inserting the same key first
    /// makes the insert fail on the key; the update then runs again and finds its row.
    pub fn upsert<P: Params>(&self, update: &str, insert: &str, params: P) -> Result<()> {
        let values = params.values();
        if self.execute(update, values.clone())? > 0 {
            return Ok(());
        }
        if !self.insert_or_ignore(insert, values.clone())? {
            self.execute(update, values)?;
        }
        Ok(())
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// The same as [`Conn::prepare`]: both engines keep prepared statements per connection.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        self.prepare(sql)
    }

    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.transaction_with_behavior(TransactionBehavior::Deferred)
    }

    /// A transaction; [`TransactionBehavior::Immediate`] holds the database's write lock
    /// from its start, so what it reads cannot change under it before it writes. On SQLite
    /// that is `BEGIN IMMEDIATE`; on PostgreSQL, a row lock every node takes
    /// (`writer_lock`), so officers' changes and the audit chain stay one at a time across
    /// nodes, while the kiosks' intake does not wait for it.
    pub fn transaction_with_behavior(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_>> {
        match (&*self, behavior) {
            (Conn::Sqlite(_), TransactionBehavior::Immediate) => {
                self.execute_batch("BEGIN IMMEDIATE")?
            }
            (Conn::Sqlite(_), TransactionBehavior::Deferred) => self.execute_batch("BEGIN")?,
            (Conn::Postgres(_), b) => {
                self.execute_batch("BEGIN")?;
                if b == TransactionBehavior::Immediate
                    && let Err(e) = self.execute(
                        "SELECT name FROM writer_lock WHERE name = 'writer' FOR UPDATE",
                        [],
                    )
                {
                    let _ = self.execute_batch("ROLLBACK");
                    return Err(e);
                }
            }
        }
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionBehavior {
    Deferred,
    Immediate,
}

/// An open transaction: rolled back when dropped without [`Transaction::commit`].
pub struct Transaction<'c> {
    conn: &'c mut Conn,
    done: bool,
}

impl Transaction<'_> {
    /// A failed `COMMIT` leaves `done` unset, so dropping the transaction rolls it back.
    pub fn commit(mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.done = true;
        Ok(())
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A query to run, possibly more than once.
pub struct Statement<'c> {
    conn: &'c Conn,
    sql: String,
}

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }

    pub fn query_map<T, P, F>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>>
    where
        P: Params,
        F: FnMut(&Row) -> Result<T>,
    {
        let rows = self.conn.query_all(&self.sql, params)?;
        Ok(rows.iter().map(&mut f).collect::<Vec<_>>().into_iter())
    }

    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row) -> Result<T>,
    {
        self.conn.query_row(&self.sql, params, f)
    }

    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows> {
        Ok(Rows {
            rows: self.conn.query_all(&self.sql, params)?.into_iter(),
            current: None,
        })
    }
}

/// Rows walked one at a time, as `rusqlite::Rows` had them.
pub struct Rows {
    rows: std::vec::IntoIter<Row>,
    current: Option<Row>,
}

impl Rows {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&Row>> {
        self.current = self.rows.next();
        Ok(self.current.as_ref())
    }
}

fn lite_value(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as L;
    match v {
        Value::Null => L::Null,
        Value::Int(i) => L::Integer(*i),
        Value::Real(f) => L::Real(*f),
        Value::Text(s) => L::Text(s.clone()),
        Value::Blob(b) => L::Blob(b.clone()),
    }
}

fn from_lite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as L;
    match v {
        L::Null => Value::Null,
        L::Integer(i) => Value::Int(i),
        L::Real(f) => Value::Real(f),
        L::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        L::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Where the central system keeps its data: always a folder (keys, certificate, catalogs and,
/// by default, attachments), and the database either in it or on a PostgreSQL server.
#[derive(Debug, Clone)]
pub struct Location {
    pub data: PathBuf,
    /// `postgres://…` (or `postgresql://…`); `None` for `central.db` in the folder.
    pub database: Option<String>,
    /// An S3-compatible bucket for attachments; `None` for `attachments/` in the folder.
    pub attachments: Option<crate::s3::Config>,
}

impl Location {
    /// SQLite in `data`.
    pub fn folder(data: &Path) -> Location {
        Location {
            data: data.to_owned(),
            database: None,
            attachments: None,
        }
    }

    /// Attachments in an S3-compatible bucket instead of the data folder.
    pub fn with_attachments(mut self, store: Option<crate::s3::Config>) -> Location {
        self.attachments = store;
        self
    }

    pub fn new(data: &Path, database: Option<&str>) -> Result<Location> {
        if let Some(url) = database
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            {
                return Err(Error::Other(format!(
                    "--database takes a PostgreSQL URL (postgres://user@host/db); SQLite needs none, only --data (got {:?})",
                    pg::redact(url)
                )));
            }
        }
        Ok(Location {
            data: data.to_owned(),
            database: database.map(str::to_owned),
            attachments: None,
        })
    }

    pub fn engine(&self) -> Engine {
        if self.database.is_some() {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

    /// The database for messages: its URL without any password, or the SQLite file.
    pub fn describe(&self) -> String {
        match &self.database {
            Some(url) => pg::redact(url),
            None => self.data.join("central.db").display().to_string(),
        }
    }

    /// A new connection (not migrated: `db::open` migrates).
    pub fn connect(&self) -> Result<Conn> {
        self.connect_with(false)
    }

    /// A connection that only reads: on SQLite, opened read-only so it never waits for the
    /// writer; on PostgreSQL, an ordinary connection.
    pub fn connect_reader(&self) -> Result<Conn> {
        self.connect_with(true)
    }

    fn connect_with(&self, read_only: bool) -> Result<Conn> {
        match &self.database {
            Some(url) => Ok(Conn::Postgres(Box::new(RefCell::new(pg::PgConn::connect(
                url,
            )?)))),
            None => {
                let path = self.data.join("central.db");
                let c = if read_only {
                    rusqlite::Connection::open_with_flags(
                        path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                    )?
                } else {
                    let c = rusqlite::Connection::open(path)?;
                    c.pragma_update(None, "foreign_keys", "ON")?;
                    c
                };
                c.busy_timeout(Duration::from_secs(10))?;
                Ok(Conn::Sqlite(c))
            }
        }
    }
}

/// Connections kept for reuse by blocking tasks (readers, the workbench): a PostgreSQL
/// connection costs a round of authentication, a SQLite one the schema's parsing.
pub struct Pool {
    at: Location,
    read_only: bool,
    state: Mutex<PoolState>,
    freed: std::sync::Condvar,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Conn>,
    /// Connections out of the pool or idle in it.
    open: usize,
}

/// Most connections one pool holds open: a PostgreSQL server's connections are few
/// (`max_connections`, 100 by default) and shared by every node; callers beyond it wait.
const POOL_MAX: usize = 16;

impl Pool {
    pub fn new(at: Location, read_only: bool) -> Arc<Pool> {
        Arc::new(Pool {
            at,
            read_only,
            state: Mutex::new(PoolState::default()),
            freed: std::sync::Condvar::new(),
        })
    }

    pub fn location(&self) -> &Location {
        &self.at
    }

    /// Runs `f` with a connection: an idle one, a new one while fewer than [`POOL_MAX`] are
    /// open, or the next one given back. A connection whose use failed is closed (it may be
    /// broken, or inside a transaction `f` left open).
    pub fn with<R, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<R, E>,
    ) -> Result<R, E> {
        let taken = {
            let mut st = self.lock();
            loop {
                if let Some(c) = st.idle.pop() {
                    break Some(c);
                }
                if st.open < POOL_MAX {
                    st.open += 1;
                    break None;
                }
                st = match self.freed.wait(st) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
            }
        };
        let mut conn = match taken {
            Some(c) => c,
            None => {
                let made = if self.read_only {
                    self.at.connect_reader()
                } else {
                    self.at.connect()
                };
                match made {
                    Ok(c) => c,
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        return Err(e.into());
                    }
                }
            }
        };
        // Gives the slot back however `f` ends, a panic included (the blocking pool catches
        // those): else the pool would count a connection that no longer exists.
        struct Slot<'p>(&'p Pool);
        impl Drop for Slot<'_> {
            fn drop(&mut self) {
                self.0.lock().open -= 1;
                self.0.freed.notify_one();
            }
        }
        let slot = Slot(self);
        let r = f(&mut conn);
        if r.is_ok() && conn.healthy() {
            std::mem::forget(slot);
            self.lock().idle.push(conn);
            self.freed.notify_one();
        } else {
            drop(slot);
            close(conn);
        }
        r
    }
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// Closes a connection where that may block (see `Drop for Pool`).
fn close(conn: Conn) {
    if conn.engine() == Engine::Postgres {
        let _ = std::thread::Builder::new()
            .name("close-db".into())
            .spawn(move || drop(conn));
    }
}

impl Drop for Pool {
    /// A PostgreSQL client blocks on its own runtime when it closes, which may not happen on
    /// a thread that drives async tasks (where the server's state is dropped): the idle
    /// connections are closed on a thread of their own.
    fn drop(&mut self) {
        let idle = match self.state.get_mut() {
            Ok(v) => std::mem::take(&mut v.idle),
            Err(p) => std::mem::take(&mut p.into_inner().idle),
        };
        if idle.iter().any(|c| c.engine() == Engine::Postgres) {
            let _ = std::thread::Builder::new()
                .name("close-db".into())
                .spawn(move || drop(idle));
        }
    }
}

impl Conn {
    /// Inside a transaction this connection began.
    pub fn in_transaction(&self) -> bool {
        match self {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Postgres(c) => c.borrow().in_transaction(),
        }
    }

    pub(crate) fn healthy(&self) -> bool {
        match self {
            Conn::Sqlite(c) => c.is_autocommit(),
            Conn::Postgres(c) => {
                let c = c.borrow();
                c.healthy() && !c.in_transaction()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// SQL that only one engine (or not openGauss) accepts stays out of the crate outside
    /// this module and the schemas (`db.rs`); `Conn::json_field`, `upsert` and
    /// `insert_or_ignore` are the ways round it.
    #[test]
    fn one_sql_for_both_engines() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut checked = 0;
        while let Some(p) = files.pop() {
            if p.is_dir() {
                if p.ends_with("sql") {
                    continue;
                }
                for e in std::fs::read_dir(&p).expect("src") {
                    files.push(e.expect("entry").path());
                }
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") || p.ends_with("db.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).expect("source");
            for word in [
                "ON CONFLICT",
                "INSERT OR ",
                "json_extract(",
                "datetime(",
                "strftime(",
            ] {
                assert!(!text.contains(word), "{} uses {word}", p.display());
            }
            checked += 1;
        }
        assert!(checked > 20, "checked {checked} files");
    }
}
