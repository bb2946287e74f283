//! The cabinet on its own thread: samples the inputs every few milliseconds, drives the
//! outputs, and sends events to the app as typed messages.

use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::backend::Backend;
use crate::machine::{Cabinet, Event, Pattern};
use crate::profile::{Input, Output, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    SetPattern(Pattern),
    PowerCycle(Output),
}

pub struct GpioDriver {
    pub events: Receiver<Event>,
    pub commands: Sender<Command>,
    thread: Option<JoinHandle<()>>,
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
    let mut cabinet = Cabinet::new(profile);
    let thread = std::thread::Builder::new()
        .name("gpio".into())
        .spawn(move || {
            let start = Instant::now();
            loop {
                let now = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                loop {
                    match cmd_rx.try_recv() {
                        Ok(Command::SetPattern(p)) => cabinet.set_pattern(now, p),
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
                            for e in cabinet.sample(now, i, level) {
                                let _ = ev_tx.send(e);
                            }
                        }
                        Ok(None) => {}
                        Err(e) => warn_once(&e.to_string()),
                    }
                }
                let (events, changes) = cabinet.tick(now);
                for e in events {
                    let _ = ev_tx.send(e);
                }
                for (o, level) in changes {
                    if let Err(e) = backend.write(o, level) {
                        warn_once(&e.to_string());
                    }
                }
                std::thread::sleep(SAMPLE);
            }
        })
        .ok();
    GpioDriver {
        events: ev_rx,
        commands: cmd_tx,
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
