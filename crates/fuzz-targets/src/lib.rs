//! One function per parser of untrusted bytes, each taking any `&[u8]` and never panicking.
//!
//! `fuzz/` (its own workspace, built by `cargo fuzz` with sanitizers) calls these from one-line
//! targets; `tests/replay.rs` feeds them every input kept in `fuzz/corpus/<target>/` and
//! `fuzz/artifacts/<target>/`, so `cargo test` checks every input that ever crashed anything
//! without libFuzzer. Time and keys are fixed here: the parsers take them as arguments.
//!
//! Inputs are raw device or file bytes, except where a target needs several pieces (a catalog
//! is several files, a request is headers and a body): those formats are described on the
//! function.

mod catalog;
mod central;
mod hardware;
mod sync;

pub use catalog::{catalog_load, join_files};
pub use central::{NOW, central_request, request};
pub use hardware::{escpos, mrz_parse, printer_status, sam_frames, scanner_lines};
pub use sync::{catalog_bundle, keys, signed_envelope, usb_export};

/// A target's body: any bytes, never a panic.
pub type Target = fn(&[u8]);

/// Every target by name, as `fuzz/corpus/<name>/` and `cargo fuzz run <name>` call it.
pub const TARGETS: &[(&str, Target)] = &[
    ("sam_frames", sam_frames),
    ("mrz_parse", mrz_parse),
    ("scanner_lines", scanner_lines),
    ("printer_status", printer_status),
    ("escpos", escpos),
    ("usb_export", usb_export),
    ("signed_envelope", signed_envelope),
    ("catalog_bundle", catalog_bundle),
    ("catalog_load", catalog_load),
    ("central_request", central_request),
];

/// The date the device cores are told it is (card and document expiry checks).
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default()
}
