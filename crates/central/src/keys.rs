//! The central system's own keys and certificate, kept in its data folder:
//! `keys/catalog.ed25519` signs catalog bundles, `keys/export.x25519` opens USB export
//! bundles, `tls/cert.pem` + `tls/key.pem` serve HTTPS (a self-signed certificate made on
//! first start, unless the county puts its own there). Secrets are written mode 0600.
//!
//! The catalog signing key need not live here: `catalog offline-key` moves it to a file
//! elsewhere and leaves `keys/catalog.pub`, the public key kiosks trust; catalogs are then
//! signed on another machine (`catalog sign`) and published with `catalog publish --signed`.
//! `keys/catalog.pub`, when present, is the key kiosks trust now (it follows rotations).
//!
//! `tls/backup-key.pem` is a second TLS key, made on first start and never served: kiosks pin
//! its public key (SPKI SHA-256) beside the current one, so `tls use-backup` can replace the
//! certificate without provisioning any kiosk again.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use ed25519_dalek::SigningKey;
use onevisit_sync::export::x25519::StaticSecret;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub struct Keys {
    /// The catalog signing key, when this server holds it (not after `catalog offline-key`).
    pub catalog: Option<SigningKey>,
    /// The catalog key kiosks trust now, base64.
    pub catalog_public: String,
    pub export: StaticSecret,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
    pub backup_key_pem: PathBuf,
}

pub fn catalog_key_path(data: &Path) -> PathBuf {
    data.join("keys/catalog.ed25519")
}

pub fn catalog_pub_path(data: &Path) -> PathBuf {
    data.join("keys/catalog.pub")
}

/// Reads a 32-byte Ed25519 secret key file (as written here and by `catalog keygen`).
pub fn read_signing_key(path: &Path) -> Result<SigningKey> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let seed: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
        anyhow::anyhow!(
            "{} has {} bytes; a catalog signing key has 32",
            path.display(),
            b.len()
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes a new catalog signing key to `path` (mode 0600, refusing to overwrite one).
pub fn new_signing_key_file(path: &Path) -> Result<SigningKey> {
    if path.exists() {
        bail!("{} exists; a key file is never overwritten", path.display());
    }
    let key = onevisit_sync::auth::new_signing_key();
    write_secret(path, key.as_bytes())?;
    Ok(key)
}

/// Moves this server's catalog signing key to `to` (for an offline machine) and leaves only
/// its public key here. Returns the public key.
pub fn move_catalog_key_offline(data: &Path, to: &Path) -> Result<String> {
    let keys = Keys::load_or_create(data)?;
    let Some(key) = keys.catalog else {
        bail!("this server holds no catalog signing key; it is already offline");
    };
    if to.exists() {
        bail!("{} exists; a key file is never overwritten", to.display());
    }
    write_secret(to, key.as_bytes())?;
    if read_signing_key(to)?.as_bytes() != key.as_bytes() {
        bail!(
            "{} did not read back as written; nothing was removed",
            to.display()
        );
    }
    set_catalog_public(data, &keys.catalog_public)?;
    let path = catalog_key_path(data);
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    Ok(keys.catalog_public)
}

/// Records the catalog key kiosks trust from now on (after a rotation).
pub fn set_catalog_public(data: &Path, key_b64: &str) -> Result<()> {
    onevisit_sync::auth::verifying_key(key_b64)
        .map_err(|e| anyhow::anyhow!("not a catalog public key: {e}"))?;
    write_secret(&catalog_pub_path(data), format!("{key_b64}\n").as_bytes())
}

fn load_catalog(data: &Path) -> Result<(Option<SigningKey>, String)> {
    let (priv_path, pub_path) = (catalog_key_path(data), catalog_pub_path(data));
    let public = if pub_path.exists() {
        let text = std::fs::read_to_string(&pub_path)
            .with_context(|| format!("reading {}", pub_path.display()))?;
        let text = text.trim().to_owned();
        onevisit_sync::auth::verifying_key(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} is damaged ({e}); restore it from the backup",
                pub_path.display()
            )
        })?;
        Some(text)
    } else {
        None
    };
    let private = if priv_path.exists() || public.is_none() {
        Some(SigningKey::from_bytes(&secret32(&priv_path)?))
    } else {
        None
    };
    match (private, public) {
        (Some(k), None) => {
            let p = onevisit_sync::auth::public_b64(&k);
            Ok((Some(k), p))
        }
        // A private key that kiosks no longer trust (rotated away from) does not sign.
        (Some(k), Some(p)) => {
            let ours = onevisit_sync::auth::public_b64(&k) == p;
            Ok((ours.then_some(k), p))
        }
        (None, Some(p)) => Ok((None, p)),
        (None, None) => bail!("no catalog key"),
    }
}

fn new_tls_key() -> Result<rcgen::KeyPair> {
    rcgen::KeyPair::generate().context("making a TLS key")
}

fn cert_names() -> Vec<String> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        let h = h.trim();
        if !h.is_empty() {
            names.push(h.to_owned());
        }
    }
    names
}

/// SHA-256 (hex) of a PEM key's public half, as kiosks pin it.
fn key_pin(pem_path: &Path) -> Result<String> {
    use rcgen::PublicKeyData;
    let pem = std::fs::read_to_string(pem_path)
        .with_context(|| format!("reading {}", pem_path.display()))?;
    let kp = rcgen::KeyPair::from_pem(&pem)
        .with_context(|| format!("{} is not a PEM private key", pem_path.display()))?;
    Ok(onevisit_sync::sha256_hex(&kp.subject_public_key_info()))
}

