//! Who is talking: device keys, request signatures, and enrollment.
//!
//! **Enrollment pins the server with nothing but the one-time code.** The kiosk opens TLS to
//! the address the technician typed, notes the certificate's SHA-256 fingerprint, and sends an
//! HMAC, keyed by the code, over that fingerprint and its new device key. The real server
//! computes the same HMAC over *its* certificate: a man in the middle presents a different
//! certificate, so the proof fails, and it cannot forge one without the code (80 bits, never
//! sent). The server answers with its own HMAC, proving it knew the code too. From then on the
//! kiosk accepts that certificate only. A county with its own CA can pin that instead.
//!
//! **Every later request is signed** with the device's Ed25519 key over the method, path,
//! time and body hash, so a revoked or unknown device gets nowhere even with a valid TLS
//! session.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::{hex, sha256_hex};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("not valid base64")]
    Base64,
    #[error("a key must be 32 bytes")]
    KeyLength,
    #[error("not a valid Ed25519 public key")]
    BadKey,
    #[error("the signature does not match")]
    BadSignature,
}

pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

pub fn unb64(s: &str) -> Result<Vec<u8>, AuthError> {
    B64.decode(s.trim()).map_err(|_| AuthError::Base64)
}

fn key32(s: &str) -> Result<[u8; 32], AuthError> {
    unb64(s)?.try_into().map_err(|_| AuthError::KeyLength)
}

pub fn verifying_key(s: &str) -> Result<VerifyingKey, AuthError> {
    VerifyingKey::from_bytes(&key32(s)?).map_err(|_| AuthError::BadKey)
}

/// A new Ed25519 key from the operating system's generator.
pub fn new_signing_key() -> SigningKey {
    SigningKey::from_bytes(&crate::random_bytes::<32>())
}

pub fn public_b64(key: &SigningKey) -> String {
    b64(key.verifying_key().as_bytes())
}

/// The bytes a request signature covers.
pub fn canonical(method: &str, path_and_query: &str, time_ms: i64, body: &[u8]) -> Vec<u8> {
    format!(
        "onevisit-v1\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        time_ms,
        sha256_hex(body)
    )
    .into_bytes()
}

pub fn sign_request(
    key: &SigningKey,
    method: &str,
    path_and_query: &str,
    time_ms: i64,
    body: &[u8],
) -> String {
    b64(&key
        .sign(&canonical(method, path_and_query, time_ms, body))
        .to_bytes())
}

pub fn verify_request(
    key: &VerifyingKey,
    method: &str,
    path_and_query: &str,
    time_ms: i64,
    body: &[u8],
    signature_b64: &str,
) -> Result<(), AuthError> {
    let sig: [u8; 64] = unb64(signature_b64)?
        .try_into()
        .map_err(|_| AuthError::BadSignature)?;
    key.verify(
        &canonical(method, path_and_query, time_ms, body),
        &Signature::from_bytes(&sig),
    )
    .map_err(|_| AuthError::BadSignature)
}

