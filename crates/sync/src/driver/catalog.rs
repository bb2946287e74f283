//! Activating a catalog bundle from the central system: verify the signature and every file,
//! check it loads with the kiosk's own loader, write it beside the running one, then switch a
//! symlink in one atomic rename. Any failure leaves the running catalog as it was.
//!
//! Layout: `catalog/versions/v{N}/…`, `catalog/current -> versions/v{N}`, and
//! `catalog/trust.json`: the highest version accepted (with its manifest's SHA-256 and expiry)
//! and the catalog key trusted now. That file, not the symlink, is what refuses an older
//! catalog: it is written (fsynced) before the switch and never goes backwards, so losing the
//! `current` link or a version folder does not reopen the door to an old signed catalog. The
//! key in it replaces the one from enrollment once a rotation signed by that key was accepted.

use std::path::{Path, PathBuf};

use onevisit_domain::{Calendar, Catalog, SourceFile};
use serde::{Deserialize, Serialize};

use super::SyncError;
use crate::auth;
use crate::bundle;

/// `catalog/trust.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trust {
    /// The highest catalog version this kiosk ever accepted.
    pub version: u64,
    /// SHA-256 of that version's signed manifest.
    pub sha256: String,
    /// When that version expires (Unix ms).
    pub expires_at: i64,
    /// The catalog key trusted now (base64 Ed25519).
    pub catalog_key: String,
}

fn trust_path(data_dir: &Path) -> PathBuf {
    root(data_dir).join("trust.json")
}

