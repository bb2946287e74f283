//! Encryption at rest: XChaCha20-Poly1305 with a random 192-bit nonce per message, under a
//! per-device data key stored in its own file (mode 0600), never in the database.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::store::StoreError;

const NONCE: usize = 24;

pub struct DataKey {
    cipher: XChaCha20Poly1305,
    /// Keys the holder tags (see [`DataKey::holder_tag`]); derived from the data key.
    tag_key: [u8; 32],
}

fn tag_key(key: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"onevisit draft holder tag v1");
    h.update(key);
    h.finalize().into()
}

impl DataKey {
    /// Loads the key at `path`, or makes a new one there if none exists yet.
    pub fn load_or_create(path: &Path) -> Result<DataKey, StoreError> {
        match std::fs::read(path) {
            Ok(bytes) if bytes.len() == 32 => {
                let mode = std::fs::metadata(path)
                    .map(|m| m.permissions().mode() & 0o777)
                    .unwrap_or(0);
                if mode & 0o077 != 0 {
                    return Err(StoreError::KeyPermissions(path.display().to_string(), mode));
                }
                Ok(DataKey {
                    cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
                    tag_key: tag_key(&bytes),
                })
            }
            Ok(bytes) => Err(StoreError::BadKey(path.display().to_string(), bytes.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                // Written whole to a temporary file, then renamed: a power cut while the key
                // is being made leaves no key (made again at the next start, nothing was
                // sealed with it yet), never a short one that would refuse every later start.
                let tmp = path.with_extension("key.tmp");
                let _ = std::fs::remove_file(&tmp);
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&tmp)
                    .map_err(|e| StoreError::io(&tmp, e))?;
                f.write_all(key.as_slice())
                    .map_err(|e| StoreError::io(&tmp, e))?;
                f.sync_all().map_err(|e| StoreError::io(&tmp, e))?;
                std::fs::rename(&tmp, path).map_err(|e| StoreError::io(path, e))?;
                if let Some(dir) = path.parent()
                    && let Ok(d) = std::fs::File::open(dir)
                {
                    let _ = d.sync_all();
                }
                Ok(DataKey {
                    cipher: XChaCha20Poly1305::new(&key),
                    tag_key: tag_key(key.as_slice()),
                })
            }
            Err(e) => Err(StoreError::io(path, e)),
        }
    }

    /// Nonce followed by ciphertext and tag. `aad` binds the ciphertext to its place (the
    /// case id), so sealed data cannot be swapped between cases unnoticed.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        // Encryption fails only for messages beyond the AEAD's size limit (~256 GiB).
        if let Ok(ct) = self.cipher.encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        ) {
            out.extend(ct);
        }
        out
    }

    /// A row's key for an ID number that reveals nothing without the device key: who saved a
    /// draft can be looked up by their card, not read off the database.
    pub fn holder_tag(&self, id_number: &str) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.tag_key);
        h.update(id_number.trim().to_ascii_uppercase().as_bytes());
        h.finalize().to_vec()
    }

    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < NONCE {
            return Err(StoreError::Tampered);
        }
        let (nonce, ct) = sealed.split_at(NONCE);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| StoreError::Tampered)
    }
}
