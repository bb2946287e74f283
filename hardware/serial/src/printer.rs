//! The receipt printer driver: status before, between and after the parts of a job; a job
//! is reported printed only when the printer was ready throughout and still is at the end.
//! On paper out or cover open mid-job the printer's buffers are cleared at once, so nothing
//! stale comes out after a refill; the case stays saved and the receipt can be reprinted.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use onevisit_printer::status::{
    BitTable, CLEAR_BUFFERS, ENABLE_ASB, PrinterStatus, Problem, StatusDecoder, query,
};
use serde::Serialize;
use serialport::SerialPort;
use thiserror::Error;

use crate::Backoff;
use crate::port::{self, PortError, ReadOutcome};

#[derive(Debug, Error)]
pub enum PrinterError {
    #[error(transparent)]
    Port(#[from] PortError),
    #[error("the printer's port went away ({0}): printer offline")]
    Lost(io::Error),
}

/// The outcome of one print job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintReport {
    pub printed: bool,
    /// Why not, when not printed.
    pub problem: Option<Problem>,
    /// Printed, but the roll is nearly empty.
    pub paper_near_end: bool,
}

pub struct PrinterPort {
    port: Box<dyn SerialPort>,
    decoder: StatusDecoder,
    table: BitTable,
    pub status: PrinterStatus,
    reply_timeout: Duration,
}

impl PrinterPort {
    pub fn open(path: &str, baud: u32, table: BitTable) -> Result<Self, PrinterError> {
        let port = port::open(path, baud)?;
        Ok(PrinterPort {
            port,
            decoder: StatusDecoder::new(),
            table,
            status: PrinterStatus::default(),
            reply_timeout: Duration::from_millis(500),
        })
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), PrinterError> {
        port::write(self.port.as_mut(), bytes).map_err(PrinterError::Lost)
    }

    /// Takes in whatever the printer sent (ASB messages, late replies).
    fn drain(&mut self, wait: Duration) -> Result<(), PrinterError> {
        let until = Instant::now() + wait;
        let mut buf = [0u8; 256];
        loop {
            match port::read(self.port.as_mut(), &mut buf) {
                ReadOutcome::Data(n) => {
                    for s in self.decoder.handle_bytes(&buf[..n]) {
                        self.status.apply(s, &self.table);
                    }
                }
                ReadOutcome::Quiet => {}
                ReadOutcome::Gone(e) => return Err(PrinterError::Lost(e)),
            }
            if self.decoder.waiting() == 0 || Instant::now() >= until {
                return Ok(());
            }
        }
    }

    /// Asks all four real-time statuses. Unanswered ones leave the status unknown.
    pub fn query(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.status = PrinterStatus::default();
        for n in 1..=4 {
            self.decoder.expect(n);
            self.send(&query(n))?;
        }
        self.drain(self.reply_timeout)?;
        self.decoder.clear_pending();
        Ok(self.status)
    }

    /// Turns on automatic status back so changes arrive without asking.
    pub fn enable_auto_status(&mut self) -> Result<(), PrinterError> {
        self.send(&ENABLE_ASB)
    }

    /// Prints a job given as segments of whole commands (see `encode_segments`).
    pub fn print(&mut self, segments: &[Vec<u8>]) -> Result<PrintReport, PrinterError> {
        let not_printed = |problem| PrintReport {
            printed: false,
            problem: Some(problem),
            paper_near_end: false,
        };
        if let Err(p) = self.query()?.ready() {
            return Ok(not_printed(p));
        }
        for seg in segments {
            self.send(seg)?;
            if let Err(p) = self.query()?.ready() {
                // Drop what the printer still holds so a refill does not print half a stale
                // receipt; the caller offers a reprint.
                self.send(&CLEAR_BUFFERS)?;
                tracing::warn!(problem = %p, "receipt interrupted");
                return Ok(not_printed(p));
            }
        }
        let end = self.query()?;
        Ok(match end.ready() {
            Ok(()) => PrintReport {
                printed: true,
                problem: None,
                paper_near_end: end.paper_near_end == Some(true),
            },
            Err(p) => {
                self.send(&CLEAR_BUFFERS)?;
                not_printed(p)
            }
        })
    }
}

/// What the kiosk hears from the printer thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterEvent {
    /// The port opened or came back.
    Online,
    /// The port is gone or cannot be opened.
    Offline(String),
    Status(PrinterStatus),
}

pub enum Request {
    Print(Vec<Vec<u8>>, Sender<Result<PrintReport, String>>),
}

/// The printer on its own thread: prints on request, polls status, reconnects.
pub struct PrinterDriver {
    pub requests: Sender<Request>,
    pub events: Receiver<PrinterEvent>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for PrinterDriver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn spawn(path: String, baud: u32, table: BitTable, poll: Duration) -> PrinterDriver {
    let (req_tx, req_rx) = channel();
    let (ev_tx, ev_rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name("printer".into())
        .spawn(move || run(&path, baud, table, poll, &req_rx, &ev_tx, &stop2))
        .ok();
    PrinterDriver {
        requests: req_tx,
        events: ev_rx,
        stop,
        thread,
    }
}

fn run(
    path: &str,
    baud: u32,
    table: BitTable,
    poll: Duration,
    requests: &Receiver<Request>,
    events: &Sender<PrinterEvent>,
    stop: &AtomicBool,
) {
    let mut backoff = Backoff::new(200, 5_000);
    let mut offline_reported = false;
    while !stop.load(Ordering::SeqCst) {
        let mut p = match PrinterPort::open(path, baud, table) {
            Ok(p) => p,
            Err(e) => {
                if !offline_reported {
                    let _ = events.send(PrinterEvent::Offline(e.to_string()));
                    offline_reported = true;
                }
                // Requests while offline are answered at once: never wait on a dead printer.
                let wait = Duration::from_millis(backoff.next_delay());
                if let Ok(Request::Print(_, reply)) = requests.recv_timeout(wait) {
                    let _ = reply.send(Err(format!("printer offline: {e}")));
                }
                continue;
            }
        };
        backoff.reset();
        let _ = events.send(PrinterEvent::Online);
        let mut last: Option<PrinterStatus> = None;
        let reason = loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let result = match requests.recv_timeout(poll) {
                Ok(Request::Print(job, reply)) => {
                    let r = p.print(&job);
                    let _ = reply.send(r.as_ref().map(Clone::clone).map_err(ToString::to_string));
                    r.map(|_| p.status)
                }
                Err(RecvTimeoutError::Timeout) => p.query(),
                Err(RecvTimeoutError::Disconnected) => return,
            };
            match result {
                Ok(s) => {
                    if last != Some(s) {
                        last = Some(s);
                        let _ = events.send(PrinterEvent::Status(s));
                    }
                }
                Err(e) => break e.to_string(),
            }
        };
        tracing::warn!(%reason, "printer lost");
        let _ = events.send(PrinterEvent::Offline(reason));
        offline_reported = true;
    }
}
