//! Device simulators on pseudo-terminals, speaking the real protocols byte for byte. A driver
//! opens the simulator's path exactly as it would open `/dev/ttyUSB0`.

mod idcard;
mod line;
mod printer;
mod pty;
mod serve;

pub use idcard::{IdCardSim, load_cards};
pub use line::{MrzSim, ScannerSim};
pub use printer::PrinterSim;
pub use pty::VirtualPort;
