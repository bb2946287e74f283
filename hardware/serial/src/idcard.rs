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
use crate::today::Today;

pub struct IdCardCore {
    reader: CardReader,
    /// Asked before every step, so expiry is judged with the date of the read, not of start.
    today: Box<dyn Today>,
}

impl IdCardCore {
    /// `today`: a fixed date, or a clock (a function returning the local date).
    pub fn new(config: Config, today: impl Today) -> Self {
        IdCardCore {
            reader: CardReader::new(config, today.today()),
            today: Box::new(today),
        }
    }

    /// The date may have changed since the last step (a kiosk runs across midnight).
    fn refresh_today(&mut self) {
        self.reader.set_today(self.today.today());
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
    fn handle_connected(&mut self, now: u64) -> Step<Event> {
        self.refresh_today();
        step(self.reader.handle_connected(now))
    }
    fn handle_bytes(&mut self, now: u64, bytes: &[u8]) -> Step<Event> {
        self.refresh_today();
        step(self.reader.handle_bytes(now, bytes))
    }
    fn handle_timeout(&mut self, now: u64) -> Step<Event> {
        self.refresh_today();
        step(self.reader.handle_timeout(now))
    }
    fn next_deadline(&self) -> Option<u64> {
        self.reader.next_deadline()
    }
    fn handle_disconnected(&mut self) -> Vec<Event> {
        step(self.reader.handle_disconnected()).events
    }
}

/// Polls the reader continuously on its own thread. A kiosk passes a clock (a function
/// returning the local date): a date fixed at start goes stale after midnight.
pub fn spawn(port: PortConfig, config: Config, today: impl Today) -> Driver<Event> {
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
    let mut actions = reader.handle_connected(now());
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
            ReadOutcome::Data(n) => actions = reader.handle_bytes(now(), &buf[..n]),
            ReadOutcome::Quiet => {}
            ReadOutcome::Gone(e) => return Err(ReadOnceError::Lost(e.to_string())),
        }
        if reader.next_deadline().is_some_and(|d| now() >= d) {
            actions.extend(reader.handle_timeout(now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use onevisit_idcard::sim::{SimCard, SimReader};

    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A synthetic card whose last valid day is 2026-11-30.
    fn card_valid_to_nov_30() -> SimCard {
        serde_json::from_str(
            r#"{"card_type": "resident", "name": "张试民", "sex": "male", "nation": "汉",
                "birth": "1990-03-07", "address": "样例省样例市样例县幸福路1号",
                "id_number": "110101199003071233", "issuer": "样例县公安局",
                "valid_from": "2016-11-30", "valid_to": "2026-11-30"}"#,
        )
        .unwrap()
    }

    /// Pumps core and simulated module against each other until a card is read (or 200
    /// simulated seconds pass); returns whether it was judged expired.
    fn read_card(core: &mut IdCardCore, sim: &mut SimReader, now: &mut u64) -> Option<bool> {
        let mut pending = core.handle_timeout(*now).send;
        for _ in 0..2000 {
            for bytes in std::mem::take(&mut pending) {
                for reply in sim.handle_bytes(&bytes) {
                    let s = core.handle_bytes(*now, &reply.bytes);
                    pending.extend(s.send);
                    for e in s.events {
                        if let Event::CardRead(r) = e {
                            return Some(r.card.expired);
                        }
                    }
                }
            }
            *now += 100;
            pending.extend(core.handle_timeout(*now).send);
        }
        None
    }

    #[test]
    fn a_reader_running_across_midnight_judges_expiry_with_the_new_date() {
        let today = Arc::new(Mutex::new(date("2026-11-30")));
        let clock = today.clone();
        let mut core = IdCardCore::new(Config::default(), move || *clock.lock().unwrap());
        let mut sim = SimReader::new();
        let mut now = 0;
        let _ = core.handle_connected(now);
        sim.card = Some(card_valid_to_nov_30());
        assert_eq!(
            read_card(&mut core, &mut sim, &mut now),
            Some(false),
            "valid on its last day"
        );
        // The card is taken away; the kiosk keeps running past midnight.
        sim.card = None;
        for _ in 0..100 {
            now += 100;
            let s = core.handle_timeout(now);
            for b in s.send {
                for r in sim.handle_bytes(&b) {
                    let _ = core.handle_bytes(now, &r.bytes);
                }
            }
        }
        *today.lock().unwrap() = date("2026-12-01");
        sim.card = Some(card_valid_to_nov_30());
        assert_eq!(
            read_card(&mut core, &mut sim, &mut now),
            Some(true),
            "expired the day after"
        );
    }
}
