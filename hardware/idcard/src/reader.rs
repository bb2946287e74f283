//! The read-card sequence as a state machine: find → select → read text and photo → read the
//! appended address, with reply timeouts, retries, a reader reset after repeated failures, and
//! debouncing of a card left on the reader.
//!
//! Time is milliseconds on any monotonic clock, passed in as `now`. The driver calls
//! [`CardReader::handle_bytes`] with what the port delivered and [`CardReader::handle_timeout`] whenever
//! [`CardReader::next_deadline`] passes, and carries out the returned [`Action`]s.

use chrono::NaiveDate;
use serde::Serialize;
use thiserror::Error;

use crate::card::{self, Card, CardError, PHOTO_LEN, TEXT_LEN};
use crate::command::Command;
use crate::frame::{Decoded, Decoder, FrameError};
use crate::status::Status;

#[derive(Debug, Clone)]
pub struct Config {
    /// How long to wait for a reply. A text+photo reply is ~112 ms on the wire at 115200 baud;
    /// the card itself needs a few hundred more.
    pub reply_timeout_ms: u64,
    /// Pause between polls when no card is present.
    pub poll_interval_ms: u64,
    /// Resends of a command that got no (or a garbled) reply.
    pub retries: u32,
    /// Consecutive failed exchanges after which the reader is reset.
    pub reset_after_failures: u32,
    /// The same card is not reported again until it has been away this long.
    pub debounce_ms: u64,
    pub read_fingerprint: bool,
    pub read_appended_address: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            reply_timeout_ms: 1500,
            poll_interval_ms: 300,
            retries: 2,
            reset_after_failures: 3,
            debounce_ms: 3000,
            read_fingerprint: false,
            read_appended_address: true,
        }
    }
}

/// The reader's health, for the UI and the heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum ReaderStatus {
    /// Not yet heard from.
    Unknown,
    Online,
    /// The port is gone (unplugged, or the device node disappeared).
    Offline,
    /// The port is there but the reader does not answer.
    NotResponding,
    /// The reader answers with an error about itself.
    Faulty(Status),
    /// A reset was sent after repeated failures.
    Resetting,
}

