#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| onevisit_fuzz_targets::signed_envelope(data));
