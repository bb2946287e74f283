//! Opening, committing, listing and checking.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use onevisit_domain::mask;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::crypto::DataKey;
use crate::schema::{self, answers_aad, comment_aad};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "the case database {0} is damaged ({1}). It has been left untouched for recovery: stop the kiosk, copy the data folder somewhere safe, and call support"
    )]
    Corrupt(String, String),
    #[error(
        "the case database has schema version {0}, newer than this OneVisit knows ({1}): update the software"
    )]
    TooNew(u32, u32),
    #[error(
        "the data key {0} has {1} bytes; it must have 32. Restore it from the provisioning backup"
    )]
    BadKey(String, usize),
    #[error("the data key {0} is readable by others (mode {1:o}): chmod 600 it")]
    KeyPermissions(String, u32),
    #[error("stored data failed its integrity check (wrong key, or the file was altered)")]
    Tampered,
    #[error("no case {0}")]
    NoSuchCase(String),
    #[error("attachment file {0} is missing")]
    MissingAttachment(String),
    #[error(
        "the disk is too full to keep this application safely ({free_mb} MB free, {needed_mb} MB needed including the reserve): the kiosk cannot accept new applications until a technician frees space or the queue is delivered"
    )]
    DiskFull { free_mb: u64, needed_mb: u64 },
    #[error("case {0} cannot go from {1:?} to {2:?}")]
    BadTransition(String, SyncState, SyncState),
    #[error("{0:?} is not a case id (a UUID)")]
    BadCaseId(String),
    #[error("case id {0} is already taken")]
    CaseIdTaken(String),
}

impl StoreError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Where a case is on its way to the central system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Queued,
    Uploading,
    Acknowledged,
    Purged,
}

impl SyncState {
    fn parse(s: &str) -> SyncState {
        match s {
            "uploading" => SyncState::Uploading,
            "acknowledged" => SyncState::Acknowledged,
            "purged" => SyncState::Purged,
            _ => SyncState::Queued,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    pub id_number: String,
}

/// A material as captured: its PDF and page count.
#[derive(Debug, Clone)]
pub struct NewMaterial {
    pub name: String,
    pub pages: u32,
    pub pdf: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NewCase {
    pub theme: String,
    pub answers: BTreeMap<String, String>,
    pub applicant: Applicant,
    pub form: BTreeMap<String, String>,
    pub materials: Vec<NewMaterial>,
    pub signature: Option<Vec<u8>>,
    pub rating: Option<u8>,
    /// Materials accepted as missing (容缺受理), with the date each is due.
    pub owed: Vec<OwedMaterial>,
}

/// A material the case was accepted without, and by when the applicant promised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedMaterial {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub due: String,
}

/// The sealed part of a case.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Personal {
    applicant: Applicant,
    form: BTreeMap<String, String>,
    signature: Option<Vec<u8>>,
    rating: Option<u8>,
    /// Absent from cases stored before 容缺受理.
    #[serde(default)]
    owed: Vec<OwedMaterial>,
}

/// A case as listed: personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: String,
    pub theme: String,
    pub created_at: i64,
    pub state: SyncState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub applicant: Option<String>,
    pub id_number: Option<String>,
    pub materials: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MaterialInfo {
    pub name: String,
    pub pages: u32,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub answers: BTreeMap<String, String>,
    pub central_number: Option<String>,
    pub receipt: String,
    pub materials: Vec<MaterialInfo>,
    /// When the case was written to a USB export bundle (it still syncs online).
    pub exported_at: Option<i64>,
    /// The central system's latest decision (`received`, `in_review`, …) and its reason.
    pub remote_status: Option<String>,
    pub remote_reason: Option<String>,
}

/// Everything the central system receives about a case, decrypted (for sync and export
/// only; never logged or shown).
#[derive(Debug, Clone)]
pub struct CasePayload {
    pub theme: String,
    pub created_at: i64,
    pub answers: BTreeMap<String, String>,
    pub applicant: Applicant,
    pub form: BTreeMap<String, String>,
    pub signature: Option<Vec<u8>>,
    pub rating: Option<u8>,
    /// Materials accepted as missing, with their due dates.
    pub owed: Vec<OwedMaterial>,
    /// (name, pages) per attachment, in order; bytes via [`Store::attachment`].
    pub materials: Vec<(String, u32)>,
}

/// One row of the summary query, before decryption.
struct SummaryRow {
    id: String,
    theme: String,
    created_at: i64,
    state: String,
    attempts: u32,
    last_error: Option<String>,
    personal: Option<Vec<u8>>,
    materials: usize,
}

impl SummaryRow {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
        Ok(SummaryRow {
            id: r.get(0)?,
            theme: r.get(1)?,
            created_at: r.get(2)?,
            state: r.get(3)?,
            attempts: r.get(4)?,
            last_error: r.get(5)?,
            personal: r.get(6)?,
            materials: r.get(7)?,
        })
    }
}

pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) dir: PathBuf,
    pub(crate) key: DataKey,
    /// Free space kept in reserve: a submission that would eat into it is refused.
    pub reserve_bytes: u64,
}

/// How long personal data stays after the central system has a case (so a receipt can be
/// reprinted): 7 days.
pub const DEFAULT_RETENTION_MS: i64 = 7 * DAY_MS;

const DAY_MS: i64 = 86_400_000;

/// 2020-01-01 UTC: a timestamp before this comes from a clock that was not set.
const PLAUSIBLE_SINCE_MS: i64 = 1_577_836_800_000;

/// How long each kind of data may stay on the kiosk. Every kind has a limit: a case that can
/// never leave (the kiosk was revoked, or is never reconnected nor exported) must not keep a
/// citizen's data for ever either. The kiosk's settings (`[retention]` in `kiosk.toml`) set
/// them; these are the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Personal data, answers and scans of a case the central system has (kept so a receipt
    /// can be reprinted): 7 days after the acknowledgement.
    pub delivered_ms: i64,
    /// The same for a case never delivered: 90 days after it was submitted. Long enough for a
    /// kiosk offline for weeks to reconnect or be exported by USB; after that the case is
    /// given up (audit action `expired`) rather than kept without end. (A case stamped by a
    /// clock that was not set, before 2020, is never given up by age.)
    pub undelivered_ms: i64,
    /// A rating's free-text comment: 30 days after it was given (the score itself, which says
    /// nothing about anyone, stays for the statistics).
    pub comment_ms: i64,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            delivered_ms: DEFAULT_RETENTION_MS,
            undelivered_ms: 90 * DAY_MS,
            comment_ms: 30 * DAY_MS,
        }
    }
}

/// What one retention run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Delivered cases purged of personal data.
    pub delivered: usize,
    /// Undelivered cases past their limit, given up and purged.
    pub undelivered: usize,
    /// Rating comments removed.
    pub comments: usize,
    /// Saved, unfinished applications past their day.
    pub drafts: usize,
}

impl Purged {
    /// Logs what a run removed (counts only), and nothing when it removed nothing: the purge
    /// runs hourly on every kiosk.
    pub fn log(&self) {
        if *self != Purged::default() {
            tracing::info!(
                delivered = self.delivered,
                undelivered = self.undelivered,
                comments = self.comments,
                drafts = self.drafts,
                "purged personal data past its retention"
            );
        }
    }
}

/// Default free-space reserve: enough for the database to checkpoint and for logs.
pub const DEFAULT_RESERVE: u64 = 200 * 1024 * 1024;

/// Bytes free for an unprivileged writer on the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}

