//! Ed25519-signed envelopes, and the catalog bundle built on them.
//!
//! An envelope carries its payload as base64 of the exact bytes signed, so verification
//! never depends on how a JSON library orders or spaces things.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::auth::{b64, unb64};
use crate::sha256_hex;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("not a OneVisit bundle (unreadable JSON: {0})")]
    Format(String),
    #[error(
        "the bundle's signature does not verify: it was not published by this central system, or was altered"
    )]
    Signature,
    #[error("file {0} in the bundle does not match its recorded SHA-256")]
    FileHash(String),
    #[error("file name {0:?} in the bundle is not allowed (only relative .toml paths)")]
    BadPath(String),
    #[error("bundle version {got} is not newer than the active version {active}")]
    NotNewer { got: u64, active: u64 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// base64 of the signed bytes.
    pub payload: String,
    /// Ed25519 signature of those bytes, base64.
    pub signature: String,
}

pub fn seal(key: &SigningKey, payload: &[u8]) -> Envelope {
    Envelope {
        payload: b64(payload),
        signature: b64(&key.sign(payload).to_bytes()),
    }
}

/// The payload, if the signature verifies.
pub fn open(key: &VerifyingKey, envelope: &Envelope) -> Result<Vec<u8>, BundleError> {
    let payload = unb64(&envelope.payload).map_err(|_| BundleError::Signature)?;
    let sig: [u8; 64] = unb64(&envelope.signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or(BundleError::Signature)?;
    key.verify(&payload, &Signature::from_bytes(&sig))
        .map_err(|_| BundleError::Signature)?;
    Ok(payload)
}

/// One file of a catalog bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogFile {
    /// Relative to the catalog folder, `/`-separated, e.g. `themes/open-restaurant.toml`.
    pub path: String,
    pub sha256: String,
    /// The file's bytes, base64.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogManifest {
    pub version: u64,
    pub published_at: i64,
    pub files: Vec<CatalogFile>,
}

/// A path a bundle may write: relative, no `..`, plain names, ending in `.toml`.
pub fn safe_path(p: &str) -> bool {
    !p.is_empty()
        && p.ends_with(".toml")
        && p.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
}

/// Signs a catalog (files as `(relative path, bytes)`) into bundle bytes.
pub fn sign_catalog(
    key: &SigningKey,
    version: u64,
    published_at: i64,
    files: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, BundleError> {
    let mut out = Vec::new();
    for (path, bytes) in files {
        if !safe_path(path) {
            return Err(BundleError::BadPath(path.clone()));
        }
        out.push(CatalogFile {
            path: path.clone(),
            sha256: sha256_hex(bytes),
            content: b64(bytes),
        });
    }
    let manifest = CatalogManifest {
        version,
        published_at,
        files: out,
    };
    let payload = serde_json::to_vec(&manifest).map_err(|e| BundleError::Format(e.to_string()))?;
    serde_json::to_vec_pretty(&seal(key, &payload)).map_err(|e| BundleError::Format(e.to_string()))
}

/// Files as (relative path, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// Verifies a catalog bundle and returns its version and files. Checks the signature, every
/// file's hash and name, and that it is newer than `active`.
pub fn open_catalog(
    key: &VerifyingKey,
    bytes: &[u8],
    active: Option<u64>,
) -> Result<(u64, Files), BundleError> {
    let env: Envelope =
        serde_json::from_slice(bytes).map_err(|e| BundleError::Format(e.to_string()))?;
    let payload = open(key, &env)?;
    let m: CatalogManifest =
        serde_json::from_slice(&payload).map_err(|e| BundleError::Format(e.to_string()))?;
    if let Some(active) = active
        && m.version <= active
    {
        return Err(BundleError::NotNewer {
            got: m.version,
            active,
        });
    }
    let mut files = Vec::new();
    for f in m.files {
        if !safe_path(&f.path) {
            return Err(BundleError::BadPath(f.path));
        }
        let bytes = unb64(&f.content).map_err(|_| BundleError::FileHash(f.path.clone()))?;
        if sha256_hex(&bytes) != f.sha256 {
            return Err(BundleError::FileHash(f.path));
        }
        files.push((f.path, bytes));
    }
    Ok((m.version, files))
}

/// Every `.toml` file below `dir` as (relative `/`-separated path, bytes), sorted by path.
/// The catalog folder as the publisher packs it and the kiosk loads it.
pub fn read_tree(dir: &std::path::Path) -> std::io::Result<Files> {
    fn walk(
        root: &std::path::Path,
        dir: &std::path::Path,
        out: &mut Vec<(String, Vec<u8>)>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if path.extension().is_some_and(|e| e == "toml") {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                out.push((
                    rel.to_string_lossy().replace('\\', "/"),
                    std::fs::read(&path)?,
                ));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::new_signing_key;

    #[test]
    fn catalog_round_trip_and_tampering() {
        let key = new_signing_key();
        let files = vec![("themes/a.toml".to_owned(), b"x = 1".to_vec())];
        let bytes = sign_catalog(&key, 3, 0, &files).unwrap();
        let (v, got) = open_catalog(&key.verifying_key(), &bytes, Some(2)).unwrap();
        assert_eq!((v, got), (3, files.clone()));
        assert_eq!(
            open_catalog(&key.verifying_key(), &bytes, Some(3)),
            Err(BundleError::NotNewer { got: 3, active: 3 })
        );
        let other = new_signing_key();
        assert_eq!(
            open_catalog(&other.verifying_key(), &bytes, None),
            Err(BundleError::Signature)
        );
        let mut env: Envelope = serde_json::from_slice(&bytes).unwrap();
        env.payload = b64(&unb64(&env.payload)
            .unwrap()
            .iter()
            .map(|b| b ^ 1)
            .collect::<Vec<_>>());
        let tampered = serde_json::to_vec(&env).unwrap();
        assert_eq!(
            open_catalog(&key.verifying_key(), &tampered, None),
            Err(BundleError::Signature)
        );
        assert!(matches!(
            open_catalog(&key.verifying_key(), b"{", None),
            Err(BundleError::Format(_))
        ));
    }

    #[test]
    fn paths_cannot_escape() {
        for bad in [
            "../x.toml",
            "/etc/x.toml",
            "a//b.toml",
            "a/./b.toml",
            "x.sh",
            "a b.toml",
            "",
        ] {
            assert!(!safe_path(bad), "{bad}");
        }
        assert!(safe_path("calendar/cn-2026.toml"));
    }
}
