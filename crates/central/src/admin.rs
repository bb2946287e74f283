//! What officers and administrators do from the command line: enrollment codes, case lists,
//! status changes, devices, catalog publishing, USB imports. Each runs on its own connection
//! beside a running server (SQLite WAL lets both work at once).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::params;
use crate::sql::{Conn, OptionalExtension};
use anyhow::{Context, Result, bail};
use onevisit_domain::mask;
use onevisit_sync::auth;
use onevisit_sync::proto::{CaseManifest, CaseStatus, IntakeState};
use serde::Serialize;

use crate::keys::Keys;

/// Enrollment codes expire after a week unused.
pub const CODE_TTL_MS: i64 = 7 * 86_400_000;

/// Sets the technician PIN of `site`'s kiosks (they take it with their next heartbeat). Only
/// its slow salted hash is kept.
pub fn set_technician_pin(conn: &Conn, site: &str, pin: &str, now: i64) -> Result<()> {
    if site.trim().is_empty() {
        bail!("the site name must not be empty");
    }
    onevisit_sync::pin::check_new(pin).map_err(|e| anyhow::anyhow!(e))?;
    let salt: [u8; 16] = onevisit_sync::random_bytes();
    let hash = onevisit_sync::pin::hash(pin, &salt, onevisit_sync::pin::ITERATIONS);
    conn.upsert(
        "UPDATE technician_pins SET pin_hash = ?2, set_at = ?3 WHERE site = ?1",
        "INSERT INTO technician_pins (site, pin_hash, set_at) VALUES (?1, ?2, ?3)",
        crate::params![site.trim(), hash, now],
    )?;
    Ok(())
}

pub fn enroll_code(conn: &Conn, site: &str, now: i64) -> Result<String> {
    if site.trim().is_empty() {
        bail!("the site name must not be empty");
    }
    let code = auth::new_code();
    conn.execute(
        "INSERT INTO enroll_codes (code_id, code, site, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![auth::code_id(&code), auth::normalize_code(&code), site.trim(), now, now + CODE_TTL_MS],
    )?;
    Ok(code)
}

#[derive(Debug, Serialize)]
pub struct AttachmentRow {
    pub index: u32,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// Bytes received so far.
    pub received: u64,
}

#[derive(Debug, Serialize)]
pub struct CaseRow {
    pub id: String,
    pub case_number: String,
    pub site: String,
    pub device_id: String,
    pub theme: String,
    /// `receiving` or `committed`.
    pub state: String,
    pub status: Option<String>,
    pub reason: Option<String>,
    /// Masked: officers open the full record in the case system, not in a terminal.
    pub applicant: String,
    pub id_number: String,
    pub submitted_at: i64,
    pub received_at: i64,
    pub committed_at: Option<i64>,
    /// `online` or `usb`.
    pub source: String,
    pub attachments: Vec<AttachmentRow>,
}

pub fn list_cases(conn: &Conn) -> Result<Vec<CaseRow>> {
    cases_where(conn, None)
}

