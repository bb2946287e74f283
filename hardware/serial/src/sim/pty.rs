//! A pseudo-terminal whose slave side stands in for a device node, optionally behind a stable
//! symlink so it can be "unplugged" and "plugged in" again at the same path.

use std::io;
use std::path::{Path, PathBuf};

use serialport::{SerialPort, TTYPort};

pub struct VirtualPort {
    /// Our end: what the device writes and reads.
    pub master: TTYPort,
    /// Held open so the master stays readable while no driver has the port open.
    _slave: TTYPort,
    pts: PathBuf,
    link: Option<PathBuf>,
}

impl VirtualPort {
    /// A new pseudo-terminal; with `link`, a symlink there points at it.
    pub fn create(link: Option<&Path>) -> io::Result<Self> {
        let (master, slave) = TTYPort::pair().map_err(io::Error::other)?;
        let pts = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| io::Error::other("pseudo-terminal has no name"))?;
        if let Some(l) = link {
            let _ = std::fs::remove_file(l);
            std::os::unix::fs::symlink(&pts, l)?;
        }
        Ok(VirtualPort {
            master,
            _slave: slave,
            pts,
            link: link.map(Path::to_owned),
        })
    }

    /// The path a driver should open.
    pub fn path(&self) -> &Path {
        self.link.as_deref().unwrap_or(&self.pts)
    }
}

impl Drop for VirtualPort {
    fn drop(&mut self) {
        if let Some(l) = &self.link {
            let _ = std::fs::remove_file(l);
        }
    }
}
