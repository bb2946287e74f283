//! Delivering cases from a kiosk to the central system exactly once, over links that are
//! slow, drop every few seconds, or are absent for days.
//!
//! - [`proto`]: the wire protocol (JSON bodies, headers, status values); `docs/api/openapi.yaml`
//!   is its written form. Shared with the reference central server.
//! - [`auth`]: device keys, request signatures, the enrollment proof that pins the server's
//!   certificate with nothing but the one-time code.
//! - [`engine`]: the sync engine, a pure state machine: events in, requests out, `now` passed in.
//! - [`enroll`]: the one-line enrollment payload of the county's QR code.
//! - [`bundle`]: Ed25519-signed envelopes; catalog bundles.
//! - [`export`]: the signed, encrypted bundle of queued cases carried on a USB stick.
//! - `driver` (feature `driver`): the thin tokio/HTTPS pump between the engine, the kiosk's
//!   store and a real central system.

pub mod auth;
pub mod bundle;
pub mod engine;
pub mod enroll;
pub mod export;
pub mod pin;
pub mod proto;

#[cfg(feature = "driver")]
pub mod driver;

/// Random bytes from the operating system. Only drivers and key generation call it; the
/// engine takes its jitter seed from outside.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS generator failing is not recoverable in any useful way on Linux ≥ 3.17.
    getrandom::getrandom(&mut b).expect("operating system random number generator");
    b
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}
