//! Simulated MRZ reader and barcode scanner: they only talk, so each is a pseudo-terminal and
//! a way to make it say something.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::pty::VirtualPort;

pub struct MrzSim {
    port: VirtualPort,
}

impl MrzSim {
    pub fn start(link: Option<&Path>) -> io::Result<Self> {
        Ok(MrzSim {
            port: VirtualPort::create(link)?,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.port.path().to_owned()
    }

    /// Sends one document as a serial passport reader does: STX, lines separated by CR, ETX.
    pub fn present(&mut self, lines: &[&str]) -> io::Result<()> {
        let mut bytes = vec![0x02];
        for l in lines {
            bytes.extend_from_slice(l.as_bytes());
            bytes.push(b'\r');
        }
        bytes.push(0x03);
        self.port.master.write_all(&bytes)?;
        self.port.master.flush()
    }
}

pub struct ScannerSim {
    port: VirtualPort,
    terminator: Vec<u8>,
    aim: Option<String>,
}

impl ScannerSim {
    /// `aim`: an AIM symbology id to prefix (e.g. `Q1`), as scanners can be set to do.
    pub fn start(link: Option<&Path>, terminator: &[u8], aim: Option<&str>) -> io::Result<Self> {
        Ok(ScannerSim {
            port: VirtualPort::create(link)?,
            terminator: terminator.to_vec(),
            aim: aim.map(str::to_owned),
        })
    }

    pub fn path(&self) -> PathBuf {
        self.port.path().to_owned()
    }

    pub fn scan(&mut self, text: &str) -> io::Result<()> {
        let mut bytes = Vec::new();
        if let Some(a) = &self.aim {
            bytes.push(b']');
            bytes.extend_from_slice(a.as_bytes());
        }
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend_from_slice(&self.terminator);
        self.port.master.write_all(&bytes)?;
        self.port.master.flush()
    }
}
