//! The offline bundle: queued cases carried to the county on a USB stick.
//!
//! Encrypted to the central system's X25519 key (received at enrollment) so a lost stick
//! reveals nothing, and signed with the device's Ed25519 key so the county knows which kiosk
//! wrote it and that nothing was changed or cut off. Streamed in 64 KiB chunks: a village
//! kiosk with hundreds of cases never needs them all in memory.
//!
//! Layout: `MAGIC`, `u32` header length, header JSON, chunks (`u32` length whose top bit
//! marks the last chunk, then XChaCha20-Poly1305 ciphertext; the nonce carries the chunk's
//! number and that flag, so chunks cannot be reordered, dropped or cut short), then the
//! trailer `SIG1` + Ed25519 signature over SHA-256 of everything before it.
//! Plaintext: per case a `u32` length, a JSON [`ExportedCase`], then its attachments' bytes
//! in order; a zero length ends it.

use std::io::{Read, Seek, SeekFrom, Write};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
pub use x25519_dalek as x25519;
use x25519_dalek::{PublicKey, StaticSecret};

use crate::auth::{b64, unb64};
use crate::proto::{CaseManifest, MAX_ATTACHMENT, MAX_JSON};

pub const MAGIC: &[u8] = b"ONEVISIT-EXPORT-1\n";
const TRAILER: &[u8] = b"SIG1";
const CHUNK: usize = 64 * 1024;
const LAST: u32 = 1 << 31;

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a OneVisit export bundle: {0}")]
    Format(String),
    #[error(
        "the bundle's signature does not verify: it was altered, cut short, or not written by device {0}"
    )]
    Signature(String),
    #[error(
        "device {0} is not enrolled here: this bundle is from another county's kiosk, or the device was removed"
    )]
    UnknownDevice(String),
    #[error(
        "the bundle cannot be decrypted with this central system's key (it was written for another one)"
    )]
    Decrypt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportHeader {
    pub device_id: String,
    pub site: String,
    pub created_at: i64,
    pub cases: u64,
    /// X25519 public key of this bundle's ephemeral key pair, base64.
    pub ephemeral_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedCase {
    pub case_id: String,
    pub manifest: CaseManifest,
}

fn derive_key(shared: &[u8; 32], eph: &[u8; 32], recipient: &[u8; 32]) -> XChaCha20Poly1305 {
    let mut salt = eph.to_vec();
    salt.extend_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut key = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's output limit.
    hk.expand(b"onevisit-export-v1", &mut key)
        .expect("HKDF output length");
    XChaCha20Poly1305::new((&key).into())
}

fn nonce(counter: u64, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[..4].copy_from_slice(b"OVEX");
    n[4..12].copy_from_slice(&counter.to_le_bytes());
    n[12] = u8::from(last);
    n.into()
}

/// Writes a bundle. Call [`ExportWriter::add_case`] per case, then [`ExportWriter::finish`].
pub struct ExportWriter<W: Write> {
    out: W,
    hasher: Sha256,
    cipher: XChaCha20Poly1305,
    aad: [u8; 32],
    counter: u64,
    buf: Vec<u8>,
    key: SigningKey,
    pub written: u64,
}

impl<W: Write> ExportWriter<W> {
    pub fn new(
        mut out: W,
        device_key: &SigningKey,
        recipient: &[u8; 32],
        device_id: &str,
        site: &str,
        created_at: i64,
        cases: u64,
    ) -> Result<ExportWriter<W>, ExportError> {
        let eph = StaticSecret::from(crate::random_bytes::<32>());
        let eph_pub = PublicKey::from(&eph);
        let shared = eph.diffie_hellman(&PublicKey::from(*recipient));
        let header = ExportHeader {
            device_id: device_id.to_owned(),
            site: site.to_owned(),
            created_at,
            cases,
            ephemeral_key: b64(eph_pub.as_bytes()),
        };
        let hjson = serde_json::to_vec(&header).map_err(|e| ExportError::Format(e.to_string()))?;
        let mut hasher = Sha256::new();
        let mut head = MAGIC.to_vec();
        head.extend_from_slice(&(hjson.len() as u32).to_le_bytes());
        head.extend_from_slice(&hjson);
        out.write_all(&head)?;
        hasher.update(&head);
        Ok(ExportWriter {
            out,
            hasher,
            cipher: derive_key(shared.as_bytes(), eph_pub.as_bytes(), recipient),
            aad: Sha256::digest(&hjson).into(),
            counter: 0,
            buf: Vec::with_capacity(CHUNK),
            key: device_key.clone(),
            written: head.len() as u64,
        })
    }

    fn emit(&mut self, last: bool) -> Result<(), ExportError> {
        let plain = std::mem::take(&mut self.buf);
        let ct = self
            .cipher
            .encrypt(
                &nonce(self.counter, last),
                Payload {
                    msg: &plain,
                    aad: &self.aad,
                },
            )
            .map_err(|_| ExportError::Decrypt)?;
        self.counter += 1;
        let len = ct.len() as u32 | if last { LAST } else { 0 };
        for part in [&len.to_le_bytes()[..], &ct] {
            self.out.write_all(part)?;
            self.hasher.update(part);
            self.written += part.len() as u64;
        }
        self.buf = plain;
        self.buf.clear();
        Ok(())
    }

    fn put(&mut self, mut bytes: &[u8]) -> Result<(), ExportError> {
        while !bytes.is_empty() {
            let n = (CHUNK - self.buf.len()).min(bytes.len());
            self.buf.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.buf.len() == CHUNK {
                self.emit(false)?;
            }
        }
        Ok(())
    }

    pub fn add_case(
        &mut self,
        case_id: &str,
        manifest: &CaseManifest,
        attachments: &[Vec<u8>],
    ) -> Result<(), ExportError> {
        self.add_case_unchecked(case_id, manifest, attachments)
    }

    /// Writes a case exactly as given, even when it disagrees with its manifest: for tests
    /// and fuzzing of the reader, which must refuse such bundles.
    #[doc(hidden)]
    pub fn add_case_unchecked(
        &mut self,
        case_id: &str,
        manifest: &CaseManifest,
        attachments: &[Vec<u8>],
    ) -> Result<(), ExportError> {
        let json = serde_json::to_vec(&ExportedCase {
            case_id: case_id.to_owned(),
            manifest: manifest.clone(),
        })
        .map_err(|e| ExportError::Format(e.to_string()))?;
        self.put(&(json.len() as u32).to_le_bytes())?;
        self.put(&json)?;
        for a in attachments {
            self.put(a)?;
        }
        Ok(())
    }

    /// Ends the bundle and signs it; returns the writer (flushed).
    pub fn finish(mut self) -> Result<W, ExportError> {
        self.put(&0u32.to_le_bytes())?;
        self.emit(true)?;
        let digest = self.hasher.clone().finalize();
        let sig = self.key.sign(&digest);
        self.out.write_all(TRAILER)?;
        self.out.write_all(&sig.to_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn read_header<R: Read>(r: &mut R) -> Result<(ExportHeader, Vec<u8>, u64), ExportError> {
    let mut magic = vec![0u8; MAGIC.len()];
    r.read_exact(&mut magic)
        .map_err(|_| ExportError::Format("too short".into()))?;
    if magic != MAGIC {
        return Err(ExportError::Format("wrong magic".into()));
    }
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > 64 * 1024 {
        return Err(ExportError::Format("header too long".into()));
    }
    let mut hjson = vec![0u8; len];
    r.read_exact(&mut hjson)
        .map_err(|_| ExportError::Format("header cut short".into()))?;
    let header: ExportHeader =
        serde_json::from_slice(&hjson).map_err(|e| ExportError::Format(e.to_string()))?;
    Ok((header, hjson, (MAGIC.len() + 4 + len) as u64))
}

/// First pass: checks the signature over the whole file with the key `lookup` gives for the
/// header's device. Nothing is decrypted or trusted before this passes.
pub fn verify<R: Read + Seek>(
    r: &mut R,
    lookup: impl FnOnce(&ExportHeader) -> Option<VerifyingKey>,
) -> Result<ExportHeader, ExportError> {
    let total = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let (header, _, head_len) = read_header(r)?;
    let key =
        lookup(&header).ok_or_else(|| ExportError::UnknownDevice(header.device_id.clone()))?;
    let body_end = total
        .checked_sub((TRAILER.len() + 64) as u64)
        .filter(|e| *e >= head_len)
        .ok_or_else(|| ExportError::Signature(header.device_id.clone()))?;
    r.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    let mut left = body_end;
    let mut buf = vec![0u8; CHUNK];
    while left > 0 {
        let n = (left as usize).min(buf.len());
        r.read_exact(&mut buf[..n])?;
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    let mut trailer = [0u8; 68];
    r.read_exact(&mut trailer)?;
    let sig: [u8; 64] = trailer[4..]
        .try_into()
        .map_err(|_| ExportError::Signature(header.device_id.clone()))?;
    if &trailer[..4] != TRAILER
        || key
            .verify(&hasher.finalize(), &Signature::from_bytes(&sig))
            .is_err()
    {
        return Err(ExportError::Signature(header.device_id.clone()));
    }
    r.seek(SeekFrom::Start(0))?;
    Ok(header)
}

/// A case and its attachments' bytes.
pub type CaseWithFiles = (ExportedCase, Vec<Vec<u8>>);

/// Second pass: decrypts case by case.
pub struct ExportReader<R: Read> {
    r: R,
    cipher: XChaCha20Poly1305,
    aad: [u8; 32],
    counter: u64,
    plain: Vec<u8>,
    pos: usize,
    ended: bool,
    pub header: ExportHeader,
}

impl<R: Read> ExportReader<R> {
    /// `r` positioned at the start (as [`verify`] leaves it).
    pub fn open(mut r: R, secret: &StaticSecret) -> Result<ExportReader<R>, ExportError> {
        let (header, hjson, _) = read_header(&mut r)?;
        let eph: [u8; 32] = unb64(&header.ephemeral_key)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| ExportError::Format("bad ephemeral key".into()))?;
        let shared = secret.diffie_hellman(&PublicKey::from(eph));
        let recipient = PublicKey::from(secret);
        Ok(ExportReader {
            r,
            cipher: derive_key(shared.as_bytes(), &eph, recipient.as_bytes()),
            aad: Sha256::digest(&hjson).into(),
            counter: 0,
            plain: Vec::new(),
            pos: 0,
            ended: false,
            header,
        })
    }

    fn refill(&mut self) -> Result<(), ExportError> {
        if self.ended {
            return Err(ExportError::Format("data ends early".into()));
        }
        let mut len = [0u8; 4];
        self.r.read_exact(&mut len)?;
        let len = u32::from_le_bytes(len);
        let last = len & LAST != 0;
        let len = (len & !LAST) as usize;
        if len > CHUNK + 16 {
            return Err(ExportError::Format("chunk too long".into()));
        }
        let mut ct = vec![0u8; len];
        self.r.read_exact(&mut ct)?;
        let plain = self
            .cipher
            .decrypt(
                &nonce(self.counter, last),
                Payload {
                    msg: &ct,
                    aad: &self.aad,
                },
            )
            .map_err(|_| ExportError::Decrypt)?;
        self.counter += 1;
        self.ended = last;
        self.plain.drain(..self.pos);
        self.pos = 0;
        self.plain.extend_from_slice(&plain);
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<Vec<u8>, ExportError> {
        while self.plain.len() - self.pos < n {
            self.refill()?;
        }
        let out = self.plain[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(out)
    }

    /// The next case and its attachments, or `None` at the end.
    pub fn next_case(&mut self) -> Result<Option<CaseWithFiles>, ExportError> {
        let len = u32::from_le_bytes(
            self.take(4)?
                .try_into()
                .map_err(|_| ExportError::Format("length".into()))?,
        ) as usize;
        if len == 0 {
            return Ok(None);
        }
        if len > MAX_JSON {
            return Err(ExportError::Format("case record too long".into()));
        }
        let case: ExportedCase = serde_json::from_slice(&self.take(len)?)
            .map_err(|e| ExportError::Format(e.to_string()))?;
        let mut atts = Vec::new();
        for a in &case.manifest.attachments {
            if a.size > MAX_ATTACHMENT {
                return Err(ExportError::Format("attachment too large".into()));
            }
            atts.push(self.take(a.size as usize)?);
        }
        Ok(Some((case, atts)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Cursor;

    use super::*;
    use crate::auth::new_signing_key;
    use crate::proto::{Applicant, AttachmentDecl};

    fn manifest(sizes: &[usize]) -> CaseManifest {
        CaseManifest {
            theme: "open-restaurant".into(),
            submitted_at: 1,
            answers: BTreeMap::new(),
            applicant: Applicant {
                name: "测试".into(),
                id_number: "11010519491231002X".into(),
            },
            form: BTreeMap::new(),
            signature: None,
            rating: Some(5),
            attachments: sizes
                .iter()
                .enumerate()
                .map(|(i, s)| AttachmentDecl {
                    index: i as u32,
                    name: format!("m{i}"),
                    pages: 1,
                    size: *s as u64,
                    sha256: "0".repeat(64),
                })
                .collect(),
        }
    }

    fn bundle(dev: &SigningKey, secret: &StaticSecret) -> Vec<u8> {
        let recipient = PublicKey::from(secret);
        let mut w =
            ExportWriter::new(Vec::new(), dev, recipient.as_bytes(), "dev-1", "乡", 5, 2).unwrap();
        w.add_case(
            "c1",
            &manifest(&[100_000, 3]),
            &[vec![7u8; 100_000], vec![1, 2, 3]],
        )
        .unwrap();
        w.add_case("c2", &manifest(&[]), &[]).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn round_trip() {
        let dev = new_signing_key();
        let secret = StaticSecret::from([9u8; 32]);
        let bytes = bundle(&dev, &secret);
        let mut cur = Cursor::new(bytes);
        let h = verify(&mut cur, |_| Some(dev.verifying_key())).unwrap();
        assert_eq!((h.device_id.as_str(), h.cases), ("dev-1", 2));
        let mut r = ExportReader::open(cur, &secret).unwrap();
        let (c1, a1) = r.next_case().unwrap().unwrap();
        assert_eq!(c1.case_id, "c1");
        assert_eq!(a1, vec![vec![7u8; 100_000], vec![1, 2, 3]]);
        assert_eq!(r.next_case().unwrap().unwrap().0.case_id, "c2");
        assert!(r.next_case().unwrap().is_none());
    }

    #[test]
    fn altered_cut_or_misaddressed_bundles_are_refused() {
        let dev = new_signing_key();
        let secret = StaticSecret::from([9u8; 32]);
        let bytes = bundle(&dev, &secret);
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 1;
        assert!(matches!(
            verify(&mut Cursor::new(flipped), |_| Some(dev.verifying_key())),
            Err(ExportError::Signature(_))
        ));
        let cut = bytes[..bytes.len() - 1000].to_vec();
        assert!(verify(&mut Cursor::new(cut), |_| Some(dev.verifying_key())).is_err());
        assert!(matches!(
            verify(&mut Cursor::new(bytes.clone()), |_| None),
            Err(ExportError::UnknownDevice(_))
        ));
        let other = new_signing_key();
        assert!(
            verify(&mut Cursor::new(bytes.clone()), |_| Some(
                other.verifying_key()
            ))
            .is_err()
        );
        let wrong = StaticSecret::from([8u8; 32]);
        let mut r = ExportReader::open(Cursor::new(bytes), &wrong).unwrap();
        assert!(matches!(r.next_case(), Err(ExportError::Decrypt)));
        assert!(matches!(
            verify(&mut Cursor::new(b"hello".to_vec()), |_| None),
            Err(ExportError::Format(_))
        ));
    }
}
