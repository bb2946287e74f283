//! The wire protocol, version 1. `docs/api/openapi.yaml` is the written contract; the types
//! here are its Rust form, shared by the kiosk and the reference central server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every path starts with this.
pub const API: &str = "/v1";
/// tus protocol version spoken on the attachment endpoints.
pub const TUS_VERSION: &str = "1.0.0";
/// Largest chunk a server accepts in one PATCH.
pub const MAX_CHUNK: u64 = 1024 * 1024;
/// Largest attachment a server accepts.
pub const MAX_ATTACHMENT: u64 = 64 * 1024 * 1024;
/// Most attachments on one case.
pub const MAX_ATTACHMENTS: usize = 64;
/// Largest JSON body a server accepts.
pub const MAX_JSON: usize = 1024 * 1024;
/// A request signature older or newer than this (by the server's clock) is refused.
pub const MAX_CLOCK_SKEW_MS: i64 = 15 * 60 * 1000;

/// Header names.
pub mod header {
    pub const DEVICE: &str = "onevisit-device";
    pub const TIME: &str = "onevisit-time";
    pub const SIGNATURE: &str = "onevisit-signature";
    /// A fresh random value per request; a (device, nonce) is accepted once.
    pub const NONCE: &str = "onevisit-nonce";
    pub const TUS_RESUMABLE: &str = "tus-resumable";
    pub const UPLOAD_OFFSET: &str = "upload-offset";
    pub const UPLOAD_LENGTH: &str = "upload-length";
    pub const UPLOAD_CHECKSUM: &str = "upload-checksum";
    /// Bytes past `Upload-Offset` the server kept from a PATCH cut short (on `HEAD` and a
    /// 409); on a PATCH, how many of them it is to put before the body. Not in the signed
    /// string (a server that does not know it must not refuse the request as forged): what
    /// it selects is checked by the chunk's signed `Upload-Checksum`, which covers the kept
    /// bytes and the body together.
    pub const UPLOAD_STAGED: &str = "upload-staged";
    pub const RETRY_AFTER: &str = "retry-after";
    pub const OFFSET_CONTENT_TYPE: &str = "application/offset+octet-stream";
}

/// `POST /v1/enroll`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// Identifies the code without revealing it: see [`crate::auth::code_id`].
    pub code_id: String,
    /// The device's Ed25519 public key, base64.
    pub device_key: String,
    /// HMAC of the server certificate fingerprint and device key under the code.
    pub proof: String,
    pub app_version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    pub site: String,
    /// Ed25519 public key that signs catalog bundles, base64.
    pub catalog_key: String,
    /// X25519 public key that offline export bundles are encrypted to, base64.
    pub export_key: String,
    /// Public-key pins (SHA-256 of the SubjectPublicKeyInfo, hex) of the server's current and
    /// backup TLS keys; the kiosk accepts a certificate for any of them from then on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spki_pins: Vec<String>,
    /// The server's HMAC over the same fingerprint and these answers: proves it knew the code.
    pub server_proof: String,
}

/// One attachment as declared when a case is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentDecl {
    pub index: u32,
    pub name: String,
    pub pages: u32,
    pub size: u64,
    /// SHA-256 of the whole attachment, lower-case hex.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub name: String,
    pub id_number: String,
}

/// `PUT /v1/cases/{id}`: everything about a case but its attachments' bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseManifest {
    pub theme: String,
    /// When the citizen submitted it at the kiosk (Unix ms).
    pub submitted_at: i64,
    pub answers: BTreeMap<String, String>,
    pub applicant: Applicant,
    pub form: BTreeMap<String, String>,
    /// The finger signature (PNG), base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The citizen's rating of the service, 1–5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// 容缺受理: materials accepted as missing, each with the date the applicant promised it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owed: Vec<OwedDecl>,
    pub attachments: Vec<AttachmentDecl>,
}

/// A material owed to the case: its name and the promised date (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwedDecl {
    pub name: String,
    pub due: String,
}

/// Where an attachment's upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    pub index: u32,
    pub offset: u64,
    pub length: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeState {
    /// Created; attachments still arriving.
    Receiving,
    /// Every attachment verified; the case is the central system's now.
    Committed,
}

impl IntakeState {
    /// Its word on the wire and in the central system's `cases.state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            IntakeState::Receiving => "receiving",
            IntakeState::Committed => "committed",
        }
    }

    pub fn parse(word: &str) -> Option<IntakeState> {
        match word {
            "receiving" => Some(IntakeState::Receiving),
            "committed" => Some(IntakeState::Committed),
            _ => None,
        }
    }
}

/// Reply to `PUT /v1/cases/{id}` and `POST /v1/cases/{id}/commit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseReceipt {
    pub case_number: String,
    pub state: IntakeState,
    pub attachments: Vec<UploadState>,
}

/// What an officer has decided about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Received,
    InReview,
    Approved,
    ReadyForPickup,
    Rejected,
    /// 补正: the window asks for corrections (the reason says which, and why).
    NeedsCorrection,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 6] = [
        CaseStatus::Received,
        CaseStatus::InReview,
        CaseStatus::Approved,
        CaseStatus::ReadyForPickup,
        CaseStatus::Rejected,
        CaseStatus::NeedsCorrection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::InReview => "in_review",
            CaseStatus::Approved => "approved",
            CaseStatus::ReadyForPickup => "ready_for_pickup",
            CaseStatus::Rejected => "rejected",
            CaseStatus::NeedsCorrection => "needs_correction",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The words a citizen sees at the kiosk.
    pub fn zh(self) -> &'static str {
        match self {
            CaseStatus::Received => "已受理",
            CaseStatus::InReview => "审核中",
            CaseStatus::Approved => "已通过",
            CaseStatus::ReadyForPickup => "可领取",
            CaseStatus::Rejected => "未通过",
            CaseStatus::NeedsCorrection => "需补正",
        }
    }
}

