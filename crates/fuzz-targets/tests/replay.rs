//! Replays every kept fuzz input (`fuzz/corpus/<target>/`, and `fuzz/artifacts/<target>/` where
//! a local fuzzing run left crashes) through its target, without libFuzzer: so `make test`
//! checks every input that ever crashed anything, and the corpus keeps covering the parsers
//! as they change.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every file under `fuzz/<kind>/<target>/`, sorted.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut out: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

fn replay(target: &str) {
    let f = onevisit_fuzz_targets::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no fuzz target {target}"));
    let corpus = inputs("corpus", target);
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target}/ is empty: run `cargo run -p onevisit-fuzz-targets --example make_seeds`"
    );
    for path in corpus.iter().chain(&inputs("artifacts", target)) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // A panic names the input, so it can be run again with `cargo fuzz run <target> <file>`.
        let r = std::panic::catch_unwind(|| f(&data));
        assert!(r.is_ok(), "{target} panicked on {}", path.display());
    }
}

#[test]
fn every_target_has_a_replay_test() {
    let names: Vec<&str> = onevisit_fuzz_targets::TARGETS.iter().map(|t| t.0).collect();
    let this = include_str!("replay.rs");
    for name in names {
        assert!(
            this.contains(&format!("    {name},\n")),
            "add a replay test for {name}"
        );
    }
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { replay(stringify!($name)); })*
    };
}

replay_tests!(
    sam_frames,
    mrz_parse,
    scanner_lines,
    printer_status,
    escpos,
    usb_export,
    signed_envelope,
    catalog_bundle,
    catalog_load,
    central_request,
);
