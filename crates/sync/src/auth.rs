//! Who is talking: device keys, request signatures, and enrollment.
//!
//! **Enrollment pins the server with nothing but the one-time code.** The kiosk opens TLS to
//! the address the technician typed, notes the certificate's SHA-256 fingerprint, and sends an
//! HMAC, keyed by the code, over that fingerprint and its new device key. The real server
//! computes the same HMAC over *its* certificate: a man in the middle presents a different
//! certificate, so the proof fails, and it cannot forge one without the code (80 bits, never
//! sent). The server answers with its own HMAC, proving it knew the code too, and hands out
//! the public-key pins (SPKI SHA-256) of its current and its backup TLS key. From then on the
//! kiosk accepts a certificate only for one of those keys (or the very certificate it saw), so
//! the county can renew its certificate, or move to the backup key, without re-provisioning.
//! There is no CA pinning: a kiosk trusts keys, not issuers.
//!
//! **Every later request is signed** with the device's Ed25519 key over the method, path,
//! time, a nonce, the headers that steer an upload ([`SIGNED_HEADERS`]) and the body hash, so
//! a revoked or unknown device gets nowhere even with a valid TLS session, a changed header
//! breaks the signature, and the server refuses a (device, nonce) it has seen.

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

/// Request headers a signature covers, in this order. Everything a handler reads from the
/// headers to decide what to write (where a chunk goes, that it is a tus chunk, its checksum)
/// is here, so a request whose headers were changed on the way fails like a forged one. A
/// header that is absent is signed as empty, so adding one is a change too.
pub const SIGNED_HEADERS: [&str; 5] = [
    "content-type",
    "tus-resumable",
    "upload-length",
    "upload-offset",
    "upload-checksum",
];

/// A nonce: 16 random bytes, hex. The server remembers each (device, nonce) for as long as
/// the request's time is acceptable, so a recorded request cannot be played again.
pub fn new_nonce() -> String {
    hex(&crate::random_bytes::<16>())
}

