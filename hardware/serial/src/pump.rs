//! The one loop every serial driver runs: open the port (with backoff while it is absent),
//! feed what arrives to a pure core, write what the core wants sent, tick the core's timers,
//! and start over when the port disappears. Runs on its own thread; events come out of a
//! channel, so the UI never waits on a device.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use serialport::SerialPort;

use crate::Backoff;
use crate::port::{self, ReadOutcome};

/// What a core asks for in answer to one input.
#[derive(Debug)]
pub struct Step<E> {
    pub send: Vec<Vec<u8>>,
    pub events: Vec<E>,
}

impl<E> Default for Step<E> {
    fn default() -> Self {
        Step {
            send: Vec::new(),
            events: Vec::new(),
        }
    }
}

/// A pure device core as the pump sees it. Time is milliseconds since the driver started.
pub trait Core {
    type Event: Send + 'static;
    fn handle_connected(&mut self, now: u64) -> Step<Self::Event>;
    fn handle_bytes(&mut self, now: u64, bytes: &[u8]) -> Step<Self::Event>;
    fn handle_timeout(&mut self, now: u64) -> Step<Self::Event>;
    fn next_deadline(&self) -> Option<u64>;
    fn handle_disconnected(&mut self) -> Vec<Self::Event>;
}

/// The port's state, as the driver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Link {
    Open,
    /// Closed or not openable, with the reason in words.
    Closed {
        reason: String,
    },
}

#[derive(Debug)]
pub enum Output<E> {
    Link(Link),
    Device(E),
}

#[derive(Debug, Clone)]
pub struct PortConfig {
    pub path: String,
    pub baud: u32,
    pub backoff_min_ms: u64,
    pub backoff_max_ms: u64,
}

impl PortConfig {
    pub fn new(path: impl Into<String>, baud: u32) -> Self {
        PortConfig {
            path: path.into(),
            baud,
            backoff_min_ms: 200,
            backoff_max_ms: 5_000,
        }
    }
}

/// A running driver. Dropping it stops the thread.
pub struct Driver<E> {
    pub events: Receiver<Output<E>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<E> Driver<E> {
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<E> Drop for Driver<E> {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn spawn<C>(config: PortConfig, core: C) -> Driver<C::Event>
where
    C: Core + Send + 'static,
{
    let (tx, rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name(format!("serial {}", config.path))
        .spawn(move || run(config, core, tx, stop2))
        .ok();
    Driver {
        events: rx,
        stop,
        thread,
    }
}

fn run<C: Core>(
    config: PortConfig,
    mut core: C,
    tx: Sender<Output<C::Event>>,
    stop: Arc<AtomicBool>,
) {
    let clock = Instant::now();
    let now = || u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut backoff = Backoff::new(config.backoff_min_ms, config.backoff_max_ms);
    let mut reported_closed = false;
    while !stop.load(Ordering::SeqCst) {
        match port::open(&config.path, config.baud) {
            Err(e) => {
                if !reported_closed {
                    tracing::warn!(port = %config.path, error = %e, "device port unavailable; retrying");
                    let _ = tx.send(Output::Link(Link::Closed {
                        reason: e.to_string(),
                    }));
                    reported_closed = true;
                }
                sleep_unless_stopped(Duration::from_millis(backoff.next_delay()), &stop);
            }
            Ok(mut p) => {
                backoff.reset();
                tracing::info!(port = %config.path, "device port open");
                let _ = tx.send(Output::Link(Link::Open));
                let reason = pump(p.as_mut(), &mut core, &tx, &stop, &now);
                for e in core.handle_disconnected() {
                    let _ = tx.send(Output::Device(e));
                }
                if !stop.load(Ordering::SeqCst) {
                    tracing::warn!(port = %config.path, %reason, "device port lost");
                }
                let _ = tx.send(Output::Link(Link::Closed { reason }));
                reported_closed = true;
            }
        }
    }
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
    }
}

/// Carries out a step; Err with the reason when the port is gone.
fn carry<E>(
    port: &mut dyn SerialPort,
    step: Step<E>,
    tx: &Sender<Output<E>>,
) -> Result<(), String> {
    for e in step.events {
        let _ = tx.send(Output::Device(e));
    }
    for bytes in step.send {
        port::write(port, &bytes).map_err(|e| format!("write failed: {e}"))?;
    }
    Ok(())
}

/// Runs until the port is gone or a stop is requested; returns why it ended.
fn pump<C: Core>(
    port: &mut dyn SerialPort,
    core: &mut C,
    tx: &Sender<Output<C::Event>>,
    stop: &AtomicBool,
    now: &dyn Fn() -> u64,
) -> String {
    if let Err(reason) = carry(port, core.handle_connected(now()), tx) {
        return reason;
    }
    let mut buf = [0u8; 4096];
    loop {
        if stop.load(Ordering::SeqCst) {
            return "driver stopped".into();
        }
        let step = match port::read(port, &mut buf) {
            ReadOutcome::Data(n) => core.handle_bytes(now(), &buf[..n]),
            ReadOutcome::Quiet => Step::default(),
            ReadOutcome::Gone(e) => return format!("read failed: {e}"),
        };
        if let Err(reason) = carry(port, step, tx) {
            return reason;
        }
        if core.next_deadline().is_some_and(|d| now() >= d)
            && let Err(reason) = carry(port, core.handle_timeout(now()), tx)
        {
            return reason;
        }
    }
}
