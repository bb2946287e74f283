//! Taking cases in: the rules shared by the online API and USB import. Functions here run
//! inside a database job (or a CLI transaction); file reading happens outside them.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::params;
use crate::sql::{Conn, OptionalExtension};
use chrono::{Datelike, TimeZone, Utc};
use onevisit_sync::proto::{
    CaseManifest, CaseReceipt, IntakeState, MAX_ATTACHMENT, UploadState, check_manifest,
    valid_case_id,
};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The one check of a case id, for the API and USB import alike. A case id names a folder
/// under `attachments/`, so only the kiosk's UUID in lower case passes: no `/`, no `..`.
pub fn check_case_id(id: &str) -> Result<(), ApiError> {
    if valid_case_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad_case_id",
            "a case id is the kiosk's UUID in lower case",
        ))
    }
}

/// Where attachment `idx` of a case is kept. Only for ids that passed [`check_case_id`];
/// [`attachment_dest`] also makes sure of the folder on disk.
pub fn attachment_path(data: &Path, case_id: &str, idx: u32) -> PathBuf {
    data.join("attachments")
        .join(case_id)
        .join(format!("{idx}.bin"))
}

/// Checks, without creating anything, that a case's attachment folder is either not there
/// yet or a real folder (not a link, not a file): what [`attachment_dest`] will accept.
pub fn check_attachment_dir(data: &Path, case_id: &str) -> Result<(), ApiError> {
    check_case_id(case_id)?;
    let dir = data.join("attachments").join(case_id);
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(outside(case_id, &dir)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn outside(case_id: &str, dir: &Path) -> ApiError {
    ApiError::new(
        500,
        "storage",
        format!(
            "the folder for case {case_id} ({}) is a link or not a folder; check the data folder for planted links",
            dir.display()
        ),
    )
}

/// [`attachment_path`], made sure of before a file is moved there: the id is checked, the
/// case's folder is created, and its resolved path must be exactly `attachments/<id>` (so
/// neither an id nor a symbolic link planted in the data folder leads anywhere else).
pub fn attachment_dest(data: &Path, case_id: &str, idx: u32) -> Result<PathBuf, ApiError> {
    check_case_id(case_id)?;
    let root = data.join("attachments");
    crate::private::dir(&root)?;
    let root = root.canonicalize()?;
    let dir = root.join(case_id);
    crate::private::dir(&dir)?;
    if dir.canonicalize()? != dir {
        return Err(outside(case_id, &dir));
    }
    Ok(dir.join(format!("{idx}.bin")))
}

/// Validates a manifest: 422 for what it says, 413 for sizes beyond the limits.
pub fn validate(m: &CaseManifest) -> Result<(), ApiError> {
    check_manifest(m).map_err(|e| ApiError::new(422, "invalid_case", e))?;
    // No text holds a NUL character: PostgreSQL's text and JSON refuse it, and no form
    // field, name or answer has one; refused alike on both engines.
    if serde_json::to_value(m).is_ok_and(|v| has_nul(&v)) {
        return Err(ApiError::new(
            422,
            "invalid_case",
            "a text in the case holds a NUL character",
        ));
    }
    if let Some(a) = m.attachments.iter().find(|a| a.size > MAX_ATTACHMENT) {
        return Err(ApiError::new(
            413,
            "attachment_too_large",
            format!(
                "attachment {} is {} bytes; at most {MAX_ATTACHMENT} are accepted",
                a.index, a.size
            ),
        ));
    }
    Ok(())
}

fn has_nul(v: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match v {
        J::String(s) => s.contains('\0'),
        J::Array(a) => a.iter().any(has_nul),
        J::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// SHA-256 of the manifest's canonical JSON: the same case sent twice hashes the same.
pub fn manifest_hash(m: &CaseManifest) -> String {
    onevisit_sync::sha256_hex(&serde_json::to_vec(m).unwrap_or_default())
}

pub fn receipt(conn: &Conn, case_id: &str) -> Result<CaseReceipt, ApiError> {
    let (number, state): (String, IntakeState) = conn
        .query_row(
            "SELECT number, state FROM cases WHERE id = ?1",
            [case_id],
            |r| Ok((r.get(0)?, crate::db::intake_state(r, 1)?)),
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no case {case_id}")))?;
    let mut stmt = conn.prepare_cached(
        "SELECT idx, \"offset\", size FROM attachments WHERE case_id = ?1 ORDER BY idx",
    )?;
    let attachments = stmt
        .query_map([case_id], |r| {
            Ok(UploadState {
                index: r.get(0)?,
                offset: r.get::<_, i64>(1)? as u64,
                length: r.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(CaseReceipt {
        case_number: number,
        state,
        attachments,
    })
}

fn next_number(conn: &Conn, now: i64) -> Result<String, ApiError> {
    let year = Utc
        .timestamp_millis_opt(now)
        .single()
        .map_or(1970, |t| t.year());
    let name = format!("case-{year}");
    // A row lock on the counter: two nodes taking numbers at once take them one at a time.
    conn.upsert(
        "UPDATE counters SET value = value + 1 WHERE name = ?1",
        "INSERT INTO counters (name, value) VALUES (?1, 1)",
        [&name],
    )?;
    let n: i64 = conn.query_row("SELECT value FROM counters WHERE name = ?1", [&name], |r| {
        r.get(0)
    })?;
    Ok(format!("{year}-{n:06}"))
}

/// Creates a case, or returns the existing one when the same device sends the same case
/// again. `true` when it was created now.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &Conn,
    device_id: &str,
    site: &str,
    case_id: &str,
    m: &CaseManifest,
    hash: &str,
    now: i64,
    source: &str,
) -> Result<(CaseReceipt, bool), ApiError> {
    check_case_id(case_id)?;
    let manifest = serde_json::to_string(m).map_err(|e| ApiError::internal(e.to_string()))?;
    // The case's key decides, not a lock in one process: of two nodes inserting the same
    // case at once, the database lets one in and refuses the other, which then answers as
    // for a case sent again. Only the one let in takes a number, so none is skipped; until
    // then the row holds a placeholder no number can equal.
    let inserted = conn.insert_or_ignore(
        "INSERT INTO cases (id, number, device_id, site, theme, manifest, manifest_sha256, state,
                            submitted_at, received_at, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'receiving', ?8, ?9, ?10)",
        params![
            case_id,
            format!("pending-{case_id}"),
            device_id,
            site,
            m.theme,
            manifest,
            hash,
            m.submitted_at,
            now,
            source
        ],
    )?;
    if !inserted {
        let (dev, sha): (String, String) = conn.query_row(
            "SELECT device_id, manifest_sha256 FROM cases WHERE id = ?1",
            [case_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if dev != device_id {
            return Err(ApiError::new(
                409,
                "case_conflict",
                format!("case {case_id} was submitted by another device"),
            ));
        }
        if sha != hash {
            return Err(ApiError::new(
                409,
                "case_conflict",
                format!(
                    "case {case_id} already exists with different content; a case cannot be changed once submitted"
                ),
            ));
        }
        return Ok((receipt(conn, case_id)?, false));
    }
    let number = next_number(conn, now)?;
    conn.execute(
        "UPDATE cases SET number = ?2 WHERE id = ?1",
        params![case_id, number],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO attachments (case_id, idx, name, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for a in &m.attachments {
        stmt.execute(params![case_id, a.index, a.name, a.size as i64, a.sha256])?;
    }
    Ok((receipt(conn, case_id)?, true))
}

/// Reads an attachment file and checks it is complete and hashes as declared.
pub fn verify_file(path: &Path, size: u64, sha256: &str) -> Result<bool, std::io::Error> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(size == 0 && sha256 == onevisit_sync::sha256_hex(b""));
        }
        Err(e) => return Err(e),
    };
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n_total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        n_total += n as u64;
        if n_total > size {
            return Ok(false);
        }
        h.update(&buf[..n]);
    }
    Ok(n_total == size && onevisit_sync::hex(&h.finalize()) == sha256)
}

/// Attachments of a case: (index, size, sha256, offset).
pub fn attachments(conn: &Conn, case_id: &str) -> Result<Vec<(u32, u64, String, u64)>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT idx, size, sha256, \"offset\" FROM attachments WHERE case_id = ?1 ORDER BY idx",
    )?;
    let rows = stmt
        .query_map([case_id], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get(2)?,
                r.get::<_, i64>(3)? as u64,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Marks a fully received, verified case committed: it is "received" for the officers.
pub fn commit(conn: &Conn, case_id: &str, now: i64, actor: &str) -> Result<CaseReceipt, ApiError> {
    let (state, device): (IntakeState, String) = conn
        .query_row(
            "SELECT state, device_id FROM cases WHERE id = ?1",
            [case_id],
            |r| Ok((crate::db::intake_state(r, 0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no case {case_id}")))?;
    if state != IntakeState::Committed {
        let missing: Vec<String> = attachments(conn, case_id)?
            .into_iter()
            .filter(|(_, size, _, off)| off != size)
            .map(|(i, size, _, off)| format!("{i} ({off} of {size} bytes)"))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::new(
                409,
                "incomplete",
                format!("attachments not fully uploaded: {}", missing.join(", ")),
            ));
        }
        // Conditional, so of two nodes committing the same case at once only one records it
        // received: the other's update waits for the first's row and then finds it committed.
        let changed = conn.execute(
            "UPDATE cases SET state = 'committed', committed_at = ?2, status = 'received'
             WHERE id = ?1 AND state <> 'committed'",
            params![case_id, now],
        )?;
        if changed == 1 {
            conn.execute(
                "INSERT INTO status_changes (case_id, device_id, status, at, actor) VALUES (?1, ?2, 'received', ?3, ?4)",
                params![case_id, device, now, actor],
            )?;
        }
    }
    receipt(conn, case_id)
}

/// Starts an attachment over (its bytes did not hash as declared).
pub fn reset_attachment(conn: &Conn, case_id: &str, idx: u32) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE attachments SET \"offset\" = 0 WHERE case_id = ?1 AND idx = ?2",
        params![case_id, idx],
    )?;
    Ok(())
}
