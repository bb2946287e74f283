//! The cabinet's signals. [`machine::Cabinet`] is a pure state machine (levels and `now` in,
//! events and output levels out); [`backend`] reads and drives pins (simulated, or real
//! through rppal); [`profile`] says which pin is which on each supported cabinet build.

pub mod backend;
pub mod driver;
pub mod machine;
pub mod profile;

pub use machine::{Cabinet, Event, Pattern};
pub use profile::{Input, Output, Profile};
