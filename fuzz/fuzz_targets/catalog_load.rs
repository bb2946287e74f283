#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| onevisit_fuzz_targets::catalog_load(data));
