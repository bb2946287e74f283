//! The HTTP API (`docs/api/openapi.yaml`). Every handler checks everything before changing
//! anything: bad input gets a 4xx and leaves the database and files as they were.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use crate::params;
use crate::sql::{Conn, OptionalExtension};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post, put};
use ed25519_dalek::VerifyingKey;
use onevisit_sync::auth::{self, b64};
use onevisit_sync::proto::{
    self, CLOCK_SKEW, CaseManifest, CatalogInfo, EnrollRequest, EnrollResponse, Heartbeat,
    HeartbeatReply, IntakeState, STATUS_CHECKSUM_MISMATCH, StatusChange, StatusPage, header,
};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::ApiError;
use crate::hashstate::Resumable;
use crate::intake;
use crate::limits::{self, Limits, RateLimiter};

/// Connections that only read, so reads never queue behind the writer's commits.
pub struct Readers {
    pool: Arc<crate::sql::Pool>,
}

impl Readers {
    pub fn new(at: crate::sql::Location) -> Readers {
        Readers {
            pool: crate::sql::Pool::new(at, true),
        }
    }

    async fn read<R, F>(self: &Arc<Self>, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R, ApiError> + Send + 'static,
    {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.pool.with(|c| f(c)))
            .await
            .map_err(|_| ApiError::internal("a database reader failed"))?
    }
}

/// One lock per (case, attachment) being uploaded.
type UploadLocks = Mutex<HashMap<(String, u32), Arc<tokio::sync::Mutex<()>>>>;

pub struct Inner {
    pub db: Db,
    pub readers: Arc<Readers>,
    /// Where the database and data folder are (the workbench opens its own connections).
    pub at: crate::sql::Location,
    /// Where attachments' bytes are kept.
    pub blobs: Arc<dyn crate::blobs::Blobs>,
    pub data: PathBuf,
    pub fingerprint: String,
    pub catalog_key: String,
    pub export_key: String,
    pub now: fn() -> i64,
    pub limits: Limits,
    locks: UploadLocks,
    enroll_rate: RateLimiter,
    busy: Arc<tokio::sync::Semaphore>,
    /// Nonces seen within the clock-skew window.
    replay: crate::replay::Replay,
    /// Public-key pins of the current and backup TLS keys, handed to kiosks.
    spki_pins: Vec<String>,
    /// Bytes of uploads cut short, until the kiosk comes back for them.
    staged: crate::staged::Staged,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl AppState {
    /// Keeps what arrived of a PATCH cut short (see `staged.rs`), for an attachment that is
    /// being received and stands at the request's offset (one indexed read: a request cut
    /// short cannot be authenticated, so nothing else is taken on trust). The bytes go after
    /// any the request itself asked to have put before them.
    async fn keep_cut_upload(&self, id: &str, idx: &str, headers: &HeaderMap, mut bytes: Vec<u8>) {
        let (Ok(()), Ok(idx), Ok(up)) = (case_id(id), index(idx), upload_headers(headers)) else {
            return;
        };
        if bytes.len() < crate::staged::MIN_KEPT {
            return;
        }
        let (rid, at) = (id.to_owned(), up.offset as i64);
        let receiving = self
            .0
            .readers
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT 1 FROM attachments a JOIN cases c ON c.id = a.case_id
                     WHERE a.case_id = ?1 AND a.idx = ?2 AND a.\"offset\" = ?3
                       AND c.state = 'receiving'",
                    params![rid, idx, at],
                    |_| Ok(()),
                )
                .optional()?)
            })
            .await;
        if !matches!(receiving, Ok(Some(()))) {
            return;
        }
        let now = (self.0.now)();
        let asked = header_str(headers, header::UPLOAD_STAGED).and_then(|v| v.parse().ok());
        if let Some(n) = asked.filter(|n| *n > 0) {
            match self.0.staged.take(id, idx, up.offset, n, now) {
                Some(mut kept) => {
                    kept.append(&mut bytes);
                    bytes = kept;
                }
                None => return,
            }
        }
        self.0.staged.keep(id, idx, up.offset, bytes, now);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Db,
        at: crate::sql::Location,
        blobs: Arc<dyn crate::blobs::Blobs>,
        fingerprint: String,
        catalog_key: String,
        export_key: String,
        now: fn() -> i64,
        limits: Limits,
    ) -> AppState {
        AppState(Arc::new(Inner {
            enroll_rate: RateLimiter::new(limits.enroll_per_minute, limits.enroll_burst),
            busy: Arc::new(tokio::sync::Semaphore::new(limits.max_requests.max(1))),
            limits,
            db,
            data: at.data.clone(),
            readers: Arc::new(Readers::new(at.clone())),
            blobs,
            at,
            fingerprint,
            catalog_key,
            export_key,
            now,
            locks: Mutex::new(HashMap::new()),
            replay: crate::replay::Replay::new(now()),
            spki_pins: Vec::new(),
            staged: crate::staged::Staged::default(),
        }))
    }

    /// The public-key pins (current, backup) to hand to kiosks at enrollment and heartbeat.
    pub fn with_spki_pins(mut self, pins: Vec<String>) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.spki_pins = pins;
        }
        self
    }

    /// One upload at a time per attachment (a kiosk's retry may overtake its own request).
    fn lock(&self, case_id: &str, idx: u32) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = match self.0.locks.lock() {
            Ok(l) => l,
            Err(p) => p.into_inner(),
        };
        if locks.len() > 10_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry((case_id.to_owned(), idx)).or_default().clone()
    }
}

/// The authenticated caller.
struct Device {
    id: String,
    site: String,
}