impl Store {
    /// Opens (or creates) the store in `dir`: `cases.db`, `attachments/`, and the data key
    /// `data.key`. Checks the database first and refuses a damaged one, leaving it in place.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let att = dir.join("attachments");
        std::fs::create_dir_all(&att).map_err(|e| StoreError::io(&att, e))?;
        let key = DataKey::load_or_create(&dir.join("data.key"))?;
        let db = dir.join("cases.db");
        let mut conn = Connection::open(&db)?;
        let check = conn
            .query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| e.to_string());
        if check != "ok" {
            return Err(StoreError::Corrupt(db.display().to_string(), check));
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted rows are overwritten with zeros, not left in free pages for anyone who
        // copies the file: purged data is gone, not merely unlinked.
        conn.pragma_update(None, "secure_delete", "ON")?;
        schema::migrate(&mut conn, &key)?;
        let store = Store {
            conn,
            dir: dir.to_owned(),
            key,
            reserve_bytes: DEFAULT_RESERVE,
        };
        store.remove_orphans()?;
        Ok(store)
    }

    /// Attachment files no committed case refers to: left by a commit interrupted between
    /// writing its files and its transaction. The case never became visible; its files go.
    fn remove_orphans(&self) -> Result<usize, StoreError> {
        let att = self.dir.join("attachments");
        let mut referenced = std::collections::HashSet::new();
        let mut stmt = self.conn.prepare("SELECT file FROM attachments")?;
        for f in stmt.query_map([], |r| r.get::<_, String>(0))? {
            referenced.insert(f?);
        }
        let mut removed = 0;
        for entry in std::fs::read_dir(&att)
            .map_err(|e| StoreError::io(&att, e))?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !referenced.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(removed, "removed attachment files of interrupted commits");
        }
        Ok(removed)
    }

    /// Commits a case durably; returns its id. Files first (written, fsynced, renamed), then
    /// one transaction: the case exists entirely or not at all.
    pub fn commit(&mut self, case: &NewCase, now_ms: i64) -> Result<String, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        self.commit_with_id(&id, case, now_ms)?;
        Ok(id)
    }

    /// [`Store::commit`] under an id the caller chose (a UUID: the screenshot gallery numbers
    /// its sample cases so that two runs draw the same receipt). An id already taken is an
    /// error and writes nothing.
    pub fn commit_with_id(
        &mut self,
        id: &str,
        case: &NewCase,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let id = uuid::Uuid::parse_str(id)
            .map_err(|_| StoreError::BadCaseId(id.to_owned()))?
            .to_string();
        // An existing case's attachment files carry its id: never write over them.
        let taken: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?1)",
            params![id],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::CaseIdTaken(id));
        }
        // Refuse before writing anything: a half-written case on a full disk helps nobody.
        let size: u64 = case
            .materials
            .iter()
            .map(|m| m.pdf.len() as u64 + 64)
            .sum::<u64>()
            + 64 * 1024;
        if let Some(free) = free_bytes(&self.dir) {
            let needed = size + self.reserve_bytes;
            if free < needed {
                return Err(StoreError::DiskFull {
                    free_mb: free / (1024 * 1024),
                    needed_mb: needed.div_ceil(1024 * 1024),
                });
            }
        }
        let att = self.dir.join("attachments");
        let mut rows = Vec::new();
        for (i, m) in case.materials.iter().enumerate() {
            let file = format!("{id}-{i}.bin");
            let tmp = att.join(format!(".tmp-{file}"));
            let sealed = self.key.seal(&m.pdf, format!("{id}/{i}").as_bytes());
            {
                let mut f = File::create(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
                std::io::Write::write_all(&mut f, &sealed).map_err(|e| StoreError::io(&tmp, e))?;
                f.sync_all().map_err(|e| StoreError::io(&tmp, e))?;
            }
            let dest = att.join(&file);
            std::fs::rename(&tmp, &dest).map_err(|e| StoreError::io(&dest, e))?;
            let sha: String = Sha256::digest(&m.pdf)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            rows.push((i, m, sha, sealed.len(), file));
        }
        sync_dir(&att)?;
        let personal = Personal {
            applicant: case.applicant.clone(),
            form: case.form.clone(),
            signature: case.signature.clone(),
            rating: case.rating,
            owed: case.owed.clone(),
        };
        let plain = serde_json::to_vec(&personal).unwrap_or_default();
        let sealed = self.key.seal(&plain, id.as_bytes());
        let answers = serde_json::to_vec(&case.answers).unwrap_or_else(|_| b"{}".to_vec());
        let answers = self.key.seal(&answers, &answers_aad(&id));
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO cases (id, theme, answers, created_at, personal) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, case.theme, answers, now_ms, sealed],
        )?;
        for (i, m, sha, size, file) in &rows {
            tx.execute(
                "INSERT INTO attachments (case_id, idx, name, pages, sha256, size, file) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, *i as i64, m.name, m.pages, sha, *size as i64, file],
            )?;
        }
        tx.execute(
            "INSERT INTO audit (at, case_id, action, actor) VALUES (?1, ?2, 'committed', 'kiosk')",
            params![now_ms, id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A case's answers: sealed (since schema 6), or empty once purged.
    fn answers(
        &self,
        id: &str,
        stored: rusqlite::types::Value,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        use rusqlite::types::Value;
        match stored {
            Value::Blob(b) if b.is_empty() => Ok(BTreeMap::new()),
            Value::Blob(b) => {
                let plain = self.key.open(&b, &answers_aad(id))?;
                serde_json::from_slice(&plain).map_err(|_| StoreError::Tampered)
            }
            // Schema 6 sealed every plain answer set; none is written in clear since.
            _ => Ok(BTreeMap::new()),
        }
    }

    fn personal(&self, id: &str, sealed: Option<Vec<u8>>) -> Option<Personal> {
        let plain = self.key.open(&sealed?, id.as_bytes()).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    fn summary(&self, row: SummaryRow) -> CaseSummary {
        let p = self.personal(&row.id, row.personal);
        CaseSummary {
            theme: row.theme,
            created_at: row.created_at,
            state: SyncState::parse(&row.state),
            attempts: row.attempts,
            last_error: row.last_error,
            applicant: p.as_ref().map(|p| mask::name(&p.applicant.name)),
            id_number: p.as_ref().map(|p| mask::id_number(&p.applicant.id_number)),
            materials: row.materials,
            id: row.id,
        }
    }

    const SUMMARY_SQL: &'static str =
        "SELECT c.id, c.theme, c.created_at, c.state, c.attempts, c.last_error, c.personal,
            (SELECT COUNT(*) FROM attachments a WHERE a.case_id = c.id)
         FROM cases c";

    pub fn list(&self) -> Result<Vec<CaseSummary>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "{} ORDER BY c.created_at, c.id",
            Self::SUMMARY_SQL
        ))?;
        let rows = stmt.query_map([], SummaryRow::read)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(self.summary(row?));
        }
        Ok(out)
    }

    pub fn get(&self, id: &str) -> Result<CaseDetail, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("{} WHERE c.id = ?1", Self::SUMMARY_SQL),
                [id],
                SummaryRow::read,
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchCase(id.to_owned()))?;
        #[allow(clippy::type_complexity)]
        let (answers, central_number, receipt, exported_at, remote_status, remote_reason): (
            rusqlite::types::Value,
            Option<String>,
            String,
            Option<i64>,
            Option<String>,
            Option<String>,
        ) = self.conn.query_row(
            "SELECT answers, central_number, receipt, exported_at, remote_status, remote_reason
             FROM cases WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT name, pages, sha256, size FROM attachments WHERE case_id = ?1 ORDER BY idx",
        )?;
        let materials = stmt
            .query_map([id], |r| {
                Ok(MaterialInfo {
                    name: r.get(0)?,
                    pages: r.get(1)?,
                    sha256: r.get(2)?,
                    size: r.get::<_, i64>(3)? as u64,
                })
            })?
            .collect::<Result<_, _>>()?;
        let answers = self.answers(id, answers).unwrap_or_default();
        Ok(CaseDetail {
            summary: self.summary(row),
            answers,
            central_number,
            receipt,
            materials,
            exported_at,
            remote_status,
            remote_reason,
        })
    }

    /// The case as the central system receives it. Fails for a purged case.
    pub fn payload(&self, id: &str) -> Result<CasePayload, StoreError> {
        #[allow(clippy::type_complexity)]
        let (theme, created_at, answers, sealed): (
            String,
            i64,
            rusqlite::types::Value,
            Option<Vec<u8>>,
        ) = self
            .conn
            .query_row(
                "SELECT theme, created_at, answers, personal FROM cases WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchCase(id.to_owned()))?;
        let sealed = sealed.ok_or_else(|| StoreError::NoSuchCase(format!("{id} (purged)")))?;
        let plain = self.key.open(&sealed, id.as_bytes())?;
        let p: Personal = serde_json::from_slice(&plain).map_err(|_| StoreError::Tampered)?;
        let mut stmt = self
            .conn
            .prepare("SELECT name, pages FROM attachments WHERE case_id = ?1 ORDER BY idx")?;
        let materials = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(CasePayload {
            answers: self.answers(id, answers)?,
            theme,
            created_at,
            applicant: p.applicant,
            form: p.form,
            signature: p.signature,
            rating: p.rating,
            owed: p.owed,
            materials,
        })
    }

    /// The citizen's rating of the service for a case (once; a second rating replaces it).
    /// The comment is free text a citizen typed, so it is sealed like the other personal
    /// fields, and removed after [`Retention::comment_ms`].
    pub fn record_rating(
        &mut self,
        id: &str,
        rating: u8,
        comment: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let comment = comment.map(|c| self.key.seal(c.as_bytes(), &comment_aad(id)));
        self.conn.execute(
            "INSERT INTO ratings (case_id, rating, comment, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(case_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, at = excluded.at",
            params![id, rating, comment, now_ms],
        )?;
        Ok(())
    }

    /// A case's rating and its comment (None once the comment's time is up).
    pub fn rating(&self, id: &str) -> Result<Option<(u8, Option<String>)>, StoreError> {
        let row: Option<(u8, Option<Vec<u8>>)> = self
            .conn
            .query_row(
                "SELECT rating, comment FROM ratings WHERE case_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((rating, comment)) = row else {
            return Ok(None);
        };
        let comment = match comment {
            Some(sealed) => Some(
                String::from_utf8(self.key.open(&sealed, &comment_aad(id))?)
                    .map_err(|_| StoreError::Tampered)?,
            ),
            None => None,
        };
        Ok(Some((rating, comment)))
    }

    /// Cases whose applicant has this ID number ("my cases"), newest first. Purged cases no
    /// longer know their applicant and are not found.
    pub fn find_by_id_number(&self, id_number: &str) -> Result<Vec<CaseDetail>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, personal FROM cases WHERE personal IS NOT NULL ORDER BY created_at DESC",
        )?;
        let rows: Vec<(String, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let want = id_number.to_ascii_uppercase();
        let mut out = Vec::new();
        for (id, sealed) in rows {
            if self
                .personal(&id, Some(sealed))
                .is_some_and(|p| p.applicant.id_number.to_ascii_uppercase() == want)
            {
                out.push(self.get(&id)?);
            }
        }
        Ok(out)
    }

    /// Cases the central system does not have yet, oldest first.
    pub fn pending(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM cases WHERE state IN ('queued', 'uploading') ORDER BY created_at, id",
        )?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Age of the oldest pending case, and how many there are.
    pub fn backlog(&self, now_ms: i64) -> Result<(u64, Option<i64>), StoreError> {
        let (n, oldest): (u64, Option<i64>) = self.conn.query_row(
            "SELECT COUNT(*), MIN(created_at) FROM cases WHERE state IN ('queued', 'uploading')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((n, oldest.map(|t| now_ms - t)))
    }

    /// The case went onto a USB export bundle. It stays queued: the online acknowledgement
    /// (after the county imports the bundle) is what completes it.
    pub fn mark_exported(&mut self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE cases SET exported_at = ?2 WHERE id = ?1",
            params![id, now_ms],
        )?;
        if n == 0 {
            return Err(StoreError::NoSuchCase(id.to_owned()));
        }
        tx.execute(
            "INSERT INTO audit (at, case_id, action, actor) VALUES (?1, ?2, 'exported', 'technician')",
            params![now_ms, id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The central system's decision on a case, from the status feed (applied in the feed's
    /// order, the latest wins). Unknown ids (a case from before a reinstall) are ignored.
    pub fn set_remote_status(
        &mut self,
        id: &str,
        status: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE cases SET remote_status = ?2, remote_reason = ?3, remote_at = ?4
             WHERE id = ?1",
            params![id, status, reason, at],
        )?;
        Ok(n > 0)
    }

    fn state_of(&self, id: &str) -> Result<SyncState, StoreError> {
        let s: Option<String> = self
            .conn
            .query_row("SELECT state FROM cases WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        s.map(|s| SyncState::parse(&s))
            .ok_or_else(|| StoreError::NoSuchCase(id.to_owned()))
    }

    #[allow(clippy::too_many_arguments)]
    fn transition(
        &mut self,
        id: &str,
        from: &[SyncState],
        to: SyncState,
        now_ms: i64,
        actor: &str,
        set: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<(), StoreError> {
        let state = self.state_of(id)?;
        if !from.contains(&state) {
            return Err(StoreError::BadTransition(id.to_owned(), state, to));
        }
        let tx = self.conn.transaction()?;
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id];
        all.extend_from_slice(args);
        tx.execute(
            &format!("UPDATE cases SET {set} WHERE id = ?1"),
            all.as_slice(),
        )?;
        let action = format!("{to:?}").to_lowercase();
        tx.execute(
            "INSERT INTO audit (at, case_id, action, actor) VALUES (?1, ?2, ?3, ?4)",
            params![now_ms, id, action, actor],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sync starts sending a case (again): one more attempt.
    pub fn mark_uploading(&mut self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.transition(
            id,
            &[SyncState::Queued, SyncState::Uploading],
            SyncState::Uploading,
            now_ms,
            "sync",
            "state = 'uploading', attempts = attempts + 1",
            &[],
        )
    }

    /// An attempt failed; the case waits for the next one. The error is kept for `queue list`.
    pub fn mark_failed(&mut self, id: &str, error: &str, now_ms: i64) -> Result<(), StoreError> {
        self.transition(
            id,
            &[SyncState::Uploading, SyncState::Queued],
            SyncState::Queued,
            now_ms,
            "sync",
            "state = 'queued', last_error = ?2",
            &[&error],
        )
    }

    /// The central system has the case. Repeating it is harmless (a late duplicate
    /// acknowledgement of the same case changes nothing).
    pub fn mark_acknowledged(
        &mut self,
        id: &str,
        central_number: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if matches!(
            self.state_of(id)?,
            SyncState::Acknowledged | SyncState::Purged
        ) {
            return Ok(());
        }
        self.transition(
            id,
            &[SyncState::Queued, SyncState::Uploading],
            SyncState::Acknowledged,
            now_ms,
            "sync",
            "state = 'acknowledged', central_number = ?2, acknowledged_at = ?3, last_error = NULL",
            &[&central_number, &now_ms],
        )
    }

    /// Records whether the receipt was printed: `printed`, `not_printed` or `reprinted`.
    pub fn set_receipt(&mut self, id: &str, receipt: &str, now_ms: i64) -> Result<(), StoreError> {
        let state = self.state_of(id)?;
        self.transition(
            id,
            &[state],
            state,
            now_ms,
            "kiosk",
            "receipt = ?2",
            &[&receipt],
        )
    }

    /// Deletes personal data, answers and attachments of cases acknowledged more than
    /// `retention_ms` ago, and everything else past the default [`Retention`] limits; a small
    /// non-personal record (theme, dates, central number) stays for statistics. Returns how
    /// many cases were purged.
    pub fn purge(&mut self, now_ms: i64, retention_ms: i64) -> Result<usize, StoreError> {
        let r = Retention {
            delivered_ms: retention_ms,
            ..Retention::default()
        };
        let p = self.purge_expired(now_ms, &r)?;
        Ok(p.delivered + p.undelivered)
    }

    /// Applies every limit of `r`: delivered cases, cases that never left, rating comments.
    pub fn purge_expired(&mut self, now_ms: i64, r: &Retention) -> Result<Purged, StoreError> {
        let ids = |conn: &Connection, sql: &str, before: i64| -> Result<Vec<String>, StoreError> {
            let mut stmt = conn.prepare(sql)?;
            let ids = stmt
                .query_map([before], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(ids)
        };
        let delivered = ids(
            &self.conn,
            "SELECT id FROM cases WHERE state = 'acknowledged' AND acknowledged_at <= ?1",
            now_ms.saturating_sub(r.delivered_ms),
        )?;
        self.purge_cases(&delivered, now_ms, "purged")?;
        // A case stamped before the kiosk's clock was set (a board without a clock battery
        // starts in 1970 after a power cut) is not old, only misdated: it is never given up
        // by age, or a fresh application would be lost the moment the clock is corrected.
        let undelivered = ids(
            &self.conn,
            &format!(
                "SELECT id FROM cases WHERE state IN ('queued', 'uploading')
                 AND created_at <= ?1 AND created_at >= {PLAUSIBLE_SINCE_MS}"
            ),
            now_ms.saturating_sub(r.undelivered_ms),
        )?;
        if !undelivered.is_empty() {
            tracing::warn!(
                cases = undelivered.len(),
                "cases never delivered within the retention limit were given up and purged"
            );
        }
        self.purge_cases(&undelivered, now_ms, "expired")?;
        let comments = self.conn.execute(
            "UPDATE ratings SET comment = NULL WHERE comment IS NOT NULL AND at <= ?1",
            [now_ms.saturating_sub(r.comment_ms)],
        )?;
        let drafts = self.purge_drafts(now_ms)?;
        Ok(Purged {
            delivered: delivered.len(),
            undelivered: undelivered.len(),
            comments,
            drafts,
        })
    }

    /// Removes the personal part of each case (sealed data, answers, scans, the central
    /// system's free-text reason), leaving the non-personal record. `action` goes to the
    /// audit log.
    fn purge_cases(&mut self, due: &[String], now_ms: i64, action: &str) -> Result<(), StoreError> {
        for id in due {
            let files: Vec<String> = {
                let mut stmt = self
                    .conn
                    .prepare("SELECT file FROM attachments WHERE case_id = ?1")?;
                stmt.query_map([id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            let tx = self.conn.transaction()?;
            tx.execute("DELETE FROM attachments WHERE case_id = ?1", [id])?;
            tx.execute(
                "UPDATE cases SET personal = NULL, answers = X'', remote_reason = NULL,
                    last_error = NULL, state = 'purged'
                 WHERE id = ?1",
                [id],
            )?;
            tx.execute(
                "INSERT INTO audit (at, case_id, action, actor) VALUES (?1, ?2, ?3, 'retention')",
                params![now_ms, id, action],
            )?;
            tx.commit()?;
            // Files go after the commit: a crash in between leaves orphans, removed at open.
            for f in files {
                let _ = std::fs::remove_file(self.dir.join("attachments").join(f));
            }
        }
        Ok(())
    }

    pub fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn kv_set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Cases committed (from the audit log) and cases present: equal unless something was
    /// lost or duplicated.
    pub fn counts(&self) -> Result<(u64, u64), StoreError> {
        let committed: u64 = self.conn.query_row(
            "SELECT COUNT(*) FROM audit WHERE action = 'committed'",
            [],
            |r| r.get(0),
        )?;
        let present: u64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))?;
        Ok((committed, present))
    }

    /// A material's PDF, decrypted and checked against its recorded SHA-256.
    pub fn attachment(&self, id: &str, idx: u32) -> Result<Vec<u8>, StoreError> {
        let (file, sha): (String, String) = self
            .conn
            .query_row(
                "SELECT file, sha256 FROM attachments WHERE case_id = ?1 AND idx = ?2",
                params![id, idx],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchCase(format!("{id} attachment {idx}")))?;
        let path = self.dir.join("attachments").join(&file);
        let sealed =
            std::fs::read(&path).map_err(|_| StoreError::MissingAttachment(file.clone()))?;
        let pdf = self.key.open(&sealed, format!("{id}/{idx}").as_bytes())?;
        let got: String = Sha256::digest(&pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if got != sha {
            return Err(StoreError::Tampered);
        }
        Ok(pdf)
    }

    /// Full integrity check: SQLite's own, and every attachment present and authentic.
    pub fn check(&self) -> Result<usize, StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result != "ok" {
            return Err(StoreError::Corrupt(
                self.dir.join("cases.db").display().to_string(),
                result,
            ));
        }
        let mut stmt = self.conn.prepare("SELECT case_id, idx FROM attachments")?;
        let all: Vec<(String, u32)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, idx) in &all {
            self.attachment(id, *idx)?;
        }
        Ok(all.len())
    }
}
