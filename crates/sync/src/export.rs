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
//!
//! The central system reads a bundle once, front to back, from one reader
//! ([`read_verified`]): what is decrypted is exactly what the signature is checked over, so a
//! stick that answers differently on a second read has nothing to slip in. Attachments pass
//! through in pieces to a [`CaseSink`]; nothing of a bundle counts before its signature
//! verified at the end.

use std::collections::HashSet;
use std::io::{Read, Write};

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
use crate::proto::{CaseManifest, MAX_ATTACHMENT, MAX_JSON, check_manifest, valid_case_id};

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
    /// Signed and decryptable, but what it holds does not add up (ids, counts, sizes,
    /// hashes): the message says which case and what.
    #[error("{0}")]
    Content(String),
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
        // The central system refuses a bundle whose cases disagree with their manifests:
        // better to find out here, before a trip to the county.
        let declared = &manifest.attachments;
        if !valid_case_id(case_id)
            || attachments.len() != declared.len()
            || declared
                .iter()
                .zip(attachments)
                .any(|(a, b)| a.size != b.len() as u64)
        {
            return Err(ExportError::Content(format!(
                "case {case_id}: its id or attachments do not agree with its manifest; not exported"
            )));
        }
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

fn read_header<R: Read>(r: &mut R) -> Result<(ExportHeader, Vec<u8>), ExportError> {
    let mut magic = vec![0u8; MAGIC.len()];
    r.read_exact(&mut magic)
        .map_err(|_| ExportError::Format("too short".into()))?;
    if magic != MAGIC {
        return Err(ExportError::Format("wrong magic".into()));
    }
    let mut len = [0u8; 4];
    r.read_exact(&mut len)
        .map_err(|_| ExportError::Format("too short".into()))?;
    let len = u32::from_le_bytes(len) as usize;
    if len > 64 * 1024 {
        return Err(ExportError::Format("header too long".into()));
    }
    let mut hjson = vec![0u8; len];
    r.read_exact(&mut hjson)
        .map_err(|_| ExportError::Format("header cut short".into()))?;
    let header: ExportHeader =
        serde_json::from_slice(&hjson).map_err(|e| ExportError::Format(e.to_string()))?;
    Ok((header, hjson))
}

/// Where [`read_verified`] puts a bundle's cases as it decrypts them, in order: per case
/// [`CaseSink::begin_case`], then per attachment `begin_attachment`, `write` (pieces of at
/// most 64 KiB, so no case is ever whole in memory) and `end_attachment`.
///
/// Nothing a sink receives is trusted yet: the signature over the whole bundle is only known
/// to verify when `read_verified` returns `Ok`. A sink keeps what it gets aside (the central
/// system spools it to a private folder) and acts on it only then; on `Err` it drops it all.
pub trait CaseSink {
    /// Case `n` (counted from 0). Its id and manifest passed [`check_case`] already.
    fn begin_case(&mut self, n: u64, case: &ExportedCase) -> Result<(), ExportError>;
    /// The bytes of attachment `index` (of `size` bytes, as declared) follow.
    fn begin_attachment(&mut self, index: u32, size: u64) -> Result<(), ExportError>;
    fn write(&mut self, bytes: &[u8]) -> Result<(), ExportError>;
    /// The attachment had its declared size and SHA-256.
    fn end_attachment(&mut self) -> Result<(), ExportError>;
}

/// A sink that keeps nothing: reads and checks a bundle (fuzzing, dry runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl CaseSink for Discard {
    fn begin_case(&mut self, _: u64, _: &ExportedCase) -> Result<(), ExportError> {
        Ok(())
    }
    fn begin_attachment(&mut self, _: u32, _: u64) -> Result<(), ExportError> {
        Ok(())
    }
    fn write(&mut self, _: &[u8]) -> Result<(), ExportError> {
        Ok(())
    }
    fn end_attachment(&mut self) -> Result<(), ExportError> {
        Ok(())
    }
}

