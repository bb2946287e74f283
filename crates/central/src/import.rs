//! `onevisit-central import`: a USB bundle, read once into a private spool, then committed.
//!
//! The bundle is read front to back from one open file ([`export::read_verified`]): cases are
//! decrypted into a spool folder on the data disk (mode 0700, files 0600, named by position in
//! the bundle, never by anything the bundle says) while the device's signature is computed
//! over those same bytes. Nothing moves before it verified. Then, in one transaction, every
//! case is checked against what is here (a conflict refuses the whole import), the spooled
//! attachments are renamed into `attachments/` and the cases committed together. A refused
//! import changes nothing; the spool is removed whatever happens.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::params;
use crate::sql::{Conn, OptionalExtension, TransactionBehavior};
use anyhow::{Context, Result, anyhow};
use onevisit_sync::auth;
use onevisit_sync::export::{self, CaseSink, ExportError, ExportHeader, ExportedCase};
use onevisit_sync::proto::IntakeState;

use crate::admin::ImportReport;
use crate::blobs::Blobs;
use crate::intake;
use crate::keys::Keys;

/// Bundles are read in large pieces: a USB stick is slow per request, not per byte.
const READ_BUFFER: usize = 256 * 1024;

/// A bundle's cases as decrypted, before (and until) its signature verified: `{n}.json` per
/// case and `{n}.{index}.bin` per attachment, `n` counting from 0. Removed when dropped.
pub struct Spool {
    dir: PathBuf,
    cases: u64,
    current: Option<u64>,
    file: Option<(File, PathBuf)>,
}

fn private_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

fn spool_io(path: &Path, e: std::io::Error) -> ExportError {
    ExportError::Io(std::io::Error::new(
        e.kind(),
        format!("writing the import spool {}: {e}", path.display()),
    ))
}

