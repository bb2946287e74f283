//! The ID-card reader simulator: the pure [`SimReader`] behind a pseudo-terminal, with a card
//! that can be placed and removed, faults, slow replies, and unplugging.

use std::io;
use std::path::Path;

use onevisit_idcard::sim::{Fault, SimCard, SimReader};

use super::serve::{Device, Served};

impl Device for SimReader {
    fn handle_bytes(&mut self, bytes: &[u8]) -> Vec<(Vec<u8>, u64)> {
        SimReader::handle_bytes(self, bytes)
            .into_iter()
            .map(|r| (r.bytes, r.delay_ms))
            .collect()
    }
}

pub struct IdCardSim {
    served: Served<SimReader>,
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
        Ok(IdCardSim {
            served: Served::start(SimReader::new(), link, "idcard")?,
        })
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.served.path()
    }

    pub fn place(&self, card: SimCard) {
        self.served.lock().device.card = Some(card);
    }

    pub fn remove(&self) {
        self.served.lock().device.card = None;
    }

    pub fn set_fault(&self, fault: Option<Fault>, times: Option<u32>) {
        self.served.lock().device.set_fault(fault, times);
    }

    pub fn set_delay(&self, ms: u64) {
        self.served.lock().device.delay_ms = ms;
    }

    pub fn unplug(&self) {
        self.served.unplug();
    }

    pub fn replug(&self) {
        self.served.replug();
    }

    pub fn requests(&self) -> u64 {
        self.served.lock().device.requests
    }

    /// Requests answered with the fault set by [`IdCardSim::set_fault`] so far.
    pub fn faults(&self) -> u64 {
        self.served.lock().device.faults
    }
}
