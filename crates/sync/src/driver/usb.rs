//! `onevisit queue export`: every queued case into one signed, encrypted bundle on a USB
//! stick. Written to a temporary name, fsynced, renamed; only then are the cases marked
//! exported (they stay queued until the central system acknowledges them online).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use onevisit_store::Store;

use super::SyncError;
use super::identity::Identity;
use crate::export::ExportWriter;

#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub cases: usize,
    pub bytes: u64,
}

/// Writes the bundle into `dir`. `progress(done, total)` is called with attachment bytes.
pub fn export_queue(
    store: &mut Store,
    id: &Identity,
    key: &ed25519_dalek::SigningKey,
    dir: &Path,
    now: i64,
    stamp: &str,
    mut progress: impl FnMut(u64, u64),
) -> Result<ExportSummary, SyncError> {
    let recipient: [u8; 32] = crate::auth::unb64(&id.export_key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| {
            SyncError::Corrupt("the pinned export key is damaged; provision again".into())
        })?;
    let ids = store.pending()?;
    let mut cases = Vec::new();
    let mut total = 0u64;
    for case_id in &ids {
        let detail = store.get(case_id)?;
        total += detail.materials.iter().map(|m| m.size).sum::<u64>();
        cases.push(case_id.clone());
    }
    std::fs::create_dir_all(dir).map_err(|e| SyncError::io(dir, e))?;
    let name = format!("onevisit-export-{}-{stamp}.ovx", id.device_id);
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.part"));
    let file = std::fs::File::create(&tmp).map_err(|e| SyncError::io(&tmp, e))?;
    let mut w = ExportWriter::new(
        BufWriter::new(file),
        key,
        &recipient,
        &id.device_id,
        &id.site,
        now,
        cases.len() as u64,
    )?;
    let mut done = 0u64;
    progress(0, total);
    for case_id in &cases {
        let p = store.payload(case_id)?;
        let mut bytes = Vec::new();
        for i in 0..p.materials.len() {
            bytes.push(store.attachment(case_id, i as u32)?);
        }
        let manifest = super::pump::manifest(&p, &bytes);
        w.add_case(case_id, &manifest, &bytes)?;
        done += store
            .get(case_id)?
            .materials
            .iter()
            .map(|m| m.size)
            .sum::<u64>();
        progress(done, total);
    }
    let mut out = w.finish()?;
    out.flush().map_err(|e| SyncError::io(&tmp, e))?;
    let file = out
        .into_inner()
        .map_err(|e| SyncError::io(&tmp, e.into_error()))?;
    file.sync_all().map_err(|e| SyncError::io(&tmp, e))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    drop(file);
    std::fs::rename(&tmp, &path).map_err(|e| SyncError::io(&path, e))?;
    let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    for case_id in &cases {
        store.mark_exported(case_id, now)?;
    }
    Ok(ExportSummary {
        path,
        cases: cases.len(),
        bytes,
    })
}
