//! ESC/POS receipt printers, as pure functions and state machines.
//!
//! - [`doc`]: a small receipt document model (text, rules, QR, barcode, image, feed, cut);
//! - [`encode`]: the model to ESC/POS bytes for GB18030 Chinese printers, 58 or 80 mm;
//! - [`receipt`]: the kiosk's receipt, built from a case;
//! - [`status`]: real-time status replies and automatic status back, told apart in one stream;
//! - [`interp`]: an ESC/POS interpreter that renders what a printer would print — the
//!   simulator and the UI preview both use it, so a preview is exactly the printed bytes;
//! - [`sim`]: a simulated printer with scriptable paper and cover.

pub mod checklist;
pub mod doc;
pub mod encode;
pub mod glyphs;
pub mod interp;
pub mod receipt;
pub mod sim;
pub mod status;
mod wrap;

pub use doc::{Align, Doc, Element, PaperWidth, QrMode};
pub use wrap::{display_width, wrap};