/// Every case, or the one whose number or kiosk UUID is `id`.
pub fn cases_where(conn: &Conn, id: Option<&str>) -> Result<Vec<CaseRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, number, site, device_id, theme, state, status, reason, manifest, submitted_at,
                received_at, committed_at, source FROM cases
         WHERE CAST(?1 AS TEXT) IS NULL OR id = ?1 OR number = ?1 ORDER BY received_at, number",
    )?;
    let mut rows: Vec<CaseRow> = stmt
        .query_map([id], |r| {
            let manifest: String = r.get(8)?;
            let m: Option<CaseManifest> = serde_json::from_str(&manifest).ok();
            Ok(CaseRow {
                id: r.get(0)?,
                case_number: r.get(1)?,
                site: r.get(2)?,
                device_id: r.get(3)?,
                theme: r.get(4)?,
                state: r.get(5)?,
                status: r.get(6)?,
                reason: r.get(7)?,
                applicant: m
                    .as_ref()
                    .map_or_else(String::new, |m| mask::name(&m.applicant.name)),
                id_number: m
                    .as_ref()
                    .map_or_else(String::new, |m| mask::id_number(&m.applicant.id_number)),
                submitted_at: r.get(9)?,
                received_at: r.get(10)?,
                committed_at: r.get(11)?,
                source: r.get(12)?,
                attachments: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut att = conn.prepare(
        "SELECT idx, name, size, sha256, \"offset\" FROM attachments WHERE case_id = ?1 ORDER BY idx",
    )?;
    for row in &mut rows {
        row.attachments = att
            .query_map([&row.id], |r| {
                Ok(AttachmentRow {
                    index: r.get(0)?,
                    name: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    sha256: r.get(3)?,
                    received: r.get::<_, i64>(4)? as u64,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(rows)
}

/// Records an officer's decision. `id` is the case number or the kiosk's case UUID.
pub fn set_status(
    conn: &mut Conn,
    id: &str,
    status: &str,
    reason: Option<&str>,
    now: i64,
    officer: &str,
) -> Result<String> {
    let Some(st) = CaseStatus::parse(status) else {
        bail!(
            "unknown status {status:?}; use one of: {}",
            CaseStatus::ALL.map(|s| s.as_str()).join(", ")
        );
    };
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if matches!(st, CaseStatus::Rejected | CaseStatus::NeedsCorrection) && reason.is_none() {
        bail!(
            "a rejection or a request for corrections needs --reason: the citizen must be told why and what to do"
        );
    }
    let tx = conn.transaction()?;
    let row: Option<(String, String, String, IntakeState)> = tx
        .query_row(
            "SELECT id, number, device_id, state FROM cases WHERE id = ?1 OR number = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    crate::db::intake_state(r, 3)?,
                ))
            },
        )
        .optional()?;
    let Some((case_id, number, device, state)) = row else {
        bail!("no case {id}; `onevisit-central cases list` shows them");
    };
    if state != IntakeState::Committed {
        bail!("case {number} has not finished arriving yet (attachments still uploading)");
    }
    // A case the workbench has taken up follows its rules (`workflow.rs`): from here only the
    // results' collection is recorded.
    let in_workbench: Option<String> = tx
        .query_row(
            "SELECT stage FROM case_work WHERE case_id = ?1",
            [&case_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(stage) = in_workbench
        && st != CaseStatus::ReadyForPickup
    {
        bail!(
            "case {number} is in the workbench ({stage}): decide it there (https://<this server>:8443/cases/{number}); here only ready_for_pickup can be recorded"
        );
    }
    tx.execute(
        "UPDATE cases SET status = ?2, reason = ?3 WHERE id = ?1",
        params![case_id, st.as_str(), reason],
    )?;
    tx.execute(
        "INSERT INTO status_changes (case_id, device_id, status, reason, at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![case_id, device, st.as_str(), reason, now, officer],
    )?;
    tx.commit()?;
    Ok(number)
}

#[derive(Debug, Serialize)]
pub struct DeviceRow {
    pub id: String,
    pub site: String,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
    pub last_seen: Option<i64>,
    pub heartbeat: Option<serde_json::Value>,
}

pub fn devices(conn: &Conn) -> Result<Vec<DeviceRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, site, enrolled_at, revoked_at, last_seen, heartbeat FROM devices ORDER BY enrolled_at",
    )?;
    let rows = stmt
        .query_map([], |r| {
            let hb: Option<String> = r.get(5)?;
            Ok(DeviceRow {
                id: r.get(0)?,
                site: r.get(1)?,
                enrolled_at: r.get(2)?,
                revoked_at: r.get(3)?,
                last_seen: r.get(4)?,
                heartbeat: hb.and_then(|h| serde_json::from_str(&h).ok()),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn revoke(conn: &Conn, id: &str, now: i64) -> Result<()> {
    let n = conn.execute(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
        params![id, now],
    )?;
    if n == 0 {
        bail!("no device {id}; `onevisit-central devices list` shows them");
    }
    Ok(())
}

pub fn catalog_path(data: &Path, version: u64) -> PathBuf {
    crate::catalog::bundle_path(data, version)
}

/// Checks a catalog folder with the kiosk's own loader, signs it as the next version (valid
/// for [`crate::catalog::DEFAULT_VALID_DAYS`]), and makes it available to kiosks. Returns the
/// version. See [`crate::catalog`] for signing offline.
pub fn publish(conn: &Conn, data: &Path, keys: &Keys, dir: &Path, now: i64) -> Result<u64> {
    crate::catalog::publish_dir(
        conn,
        data,
        keys,
        dir,
        now,
        crate::catalog::DEFAULT_VALID_DAYS,
    )
}

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub device_id: String,
    pub site: String,
    pub cases: u64,
    /// Cases new to the central system.
    pub imported: u64,
    /// Cases it had already (online, or from an earlier import of the same bundle).
    pub already: u64,
    /// Cases that had started arriving online and were completed from the bundle.
    pub completed: u64,
}

/// Ingests a USB export bundle: read once, decrypted into a private spool while its device's
/// signature is checked over the same bytes, then committed whole, or refused with nothing
/// changed ([`crate::import`]). Running the import again, or the kiosk sending the same case
/// online later, changes nothing.
pub fn import(
    conn: &mut Conn,
    data: &Path,
    keys: &Keys,
    path: &Path,
    now: i64,
) -> Result<ImportReport> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    import_from(conn, data, keys, file, now)
}

/// [`import`] from an open file (or anything that reads like one). It is read once, front to
/// back: a reader that cannot seek is all it needs.
pub fn import_from<R: Read>(
    conn: &mut Conn,
    data: &Path,
    keys: &Keys,
    file: R,
    now: i64,
) -> Result<ImportReport> {
    let blobs = crate::blobs::Folder::new(data);
    crate::import::import_from(conn, data, &blobs, keys, file, now)
}

/// [`import`] into the attachment store `at` names (an S3 bucket, or the data folder).
pub fn import_at(
    conn: &mut Conn,
    at: &crate::sql::Location,
    keys: &Keys,
    path: &Path,
    now: i64,
) -> Result<ImportReport> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let blobs = crate::blobs::open(at).context("opening the attachment store")?;
    blobs
        .ready()
        .with_context(|| format!("the attachment store {}", blobs.describe()))?;
    crate::import::import_from(conn, &at.data, &*blobs, keys, file, now)
}
