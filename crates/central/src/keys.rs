//! The central system's own keys and certificate, kept in its data folder:
//! `keys/catalog.ed25519` signs catalog bundles, `keys/export.x25519` opens USB export
//! bundles, `tls/cert.pem` + `tls/key.pem` serve HTTPS (a self-signed certificate made on
//! first start, unless the county puts its own there). Secrets are written mode 0600.

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
    pub catalog: SigningKey,
    pub export: StaticSecret,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
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
        let catalog = SigningKey::from_bytes(&secret32(&data.join("keys/catalog.ed25519"))?);
        let export = StaticSecret::from(secret32(&data.join("keys/export.x25519"))?);
        let cert_pem = data.join("tls/cert.pem");
        let key_pem = data.join("tls/key.pem");
        if !cert_pem.exists() {
            if key_pem.exists() {
                bail!(
                    "{} exists but {} does not: put both the certificate and its key there, or neither",
                    key_pem.display(),
                    cert_pem.display()
                );
            }
            let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
            if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
                let h = h.trim();
                if !h.is_empty() {
                    names.push(h.to_owned());
                }
            }
            let ck = rcgen::generate_simple_self_signed(names)
                .context("making the self-signed certificate")?;
            write_secret(&key_pem, ck.signing_key.serialize_pem().as_bytes())?;
            crate::private::create(&cert_pem)
                .and_then(|mut f| f.write_all(ck.cert.pem().as_bytes()))
                .with_context(|| format!("writing {}", cert_pem.display()))?;
        }
        Ok(Keys {
            catalog,
            export,
            cert_pem,
            key_pem,
        })
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
