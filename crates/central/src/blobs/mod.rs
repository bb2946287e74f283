//! Where attachments' bytes are kept, behind one interface: [`Blobs`]. The server, the
//! workbench, USB import and the clean-up only ever go through it.
//!
//! Two stores: [`Folder`] (the default) keeps them as files under
//! `attachments/<case>/<idx>.bin` in the data folder, on one machine or shared by a cluster's
//! nodes over NFS; [`Objects`] keeps them in an S3-compatible bucket, one object per chunk as
//! it arrived. Uploads resume across nodes because what a chunk needs besides the bytes — the
//! offset and the hash so far — is in the database, and the database gives one node at a time
//! a lease on writing (`api.rs`). The interface takes whole chunks at an offset and hands out
//! whole attachments, so a store that cannot append fits it as well as one that can.

mod folder;
mod objects;

pub use folder::Folder;
pub use objects::Objects;

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use crate::hashstate::Resumable;

/// The attachments' store. Methods block (callers run them on blocking threads); ids passed
/// in have passed `intake::check_case_id`.
pub trait Blobs: Send + Sync {
    /// Writes `bytes` at byte `at` of attachment `idx` of `case`, and returns once they are
    /// on disk. Bytes stored past `at` (from a write cut off before it was recorded) are left
    /// to be written over: the attachment's bytes at each offset are fixed (its SHA-256 is
    /// declared), so a write repeated late — by a node whose lease ran out mid-write — puts
    /// back the same bytes, where cutting the file to `at` would drop another node's. `prior` is the SHA-256 state of the first `at` bytes when the database
    /// has it; the state after `bytes` comes back.
    fn write_chunk(
        &self,
        case: &str,
        idx: u32,
        at: u64,
        bytes: &[u8],
        prior: Option<Resumable>,
    ) -> std::io::Result<Resumable>;

    /// An attachment's bytes, `None` if nothing was ever stored for it.
    fn read(&self, case: &str, idx: u32) -> std::io::Result<Option<Vec<u8>>>;

    /// Whether the attachment is exactly `size` bytes hashing to `sha256` (an empty one may
    /// never have been stored).
    fn verify(&self, case: &str, idx: u32, size: u64, sha256: &str) -> std::io::Result<bool>;

    /// Checks, creating nothing, that attachments of `case` can be taken in.
    fn check_case(&self, case: &str) -> Result<(), crate::error::ApiError>;

    /// Takes in a verified file (USB import), by renaming it where the store is on the same
    /// disk; durable once [`Blobs::sync_case`] returns.
    fn adopt(&self, case: &str, idx: u32, from: &Path) -> anyhow::Result<()>;

    fn sync_case(&self, case: &str) -> std::io::Result<()>;

    /// Removes every attachment of `case`; `true` if there was something to remove.
    fn remove_case(&self, case: &str) -> bool;

    /// The cases holding bytes, each with when it was last written (for removing bytes no
    /// case refers to). An error (a store out of reach) is not "no cases".
    fn cases(&self) -> std::io::Result<Vec<(String, SystemTime)>>;

    /// Checks, at start, that the store can be used (an S3 bucket is created if absent).
    fn ready(&self) -> std::io::Result<()> {
        Ok(())
    }

    /// Where the bytes are, for messages.
    fn describe(&self) -> String;
}

/// The store `at` names: its S3 bucket, or the data folder's `attachments/`.
pub fn open(at: &crate::sql::Location) -> std::io::Result<Arc<dyn Blobs>> {
    Ok(match &at.attachments {
        Some(cfg) => Arc::new(Objects::new(crate::s3::Client::new(cfg.clone())?)),
        None => Arc::new(Folder::new(&at.data)),
    })
}

#[cfg(test)]
mod tests {
    /// Invariant (ARCHITECTURE.md): attachments' bytes go through [`super::Blobs`] only. No
    /// code outside `blobs/` (and `intake.rs`, which names the folder store's paths) builds a
    /// path into the attachments folder, so a cluster on S3 has no code path that would
    /// write to a node's own disk instead.
    #[test]
    fn attachments_only_through_the_store() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src];
        let mut checked = 0;
        while let Some(p) = files.pop() {
            if p.is_dir() {
                if !p.ends_with("blobs") {
                    for e in std::fs::read_dir(&p).expect("src") {
                        files.push(e.expect("entry").path());
                    }
                }
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") || p.ends_with("intake.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).expect("source");
            for word in [
                "attachment_path(",
                "attachment_dest(",
                "check_attachment_dir(",
                "join(\"attachments\")",
                "verify_file(",
            ] {
                assert!(!text.contains(word), "{} uses {word}", p.display());
            }
            checked += 1;
        }
        assert!(checked > 20, "checked {checked} files");
    }
}
