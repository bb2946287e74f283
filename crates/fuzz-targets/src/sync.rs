//! The sync crate's formats: USB export bundles, signed envelopes, catalog bundles.
//!
//! These call only `onevisit_sync::export::{read_verified, Discard}` and
//! `onevisit_sync::bundle::{Envelope, open, seal, verify_catalog}`, so they follow those APIs
//! with a line or two when they change.

use std::io::Cursor;

use onevisit_sync::bundle::{self, Accepted, Envelope};
use onevisit_sync::export;

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

/// A USB export bundle, as the central system's import reads it: one pass that decrypts,
/// checks every case against its manifest and verifies the signature over the same bytes.
/// `Discard` keeps nothing, so the fuzzer exercises the reader, not a spool on disk.
pub fn usb_export(data: &[u8]) {
    let device = device_key().verifying_key();
    let _ = export::read_verified(
        Cursor::new(data),
        |_| Some(device),
        &export_secret(),
        &mut export::Discard,
    );
}

/// A signed envelope's JSON, opened with the catalog key.
pub fn signed_envelope(data: &[u8]) {
    if let Ok(env) = serde_json::from_slice::<Envelope>(data) {
        let _ = bundle::open(&catalog_key().verifying_key(), &env);
    }
}

/// The kiosk's clock in these checks (Unix ms): seeds' catalogs expire after it.
pub const NOW: i64 = 1_764_000_000_000;

/// A catalog bundle as a kiosk verifies it. Byte 0: bit 0 set means the rest is the *payload*
/// (the manifest JSON), sealed here with the catalog key so the fuzzer gets past the signature
/// to the manifest, its expiry, paths and file hashes; clear means the rest is the bundle as
/// downloaded (with any key rotations). Bit 1 set: a catalog was accepted before, its version
/// the byte's upper six bits.
pub fn catalog_bundle(data: &[u8]) {
    let Some((&cfg, rest)) = data.split_first() else {
        return;
    };
    let key = catalog_key();
    let highest = (cfg & 2 != 0).then_some(Accepted {
        version: u64::from(cfg >> 2),
        sha256: "0000000000000000000000000000000000000000000000000000000000000000",
    });
    if cfg & 1 == 0 {
        let _ = bundle::verify_catalog(&key.verifying_key(), rest, highest, NOW);
    } else if let Ok(sealed) = serde_json::to_vec(&bundle::seal(&key, rest)) {
        let _ = bundle::verify_catalog(&key.verifying_key(), &sealed, highest, NOW);
    }
}
