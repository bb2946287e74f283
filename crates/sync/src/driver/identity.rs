//! What provisioning leaves on the kiosk: `sync/identity.json` (the central system's address,
//! pinned certificate and public keys, this device's id and site) and `sync/device.key` (the
//! device's Ed25519 key, mode 0600, never leaves the kiosk).
//!
//! The server is pinned by public key: `spki_pins` holds the SHA-256 of the key the kiosk saw
//! at provisioning and of the backup key the central system announced, so the county can
//! renew its certificate or switch to its backup key without provisioning again. The central
//! system repeats its current pins in every heartbeat reply, over the pinned connection, and
//! the kiosk keeps them current. An identity from before public-key pins has only the
//! certificate's `fingerprint`, which is then the pin.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use super::SyncError;
use super::http::{Endpoint, Link};
use crate::auth;
use crate::proto::{EnrollRequest, EnrollResponse, ErrorBody};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub central: String,
    /// SHA-256 of the central system's certificate, as pinned at provisioning.
    pub fingerprint: String,
    pub device_id: String,
    pub site: String,
    pub catalog_key: String,
    pub export_key: String,
    pub provisioned_at: i64,
    /// SHA-256 (hex) of the public keys (SPKI) the central system may present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spki_pins: Vec<String>,
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("sync")
}

impl Identity {
    pub fn load(data_dir: &Path) -> Result<(Identity, SigningKey), SyncError> {
        let path = dir(data_dir).join("identity.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SyncError::NotProvisioned);
            }
            Err(e) => return Err(SyncError::io(&path, e)),
        };
        let id: Identity = serde_json::from_str(&text).map_err(|e| {
            SyncError::Corrupt(format!(
                "{} is damaged ({e}); provision the kiosk again",
                path.display()
            ))
        })?;
        let kpath = dir(data_dir).join("device.key");
        let bytes = std::fs::read(&kpath).map_err(|e| SyncError::io(&kpath, e))?;
        let mode = std::fs::metadata(&kpath)
            .map_err(|e| SyncError::io(&kpath, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(SyncError::Corrupt(format!(
                "the device key {} is readable by others (mode {:o}): chmod 600 it",
                kpath.display(),
                mode & 0o777
            )));
        }
        let seed: [u8; 32] = bytes.try_into().map_err(|_| {
            SyncError::Corrupt(format!(
                "the device key {} is damaged; provision the kiosk again",
                kpath.display()
            ))
        })?;
        Ok((id, SigningKey::from_bytes(&seed)))
    }

    fn save(&self, data_dir: &Path, key: &SigningKey) -> Result<(), SyncError> {
        let d = dir(data_dir);
        std::fs::create_dir_all(&d).map_err(|e| SyncError::io(&d, e))?;
        write_atomic(&d.join("device.key"), key.as_bytes(), 0o600)?;
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| SyncError::Corrupt(e.to_string()))?;
        write_atomic(&d.join("identity.json"), &json, 0o644)
    }

    pub fn endpoint(&self) -> Result<Endpoint, SyncError> {
        Endpoint::parse(&self.central).map_err(SyncError::Link)
    }

    /// What the link accepts: the public-key pins, or for an identity from before them, the
    /// certificate it was provisioned with.
    pub fn pins(&self) -> Vec<String> {
        if self.spki_pins.is_empty() {
            vec![self.fingerprint.clone()]
        } else {
            self.spki_pins.clone()
        }
    }

    /// Saves `identity.json` only (the device key stays as it is).
    pub(crate) fn save_public(&self, data_dir: &Path) -> Result<(), SyncError> {
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| SyncError::Corrupt(e.to_string()))?;
        write_atomic(&dir(data_dir).join("identity.json"), &json, 0o644)
    }
}

/// The pins to keep: the server's list, plus the key the kiosk is talking to right now (so a
/// list that somehow lacks it cannot lock the kiosk out), without repeats.
pub(crate) fn merge_pins(announced: &[String], current: Option<&str>) -> Vec<String> {
    let mut pins: Vec<String> = current.map(str::to_owned).into_iter().collect();
    for p in announced {
        let p = auth::normalize_pin(p);
        if p.len() == 64 && p.bytes().all(|b| b.is_ascii_hexdigit()) && !pins.contains(&p) {
            pins.push(p);
        }
    }
    pins
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), SyncError> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| SyncError::io(&tmp, e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| SyncError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| SyncError::io(path, e))?;
    if let Some(parent) = path.parent() {
        let _ = std::fs::File::open(parent).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Enrolls this kiosk with the central system at `url` using a one-time `code`. With `pin`
/// (a SHA-256 the county gave out, of its certificate or of its public key, as printed by
/// `onevisit-central fingerprint` and `onevisit-central tls pins`), the server must present
/// that.
/// The central system's clock, from its health answer (None from a server too old to say).
async fn server_time(link: &mut Link, endpoint: &Endpoint) -> Result<Option<i64>, SyncError> {
    let resp = link
        .send(
            "GET",
            &format!("{}/v1/health", endpoint.prefix),
            &[],
            Vec::new(),
        )
        .await
        .map_err(SyncError::Link)?;
    if resp.status != 200 {
        return Err(SyncError::Link(format!(
            "the central system answered HTTP {} to a health check",
            resp.status
        )));
    }
    Ok(serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| v.get("server_time")?.as_i64()))
}