/// A case id as the error messages show it: escaped and short, whatever a bundle holds.
fn shown(id: &str) -> String {
    let mut s: String = id.chars().take(64).collect();
    if s.len() < id.len() {
        s.push('…');
    }
    format!("{s:?}")
}

/// What every case record in a bundle must satisfy before any of it reaches a sink: its id is
/// a kiosk case UUID (it names folders at the central system), its manifest is consistent and
/// within the limits. `n` counts cases from 0.
pub fn check_case(n: u64, case: &ExportedCase) -> Result<(), ExportError> {
    let at = n + 1;
    if !valid_case_id(&case.case_id) {
        return Err(ExportError::Content(format!(
            "case {at} of the bundle: its case id {} is not a kiosk case UUID \
             (lower-case, hyphenated)",
            shown(&case.case_id)
        )));
    }
    check_manifest(&case.manifest)
        .map_err(|e| ExportError::Content(format!("case {at} ({}): {e}", case.case_id)))?;
    if let Some(a) = case
        .manifest
        .attachments
        .iter()
        .find(|a| a.size > MAX_ATTACHMENT)
    {
        return Err(ExportError::Content(format!(
            "case {at} ({}): attachment {} declares {} bytes; at most {MAX_ATTACHMENT} are accepted",
            case.case_id, a.index, a.size
        )));
    }
    Ok(())
}

/// Hashes every byte read through it: the signature covers all of them.
struct Hashed<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Reads fully, or says how many bytes there were (fewer at the end of the file).
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The decrypted stream of a bundle's chunks.
struct Plain<'a, R> {
    src: &'a mut Hashed<R>,
    cipher: XChaCha20Poly1305,
    aad: [u8; 32],
    counter: u64,
    buf: Vec<u8>,
    pos: usize,
    ended: bool,
}

/// The plaintext ran out before what was being read ended; [`content`] rewords it as what is
/// wrong with the case at hand.
const ENDS_EARLY: &str = "the bundle's data ends early";

impl<R: Read> Plain<'_, R> {
    fn refill(&mut self) -> Result<(), ExportError> {
        if self.ended {
            return Err(ExportError::Format(ENDS_EARLY.into()));
        }
        let mut len = [0u8; 4];
        let mut ct = Vec::new();
        let got = read_full(self.src, &mut len)?;
        let word = u32::from_le_bytes(len);
        let last = word & LAST != 0;
        let n = (word & !LAST) as usize;
        if got < 4 {
            return Err(ExportError::Format(ENDS_EARLY.into()));
        }
        if n > CHUNK + 16 {
            return Err(ExportError::Format("chunk too long".into()));
        }
        ct.resize(n, 0);
        if read_full(self.src, &mut ct)? < n {
            return Err(ExportError::Format(ENDS_EARLY.into()));
        }
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
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.buf.extend_from_slice(&plain);
        Ok(())
    }

    /// The next `n` bytes (`n` is bounded by the caller: a length word or a case record).
    fn take(&mut self, n: usize) -> Result<Vec<u8>, ExportError> {
        while self.buf.len() - self.pos < n {
            self.refill()?;
        }
        let out = self.buf[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(out)
    }

    /// The next `n` bytes, piece by piece, without gathering them.
    fn stream(
        &mut self,
        mut n: u64,
        mut f: impl FnMut(&[u8]) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        while n > 0 {
            if self.pos == self.buf.len() {
                self.refill()?;
                continue;
            }
            let k = ((self.buf.len() - self.pos) as u64).min(n) as usize;
            f(&self.buf[self.pos..self.pos + k])?;
            self.pos += k;
            n -= k as u64;
        }
        Ok(())
    }

    /// Nothing may follow the end mark but the end of the last chunk.
    fn finish(&mut self) -> Result<bool, ExportError> {
        loop {
            if self.pos < self.buf.len() {
                return Ok(false);
            }
            if self.ended {
                return Ok(true);
            }
            self.refill()?;
        }
    }
}

