//! The sync engine: a pure state machine. It owns no socket, file or clock.
//!
//! The driver asks [`Engine::poll`] what to do at `now`, performs the [`Request`] over HTTPS
//! (reading attachment bytes from the store as the request names them), and hands the result
//! back to [`Engine::handle`], which returns [`Effect`]s for the driver to apply to the store.
//!
//! **One request at a time, one case at a time, oldest first.** On a village link of a few
//! hundred kbit/s, parallel uploads add no bandwidth; they only multiply the work lost when the
//! link drops and make the order cases arrive in unpredictable. Serial uploads lose at most the
//! chunk in flight on a cut, and small requests (heartbeat, status) slot in between chunks.
//!
//! **Exactly once** comes from the server being idempotent by the kiosk's case UUID (the same
//! UUID always gets the same case number) and the kiosk marking a case delivered only after the
//! commit reply. A lost reply is answered by asking again. **Resuming** follows tus 1.0: after
//! any failure during an upload, `HEAD` learns the server's offset and the upload continues
//! from there; after a restart, the create reply carries every attachment's offset.

use std::collections::{HashSet, VecDeque};

use crate::proto::{
    CLOCK_SKEW, CaseReceipt, ErrorBody, HeartbeatReply, IntakeState, STATUS_CHECKSUM_MISMATCH,
    StatusChange, StatusPage, UploadState,
};

pub type Millis = i64;

#[derive(Debug, Clone)]
pub struct Config {
    /// Bytes per PATCH. What a cut costs is what had not crossed the link (the server keeps
    /// the rest, `Upload-Staged`); the whole chunk only where the server cannot offer them (a
    /// restarted server, another node). Larger chunks mean fewer requests and round trips.
    pub chunk_size: u64,
    /// First retry delay after a failure; doubles per consecutive failure, up to the cap. A
    /// link lost after progress is tried again at once instead (within a tenth of this).
    pub backoff_base_ms: Millis,
    pub backoff_cap_ms: Millis,
    pub heartbeat_every_ms: Millis,
    /// A case the server refused is tried again after this long (the server may be fixed).
    pub park_ms: Millis,
    /// `sync --once`: finish when there is nothing left to do, or give up after this many
    /// consecutive failures without progress.
    pub once: Option<u32>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            chunk_size: 128 * 1024,
            backoff_base_ms: 500,
            backoff_cap_ms: 5 * 60 * 1000,
            heartbeat_every_ms: 5 * 60 * 1000,
            park_ms: 60 * 60 * 1000,
            once: None,
        }
    }
}

/// What the driver is asked to send. The driver knows how each maps onto HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `POST /v1/heartbeat` with the kiosk's current health.
    Heartbeat,
    /// `PUT /v1/cases/{id}` with the case's manifest. Starting one is an upload attempt.
    Create { case_id: String },
    /// `HEAD /v1/cases/{id}/attachments/{index}`.
    Head { case_id: String, index: u32 },
    /// `PATCH /v1/cases/{id}/attachments/{index}` with bytes `offset .. offset + len`, of
    /// which the first `staged` are not sent: the server kept them from a request cut short
    /// (`Upload-Staged`). The checksum still covers all `len`.
    Patch {
        case_id: String,
        index: u32,
        offset: u64,
        len: u64,
        staged: u64,
    },
    /// `POST /v1/cases/{id}/commit`.
    Commit { case_id: String },
    /// `GET /v1/status?after={after}`.
    Status { after: u64 },
    /// `GET /v1/catalog/{version}`.
    Catalog { version: u64 },
}

impl Request {
    pub fn case_id(&self) -> Option<&str> {
        match self {
            Request::Create { case_id }
            | Request::Head { case_id, .. }
            | Request::Patch { case_id, .. }
            | Request::Commit { case_id } => Some(case_id),
            _ => None,
        }
    }
}

/// An HTTP reply, as much of it as the engine needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub upload_offset: Option<u64>,
    /// `Upload-Staged`: bytes past the offset the server kept from a request cut short.
    pub upload_staged: Option<u64>,
    /// `Retry-After`, already turned into milliseconds from now.
    pub retry_after_ms: Option<Millis>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            ..Reply::default()
        }
    }

    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error body, or one made of the status when the body is not one.
    fn error(&self) -> ErrorBody {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| ErrorBody {
            error: "http".into(),
            message: format!("HTTP {}", self.status),
            server_time: None,
        })
    }
}

