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
    #[error(
        "catalog version {got} is older than version {highest}, which this kiosk already accepted: an old catalog is not taken back"
    )]
    Rollback { got: u64, highest: u64 },
    #[error(
        "catalog version {0} differs from the version {0} this kiosk already accepted: one version number, two contents"
    )]
    Conflict(u64),
    #[error(
        "catalog version {version} expired on {} UTC; the county must publish a new one",
        utc(*expires_at)
    )]
    Expired { version: u64, expires_at: i64 },
    #[error("catalog version {0} has no expiry date; the county must publish it again")]
    NoExpiry(u64),
    #[error(
        "a key rotation in the bundle is not signed by the catalog key this kiosk trusts; nothing was changed"
    )]
    Rotation,
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
    /// After this (Unix ms) kiosks refuse to activate the catalog. Signed with the rest, so a
    /// catalog held back cannot be passed off as current for ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    pub files: Vec<CatalogFile>,
}

/// A catalog bundle on the wire: the signed manifest, plus the chain of key rotations that
/// leads from older catalog keys to the one that signed it (each one self-authenticating).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogBundle {
    pub payload: String,
    pub signature: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotations: Vec<Envelope>,
}

/// What a key rotation statement says; signed by the old key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// Always [`ROTATION_PURPOSE`], so no other signed document can pass for a rotation.
    pub purpose: String,
    /// base64 Ed25519 public keys.
    pub old_key: String,
    pub new_key: String,
    pub issued_at: i64,
}

pub const ROTATION_PURPOSE: &str = "onevisit-catalog-key-rotation-v1";

/// A statement, signed by `old`, that catalogs are signed by `new` from now on.
pub fn sign_rotation(old: &SigningKey, new: &VerifyingKey, issued_at: i64) -> Envelope {
    let r = KeyRotation {
        purpose: ROTATION_PURPOSE.to_owned(),
        old_key: b64(old.verifying_key().as_bytes()),
        new_key: b64(new.as_bytes()),
        issued_at,
    };
    // Serialising a struct of strings and an integer cannot fail.
    seal(old, &serde_json::to_vec(&r).unwrap_or_default())
}

/// Follows the rotations from `trusted`: each one whose old key is the key trusted so far must
/// be signed by it, and moves trust to its new key; the others are older history and are
/// passed over. Returns the key trusted at the end.
pub fn follow_rotations(
    trusted: &VerifyingKey,
    rotations: &[Envelope],
) -> Result<VerifyingKey, BundleError> {
    let mut key = *trusted;
    for env in rotations {
        let payload = unb64(&env.payload).map_err(|_| BundleError::Rotation)?;
        let r: KeyRotation =
            serde_json::from_slice(&payload).map_err(|e| BundleError::Format(e.to_string()))?;
        if r.purpose != ROTATION_PURPOSE {
            return Err(BundleError::Rotation);
        }
        let old = crate::auth::verifying_key(&r.old_key).map_err(|_| BundleError::Rotation)?;
        if old != key {
            continue;
        }
        open(&key, env).map_err(|_| BundleError::Rotation)?;
        key = crate::auth::verifying_key(&r.new_key).map_err(|_| BundleError::Rotation)?;
    }
    Ok(key)
}

/// What a kiosk remembers of the catalogs it accepted, to refuse going back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted<'a> {
    pub version: u64,
    /// SHA-256 (hex) of the signed manifest of that version.
    pub sha256: &'a str,
}

/// A catalog bundle that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCatalog {
    pub version: u64,
    pub published_at: i64,
    pub expires_at: i64,
    /// SHA-256 (hex) of the signed manifest.
    pub sha256: String,
    /// The catalog key after the bundle's rotations (the one that signed it).
    pub key: VerifyingKey,
    pub files: Files,
}

