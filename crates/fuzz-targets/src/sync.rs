//! The sync crate's formats: USB export bundles, signed envelopes, catalog bundles.
//!
//! These call only `onevisit_sync::export::{verify, ExportReader::open, ExportReader::next_case}`
//! and `onevisit_sync::bundle::{Envelope, open, seal, open_catalog}`, so they follow those APIs
//! with a line or two when they change.

use std::io::Cursor;

use onevisit_sync::bundle::{self, Envelope};
use onevisit_sync::export::{self, ExportReader};

use keys::*;

/// Fixed keys, so seeds made with them (`examples/make_seeds.rs`) verify and decrypt.
pub mod keys {
    use ed25519_dalek::SigningKey;
    use onevisit_sync::export::x25519::StaticSecret;

    /// The kiosk's Ed25519 key that signs USB bundles.
    pub fn device_key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    /// The central system's X25519 key that USB bundles are encrypted to.
    pub fn export_secret() -> StaticSecret {
        StaticSecret::from([9u8; 32])
    }

    /// The central system's Ed25519 key that signs envelopes and catalog bundles.
    pub fn catalog_key() -> SigningKey {
        SigningKey::from_bytes(&[5u8; 32])
    }
}

/// Most cases read from one input (each needs bytes, so this only bounds the work).
const MAX_CASES: usize = 10_000;

/// A USB export bundle, as the central system's import reads it: the signature pass, then
/// case by case decryption (which an import only does after the signature verified; here it
/// runs either way, to reach the reader with inputs whose signature is wrong).
pub fn usb_export(data: &[u8]) {
    let device = device_key().verifying_key();
    let _ = export::verify(&mut Cursor::new(data), |_| Some(device));
    if let Ok(mut r) = ExportReader::open(Cursor::new(data), &export_secret()) {
        for _ in 0..MAX_CASES {
            match r.next_case() {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }
}

/// A signed envelope's JSON, opened with the catalog key.
pub fn signed_envelope(data: &[u8]) {
    if let Ok(env) = serde_json::from_slice::<Envelope>(data) {
        let _ = bundle::open(&catalog_key().verifying_key(), &env);
    }
}

/// A catalog bundle as a kiosk opens it. Byte 0: bit 0 set means the rest is the *payload*
/// (the manifest JSON), sealed here with the catalog key so the fuzzer gets past the signature
/// to the manifest, paths and file hashes; clear means the rest is the bundle as downloaded.
/// Bit 1 set: a catalog is active, its version the byte's upper six bits.
pub fn catalog_bundle(data: &[u8]) {
    let Some((&cfg, rest)) = data.split_first() else {
        return;
    };
    let key = catalog_key();
    let active = (cfg & 2 != 0).then_some(u64::from(cfg >> 2));
    if cfg & 1 == 0 {
        let _ = bundle::open_catalog(&key.verifying_key(), rest, active);
    } else if let Ok(sealed) = serde_json::to_vec(&bundle::seal(&key, rest)) {
        let _ = bundle::open_catalog(&key.verifying_key(), &sealed, active);
    }
}
