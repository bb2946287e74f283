//! Data at rest stays the county's: every folder the central system makes is 0700 and every
//! file 0600. The folder holds citizens' manifests and scans in clear, so other accounts on
//! the server must not read them even when the volume itself is encrypted.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of every folder the central system makes.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file it writes.
pub const FILE_MODE: u32 = 0o600;

/// Makes `dir` and its missing parents 0700; an existing `dir` is tightened to 0700 too (a
/// data folder made by an older version was 0755).
pub fn dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    tighten(dir, DIR_MODE)
}

/// Sets `path`'s mode to `mode` unless it already has no more than that.
pub fn tighten(path: &Path, mode: u32) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.permissions().mode() & 0o777 & !mode != 0 => {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Options that create a file 0600 (the mode only applies when the file is created).
pub fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.mode(FILE_MODE);
    o
}

/// Creates (or truncates) `path` for writing, 0600.
pub fn create(path: &Path) -> io::Result<File> {
    options().write(true).create(true).truncate(true).open(path)
}

/// The process's umask, so anything a library (SQLite, rustls, the OS) creates on our behalf
/// is private too. Called once at start by the binary.
pub fn restrict_umask() {
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_files_are_private_and_old_ones_are_tightened() {
        let t = tempfile::TempDir::new().unwrap();
        let d = t.path().join("a/b");
        dir(&d).unwrap();
        for p in [t.path().join("a"), d.clone()] {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", p.display());
        }
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir(&d).unwrap();
        assert_eq!(
            std::fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let f = d.join("f");
        create(&f).unwrap();
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