/// A clock hours off would have every signed request refused: it is told before the one-time
/// code is spent.
async fn check_clock(link: &mut Link, endpoint: &Endpoint, now: i64) -> Result<(), SyncError> {
    match server_time(link, endpoint).await? {
        Some(t) if (now - t).abs() > crate::proto::MAX_CLOCK_SKEW_MS => {
            Err(SyncError::ClockOff(now - t))
        }
        _ => Ok(()),
    }
}

/// What the self-test learns from the central system of a provisioned kiosk.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CentralCheck {
    /// Connection (TLS with the pin checked) and one health request.
    pub latency_ms: u64,
    /// This kiosk's clock minus the central system's, when it says its time.
    pub clock_off_ms: Option<i64>,
}

/// Reaches the central system over the pinned link and reads its clock.
pub async fn check_central(
    id: &Identity,
    now: impl Fn() -> i64,
) -> Result<CentralCheck, SyncError> {
    let endpoint = id.endpoint()?;
    let started = std::time::Instant::now();
    let mut link = Link::pinned(endpoint.clone(), id.pins());
    link.connect().await.map_err(SyncError::Link)?;
    let t = server_time(&mut link, &endpoint).await?;
    Ok(CentralCheck {
        latency_ms: started.elapsed().as_millis() as u64,
        clock_off_ms: t.map(|t| now() - t),
    })
}

pub async fn provision(
    data_dir: &Path,
    url: &str,
    code: &str,
    pin: Option<&str>,
    app_version: &str,
    force: bool,
    now: i64,
) -> Result<Identity, SyncError> {
    if !force && let Ok((old, _)) = Identity::load(data_dir) {
        return Err(SyncError::AlreadyProvisioned(old.device_id, old.site));
    }
    let endpoint = Endpoint::parse(url).map_err(SyncError::Link)?;
    let pin = pin.map(auth::normalize_pin);
    let mut link = Link::new(endpoint.clone(), pin);
    link.connect().await.map_err(SyncError::Link)?;
    let seen = link
        .seen()
        .ok_or_else(|| SyncError::Link("the server presented no certificate".into()))?;
    let fingerprint = seen.fingerprint.clone();
    check_clock(&mut link, &endpoint, now).await?;
    let key = auth::new_signing_key();
    let device_key = auth::public_b64(&key);
    let req = EnrollRequest {
        code_id: auth::code_id(code),
        proof: auth::enroll_proof(code, &fingerprint, &device_key),
        device_key,
        app_version: app_version.to_owned(),
    };
    let body = serde_json::to_vec(&req).map_err(|e| SyncError::Corrupt(e.to_string()))?;
    let resp = link
        .send(
            "POST",
            &format!("{}/v1/enroll", endpoint.prefix),
            &[("content-type", "application/json".into())],
            body,
        )
        .await
        .map_err(SyncError::Link)?;
    if resp.status != 201 && resp.status != 200 {
        let msg = serde_json::from_slice::<ErrorBody>(&resp.body)
            .map(|e| e.message)
            .unwrap_or_else(|_| format!("HTTP {}", resp.status));
        return Err(SyncError::Refused(format!(
            "the central system refused enrollment: {msg}"
        )));
    }
    let r: EnrollResponse = serde_json::from_slice(&resp.body)
        .map_err(|e| SyncError::Refused(format!("unreadable enrollment reply: {e}")))?;
    if !auth::check_server_proof(code, &fingerprint, &r) {
        return Err(SyncError::ServerProof);
    }
    let spki_pins = match &seen.spki {
        Some(current) => merge_pins(&r.spki_pins, Some(current)),
        // A certificate whose key cannot be read is pinned as a whole, as before.
        None => Vec::new(),
    };
    let id = Identity {
        central: url.trim_end_matches('/').to_owned(),
        spki_pins,
        fingerprint,
        device_id: r.device_id,
        site: r.site,
        catalog_key: r.catalog_key,
        export_key: r.export_key,
        provisioned_at: now,
    };
    id.save(data_dir, &key)?;
    Ok(id)
}