/// A request signed by an enrolled, unrevoked device: who sent it, and the body and headers
/// the signature covers. Every handler after enrollment takes one, so none can forget to check.
struct Signed {
    dev: Device,
    body: Bytes,
    headers: HeaderMap,
    query: Option<String>,
}

impl axum::extract::FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, st: &AppState) -> Result<Self, ApiError> {
        use http_body_util::BodyExt;
        let (mut parts, mut incoming) = req.into_parts();
        let mut body = Vec::new();
        while let Some(frame) = incoming.frame().await {
            let Ok(frame) = frame else {
                // Cut short (the kiosk's link dropped): an upload's bytes are kept for when
                // it comes back; nothing else is done with an unsigned part of a request.
                if parts.method == axum::http::Method::PATCH
                    && let Ok(Path((id, idx))) =
                        Path::<(String, String)>::from_request_parts(&mut parts, st).await
                {
                    st.keep_cut_upload(&id, &idx, &parts.headers, body).await;
                }
                return Err(ApiError::new(
                    400,
                    "body",
                    "the request was cut short; send it again",
                ));
            };
            if let Ok(data) = frame.into_data() {
                if body.len() + data.len() > proto::MAX_CHUNK as usize {
                    return Err(ApiError::new(
                        413,
                        "body",
                        format!(
                            "the request body is too large; a chunk may have at most {} bytes",
                            proto::MAX_CHUNK
                        ),
                    ));
                }
                body.extend_from_slice(&data);
            }
        }
        let body = Bytes::from(body);
        let dev = st
            .authenticate(&parts.method, &parts.uri, &parts.headers, &body)
            .await?;
        Ok(Signed {
            dev,
            body,
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
        })
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The one answer to a request that is signed but not by an enrolled, active device: an
/// unknown device, a revoked one, a forged or altered request and a replay all get exactly
/// this, so the answer says nothing about which devices exist or were revoked.
fn unauthorized() -> ApiError {
    ApiError::new(
        401,
        "unauthorized",
        "this request is not signed by an active kiosk of this central system (unknown or revoked device, altered or repeated request); if the county revoked this kiosk it must be provisioned again with a new enrollment code",
    )
}

/// A well-formed key that no device has, checked against when the device is unknown so that
/// an unknown device takes the same path (lookup, key decoding, one verification) as a known.
fn stand_in_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| auth::public_b64(&ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32])))
}

/// The signature headers of a device request, as sent (not yet checked against anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    pub device_id: String,
    pub time: i64,
    pub nonce: String,
    pub signature: String,
}

/// Reads `Onevisit-Device`, `Onevisit-Time`, `Onevisit-Nonce` and `Onevisit-Signature`; 401
/// `unsigned` when one is missing or unreadable. Pure, so it can be tested and fuzzed without a server.
pub fn signature_headers(headers: &HeaderMap) -> Result<SignatureHeaders, ApiError> {
    let unsigned = || {
        ApiError::new(
            401,
            "unsigned",
            "requests must carry the device's signature headers (device, time, nonce, signature); provision this kiosk first",
        )
    };
    let device_id = header_str(headers, header::DEVICE)
        .ok_or_else(unsigned)?
        .to_owned();
    let time: i64 = header_str(headers, header::TIME)
        .and_then(|t| t.parse().ok())
        .ok_or_else(unsigned)?;
    let nonce = header_str(headers, header::NONCE)
        .filter(|n| auth::valid_nonce(n))
        .ok_or_else(unsigned)?
        .to_owned();
    let signature = header_str(headers, header::SIGNATURE)
        .ok_or_else(unsigned)?
        .to_owned();
    Ok(SignatureHeaders {
        device_id,
        time,
        nonce,
        signature,
    })
}

/// 401 `clock_skew`, with the server's time so the kiosk can correct its clock, when a
/// request's signed time is outside what `replay` accepts at `now` (too far from it, or before
/// the server started and so beyond its memory of nonces). Any `i64` is answered.
pub fn check_clock(replay: &crate::replay::Replay, now: i64, time: i64) -> Result<(), ApiError> {
    if replay.check_time(time, now).is_err() {
        let mut e = ApiError::new(
            401,
            CLOCK_SKEW,
            "the kiosk's clock is too far from the central system's; set the clock (NTP)",
        );
        e.server_time = Some(now);
        return Err(e);
    }
    Ok(())
}

/// What a tus PATCH says about its chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadHeaders {
    /// `Upload-Offset`: where the chunk starts.
    pub offset: u64,
    /// `Upload-Checksum` without its `sha256 ` prefix: base64 of the chunk's SHA-256.
    pub checksum: String,
}

/// Checks a PATCH's `Tus-Resumable`, `Content-Type`, `Upload-Offset` and `Upload-Checksum`.
pub fn upload_headers(headers: &HeaderMap) -> Result<UploadHeaders, ApiError> {
    if header_str(headers, header::TUS_RESUMABLE) != Some(proto::TUS_VERSION) {
        return Err(
            ApiError::new(412, "tus_version", "Tus-Resumable: 1.0.0 is required")
                .header(header::TUS_RESUMABLE, proto::TUS_VERSION),
        );
    }
    if header_str(headers, "content-type") != Some(header::OFFSET_CONTENT_TYPE) {
        return Err(ApiError::new(
            415,
            "content_type",
            "a PATCH body must be Content-Type: application/offset+octet-stream",
        ));
    }
    let offset: u64 = header_str(headers, header::UPLOAD_OFFSET)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::bad_request("upload_offset", "Upload-Offset must be a number"))?;
    let checksum = header_str(headers, header::UPLOAD_CHECKSUM)
        .and_then(|v| v.strip_prefix("sha256 "))
        .ok_or_else(|| {
            ApiError::bad_request(
                "upload_checksum",
                "Upload-Checksum: sha256 <base64> is required on every chunk",
            )
        })?
        .to_owned();
    Ok(UploadHeaders { offset, checksum })
}

