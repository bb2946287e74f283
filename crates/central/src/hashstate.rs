//! SHA-256 that can be saved between chunks: an attachment's hash is carried forward as its
//! bytes arrive (the state is stored with the upload offset), so committing a case does not
//! read every attachment again. The result is the plain SHA-256 of the whole file, compared
//! with the manifest's exactly as before.

use sha2::digest::generic_array::GenericArray;

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A SHA-256 in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumable {
    h: [u32; 8],
    len: u64,
    /// Bytes not yet making a whole 64-byte block.
    buf: Vec<u8>,
}

impl Default for Resumable {
    fn default() -> Self {
        Resumable {
            h: IV,
            len: 0,
            buf: Vec::with_capacity(64),
        }
    }
}

impl Resumable {
    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if !self.buf.is_empty() {
            let take = (64 - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() < 64 {
                return;
            }
            sha2::compress256(&mut self.h, &[*GenericArray::from_slice(&self.buf)]);
            self.buf.clear();
        }
        let mut blocks = data.chunks_exact(64);
        for b in &mut blocks {
            sha2::compress256(&mut self.h, &[*GenericArray::from_slice(b)]);
        }
        self.buf.extend_from_slice(blocks.remainder());
    }

    /// The digest of everything so far, lower-case hex (the form manifests use).
    pub fn hex(&self) -> String {
        let mut h = self.h;
        let mut tail = self.buf.clone();
        tail.push(0x80);
        while tail.len() % 64 != 56 {
            tail.push(0);
        }
        tail.extend_from_slice(&(self.len.wrapping_mul(8)).to_be_bytes());
        for b in tail.chunks_exact(64) {
            sha2::compress256(&mut h, &[*GenericArray::from_slice(b)]);
        }
        let out: Vec<u8> = h.iter().flat_map(|w| w.to_be_bytes()).collect();
        onevisit_sync::hex(&out)
    }

    /// 32 bytes of state, 8 of length, then the partial block.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(40 + self.buf.len());
        for w in self.h {
            v.extend_from_slice(&w.to_be_bytes());
        }
        v.extend_from_slice(&self.len.to_be_bytes());
        v.extend_from_slice(&self.buf);
        v
    }

    /// `None` for bytes that are not a saved state (the caller then hashes the file).
    pub fn from_bytes(b: &[u8]) -> Option<Resumable> {
        if b.len() < 40 || b.len() >= 40 + 64 {
            return None;
        }
        let mut h = [0u32; 8];
        for (i, w) in h.iter_mut().enumerate() {
            *w = u32::from_be_bytes(b[i * 4..i * 4 + 4].try_into().ok()?);
        }
        let len = u64::from_be_bytes(b[32..40].try_into().ok()?);
        let buf = b[40..].to_vec();
        (len % 64 == buf.len() as u64).then_some(Resumable { h, len, buf })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn equals_sha256_over_any_split_and_survives_saving() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 251) as u8).collect();
        for n in [0usize, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000, 5000] {
            let want = onevisit_sync::hex(&Sha256::digest(&data[..n]));
            for split in [1usize, 3, 63, 64, 100, 4096] {
                let mut r = Resumable::default();
                for c in data[..n].chunks(split) {
                    r = Resumable::from_bytes(&r.to_bytes()).unwrap();
                    r.update(c);
                }
                assert_eq!(r.len(), n as u64);
                assert_eq!(r.hex(), want, "{n} bytes in chunks of {split}");
            }
        }
        assert!(Resumable::from_bytes(b"short").is_none());
    }
}
