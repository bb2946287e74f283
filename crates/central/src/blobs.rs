//! Where attachments' bytes are kept, behind one interface: [`Blobs`]. The server, the
//! workbench, USB import and the clean-up only ever go through it.
//!
//! [`Folder`], the one store today, keeps them as files under `attachments/<case>/<idx>.bin`
//! in the data folder: on one machine, or shared by a cluster's nodes over NFS. Uploads resume
//! across nodes because what a chunk needs besides the bytes — the offset and the hash so far
//! — is in the database, and the database gives one node at a time a lease on writing
//! (`api.rs`). The interface takes whole chunks at an offset and hands out whole attachments,
//! so a store that cannot append (S3: one object per chunk, read back in order) fits it too.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::hashstate::Resumable;
use crate::intake;

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
    /// case refers to).
    fn cases(&self) -> Vec<(String, SystemTime)>;
}

/// Files under `attachments/` in the data folder.
pub struct Folder {
    data: PathBuf,
}

impl Folder {
    pub fn new(data: &Path) -> Folder {
        Folder {
            data: data.to_owned(),
        }
    }

    fn root(&self) -> PathBuf {
        self.data.join("attachments")
    }
}

impl Blobs for Folder {
    fn write_chunk(
        &self,
        case: &str,
        idx: u32,
        at: u64,
        bytes: &[u8],
        prior: Option<Resumable>,
    ) -> std::io::Result<Resumable> {
        let path = intake::attachment_path(&self.data, case, idx);
        if let Some(dir) = path.parent() {
            crate::private::dir(dir)?;
        }
        let mut f = crate::private::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        // Hashed from the file only without a saved state (an older server, a damaged row).
        let mut h = match prior {
            Some(h) if h.len() == at => h,
            _ => hash_prefix(&mut f, at)?,
        };
        f.seek(SeekFrom::Start(at))?;
        f.write_all(bytes)?;
        f.sync_data()?;
        h.update(bytes);
        Ok(h)
    }

    fn read(&self, case: &str, idx: u32) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(intake::attachment_path(&self.data, case, idx)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn verify(&self, case: &str, idx: u32, size: u64, sha256: &str) -> std::io::Result<bool> {
        intake::verify_file(
            &intake::attachment_path(&self.data, case, idx),
            size,
            sha256,
        )
    }

    fn check_case(&self, case: &str) -> Result<(), crate::error::ApiError> {
        intake::check_attachment_dir(&self.data, case)
    }

    fn adopt(&self, case: &str, idx: u32, from: &Path) -> anyhow::Result<()> {
        use anyhow::Context;
        let dest = intake::attachment_dest(&self.data, case, idx)
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        std::fs::rename(from, &dest)
            .with_context(|| format!("moving {} to {}", from.display(), dest.display()))
    }

    fn sync_case(&self, case: &str) -> std::io::Result<()> {
        File::open(self.root().join(case))?.sync_all()?;
        File::open(self.root())?.sync_all()
    }

    fn remove_case(&self, case: &str) -> bool {
        std::fs::remove_dir_all(self.root().join(case)).is_ok()
    }

    fn cases(&self) -> Vec<(String, SystemTime)> {
        let Ok(dirs) = std::fs::read_dir(self.root()) else {
            return Vec::new();
        };
        dirs.flatten()
            .filter_map(|d| {
                let t = d.metadata().and_then(|m| m.modified()).ok()?;
                Some((d.file_name().to_string_lossy().into_owned(), t))
            })
            .collect()
    }
}

/// SHA-256 state of a file's first `n` bytes (fewer if it is shorter: commit then finds the
/// mismatch and the attachment starts over).
fn hash_prefix(f: &mut File, n: u64) -> std::io::Result<Resumable> {
    f.seek(SeekFrom::Start(0))?;
    let mut h = Resumable::default();
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = n;
    while left > 0 {
        let want = buf.len().min(left as usize);
        let got = f.read(&mut buf[..want])?;
        if got == 0 {
            break;
        }
        h.update(&buf[..got]);
        left -= got as u64;
    }
    Ok(h)
}
