//! Any text through the MRZ framer and parser, and the scanner splitter.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
    let mut f = onevisit_mrz::Framer::new(100);
    for doc in f.feed(0, data).into_iter().chain(f.on_tick(1000)) {
        let refs: Vec<&str> = doc.iter().map(String::as_str).collect();
        let _ = onevisit_mrz::parse(&refs, today);
    }
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().collect();
    let _ = onevisit_mrz::parse(&lines, today);
    let mut s = onevisit_scanner::Splitter::new(b"\r\n", 50, true);
    let _ = s.feed(0, data);
    let _ = s.on_tick(1000);
});