/// One status change, in `GET /v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// Increases with every change; ask for changes after the last one seen.
    pub seq: u64,
    pub case_id: String,
    pub case_number: String,
    pub status: CaseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusPage {
    pub changes: Vec<StatusChange>,
    /// More changes are waiting after the last one.
    pub more: bool,
}

/// Device health, `POST /v1/heartbeat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    pub app_version: String,
    /// Per device (`reader`, `printer`, `camera`, …): `ok`, `missing`, `error: …`.
    pub devices: BTreeMap<String, String>,
    pub paper_near_end: bool,
    pub queue_depth: u64,
    /// Age of the oldest case not yet acknowledged, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_queued_age_s: Option<u64>,
    pub disk_free_bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_version: Option<u64>,
    /// The cabinet's tamper switch: `closed`; `open_locked` (opened: the kiosk is out of
    /// service until a technician's PIN); `open_unlocked` (a technician entered the PIN);
    /// `closed_locked` (closed again, still waiting for the PIN); `missing` (no cabinet
    /// signals configured). Absent from kiosks that do not report it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tamper: Option<String>,
    /// A citizen at the kiosk called staff (the cabinet's help lamp is lit) at this time, ms
    /// since the epoch; absent when nobody is waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_requested_at: Option<i64>,
}

/// Reply to a heartbeat: what the kiosk should fetch next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatReply {
    pub server_time: i64,
    /// The latest published catalog, if any.
    #[serde(default)]
    pub catalog_version: Option<u64>,
    /// The newest status change for this device's cases.
    pub status_seq: u64,
    /// Public-key pins (SPKI SHA-256, hex) of the server's current and backup TLS keys; the
    /// kiosk replaces its own with these (keeping the key it is connected to).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spki_pins: Vec<String>,
    /// The technician PIN the county set for this kiosk's site, as a slow salted hash
    /// (`onevisit_sync::pin`); it replaces the one in the kiosk's settings. Never the PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technician_pin: Option<String>,
}

/// `GET /v1/catalog`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogInfo {
    pub version: u64,
    pub sha256: String,
    pub size: u64,
}

/// The HTTP status of a chunk whose bytes do not match its `Upload-Checksum` (tus's checksum
/// extension): sent again, not refused.
pub const STATUS_CHECKSUM_MISMATCH: u16 = 460;

/// The error code of a 401 whose request time is too far from the central system's clock; the
/// body's `server_time` lets the kiosk correct its requests' times.
pub const CLOCK_SKEW: &str = "clock_skew";

/// Every error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `offset_mismatch`.
    pub error: String,
    /// What went wrong and what to do, in plain words.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<i64>,
}

/// Case ids are the kiosk's UUIDs (lower-case, hyphenated).
pub fn valid_case_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

pub fn valid_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks a manifest's own consistency (the server also checks sizes against its limits).
pub fn check_manifest(m: &CaseManifest) -> Result<(), String> {
    if m.theme.is_empty() || m.theme.len() > 64 {
        return Err("theme must be 1–64 characters".into());
    }
    if m.attachments.len() > MAX_ATTACHMENTS {
        return Err(format!("at most {MAX_ATTACHMENTS} attachments"));
    }
    for (i, a) in m.attachments.iter().enumerate() {
        if a.index as usize != i {
            return Err(format!(
                "attachments must be numbered 0, 1, 2…; found {} at position {i}",
                a.index
            ));
        }
        if !valid_sha256(&a.sha256) {
            return Err(format!(
                "attachment {i}: sha256 must be 64 lower-case hex digits"
            ));
        }
    }
    if let Some(r) = m.rating
        && !(1..=5).contains(&r)
    {
        return Err("rating must be 1–5".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids() {
        assert!(valid_case_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!valid_case_id("0F8FAD5B-d9cb-469f-a165-70867728950e"));
        assert!(!valid_case_id("../../etc/passwd"));
        assert!(!valid_case_id(""));
    }

    #[test]
    fn statuses_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }
    #[test]
    fn the_heartbeat_carries_the_tamper_state_and_keeps_its_keys() {
        let old = r#"{"app_version":"0.1.0","devices":{"reader":"ok"},"paper_near_end":false,
            "queue_depth":2,"disk_free_bytes":1000}"#;
        let hb: Heartbeat = serde_json::from_str(old).unwrap();
        assert_eq!(hb.tamper, None, "a kiosk that does not report it");
        let hb = Heartbeat {
            tamper: Some("open_locked".into()),
            ..hb
        };
        let v: serde_json::Value = serde_json::to_value(&hb).unwrap();
        assert_eq!(v["tamper"], "open_locked");
        for key in [
            "app_version",
            "devices",
            "paper_near_end",
            "queue_depth",
            "disk_free_bytes",
        ] {
            assert!(v.get(key).is_some(), "{key} kept");
        }
    }
}