/// Reads a bundle ONCE, from the start, front to back: checks the header, asks `lookup` for
/// the header's device key (`None`: not enrolled, or revoked), decrypts with `secret` and
/// hands every case to `sink` as it goes, then checks the device's signature over everything
/// it read. Returns the header only when that signature verifies and every case held
/// together (ids, manifests, attachment sizes and hashes, the case count the header
/// announced, nothing after the end).
///
/// Because the bytes that were verified are the bytes that were decrypted (one pass, one
/// reader, never a second read), a medium that answers differently each time cannot slip in
/// anything unsigned. On any `Err`, whatever the sink received must be thrown away. When the
/// bundle is refused for its content, the rest of it is still read so the error can say
/// whether it was altered (a signature error) or written that way by the device.
pub fn read_verified<R: Read, S: CaseSink + ?Sized>(
    r: R,
    lookup: impl FnOnce(&ExportHeader) -> Option<VerifyingKey>,
    secret: &StaticSecret,
    sink: &mut S,
) -> Result<ExportHeader, ExportError> {
    let mut src = Hashed {
        inner: r,
        hasher: Sha256::new(),
    };
    let (header, hjson) = read_header(&mut src)?;
    let key =
        lookup(&header).ok_or_else(|| ExportError::UnknownDevice(header.device_id.clone()))?;
    let body = read_body(&mut src, &header, &hjson, secret, sink);
    let unsigned = || ExportError::Signature(header.device_id.clone());
    match body {
        Ok(()) => {
            let digest = src.hasher.finalize();
            let mut trailer = [0u8; TRAILER.len() + 64];
            let mut extra = [0u8; 1];
            if read_full(&mut src.inner, &mut trailer)? < trailer.len()
                || read_full(&mut src.inner, &mut extra)? != 0
                || !signed(&key, &digest, &trailer)
            {
                return Err(unsigned());
            }
            Ok(header)
        }
        // Trouble reading the medium, or on the sink's side: nothing to say about the bundle.
        Err(e @ ExportError::Io(_)) => Err(e),
        Err(e) => {
            // Read on to the end: the signature covers all but the last 68 bytes.
            let mut tail: Vec<u8> = Vec::with_capacity(2 * CHUNK);
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = read_full(&mut src.inner, &mut buf)?;
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&buf[..n]);
                let keep = TRAILER.len() + 64;
                if tail.len() > keep {
                    let cut = tail.len() - keep;
                    src.hasher.update(&tail[..cut]);
                    tail.drain(..cut);
                }
            }
            if tail.len() == TRAILER.len() + 64 && signed(&key, &src.hasher.finalize(), &tail) {
                Err(e)
            } else {
                Err(unsigned())
            }
        }
    }
}

fn signed(key: &VerifyingKey, digest: &[u8], trailer: &[u8]) -> bool {
    let Some(sig) = trailer
        .strip_prefix(TRAILER)
        .and_then(|s| <[u8; 64]>::try_from(s).ok())
    else {
        return false;
    };
    key.verify(digest, &Signature::from_bytes(&sig)).is_ok()
}

