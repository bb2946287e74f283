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

impl Command {
    /// Command, parameter and data bytes.
    pub fn body(self) -> Vec<u8> {
        match self {
            Command::ResetSam => vec![0x10, 0xFF],
            Command::SamStatus => vec![0x11, 0xFF],
            Command::ReadSamId => vec![0x12, 0xFF],
            Command::FindCard => vec![0x20, 0x01],
            Command::SelectCard => vec![0x20, 0x02],
            Command::ReadText => vec![0x30, 0x01],
            Command::ReadTextFingerprint => vec![0x30, 0x10],
            Command::ReadAppendedAddress => vec![0x30, 0x03],
            Command::SetMaxRfFrame(n) => vec![0x61, 0xFF, n.clamp(24, 255)],
            Command::SetBaud(baud) => {
                let code = match baud {
                    57600 => 1,
                    38400 => 2,
                    19200 => 3,
                    9600 => 4,
                    _ => 0,
                };
                vec![0x60, code]
            }
        }
    }

    pub fn encode(self) -> Vec<u8> {
        encode(&self.body())
    }

    /// Recognises a request body (used by the simulator).
    pub fn parse(body: &[u8]) -> Option<Command> {
        Some(match body {
            [0x10, 0xFF] => Command::ResetSam,
            [0x11, 0xFF] => Command::SamStatus,
            [0x12, 0xFF] => Command::ReadSamId,
            [0x20, 0x01] => Command::FindCard,
            [0x20, 0x02] => Command::SelectCard,
            [0x30, 0x01] => Command::ReadText,
            [0x30, 0x10] => Command::ReadTextFingerprint,
            [0x30, 0x03] => Command::ReadAppendedAddress,
            [0x61, 0xFF, n] => Command::SetMaxRfFrame(*n),
            [0x60, c] => Command::SetBaud(match c {
                1 => 57600,
                2 => 38400,
                3 => 19200,
                4 => 9600,
                _ => 115200,
            }),
            _ => return None,
        })
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
