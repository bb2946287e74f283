//! The resident ID-card reader's protocol (SAM_V modules, GA 467), as a pure state machine.
//!
//! Bytes from the serial port go in ([`reader::CardReader::handle_bytes`]), time is passed in as
//! `now`, and what to send and what happened come out as [`reader::Action`]s. No port, clock or
//! file is touched here: the serial driver pumps it, the simulator answers it, tests feed it.

pub mod card;
pub mod command;
pub mod frame;
pub use onevisit_domain::id_number;
pub use onevisit_domain::mask;
pub mod nation;
pub mod reader;
pub mod sim;
pub mod status;

pub use card::{Card, CardType, decode_text};
pub use frame::{Decoder, Frame, FrameError};
pub use status::Status;
