//! SW3 status codes of SAM_V replies, with what a technician should make of them.

use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Error)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[error("ok")]
    Ok,
    #[error("card found")]
    CardFound,
    #[error("no content for this item (e.g. the card has no fingerprint or appended address)")]
    NoContent,
    #[error("the reader got a bad checksum from us: check the cable and baud rate")]
    ChecksumError,
    #[error("the reader got a bad length from us: check the cable and baud rate")]
    LengthError,
    #[error("the reader does not know this command: check the reader model")]
    CommandError,
    #[error("operation not permitted by the reader")]
    NotPermitted,
    #[error("the reader reports an unknown error")]
    UnknownError,
    #[error("the card rejected the SAM: the card may be damaged or not a resident ID card")]
    CardRejectedSam,
    #[error("the SAM rejected the card: the card may be forged or damaged")]
    SamRejectedCard,
    #[error("card information failed verification: ask the citizen to place the card again")]
    VerificationError,
    #[error("wrong card type: this is not a resident ID card or residence permit")]
    WrongCardType,
    #[error("reading the card failed: ask the citizen to hold the card still on the reader")]
    ReadFailed,
    #[error("random-number failure in the SAM: reset the reader")]
    RandomFailure,
    #[error("the SAM self-test failed: the reader needs service")]
    SamSelfTestFailed,
    #[error("the SAM is not authorised: the reader needs to be re-authorised by the vendor")]
    SamNotAuthorised,
    #[error("no card on the reader")]
    FindFailed,
    #[error("selecting the card failed: ask the citizen to place the card again")]
    SelectFailed,
    #[error("unknown status code {0:#04x}")]
    Other(u8),
}

impl Status {
    pub fn from_sw3(sw3: u8) -> Status {
        match sw3 {
            0x90 => Status::Ok,
            0x9F => Status::CardFound,
            0x91 => Status::NoContent,
            0x10 => Status::ChecksumError,
            0x11 => Status::LengthError,
            0x21 => Status::CommandError,
            0x23 => Status::NotPermitted,
            0x24 => Status::UnknownError,
            0x31 => Status::CardRejectedSam,
            0x32 => Status::SamRejectedCard,
            0x33 => Status::VerificationError,
            0x40 => Status::WrongCardType,
            0x41 => Status::ReadFailed,
            0x47 => Status::RandomFailure,
            0x60 => Status::SamSelfTestFailed,
            0x66 => Status::SamNotAuthorised,
            0x80 => Status::FindFailed,
            0x81 => Status::SelectFailed,
            other => Status::Other(other),
        }
    }

    pub fn sw3(self) -> u8 {
        match self {
            Status::Ok => 0x90,
            Status::CardFound => 0x9F,
            Status::NoContent => 0x91,
            Status::ChecksumError => 0x10,
            Status::LengthError => 0x11,
            Status::CommandError => 0x21,
            Status::NotPermitted => 0x23,
            Status::UnknownError => 0x24,
            Status::CardRejectedSam => 0x31,
            Status::SamRejectedCard => 0x32,
            Status::VerificationError => 0x33,
            Status::WrongCardType => 0x40,
            Status::ReadFailed => 0x41,
            Status::RandomFailure => 0x47,
            Status::SamSelfTestFailed => 0x60,
            Status::SamNotAuthorised => 0x66,
            Status::FindFailed => 0x80,
            Status::SelectFailed => 0x81,
            Status::Other(b) => b,
        }
    }

    /// Problems of the reader itself (as opposed to the card): worth a reset after repeats.
    pub fn is_reader_fault(self) -> bool {
        matches!(
            self,
            Status::ChecksumError
                | Status::LengthError
                | Status::CommandError
                | Status::UnknownError
                | Status::RandomFailure
                | Status::SamSelfTestFailed
                | Status::SamNotAuthorised
                | Status::Other(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for b in 0..=255u8 {
            assert_eq!(Status::from_sw3(b).sw3(), b);
        }
    }
}
