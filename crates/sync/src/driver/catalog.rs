//! Activating a catalog bundle from the central system: verify the signature and every file,
//! check it loads with the kiosk's own loader, write it beside the running one, then switch a
//! symlink in one atomic rename. Any failure leaves the running catalog as it was.
//!
//! Layout: `catalog/versions/v{N}/…` and `catalog/current -> versions/v{N}`.

use std::path::{Path, PathBuf};

use onevisit_domain::{Calendar, Catalog, SourceFile};

use super::SyncError;
use crate::auth;
use crate::bundle;

fn root(data_dir: &Path) -> PathBuf {
    data_dir.join("catalog")
}

/// The downloaded catalog the kiosk runs, if any.
pub fn active_dir(data_dir: &Path) -> Option<PathBuf> {
    let cur = root(data_dir).join("current");
    cur.join("items.toml").is_file().then_some(cur)
}

pub fn active_version(data_dir: &Path) -> Option<u64> {
    let target = std::fs::read_link(root(data_dir).join("current")).ok()?;
    target
        .file_name()?
        .to_str()?
        .strip_prefix('v')?
        .parse()
        .ok()
}

/// Verifies and activates `bytes`; returns the version now active.
pub fn install(data_dir: &Path, catalog_key: &str, bytes: &[u8]) -> Result<u64, SyncError> {
    let key = auth::verifying_key(catalog_key)
        .map_err(|e| SyncError::Corrupt(format!("the pinned catalog key is damaged: {e}")))?;
    let (version, files) = bundle::open_catalog(&key, bytes, active_version(data_dir))?;
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(p, b)| SourceFile {
            path: p.clone(),
            text: String::from_utf8_lossy(b).into_owned(),
        })
        .collect();
    let mut problems: Vec<String> = Vec::new();
    if let Err(e) = Catalog::from_sources(&sources) {
        problems.extend(e.0.iter().map(|p| p.to_string()));
    }
    if let Err(e) = Calendar::from_sources(&sources) {
        problems.extend(e.0.iter().map(|p| p.to_string()));
    }
    if !problems.is_empty() {
        return Err(SyncError::Corrupt(format!(
            "catalog version {version} from the central system does not load ({}); the current catalog stays",
            problems.join("; ")
        )));
    }
    let versions = root(data_dir).join("versions");
    let tmp = versions.join(format!("v{version}.tmp"));
    let dest = versions.join(format!("v{version}"));
    let _ = std::fs::remove_dir_all(&tmp);
    for (path, bytes) in &files {
        let p = tmp.join(path);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(|e| SyncError::io(d, e))?;
        }
        super::identity::write_atomic(&p, bytes, 0o644)?;
    }
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).map_err(|e| SyncError::io(&dest, e))?;
    let link_tmp = root(data_dir).join("current.tmp");
    let _ = std::fs::remove_file(&link_tmp);
    std::os::unix::fs::symlink(format!("versions/v{version}"), &link_tmp)
        .map_err(|e| SyncError::io(&link_tmp, e))?;
    let current = root(data_dir).join("current");
    std::fs::rename(&link_tmp, &current).map_err(|e| SyncError::io(&current, e))?;
    let _ = std::fs::File::open(root(data_dir)).and_then(|d| d.sync_all());
    // Keep the previous version for a manual rollback; older ones go.
    if let Ok(entries) = std::fs::read_dir(&versions) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(v) = name.strip_prefix('v').and_then(|v| v.parse::<u64>().ok())
                && v + 1 < version
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(version)
}
