//! The ID-card reader driver: the SAM_V core pumped over a serial port.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use onevisit_idcard::mask;
use onevisit_idcard::reader::{
    Action, CardRead, CardReader, Config, Event, ReadError, ReaderStatus,
};
use thiserror::Error;

use crate::port::{self, PortError, ReadOutcome};
use crate::pump::{self, Core, Driver, PortConfig, Step};

pub struct IdCardCore {
    reader: CardReader,
}

impl IdCardCore {
    pub fn new(config: Config, today: NaiveDate) -> Self {
        IdCardCore {
            reader: CardReader::new(config, today),
        }
    }
}

/// Splits the core's actions, logging what a technician needs without personal data.
fn step(actions: Vec<Action>) -> Step<Event> {
    let mut s = Step::default();
    for a in actions {
        match a {
            Action::Send(b) => s.send.push(b),
            Action::Event(e) => {
                log(&e);
                if e != Event::NoCard {
                    s.events.push(e);
                }
            }
        }
    }
    s
}

fn log(e: &Event) {
    match e {
        Event::CardRead(r) => tracing::info!(
            id = %mask::id_number(&r.card.id_number),
            card_type = ?r.card.card_type,
            "ID card read"
        ),
        Event::ReadFailed(err) => tracing::warn!(%err, "ID card read failed"),
        Event::Status(s) => tracing::info!(status = ?s, "ID-card reader status"),
        Event::LineNoise(n) => tracing::debug!(%n, "ID-card reader line noise"),
        Event::CardRemoved | Event::NoCard => {}
    }
}

impl Core for IdCardCore {
    type Event = Event;
    fn connected(&mut self, now: u64) -> Step<Event> {
        step(self.reader.on_connected(now))
    }
    fn bytes(&mut self, now: u64, bytes: &[u8]) -> Step<Event> {
        step(self.reader.on_bytes(now, bytes))
    }
    fn tick(&mut self, now: u64) -> Step<Event> {
        step(self.reader.on_tick(now))
    }
    fn deadline(&self) -> Option<u64> {
        self.reader.next_deadline()
    }
    fn disconnected(&mut self) -> Vec<Event> {
        step(self.reader.on_disconnected()).events
    }
}

/// Polls the reader continuously on its own thread.
pub fn spawn(port: PortConfig, config: Config, today: NaiveDate) -> Driver<Event> {
    pump::spawn(port, IdCardCore::new(config, today))
}

#[derive(Debug, Error)]
pub enum ReadOnceError {
    #[error(transparent)]
    Port(#[from] PortError),
    #[error("no card on the reader: place the ID card flat on the reader and try again")]
    NoCard,
    #[error("the card could not be read: {0}")]
    Read(ReadError),
    #[error("the reader did not answer within {0} ms: check the cable, the port and the baud rate")]
    NotResponding(u64),
    #[error("the reader reports a fault: {0}")]
    Faulty(String),
    #[error("the port went away during the read ({0}): check the cable")]
    Lost(String),
}

/// One read from the reader at `path`: the card, or why there is none.
pub fn read_once(
    path: &str,
    baud: u32,
    timeout: Duration,
    today: NaiveDate,
) -> Result<CardRead, ReadOnceError> {
    let mut p = port::open(path, baud)?;
    let config = Config {
        reset_after_failures: u32::MAX,
        ..Config::default()
    };
    let mut reader = CardReader::new(config, today);
    let start = Instant::now();
    let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut actions = reader.on_connected(now());
    let mut buf = [0u8; 4096];
    loop {
        for a in actions.drain(..) {
            match a {
                Action::Send(b) => {
                    port::write(p.as_mut(), &b).map_err(|e| ReadOnceError::Lost(e.to_string()))?
                }
                Action::Event(Event::CardRead(r)) => return Ok(*r),
                Action::Event(Event::NoCard) => return Err(ReadOnceError::NoCard),
                Action::Event(Event::ReadFailed(e)) => return Err(ReadOnceError::Read(e)),
                Action::Event(Event::Status(ReaderStatus::NotResponding)) => {
                    return Err(ReadOnceError::NotResponding(now()));
                }
                Action::Event(Event::Status(ReaderStatus::Faulty(s))) => {
                    return Err(ReadOnceError::Faulty(s.to_string()));
                }
                Action::Event(_) => {}
            }
        }
        if start.elapsed() > timeout {
            return Err(ReadOnceError::NotResponding(now()));
        }
        match port::read(p.as_mut(), &mut buf) {
            ReadOutcome::Data(n) => actions = reader.on_bytes(now(), &buf[..n]),
            ReadOutcome::Quiet => {}
            ReadOutcome::Gone(e) => return Err(ReadOnceError::Lost(e.to_string())),
        }
        if reader.next_deadline().is_some_and(|d| now() >= d) {
            actions.extend(reader.on_tick(now()));
        }
    }
}