fn read_body<R: Read, S: CaseSink + ?Sized>(
    src: &mut Hashed<R>,
    header: &ExportHeader,
    hjson: &[u8],
    secret: &StaticSecret,
    sink: &mut S,
) -> Result<(), ExportError> {
    let eph: [u8; 32] = unb64(&header.ephemeral_key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| ExportError::Format("bad ephemeral key".into()))?;
    let shared = secret.diffie_hellman(&PublicKey::from(eph));
    let recipient = PublicKey::from(secret);
    let mut plain = Plain {
        src,
        cipher: derive_key(shared.as_bytes(), &eph, recipient.as_bytes()),
        aad: Sha256::digest(hjson).into(),
        counter: 0,
        buf: Vec::new(),
        pos: 0,
        ended: false,
    };
    let announced = header.cases;
    let mut seen: HashSet<String> = HashSet::new();
    let mut n = 0u64;
    // After a case, anything but the next record or the end mark means its attachments ran
    // past what its manifest declares (or were more than it lists).
    let overrun = |n: u64, prev: Option<&str>, what: String| match prev {
        Some(id) => ExportError::Content(format!(
            "after case {n} ({id}) the bundle does not go on with a case record ({what}): \
             that case's attachments are longer, or more, than its manifest declares"
        )),
        None => ExportError::Content(format!(
            "the bundle's first case record is unreadable: {what}"
        )),
    };
    let mut prev: Option<String> = None;
    loop {
        let word = plain
            .take(4)
            .map_err(|e| content(e, |w| overrun(n, prev.as_deref(), w)))?;
        let len = u32::from_le_bytes([word[0], word[1], word[2], word[3]]) as usize;
        if len == 0 {
            break;
        }
        if len > MAX_JSON {
            return Err(overrun(
                n,
                prev.as_deref(),
                format!("a record of {len} bytes"),
            ));
        }
        let record = plain
            .take(len)
            .map_err(|e| content(e, |w| overrun(n, prev.as_deref(), w)))?;
        let case: ExportedCase = serde_json::from_slice(&record)
            .map_err(|e| overrun(n, prev.as_deref(), format!("not a case record: {e}")))?;
        // Counted once the record is known to be one: garbage after a case is an overrun.
        if n >= announced {
            return Err(ExportError::Content(format!(
                "the bundle's header announces {announced} case(s) but it holds more"
            )));
        }
        check_case(n, &case)?;
        if !seen.insert(case.case_id.clone()) {
            return Err(ExportError::Content(format!(
                "case {} ({}) is in the bundle twice",
                n + 1,
                case.case_id
            )));
        }
        sink.begin_case(n, &case)?;
        for a in &case.manifest.attachments {
            sink.begin_attachment(a.index, a.size)?;
            let mut h = Sha256::new();
            plain
                .stream(a.size, |piece| {
                    h.update(piece);
                    sink.write(piece)
                })
                .map_err(|e| {
                    content(e, |_| {
                        ExportError::Content(format!(
                            "case {} ({}): attachment {} is shorter than the {} bytes its manifest declares",
                            n + 1,
                            case.case_id,
                            a.index,
                            a.size
                        ))
                    })
                })?;
            if crate::hex(&h.finalize()) != a.sha256 {
                return Err(ExportError::Content(format!(
                    "case {} ({}): attachment {} does not match the SHA-256 its manifest declares \
                     (its bytes differ, or it is longer or shorter than declared)",
                    n + 1,
                    case.case_id,
                    a.index
                )));
            }
            sink.end_attachment()?;
        }
        n += 1;
        prev = Some(case.case_id);
    }
    if !plain.finish()? {
        return Err(ExportError::Content(format!(
            "data follows the end of the bundle's last case ({}): an attachment is longer than its manifest declares",
            prev.as_deref().unwrap_or("none")
        )));
    }
    if n != announced {
        return Err(ExportError::Content(format!(
            "the bundle's header announces {announced} case(s) but it holds {n}"
        )));
    }
    Ok(())
}