/// A card as read: its text, and the opaque WLT photo (and fingerprint, if asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRead {
    pub card: Card,
    pub photo: Vec<u8>,
    pub fingerprint: Option<Vec<u8>>,
    /// From the poll that found the card to the last reply (select, read, appended address):
    /// what the citizen waits for, and what a technician checks a tired reader by.
    pub took_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadError {
    #[error("{0}")]
    Card(#[from] Status),
    #[error("the card's data is unreadable: {0}")]
    Text(#[from] CardError),
    #[error("the reply to the read command is malformed ({0})")]
    Malformed(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    CardRead(Box<CardRead>),
    /// The card that was read is no longer on the reader.
    CardRemoved,
    /// A poll found no card (every poll; drivers usually ignore it).
    NoCard,
    /// A card was there but could not be read; the citizen should place it again.
    ReadFailed(ReadError),
    Status(ReaderStatus),
    /// Something unexpected on the line; logged, recovered from by retrying.
    LineNoise(FrameError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Send(Vec<u8>),
    Event(Event),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not polling (no port, or not started).
    Stopped,
    /// Next poll at this time.
    Idle { next_at: u64 },
    /// Waiting for the reply to `cmd`, sent for the `attempt`-th time.
    Waiting {
        cmd: Command,
        deadline: u64,
        attempt: u32,
    },
}

pub struct CardReader {
    config: Config,
    today: NaiveDate,
    phase: Phase,
    decoder: Decoder,
    status: ReaderStatus,
    failures: u32,
    /// The card read last and when it was last seen, for debouncing.
    present: Option<(String, u64)>,
    /// A card read whose appended address is being fetched.
    pending: Option<CardRead>,
    /// When the find-card poll that began this read was sent.
    polled_at: u64,
    /// …and when the card was found (the read's start), while reading it.
    found_at: Option<u64>,
}

impl CardReader {
    /// `today` decides whether a card has expired; update it with [`CardReader::set_today`].
    pub fn new(config: Config, today: NaiveDate) -> Self {
        CardReader {
            config,
            today,
            phase: Phase::Stopped,
            decoder: Decoder::new(),
            status: ReaderStatus::Unknown,
            failures: 0,
            present: None,
            pending: None,
            polled_at: 0,
            found_at: None,
        }
    }

    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = today;
    }

    pub fn status(&self) -> ReaderStatus {
        self.status
    }

    /// Forget the last card, so placing it again is reported (a new session has started).
    pub fn forget_card(&mut self) {
        self.present = None;
    }

    /// The port is open: start polling.
    pub fn handle_connected(&mut self, now: u64) -> Vec<Action> {
        self.decoder.reset();
        self.pending = None;
        self.phase = Phase::Idle { next_at: now };
        self.handle_timeout(now)
    }

    /// The port went away.
    pub fn handle_disconnected(&mut self) -> Vec<Action> {
        self.phase = Phase::Stopped;
        self.decoder.reset();
        self.pending = None;
        let mut out = Vec::new();
        self.set_status(ReaderStatus::Offline, &mut out);
        out
    }

    /// When [`CardReader::handle_timeout`] next has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        match self.phase {
            Phase::Stopped => None,
            Phase::Idle { next_at } => Some(next_at),
            Phase::Waiting { deadline, .. } => Some(deadline),
        }
    }

    pub fn handle_timeout(&mut self, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        match self.phase {
            Phase::Idle { next_at } if now >= next_at => {
                self.polled_at = now;
                self.send(Command::FindCard, now, 1, &mut out);
            }
            Phase::Waiting {
                cmd,
                deadline,
                attempt,
            } if now >= deadline => {
                self.decoder.reset();
                self.retry_or_fail(cmd, attempt, now, ReaderStatus::NotResponding, &mut out);
            }
            _ => {}
        }
        out
    }

    pub fn handle_bytes(&mut self, now: u64, bytes: &[u8]) -> Vec<Action> {
        let mut out = Vec::new();
        for d in self.decoder.handle_bytes(bytes) {
            match d {
                Decoded::Frame(f) => self.handle_frame(now, &f.body, &mut out),
                Decoded::Error(FrameError::Garbage(n)) => {
                    out.push(Action::Event(Event::LineNoise(FrameError::Garbage(n))));
                }
                Decoded::Error(e) => {
                    out.push(Action::Event(Event::LineNoise(e)));
                    // The reply we wait for was garbled: ask again now rather than at timeout.
                    if let Phase::Waiting { cmd, attempt, .. } = self.phase {
                        self.decoder.reset();
                        self.retry_or_fail(
                            cmd,
                            attempt,
                            now,
                            ReaderStatus::NotResponding,
                            &mut out,
                        );
                    }
                }
            }
        }
        out
    }

    fn send(&mut self, cmd: Command, now: u64, attempt: u32, out: &mut Vec<Action>) {
        out.push(Action::Send(cmd.encode()));
        self.phase = Phase::Waiting {
            cmd,
            deadline: now + self.config.reply_timeout_ms,
            attempt,
        };
    }

    fn idle(&mut self, now: u64) {
        self.found_at = None;
        self.phase = Phase::Idle {
            next_at: now + self.config.poll_interval_ms,
        };
    }

    fn set_status(&mut self, s: ReaderStatus, out: &mut Vec<Action>) {
        if self.status != s {
            self.status = s;
            out.push(Action::Event(Event::Status(s)));
        }
    }

    fn retry_or_fail(
        &mut self,
        cmd: Command,
        attempt: u32,
        now: u64,
        status: ReaderStatus,
        out: &mut Vec<Action>,
    ) {
        if attempt <= self.config.retries {
            self.send(cmd, now, attempt + 1, out);
            return;
        }
        self.pending = None;
        self.fail(now, status, out);
    }

    /// A failed exchange: report, and reset the reader after too many in a row.
    fn fail(&mut self, now: u64, status: ReaderStatus, out: &mut Vec<Action>) {
        self.failures += 1;
        if self.failures >= self.config.reset_after_failures {
            self.failures = 0;
            self.set_status(ReaderStatus::Resetting, out);
            self.send(Command::ResetSam, now, 1, out);
            // A reset that is not answered must not loop forever on retries.
            if let Phase::Waiting { cmd, deadline, .. } = self.phase {
                self.phase = Phase::Waiting {
                    cmd,
                    deadline,
                    attempt: self.config.retries + 1,
                };
            }
            return;
        }
        self.set_status(status, out);
        self.idle(now);
    }

    fn handle_frame(&mut self, now: u64, body: &[u8], out: &mut Vec<Action>) {
        let Phase::Waiting { cmd, attempt, .. } = self.phase else {
            // An unsolicited or late reply: nothing waits for it.
            return;
        };
        if body.len() < 3 {
            out.push(Action::Event(Event::LineNoise(FrameError::Length(
                body.len(),
            ))));
            return self.retry_or_fail(cmd, attempt, now, ReaderStatus::NotResponding, out);
        }
        let status = Status::from_sw3(body[2]);
        let data = &body[3..];
        if status.is_reader_fault() {
            return self.fail(now, ReaderStatus::Faulty(status), out);
        }
        self.failures = 0;
        self.set_status(ReaderStatus::Online, out);
        match (cmd, status) {
            (Command::FindCard, Status::CardFound) => {
                self.found_at = Some(self.polled_at);
                self.send(Command::SelectCard, now, 1, out)
            }
            (Command::FindCard, _) => {
                if self.present.take().is_some() {
                    out.push(Action::Event(Event::CardRemoved));
                }
                out.push(Action::Event(Event::NoCard));
                self.idle(now);
            }
            (Command::SelectCard, Status::Ok) => {
                let read = if self.config.read_fingerprint {
                    Command::ReadTextFingerprint
                } else {
                    Command::ReadText
                };
                self.send(read, now, 1, out);
            }
            (Command::ReadText | Command::ReadTextFingerprint, Status::Ok) => {
                match parse_read_reply(data, cmd == Command::ReadTextFingerprint, self.today) {
                    Ok(read) if self.config.read_appended_address => {
                        self.pending = Some(read);
                        self.send(Command::ReadAppendedAddress, now, 1, out);
                    }
                    Ok(read) => self.finish(now, read, out),
                    Err(e) => {
                        out.push(Action::Event(Event::ReadFailed(e)));
                        self.idle(now);
                    }
                }
            }
            (Command::ReadAppendedAddress, _) => {
                if let Some(mut read) = self.pending.take() {
                    if status == Status::Ok {
                        read.card.appended_address = card::decode_appended_address(data);
                    }
                    self.finish(now, read, out);
                } else {
                    self.idle(now);
                }
            }
            (Command::ResetSam, _) => self.idle(now),
            (
                Command::SelectCard | Command::ReadText | Command::ReadTextFingerprint,
                Status::FindFailed | Status::SelectFailed,
            ) => {
                // The card moved away mid-read: quietly start over.
                self.idle(now);
            }
            (_, other) => {
                out.push(Action::Event(Event::ReadFailed(ReadError::Card(other))));
                self.idle(now);
            }
        }
    }

    fn finish(&mut self, now: u64, mut read: CardRead, out: &mut Vec<Action>) {
        read.took_ms = self
            .found_at
            .take()
            .map_or(0, |found| now.saturating_sub(found));
        let id = read.card.id_number.clone();
        let repeat = matches!(&self.present, Some((last, seen))
            if *last == id && now.saturating_sub(*seen) < self.config.debounce_ms);
        self.present = Some((id, now));
        if !repeat {
            out.push(Action::Event(Event::CardRead(Box::new(read))));
        }
        self.idle(now);
    }
}

fn u16be(b: &[u8]) -> usize {
    usize::from(b[0]) << 8 | usize::from(b[1])
}

/// The data of a read reply: lengths, then text, photo and (optionally) fingerprint.
pub fn parse_read_reply(
    data: &[u8],
    with_fingerprint: bool,
    today: NaiveDate,
) -> Result<CardRead, ReadError> {
    let header = if with_fingerprint { 6 } else { 4 };
    if data.len() < header {
        return Err(ReadError::Malformed("too short for its length fields"));
    }
    let text_len = u16be(&data[0..2]);
    let photo_len = u16be(&data[2..4]);
    let fp_len = if with_fingerprint {
        u16be(&data[4..6])
    } else {
        0
    };
    if text_len != TEXT_LEN || photo_len > PHOTO_LEN {
        return Err(ReadError::Malformed("unexpected text or photo length"));
    }
    if data.len() < header + text_len + photo_len + fp_len {
        return Err(ReadError::Malformed("shorter than its length fields say"));
    }
    let text = &data[header..header + text_len];
    let photo = data[header + text_len..header + text_len + photo_len].to_vec();
    let fingerprint = with_fingerprint.then(|| {
        data[header + text_len + photo_len..header + text_len + photo_len + fp_len].to_vec()
    });
    let card = card::decode_text(text, today)?;
    Ok(CardRead {
        card,
        photo,
        fingerprint,
        took_ms: 0,
    })
}

/// The data of a read reply, the other way round (for the simulator).
pub fn encode_read_reply(text: &[u8], photo: &[u8], fingerprint: Option<&[u8]>) -> Vec<u8> {
    let len16 = |n: usize| [(n >> 8) as u8, (n & 0xFF) as u8];
    let mut data = Vec::with_capacity(6 + text.len() + photo.len() + 1024);
    data.extend_from_slice(&len16(text.len()));
    data.extend_from_slice(&len16(photo.len()));
    if let Some(fp) = fingerprint {
        data.extend_from_slice(&len16(fp.len()));
    }
    data.extend_from_slice(text);
    data.extend_from_slice(photo);
    if let Some(fp) = fingerprint {
        data.extend_from_slice(fp);
    }
    data
}