/// What a nonce may look like: 16–64 characters of `[0-9A-Za-z_-]`.
pub fn valid_nonce(n: &str) -> bool {
    (16..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Everything of a request its signature covers.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub time_ms: i64,
    pub nonce: &'a str,
    /// The request's headers (any order, any case; only [`SIGNED_HEADERS`] are used). A name
    /// given more than once has its values joined with `,`, as HTTP does.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The bytes a request signature covers.
pub fn canonical(r: &RequestParts) -> Vec<u8> {
    let mut out = format!(
        "onevisit-v2\n{}\n{}\n{}\n{}\n",
        r.method.to_ascii_uppercase(),
        r.path_and_query,
        r.time_ms,
        r.nonce
    );
    for name in SIGNED_HEADERS {
        let values: Vec<&str> = r
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }

    out.push_str(&sha256_hex(r.body));
    out.into_bytes()
}

pub fn sign_request(key: &SigningKey, r: &RequestParts) -> String {
    b64(&key.sign(&canonical(r)).to_bytes())
}

pub fn verify_request(
    key: &VerifyingKey,
    r: &RequestParts,
    signature_b64: &str,
) -> Result<(), AuthError> {
    let sig: [u8; 64] = unb64(signature_b64)?
        .try_into()
        .map_err(|_| AuthError::BadSignature)?;
    key.verify(&canonical(r), &Signature::from_bytes(&sig))
        .map_err(|_| AuthError::BadSignature)
}

/// The authentication headers for a request that also carries `headers` (which must be sent
/// exactly as given): device, time, a fresh nonce, and the signature over all of it.
pub fn auth_headers(
    key: &SigningKey,
    device_id: &str,
    method: &str,
    path_and_query: &str,
    time_ms: i64,
    headers: &[(&str, String)],
    body: &[u8],
) -> Vec<(&'static str, String)> {
    use crate::proto::header;
    let nonce = new_nonce();
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signature = sign_request(
        key,
        &RequestParts {
            method,
            path_and_query,
            time_ms,
            nonce: &nonce,
            headers: &pairs,
            body,
        },
    );
    vec![
        (header::DEVICE, device_id.to_owned()),
        (header::TIME, time_ms.to_string()),
        (header::NONCE, nonce),
        (header::SIGNATURE, signature),
    ]
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
    let mut m = format!(
        "onevisit-central-v1\n{fingerprint}\n{}\n{}\n{}\n{}",
        r.device_id, r.site, r.catalog_key, r.export_key
    );
    // Appended only when there are pins, so the message is unchanged for a server without.
    if !r.spki_pins.is_empty() {
        m.push('\n');
        m.push_str(&r.spki_pins.join(","));
    }
    m
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

/// One DER element: (tag, the whole element, its content, what follows it).
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn tlv(b: &[u8]) -> Option<Tlv<'_>> {
    let tag = *b.first()?;
    let first = *b.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    if end > b.len() {
        return None;
    }
    Some((tag, &b[..end], &b[header..end], &b[end..]))
}

/// The SubjectPublicKeyInfo of an X.509 certificate (DER), as DER; `None` if the bytes are
/// not a certificate. Only walks the outer structure: the TLS handshake has already proved
/// the server holds the matching private key.
pub fn spki_der(cert: &[u8]) -> Option<&[u8]> {
    let (0x30, _, cert, _) = tlv(cert)? else {
        return None;
    };
    let (0x30, _, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    // The optional `[0] version`, then serial, signature algorithm, issuer, validity, subject.
    let (tag, _, _, after) = tlv(rest)?;
    if tag == 0xA0 {
        rest = after;
    }
    for _ in 0..5 {
        rest = tlv(rest)?.3;
    }
    match tlv(rest)? {
        (0x30, whole, _, _) => Some(whole),
        _ => None,
    }
}

/// A public-key pin: SHA-256 of the certificate's SubjectPublicKeyInfo, lower-case hex (the
/// HPKP form, in hex). It survives a new certificate for the same key, so a county can renew
/// its certificate, or switch to its backup key, without provisioning every kiosk again.
pub fn spki_pin(cert_der: &[u8]) -> Option<String> {
    spki_der(cert_der).map(|s| hex(&Sha256::digest(s)))
}

/// A pin as typed or printed (`sha256:`, `sha256/`, upper case, colons) → lower-case hex.
pub fn normalize_pin(pin: &str) -> String {
    let p = pin.trim();
    let p = p
        .strip_prefix("sha256:")
        .or_else(|| p.strip_prefix("sha256/"))
        .unwrap_or(p);
    p.chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::EnrollResponse;

    fn parts<'a>(
        method: &'a str,
        path: &'a str,
        time_ms: i64,
        nonce: &'a str,
        headers: &'a [(&'a str, &'a str)],
        body: &'a [u8],
    ) -> RequestParts<'a> {
        RequestParts {
            method,
            path_and_query: path,
            time_ms,
            nonce,
            headers,
            body,
        }
    }

    #[test]
    fn signatures_cover_method_path_time_nonce_headers_and_body() {
        let key = new_signing_key();
        let vk = key.verifying_key();
        let p = "/v1/cases/x/attachments/0";
        let n = "0123456789abcdef0123456789abcdef";
        let h: &[(&str, &str)] = &[
            ("Upload-Offset", "1000"),
            ("tus-resumable", "1.0.0"),
            ("content-type", "application/offset+octet-stream"),
            ("upload-checksum", "sha256 abc"),
            ("user-agent", "not signed"),
        ];
        let sig = sign_request(&key, &parts("PATCH", p, 5, n, h, b"abc"));
        assert!(verify_request(&vk, &parts("PATCH", p, 5, n, h, b"abc"), &sig).is_ok());
        // Headers outside the signed set, and the order of headers, do not matter.
        let mut reordered = h.to_vec();
        reordered.reverse();
        reordered.retain(|(k, _)| *k != "user-agent");
        assert!(verify_request(&vk, &parts("PATCH", p, 5, n, &reordered, b"abc"), &sig).is_ok());
        let offset_changed: Vec<(&str, &str)> = h
            .iter()
            .map(|&(k, v)| {
                if k == "Upload-Offset" {
                    (k, "0")
                } else {
                    (k, v)
                }
            })
            .collect();
        let offset_added_twice: Vec<(&str, &str)> =
            h.iter().copied().chain([("upload-offset", "0")]).collect();
        let checksum_gone: Vec<(&str, &str)> = h
            .iter()
            .copied()
            .filter(|(k, _)| *k != "upload-checksum")
            .collect();
        let length_added: Vec<(&str, &str)> =
            h.iter().copied().chain([("upload-length", "9")]).collect();
        for (what, r) in [
            ("method", parts("PUT", p, 5, n, h, b"abc")),
            (
                "path",
                parts("PATCH", "/v1/cases/y/attachments/0", 5, n, h, b"abc"),
            ),
            ("time", parts("PATCH", p, 6, n, h, b"abc")),
            ("nonce", parts("PATCH", p, 5, "fedcba9876543210", h, b"abc")),
            ("body", parts("PATCH", p, 5, n, h, b"abd")),
            ("offset", parts("PATCH", p, 5, n, &offset_changed, b"abc")),
            (
                "offset twice",
                parts("PATCH", p, 5, n, &offset_added_twice, b"abc"),
            ),
            (
                "checksum removed",
                parts("PATCH", p, 5, n, &checksum_gone, b"abc"),
            ),
            (
                "length added",
                parts("PATCH", p, 5, n, &length_added, b"abc"),
            ),
        ] {
            assert_eq!(
                verify_request(&vk, &r, &sig),
                Err(AuthError::BadSignature),
                "{what}"
            );
        }
        let other = new_signing_key().verifying_key();
        assert!(verify_request(&other, &parts("PATCH", p, 5, n, h, b"abc"), &sig).is_err());
        assert!(verify_request(&vk, &parts("PATCH", p, 5, n, h, b"abc"), "!!").is_err());
    }

    #[test]
    fn nonces_are_fresh_and_checked() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        assert!(valid_nonce(&a));
        for bad in ["", "short", "has space in it 123", &"x".repeat(65)] {
            assert!(!valid_nonce(bad), "{bad:?}");
        }
    }

    #[test]
    fn spki_is_found_in_a_certificate() {
        // A skeleton with the shape of an X.509 certificate: the walk only needs the outer
        // structure. (The central system's tests check real certificates against rcgen.)
        fn el(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut v = vec![tag];
            if content.len() < 0x80 {
                v.push(content.len() as u8);
            } else {
                v.extend([0x82, (content.len() >> 8) as u8, content.len() as u8]);
            }
            v.extend(content);
            v
        }
        let spki = el(0x30, &el(0x03, &[0, 7, 7, 7]));
        let mut tbs = el(0xA0, &el(0x02, &[2]));
        tbs.extend(el(0x02, &[1, 2, 3]));
        for _ in 0..4 {
            tbs.extend(el(0x30, &[0x05, 0x00]));
        }
        tbs.extend(&spki);
        tbs.extend(el(0xA3, &[0; 200]));
        let mut cert = el(0x30, &tbs);
        cert.extend(el(0x30, &[0x05, 0x00]));
        cert.extend(el(0x03, &[0, 1]));
        let cert = el(0x30, &cert);
        assert_eq!(spki_der(&cert), Some(&spki[..]));
        assert_eq!(spki_pin(&cert), Some(sha256_hex(&spki)));
        assert_eq!(spki_der(&cert[..cert.len() - 1]), None, "cut short");
        assert_eq!(spki_der(b"not a certificate"), None);
        assert_eq!(normalize_pin(" sha256:AB:cd "), "abcd");
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
            spki_pins: Vec::new(),
            server_proof: String::new(),
        };
        r.server_proof = server_proof(code, "f1", &r);
        assert!(check_server_proof(code, "f1", &r));
        assert!(!check_server_proof(code, "f2", &r));
        r.site = "evil".into();
        assert!(!check_server_proof(code, "f1", &r));
        // The pins the server hands out are covered too.
        r.site = "s".into();
        r.spki_pins = vec!["aa".into(), "bb".into()];
        r.server_proof = server_proof(code, "f1", &r);
        assert!(check_server_proof(code, "f1", &r));
        r.spki_pins[1] = "cc".into();
        assert!(!check_server_proof(code, "f1", &r));
    }
}