impl Spool {
    /// A new, empty spool under `data/spool/`. Spools left by imports that were killed
    /// (their process is gone) are removed first.
    pub fn create(data: &Path) -> std::io::Result<Spool> {
        let parent = data.join("spool");
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&parent)?;
        remove_abandoned(&parent);
        let name = format!(
            "import-{}-{}",
            std::process::id(),
            onevisit_sync::hex(&onevisit_sync::random_bytes::<8>())
        );
        let dir = parent.join(name);
        if let Err(e) = DirBuilder::new().mode(0o700).create(&dir) {
            // Another import that just finished may have removed the empty parent.
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(e);
            }
            DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        }
        Ok(Spool {
            dir,
            cases: 0,
            current: None,
            file: None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many cases were spooled.
    pub fn cases(&self) -> u64 {
        self.cases
    }

    fn case_file(&self, n: u64) -> PathBuf {
        self.dir.join(format!("{n}.json"))
    }

    fn attachment_file(&self, n: u64, index: u32) -> PathBuf {
        self.dir.join(format!("{n}.{index}.bin"))
    }

    /// Case `n` as spooled.
    pub fn case(&self, n: u64) -> Result<ExportedCase> {
        let path = self.case_file(n);
        let bytes =
            std::fs::read(&path).with_context(|| format!("reading back {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("reading back {}", path.display()))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        self.file = None;
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(
                "could not remove the import spool {}: {e}",
                self.dir.display()
            );
        }
        // The data folder as it was: `spool/` goes too when no other import uses it.
        if let Some(parent) = self.dir.parent() {
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// Removes `import-<pid>-…` folders whose process no longer runs (an import killed midway).
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("import-"))
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

impl CaseSink for Spool {
    fn begin_case(&mut self, n: u64, case: &ExportedCase) -> Result<(), ExportError> {
        // The central system's own rules, as for a case arriving online: a bad case refuses
        // the bundle before any more of it is spooled.
        intake::check_case_id(&case.case_id)
            .and_then(|()| intake::validate(&case.manifest))
            .map_err(|e| {
                ExportError::Content(format!("case {} of the bundle: {}", n + 1, e.message))
            })?;
        let path = self.case_file(n);
        let mut f = private_file(&path).map_err(|e| spool_io(&path, e))?;
        let json = serde_json::to_vec(case).map_err(|e| ExportError::Format(e.to_string()))?;
        f.write_all(&json).map_err(|e| spool_io(&path, e))?;
        self.current = Some(n);
        self.cases = n + 1;
        Ok(())
    }

    fn begin_attachment(&mut self, index: u32, _size: u64) -> Result<(), ExportError> {
        let n = self
            .current
            .ok_or_else(|| ExportError::Format("an attachment outside a case".into()))?;
        let path = self.attachment_file(n, index);
        let f = private_file(&path).map_err(|e| spool_io(&path, e))?;
        self.file = Some((f, path));
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), ExportError> {
        let (f, path) = self
            .file
            .as_mut()
            .ok_or_else(|| ExportError::Format("attachment bytes outside an attachment".into()))?;
        f.write_all(bytes).map_err(|e| spool_io(path, e))
    }

    fn end_attachment(&mut self) -> Result<(), ExportError> {
        // Durable before it is renamed into place and the case committed.
        if let Some((f, path)) = self.file.take() {
            f.sync_all().map_err(|e| spool_io(&path, e))?;
        }
        Ok(())
    }
}

/// Imports the bundle that `file` reads, front to back, once. See the module.
pub fn import_from<R: Read>(
    conn: &mut Conn,
    data: &Path,
    blobs: &dyn Blobs,
    keys: &Keys,
    file: R,
    now: i64,
) -> Result<ImportReport> {
    let mut spool = Spool::create(data)
        .with_context(|| format!("making the import spool in {}", data.display()))?;
    let mut device = None;
    let header = export::read_verified(
        BufReader::with_capacity(READ_BUFFER, file),
        |h| {
            let row: Option<(String, Option<i64>, String)> = conn
                .query_row(
                    "SELECT public_key, revoked_at, site FROM devices WHERE id = ?1",
                    [&h.device_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .ok()
                .flatten();
            let (key, revoked, s) = row?;
            if revoked.is_some() {
                return None;
            }
            device = Some((h.device_id.clone(), s));
            auth::verifying_key(&key).ok()
        },
        &keys.export,
        &mut spool,
    )
    // The cause first: it is what the officer has to act on.
    .map_err(|e| match (&e, &device) {
        // Signed by an enrolled device, and still wrong: that kiosk wrote it so.
        (ExportError::Content(_), Some((dev, site))) => anyhow!(
            "{e}; the bundle was refused, nothing was imported. It is signed by device {dev} \
             ({site}): export again at that kiosk, and report the device if this happens again"
        ),
        _ => anyhow!("{e}; the bundle was refused, nothing was imported"),
    })?;
    let site = device
        .map(|(_, s)| s)
        .ok_or_else(|| anyhow!("device {} is not enrolled here", header.device_id))?;
    // The spool is on the data disk, so a folder store takes its files by renaming them.
    commit(conn, blobs, &spool, &header, &site, now)
}

/// Moves a verified spool into the case store: all of it, or (on any refusal) none of it.
fn commit(
    conn: &mut Conn,
    blobs: &dyn Blobs,
    spool: &Spool,
    header: &ExportHeader,
    site: &str,
    now: i64,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        device_id: header.device_id.clone(),
        site: site.to_owned(),
        cases: spool.cases(),
        ..ImportReport::default()
    };
    let refused = |id: &str, e: crate::error::ApiError| {
        anyhow!(
            "case {id}: {}; the bundle was refused, nothing was imported",
            e.message
        )
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // First every case against what is here, before a single file moves.
    let mut todo: Vec<(u64, String, u32, bool)> = Vec::new();
    for n in 0..spool.cases() {
        let case = spool.case(n)?;
        let m = &case.manifest;
        intake::validate(m).map_err(|e| refused(&case.case_id, e))?;
        let hash = intake::manifest_hash(m);
        let (receipt, created) = intake::create(
            &tx,
            &header.device_id,
            site,
            &case.case_id,
            m,
            &hash,
            now,
            "usb",
        )
        .map_err(|e| refused(&case.case_id, e))?;
        if receipt.state == IntakeState::Committed {
            report.already += 1;
        } else {
            blobs
                .check_case(&case.case_id)
                .map_err(|e| refused(&case.case_id, e))?;
            todo.push((n, case.case_id, m.attachments.len() as u32, created));
        }
    }
    // Then the files: renames within the data disk, each case's folder fsynced, and the
    // cases committed in the same transaction. Should this fail midway, the transaction rolls
    // back; files already moved hold verified bytes that nothing refers to yet.
    for (n, id, count, created) in &todo {
        for i in 0..*count {
            blobs.adopt(id, i, &spool.attachment_file(*n, i))?;
            tx.execute(
                "UPDATE attachments SET \"offset\" = size WHERE case_id = ?1 AND idx = ?2",
                params![id, i],
            )?;
        }
        if *count > 0 {
            blobs
                .sync_case(id)
                .with_context(|| format!("syncing the attachments of case {id}"))?;
        }
        intake::commit(&tx, id, now, "usb-import").map_err(|e| refused(id, e))?;
        if *created {
            report.imported += 1;
        } else {
            report.completed += 1;
        }
    }
    tx.commit()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_spool_is_private_and_removed() {
        let data = tempfile::TempDir::new().unwrap();
        let mut spool = Spool::create(data.path()).unwrap();
        let dir = spool.dir().to_owned();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&data.path().join("spool")), 0o700);
        let case: ExportedCase = serde_json::from_value(serde_json::json!({
            "case_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "manifest": {
                "theme": "t", "submitted_at": 1, "answers": {},
                "applicant": {"name": "测试", "id_number": "11010519491231002X"},
                "form": {}, "attachments": [
                    {"index": 0, "name": "a", "pages": 1, "size": 3, "sha256": "0".repeat(64)}
                ]
            }
        }))
        .unwrap();
        spool.begin_case(0, &case).unwrap();
        spool.begin_attachment(0, 3).unwrap();
        spool.write(b"abc").unwrap();
        spool.end_attachment().unwrap();
        assert_eq!(mode(&dir.join("0.json")), 0o600);
        assert_eq!(mode(&dir.join("0.0.bin")), 0o600);
        assert_eq!(spool.case(0).unwrap(), case);
        drop(spool);
        assert!(!dir.exists());
    }

    #[test]
    fn abandoned_spools_are_removed_live_ones_kept() {
        let data = tempfile::TempDir::new().unwrap();
        let parent = data.path().join("spool");
        // No process has pid 4294967295.
        let dead = parent.join("import-4294967295-00");
        std::fs::create_dir_all(&dead).unwrap();
        let live = Spool::create(data.path()).unwrap();
        assert!(!dead.exists());
        let other = Spool::create(data.path()).unwrap();
        assert!(live.dir().exists() && other.dir().exists());
        drop(live);
        assert!(other.dir().exists(), "a spool in use stays");
        drop(other);
        assert!(!parent.exists(), "the data folder is as it was");
    }
}
