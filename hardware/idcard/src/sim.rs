//! A simulated SAM_V reader: requests in, replies out, byte for byte as a real module answers,
//! with faults on demand. The serial simulator puts this behind a pseudo-terminal; tests can
//! also use it directly.

use serde::Deserialize;

use crate::card::{Card, PHOTO_LEN, encode_appended_address, encode_text};
use crate::command::Command;
use crate::frame::{Decoded, Decoder, FrameError, encode};
use crate::reader::encode_read_reply;
use crate::status::Status;

/// A card on the simulated reader: the card's fields plus what only the chip holds.
#[derive(Debug, Clone, Deserialize)]
pub struct SimCard {
    #[serde(flatten)]
    pub card: Card,
    /// The photo blob; a real card holds 1024 bytes of WLT data. Zeros when absent.
    #[serde(default)]
    pub photo_hex: Option<String>,
}

impl SimCard {
    fn photo(&self) -> Vec<u8> {
        let mut p: Vec<u8> = self
            .photo_hex
            .as_deref()
            .map(|h| {
                h.as_bytes()
                    .chunks(2)
                    .filter_map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                    .collect()
            })
            .unwrap_or_default();
        p.resize(PHOTO_LEN, 0);
        p
    }
}

/// Faults to put on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Corrupt the checksum of replies.
    BadChecksum,
    /// Send only the first half of replies.
    Truncated,
    /// Answer nothing.
    Silent,
    /// Answer reads with this SW3 (card-level codes), or every command (reader-level codes).
    SamError(u8),
}

/// One reply, and how long the simulated module takes before sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub bytes: Vec<u8>,
    pub delay_ms: u64,
}

#[derive(Debug, Default)]
pub struct SimReader {
    decoder: Decoder,
    pub card: Option<SimCard>,
    fault: Option<(Fault, Option<u32>)>,
    /// Extra delay before every reply.
    pub delay_ms: u64,
    /// Requests answered so far (for tests and the technician's view).
    pub requests: u64,
    /// Requests answered with a fault so far (tests check that a fault really fired).
    pub faults: u64,
}

impl SimReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts a fault on the next `times` replies (every reply when None).
    pub fn set_fault(&mut self, fault: Option<Fault>, times: Option<u32>) {
        self.fault = fault.map(|f| (f, times));
    }

    /// The fault for a reply to `cmd`, counting it against the fault's remaining uses. A SAM
    /// error with a card-level code only concerns reads, so other replies do not use it up.
    fn active_fault(&mut self, cmd: Option<Command>) -> Option<Fault> {
        let (fault, times) = self.fault?;
        if let Fault::SamError(code) = fault {
            let is_read = matches!(cmd, Some(Command::ReadText | Command::ReadTextFingerprint));
            if !is_read && !Status::from_sw3(code).is_reader_fault() {
                return None;
            }
        }
        match times {
            None => Some(fault),
            Some(0) => {
                self.fault = None;
                None
            }
            Some(n) => {
                self.fault = Some((fault, Some(n - 1)));
                Some(fault)
            }
        }
    }

    /// Feeds request bytes; returns the replies to send.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Vec<Reply> {
        let mut out = Vec::new();
        for d in self.decoder.handle_bytes(bytes) {
            let body = match d {
                Decoded::Frame(f) => f.body,
                Decoded::Error(FrameError::Checksum { .. }) => {
                    out.push(self.reply(status_only(Status::ChecksumError)));
                    continue;
                }
                Decoded::Error(FrameError::Length(_)) => {
                    out.push(self.reply(status_only(Status::LengthError)));
                    continue;
                }
                Decoded::Error(FrameError::Garbage(_)) => continue,
            };
            self.requests += 1;
            let cmd = Command::parse(&body);
            let fault = self.active_fault(cmd);
            self.faults += u64::from(fault.is_some());
            let reply_body = match (fault, cmd) {
                (Some(Fault::Silent), _) => continue,
                (Some(Fault::SamError(code)), Some(_)) => status_only(Status::from_sw3(code)),
                (_, Some(c)) => self.answer(c),
                (_, None) => status_only(Status::CommandError),
            };
            let mut frame = encode(&reply_body);
            match fault {
                Some(Fault::BadChecksum) => {
                    if let Some(last) = frame.last_mut() {
                        *last ^= 0xFF;
                    }
                }
                Some(Fault::Truncated) => frame.truncate(frame.len() / 2),
                _ => {}
            }
            out.push(Reply {
                bytes: frame,
                delay_ms: self.delay_ms,
            });
        }
        out
    }

    fn reply(&self, body: Vec<u8>) -> Reply {
        Reply {
            bytes: encode(&body),
            delay_ms: self.delay_ms,
        }
    }

    fn answer(&self, cmd: Command) -> Vec<u8> {
        match (cmd, &self.card) {
            (Command::FindCard, Some(_)) => vec![0, 0, 0x9F, 0, 0, 0, 0],
            (Command::FindCard, None) => status_only(Status::FindFailed),
            (Command::SelectCard, Some(_)) => {
                let mut b = status_only(Status::Ok);
                b.extend_from_slice(&[0; 8]);
                b
            }
            (Command::SelectCard, None) => status_only(Status::SelectFailed),
            (Command::ReadText | Command::ReadTextFingerprint, Some(c)) => {
                let text = encode_text(&c.card);
                let photo = c.photo();
                let fp = (cmd == Command::ReadTextFingerprint).then_some(&[][..]);
                let mut b = status_only(Status::Ok);
                b.extend(encode_read_reply(&text, &photo, fp));
                b
            }
            (Command::ReadAppendedAddress, Some(c)) => match &c.card.appended_address {
                Some(a) => {
                    let mut b = status_only(Status::Ok);
                    b.extend_from_slice(&encode_appended_address(a));
                    b
                }
                None => status_only(Status::NoContent),
            },
            (
                Command::ReadText | Command::ReadTextFingerprint | Command::ReadAppendedAddress,
                None,
            ) => status_only(Status::FindFailed),
            (Command::ReadSamId, _) => {
                let mut b = status_only(Status::Ok);
                b.extend_from_slice(&[5, 0, 1, 0, 0x39, 0x30, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
                b
            }
            (
                Command::ResetSam
                | Command::SamStatus
                | Command::SetMaxRfFrame(_)
                | Command::SetBaud(_),
                _,
            ) => status_only(Status::Ok),
        }
    }
}

fn status_only(s: Status) -> Vec<u8> {
    vec![0, 0, s.sw3()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_card_error_waits_for_a_read() {
        let mut sim = SimReader::new();
        sim.set_fault(Some(Fault::SamError(0x41)), Some(1));
        // A find is answered normally and does not use the fault up.
        let r = sim.handle_bytes(&Command::FindCard.encode());
        assert_eq!(r[0].bytes[9], Status::FindFailed.sw3());
        let r = sim.handle_bytes(&Command::ReadText.encode());
        assert_eq!(r[0].bytes[9], 0x41);
        let r = sim.handle_bytes(&Command::ReadText.encode());
        assert_eq!(r[0].bytes[9], Status::FindFailed.sw3());
    }
}
