//! The cabinet on its own thread: samples the inputs every few milliseconds, drives the
//! outputs, and sends events to the app as typed messages.

use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::backend::Backend;
use crate::machine::{Cabinet, Event, Pattern};
use crate::profile::{Input, Output, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    SetPattern(Pattern),
    PowerCycle(Output),
    /// The help lamp on or off.
    Help(bool),
}

pub struct GpioDriver {
    pub events: Receiver<Event>,
    pub commands: Sender<Command>,
    /// Shared with the thread, so the app reads its lock and tamper state at once.
    cabinet: Arc<Mutex<Cabinet>>,
    thread: Option<JoinHandle<()>>,
}

impl GpioDriver {
    /// Technician mode accepted a PIN: the cabinet is back in service.
    pub fn unlock(&self) {
        if let Ok(mut c) = self.cabinet.lock() {
            c.unlock();
        }
    }

    /// Whether the cabinet was opened and no PIN has been entered since.
    pub fn technician_locked(&self) -> bool {
        self.cabinet
            .lock()
            .map(|c| c.technician_locked())
            .unwrap_or(true)
    }

    /// The tamper switch for the heartbeat (see [`Cabinet::tamper_state`]).
    pub fn tamper_state(&self) -> &'static str {
        self.cabinet
            .lock()
            .map(|c| c.tamper_state())
            .unwrap_or("open_locked")
    }
}

impl Drop for GpioDriver {
    fn drop(&mut self) {
        // Dropping the command sender ends the loop.
        let (dead, _) = channel();
        self.commands = dead;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const SAMPLE: Duration = Duration::from_millis(5);

pub fn spawn(profile: &Profile, mut backend: Box<dyn Backend>) -> GpioDriver {
    let (ev_tx, ev_rx) = channel();
    let (cmd_tx, cmd_rx) = channel::<Command>();
    let cabinet = Arc::new(Mutex::new(Cabinet::new(profile)));
    let start = Instant::now();
    let shared = cabinet.clone();
    let thread = std::thread::Builder::new()
        .name("gpio".into())
        .spawn(move || {
            loop {
                let now = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                let Ok(mut cabinet) = shared.lock() else {
                    return;
                };
                loop {
                    match cmd_rx.try_recv() {
                        Ok(Command::SetPattern(p)) => cabinet.set_pattern(now, p),
                        Ok(Command::Help(on)) => cabinet.set_help(on),
                        Ok(Command::PowerCycle(o)) => {
                            for e in cabinet.power_cycle(now, o) {
                                let _ = ev_tx.send(e);
                            }
                        }
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => return,
                    }
                }
                for i in Input::ALL {
                    match backend.read(i) {
                        Ok(Some(level)) => {
                            for e in cabinet.handle_input(now, i, level) {
                                let _ = ev_tx.send(e);
                            }
                        }
                        Ok(None) => {}
                        Err(e) => warn_once(&e.to_string()),
                    }
                }
                let (events, changes) = cabinet.handle_timeout(now);
                for e in events {
                    let _ = ev_tx.send(e);
                }
                for (o, level) in changes {
                    if let Err(e) = backend.write(o, level) {
                        warn_once(&e.to_string());
                    }
                }
                drop(cabinet);
                std::thread::sleep(SAMPLE);
            }
        })
        .ok();
    GpioDriver {
        events: ev_rx,
        commands: cmd_tx,
        cabinet,
        thread,
    }
}

/// Pin errors repeat every sample; log each distinct one once.
fn warn_once(msg: &str) {
    use std::sync::Mutex;
    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    if let Ok(mut seen) = SEEN.lock()
        && !seen.iter().any(|s| s == msg)
    {
        tracing::warn!(error = msg, "gpio pin error");
        seen.push(msg.to_owned());
    }
}
