//! The HTTP API (`docs/api/openapi.yaml`). Every handler checks everything before changing
//! anything: bad input gets a 4xx and leaves the database and files as they were.

use std::collections::HashMap;
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post, put};
use ed25519_dalek::VerifyingKey;
use onevisit_sync::auth::{self, b64};
use onevisit_sync::proto::{
    self, CaseManifest, CatalogInfo, EnrollRequest, EnrollResponse, Heartbeat, HeartbeatReply,
    StatusChange, StatusPage, header,
};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::ApiError;
use crate::intake;

/// Read-only connections, so reads never queue behind the writer's commits.
pub struct Readers {
    dir: PathBuf,
    pool: Mutex<Vec<Connection>>,
}

impl Readers {
    pub fn new(dir: PathBuf) -> Readers {
        Readers {
            dir,
            pool: Mutex::new(Vec::new()),
        }
    }

    async fn read<R, F>(self: &Arc<Self>, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, ApiError> + Send + 'static,
    {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = me.pool.lock().ok().and_then(|mut p| p.pop());
            let conn = match conn {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        me.dir.join("central.db"),
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                    )?;
                    c.busy_timeout(std::time::Duration::from_secs(10))?;
                    c
                }
            };
            let r = f(&conn);
            if let Ok(mut p) = me.pool.lock() {
                p.push(conn);
            }
            r
        })
        .await
        .map_err(|_| ApiError::internal("a database reader failed"))?
    }
}

/// One lock per (case, attachment) being uploaded.
type UploadLocks = Mutex<HashMap<(String, u32), Arc<tokio::sync::Mutex<()>>>>;