/// Crockford's base32: no I, L, O, U, so a code read aloud or off paper is typed right.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new one-time enrollment code: 16 characters (80 bits) in groups of four.
pub fn new_code() -> String {
    let bytes = crate::random_bytes::<16>();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as typed → its canonical form: upper case, no separators, and the letters people
/// confuse with digits read as those digits.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// Names a code without revealing it (for the server to find it).
pub fn code_id(code: &str) -> String {
    sha256_hex(format!("onevisit-code-id\n{}", normalize_code(code)).as_bytes())[..16].to_owned()
}

fn hmac(code: &str, msg: &str) -> Vec<u8> {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(normalize_code(code).as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn equal(a: &[u8], b: &[u8]) -> bool {
    // Constant time: the comparison does not tell an attacker how many bytes matched.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The kiosk's enrollment proof.
pub fn enroll_proof(code: &str, server_fingerprint: &str, device_key_b64: &str) -> String {
    b64(&hmac(
        code,
        &format!("onevisit-enroll-v1\n{server_fingerprint}\n{device_key_b64}"),
    ))
}

pub fn check_enroll_proof(
    code: &str,
    server_fingerprint: &str,
    device_key_b64: &str,
    proof_b64: &str,
) -> bool {
    let want = hmac(
        code,
        &format!("onevisit-enroll-v1\n{server_fingerprint}\n{device_key_b64}"),
    );
    unb64(proof_b64).is_ok_and(|got| equal(&got, &want))
}

fn server_message(fingerprint: &str, r: &crate::proto::EnrollResponse) -> String {
    format!(
        "onevisit-central-v1\n{fingerprint}\n{}\n{}\n{}\n{}",
        r.device_id, r.site, r.catalog_key, r.export_key
    )
}

/// The server's proof over its answer.
pub fn server_proof(code: &str, fingerprint: &str, r: &crate::proto::EnrollResponse) -> String {
    b64(&hmac(code, &server_message(fingerprint, r)))
}

pub fn check_server_proof(code: &str, fingerprint: &str, r: &crate::proto::EnrollResponse) -> bool {
    unb64(&r.server_proof)
        .is_ok_and(|got| equal(&got, &hmac(code, &server_message(fingerprint, r))))
}

/// A certificate's fingerprint: SHA-256 of its DER, lower-case hex.
pub fn cert_fingerprint(der: &[u8]) -> String {
    hex(&Sha256::digest(der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::EnrollResponse;

    #[test]
    fn signatures_cover_method_path_time_and_body() {
        let key = new_signing_key();
        let vk = key.verifying_key();
        let sig = sign_request(&key, "PATCH", "/v1/cases/x/attachments/0", 5, b"abc");
        assert!(verify_request(&vk, "PATCH", "/v1/cases/x/attachments/0", 5, b"abc", &sig).is_ok());
        for (m, p, t, b) in [
            ("PUT", "/v1/cases/x/attachments/0", 5, &b"abc"[..]),
            ("PATCH", "/v1/cases/y/attachments/0", 5, b"abc"),
            ("PATCH", "/v1/cases/x/attachments/0", 6, b"abc"),
            ("PATCH", "/v1/cases/x/attachments/0", 5, b"abd"),
        ] {
            assert_eq!(
                verify_request(&vk, m, p, t, b, &sig),
                Err(AuthError::BadSignature)
            );
        }
        let other = new_signing_key().verifying_key();
        assert!(
            verify_request(
                &other,
                "PATCH",
                "/v1/cases/x/attachments/0",
                5,
                b"abc",
                &sig
            )
            .is_err()
        );
        assert!(verify_request(&vk, "PATCH", "/", 5, b"", "!!").is_err());
    }

    #[test]
    fn codes_survive_sloppy_typing() {
        let code = new_code();
        assert_eq!(code.len(), 19);
        assert_eq!(
            code_id(&code),
            code_id(&code.to_lowercase().replace('-', " "))
        );
        assert_eq!(normalize_code("oil0-1"), "01101");
    }

    #[test]
    fn enrollment_proof_binds_the_certificate() {
        let code = "ABCD-EFGH-JKMN-PQRS";
        let proof = enroll_proof(code, "f1", "key");
        assert!(check_enroll_proof(
            "abcd efgh jkmn pqrs",
            "f1",
            "key",
            &proof
        ));
        assert!(
            !check_enroll_proof(code, "f2", "key", &proof),
            "another certificate"
        );
        assert!(
            !check_enroll_proof(code, "f1", "key2", &proof),
            "another device key"
        );
        assert!(!check_enroll_proof(
            "ABCD-EFGH-JKMN-PQRT",
            "f1",
            "key",
            &proof
        ));
        let mut r = EnrollResponse {
            device_id: "d".into(),
            site: "s".into(),
            catalog_key: "c".into(),
            export_key: "e".into(),
            server_proof: String::new(),
        };
        r.server_proof = server_proof(code, "f1", &r);
        assert!(check_server_proof(code, "f1", &r));
        assert!(!check_server_proof(code, "f2", &r));
        r.site = "evil".into();
        assert!(!check_server_proof(code, "f1", &r));
    }
}
