//! Drivers for the two "line" devices: the MRZ reader and the barcode/QR scanner. Both only
//! send to us; their cores turn bytes into documents and scans.

use onevisit_mrz::{Framer, Mrz, MrzError};
use onevisit_scanner::{Scan, Splitter};

use crate::pump::{self, Core, Driver, PortConfig, Step};
use crate::today::Today;

#[derive(Debug)]
pub enum MrzEvent {
    Document(Result<Mrz, MrzError>),
}

pub struct MrzCore {
    framer: Framer,
    idle_ms: u64,
    /// Asked for each document: expiry is judged with the date of the read.
    today: Box<dyn Today>,
}

impl MrzCore {
    /// `today`: a fixed date, or a clock (a function returning the local date).
    pub fn new(idle_ms: u64, today: impl Today) -> Self {
        MrzCore {
            framer: Framer::new(idle_ms),
            idle_ms,
            today: Box::new(today),
        }
    }

    fn doc(&self, lines: Vec<String>) -> MrzEvent {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let parsed = onevisit_mrz::parse(&refs, self.today.today());
        match &parsed {
            Ok(m) => tracing::info!(format = ?m.format, checks_valid = m.checks_valid, "MRZ read"),
            Err(e) => tracing::warn!(%e, "MRZ unreadable"),
        }
        MrzEvent::Document(parsed)
    }
}

impl Core for MrzCore {
    type Event = MrzEvent;
    fn handle_connected(&mut self, _now: u64) -> Step<MrzEvent> {
        Step::default()
    }
    fn handle_bytes(&mut self, now: u64, bytes: &[u8]) -> Step<MrzEvent> {
        let dropped = self.framer.overflows();
        let docs = self.framer.handle_bytes(now, bytes);
        if self.framer.overflows() > dropped {
            tracing::warn!(
                "MRZ reader sent more than any document holds: dropped (noise on the line, or a wrong baud rate?)"
            );
        }
        Step {
            send: Vec::new(),
            events: docs.into_iter().map(|d| self.doc(d)).collect(),
        }
    }
    fn handle_timeout(&mut self, now: u64) -> Step<MrzEvent> {
        Step {
            send: Vec::new(),
            events: self
                .framer
                .handle_timeout(now)
                .map(|d| self.doc(d))
                .into_iter()
                .collect(),
        }
    }
    fn next_deadline(&self) -> Option<u64> {
        self.framer.next_deadline()
    }
    fn handle_disconnected(&mut self) -> Vec<MrzEvent> {
        // A document cut short by an unplug is discarded, not parsed half.
        self.framer = Framer::new(self.idle_ms);
        Vec::new()
    }
}

pub fn spawn_mrz(port: PortConfig, idle_ms: u64, today: impl Today) -> Driver<MrzEvent> {
    pump::spawn(port, MrzCore::new(idle_ms, today))
}

pub struct ScannerCore {
    splitter: Splitter,
}

impl ScannerCore {
    pub fn new(splitter: Splitter) -> Self {
        ScannerCore { splitter }
    }
}

impl Core for ScannerCore {
    type Event = Scan;
    fn handle_connected(&mut self, _now: u64) -> Step<Scan> {
        Step::default()
    }
    fn handle_bytes(&mut self, now: u64, bytes: &[u8]) -> Step<Scan> {
        Step {
            send: Vec::new(),
            events: self.splitter.handle_bytes(now, bytes),
        }
    }
    fn handle_timeout(&mut self, now: u64) -> Step<Scan> {
        Step {
            send: Vec::new(),
            events: self.splitter.handle_timeout(now).into_iter().collect(),
        }
    }
    fn next_deadline(&self) -> Option<u64> {
        self.splitter.next_deadline()
    }
    fn handle_disconnected(&mut self) -> Vec<Scan> {
        Vec::new()
    }
}

pub fn spawn_scanner(port: PortConfig, splitter: Splitter) -> Driver<Scan> {
    pump::spawn(port, ScannerCore::new(splitter))
}