/// Replaces the certificate with a new self-signed one for the backup key, and makes a new
/// backup key. Kiosks accept the new certificate at once (they pinned the backup key) and
/// learn the new backup key's pin at their next heartbeat. A county with its own CA has a
/// certificate issued for `tls/backup-key.pem` instead, and installs it with that key.
pub fn use_backup_tls_key(data: &Path) -> Result<()> {
    let keys = Keys::load_or_create(data)?;
    let pem = std::fs::read_to_string(&keys.backup_key_pem)
        .with_context(|| format!("reading {}", keys.backup_key_pem.display()))?;
    let kp = rcgen::KeyPair::from_pem(&pem)
        .with_context(|| format!("{} is not a PEM private key", keys.backup_key_pem.display()))?;
    let cert = rcgen::CertificateParams::new(cert_names())
        .and_then(|p| p.self_signed(&kp))
        .context("making the certificate for the backup key")?;
    let next = new_tls_key()?;
    // Old pair kept beside, for a manual step back.
    let _ = std::fs::copy(&keys.cert_pem, keys.cert_pem.with_extension("pem.old"));
    let _ = std::fs::copy(&keys.key_pem, keys.key_pem.with_extension("pem.old"));
    write_secret(&keys.key_pem, pem.as_bytes())?;
    write_secret(&keys.cert_pem, cert.pem().as_bytes())?;
    write_secret(&keys.backup_key_pem, next.serialize_pem().as_bytes())?;
    Ok(())
}

fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        crate::private::dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn secret32(path: &Path) -> Result<[u8; 32]> {
    if !path.exists() {
        write_secret(path, &onevisit_sync::random_bytes::<32>())?;
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        anyhow::anyhow!(
            "{} has {} bytes; it must have 32. Restore it from the backup",
            path.display(),
            b.len()
        )
    })
}

impl Keys {
    /// Loads the keys in `data`, making any that are missing.
    pub fn load_or_create(data: &Path) -> Result<Keys> {
        // Nodes of a cluster starting together on a new, shared data folder: one creates the
        // keys while the others wait, then all load the same ones (flock holds over NFS v4).
        let _creating = KeysLock::take(data)?;
        let (catalog, catalog_public) = load_catalog(data)?;
        let export = StaticSecret::from(secret32(&data.join("keys/export.x25519"))?);
        let cert_pem = data.join("tls/cert.pem");
        let key_pem = data.join("tls/key.pem");
        let backup_key_pem = data.join("tls/backup-key.pem");
        if !cert_pem.exists() {
            if key_pem.exists() {
                bail!(
                    "{} exists but {} does not: put both the certificate and its key there, or neither",
                    key_pem.display(),
                    cert_pem.display()
                );
            }
            let ck = rcgen::generate_simple_self_signed(cert_names())
                .context("making the self-signed certificate")?;
            write_secret(&key_pem, ck.signing_key.serialize_pem().as_bytes())?;
            crate::private::create(&cert_pem)
                .and_then(|mut f| f.write_all(ck.cert.pem().as_bytes()))
                .with_context(|| format!("writing {}", cert_pem.display()))?;
        }
        if !backup_key_pem.exists() {
            write_secret(&backup_key_pem, new_tls_key()?.serialize_pem().as_bytes())?;
        }
        Ok(Keys {
            catalog,
            catalog_public,
            export,
            cert_pem,
            key_pem,
            backup_key_pem,
        })
    }

    /// Public-key pins kiosks accept: the served certificate's key, then the backup key.
    pub fn spki_pins(&self) -> Result<Vec<String>> {
        let current = onevisit_sync::auth::spki_pin(&self.certs()?[0]).with_context(|| {
            format!(
                "{}: the certificate's public key cannot be read",
                self.cert_pem.display()
            )
        })?;
        Ok(vec![current, key_pin(&self.backup_key_pem)?])
    }

    pub fn certs(&self) -> Result<Vec<CertificateDer<'static>>> {
        let certs: Vec<_> = CertificateDer::pem_file_iter(&self.cert_pem)
            .with_context(|| format!("reading {}", self.cert_pem.display()))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("{} is not a PEM certificate", self.cert_pem.display()))?;
        if certs.is_empty() {
            bail!("{} holds no certificate", self.cert_pem.display());
        }
        Ok(certs)
    }

    /// SHA-256 of the server certificate, as kiosks pin it.
    pub fn fingerprint(&self) -> Result<String> {
        Ok(onevisit_sync::auth::cert_fingerprint(&self.certs()?[0]))
    }

    pub fn tls_config(&self) -> Result<Arc<rustls::ServerConfig>> {
        let key = PrivateKeyDer::from_pem_file(&self.key_pem)
            .with_context(|| format!("{} is not a PEM private key", self.key_pem.display()))?;
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(self.certs()?, key)
        .context("the TLS certificate and key do not match")?;
        Ok(Arc::new(cfg))
    }
}

/// An exclusive lock on `DATA/keys.lock` while keys are loaded or created; released on drop
/// (closing the file).
struct KeysLock {
    _file: std::fs::File,
}

impl KeysLock {
    fn take(data: &Path) -> Result<KeysLock> {
        use std::os::fd::AsRawFd;
        crate::private::dir(data).with_context(|| format!("creating {}", data.display()))?;
        let path = data.join("keys.lock");
        let f = crate::private::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        // SAFETY: a valid open descriptor, owned by `f` for the lock's whole life.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("locking {}", path.display()));
        }
        Ok(KeysLock { _file: f })
    }
}