/// `after` from `GET /v1/status?after=N` (0 when absent).
pub fn status_after(query: Option<&str>) -> Result<u64, ApiError> {
    let mut after = 0u64;
    for (k, v) in query
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
    {
        if k == "after" {
            after = v
                .parse()
                .map_err(|_| ApiError::bad_request("bad_after", "after must be a number"))?;
        }
    }
    Ok(after)
}

impl AppState {
    async fn authenticate(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Device, ApiError> {
        let SignatureHeaders {
            device_id,
            time,
            nonce,
            signature: sig,
        } = signature_headers(headers)?;
        let now = (self.0.now)();
        // The clock first: it tells nothing about devices, and the kiosk needs the server's
        // time to correct itself.
        check_clock(&self.0.replay, now, time)?;
        let id = device_id.clone();
        let row: Option<(String, String, Option<i64>)> = self
            .0
            .readers
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT site, public_key, revoked_at FROM devices WHERE id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
            })
            .await?;
        let known = row.is_some();
        let (site, key, revoked) =
            row.unwrap_or_else(|| (String::new(), stand_in_key().to_owned(), None));
        let vk: VerifyingKey = auth::verifying_key(&key)
            .map_err(|_| ApiError::internal("the stored device key is damaged"))?;
        let pq = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        // The headers the signature covers, exactly as received; one that is not plain text
        // cannot have been signed.
        let mut signed: Vec<(&str, &str)> = Vec::new();
        let mut readable = true;
        for name in auth::SIGNED_HEADERS {
            for v in headers.get_all(name) {
                match v.to_str() {
                    Ok(v) => signed.push((name, v)),
                    Err(_) => readable = false,
                }
            }
        }
        let parts = auth::RequestParts {
            method: method.as_str(),
            path_and_query: pq,
            time_ms: time,
            nonce: &nonce,
            headers: &signed,
            body,
        };
        let verified = auth::verify_request(&vk, &parts, &sig).is_ok();
        if !(known && verified && readable && revoked.is_none()) {
            return Err(unauthorized());
        }
        if self
            .0
            .replay
            .first_use(&device_id, &nonce, time, now)
            .is_err()
        {
            tracing::warn!(device = %device_id, "a signed request was played again; refused");
            return Err(unauthorized());
        }
        if self.0.at.engine() == crate::sql::Engine::Postgres {
            // The other nodes' requests too: the database remembers every node's nonces.
            let (d, n, until) = (
                device_id.clone(),
                nonce.clone(),
                time + proto::MAX_CLOCK_SKEW_MS,
            );
            let first = self
                .0
                .db
                .call(move |c| {
                    // A nonce guards against replay for a few minutes, not a case: its row
                    // need not wait for the disk (what a request changes still does).
                    c.execute_batch("SET LOCAL synchronous_commit TO OFF")?;
                    Ok(c.insert_or_ignore(
                        "INSERT INTO nonces (device_id, nonce, expires_at) VALUES (?1, ?2, ?3)",
                        params![d, n, until],
                    )?)
                })
                .await?;
            if !first {
                tracing::warn!(device = %device_id, "a signed request was played again at another node; refused");
                return Err(unauthorized());
            }
        }
        Ok(Device {
            id: device_id,
            site,
        })
    }
}

fn body_or_413(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        ApiError::new(
            e.status().as_u16(),
            "body",
            format!(
                "{}; a chunk may have at most {} bytes",
                e.body_text(),
                proto::MAX_CHUNK
            ),
        )
    })
}

/// A JSON request body: 413 past [`proto::MAX_JSON`], 400 `malformed_json` when unreadable.
pub fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > proto::MAX_JSON {
        return Err(ApiError::new(
            413,
            "too_large",
            "the JSON body is too large",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the JSON body is not valid: {e}"))
    })
}

fn case_id(id: &str) -> Result<(), ApiError> {
    intake::check_case_id(id)
}

fn index(s: &str) -> Result<u32, ApiError> {
    s.parse()
        .map_err(|_| ApiError::bad_request("bad_index", "an attachment index is a number"))
}

fn tus_headers(resp: &mut Response, offset: u64, length: Option<u64>) {
    let h = resp.headers_mut();
    h.insert(
        header::TUS_RESUMABLE,
        HeaderValue::from_static(proto::TUS_VERSION),
    );
    h.insert(header::UPLOAD_OFFSET, HeaderValue::from(offset));
    if let Some(l) = length {
        h.insert(header::UPLOAD_LENGTH, HeaderValue::from(l));
    }
    h.insert("cache-control", HeaderValue::from_static("no-store"));
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enroll", post(enroll))
        .route("/v1/heartbeat", post(heartbeat))
        .route("/v1/cases/{id}", put(create))
        .route("/v1/cases/{id}/commit", post(commit))
        .route(
            "/v1/cases/{id}/attachments/{idx}",
            head(offset).patch(upload).options(tus_options),
        )
        .route("/v1/status", get(status))
        .route("/v1/catalog", get(catalog_info))
        .route("/v1/catalog/{version}", get(catalog_bundle))
        .layer(DefaultBodyLimit::max(proto::MAX_CHUNK as usize))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// The router with the client's address in every request (what `Peer` reads).
#[derive(Clone)]
pub struct WithPeer {
    app: Router,
    peer: SocketAddr,
}

pub fn with_peer(app: Router, peer: SocketAddr) -> WithPeer {
    WithPeer { app, peer }
}

impl<B> tower_service::Service<axum::http::Request<B>> for WithPeer
where
    Router: tower_service::Service<axum::http::Request<B>>,
{
    type Response = <Router as tower_service::Service<axum::http::Request<B>>>::Response;
    type Error = <Router as tower_service::Service<axum::http::Request<B>>>::Error;
    type Future = <Router as tower_service::Service<axum::http::Request<B>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tower_service::Service::<axum::http::Request<B>>::poll_ready(&mut self.app, cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        self.app.call(req)
    }
}

/// The client's address (unspecified when the router runs without `with_peer`).
struct Peer(std::net::IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |c| c.0.ip()),
        ))
    }
}