/// Verifies a catalog bundle for activation at `now`: rotations from the `trusted` key, the
/// signature, every file's name and hash, not older than the highest version accepted before
/// (the same version only with the same content), and not expired.
pub fn verify_catalog(
    trusted: &VerifyingKey,
    bytes: &[u8],
    highest: Option<Accepted>,
    now: i64,
) -> Result<VerifiedCatalog, BundleError> {
    let b: CatalogBundle =
        serde_json::from_slice(bytes).map_err(|e| BundleError::Format(e.to_string()))?;
    let key = follow_rotations(trusted, &b.rotations)?;
    let payload = open(
        &key,
        &Envelope {
            payload: b.payload,
            signature: b.signature,
        },
    )?;
    let sha256 = sha256_hex(&payload);
    let m: CatalogManifest =
        serde_json::from_slice(&payload).map_err(|e| BundleError::Format(e.to_string()))?;
    if let Some(h) = highest {
        if m.version < h.version {
            return Err(BundleError::Rollback {
                got: m.version,
                highest: h.version,
            });
        }
        if m.version == h.version && sha256 != h.sha256 {
            return Err(BundleError::Conflict(m.version));
        }
    }
    let expires_at = m.expires_at.ok_or(BundleError::NoExpiry(m.version))?;
    if now >= expires_at {
        return Err(BundleError::Expired {
            version: m.version,
            expires_at,
        });
    }
    let files = check_files(m.files)?;
    Ok(VerifiedCatalog {
        version: m.version,
        published_at: m.published_at,
        expires_at,
        sha256,
        key,
        files,
    })
}

fn check_files(list: Vec<CatalogFile>) -> Result<Files, BundleError> {
    let mut files = Vec::new();
    for f in list {
        if !safe_path(&f.path) {
            return Err(BundleError::BadPath(f.path));
        }
        let bytes = unb64(&f.content).map_err(|_| BundleError::FileHash(f.path.clone()))?;
        if sha256_hex(&bytes) != f.sha256 {
            return Err(BundleError::FileHash(f.path));
        }
        files.push((f.path, bytes));
    }
    Ok(files)
}

/// Unix ms as `YYYY-MM-DD HH:MM` (UTC), for messages.
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
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

/// Signs a catalog (files as `(relative path, bytes)`) into bundle bytes, valid until
/// `expires_at` (Unix ms), carrying the key `rotations` that lead to `key`.
pub fn sign_catalog(
    key: &SigningKey,
    version: u64,
    published_at: i64,
    expires_at: i64,
    files: &[(String, Vec<u8>)],
    rotations: &[Envelope],
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
        expires_at: Some(expires_at),
        files: out,
    };
    let payload = serde_json::to_vec(&manifest).map_err(|e| BundleError::Format(e.to_string()))?;
    let env = seal(key, &payload);
    serde_json::to_vec_pretty(&CatalogBundle {
        payload: env.payload,
        signature: env.signature,
        rotations: rotations.to_vec(),
    })
    .map_err(|e| BundleError::Format(e.to_string()))
}

