//! SAM_V framing: `AA AA AA 96 69`, a big-endian length counting every byte after itself
//! (checksum included), the body, and an XOR checksum over length and body.
//!
//! The decoder accepts a byte stream in any fragmentation, skips garbage before a preamble,
//! and re-synchronises after a bad frame by scanning again from the byte after the bad
//! preamble, so a truncated frame followed by a good one loses only the truncated one.

use thiserror::Error;

pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// The largest reply in the protocol is text + photo + fingerprint (LEN 0x090A); anything
/// much larger is a corrupted length, not a frame to wait for.
pub const MAX_LEN: usize = 0x0A00;

/// XOR of every byte.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// A whole frame for `body` (command + parameter + data, or a reply's status + data).
pub fn encode(body: &[u8]) -> Vec<u8> {
    let len = body.len() + 1;
    let mut out = Vec::with_capacity(PREAMBLE.len() + 2 + len);
    out.extend_from_slice(&PREAMBLE);
    // Bodies are built by this crate and bounded well below u16::MAX.
    out.push((len >> 8) as u8);
    out.push((len & 0xFF) as u8);
    out.extend_from_slice(body);
    let chk = checksum(&out[PREAMBLE.len()..]);
    out.push(chk);
    out
}

/// A checked frame: its body, without preamble, length and checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error(
        "checksum mismatch (frame says {expected:#04x}, bytes give {actual:#04x}): line noise or a loose cable"
    )]
    Checksum { expected: u8, actual: u8 },
    #[error("impossible frame length {0}: the stream is corrupted")]
    Length(usize),
    #[error("{0} bytes of garbage before a frame were skipped")]
    Garbage(usize),
}

/// What the decoder found in the bytes fed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Frame(Frame),
    Error(FrameError),
}

#[derive(Debug, Default, Clone)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes waiting for the rest of a frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Drops a partial frame (after a timeout: the rest is not coming).
    pub fn reset(&mut self) {
        self.buf.clear();
    }

    /// Feeds bytes; returns every frame and problem now complete, in stream order.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Vec<Decoded> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let Some(start) = find_preamble(&self.buf) else {
                // Keep a tail that may be the start of a preamble.
                let keep = preamble_prefix_len(&self.buf);
                let garbage = self.buf.len() - keep;
                if garbage > 0 {
                    out.push(Decoded::Error(FrameError::Garbage(garbage)));
                    self.buf.drain(..garbage);
                }
                return out;
            };
            if start > 0 {
                out.push(Decoded::Error(FrameError::Garbage(start)));
                self.buf.drain(..start);
            }
            let header = PREAMBLE.len() + 2;
            if self.buf.len() < header {
                return out;
            }
            let len = usize::from(self.buf[5]) << 8 | usize::from(self.buf[6]);
            if !(2..=MAX_LEN).contains(&len) {
                out.push(Decoded::Error(FrameError::Length(len)));
                self.buf.drain(..1);
                continue;
            }
            if self.buf.len() < header + len {
                return out;
            }
            let frame = &self.buf[PREAMBLE.len()..header + len];
            let expected = frame[frame.len() - 1];
            let actual = checksum(&frame[..frame.len() - 1]);
            if expected != actual {
                out.push(Decoded::Error(FrameError::Checksum { expected, actual }));
                self.buf.drain(..1);
                continue;
            }
            let body = self.buf[header..header + len - 1].to_vec();
            self.buf.drain(..header + len);
            out.push(Decoded::Frame(Frame { body }));
        }
    }
}

fn find_preamble(buf: &[u8]) -> Option<usize> {
    buf.windows(PREAMBLE.len()).position(|w| w == PREAMBLE)
}

/// Length of the longest suffix of `buf` that is a proper prefix of the preamble.
fn preamble_prefix_len(buf: &[u8]) -> usize {
    (1..PREAMBLE.len())
        .rev()
        .find(|&n| buf.len() >= n && buf[buf.len() - n..] == PREAMBLE[..n])
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn encodes_the_spec_requests() {
        assert_eq!(encode(&[0x20, 0x01]), hex("AA AA AA 96 69 00 03 20 01 22"));
        assert_eq!(
            encode(&[0x61, 0xFF, 0x50]),
            hex("AA AA AA 96 69 00 04 61 FF 50 CA")
        );
    }

    #[test]
    fn decodes_the_spec_replies() {
        let mut d = Decoder::new();
        let out = d.handle_bytes(&hex("AA AA AA 96 69 00 04 00 00 80 84"));
        assert_eq!(
            out,
            vec![Decoded::Frame(Frame {
                body: vec![0, 0, 0x80]
            })]
        );
        let out = d.handle_bytes(&hex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"));
        assert_eq!(
            out,
            vec![Decoded::Frame(Frame {
                body: vec![0, 0, 0x9F, 0, 0, 0, 0]
            })]
        );
    }

    #[test]
    fn skips_garbage_and_keeps_a_split_preamble() {
        let mut d = Decoder::new();
        let frame = hex("AA AA AA 96 69 00 04 00 00 80 84");
        let mut first = vec![0x11, 0x22];
        first.extend_from_slice(&frame[..3]);
        let out = d.handle_bytes(&first);
        assert_eq!(out, vec![Decoded::Error(FrameError::Garbage(2))]);
        let out = d.handle_bytes(&frame[3..]);
        assert!(matches!(out[..], [Decoded::Frame(_)]));
    }

    #[test]
    fn a_truncated_frame_costs_only_itself() {
        let mut d = Decoder::new();
        let good = hex("AA AA AA 96 69 00 04 00 00 80 84");
        let long = encode(&[0, 0, 0x90, 1, 2, 3, 4, 5, 6, 7, 8]);
        let mut stream = long[..9].to_vec(); // cut off
        stream.extend_from_slice(&good);
        stream.extend_from_slice(&good);
        let frames: Vec<_> = d
            .handle_bytes(&stream)
            .into_iter()
            .filter(|x| matches!(x, Decoded::Frame(_)))
            .collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn bad_checksums_are_reported() {
        let mut d = Decoder::new();
        let out = d.handle_bytes(&hex("AA AA AA 96 69 00 04 00 00 80 85"));
        assert!(matches!(
            out[0],
            Decoded::Error(FrameError::Checksum { .. })
        ));
    }
}