/// Every request: a place among the requests handled at once (else 503), and a deadline for
/// its whole body, so a body trickled a byte at a time cannot hold a connection and a chunk
/// buffer for ever (408, and the connection is closed).
async fn guard(
    State(st): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Ok(_permit) = st.0.busy.clone().try_acquire_owned() else {
        return ApiError::new(
            503,
            "busy",
            "the central system is handling as many requests as it may; try again shortly",
        )
        .header("retry-after", 5)
        .into_response();
    };
    let limit = st.0.limits.body_timeout;
    let timed_out = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(Deadline {
        inner: body,
        sleep: Box::pin(tokio::time::sleep(limit)),
        timed_out: timed_out.clone(),
    });
    let resp = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    if timed_out.load(Ordering::Relaxed) {
        tracing::info!("request body not received within {limit:?}: connection closed");
        let mut r = ApiError::new(
            408,
            "body_timeout",
            format!(
                "the request body did not arrive within {} s; send it again",
                limit.as_secs()
            ),
        )
        .into_response();
        r.headers_mut()
            .insert("connection", HeaderValue::from_static("close"));
        return r;
    }
    resp
}

/// A request body that fails once its deadline has passed.
struct Deadline {
    inner: axum::body::Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    timed_out: Arc<AtomicBool>,
}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let me = self.get_mut();
        if me.sleep.as_mut().poll(cx).is_ready() {
            me.timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new("the request body timed out"))));
        }
        Pin::new(&mut me.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Removes uploads abandoned for `Limits::stale_after`, every `Limits::sweep_every`.
pub async fn sweep_loop(st: AppState) {
    let every =
        st.0.limits
            .sweep_every
            .max(std::time::Duration::from_millis(10));
    let stale = st.0.limits.stale_after;
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = (st.0.now)();
        let cutoff = now - stale.as_millis() as i64;
        let ids = match st
            .0
            .db
            .call(move |c| {
                limits::sweep_nonces(c, now)?;
                Ok(limits::sweep_rows(c, cutoff)?)
            })
            .await
        {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!("clean-up of abandoned uploads failed: {}", e.message);
                continue;
            }
        };
        let blobs = st.0.blobs.clone();
        let n = ids.len();
        let readers = st.0.readers.clone();
        let files = tokio::task::spawn_blocking(move || -> Result<usize, crate::sql::Error> {
            readers.pool.with(|c| {
                let wall = std::time::SystemTime::now()
                    .checked_sub(stale)
                    .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
                Ok(limits::sweep_files(c, &*blobs, &ids, wall))
            })
        })
        .await;
        if n > 0 || matches!(files, Ok(Ok(k)) if k > 0) {
            tracing::info!(cases = n, "removed uploads abandoned for {stale:?}");
        }
    }
}

/// Unauthenticated: a kiosk being provisioned checks the link and its clock against
/// `server_time` before it spends its one-time code.
async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({
        "ok": true,
        "version": env!("CARGO_PKG_VERSION"),
        "server_time": crate::now_ms(),
    }))
}

async fn tus_options() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::TUS_RESUMABLE,
        HeaderValue::from_static(proto::TUS_VERSION),
    );
    h.insert("tus-version", HeaderValue::from_static(proto::TUS_VERSION));
    h.insert("tus-extension", HeaderValue::from_static("checksum"));
    h.insert("tus-checksum-algorithm", HeaderValue::from_static("sha256"));
    h.insert("tus-max-size", HeaderValue::from(proto::MAX_ATTACHMENT));
    r
}

