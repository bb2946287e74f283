//! Opening and reading serial ports, with the outcomes a driver needs to tell apart.

use std::io;
use std::time::Duration;

use serialport::SerialPort;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PortError {
    #[error(
        "cannot open {path}: {source}. Is the device plugged in and the path right? (ls /dev/ttyUSB* /dev/ttyACM* /dev/ttyS*)"
    )]
    Open {
        path: String,
        source: serialport::Error,
    },
}

/// How long one read waits for bytes; short, so timeouts and stop requests are seen promptly.
pub const READ_SLICE: Duration = Duration::from_millis(20);

pub fn open(path: &str, baud: u32) -> Result<Box<dyn SerialPort>, PortError> {
    serialport::new(path, baud)
        .timeout(READ_SLICE)
        .open()
        .map_err(|source| PortError::Open {
            path: path.to_owned(),
            source,
        })
}

pub enum ReadOutcome {
    Data(usize),
    /// Nothing arrived within the slice.
    Quiet,
    /// The port is gone (unplugged, device node removed, hang-up).
    Gone(io::Error),
}

pub fn read(port: &mut dyn SerialPort, buf: &mut [u8]) -> ReadOutcome {
    match port.read(buf) {
        Ok(0) => ReadOutcome::Gone(io::Error::new(io::ErrorKind::UnexpectedEof, "hang-up")),
        Ok(n) => ReadOutcome::Data(n),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            ReadOutcome::Quiet
        }
        Err(e) => ReadOutcome::Gone(e),
    }
}

pub fn write(port: &mut dyn SerialPort, bytes: &[u8]) -> io::Result<()> {
    port.write_all(bytes)?;
    port.flush()
}
