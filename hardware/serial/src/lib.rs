//! Serial drivers: each pumps one of the pure device cores (`onevisit-idcard`, `onevisit-mrz`,
//! `onevisit-scanner`) over a real port, survives the port disappearing and coming back, and
//! reports the device's status. Also device simulators on pseudo-terminals, which `cargo run`,
//! technicians (`onevisit sim …`) and the tests use.

pub mod backoff;
pub mod fonts;
pub mod idcard;
pub mod line;
pub mod photo;
pub mod port;
pub mod printer;
pub mod pump;
pub mod sim;
pub mod today;

pub use backoff::Backoff;
pub use today::Today;
