//! Catalog publishing, with the signing key here or on another machine.
//!
//! - `catalog publish DIR`: checks the folder with the kiosk's own loader, signs it with this
//!   server's key as the next version, and offers it to kiosks.
//! - `catalog sign DIR --key FILE --version N` on an offline machine, then
//!   `catalog publish --signed BUNDLE` here: the server checks the bundle exactly as a kiosk
//!   will (signature from the key kiosks trust, through any rotation, expiry, files, that it
//!   loads) and never needs the private key.
//! - `catalog rotate-key --old OLD --new NEW`: a statement signed by the old key that the new
//!   one signs from now on. Passed to `catalog sign --rotation`, it travels in the bundle;
//!   this server keeps every rotation it has seen (`keys/catalog-rotations.json`) and attaches
//!   the whole chain to every bundle it offers, so a kiosk that slept through a rotation
//!   still follows it, and records the new key in `keys/catalog.pub` for new enrollments.
//!
//! Every bundle carries an expiry (`--valid-days`, a year unless told); kiosks refuse to
//! activate an expired one and report when the catalog they run has expired.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::params;
use crate::sql::Conn;
use anyhow::{Context, Result, bail};
use ed25519_dalek::{SigningKey, VerifyingKey};
use onevisit_domain::{Calendar, Catalog, SourceFile};
use onevisit_sync::auth;
use onevisit_sync::bundle::{self, CatalogBundle, Envelope};

use crate::keys::{self, Keys};

/// How long a catalog stays valid unless told otherwise.
pub const DEFAULT_VALID_DAYS: u32 = 365;
const DAY_MS: i64 = 86_400_000;

pub fn bundle_path(data: &Path, version: u64) -> PathBuf {
    data.join("catalogs").join(format!("{version}.json"))
}

fn rotations_path(data: &Path) -> PathBuf {
    data.join("keys/catalog-rotations.json")
}