/// Files as (relative path, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

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

    const DAY: i64 = 86_400_000;

    fn files() -> Files {
        vec![("themes/a.toml".to_owned(), b"x = 1".to_vec())]
    }

    fn sign(key: &SigningKey, version: u64, rotations: &[Envelope]) -> Vec<u8> {
        sign_catalog(key, version, 0, 10 * DAY, &files(), rotations).unwrap()
    }

    #[test]
    fn catalog_round_trip_and_tampering() {
        let key = new_signing_key();
        let bytes = sign(&key, 3, &[]);
        let v = verify_catalog(&key.verifying_key(), &bytes, None, DAY).unwrap();
        assert_eq!((v.version, v.files, v.expires_at), (3, files(), 10 * DAY));
        assert_eq!(v.key, key.verifying_key());
        let other = new_signing_key();
        assert_eq!(
            verify_catalog(&other.verifying_key(), &bytes, None, DAY),
            Err(BundleError::Signature)
        );
        let mut env: CatalogBundle = serde_json::from_slice(&bytes).unwrap();
        env.payload = b64(&unb64(&env.payload)
            .unwrap()
            .iter()
            .map(|b| b ^ 1)
            .collect::<Vec<_>>());
        let tampered = serde_json::to_vec(&env).unwrap();
        assert_eq!(
            verify_catalog(&key.verifying_key(), &tampered, None, DAY),
            Err(BundleError::Signature)
        );
        assert!(matches!(
            verify_catalog(&key.verifying_key(), b"{", None, DAY),
            Err(BundleError::Format(_))
        ));
    }

    #[test]
    fn older_versions_and_a_second_content_for_a_version_are_refused() {
        let key = new_signing_key();
        let vk = key.verifying_key();
        let v5 = verify_catalog(&vk, &sign(&key, 5, &[]), None, DAY).unwrap();
        let seen = Some(Accepted {
            version: 5,
            sha256: &v5.sha256,
        });
        assert_eq!(
            verify_catalog(&vk, &sign(&key, 4, &[]), seen, DAY),
            Err(BundleError::Rollback { got: 4, highest: 5 })
        );
        // The same version again (say, after the active folder was lost) is fine if it is the
        // same catalog; the same number over other content is not.
        let same = sign(&key, 5, &[]);
        assert!(verify_catalog(&vk, &same, seen, DAY).is_ok());
        let other = sign_catalog(&key, 5, 1, 10 * DAY, &files(), &[]).unwrap();
        assert_eq!(
            verify_catalog(&vk, &other, seen, DAY),
            Err(BundleError::Conflict(5))
        );
        assert!(verify_catalog(&vk, &sign(&key, 6, &[]), seen, DAY).is_ok());
    }

    #[test]
    fn expired_catalogs_and_catalogs_without_expiry_are_refused() {
        let key = new_signing_key();
        let bytes = sign(&key, 1, &[]);
        assert!(verify_catalog(&key.verifying_key(), &bytes, None, 10 * DAY - 1).is_ok());
        assert_eq!(
            verify_catalog(&key.verifying_key(), &bytes, None, 10 * DAY),
            Err(BundleError::Expired {
                version: 1,
                expires_at: 10 * DAY
            })
        );
        // A bundle in the old format, which had no expiry.
        let manifest = serde_json::json!({"version": 2, "published_at": 0, "files": []});
        let env = seal(&key, &serde_json::to_vec(&manifest).unwrap());
        let old = serde_json::to_vec(&env).unwrap();
        assert_eq!(
            verify_catalog(&key.verifying_key(), &old, None, DAY),
            Err(BundleError::NoExpiry(2))
        );
    }

    #[test]
    fn a_new_key_is_trusted_only_through_a_rotation_signed_by_the_old_one() {
        let (k0, k1, k2) = (new_signing_key(), new_signing_key(), new_signing_key());
        let by_new = sign(&k1, 2, &[]);
        assert_eq!(
            verify_catalog(&k0.verifying_key(), &by_new, None, DAY),
            Err(BundleError::Signature),
            "before the rotation statement"
        );
        let r01 = sign_rotation(&k0, &k1.verifying_key(), 1);
        let v = verify_catalog(
            &k0.verifying_key(),
            &sign(&k1, 2, std::slice::from_ref(&r01)),
            None,
            DAY,
        )
        .unwrap();
        assert_eq!(v.key, k1.verifying_key(), "after it");

        // A chain: a kiosk still on k0 follows both steps; one already on k1 skips the first.
        let r12 = sign_rotation(&k1, &k2.verifying_key(), 2);
        let chained = sign(&k2, 3, &[r01.clone(), r12.clone()]);
        for trusted in [&k0, &k1, &k2] {
            let v = verify_catalog(&trusted.verifying_key(), &chained, None, DAY).unwrap();
            assert_eq!(v.key, k2.verifying_key());
        }

        // A rotation away from the trusted key signed by anyone else is refused outright.
        let evil = new_signing_key();
        let forged = sign_rotation(&evil, &evil.verifying_key(), 1);
        let mut env_payload: KeyRotation =
            serde_json::from_slice(&unb64(&forged.payload).unwrap()).unwrap();
        env_payload.old_key = b64(k0.verifying_key().as_bytes());
        let forged = seal(&evil, &serde_json::to_vec(&env_payload).unwrap());
        assert_eq!(
            verify_catalog(&k0.verifying_key(), &sign(&evil, 2, &[forged]), None, DAY),
            Err(BundleError::Rotation)
        );
        // A rotation statement is not a catalog, and a catalog is not a rotation.
        let as_catalog = serde_json::to_vec(&r01).unwrap();
        assert!(verify_catalog(&k0.verifying_key(), &as_catalog, None, DAY).is_err());
        let manifest_env: CatalogBundle = serde_json::from_slice(&sign(&k0, 1, &[])).unwrap();
        let not_rotation = Envelope {
            payload: manifest_env.payload,
            signature: manifest_env.signature,
        };
        assert!(follow_rotations(&k0.verifying_key(), &[not_rotation]).is_err());
    }

    #[test]
    fn dates_in_messages() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(784_111_777_000), "1994-11-06 08:49");
        assert_eq!(utc(1_803_772_800_000), "2027-02-28 00:00");
        assert_eq!(utc(1_803_801_600_000), "2027-02-28 08:00");
        assert_eq!(utc(1_803_859_200_000), "2027-03-01 00:00");
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
