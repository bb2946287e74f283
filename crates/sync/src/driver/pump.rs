//! The loop: ask the engine, perform its request over the link, feed the answer back, apply
//! its effects to the store. Runs once (`onevisit sync --once`) or for ever beside the kiosk
//! UI, on its own thread: nothing here can block a citizen's screen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use onevisit_store::{CasePayload, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::http::Link;
use super::identity::Identity;
use super::{SyncError, catalog, clock, wall_ms};
use crate::auth::{self, b64};
use crate::engine::{Action, Config, Effect, Engine, Failure, Reply, Request, Stats};
use crate::proto::{self, Applicant, AttachmentDecl, CaseManifest, Heartbeat, header};

/// Device health the app keeps current for the heartbeat.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub devices: BTreeMap<String, String>,
    pub paper_near_end: bool,
    /// The cabinet's tamper switch (see [`proto::Heartbeat::tamper`]); None when not known.
    pub tamper: Option<String>,
    /// When a citizen called staff, if one is waiting.
    pub help_requested_at: Option<i64>,
}

/// What the UI and technicians can see of sync, kept current by the loop.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStatus {
    pub online: bool,
    pub last_contact: Option<i64>,
    pub pending: usize,
    /// Case being uploaded: bytes at the server, bytes in all.
    pub uploading: Option<(u64, u64)>,
    pub last_error: Option<String>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub app_version: String,
    pub once: bool,
    pub config: Config,
    pub health: Arc<Mutex<Health>>,
    pub status: Arc<Mutex<SyncStatus>>,
    /// Seconds between looks at the store for new cases (background mode).
    pub rescan: Duration,
    /// How long personal data stays after delivery (for reprinting a receipt).
    pub retention_ms: i64,
    /// The other limits (cases that never leave, rating comments); its `delivered_ms` is
    /// `retention_ms` above.
    pub retention: onevisit_store::Retention,
    /// Notified when a technician taps "sync now": backoff ends and the queue is looked at.
    pub wake: Arc<tokio::sync::Notify>,
}