/// Every key rotation this server has accepted, oldest first.
pub fn rotations(data: &Path) -> Result<Vec<Envelope>> {
    let path = rotations_path(data);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b)
            .with_context(|| format!("{} is damaged; restore it from the backup", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(d) = path.parent() {
        crate::private::dir(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let tmp = path.with_extension("tmp");
    let mut f =
        crate::private::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Checks catalog files with the kiosk's own loader; `what` names them in the error.
fn check_loads(files: &bundle::Files, what: &str) -> Result<()> {
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(p, b)| {
            Ok(SourceFile {
                path: p.clone(),
                text: String::from_utf8(b.clone())
                    .map_err(|_| anyhow::anyhow!("{p}: not UTF-8 text"))?,
            })
        })
        .collect::<Result<_>>()?;
    let mut problems = Vec::new();
    if let Err(e) = Catalog::from_sources(&sources) {
        problems.extend(e.0);
    }
    if let Err(e) = Calendar::from_sources(&sources) {
        problems.extend(e.0);
    }
    if !problems.is_empty() {
        let list: String = problems.iter().map(|p| format!("\n  {p}")).collect();
        bail!(
            "the catalog in {what} has {} problem(s); nothing was published:{list}",
            problems.len()
        );
    }
    Ok(())
}

fn expiry(now: i64, valid_days: u32) -> Result<i64> {
    if valid_days == 0 {
        bail!("--valid-days must be at least 1");
    }
    Ok(now.saturating_add(i64::from(valid_days) * DAY_MS))
}

/// Signs the catalog folder `dir` as `version` with `key`, valid `valid_days` from `now`,
/// carrying `rotations`. Needs nothing of a server: this is what an offline machine runs.
pub fn sign(
    key: &SigningKey,
    dir: &Path,
    version: u64,
    now: i64,
    valid_days: u32,
    rotations: &[Envelope],
) -> Result<Vec<u8>> {
    let files = bundle::read_tree(dir)
        .with_context(|| format!("reading the catalog folder {}", dir.display()))?;
    check_loads(&files, &dir.display().to_string())?;
    if version == 0 {
        bail!("catalog versions start at 1");
    }
    Ok(bundle::sign_catalog(
        key,
        version,
        now,
        expiry(now, valid_days)?,
        &files,
        rotations,
    )?)
}

/// A statement signed by `old` that catalogs are signed by `new` from now on.
pub fn rotate(old: &SigningKey, new: &VerifyingKey, now: i64) -> Envelope {
    bundle::sign_rotation(old, new, now)
}

/// The newest version published, 0 if none.
pub fn latest(conn: &Conn) -> Result<u64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(version), 0) FROM catalogs", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// Checks the catalog folder `dir`, signs it with this server's key as the next version, and
/// offers it to kiosks. Returns the version.
pub fn publish_dir(
    conn: &Conn,
    data: &Path,
    keys: &Keys,
    dir: &Path,
    now: i64,
    valid_days: u32,
) -> Result<u64> {
    let Some(key) = &keys.catalog else {
        bail!(
            "this server holds no catalog signing key (it was moved offline): sign on the offline machine with `onevisit-central catalog sign {} --key KEYFILE --version {}` and publish here with `catalog publish --signed BUNDLE`",
            dir.display(),
            latest(conn)? + 1
        );
    };
    let bytes = sign(key, dir, latest(conn)? + 1, now, valid_days, &[])?;
    publish_signed(conn, data, keys, &bytes, now)
}

/// Checks a signed bundle as a kiosk will and offers it to kiosks; the private key is not
/// needed. Returns the version.
pub fn publish_signed(
    conn: &Conn,
    data: &Path,
    keys: &Keys,
    bytes: &[u8],
    now: i64,
) -> Result<u64> {
    let trusted = auth::verifying_key(&keys.catalog_public)
        .map_err(|e| anyhow::anyhow!("the catalog public key of this server is damaged: {e}"))?;
    let v = bundle::verify_catalog(&trusted, bytes, None, now).map_err(|e| match e {
        bundle::BundleError::Signature => anyhow::anyhow!(
            "the bundle is not signed by the catalog key kiosks trust ({}), nor by a key a rotation from it leads to; nothing was published",
            keys.catalog_public
        ),
        e => anyhow::anyhow!("{e}; nothing was published"),
    })?;
    // Exactly the next version: kiosks never go back below a version they saw, so a typo
    // (version 1000 for 10) would leave them deaf to every later catalog.
    let latest = latest(conn)?;
    if v.version != latest + 1 {
        bail!(
            "the bundle is version {}, but the next version is {} (version {latest} is the latest published); sign it as version {}",
            v.version,
            latest + 1,
            latest + 1
        );
    }
    check_loads(&v.files, "the bundle")?;

    // The whole chain of rotations goes with every bundle offered.
    let mut chain = rotations(data)?;
    let b: CatalogBundle = serde_json::from_slice(bytes)?;
    let before = chain.len();
    for r in b.rotations {
        if !chain.iter().any(|c| c.payload == r.payload) {
            chain.push(r);
        }
    }
    let offered = serde_json::to_vec_pretty(&CatalogBundle {
        payload: b.payload,
        signature: b.signature,
        rotations: chain.clone(),
    })?;
    let new_key = auth::b64(v.key.as_bytes());
    if chain.len() != before {
        write_synced(&rotations_path(data), &serde_json::to_vec_pretty(&chain)?)?;
    }
    if new_key != keys.catalog_public {
        keys::set_catalog_public(data, &new_key)?;
        // The key rotated away from signs nothing more here.
        let old = keys::catalog_key_path(data);
        if old.exists() {
            std::fs::rename(&old, old.with_extension("ed25519.retired"))
                .with_context(|| format!("retiring {}", old.display()))?;
        }
        tracing::warn!(key = %new_key, "catalog key rotated");
    }
    let path = bundle_path(data, v.version);
    write_synced(&path, &offered)?;
    conn.execute(
        "INSERT INTO catalogs (version, sha256, size, published_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            v.version as i64,
            onevisit_sync::sha256_hex(&offered),
            offered.len() as i64,
            now
        ],
    )?;
    Ok(v.version)
}

/// The latest published catalog and its calendar, as the workbench plans cases with: read
/// from the bundle this server wrote when it published (checked then; not again here, so an
/// expired catalog still describes the cases made under it). `None` before any is published.
pub fn current(conn: &Conn, data: &Path) -> Result<Option<(Catalog, Option<Calendar>)>> {
    let version = latest(conn)?;
    if version == 0 {
        return Ok(None);
    }
    let path = bundle_path(data, version);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let b: CatalogBundle = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a catalog bundle", path.display()))?;
    let payload = auth::unb64(&b.payload)
        .map_err(|_| anyhow::anyhow!("{}: the payload is not base64", path.display()))?;
    let m: bundle::CatalogManifest = serde_json::from_slice(&payload)
        .with_context(|| format!("{}: the manifest is damaged", path.display()))?;
    let mut sources = Vec::new();
    for f in m.files {
        let bytes = auth::unb64(&f.content)
            .map_err(|_| anyhow::anyhow!("{}: {} is not base64", path.display(), f.path))?;
        sources.push(SourceFile {
            path: f.path,
            text: String::from_utf8(bytes).unwrap_or_default(),
        });
    }
    let catalog = Catalog::from_sources(&sources)
        .map_err(|e| anyhow::anyhow!("catalog version {version} does not load: {e:?}"))?;
    Ok(Some((catalog, Calendar::from_sources(&sources).ok())))
}