async fn enroll(
    State(st): State<AppState>,
    Peer(ip): Peer,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let now = (st.0.now)();
    // Every attempt counts, good or bad: codes are short enough to be worth guessing.
    if let Err(wait) = st.0.enroll_rate.take(ip, now) {
        tracing::warn!("enrollment attempts over the limit from one address");
        return Err(ApiError::new(
            429,
            "rate_limited",
            format!("too many enrollment attempts from this address; try again in {wait} s"),
        )
        .header("retry-after", wait));
    }
    let body = body_or_413(body)?;
    let req: EnrollRequest = json(&body)?;
    if auth::verifying_key(&req.device_key).is_err() {
        return Err(ApiError::bad_request(
            "bad_key",
            "device_key must be a base64 Ed25519 public key",
        ));
    }
    let refused = || {
        ApiError::new(
            403,
            "enrollment_refused",
            "the enrollment code is unknown, used, expired, or was typed against another server; ask the county for a new code and check the address",
        )
    };
    // Reading the code and checking the proof happen here, off the writer thread (which
    // every kiosk's upload waits on); the writer only claims the code, if still unused.
    let code_id = req.code_id.clone();
    let row: Option<(String, String, i64, Option<String>)> =
        st.0.readers
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT code, site, expires_at, used_by FROM enroll_codes WHERE code_id = ?1",
                    [&code_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?)
            })
            .await?;
    let (code, site, expires, used) = row.ok_or_else(refused)?;
    if used.is_some() || expires < now {
        return Err(refused());
    }
    let fp = st.0.fingerprint.clone();
    let (catalog_key, export_key) = (st.0.catalog_key.clone(), st.0.export_key.clone());
    let spki_pins = st.0.spki_pins.clone();
    let resp = tokio::task::spawn_blocking(move || {
        if !auth::check_enroll_proof(&code, &fp, &req.device_key, &req.proof) {
            return None;
        }
        let mut resp = EnrollResponse {
            device_id: format!(
                "kiosk-{}",
                &onevisit_sync::hex(&onevisit_sync::random_bytes::<6>())
            ),
            site,
            catalog_key,
            export_key,
            spki_pins,
            server_proof: String::new(),
        };
        resp.server_proof = auth::server_proof(&code, &fp, &resp);
        Some((resp, req.code_id, req.device_key))
    })
    .await
    .map_err(|_| ApiError::internal("the enrollment check failed"))?;
    let (resp, code_id, device_key) = resp.ok_or_else(refused)?;
    let (device_id, site) = (resp.device_id.clone(), resp.site.clone());
    st.0.db
        .call(move |c| {
            let claimed = c.execute(
                "UPDATE enroll_codes SET used_by = ?2
                 WHERE code_id = ?1 AND used_by IS NULL AND expires_at >= ?3",
                params![code_id, device_id, now],
            )?;
            if claimed != 1 {
                return Err(refused());
            }
            c.execute(
                "INSERT INTO devices (id, site, public_key, enrolled_at) VALUES (?1, ?2, ?3, ?4)",
                params![device_id, site, device_key, now],
            )?;
            Ok(())
        })
        .await?;
    tracing::info!(device = %resp.device_id, site = %resp.site, "device enrolled");
    Ok((StatusCode::CREATED, axum::Json(resp)).into_response())
}

async fn heartbeat(
    State(st): State<AppState>,
    Signed { dev, body, .. }: Signed,
) -> Result<Response, ApiError> {
    let hb: Heartbeat = json(&body)?;
    let now = (st.0.now)();
    let text = serde_json::to_string(&hb).unwrap_or_default();
    let spki_pins = st.0.spki_pins.clone();
    let reply =
        st.0.db
            .call(move |c| {
                c.execute(
                    "UPDATE devices SET last_seen = ?2, heartbeat = ?3 WHERE id = ?1",
                    params![dev.id, now, text],
                )?;
                let status_seq: i64 = c.query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM status_changes WHERE device_id = ?1",
                    [&dev.id],
                    |r| r.get(0),
                )?;
                let catalog: Option<i64> =
                    c.query_row("SELECT MAX(version) FROM catalogs", [], |r| r.get(0))?;
                let technician_pin: Option<String> = c
                    .query_row(
                        "SELECT p.pin_hash FROM technician_pins p
                         JOIN devices d ON d.site = p.site WHERE d.id = ?1",
                        [&dev.id],
                        |r| r.get(0),
                    )
                    .optional()?;
                Ok(HeartbeatReply {
                    server_time: now,
                    catalog_version: catalog.map(|v| v as u64),
                    status_seq: status_seq as u64,
                    spki_pins,
                    technician_pin,
                })
            })
            .await?;
    Ok(axum::Json(reply).into_response())
}

async fn create(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Signed { dev, body, .. }: Signed,
) -> Result<Response, ApiError> {
    case_id(&id)?;
    let m: CaseManifest = json(&body)?;
    intake::validate(&m)?;
    let hash = intake::manifest_hash(&m);
    let now = (st.0.now)();
    // A case sent again costs nothing; a new one must fit the disk reserve and the quota.
    let cid = id.clone();
    let known =
        st.0.readers
            .read(move |c| {
                Ok(
                    c.query_row("SELECT 1 FROM cases WHERE id = ?1", [&cid], |_| Ok(()))
                        .optional()?
                        .is_some(),
                )
            })
            .await?;
    if !known {
        let need = m.attachments.iter().map(|a| a.size).sum::<u64>();
        st.0.limits.check_disk(&st.0.data, need)?;
    }
    let per_day = st.0.limits.cases_per_day;
    let (receipt, created) =
        st.0.db
            .call(move |c| {
                let exists = c
                    .query_row("SELECT 1 FROM cases WHERE id = ?1", [&id], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !exists {
                    limits::check_quota(c, &dev.id, now, per_day)?;
                }
                intake::create(c, &dev.id, &dev.site, &id, &m, &hash, now, "online")
            })
            .await?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, axum::Json(receipt)).into_response())
}

