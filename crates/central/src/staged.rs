//! Bytes of uploads cut short, kept so that the kiosk need not send them again. A village
//! link is cut in the middle of a chunk far more often than between two: without this, every
//! cut costs the part of the chunk already sent.
//!
//! Kept bytes are not trusted: a request cut short cannot have its signature checked (the
//! signature covers the whole body). They are only offered (`Upload-Staged` on `HEAD`) and
//! used when the kiosk's next, signed PATCH at the same offset asks for them and its
//! `Upload-Checksum`, which covers the kept bytes and the new ones together, matches. Bytes
//! are kept only for an attachment being received at that very offset (the caller checks),
//! and memory is bounded: at most [`MAX_TOTAL`] bytes in at most [`MAX_ENTRIES`] entries of
//! at least [`MIN_KEPT`] bytes, each for [`TTL_MS`]. A node that does not have them (another
//! node, a restart) says so and the kiosk sends the whole chunk.

use std::collections::HashMap;
use std::sync::Mutex;

/// Bytes kept at most, over all uploads (oldest dropped first).
pub const MAX_TOTAL: usize = 32 * 1024 * 1024;
/// Uploads with kept bytes at most (oldest dropped first).
pub const MAX_ENTRIES: usize = 4096;
/// Fewer bytes than this are not worth keeping (nor an entry's cost).
pub const MIN_KEPT: usize = 4096;
/// How long kept bytes wait for the kiosk to come back.
pub const TTL_MS: i64 = 10 * 60 * 1000;

struct Entry {
    offset: u64,
    bytes: Vec<u8>,
    kept_at: i64,
}

#[derive(Default)]
pub struct Staged {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<(String, u32), Entry>,
    /// Bytes in `entries`.
    total: usize,
}

impl Inner {
    fn remove(&mut self, key: &(String, u32)) -> Option<Entry> {
        let e = self.entries.remove(key)?;
        self.total -= e.bytes.len();
        Some(e)
    }
}

impl Staged {
    /// Keeps `bytes`, which arrived for attachment `idx` of `case` at byte `offset` before the
    /// request was cut, in place of anything kept for it before.
    pub fn keep(&self, case: &str, idx: u32, offset: u64, bytes: Vec<u8>, now: i64) {
        if bytes.len() < MIN_KEPT || bytes.len() > MAX_TOTAL {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let key = (case.to_owned(), idx);
        inner.remove(&key);
        // Room: the expired first, then the oldest (at most MAX_ENTRIES to look through).
        while inner.total + bytes.len() > MAX_TOTAL || inner.entries.len() >= MAX_ENTRIES {
            let Some((oldest, kept_at)) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.kept_at)
                .map(|(k, e)| (k.clone(), e.kept_at))
            else {
                break;
            };
            // Expired entries are the oldest, so they go first.
            let _ = kept_at;
            inner.remove(&oldest);
        }
        inner.total += bytes.len();
        inner.entries.insert(
            key,
            Entry {
                offset,
                bytes,
                kept_at: now,
            },
        );
    }

    /// How many bytes are kept for the attachment at exactly `offset` (0 if none).
    pub fn held(&self, case: &str, idx: u32, offset: u64, now: i64) -> u64 {
        let Ok(inner) = self.inner.lock() else {
            return 0;
        };
        match inner.entries.get(&(case.to_owned(), idx)) {
            Some(e) if e.offset == offset && now - e.kept_at < TTL_MS => e.bytes.len() as u64,
            _ => 0,
        }
    }

    /// The first `n` kept bytes at `offset`, handed over once; `None` if they are not here.
    pub fn take(&self, case: &str, idx: u32, offset: u64, n: u64, now: i64) -> Option<Vec<u8>> {
        let mut inner = self.inner.lock().ok()?;
        let key = (case.to_owned(), idx);
        let e = inner.entries.get(&key)?;
        if e.offset != offset || (e.bytes.len() as u64) < n || now - e.kept_at >= TTL_MS {
            inner.remove(&key);
            return None;
        }
        let mut bytes = inner.remove(&key)?.bytes;
        bytes.truncate(n as usize);
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_bytes_are_offered_at_their_offset_and_handed_over_once() {
        let s = Staged::default();
        s.keep("c", 0, 65_536, vec![7; 40_000], 0);
        s.keep("c", 2, 0, vec![7; MIN_KEPT - 1], 0);
        assert_eq!(s.held("c", 2, 0, 1), 0, "too few to keep");
        assert_eq!(s.held("c", 0, 65_536, 1), 40_000);
        assert_eq!(s.held("c", 0, 0, 1), 0, "another offset");
        assert_eq!(s.held("c", 1, 65_536, 1), 0, "another attachment");
        assert_eq!(s.take("c", 0, 65_536, 30_000, 2), Some(vec![7; 30_000]));
        assert_eq!(s.take("c", 0, 65_536, 30_000, 3), None, "once");
        // A later cut replaces what was kept; asking for more than is kept drops it.
        s.keep("c", 0, 0, vec![1; 5000], 4);
        s.keep("c", 0, 0, vec![2; 6000], 5);
        assert_eq!(s.held("c", 0, 0, 6), 6000);
        assert_eq!(s.take("c", 0, 0, 6001, 6), None);
        assert_eq!(s.held("c", 0, 0, 6), 0);
    }

    #[test]
    fn memory_and_time_are_bounded() {
        let s = Staged::default();
        let part = MAX_TOTAL / 4;
        for i in 0..6u32 {
            s.keep("c", i, 0, vec![0; part], i as i64);
        }
        let held: u64 = (0..6).map(|i| s.held("c", i, 0, 10)).sum();
        assert!(held as usize <= MAX_TOTAL);
        assert_eq!(s.held("c", 0, 0, 10), 0, "the oldest went first");
        assert_eq!(s.held("c", 5, 0, 10), part as u64);
        assert_eq!(s.held("c", 5, 0, 5 + TTL_MS), 0, "expired");
        // Many small entries: their number is bounded too.
        let s = Staged::default();
        for i in 0..(MAX_ENTRIES as u32 + 10) {
            s.keep("c", i, 0, vec![0; MIN_KEPT], i as i64);
        }
        assert_eq!(s.inner.lock().unwrap().entries.len(), MAX_ENTRIES);
        assert_eq!(s.held("c", 0, 0, 10), 0, "the oldest went first");
    }
}