pub struct Inner {
    pub db: Db,
    pub readers: Arc<Readers>,
    pub data: PathBuf,
    pub fingerprint: String,
    pub catalog_key: String,
    pub export_key: String,
    pub now: fn() -> i64,
    locks: UploadLocks,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl AppState {
    pub fn new(
        db: Db,
        data: PathBuf,
        fingerprint: String,
        catalog_key: String,
        export_key: String,
        now: fn() -> i64,
    ) -> AppState {
        AppState(Arc::new(Inner {
            db,
            readers: Arc::new(Readers::new(data.clone())),
            data,
            fingerprint,
            catalog_key,
            export_key,
            now,
            locks: Mutex::new(HashMap::new()),
        }))
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
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, proto::MAX_CHUNK as usize)
            .await
            .map_err(|_| {
                ApiError::new(
                    413,
                    "body",
                    format!(
                        "the request body is too large; a chunk may have at most {} bytes",
                        proto::MAX_CHUNK
                    ),
                )
            })?;
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

/// The signature headers of a device request, as sent (not yet checked against anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    pub device_id: String,
    pub time: i64,
    pub signature: String,
}

/// Reads `Onevisit-Device`, `Onevisit-Time` and `Onevisit-Signature`; 401 `unsigned` when one
/// is missing or unreadable. Pure, so it can be tested and fuzzed without a server.
pub fn signature_headers(headers: &HeaderMap) -> Result<SignatureHeaders, ApiError> {
    let unsigned = || {
        ApiError::new(
            401,
            "unsigned",
            "requests must carry the device's signature headers; provision this kiosk first",
        )
    };
    let device_id = header_str(headers, header::DEVICE)
        .ok_or_else(unsigned)?
        .to_owned();
    let time: i64 = header_str(headers, header::TIME)
        .and_then(|t| t.parse().ok())
        .ok_or_else(unsigned)?;
    let signature = header_str(headers, header::SIGNATURE)
        .ok_or_else(unsigned)?
        .to_owned();
    Ok(SignatureHeaders {
        device_id,
        time,
        signature,
    })
}

/// 401 `clock_skew` when a request's signed time is too far from the server's `now`.
pub fn check_clock(now: i64, time: i64) -> Result<(), ApiError> {
    // `abs_diff`: the time comes from a header, and `now - time` overflows for times near
    // `i64::MIN` (a panic in debug builds).
    if now.abs_diff(time) > proto::MAX_CLOCK_SKEW_MS.unsigned_abs() {
        let mut e = ApiError::new(
            401,
            "clock_skew",
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
            signature: sig,
        } = signature_headers(headers)?;
        let now = (self.0.now)();
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
        let (site, key, revoked) = row.ok_or_else(|| {
            ApiError::new(
                401,
                "unknown_device",
                format!("device {device_id} is not enrolled here; provision it with a new enrollment code"),
            )
        })?;
        if revoked.is_some() {
            return Err(ApiError::new(
                403,
                "device_revoked",
                format!(
                    "device {device_id} was revoked by the county; it must be provisioned again"
                ),
            ));
        }
        check_clock(now, time)?;
        let vk: VerifyingKey = auth::verifying_key(&key)
            .map_err(|_| ApiError::internal("the stored device key is damaged"))?;
        let pq = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        auth::verify_request(&vk, method.as_str(), pq, time, body, &sig).map_err(|_| {
            ApiError::new(
                401,
                "bad_signature",
                "the request signature does not match the device's key",
            )
        })?;
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
    if proto::valid_case_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad_case_id",
            "a case id is the kiosk's UUID in lower case",
        ))
    }
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
        .with_state(state)
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({"ok": true, "version": env!("CARGO_PKG_VERSION")}))
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
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_or_413(body)?;
    let req: EnrollRequest = json(&body)?;
    if auth::verifying_key(&req.device_key).is_err() {
        return Err(ApiError::bad_request(
            "bad_key",
            "device_key must be a base64 Ed25519 public key",
        ));
    }
    let now = (st.0.now)();
    let fp = st.0.fingerprint.clone();
    let (catalog_key, export_key) = (st.0.catalog_key.clone(), st.0.export_key.clone());
    let resp = st
        .0
        .db
        .call(move |c| {
            let refused = || {
                ApiError::new(
                    403,
                    "enrollment_refused",
                    "the enrollment code is unknown, used, expired, or was typed against another server; ask the county for a new code and check the address",
                )
            };
            let row: Option<(String, String, i64, Option<String>)> = c
                .query_row(
                    "SELECT code, site, expires_at, used_by FROM enroll_codes WHERE code_id = ?1",
                    [&req.code_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let (code, site, expires, used) = row.ok_or_else(refused)?;
            if used.is_some()
                || expires < now
                || !auth::check_enroll_proof(&code, &fp, &req.device_key, &req.proof)
            {
                return Err(refused());
            }
            let device_id = format!("kiosk-{}", &onevisit_sync::hex(&onevisit_sync::random_bytes::<6>()));
            c.execute(
                "INSERT INTO devices (id, site, public_key, enrolled_at) VALUES (?1, ?2, ?3, ?4)",
                params![device_id, site, req.device_key, now],
            )?;
            c.execute(
                "UPDATE enroll_codes SET used_by = ?2 WHERE code_id = ?1",
                params![req.code_id, device_id],
            )?;
            let mut resp = EnrollResponse {
                device_id,
                site,
                catalog_key,
                export_key,
                server_proof: String::new(),
            };
            resp.server_proof = auth::server_proof(&code, &fp, &resp);
            tracing::info!(device = %resp.device_id, site = %resp.site, "device enrolled");
            Ok(resp)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(resp)).into_response())
}

async fn heartbeat(
    State(st): State<AppState>,
    Signed { dev, body, .. }: Signed,
) -> Result<Response, ApiError> {
    let hb: Heartbeat = json(&body)?;
    let now = (st.0.now)();
    let text = serde_json::to_string(&hb).unwrap_or_default();
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
                Ok(HeartbeatReply {
                    server_time: now,
                    catalog_version: catalog.map(|v| v as u64),
                    status_seq: status_seq as u64,
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
    let (receipt, created) =
        st.0.db
            .call(move |c| intake::create(c, &dev.id, &dev.site, &id, &m, &hash, now, "online"))
            .await?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, axum::Json(receipt)).into_response())
}

/// Owner, state, length and offset of an attachment; 404 for another device's case.
async fn attachment_row(
    st: &AppState,
    dev: &Device,
    id: &str,
    idx: u32,
) -> Result<(String, u64, u64), ApiError> {
    let (id, dev_id) = (id.to_owned(), dev.id.clone());
    st.0.readers
        .read(move |c| {
            let row: Option<(String, String, i64, i64)> = c
                .query_row(
                    "SELECT c.device_id, c.state, a.size, a.offset FROM attachments a
                     JOIN cases c ON c.id = a.case_id WHERE a.case_id = ?1 AND a.idx = ?2",
                    params![id, idx],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            match row {
                Some((owner, state, size, off)) if owner == dev_id => {
                    Ok((state, size as u64, off as u64))
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
    let (_, length, off) = attachment_row(&st, &dev, &id, idx).await?;
    let mut r = StatusCode::OK.into_response();
    tus_headers(&mut r, off, Some(length));
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
    let lock = st.lock(&id, idx);
    let _guard = lock.lock().await;
    let (state, length, current) = attachment_row(&st, &dev, &id, idx).await?;
    if state == "committed" || at != current {
        let (code, msg) = if state == "committed" {
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
    let len = body.len() as u64;
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
    if b64(&Sha256::digest(&body)) != checksum {
        return Err(ApiError::new(
            460,
            "checksum_mismatch",
            "the chunk does not match its Upload-Checksum; send it again",
        ));
    }
    let path = intake::attachment_path(&st.0.data, &id, idx);
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        // Bytes past the recorded offset are from an interrupted write: drop them.
        f.set_len(at)?;
        f.seek(SeekFrom::Start(at))?;
        f.write_all(&body)?;
        f.sync_data()
    })
    .await
    .map_err(|_| ApiError::internal("the write task failed"))??;
    let new = at + len;
    st.0.db
        .call(move |c| {
            c.execute(
                "UPDATE attachments SET offset = ?3 WHERE case_id = ?1 AND idx = ?2",
                params![id, idx, new as i64],
            )?;
            Ok(())
        })
        .await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut r, new, None);
    Ok(r)
}

async fn commit(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Signed { dev, .. }: Signed,
) -> Result<Response, ApiError> {
    case_id(&id)?;
    let (cid, dev_id) = (id.clone(), dev.id.clone());
    let (state, atts) =
        st.0.readers
            .read(move |c| {
                let row: Option<(String, String)> = c
                    .query_row(
                        "SELECT device_id, state FROM cases WHERE id = ?1",
                        [&cid],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match row {
                    Some((owner, state)) if owner == dev_id => {
                        Ok((state, intake::attachments(c, &cid)?))
                    }
                    _ => Err(ApiError::not_found(format!("no case {cid}"))),
                }
            })
            .await?;
    if state != "committed" {
        // Verify every complete attachment's whole-file hash before the case counts.
        let data = st.0.data.clone();
        let vid = id.clone();
        let bad = tokio::task::spawn_blocking(move || -> std::io::Result<Option<u32>> {
            for (i, size, sha, off) in &atts {
                if off == size
                    && !intake::verify_file(&intake::attachment_path(&data, &vid, *i), *size, sha)?
                {
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
        let e = check_clock(1_764_000_000_000, i64::MIN).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (401, "clock_skew"));
        let e = check_clock(i64::MAX, -1).unwrap_err();
        assert_eq!(e.code, "clock_skew");
        assert!(check_clock(1_000_000, 1_000_000 - proto::MAX_CLOCK_SKEW_MS).is_ok());
        assert!(check_clock(1_000_000, 1_000_000 + proto::MAX_CLOCK_SKEW_MS + 1).is_err());
    }

    #[test]
    fn header_parsers_say_which_header_is_wrong() {
        let mut h = HeaderMap::new();
        assert_eq!(signature_headers(&h).unwrap_err().code, "unsigned");
        h.insert(header::DEVICE, HeaderValue::from_static("kiosk-1"));
        h.insert(header::TIME, HeaderValue::from_static("12"));
        h.insert(header::SIGNATURE, HeaderValue::from_static("c2ln"));
        assert_eq!(
            signature_headers(&h).unwrap(),
            SignatureHeaders {
                device_id: "kiosk-1".into(),
                time: 12,
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
