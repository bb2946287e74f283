//! The technician's PIN as the settings store it: a slow salted hash
//! (`pbkdf2-sha256$ITERATIONS$SALT$HASH`, hex), so that a copied settings file does not give
//! the PIN away. A PIN in clear is still accepted (older settings) and the kiosk says to
//! replace it. Pure: the caller brings the salt.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a stored hash begins with.
pub const SCHEME: &str = "pbkdf2-sha256$";
/// Slow enough to make guessing a copied hash costly (about 0.1 s on a Raspberry Pi 4), fast
/// enough for a PIN pad.
pub const ITERATIONS: u32 = 100_000;

/// The stored form of `pin` under `salt`.
pub fn hash(pin: &str, salt: &[u8], iterations: u32) -> String {
    format!(
        "{SCHEME}{iterations}${}${}",
        hex(salt),
        hex(&pbkdf2(pin.as_bytes(), salt, iterations))
    )
}

/// A new PIN as a technician types it: 4 to 12 digits (the kiosk's PIN pad has only digits).
pub fn check_new(pin: &str) -> Result<(), &'static str> {
    if (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("a technician PIN is 4 to 12 digits (the kiosk's PIN pad has only digits)")
    }
}

/// Where the sync driver keeps the PIN the county pushed (`data/sync/technician-pin`).
pub const PUSHED_FILE: &str = "sync/technician-pin";

/// True when the stored value is a hash, not a PIN in clear.
pub fn is_hash(stored: &str) -> bool {
    stored.starts_with(SCHEME)
}

/// Whether `entered` is the PIN `stored` (a hash, or a PIN in clear) stands for. An empty
/// or malformed stored value matches nothing.
pub fn matches(entered: &str, stored: &str) -> bool {
    let Some(rest) = stored.strip_prefix(SCHEME) else {
        return !stored.is_empty() && same(entered.as_bytes(), stored.as_bytes());
    };
    let mut parts = rest.split('$');
    let (Some(n), Some(salt), Some(want), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Some(n), Some(salt), Some(want)) = (
        n.parse::<u32>()
            .ok()
            .filter(|n| (1..=10_000_000).contains(n)),
        unhex(salt),
        unhex(want),
    ) else {
        return false;
    };
    same(&pbkdf2(entered.as_bytes(), &salt, n), &want)
}

/// Constant-time comparison.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// PBKDF2-HMAC-SHA256, one 32-byte block.
fn pbkdf2(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mac = Hmac::<Sha256>::new_from_slice(password).expect("HMAC takes a key of any length");
    let mut u = {
        let mut m = mac.clone();
        m.update(salt);
        m.update(&1u32.to_be_bytes());
        m.finalize().into_bytes()
    };
    let mut out: [u8; 32] = u.into();
    for _ in 1..iterations {
        let mut m = mac.clone();
        m.update(&u);
        u = m.finalize().into_bytes();
        for (o, b) in out.iter_mut().zip(u.iter()) {
            *o ^= b;
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_the_rfc_7914_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, first 32 bytes.
        assert_eq!(
            hex(&pbkdf2(b"passwd", b"salt", 1)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }

    #[test]
    fn a_hashed_pin_matches_only_itself_and_hides_it() {
        let stored = hash("246810", b"0123456789abcdef", 1000);
        assert!(is_hash(&stored) && !stored.contains("246810"), "{stored}");
        assert!(matches("246810", &stored));
        assert!(!matches("246811", &stored));
        assert!(!matches("", &stored));
        // Another salt, another hash.
        assert_ne!(stored, hash("246810", b"fedcba9876543210", 1000));
        // Damaged stored values match nothing.
        for bad in [
            "pbkdf2-sha256$",
            "pbkdf2-sha256$0$00$00",
            "pbkdf2-sha256$1000$zz$00",
            &stored[..stored.len() - 1],
        ] {
            assert!(!matches("246810", bad), "{bad}");
        }
        // A PIN in clear (older settings) still works; an empty one never.
        assert!(matches("246810", "246810"));
        assert!(!matches("", ""));
    }
}
