//! Any byte stream, cut anywhere, through the SAM_V frame decoder and the whole read sequence.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use onevisit_idcard::frame::Decoder;
use onevisit_idcard::reader::{CardReader, Config};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else { return };
    let cut = usize::from(cut).min(rest.len());
    let mut d = Decoder::new();
    let _ = d.feed(&rest[..cut]);
    let _ = d.feed(&rest[cut..]);
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
    let mut r = CardReader::new(Config::default(), today);
    let _ = r.on_connected(0);
    let _ = r.on_bytes(1, rest);
    let _ = r.on_tick(100_000);
    let _ = onevisit_idcard::card::decode_text(rest, today);
});