/// Why a request got no reply to hand to [`Engine::handle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The link: connection refused or cut, timeout, TLS error, truncated reply. Tried again
    /// after a backoff.
    Transport(String),
    /// The kiosk could not read what the request carries (the case or an attachment) from its
    /// own store. Nothing was sent; the case is set aside and tried again much later, and the
    /// queue moves on.
    Store(String),
}

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Send(Request),
    /// Nothing to send before this time (new cases may still be enqueued meanwhile).
    WaitUntil(Millis),
    /// `once` mode only: finished (see [`Engine::stats`] for how it went).
    Done,
}

/// What the driver must apply to the kiosk's store or state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The central system has the case, under this number.
    Acknowledged {
        case_id: String,
        case_number: String,
    },
    /// The attempt failed; the case stays queued. Kept as the case's last error.
    Retrying {
        case_id: String,
        reason: String,
    },
    /// The server refused the case itself (it will be tried again much later).
    Refused {
        case_id: String,
        reason: String,
    },
    /// The kiosk could not read the case from its own store (it will be tried again much later).
    Unreadable {
        case_id: String,
        reason: String,
    },
    StatusChanges(Vec<StatusChange>),
    /// A catalog bundle to verify and activate; answer with [`Engine::catalog_result`].
    Catalog {
        version: u64,
        bundle: Vec<u8>,
    },
    /// The server does not accept this device any more: re-provision it.
    Revoked {
        reason: String,
    },
    /// The kiosk's clock is off: the server's time, to correct request times by.
    ServerTime(Millis),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub requests: u64,
    pub failures: u64,
    pub acknowledged: u64,
    pub refused: u64,
    /// Cases the kiosk could not read from its own store.
    pub unreadable: u64,
    /// Attachment bytes put on the wire in PATCH bodies.
    pub bytes_sent: u64,
    /// Of those, bytes sent again because a cut or error lost them.
    pub bytes_resent: u64,
    pub gave_up: bool,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Create,
    Head(u32),
    Next,
    Commit,
}

#[derive(Debug)]
struct Upload {
    case_id: String,
    step: Step,
    attachments: Vec<UploadState>,
    /// A PATCH that failed: (index, offset, len), to count what must be sent again.
    lost: Option<(u32, u64, u64)>,
    /// What the server kept of a cut PATCH: (index, offset, bytes), for the next PATCH there.
    staged: Option<(u32, u64, u64)>,
    /// Chunk checksum mismatches and hash failures on this case.
    integrity_failures: u32,
}

pub struct Engine {
    cfg: Config,
    rng: u64,
    queue: VecDeque<String>,
    known: HashSet<String>,
    parked: Vec<(String, Millis)>,
    current: Option<Upload>,
    in_flight: Option<Request>,
    not_before: Millis,
    failures: u32,
    next_heartbeat: Millis,
    status_known: u64,
    status_server: u64,
    catalog_active: Option<u64>,
    catalog_server: Option<u64>,
    catalog_failed: Option<u64>,
    skew_retried: bool,
    stats: Stats,
}

/// How many integrity failures (bad chunk checksum, wrong whole-file hash) a case may have
/// before the engine stops retrying it for now: the bytes on disk may be damaged.
const MAX_INTEGRITY_FAILURES: u32 = 3;

impl Engine {
    /// `seed` feeds the jitter; `status_after` is the last status change already applied;
    /// `catalog_active` the version running now.
    pub fn new(cfg: Config, seed: u64, status_after: u64, catalog_active: Option<u64>) -> Engine {
        Engine {
            cfg,
            rng: seed | 1,
            queue: VecDeque::new(),
            known: HashSet::new(),
            parked: Vec::new(),
            current: None,
            in_flight: None,
            not_before: Millis::MIN,
            failures: 0,
            next_heartbeat: Millis::MIN,
            status_known: status_after,
            status_server: status_after,
            catalog_active,
            catalog_server: None,
            catalog_failed: None,
            skew_retried: false,
            stats: Stats::default(),
        }
    }

