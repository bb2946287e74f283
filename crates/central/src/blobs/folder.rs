//! Attachments as files under `attachments/<case>/<idx>.bin` in the data folder.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::Blobs;
use crate::hashstate::Resumable;
use crate::intake;

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

    fn cases(&self) -> std::io::Result<Vec<(String, SystemTime)>> {
        let dirs = match std::fs::read_dir(self.root()) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(dirs
            .flatten()
            .filter_map(|d| {
                let t = d.metadata().and_then(|m| m.modified()).ok()?;
                Some((d.file_name().to_string_lossy().into_owned(), t))
            })
            .collect())
    }

    fn describe(&self) -> String {
        self.root().display().to_string()
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
