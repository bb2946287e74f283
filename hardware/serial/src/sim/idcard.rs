//! The ID-card reader simulator: the pure [`SimReader`] behind a pseudo-terminal, with a card
//! that can be placed and removed, faults, slow replies, and unplugging.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use onevisit_idcard::sim::{Fault, SimCard, SimReader};
use serialport::SerialPort;

use super::pty::VirtualPort;

struct Shared {
    reader: SimReader,
    plugged: bool,
    path: PathBuf,
}

pub struct IdCardSim {
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Reads card descriptions: a JSON object, or an array of them.
pub fn load_cards(path: &Path) -> Result<Vec<SimCard>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    let list = match value {
        serde_json::Value::Array(a) => a,
        other => vec![other],
    };
    list.into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v)
                .map_err(|e| format!("{}: card {}: {e}", path.display(), i + 1))
        })
        .collect()
}

impl IdCardSim {
    /// Starts a simulated reader. With `link`, the device appears at that path (and can be
    /// unplugged and plugged in again there); otherwise at a `/dev/pts/N` path.
    pub fn start(link: Option<&Path>) -> io::Result<Self> {
        let port = VirtualPort::create(link)?;
        let shared = Arc::new(Mutex::new(Shared {
            reader: SimReader::new(),
            plugged: true,
            path: port.path().to_owned(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s2, st2) = (shared.clone(), stop.clone());
        let link = link.map(Path::to_owned);
        let thread = std::thread::Builder::new()
            .name("sim idcard".into())
            .spawn(move || serve(port, link, s2, st2))?;
        Ok(IdCardSim {
            shared,
            stop,
            thread: Some(thread),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    pub fn place(&self, card: SimCard) {
        self.lock().reader.card = Some(card);
    }

    pub fn remove(&self) {
        self.lock().reader.card = None;
    }

    pub fn set_fault(&self, fault: Option<Fault>, times: Option<u32>) {
        self.lock().reader.set_fault(fault, times);
    }

    pub fn set_delay(&self, ms: u64) {
        self.lock().reader.delay_ms = ms;
    }

    /// The device node disappears, as when the USB cable is pulled.
    pub fn unplug(&self) {
        self.lock().plugged = false;
    }

    /// The device comes back at the same path (needs a link path).
    pub fn replug(&self) {
        self.lock().plugged = true;
    }

    pub fn requests(&self) -> u64 {
        self.lock().reader.requests
    }
}

impl Drop for IdCardSim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    first: VirtualPort,
    link: Option<PathBuf>,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
) {
    let mut port = Some(first);
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let plugged = shared.lock().map(|s| s.plugged).unwrap_or(false);
        if !plugged && port.is_some() {
            port = None;
        }
        if plugged && port.is_none() {
            match VirtualPort::create(link.as_deref()) {
                Ok(p) => {
                    if let Ok(mut s) = shared.lock() {
                        s.path = p.path().to_owned();
                    }
                    port = Some(p);
                }
                Err(e) => tracing::warn!(%e, "simulator could not create its port"),
            }
        }
        let Some(p) = port.as_mut() else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = p.master.set_timeout(Duration::from_millis(10));
        let n = match p.master.read(&mut buf) {
            Ok(n) => n,
            Err(_) => continue,
        };
        let replies = match shared.lock() {
            Ok(mut s) => s.reader.on_bytes(&buf[..n]),
            Err(_) => return,
        };
        for r in replies {
            if r.delay_ms > 0 {
                std::thread::sleep(Duration::from_millis(r.delay_ms));
            }
            let _ = p.master.write_all(&r.bytes);
            let _ = p.master.flush();
        }
    }
}