/// Running out of plaintext is a fact about the bundle's content: `say` words it.
fn content(e: ExportError, say: impl FnOnce(String) -> ExportError) -> ExportError {
    match e {
        ExportError::Format(w) if w == ENDS_EARLY => say(w),
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::{Cursor, Seek, SeekFrom};

    use super::*;
    use crate::auth::new_signing_key;
    use crate::proto::{Applicant, AttachmentDecl};

    const C1: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const C2: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    const C3: &str = "e4eaaaf2-d142-11e1-b3e4-080027620cdd";

    fn decl(i: usize, size: usize, bytes: &[u8]) -> AttachmentDecl {
        AttachmentDecl {
            index: i as u32,
            name: format!("m{i}"),
            pages: 1,
            size: size as u64,
            sha256: crate::sha256_hex(bytes),
        }
    }

    fn manifest_with(attachments: Vec<AttachmentDecl>) -> CaseManifest {
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
            owed: Vec::new(),
            attachments,
        }
    }

    fn manifest(atts: &[Vec<u8>]) -> CaseManifest {
        manifest_with(
            atts.iter()
                .enumerate()
                .map(|(i, a)| decl(i, a.len(), a))
                .collect(),
        )
    }

    type Case = (String, CaseManifest, Vec<Vec<u8>>);

    fn case(id: &str, atts: &[&[u8]]) -> Case {
        let atts: Vec<Vec<u8>> = atts.iter().map(|a| a.to_vec()).collect();
        (id.to_owned(), manifest(&atts), atts)
    }

    fn write(dev: &SigningKey, secret: &StaticSecret, cases: &[Case], announced: u64) -> Vec<u8> {
        let recipient = PublicKey::from(secret);
        let mut w = ExportWriter::new(
            Vec::new(),
            dev,
            recipient.as_bytes(),
            "dev-1",
            "乡",
            5,
            announced,
        )
        .unwrap();
        for (id, m, atts) in cases {
            w.add_case_unchecked(id, m, atts).unwrap();
        }
        w.finish().unwrap()
    }

    fn bundle(dev: &SigningKey, secret: &StaticSecret) -> Vec<u8> {
        write(
            dev,
            secret,
            &[case(C1, &[&vec![7u8; 100_000], &[1, 2, 3]]), case(C2, &[])],
            2,
        )
    }

    /// Keeps what a sink is given, and the largest piece it was handed at once.
    #[derive(Default)]
    struct Memory {
        cases: Vec<(ExportedCase, Vec<Vec<u8>>)>,
        largest_write: usize,
    }

    impl CaseSink for Memory {
        fn begin_case(&mut self, n: u64, case: &ExportedCase) -> Result<(), ExportError> {
            assert_eq!(n as usize, self.cases.len());
            self.cases.push((case.clone(), Vec::new()));
            Ok(())
        }
        fn begin_attachment(&mut self, index: u32, _: u64) -> Result<(), ExportError> {
            let atts = &mut self.cases.last_mut().unwrap().1;
            assert_eq!(index as usize, atts.len());
            atts.push(Vec::new());
            Ok(())
        }
        fn write(&mut self, bytes: &[u8]) -> Result<(), ExportError> {
            self.largest_write = self.largest_write.max(bytes.len());
            let atts = &mut self.cases.last_mut().unwrap().1;
            atts.last_mut().unwrap().extend_from_slice(bytes);
            Ok(())
        }
        fn end_attachment(&mut self) -> Result<(), ExportError> {
            Ok(())
        }
    }

    fn read(
        bytes: impl Read,
        dev: &SigningKey,
        secret: &StaticSecret,
    ) -> (Result<ExportHeader, ExportError>, Memory) {
        let mut sink = Memory::default();
        let r = read_verified(bytes, |_| Some(dev.verifying_key()), secret, &mut sink);
        (r, sink)
    }

    fn content_error(r: Result<ExportHeader, ExportError>) -> String {
        match r {
            Err(ExportError::Content(m)) => m,
            other => panic!("expected a content error, got {other:?}"),
        }
    }

    #[test]
    fn round_trip_in_pieces() {
        let dev = new_signing_key();
        let secret = StaticSecret::from([9u8; 32]);
        let (h, got) = read(Cursor::new(bundle(&dev, &secret)), &dev, &secret);
        let h = h.unwrap();
        assert_eq!((h.device_id.as_str(), h.cases), ("dev-1", 2));
        assert_eq!(got.cases.len(), 2);
        assert_eq!(got.cases[0].0.case_id, C1);
        assert_eq!(got.cases[0].1, vec![vec![7u8; 100_000], vec![1, 2, 3]]);
        assert_eq!(got.cases[1].0.case_id, C2);
        assert!(got.cases[1].1.is_empty());
        assert!(
            got.largest_write <= CHUNK,
            "attachments pass in pieces of at most one chunk, not whole: {}",
            got.largest_write
        );
        let mut discard = Discard;
        assert!(
            read_verified(
                Cursor::new(bundle(&dev, &secret)),
                |_| Some(dev.verifying_key()),
                &secret,
                &mut discard
            )
            .is_ok()
        );
    }

    #[test]
    fn altered_cut_or_misaddressed_bundles_are_refused() {
        let dev = new_signing_key();
        let secret = StaticSecret::from([9u8; 32]);
        let bytes = bundle(&dev, &secret);
        let signature = |r: Result<ExportHeader, ExportError>| {
            assert!(matches!(r, Err(ExportError::Signature(_))), "{r:?}");
        };
        // Past the header (which must parse before the device is known): the first chunk's
        // length, the middle, the last chunk, the signature itself.
        let body = MAGIC.len()
            + 4
            + u32::from_le_bytes(bytes[MAGIC.len()..][..4].try_into().unwrap()) as usize;
        for at in [
            body,
            body + 4,
            bytes.len() / 2,
            bytes.len() - 80,
            bytes.len() - 30,
        ] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1;
            signature(read(Cursor::new(flipped), &dev, &secret).0);
        }
        for keep in [bytes.len() - 1000, bytes.len() - 1, body + 10] {
            signature(read(Cursor::new(&bytes[..keep]), &dev, &secret).0);
        }
        assert!(
            read(Cursor::new(&bytes[..body - 1]), &dev, &secret)
                .0
                .is_err()
        );
        let mut longer = bytes.clone();
        longer.push(0);
        signature(read(Cursor::new(longer), &dev, &secret).0);
        let mut sink = Discard;
        assert!(matches!(
            read_verified(Cursor::new(&bytes), |_| None, &secret, &mut sink),
            Err(ExportError::UnknownDevice(_))
        ));
        signature(read(Cursor::new(&bytes), &new_signing_key(), &secret).0);
        let wrong = StaticSecret::from([8u8; 32]);
        assert!(matches!(
            read(Cursor::new(&bytes), &dev, &wrong).0,
            Err(ExportError::Decrypt)
        ));
        assert!(matches!(
            read(Cursor::new(b"hello"), &dev, &secret).0,
            Err(ExportError::Format(_))
        ));
    }

    #[test]
    fn hostile_case_ids_never_reach_the_sink() {
        let dev = new_signing_key();
        let secret = StaticSecret::from([9u8; 32]);
        for bad in [
            "../x".to_owned(),
            "/tmp/onevisit-planted".to_owned(),
            format!("x/../{C1}"),
            C1.to_uppercase(),
            String::new(),
        ] {
            let b = write(
                &dev,
                &secret,
                &[case(C2, &[b"fine"]), case(&bad, &[b"forged"])],
                2,
            );
            let (r, got) = read(Cursor::new(b), &dev, &secret);
            let m = content_error(r);
            assert!(
                m.contains("case id") && m.contains("case 2"),
                "{bad:?}: {m}"
            );
            assert!(got.cases.iter().all(|c| c.0.case_id != bad), "{bad:?}");
        }
    }

    #[test]
    fn counts_and_sizes_that_disagree_with_the_manifest_are_refused() {
        let dev = new_signing_key();
        let secret = StaticSecret::from([9u8; 32]);
        let twelve = b"twelve bytes".to_vec();
        let ok = || case(C1, &[b"honest"]);
        let cases: Vec<(&str, Vec<Case>, u64, &str)> = vec![
            (
                "more announced",
                vec![ok(), case(C2, &[])],
                3,
                "announces 3",
            ),
            (
                "fewer announced",
                vec![ok(), case(C2, &[])],
                1,
                "announces 1",
            ),
            (
                "one attachment missing",
                vec![
                    ok(),
                    (
                        C2.into(),
                        manifest(&[b"one".to_vec(), b"two".to_vec()]),
                        vec![b"one".to_vec()],
                    ),
                ],
                2,
                "manifest",
            ),
            (
                "one attachment too many, then another case",
                vec![
                    (
                        C2.into(),
                        manifest(&[b"one".to_vec()]),
                        vec![b"one".to_vec(), b"two".to_vec()],
                    ),
                    case(C3, &[]),
                ],
                2,
                "manifest",
            ),
            (
                "longer than declared",
                vec![
                    ok(),
                    (
                        C2.into(),
                        manifest_with(vec![decl(0, 10, &twelve[..10])]),
                        vec![twelve.clone()],
                    ),
                ],
                2,
                "manifest",
            ),
            (
                "shorter than declared",
                vec![
                    ok(),
                    (
                        C2.into(),
                        manifest_with(vec![decl(0, 14, &twelve)]),
                        vec![twelve.clone()],
                    ),
                ],
                2,
                "manifest",
            ),
            (
                "far shorter than declared, at the end",
                vec![(
                    C2.into(),
                    manifest_with(vec![decl(0, 1 << 20, &twelve)]),
                    vec![twelve.clone()],
                )],
                1,
                "shorter than the 1048576 bytes",
            ),
            (
                "other bytes",
                vec![(
                    C2.into(),
                    manifest(&[b"declared".to_vec()]),
                    vec![b"replaced".to_vec()],
                )],
                1,
                "SHA-256",
            ),
            ("twice", vec![ok(), ok()], 2, "twice"),
        ];
        for (what, cs, announced, says) in cases {
            let (r, _) = read(
                Cursor::new(write(&dev, &secret, &cs, announced)),
                &dev,
                &secret,
            );
            let m = content_error(r);
            assert!(m.contains(says), "{what}: {m}");
        }
    }

    #[test]
    fn the_writer_refuses_cases_that_disagree_with_their_manifest() {
        let dev = new_signing_key();
        let recipient = PublicKey::from(&StaticSecret::from([9u8; 32]));
        let mut w =
            ExportWriter::new(Vec::new(), &dev, recipient.as_bytes(), "d", "s", 1, 1).unwrap();
        let m = manifest(&[b"abc".to_vec()]);
        assert!(w.add_case(C1, &m, &[]).is_err());
        assert!(w.add_case(C1, &m, &[b"abcd".to_vec()]).is_err());
        assert!(w.add_case("../x", &m, &[b"abc".to_vec()]).is_err());
        assert!(w.add_case(C1, &m, &[b"abc".to_vec()]).is_ok());
    }

    /// A medium that gives `first` until every byte of it was read once, and `second` to
    /// anyone who seeks back for another read.
    struct ChangingStick {
        first: Cursor<Vec<u8>>,
        second: Cursor<Vec<u8>>,
        swapped: bool,
    }

    impl Read for ChangingStick {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.swapped {
                self.second.read(buf)
            } else {
                self.first.read(buf)
            }
        }
    }

    impl Seek for ChangingStick {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            if self.first.position() >= self.first.get_ref().len() as u64 {
                self.swapped = true;
            }
            if self.swapped {
                self.second.seek(pos)
            } else {
                self.first.seek(pos)
            }
        }
    }

    #[test]
    fn a_medium_that_changes_between_reads_gives_only_what_was_verified() {
        let dev = new_signing_key();
        let secret = StaticSecret::from([9u8; 32]);
        let good = write(&dev, &secret, &[case(C1, &[b"real"])], 1);
        // Anyone can encrypt to the central system; only the device can sign.
        let evil = write(
            &new_signing_key(),
            &secret,
            &[case(C1, &[b"real"]), case(C2, &[b"injected"])],
            2,
        );
        let stick = ChangingStick {
            first: Cursor::new(good.clone()),
            second: Cursor::new(evil.clone()),
            swapped: false,
        };
        let (r, got) = read(stick, &dev, &secret);
        assert_eq!(r.unwrap().cases, 1);
        let ids: Vec<_> = got.cases.iter().map(|c| c.0.case_id.as_str()).collect();
        assert_eq!(ids, [C1]);

        // Bytes that change in the middle of the one read: refused as not signed.
        let mut spliced = good[..good.len() / 2].to_vec();
        spliced.extend_from_slice(&evil[good.len() / 2..]);
        assert!(matches!(
            read(Cursor::new(spliced), &dev, &secret).0,
            Err(ExportError::Signature(_))
        ));
    }
}