impl SyncOptions {
    pub fn new(app_version: &str, once: bool) -> SyncOptions {
        SyncOptions {
            app_version: app_version.to_owned(),
            once,
            config: Config {
                once: once.then_some(6),
                ..Config::default()
            },
            health: Arc::default(),
            status: Arc::default(),
            rescan: Duration::from_secs(5),
            retention_ms: onevisit_store::DEFAULT_RETENTION_MS,
            retention: onevisit_store::Retention::default(),
            wake: Arc::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Delivered {
    pub case_id: String,
    pub case_number: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub delivered: Vec<Delivered>,
    pub refused: Vec<(String, String)>,
    /// Cases this kiosk could not read from its own store (nothing was sent): a technician's
    /// matter, not the central system's.
    pub unreadable: Vec<(String, String)>,
    pub still_queued: usize,
    pub status_updates: usize,
    pub catalog_activated: Option<u64>,
    pub catalog_error: Option<String>,
    /// The running catalog's version and expiry (Unix ms), when it has expired: it stays in
    /// use until the county publishes a new one.
    pub catalog_expired: Option<(u64, i64)>,
    pub error: Option<String>,
    pub stats: Stats,
    pub connections: u64,
    /// Of those, how many resumed an earlier TLS session (no certificate sent again).
    pub resumed: u64,
}

pub struct Syncer {
    store: Store,
    data_dir: PathBuf,
    id: Identity,
    key: SigningKey,
    link: Link,
    engine: Engine,
    opts: SyncOptions,
    /// Server time minus kiosk time, learned from a clock-skew refusal.
    offset_ms: i64,
    /// The central-minus-kiosk time last written for the OS image (`clock`).
    clock_noted: Option<i64>,
    /// The current case's attachment bytes (decrypted once per case, not per chunk).
    cache: Option<(String, Vec<Vec<u8>>)>,
    report: SyncReport,
}

/// The manifest the central system receives for a stored case.
pub fn manifest(p: &CasePayload, attachments: &[Vec<u8>]) -> CaseManifest {
    CaseManifest {
        theme: p.theme.clone(),
        submitted_at: p.created_at,
        answers: p.answers.clone(),
        applicant: Applicant {
            name: p.applicant.name.clone(),
            id_number: p.applicant.id_number.clone(),
        },
        form: p.form.clone(),
        signature: p.signature.as_deref().map(b64),
        owed: p
            .owed
            .iter()
            .map(|o| crate::proto::OwedDecl {
                name: o.name.clone(),
                due: o.due.clone(),
            })
            .collect(),
        rating: p.rating,
        attachments: p
            .materials
            .iter()
            .zip(attachments)
            .enumerate()
            .map(|(i, ((name, pages), bytes))| AttachmentDecl {
                index: i as u32,
                name: name.clone(),
                pages: *pages,
                size: bytes.len() as u64,
                sha256: crate::sha256_hex(bytes),
            })
            .collect(),
    }
}

const STATUS_SEQ: &str = "sync.status_seq";
/// How often delivered cases past their retention are purged of personal data.
const PURGE_EVERY_MS: i64 = 60 * 60 * 1000;

impl Syncer {
    pub fn open(data_dir: &Path, opts: SyncOptions) -> Result<Syncer, SyncError> {
        let (id, key) = Identity::load(data_dir)?;
        let store = Store::open(data_dir)?;
        let status_after = store
            .kv_get(STATUS_SEQ)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let seed = u64::from_le_bytes(crate::random_bytes::<8>());
        let engine = Engine::new(
            opts.config.clone(),
            seed,
            status_after,
            catalog::active_version(data_dir),
        );
        let link = Link::pinned(id.endpoint()?, id.pins());
        Ok(Syncer {
            store,
            data_dir: data_dir.to_owned(),
            id,
            key,
            link,
            engine,
            opts,
            offset_ms: 0,
            clock_noted: None,
            cache: None,
            report: SyncReport::default(),
        })
    }

    pub fn identity(&self) -> &Identity {
        &self.id
    }

    fn enqueue_pending(&mut self) {
        match self.store.pending() {
            Ok(ids) => {
                for id in ids {
                    self.engine.enqueue(&id);
                }
            }
            Err(e) => tracing::warn!("sync: cannot list the queue: {e}"),
        }
    }

    fn publish_status(&mut self, online: Option<bool>, error: Option<String>) {
        if let Ok(mut s) = self.opts.status.lock() {
            if let Some(o) = online {
                s.online = o;
                if o {
                    s.last_contact = Some(wall_ms());
                }
            }
            if error.is_some() {
                s.last_error = error;
            }
            s.pending = self.engine.pending();
            s.uploading = self.engine.progress().map(|(_, d, a)| (d, a));
            s.revoked = self.engine.stats().revoked;
        }
    }

    /// Runs until done (`once`) or until `stop` turns true.
    pub async fn run(mut self, mut stop: tokio::sync::watch::Receiver<bool>) -> SyncReport {
        self.enqueue_pending();
        let mut last_scan = wall_ms();
        let mut last_purge: Option<i64> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            let now = wall_ms();
            if last_purge.is_none_or(|t| now - t >= PURGE_EVERY_MS) {
                self.purge(now);
                last_purge = Some(now);
            }
            if !self.opts.once && now - last_scan >= self.opts.rescan.as_millis() as i64 {
                self.enqueue_pending();
                last_scan = now;
            }
            match self.engine.poll_action(now) {
                Action::Done => break,
                Action::WaitUntil(t) => {
                    let wait = (t - now).clamp(1, self.opts.rescan.as_millis() as i64);
                    self.publish_status(None, None);
                    let wake = self.opts.wake.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                        _ = stop.changed() => {}
                        _ = wake.notified() => {
                            tracing::info!("sync now (technician)");
                            self.engine.handle_sync_now(wall_ms());
                        }
                    }
                    if !self.opts.once {
                        self.enqueue_pending();
                        last_scan = wall_ms();
                    }
                }
                Action::Send(req) => {
                    let result = self.perform(&req).await;
                    // A case the store cannot read says nothing about the link.
                    let online = !matches!(result, Err(Failure::Transport(_)));
                    let now = wall_ms();
                    let fx = self.engine.handle_reply(now, result);
                    self.apply(now, fx);
                    self.publish_status(Some(online), None);
                }
            }
        }
        self.report.catalog_expired = catalog::expired(&self.data_dir, self.server_now());
        if let Some((v, at)) = self.report.catalog_expired {
            tracing::warn!(
                version = v,
                expired_at = at,
                "the running catalog has expired; it stays in use until the county publishes a new one"
            );
        }
        self.report.stats = self.engine.stats().clone();
        self.report.connections = self.link.connects;
        self.report.resumed = self.link.resumed;
        self.report.still_queued = self.store.pending().map(|p| p.len()).unwrap_or(0);
        if self.report.stats.gave_up && self.report.error.is_none() {
            self.report.error = Some("the central system could not be reached".into());
        }
        self.publish_status(None, None);
        self.report
    }

    /// Personal data of delivered cases goes once retention ends (the central system has it);
    /// so does everything else past its limit.
    fn purge(&mut self, now: i64) {
        let limits = onevisit_store::Retention {
            delivered_ms: self.opts.retention_ms,
            ..self.opts.retention
        };
        match self.store.purge_expired(now, &limits) {
            Ok(p) => p.log(),
            Err(e) => tracing::warn!("sync: purge failed: {e}"),
        }
    }

    /// The kiosk's clock corrected by what the server said about it.
    fn server_now(&self) -> i64 {
        wall_ms().saturating_add(self.offset_ms)
    }

    async fn call(
        &mut self,
        method: &str,
        path: &str,
        extra: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Result<Reply, Failure> {
        let pq = format!("{}{path}", self.link.endpoint().prefix);
        // The signature covers the upload headers, so they are sent exactly as signed.
        let mut headers = auth::auth_headers(
            &self.key,
            &self.id.device_id,
            method,
            &pq,
            self.server_now(),
            &extra,
            &body,
        );
        headers.extend(extra);
        let resp = self
            .link
            .send(method, &pq, &headers, body)
            .await
            .map_err(Failure::Transport)?;
        let get = |name: &str| {
            resp.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if let Some(central) = get("date").and_then(|d| httpdate_ms(&d)) {
            match clock::note(&self.data_dir, central, wall_ms(), &mut self.clock_noted) {
                Ok(true) => tracing::warn!(
                    offset_s = (central - wall_ms()) / 1000,
                    "the kiosk's clock is off from the central system's; the OS will set it"
                ),
                Ok(false) => {}
                Err(e) => tracing::warn!("cannot keep the central system's time: {e}"),
            }
        }
        let retry_after_ms = get(header::RETRY_AFTER).and_then(|v| {
            v.trim().parse::<i64>().map(|s| s * 1000).ok().or_else(|| {
                // The HTTP-date form.
                httpdate_ms(&v).map(|t| (t - wall_ms()).max(0))
            })
        });
        Ok(Reply {
            status: resp.status,
            upload_offset: get(header::UPLOAD_OFFSET).and_then(|v| v.parse().ok()),
            upload_staged: get(header::UPLOAD_STAGED).and_then(|v| v.parse().ok()),
            retry_after_ms,
            body: resp.body,
        })
    }

    /// What the store could not give: nothing is sent, and the engine sets the case aside.
    fn unreadable(message: String) -> Result<Reply, Failure> {
        Err(Failure::Store(message))
    }

    fn attachments(&mut self, case_id: &str) -> Result<&Vec<Vec<u8>>, String> {
        if self.cache.as_ref().is_none_or(|(id, _)| id != case_id) {
            let n = self
                .store
                .get(case_id)
                .map_err(|e| e.to_string())?
                .materials
                .len();
            let mut all = Vec::with_capacity(n);
            for i in 0..n {
                all.push(
                    self.store
                        .attachment(case_id, i as u32)
                        .map_err(|e| e.to_string())?,
                );
            }
            self.cache = Some((case_id.to_owned(), all));
        }
        Ok(&self.cache.as_ref().ok_or("cache")?.1)
    }

    async fn perform(&mut self, req: &Request) -> Result<Reply, Failure> {
        let json = || vec![("content-type", "application/json".to_owned())];
        match req {
            Request::Heartbeat => {
                let body = serde_json::to_vec(&self.heartbeat()).unwrap_or_default();
                let reply = self.call("POST", "/v1/heartbeat", json(), body).await;
                if let Ok(r) = &reply
                    && r.status == 200
                    && let Ok(hb) = serde_json::from_slice::<proto::HeartbeatReply>(&r.body)
                {
                    self.learn_pins(&hb.spki_pins);
                    self.learn_technician_pin(hb.technician_pin.as_deref());
                }
                reply
            }
            Request::Create { case_id } => {
                if let Err(e) = self.store.mark_uploading(case_id, wall_ms()) {
                    tracing::warn!("sync: {e}");
                }
                let payload = match self.store.payload(case_id) {
                    Ok(p) => p,
                    Err(e) => return Self::unreadable(format!("cannot read the case: {e}")),
                };
                let bytes = match self.attachments(case_id) {
                    Ok(b) => b.clone(),
                    Err(e) => {
                        return Self::unreadable(format!("cannot read an attachment: {e}"));
                    }
                };
                let body = serde_json::to_vec(&manifest(&payload, &bytes)).unwrap_or_default();
                self.call("PUT", &format!("/v1/cases/{case_id}"), json(), body)
                    .await
            }
            Request::Head { case_id, index } => {
                let extra = vec![(header::TUS_RESUMABLE, proto::TUS_VERSION.to_owned())];
                self.call(
                    "HEAD",
                    &format!("/v1/cases/{case_id}/attachments/{index}"),
                    extra,
                    Vec::new(),
                )
                .await
            }
            Request::Patch {
                case_id,
                index,
                offset,
                len,
                staged,
            } => {
                let chunk = {
                    let all = match self.attachments(case_id) {
                        Ok(a) => a,
                        Err(e) => {
                            return Self::unreadable(format!("cannot read an attachment: {e}"));
                        }
                    };
                    let a = all.get(*index as usize).ok_or_else(|| {
                        Failure::Store(format!("attachment {index} is not in the store"))
                    })?;
                    let (s, e) = (*offset as usize, (*offset + *len) as usize);
                    a.get(s..e)
                        .ok_or_else(|| {
                            Failure::Store(format!(
                                "bytes {s}..{e} of attachment {index} are not in the store"
                            ))
                        })?
                        .to_vec()
                };
                let mut extra = vec![
                    (header::TUS_RESUMABLE, proto::TUS_VERSION.to_owned()),
                    ("content-type", header::OFFSET_CONTENT_TYPE.to_owned()),
                    (header::UPLOAD_OFFSET, offset.to_string()),
                    // The whole chunk's, kept bytes included: they count only if it matches.
                    (
                        header::UPLOAD_CHECKSUM,
                        format!("sha256 {}", b64(&Sha256::digest(&chunk))),
                    ),
                ];
                let mut chunk = chunk;
                if *staged > 0 {
                    extra.push((header::UPLOAD_STAGED, staged.to_string()));
                    chunk.drain(..(*staged as usize).min(chunk.len()));
                }
                self.call(
                    "PATCH",
                    &format!("/v1/cases/{case_id}/attachments/{index}"),
                    extra,
                    chunk,
                )
                .await
            }
            Request::Commit { case_id } => {
                self.call(
                    "POST",
                    &format!("/v1/cases/{case_id}/commit"),
                    json(),
                    Vec::new(),
                )
                .await
            }
            Request::Status { after } => {
                self.call(
                    "GET",
                    &format!("/v1/status?after={after}"),
                    Vec::new(),
                    Vec::new(),
                )
                .await
            }
            Request::Catalog { version } => {
                self.call(
                    "GET",
                    &format!("/v1/catalog/{version}"),
                    Vec::new(),
                    Vec::new(),
                )
                .await
            }
        }
    }

    /// Keeps the public-key pins as the central system announces them (over a connection that
    /// passed the current pins), so a kiosk follows the county from key to backup key to the
    /// next backup without being provisioned again.
    fn learn_technician_pin(&mut self, pushed: Option<&str>) {
        let Some(hash) = pushed.filter(|h| crate::pin::is_hash(h)) else {
            return;
        };
        let path = self.data_dir.join(crate::pin::PUSHED_FILE);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == hash) {
            return;
        }
        match super::identity::write_atomic(&path, hash.as_bytes(), 0o600) {
            Ok(()) => tracing::info!("technician PIN set by the county"),
            Err(e) => tracing::warn!("sync: cannot keep the county's technician PIN: {e}"),
        }
    }

    fn learn_pins(&mut self, announced: &[String]) {
        if announced.is_empty() {
            return;
        }
        let Some(current) = self.link.seen().and_then(|s| s.spki) else {
            return;
        };
        let pins = super::identity::merge_pins(announced, Some(&current));
        if pins == self.id.spki_pins {
            return;
        }
        let mut id = self.id.clone();
        id.spki_pins = pins;
        match id.save_public(&self.data_dir) {
            Ok(()) => {
                tracing::info!(pins = ?id.spki_pins, "central system's key pins updated");
                self.link.set_pins(id.pins());
                self.id = id;
            }
            Err(e) => tracing::warn!("sync: cannot save the central system's new pins: {e}"),
        }
    }

    fn heartbeat(&self) -> Heartbeat {
        let health = self
            .opts
            .health
            .lock()
            .map(|h| h.clone())
            .unwrap_or_default();
        let (depth, oldest) = self.store.backlog(wall_ms()).unwrap_or((0, None));
        Heartbeat {
            app_version: self.opts.app_version.clone(),
            devices: health.devices,
            paper_near_end: health.paper_near_end,
            queue_depth: depth,
            oldest_queued_age_s: oldest.map(|ms| (ms / 1000).max(0) as u64),
            disk_free_bytes: onevisit_store::free_bytes(&self.data_dir).unwrap_or(0),
            catalog_version: catalog::active_version(&self.data_dir),
            tamper: health.tamper,
            help_requested_at: health.help_requested_at,
        }
    }

    fn apply(&mut self, now: i64, effects: Vec<Effect>) {
        for fx in effects {
            match fx {
                Effect::Acknowledged {
                    case_id,
                    case_number,
                } => {
                    if let Err(e) = self.store.mark_acknowledged(&case_id, &case_number, now) {
                        tracing::error!("sync: cannot record delivery of {case_id}: {e}");
                    }
                    tracing::info!(case = %case_id, number = %case_number, "delivered");
                    self.cache = None;
                    self.report.delivered.push(Delivered {
                        case_id,
                        case_number,
                    });
                }
                Effect::Retrying { case_id, reason } => {
                    let _ = self.store.mark_failed(&case_id, &reason, now);
                    tracing::info!(case = %case_id, "sync attempt failed: {reason}");
                    self.publish_status(None, Some(reason));
                }
                Effect::Refused { case_id, reason } => {
                    let msg = format!("refused by the central system: {reason}");
                    let _ = self.store.mark_failed(&case_id, &msg, now);
                    tracing::warn!(case = %case_id, "{msg}");
                    self.cache = None;
                    self.report.refused.push((case_id, reason));
                }
                Effect::Unreadable { case_id, reason } => {
                    let msg = format!(
                        "cannot be read on this kiosk: {reason}; a technician should check the data partition (`onevisit store check`)"
                    );
                    let _ = self.store.mark_failed(&case_id, &msg, now);
                    tracing::error!(case = %case_id, "{msg}");
                    self.cache = None;
                    self.report.unreadable.push((case_id, reason));
                }
                Effect::StatusChanges(changes) => {
                    for c in &changes {
                        if let Err(e) = self.store.set_remote_status(
                            &c.case_id,
                            c.status.as_str(),
                            c.reason.as_deref(),
                            c.at,
                        ) {
                            tracing::warn!("sync: cannot record a status: {e}");
                        }
                    }
                    self.report.status_updates += changes.len();
                    if let Some(last) = changes.last() {
                        let _ = self.store.kv_set(STATUS_SEQ, &last.seq.to_string());
                    }
                }
                Effect::Catalog { version, bundle } => {
                    let at = self.server_now();
                    match catalog::install(&self.data_dir, &self.id.catalog_key, &bundle, at) {
                        Ok(v) => {
                            tracing::info!(version = v, "catalog activated");
                            self.report.catalog_activated = Some(v);
                            self.engine.catalog_result(v, true);
                        }
                        Err(e) => {
                            let running = match catalog::active_version(&self.data_dir) {
                                Some(v) => format!("catalog version {v}"),
                                None => "the catalog it has".to_owned(),
                            };
                            let e = format!("{e}; the kiosk keeps running {running}");
                            tracing::error!("catalog version {version} refused: {e}");
                            self.report.catalog_error = Some(e);
                            self.engine.catalog_result(version, false);
                        }
                    }
                }
                Effect::Revoked { reason } => {
                    tracing::error!("sync stopped: {reason}");
                    self.report.error = Some(reason.clone());
                    self.publish_status(None, Some(reason));
                }
                Effect::ServerTime(t) => {
                    self.offset_ms = t.saturating_sub(wall_ms());
                    tracing::warn!(
                        offset_ms = self.offset_ms,
                        "kiosk clock is off; correcting request times"
                    );
                }
            }
        }
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate: `Date`, `Retry-After`), in Unix ms.
fn httpdate_ms(s: &str) -> Option<i64> {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: i64 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as i64
        + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<i64> = parts[4].split(':').filter_map(|p| p.parse().ok()).collect();
    if hms.len() != 3 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400) + hms[0] * 3600 + hms[1] * 60 + hms[2]) * 1000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates() {
        assert_eq!(
            super::httpdate_ms("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777_000)
        );
        assert_eq!(super::httpdate_ms("soon"), None);
    }
}
