//! The loop every simulated device runs: a pseudo-terminal that can be unplugged and plugged
//! in again, bytes in to the device model, replies (and unsolicited bytes) out.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::SerialPort;

use super::pty::VirtualPort;

/// A device model behind a simulated port.
pub trait Device: Send + 'static {
    /// Replies to `bytes`, each with the delay before it is sent.
    fn handle_bytes(&mut self, bytes: &[u8]) -> Vec<(Vec<u8>, u64)>;
}

pub struct Shared<D> {
    pub device: D,
    plugged: bool,
    path: PathBuf,
    /// Bytes the device sends on its own (status changes), sent on the next turn.
    pub outbox: Vec<u8>,
}

pub struct Served<D> {
    shared: Arc<Mutex<Shared<D>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<D: Device> Served<D> {
    pub fn start(device: D, link: Option<&Path>, name: &str) -> io::Result<Self> {
        let port = VirtualPort::create(link)?;
        let shared = Arc::new(Mutex::new(Shared {
            device,
            plugged: true,
            path: port.path().to_owned(),
            outbox: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s2, st2) = (shared.clone(), stop.clone());
        let link = link.map(Path::to_owned);
        let thread = std::thread::Builder::new()
            .name(format!("sim {name}"))
            .spawn(move || serve(port, link, s2, st2))?;
        Ok(Served {
            shared,
            stop,
            thread: Some(thread),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Shared<D>> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    /// The device node disappears, as when the USB cable is pulled.
    pub fn unplug(&self) {
        self.lock().plugged = false;
    }

    /// The device comes back at the same path (needs a link path).
    pub fn replug(&self) {
        self.lock().plugged = true;
    }
}

impl<D> Drop for Served<D> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve<D: Device>(
    first: VirtualPort,
    link: Option<PathBuf>,
    shared: Arc<Mutex<Shared<D>>>,
    stop: Arc<AtomicBool>,
) {
    let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
    let mut port = Some(first);
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let plugged = lock().plugged;
        if !plugged && port.is_some() {
            port = None;
        }
        if plugged && port.is_none() {
            match VirtualPort::create(link.as_deref()) {
                Ok(p) => {
                    lock().path = p.path().to_owned();
                    port = Some(p);
                }
                Err(e) => tracing::warn!(%e, "simulator could not create its port"),
            }
        }
        let Some(p) = port.as_mut() else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let unsolicited = std::mem::take(&mut lock().outbox);
        if !unsolicited.is_empty() {
            let _ = p.master.write_all(&unsolicited);
        }
        let _ = p.master.set_timeout(Duration::from_millis(10));
        let n = match p.master.read(&mut buf) {
            Ok(n) => n,
            Err(_) => continue,
        };
        let replies = lock().device.handle_bytes(&buf[..n]);
        for (bytes, delay_ms) in replies {
            if delay_ms > 0 {
                std::thread::sleep(Duration::from_millis(delay_ms));
            }
            let _ = p.master.write_all(&bytes);
            let _ = p.master.flush();
        }
    }
}
