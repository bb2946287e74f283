//! What the central system parses from a device's request before touching its database:
//! the path, the signature and tus headers, and the JSON bodies.
//!
//! The axum handlers call these same pure functions (`onevisit_central::api::{json,
//! signature_headers, check_clock, upload_headers, status_after}`); what stays in the handlers
//! is the device lookup and the database, which need a server.

use http::{HeaderMap, HeaderName, HeaderValue};
use onevisit_central::api;
use onevisit_central::intake;
use onevisit_sync::auth;
use onevisit_sync::proto::{self, CaseManifest, EnrollRequest, Heartbeat};

use crate::sync::keys::device_key;

/// The server's clock in these requests (Unix ms), as seeds are signed for it.
pub const NOW: i64 = 1_764_000_000_000;

/// A request as text: `METHOD PATH?QUERY`, header lines `name: value`, an empty line, then
/// the body's bytes. See [`request`].
pub fn central_request(data: &[u8]) {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let (method, target) = request_line
        .split_once(' ')
        .unwrap_or(("GET", request_line));
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_bytes(value.trim().as_bytes()),
        ) {
            headers.append(n, v);
        }
    }

    // Path parameters, as the handlers check them.
    for segment in path.split('/') {
        let _ = proto::valid_case_id(segment);
        let _ = segment.parse::<u32>();
    }
    let _ = api::status_after(query);

    if let Ok(sig) = api::signature_headers(&headers) {
        // The server's memory of nonces began an hour before NOW.
        let replay = onevisit_central::replay::Replay::new(NOW - 3_600_000);
        let _ = api::check_clock(&replay, NOW, sig.time);
        let signed: Vec<(&str, &str)> = auth::SIGNED_HEADERS
            .iter()
            .flat_map(|name| {
                headers
                    .get_all(*name)
                    .iter()
                    .filter_map(move |v| v.to_str().ok().map(|v| (*name, v)))
            })
            .collect();
        let parts = auth::RequestParts {
            method,
            path_and_query: target,
            time_ms: sig.time,
            nonce: &sig.nonce,
            headers: &signed,
            body,
        };
        let _ = auth::verify_request(&device_key().verifying_key(), &parts, &sig.signature);
        let _ = replay.first_use("kiosk-fuzz", &sig.nonce, sig.time, NOW);
    }
    let _ = api::upload_headers(&headers);

    // The body as each endpoint would read it.
    if let Ok(req) = api::json::<EnrollRequest>(body) {
        let _ = auth::verifying_key(&req.device_key);
        let _ = auth::check_enroll_proof("ABCD-EFGH-JKMN-PQRS", "00", &req.device_key, &req.proof);
    }
    if let Ok(hb) = api::json::<Heartbeat>(body) {
        let _ = serde_json::to_string(&hb);
    }
    if let Ok(m) = api::json::<CaseManifest>(body)
        && intake::validate(&m).is_ok()
    {
        let _ = intake::manifest_hash(&m);
    }
}

/// The input format of [`central_request`], for seeds and tests.
pub fn request(request_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = request_line.as_bytes().to_vec();
    for (n, v) in headers {
        out.extend_from_slice(format!("\n{n}: {v}").as_bytes());
    }
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(body);
    out
}
