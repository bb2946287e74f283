//! The requests of the SAM_V protocol (command and parameter bytes).

use crate::frame::encode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    ResetSam,
    SamStatus,
    ReadSamId,
    FindCard,
    SelectCard,
    /// Text and photo.
    ReadText,
    /// Text, photo and fingerprint.
    ReadTextFingerprint,
    /// The appended (new) address written after the card was issued.
    ReadAppendedAddress,
    /// Maximum bytes per RF frame, 24..=255.
    SetMaxRfFrame(u8),
    /// Switch the serial speed: 115200, 57600, 38400, 19200 or 9600.
    SetBaud(u32),
}

/// The commands without arguments and their bytes: one table, read both ways.
const FIXED: [(Command, [u8; 2]); 8] = [
    (Command::ResetSam, [0x10, 0xFF]),
    (Command::SamStatus, [0x11, 0xFF]),
    (Command::ReadSamId, [0x12, 0xFF]),
    (Command::FindCard, [0x20, 0x01]),
    (Command::SelectCard, [0x20, 0x02]),
    (Command::ReadText, [0x30, 0x01]),
    (Command::ReadTextFingerprint, [0x30, 0x10]),
    (Command::ReadAppendedAddress, [0x30, 0x03]),
];

/// Serial speeds by their code in `0x60 code`.
const BAUDS: [u32; 5] = [115_200, 57_600, 38_400, 19_200, 9_600];

impl Command {
    /// Command, parameter and data bytes.
    pub fn body(self) -> Vec<u8> {
        match self {
            Command::SetMaxRfFrame(n) => vec![0x61, 0xFF, n.clamp(24, 255)],
            Command::SetBaud(baud) => {
                let code = BAUDS.iter().position(|&b| b == baud).unwrap_or(0);
                vec![0x60, code as u8]
            }
            fixed => FIXED
                .iter()
                .find(|(c, _)| *c == fixed)
                .map_or_else(Vec::new, |(_, bytes)| bytes.to_vec()),
        }
    }

    pub fn encode(self) -> Vec<u8> {
        encode(&self.body())
    }

    /// Recognises a request body (used by the simulator).
    pub fn parse(body: &[u8]) -> Option<Command> {
        match body {
            [0x61, 0xFF, n] => Some(Command::SetMaxRfFrame(*n)),
            [0x60, c] => Some(Command::SetBaud(
                BAUDS.get(usize::from(*c)).copied().unwrap_or(BAUDS[0]),
            )),
            _ => FIXED.iter().find(|(_, b)| b[..] == *body).map(|(c, _)| *c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_request_bytes() {
        let after_preamble = |c: Command| c.encode()[5..].to_vec();
        assert_eq!(
            after_preamble(Command::ResetSam),
            [0x00, 0x03, 0x10, 0xFF, 0xEC]
        );
        assert_eq!(
            after_preamble(Command::SamStatus),
            [0x00, 0x03, 0x11, 0xFF, 0xED]
        );
        assert_eq!(
            after_preamble(Command::ReadSamId),
            [0x00, 0x03, 0x12, 0xFF, 0xEE]
        );
        assert_eq!(
            after_preamble(Command::FindCard),
            [0x00, 0x03, 0x20, 0x01, 0x22]
        );
        assert_eq!(
            after_preamble(Command::SelectCard),
            [0x00, 0x03, 0x20, 0x02, 0x21]
        );
        assert_eq!(
            after_preamble(Command::ReadText),
            [0x00, 0x03, 0x30, 0x01, 0x32]
        );
        assert_eq!(
            after_preamble(Command::ReadTextFingerprint),
            [0x00, 0x03, 0x30, 0x10, 0x23]
        );
        assert_eq!(
            after_preamble(Command::ReadAppendedAddress),
            [0x00, 0x03, 0x30, 0x03, 0x30]
        );
        assert_eq!(
            after_preamble(Command::SetMaxRfFrame(0x50)),
            [0x00, 0x04, 0x61, 0xFF, 0x50, 0xCA]
        );
    }

    #[test]
    fn requests_parse_back() {
        for c in [
            Command::ResetSam,
            Command::SamStatus,
            Command::ReadSamId,
            Command::FindCard,
            Command::SelectCard,
            Command::ReadText,
            Command::ReadTextFingerprint,
            Command::ReadAppendedAddress,
            Command::SetMaxRfFrame(80),
            Command::SetBaud(9600),
        ] {
            assert_eq!(Command::parse(&c.body()), Some(c));
        }
    }
}
