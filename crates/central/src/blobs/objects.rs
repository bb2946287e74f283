//! Attachments in an S3-compatible bucket. An object cannot be appended to, so each chunk is
//! its own object, `attachments/<case>/<idx>/<offset>` (the offset zero-padded, so listing
//! order is byte order). Reading walks the chunks from offset 0, each chunk continuing where
//! the bytes so far end. A chunk written again (a retry, another node after a lost lease) has
//! the same bytes at the same offsets — the attachment's SHA-256 is declared up front — so
//! overlapping chunks agree, and the database's offset, not the listing, says how much
//! counts.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::Blobs;
use crate::hashstate::Resumable;
use crate::s3::{Client, Object};

pub struct Objects {
    s3: Client,
}

impl Objects {
    pub fn new(s3: Client) -> Objects {
        Objects { s3 }
    }

    /// The attachment's chunks as (offset, size), by offset.
    fn chunks(&self, case: &str, idx: u32) -> std::io::Result<Vec<(u64, u64)>> {
        let dir = format!("attachments/{case}/{idx}/");
        let mut chunks: Vec<(u64, u64)> = self
            .s3
            .list(&dir)?
            .into_iter()
            .filter_map(|o: Object| Some((o.key.strip_prefix(&dir)?.parse().ok()?, o.size)))
            .collect();
        chunks.sort_unstable();
        Ok(chunks)
    }

    /// The attachment's bytes from 0 on, as far as the chunks reach, stopping at `limit`.
    fn assemble(&self, case: &str, idx: u32, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
        let chunks = self.chunks(case, idx)?;
        if chunks.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        loop {
            let pos = out.len() as u64;
            if pos >= limit {
                break;
            }
            // Of the chunks holding byte `pos`, the one reaching furthest.
            let Some(&(at, _)) = chunks
                .iter()
                .filter(|(at, len)| *at <= pos && pos < at + len)
                .max_by_key(|(at, len)| at + len)
            else {
                break;
            };
            let Some(bytes) = self.s3.get(&key(case, idx, at))? else {
                // Listed, then gone: removed meanwhile.
                break;
            };
            let from = (pos - at) as usize;
            if from >= bytes.len() {
                break;
            }
            let take = (bytes.len() - from).min((limit - pos) as usize);
            out.extend_from_slice(&bytes[from..from + take]);
        }
        Ok(Some(out))
    }
}

fn key(case: &str, idx: u32, at: u64) -> String {
    format!("attachments/{case}/{idx}/{at:012}")
}

impl Blobs for Objects {
    fn write_chunk(
        &self,
        case: &str,
        idx: u32,
        at: u64,
        bytes: &[u8],
        prior: Option<Resumable>,
    ) -> std::io::Result<Resumable> {
        let mut h = match prior {
            Some(h) if h.len() == at => h,
            // Without a saved state: the bytes before `at`, read back.
            _ => {
                let mut h = Resumable::default();
                if at > 0 {
                    h.update(&self.assemble(case, idx, at)?.unwrap_or_default());
                }
                h
            }
        };
        // A PUT answered 200 is durable: the store's own guarantee.
        self.s3.put(&key(case, idx, at), bytes)?;
        h.update(bytes);
        Ok(h)
    }

    fn read(&self, case: &str, idx: u32) -> std::io::Result<Option<Vec<u8>>> {
        self.assemble(case, idx, u64::MAX)
    }

    fn verify(&self, case: &str, idx: u32, size: u64, sha256: &str) -> std::io::Result<bool> {
        // One byte past `size`: a longer attachment must not pass as its first `size` bytes.
        Ok(match self.assemble(case, idx, size.saturating_add(1))? {
            None => size == 0 && sha256 == onevisit_sync::sha256_hex(b""),
            Some(b) => b.len() as u64 == size && onevisit_sync::sha256_hex(&b) == sha256,
        })
    }

    fn check_case(&self, case: &str) -> Result<(), crate::error::ApiError> {
        crate::intake::check_case_id(case)
    }

    fn adopt(&self, case: &str, idx: u32, from: &Path) -> anyhow::Result<()> {
        use anyhow::Context;
        let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
        self.s3.put(&key(case, idx, 0), &bytes)?;
        // The store has it; the spool's copy is not needed any more.
        let _ = std::fs::remove_file(from);
        Ok(())
    }

    fn sync_case(&self, _case: &str) -> std::io::Result<()> {
        // Every PUT was durable when it was answered.
        Ok(())
    }

    fn remove_case(&self, case: &str) -> bool {
        let Ok(objects) = self.s3.list(&format!("attachments/{case}/")) else {
            return false;
        };
        let mut removed = false;
        for o in &objects {
            match self.s3.delete(&o.key) {
                Ok(()) => removed = true,
                Err(e) => tracing::warn!("removing an attachment chunk: {e}"),
            }
        }
        removed
    }

    fn cases(&self) -> std::io::Result<Vec<(String, SystemTime)>> {
        let mut cases: Vec<(String, i64)> = Vec::new();
        for o in self.s3.list("attachments/")? {
            let Some(case) = o
                .key
                .strip_prefix("attachments/")
                .and_then(|k| k.split('/').next())
            else {
                continue;
            };
            match cases.last_mut() {
                Some((c, t)) if c == case => *t = (*t).max(o.modified),
                _ => cases.push((case.to_owned(), o.modified)),
            }
        }
        Ok(cases
            .into_iter()
            .map(|(c, t)| {
                (
                    c,
                    SystemTime::UNIX_EPOCH + Duration::from_secs(t.max(0) as u64),
                )
            })
            .collect())
    }

    fn ready(&self) -> std::io::Result<()> {
        Ok(self.s3.ensure_bucket()?)
    }

    fn describe(&self) -> String {
        self.s3.config().describe()
    }
}