/// Case state, length, offset and hash so far (`hashstate.rs`) of an attachment; 404 for
/// another device's case.
async fn attachment_row(
    st: &AppState,
    dev: &Device,
    id: &str,
    idx: u32,
) -> Result<(IntakeState, u64, u64, Option<Vec<u8>>), ApiError> {
    let (id, dev_id) = (id.to_owned(), dev.id.clone());
    st.0.readers
        .read(move |c| {
            type Row = (String, IntakeState, i64, i64, Option<Vec<u8>>);
            let row: Option<Row> = c
                .query_row(
                    "SELECT c.device_id, c.state, a.size, a.offset, a.hash_state FROM attachments a
                     JOIN cases c ON c.id = a.case_id WHERE a.case_id = ?1 AND a.idx = ?2",
                    params![id, idx],
                    |r| {
                        Ok((
                            r.get(0)?,
                            crate::db::intake_state(r, 1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                        ))
                    },
                )
                .optional()?;
            match row {
                Some((owner, state, size, off, hash)) if owner == dev_id => {
                    Ok((state, size as u64, off as u64, hash))
                }
                _ => Err(ApiError::not_found(format!(
                    "no attachment {idx} of case {id}: create the case first"
                ))),
            }
        })
        .await
}

async fn offset(
    State(st): State<AppState>,
    Path((id, idx)): Path<(String, String)>,
    Signed { dev, .. }: Signed,
) -> Result<Response, ApiError> {
    case_id(&id)?;
    let idx = index(&idx)?;
    let (_, length, off, _) = attachment_row(&st, &dev, &id, idx).await?;
    let mut r = StatusCode::OK.into_response();
    tus_headers(&mut r, off, Some(length));
    let held = st.0.staged.held(&id, idx, off, (st.0.now)());
    if held > 0 {
        r.headers_mut()
            .insert(header::UPLOAD_STAGED, HeaderValue::from(held));
    }
    Ok(r)
}

async fn upload(
    State(st): State<AppState>,
    Path((id, idx)): Path<(String, String)>,
    Signed {
        dev, body, headers, ..
    }: Signed,
) -> Result<Response, ApiError> {
    case_id(&id)?;
    let idx = index(&idx)?;
    let UploadHeaders {
        offset: at,
        checksum,
    } = upload_headers(&headers)?;
    let staged = match header_str(&headers, header::UPLOAD_STAGED) {
        None => 0,
        Some(v) => v.trim().parse::<u64>().map_err(|_| {
            ApiError::new(
                400,
                "bad_header",
                format!("{}: {v:?} is not a byte count", header::UPLOAD_STAGED),
            )
        })?,
    };
    let lock = st.lock(&id, idx);
    let guard = lock.lock_owned().await;
    let (state, length, current, hashed) = attachment_row(&st, &dev, &id, idx).await?;
    if state == IntakeState::Committed || at != current {
        let (code, msg) = if state == IntakeState::Committed {
            (
                "already_committed",
                "this case is already committed".to_owned(),
            )
        } else {
            (
                "offset_mismatch",
                format!("the upload is at byte {current}, not {at}; continue from there"),
            )
        };
        return Err(ApiError::new(409, code, msg)
            .header(header::UPLOAD_OFFSET, current)
            .header(header::TUS_RESUMABLE, proto::TUS_VERSION));
    }
    let len = staged + body.len() as u64;
    if at + len > length {
        return Err(ApiError::new(
            413,
            "beyond_length",
            format!(
                "this chunk would end at byte {}, past the declared length {length}",
                at + len
            ),
        ));
    }
    st.0.limits.check_disk(&st.0.data, len)?;
    // The bytes kept from this chunk's cut try, then the rest as sent now; taken only once
    // the checks above have passed (a refusal there leaves them for the next try).
    let body = if staged == 0 {
        body
    } else {
        let Some(mut kept) = st.0.staged.take(&id, idx, at, staged, (st.0.now)()) else {
            return Err(staged_gone(current));
        };
        kept.extend_from_slice(&body);
        Bytes::from(kept)
    };
    if b64(&Sha256::digest(&body)) != checksum {
        if staged > 0 {
            // The kept bytes were not the kiosk's (they are never trusted before this check).
            return Err(staged_gone(current));
        }
        return Err(ApiError::new(
            STATUS_CHECKSUM_MISMATCH,
            "checksum_mismatch",
            "the chunk does not match its Upload-Checksum; send it again",
        ));
    }
    // From here the chunk is written and recorded even if the kiosk's connection drops:
    // a write cut off half-way would leave a lease held and the bytes unrecorded.
    let new = at + len;
    let task_st = st.clone();
    tokio::spawn(async move {
        let (st, _guard) = (task_st, guard);
        // `lock` keeps one writer per attachment in this process; across nodes, the
        // database gives one of them a lease on it.
        let lease = match st.0.at.engine() {
            crate::sql::Engine::Postgres => Some(claim(&st, &id, idx, at).await?),
            crate::sql::Engine::Sqlite => None,
        };
        let blobs = st.0.blobs.clone();
        let (bid, prior) = (
            id.clone(),
            hashed.as_deref().and_then(Resumable::from_bytes),
        );
        let written = tokio::task::spawn_blocking(move || {
            blobs
                .write_chunk(&bid, idx, at, &body, prior)
                .map(|h| h.to_bytes())
        })
        .await
        .map_err(|_| ApiError::internal("the write task failed"))
        .and_then(|r| r.map_err(ApiError::from));
        let hash = match (written, &lease) {
            (Ok(h), _) => h,
            (Err(e), None) => return Err(e),
            (Err(e), Some(token)) => {
                // Not written: the next try, here or at another node, need not wait out
                // the lease.
                let (rid, token) = (id.clone(), token.clone());
                let _ =
                    st.0.db
                        .call(move |c| {
                            Ok(c.execute(
                                "UPDATE attachments SET writer = NULL, writer_until = NULL
                             WHERE case_id = ?1 AND idx = ?2 AND writer = ?3",
                                params![rid, idx, token],
                            )?)
                        })
                        .await;
                return Err(e);
            }
        };
        let now = (st.0.now)();
        st.0.db
            .call(move |c| {
                let n = c.execute(
                    "UPDATE attachments SET \"offset\" = ?3, hash_state = ?4, writer = NULL,
                       writer_until = NULL
                     WHERE case_id = ?1 AND idx = ?2 AND (CAST(?5 AS TEXT) IS NULL OR writer = ?5)",
                    params![id, idx, new as i64, hash, lease],
                )?;
                if n == 0 && lease.is_some() {
                    return Err(upload_busy());
                }
                if n == 0 {
                    // Swept as abandoned while this chunk was on its way.
                    return Err(ApiError::not_found(format!(
                        "no attachment {idx} of case {id}: create the case first"
                    )));
                }
                c.execute(
                    "UPDATE cases SET touched_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                Ok(())
            })
            .await
    })
    .await
    .map_err(|_| ApiError::internal("the write task failed"))??;
    let mut r = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut r, new, None);
    Ok(r)
}

/// The bytes a PATCH asked to have put before its body are not here (another node, a
/// restart, or they did not match): the kiosk sends the whole chunk.
fn staged_gone(current: u64) -> ApiError {
    ApiError::new(
        409,
        "staged_gone",
        "the bytes kept from the cut request are not here; send the whole chunk",
    )
    .header(header::UPLOAD_OFFSET, current)
    .header(header::UPLOAD_STAGED, 0)
    .header(header::TUS_RESUMABLE, proto::TUS_VERSION)
}

/// How long a node may take to write one chunk before another may: long enough for a slow
/// shared disk, short enough that a node that died mid-chunk holds up the kiosk only briefly.
const LEASE_MS: i64 = 60_000;

/// Takes the lease on writing attachment `idx` at byte `at`: refused while another node holds
/// it, or once the upload has moved past `at`.
async fn claim(st: &AppState, id: &str, idx: u32, at: u64) -> Result<String, ApiError> {
    let token = onevisit_sync::hex(&onevisit_sync::random_bytes::<16>());
    let now = (st.0.now)();
    let (id, mine) = (id.to_owned(), token.clone());
    st.0.db
        .call(move |c| {
            let n = c.execute(
                "UPDATE attachments SET writer = ?4, writer_until = ?5
                 WHERE case_id = ?1 AND idx = ?2 AND \"offset\" = ?3
                   AND (writer IS NULL OR writer_until < ?6)",
                params![id, idx, at as i64, mine, now + LEASE_MS, now],
            )?;
            if n == 0 {
                let current: Option<i64> = c
                    .query_row(
                        "SELECT \"offset\" FROM attachments WHERE case_id = ?1 AND idx = ?2",
                        params![id, idx],
                        |r| r.get(0),
                    )
                    .optional()?;
                return Err(match current {
                    // Another node has just moved it on: the kiosk continues from there.
                    Some(cur) if cur != at as i64 => ApiError::new(
                        409,
                        "offset_mismatch",
                        format!("the upload is at byte {cur}, not {at}; continue from there"),
                    )
                    .header(header::UPLOAD_OFFSET, cur)
                    .header(header::TUS_RESUMABLE, proto::TUS_VERSION),
                    Some(_) => upload_busy(),
                    None => ApiError::not_found(format!(
                        "no attachment {idx} of case {id}: create the case first"
                    )),
                });
            }
            Ok(())
        })
        .await?;
    Ok(token)
}

/// Another node is writing this attachment, or has just moved it on: the kiosk waits and asks
/// where the upload stands.
fn upload_busy() -> ApiError {
    ApiError::new(
        503,
        "upload_in_progress",
        "another request is writing this attachment; ask for its offset and continue shortly",
    )
    .header("retry-after", 1)
}

async fn commit(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Signed { dev, .. }: Signed,
) -> Result<Response, ApiError> {
    case_id(&id)?;
    let (cid, dev_id) = (id.clone(), dev.id.clone());
    let (state, atts, hashes) =
        st.0.readers
            .read(move |c| {
                let row: Option<(String, IntakeState)> = c
                    .query_row(
                        "SELECT device_id, state FROM cases WHERE id = ?1",
                        [&cid],
                        |r| Ok((r.get(0)?, crate::db::intake_state(r, 1)?)),
                    )
                    .optional()?;
                match row {
                    Some((owner, state)) if owner == dev_id => {
                        let hashes: HashMap<u32, Vec<u8>> = c
                            .prepare_cached(
                                "SELECT idx, hash_state FROM attachments
                                 WHERE case_id = ?1 AND hash_state IS NOT NULL",
                            )?
                            .query_map([&cid], |r| Ok((r.get(0)?, r.get(1)?)))?
                            .collect::<Result<_, _>>()?;
                        Ok((state, intake::attachments(c, &cid)?, hashes))
                    }
                    _ => Err(ApiError::not_found(format!("no case {cid}"))),
                }
            })
            .await?;
    if state != IntakeState::Committed {
        // Verify every complete attachment's whole-file hash before the case counts: from
        // the hash carried forward as its bytes arrived, or, without one (bytes from an
        // older server), by reading the file.
        let blobs = st.0.blobs.clone();
        let vid = id.clone();
        let bad = tokio::task::spawn_blocking(move || -> std::io::Result<Option<u32>> {
            for (i, size, sha, off) in &atts {
                if off != size {
                    continue;
                }
                let carried = hashes
                    .get(i)
                    .and_then(|b| Resumable::from_bytes(b))
                    .filter(|h| h.len() == *size);
                let good = match carried {
                    Some(h) => h.hex() == *sha,
                    None => blobs.verify(&vid, *i, *size, sha)?,
                };
                if !good {
                    return Ok(Some(*i));
                }
            }
            Ok(None)
        })
        .await
        .map_err(|_| ApiError::internal("the verification task failed"))??;
        if let Some(i) = bad {
            let rid = id.clone();
            st.0.db
                .call(move |c| intake::reset_attachment(c, &rid, i))
                .await?;
            return Err(ApiError::new(
                422,
                "hash_mismatch",
                format!(
                    "attachment {i} does not match its declared SHA-256; it was reset, upload it again"
                ),
            ));
        }
    }
    let now = (st.0.now)();
    let actor = format!("device:{}", dev.id);
    let receipt =
        st.0.db
            .call(move |c| intake::commit(c, &id, now, &actor))
            .await?;
    Ok(axum::Json(receipt).into_response())
}

async fn status(
    State(st): State<AppState>,
    Signed { dev, query, .. }: Signed,
) -> Result<Response, ApiError> {
    let after = status_after(query.as_deref())?;
    const PAGE: usize = 100;
    let page =
        st.0.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT s.seq, s.case_id, c.number, s.status, s.reason, s.at
                 FROM status_changes s JOIN cases c ON c.id = s.case_id
                 WHERE s.device_id = ?1 AND s.seq > ?2 ORDER BY s.seq LIMIT ?3",
                )?;
                let mut changes: Vec<StatusChange> = stmt
                    .query_map(params![dev.id, after as i64, PAGE as i64 + 1], |r| {
                        let status: String = r.get(3)?;
                        Ok(StatusChange {
                            seq: r.get::<_, i64>(0)? as u64,
                            case_id: r.get(1)?,
                            case_number: r.get(2)?,
                            status: proto::CaseStatus::parse(&status)
                                .unwrap_or(proto::CaseStatus::Received),
                            reason: r.get(4)?,
                            at: r.get(5)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                let more = changes.len() > PAGE;
                changes.truncate(PAGE);
                Ok(StatusPage { changes, more })
            })
            .await?;
    Ok(axum::Json(page).into_response())
}

async fn catalog_info(State(st): State<AppState>, _signed: Signed) -> Result<Response, ApiError> {
    let info =
        st.0.readers
            .read(|c| {
                Ok(c.query_row(
                    "SELECT version, sha256, size FROM catalogs ORDER BY version DESC LIMIT 1",
                    [],
                    |r| {
                        Ok(CatalogInfo {
                            version: r.get::<_, i64>(0)? as u64,
                            sha256: r.get(1)?,
                            size: r.get::<_, i64>(2)? as u64,
                        })
                    },
                )
                .optional()?)
            })
            .await?
            .ok_or_else(|| ApiError::not_found("no catalog has been published"))?;
    Ok(axum::Json(info).into_response())
}

async fn catalog_bundle(
    State(st): State<AppState>,
    Path(version): Path<String>,
    _signed: Signed,
) -> Result<Response, ApiError> {
    let version: u64 = version
        .parse()
        .map_err(|_| ApiError::bad_request("bad_version", "a catalog version is a number"))?;
    let path = crate::admin::catalog_path(&st.0.data, version);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(([("content-type", "application/json")], bytes).into_response()),
        Err(_) => Err(ApiError::not_found(format!("no catalog version {version}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_header_near_i64_min_is_clock_skew_not_a_panic() {
        // Found by the `central_request` fuzz target: `now - time` overflowed.
        let r = crate::replay::Replay::new(0);
        let e = check_clock(&r, 1_764_000_000_000, i64::MIN).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (401, "clock_skew"));
        let e = check_clock(&r, i64::MAX, -1).unwrap_err();
        assert_eq!(e.code, "clock_skew");
        let now = 1_000_000_000;
        assert!(check_clock(&r, now, now - proto::MAX_CLOCK_SKEW_MS).is_ok());
        assert!(check_clock(&r, now, now + proto::MAX_CLOCK_SKEW_MS + 1).is_err());
    }

    #[test]
    fn header_parsers_say_which_header_is_wrong() {
        let mut h = HeaderMap::new();
        assert_eq!(signature_headers(&h).unwrap_err().code, "unsigned");
        h.insert(header::DEVICE, HeaderValue::from_static("kiosk-1"));
        h.insert(header::TIME, HeaderValue::from_static("12"));
        h.insert(header::SIGNATURE, HeaderValue::from_static("c2ln"));
        assert_eq!(
            signature_headers(&h).unwrap_err().code,
            "unsigned",
            "no nonce"
        );
        let nonce = auth::new_nonce();
        h.insert(header::NONCE, HeaderValue::from_str(&nonce).unwrap());
        assert_eq!(
            signature_headers(&h).unwrap(),
            SignatureHeaders {
                device_id: "kiosk-1".into(),
                time: 12,
                nonce,
                signature: "c2ln".into()
            }
        );
        h.insert(header::TUS_RESUMABLE, HeaderValue::from_static("1.0.0"));
        h.insert(
            "content-type",
            HeaderValue::from_static(header::OFFSET_CONTENT_TYPE),
        );
        h.insert(header::UPLOAD_OFFSET, HeaderValue::from_static("-1"));
        assert_eq!(upload_headers(&h).unwrap_err().code, "upload_offset");
        h.insert(header::UPLOAD_OFFSET, HeaderValue::from_static("7"));
        assert_eq!(upload_headers(&h).unwrap_err().code, "upload_checksum");
        h.insert(
            header::UPLOAD_CHECKSUM,
            HeaderValue::from_static("sha256 abc="),
        );
        assert_eq!(
            upload_headers(&h).unwrap(),
            UploadHeaders {
                offset: 7,
                checksum: "abc=".into()
            }
        );
        assert_eq!(status_after(None).unwrap(), 0);
        assert_eq!(status_after(Some("x=1&after=42")).unwrap(), 42);
        assert_eq!(status_after(Some("after=x")).unwrap_err().code, "bad_after");
    }
}