/// What the kiosk remembers of accepted catalogs; `None` before the first. A damaged file is
/// an error, never a fresh start: starting afresh would accept any old catalog.
pub fn trust(data_dir: &Path) -> Result<Option<Trust>, SyncError> {
    let path = trust_path(data_dir);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| {
            SyncError::Corrupt(format!(
                "{} is damaged ({e}); no catalog can be activated until it is restored from a backup or the kiosk is provisioned again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SyncError::io(&path, e)),
    }
}

/// The active catalog's version and expiry, if it has expired by `now`: the kiosk keeps
/// running it (a citizen is better served by last year's catalog than by none) and says so.
pub fn expired(data_dir: &Path, now: i64) -> Option<(u64, i64)> {
    let t = trust(data_dir).ok()??;
    (active_version(data_dir) == Some(t.version) && now >= t.expires_at)
        .then_some((t.version, t.expires_at))
}

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

/// Verifies and activates `bytes` at `now`; returns the version now active. `enrolled_key` is
/// the catalog key from enrollment, trusted until a rotation replaced it.
pub fn install(
    data_dir: &Path,
    enrolled_key: &str,
    bytes: &[u8],
    now: i64,
) -> Result<u64, SyncError> {
    let trust = trust(data_dir)?;
    let trusted = trust.as_ref().map_or(enrolled_key, |t| &t.catalog_key);
    let key = auth::verifying_key(trusted)
        .map_err(|e| SyncError::Corrupt(format!("the pinned catalog key is damaged: {e}")))?;
    let mut highest = trust.as_ref().map(|t| bundle::Accepted {
        version: t.version,
        sha256: &t.sha256,
    });
    // A kiosk from before `trust.json` (or one whose link is somehow ahead of it) still never
    // goes below the version it runs; with no recorded content, that version is not taken
    // again either.
    if let Some(running) = active_version(data_dir)
        && highest.is_none_or(|h| h.version < running)
    {
        highest = Some(bundle::Accepted {
            version: running,
            sha256: "",
        });
    }
    let verified = bundle::verify_catalog(&key, bytes, highest, now)?;
    let (version, files) = (verified.version, &verified.files);
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
    for (path, bytes) in files {
        let p = tmp.join(path);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(|e| SyncError::io(d, e))?;
        }
        super::identity::write_atomic(&p, bytes, 0o644)?;
    }
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).map_err(|e| SyncError::io(&dest, e))?;
    // Remembered before the switch: a crash in between leaves the old catalog running and the
    // new one remembered, which can only refuse more, never less.
    let remembered = Trust {
        version,
        sha256: verified.sha256.clone(),
        expires_at: verified.expires_at,
        catalog_key: auth::b64(verified.key.as_bytes()),
    };
    let json =
        serde_json::to_vec_pretty(&remembered).map_err(|e| SyncError::Corrupt(e.to_string()))?;
    super::identity::write_atomic(&trust_path(data_dir), &json, 0o644)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{new_signing_key, public_b64};
    use crate::bundle::{BundleError, sign_catalog, sign_rotation};
    use ed25519_dalek::SigningKey;

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_000 * DAY;

    fn sample() -> bundle::Files {
        bundle::read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")).unwrap()
    }

    fn signed(key: &SigningKey, version: u64, rotations: &[bundle::Envelope]) -> Vec<u8> {
        sign_catalog(key, version, NOW, NOW + DAY, &sample(), rotations).unwrap()
    }

    fn refused(r: Result<u64, SyncError>) -> BundleError {
        match r {
            Err(SyncError::Bundle(e)) => e,
            other => panic!("expected a refused bundle, got {other:?}"),
        }
    }

    #[test]
    fn an_older_catalog_is_refused_even_with_the_current_link_gone() {
        let tmp = tempfile::TempDir::new().unwrap();
        let dir = tmp.path().to_owned();
        let key = new_signing_key();
        let pk = public_b64(&key);
        let v1 = signed(&key, 1, &[]);
        assert_eq!(install(&dir, &pk, &v1, NOW).unwrap(), 1);
        assert_eq!(install(&dir, &pk, &signed(&key, 2, &[]), NOW).unwrap(), 2);
        // The link (and with it the running version) is lost, as after a damaged card or a
        // hand-edited folder: the memory of version 2 is not.
        std::fs::remove_file(dir.join("catalog/current")).unwrap();
        assert_eq!(active_version(&dir), None);
        assert_eq!(
            refused(install(&dir, &pk, &v1, NOW)),
            BundleError::Rollback { got: 1, highest: 2 }
        );
        assert_eq!(active_version(&dir), None);
        // Version 2 itself may come back; a different version 2 may not.
        assert_eq!(install(&dir, &pk, &signed(&key, 2, &[]), NOW).unwrap(), 2);
        let other = sign_catalog(&key, 2, NOW + 1, NOW + DAY, &sample(), &[]).unwrap();
        assert_eq!(
            refused(install(&dir, &pk, &other, NOW)),
            BundleError::Conflict(2)
        );
        // A kiosk from before the memory existed never goes below the version it runs.
        std::fs::remove_file(dir.join("catalog/trust.json")).unwrap();
        assert_eq!(
            refused(install(&dir, &pk, &v1, NOW)),
            BundleError::Rollback { got: 1, highest: 2 }
        );
        // A damaged memory refuses everything rather than forgetting.
        std::fs::write(dir.join("catalog/trust.json"), b"{").unwrap();
        assert!(matches!(
            install(&dir, &pk, &signed(&key, 3, &[]), NOW),
            Err(SyncError::Corrupt(_))
        ));
    }

    #[test]
    fn an_expired_catalog_is_refused_and_the_running_one_is_kept() {
        let tmp = tempfile::TempDir::new().unwrap();
        let dir = tmp.path().to_owned();
        let key = new_signing_key();
        let pk = public_b64(&key);
        install(&dir, &pk, &signed(&key, 1, &[]), NOW).unwrap();
        assert_eq!(expired(&dir, NOW), None);
        let late = NOW + DAY;
        assert_eq!(
            refused(install(&dir, &pk, &signed(&key, 2, &[]), late)),
            BundleError::Expired {
                version: 2,
                expires_at: NOW + DAY
            }
        );
        assert_eq!(active_version(&dir), Some(1));
        assert_eq!(expired(&dir, late), Some((1, NOW + DAY)), "and says so");
    }

    #[test]
    fn a_key_rotation_is_followed_and_remembered() {
        let tmp = tempfile::TempDir::new().unwrap();
        let dir = tmp.path().to_owned();
        let (old, new) = (new_signing_key(), new_signing_key());
        let enrolled = public_b64(&old);
        install(&dir, &enrolled, &signed(&old, 1, &[]), NOW).unwrap();
        assert_eq!(
            refused(install(&dir, &enrolled, &signed(&new, 2, &[]), NOW)),
            BundleError::Signature,
            "the new key before the rotation statement"
        );
        let evil = new_signing_key();
        let mut not_by_old = sign_rotation(&evil, &new.verifying_key(), NOW);
        let mut r: bundle::KeyRotation =
            serde_json::from_slice(&auth::unb64(&not_by_old.payload).unwrap()).unwrap();
        r.old_key = enrolled.clone();
        not_by_old = bundle::seal(&evil, &serde_json::to_vec(&r).unwrap());
        assert_eq!(
            refused(install(
                &dir,
                &enrolled,
                &signed(&new, 2, &[not_by_old]),
                NOW
            )),
            BundleError::Rotation
        );
        let rotation = sign_rotation(&old, &new.verifying_key(), NOW);
        assert_eq!(
            install(&dir, &enrolled, &signed(&new, 2, &[rotation]), NOW).unwrap(),
            2
        );
        // Trusted durably: the next catalog needs no statement, and the old key is done.
        assert_eq!(trust(&dir).unwrap().unwrap().catalog_key, public_b64(&new));
        assert_eq!(
            install(&dir, &enrolled, &signed(&new, 3, &[]), NOW).unwrap(),
            3
        );
        assert_eq!(
            refused(install(&dir, &enrolled, &signed(&old, 4, &[]), NOW)),
            BundleError::Signature
        );
    }
}