    /// A case waiting for delivery. Enqueuing one already known changes nothing.
    pub fn enqueue(&mut self, case_id: &str) {
        if self.known.insert(case_id.to_owned()) {
            self.queue.push_back(case_id.to_owned());
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Cases waiting or in progress.
    pub fn pending(&self) -> usize {
        self.queue.len() + usize::from(self.current.is_some())
    }

    /// A technician asked to sync now: backoff waits and parked cases are due at once, and
    /// the next request carries a heartbeat (with the self-test just run).
    pub fn handle_sync_now(&mut self, now: Millis) {
        self.not_before = Millis::MIN;
        self.next_heartbeat = Millis::MIN;
        for (_, at) in &mut self.parked {
            *at = (*at).min(now);
        }
    }

    /// The case being uploaded and how far it is: (case, bytes at the server, bytes in all).
    pub fn progress(&self) -> Option<(&str, u64, u64)> {
        self.current.as_ref().map(|u| {
            let done = u.attachments.iter().map(|a| a.offset).sum();
            let all = u.attachments.iter().map(|a| a.length).sum();
            (u.case_id.as_str(), done, all)
        })
    }

    /// What to do at `now`. Call again after [`Engine::handle`].
    pub fn poll_action(&mut self, now: Millis) -> Action {
        if let Some(r) = &self.in_flight {
            // The driver asked twice without an answer: the same request is still the answer.
            return Action::Send(r.clone());
        }
        if self.stats.revoked {
            return Action::Done;
        }
        if let Some(limit) = self.cfg.once
            && self.failures >= limit
        {
            self.stats.gave_up = true;
            return Action::Done;
        }
        if now < self.not_before {
            return Action::WaitUntil(self.not_before);
        }
        let request = self.next_request(now);
        match request {
            Some(r) => {
                self.in_flight = Some(r.clone());
                self.stats.requests += 1;
                Action::Send(r)
            }
            None if self.cfg.once.is_some() => Action::Done,
            None => {
                let mut until = self.next_heartbeat;
                for (_, at) in &self.parked {
                    until = until.min(*at);
                }
                Action::WaitUntil(until)
            }
        }
    }

    fn next_request(&mut self, now: Millis) -> Option<Request> {
        if now >= self.next_heartbeat {
            return Some(Request::Heartbeat);
        }
        if self.current.is_none() {
            self.unpark(now);
            if let Some(case_id) = self.queue.pop_front() {
                self.current = Some(Upload {
                    case_id,
                    step: Step::Create,
                    attachments: Vec::new(),
                    lost: None,
                    staged: None,
                    integrity_failures: 0,
                });
            }
        }
        if let Some(u) = &mut self.current {
            if u.step == Step::Next {
                u.step = match u.attachments.iter().find(|a| a.offset < a.length) {
                    Some(_) => Step::Next,
                    None => Step::Commit,
                };
            }
            let case_id = u.case_id.clone();
            return Some(match u.step {
                Step::Create => Request::Create { case_id },
                Step::Head(index) => Request::Head { case_id, index },
                Step::Commit => Request::Commit { case_id },
                Step::Next => {
                    // Checked just above: an attachment with bytes still to send exists.
                    let a = u.attachments.iter().find(|a| a.offset < a.length)?;
                    let left = a.length - a.offset;
                    // Bytes the server kept from a cut request at this very offset are not
                    // sent again: the chunk goes on from where they end.
                    let staged = match u.staged {
                        Some((i, o, n)) if i == a.index && o == a.offset => n.min(left),
                        _ => 0,
                    };
                    Request::Patch {
                        case_id,
                        index: a.index,
                        offset: a.offset,
                        len: self.cfg.chunk_size.max(staged).min(left),
                        staged,
                    }
                }
            });
        }
        if self.status_server > self.status_known {
            return Some(Request::Status {
                after: self.status_known,
            });
        }
        if let Some(v) = self.catalog_server
            && Some(v) > self.catalog_active
            && Some(v) != self.catalog_failed
        {
            return Some(Request::Catalog { version: v });
        }
        None
    }

    fn unpark(&mut self, now: Millis) {
        if self.cfg.once.is_some() {
            return;
        }
        let (due, later): (Vec<_>, Vec<_>) = self.parked.drain(..).partition(|(_, at)| *at <= now);
        self.parked = later;
        for (id, _) in due {
            self.queue.push_back(id);
        }
    }

    /// The driver reports the catalog it was given as activated (`true`) or refused.
    pub fn catalog_result(&mut self, version: u64, activated: bool) {
        if activated {
            self.catalog_active = Some(version);
        } else {
            self.catalog_failed = Some(version);
        }
    }

    /// The answer to the request in flight: a reply, or why there is none.
    pub fn handle_reply(&mut self, now: Millis, result: Result<Reply, Failure>) -> Vec<Effect> {
        let Some(request) = self.in_flight.take() else {
            return Vec::new();
        };
        if let Request::Patch { len, staged, .. } = &request {
            // Counted as sent even when cut: the bytes may have left before the cut.
            self.stats.bytes_sent += len - staged;
        }
        let mut fx = Vec::new();
        match result {
            Err(Failure::Transport(e)) => {
                self.transient(now, &request, e, None, &mut fx);
                // A link lost after the last step forward (a village link's routine cut, a
                // connection the server closed while idle) is tried again at once: waiting
                // would cost the kiosk the same time on every cut. From the second failure
                // in a row the backoff holds, so a link that is down is not hammered.
                if self.failures == 1 {
                    let jitter = self.cfg.backoff_base_ms / 10;
                    self.not_before = now + (self.next_random() % (jitter as u64 + 1)) as Millis;
                    if let Request::Heartbeat = request {
                        self.next_heartbeat = self.not_before;
                    }
                }
            }
            Err(Failure::Store(e)) => match request.case_id() {
                Some(case_id) => {
                    let case_id = case_id.to_owned();
                    self.set_aside(now, &case_id);
                    self.stats.unreadable += 1;
                    fx.push(Effect::Unreadable { case_id, reason: e });
                }
                None => self.transient(now, &request, e, None, &mut fx),
            },
            Ok(reply) => self.reply(now, &request, reply, &mut fx),
        }
        fx
    }

    fn reply(&mut self, now: Millis, request: &Request, reply: Reply, fx: &mut Vec<Effect>) {
        if self.device_refused_or_busy(now, request, &reply, fx) {
            return;
        }
        let ok = reply.ok();
        if ok {
            self.skew_retried = false;
        }
        match request {
            Request::Heartbeat => self.heartbeat_reply(now, request, reply, fx),
            Request::Status { .. } => self.status_reply(now, request, reply, fx),
            Request::Catalog { version } => {
                // Activation is the driver's; until it answers, do not fetch it again.
                self.catalog_failed = Some(*version);
                if ok {
                    self.made_progress();
                    fx.push(Effect::Catalog {
                        version: *version,
                        bundle: reply.body,
                    });
                }
            }
            Request::Create { .. } => self.created(now, request, reply, fx),
            Request::Head { index, .. } => match (reply.status, reply.upload_offset) {
                (200..=299, Some(offset)) => {
                    self.set_offset(*index, offset, reply.upload_staged.unwrap_or(0))
                }
                (404, _) => self.restart_case(),
                (code, _) => self.transient(now, request, format!("HEAD: HTTP {code}"), None, fx),
            },
            Request::Patch {
                index,
                offset,
                len,
                staged,
                ..
            } => match (reply.status, reply.upload_offset) {
                // Offset mismatch (409): the server says where it is; continue from there.
                (200..=299 | 409, Some(new)) => {
                    self.set_offset(*index, new, reply.upload_staged.unwrap_or(0))
                }
                (404, _) => self.restart_case(),
                // A server that does not keep bytes (an older node) took the body alone:
                // the whole chunk next time, and not held against the case.
                (STATUS_CHECKSUM_MISMATCH, _) if *staged > 0 => {
                    self.stats.bytes_resent += len - staged;
                    self.set_offset(*index, *offset, 0)
                }
                (STATUS_CHECKSUM_MISMATCH, _) => {
                    self.stats.bytes_resent += len;
                    self.integrity_failure(now, "a chunk arrived damaged", fx)
                }
                _ => self.transient(now, request, reply.error().message, None, fx),
            },
            Request::Commit { case_id } => self.committed(now, request, case_id, reply, fx),
        }
    }

    /// What any request may be answered: the device is not (or no longer) accepted, its
    /// clock is off, or the server cannot serve it now. True when that settled it.
    fn device_refused_or_busy(
        &mut self,
        now: Millis,
        request: &Request,
        reply: &Reply,
        fx: &mut Vec<Effect>,
    ) -> bool {
        match reply.status {
            401 => {
                let e = reply.error();
                if e.error == CLOCK_SKEW
                    && let Some(t) = e.server_time
                    && !self.skew_retried
                {
                    self.skew_retried = true;
                    fx.push(Effect::ServerTime(t));
                    self.requeue(request);
                } else {
                    self.stats.revoked = true;
                    fx.push(Effect::Revoked { reason: e.message });
                }
                true
            }
            403 => {
                self.stats.revoked = true;
                fx.push(Effect::Revoked {
                    reason: reply.error().message,
                });
                true
            }
            408 | 429 | 500.. => {
                let reason = reply.error().message;
                self.transient(now, request, reason, reply.retry_after_ms, fx);
                true
            }
            _ => false,
        }
    }

    fn heartbeat_reply(
        &mut self,
        now: Millis,
        request: &Request,
        reply: Reply,
        fx: &mut Vec<Effect>,
    ) {
        self.next_heartbeat = now + self.cfg.heartbeat_every_ms;
        if !reply.ok() {
            self.transient(now, request, reply.error().message, None, fx);
            return;
        }
        self.made_progress();
        if let Ok(hb) = serde_json::from_slice::<HeartbeatReply>(&reply.body) {
            self.status_server = self.status_server.max(hb.status_seq);
            self.catalog_server = hb.catalog_version;
        }
    }

    fn status_reply(&mut self, now: Millis, request: &Request, reply: Reply, fx: &mut Vec<Effect>) {
        let page = match serde_json::from_slice::<StatusPage>(&reply.body) {
            Ok(page) if reply.ok() => page,
            _ => {
                let reason = format!("status: HTTP {}", reply.status);
                self.transient(now, request, reason, None, fx);
                return;
            }
        };
        self.made_progress();
        match page.changes.last() {
            Some(last) => self.status_known = self.status_known.max(last.seq),
            None => self.status_known = self.status_server,
        }
        if page.more {
            self.status_server = self.status_server.max(self.status_known + 1);
        }
        if !page.changes.is_empty() {
            fx.push(Effect::StatusChanges(page.changes));
        }
    }

    fn committed(
        &mut self,
        now: Millis,
        request: &Request,
        case_id: &str,
        reply: Reply,
        fx: &mut Vec<Effect>,
    ) {
        match reply.status {
            200..=299 => match serde_json::from_slice::<CaseReceipt>(&reply.body) {
                Ok(r) if r.state == IntakeState::Committed => {
                    self.made_progress();
                    self.acknowledge(case_id, r.case_number, fx);
                }
                _ => self.transient(now, request, "commit: unreadable reply".into(), None, fx),
            },
            // Not everything arrived (or the server lost a part): learn offsets again.
            404 | 409 => self.restart_case(),
            422 => {
                // A whole-file hash did not match; the server reset that attachment.
                self.integrity_failure(now, &reply.error().message, fx);
                if let Some(u) = &mut self.current {
                    u.step = Step::Create;
                }
            }
            _ => self.refuse(now, case_id, reply.error().message, fx),
        }
    }

    fn created(&mut self, now: Millis, request: &Request, reply: Reply, fx: &mut Vec<Effect>) {
        let Request::Create { case_id } = request else {
            return;
        };
        if !reply.ok() {
            self.refuse(now, case_id, reply.error().message, fx);
            return;
        }
        let Ok(receipt) = serde_json::from_slice::<CaseReceipt>(&reply.body) else {
            self.transient(now, request, "create: unreadable reply".into(), None, fx);
            return;
        };
        if receipt.state == IntakeState::Committed {
            self.made_progress();
            // Delivered before (an earlier run, or a USB export imported meanwhile).
            self.acknowledge(case_id, receipt.case_number, fx);
            return;
        }
        if let Some(u) = &mut self.current {
            if let Some((index, offset, len)) = u.lost.take()
                && let Some(a) = receipt.attachments.iter().find(|a| a.index == index)
            {
                self.stats.bytes_resent += (offset + len).saturating_sub(a.offset.max(offset));
            }
            let before: u64 = u.attachments.iter().map(|a| a.offset).sum();
            let after: u64 = receipt.attachments.iter().map(|a| a.offset).sum();
            let first = u.attachments.is_empty();
            u.attachments = receipt.attachments;
            u.step = Step::Next;
            if first || after > before {
                self.made_progress();
            }
        }
    }

    /// The server's offset for attachment `index`, and how many bytes past it it kept from
    /// a request cut short.
    fn set_offset(&mut self, index: u32, offset: u64, staged: u64) {
        let Some(u) = &mut self.current else {
            return;
        };
        if let Some((i, o, l)) = u.lost.take()
            && i == index
        {
            let again = (o + l).saturating_sub(offset.max(o));
            if staged > 0 {
                // The server kept what crossed the link; the rest is taken not to have left
                // (it counts when it is sent).
                self.stats.bytes_sent = self
                    .stats
                    .bytes_sent
                    .saturating_sub(again.saturating_sub(staged));
            } else {
                self.stats.bytes_resent += again;
            }
        }
        // More kept bytes at the same place is progress too: on a link cut more often than a
        // chunk can cross, the offset stands still while the kept part grows.
        let grew = match u.staged {
            Some((i, o, n)) => i == index && o == offset && staged > n,
            None => staged > 0,
        };
        u.staged = (staged > 0).then_some((index, offset, staged));
        if let Some(a) = u.attachments.iter_mut().find(|a| a.index == index) {
            let advanced = offset.min(a.length) > a.offset;
            a.offset = offset.min(a.length);
            u.step = Step::Next;
            // Only bytes moving forward count as progress: a link that answers HEAD but cuts
            // every PATCH (an MTU black hole) must back off, not spin.
            if advanced || grew {
                self.made_progress();
            }
        } else {
            u.step = Step::Create;
        }
    }

    fn restart_case(&mut self) {
        if let Some(u) = &mut self.current {
            u.step = Step::Create;
        }
    }

    fn integrity_failure(&mut self, now: Millis, reason: &str, fx: &mut Vec<Effect>) {
        let Some(u) = &mut self.current else {
            return;
        };
        u.integrity_failures += 1;
        if u.integrity_failures >= MAX_INTEGRITY_FAILURES {
            let id = u.case_id.clone();
            self.refuse(
                now,
                &id,
                format!("{reason}, {MAX_INTEGRITY_FAILURES} times"),
                fx,
            );
        }
    }

    fn acknowledge(&mut self, case_id: &str, case_number: String, fx: &mut Vec<Effect>) {
        self.current = None;
        self.stats.acknowledged += 1;
        fx.push(Effect::Acknowledged {
            case_id: case_id.to_owned(),
            case_number,
        });
    }

    fn refuse(&mut self, now: Millis, case_id: &str, reason: String, fx: &mut Vec<Effect>) {
        self.set_aside(now, case_id);
        self.stats.refused += 1;
        fx.push(Effect::Refused {
            case_id: case_id.to_owned(),
            reason,
        });
    }

    /// Parks the case for `park_ms`: the queue moves on to the next.
    fn set_aside(&mut self, now: Millis, case_id: &str) {
        self.current = None;
        self.parked
            .push((case_id.to_owned(), now + self.cfg.park_ms));
    }

    /// Resets the backoff: something moved forward.
    fn made_progress(&mut self) {
        self.failures = 0;
    }

    /// The request did not get through (or the server could not serve it now): wait, then
    /// resume. During an upload, resuming starts by asking the server's offset.
    fn transient(
        &mut self,
        now: Millis,
        request: &Request,
        reason: String,
        retry_after: Option<Millis>,
        fx: &mut Vec<Effect>,
    ) {
        self.stats.failures += 1;
        self.failures += 1;
        let exp = self
            .cfg
            .backoff_base_ms
            .saturating_mul(1 << (self.failures - 1).min(20))
            .min(self.cfg.backoff_cap_ms);
        // "Equal jitter": at least half the delay, so retries never hammer; the random half
        // spreads kiosks that lost the link together.
        let delay = exp / 2 + (self.next_random() % (exp as u64 / 2 + 1)) as Millis;
        let delay = match retry_after {
            Some(ra) => ra.max(delay).min(self.cfg.backoff_cap_ms.max(ra)),
            None => delay,
        };
        self.not_before = now + delay;
        match request {
            Request::Heartbeat => self.next_heartbeat = now + delay,
            Request::Patch {
                index, offset, len, ..
            } => {
                if let Some(u) = &mut self.current {
                    u.lost = Some((*index, *offset, *len));
                    u.step = Step::Head(*index);
                }
            }
            _ => {}
        }
        if let Some(case_id) = request.case_id() {
            fx.push(Effect::Retrying {
                case_id: case_id.to_owned(),
                reason,
            });
        }
    }

    fn requeue(&mut self, request: &Request) {
        if let Request::Patch { index, .. } = request
            && let Some(u) = &mut self.current
        {
            u.step = Step::Head(*index);
        }
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: plenty for jitter, and reproducible from the seed in tests.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests;
