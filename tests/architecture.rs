//! ARCHITECTURE.md's invariants that a machine can check, so that they stay true: the sans-I/O
//! cores read no clock, file, socket, process or environment; library crates never depend on
//! the binary or on Slint; the domain depends on no other crate of ours; the UI contract has no
//! string channel.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `.rs` files under `path` (a file or a folder).
fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut out = Vec::new();
    let mut dirs = vec![path.to_owned()];
    while let Some(d) = dirs.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// The cores ARCHITECTURE.md says do no I/O ("No I/O in the cores").
const CORES: &[&str] = &[
    "crates/domain/src",
    "hardware/capture/src",
    "hardware/idcard/src",
    "hardware/mrz/src",
    "hardware/printer/src",
    "hardware/scanner/src",
    "hardware/gpio/src/machine.rs",
    "crates/sync/src/engine.rs",
    "crates/sync/src/engine",
];

/// What reading a clock, a file, a socket, a process or the environment looks like in Rust.
const IO: &[&str] = &[
    "std::fs",
    "fs::read",
    "fs::write",
    "File::open",
    "File::create",
    "OpenOptions",
    "std::net",
    "TcpStream",
    "UdpSocket",
    "UnixStream",
    "SystemTime::now",
    "Instant::now",
    "Local::now",
    "Utc::now",
    "env::var",
    "thread::sleep",
    "std::process",
    "serialport",
    "rusqlite",
    "tokio",
];

/// `file:line: token` for every line of code (comments left out) in `files` that names one of
/// `tokens`.
fn code_naming(files: &[PathBuf], tokens: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for token in tokens.iter().filter(|t| code.contains(*t)) {
                found.push(format!(
                    "{}:{}: {token}",
                    file.strip_prefix(repo()).unwrap_or(file).display(),
                    n + 1
                ));
            }
        }
    }
    found
}

#[test]
fn the_cores_read_no_clock_file_socket_or_environment() {
    let mut files = Vec::new();
    for core in CORES {
        let path = repo().join(core);
        assert!(
            path.exists(),
            "{core} is listed as a core but does not exist"
        );
        files.extend(rust_files(&path));
    }
    let found = code_naming(&files, IO);
    assert!(
        found.is_empty(),
        "a sans-I/O core does I/O (pass bytes, texts and `now` in instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_cores_speak_one_vocabulary() {
    // Input is `handle_*` (bytes, events, replies, timeouts), output `poll_*` or the actions
    // a `handle_*` returns, and `next_deadline` says when to call `handle_timeout`; `now` is
    // passed on every call. The names each core once had for these are gone.
    let mut files = Vec::new();
    for core in CORES {
        files.extend(rust_files(&repo().join(core)));
    }
    files.push(repo().join("hardware/serial/src/pump.rs"));
    let old = code_naming(
        &files,
        &[
            "fn on_",
            "fn feed(",
            "fn deadline(",
            "fn tick(",
            "fn sample(&mut",
            "fn poll(",
            "fn handle(",
        ],
    );
    assert!(
        old.is_empty(),
        "a core names its input or output its own way (use handle_*, poll_*, next_deadline): {old:?}"
    );
}

#[test]
fn the_kiosk_app_reads_one_clock() {
    // `App::now` (and `local_time`, from it) is the app's clock, read from `runtime::now_ms`:
    // tests and the screenshot gallery move it, so nothing in the kiosk app reads the system's
    // clock directly.
    let files = rust_files(&repo().join("src/kiosk"));
    let reads = code_naming(&files, &["Local::now", "Utc::now", "SystemTime::now"]);
    assert!(
        reads.is_empty(),
        "the system clock read in the kiosk app (use `self.now()` or `self.local_time()`): {reads:?}"
    );
}

#[test]
fn the_kiosk_does_not_use_the_cli_handlers() {
    // `commands/` is the CLI; what the kiosk shares with it lives in `runtime.rs`,
    // `config.rs`, `catalog_dir.rs` or the crates.
    let src = repo().join("src");
    let mut files = rust_files(&src.join("kiosk"));
    files.extend(rust_files(&src.join("ui")));
    for f in [
        "devices.rs",
        "input.rs",
        "config.rs",
        "runtime.rs",
        "catalog_dir.rs",
    ] {
        files.push(src.join(f));
    }
    let uses = code_naming(&files, &["commands::"]);
    assert!(
        uses.is_empty(),
        "the kiosk uses the CLI's handlers: {uses:?}"
    );
}

#[test]
fn the_kiosk_app_does_not_import_the_window_runner() {
    // `ui` runs the kiosk (devices, sync, timers) and imports `kiosk`; `kiosk` owns its
    // window types (`kiosk::window`), so the two never import each other.
    let uses = code_naming(&rust_files(&repo().join("src/kiosk")), &["crate::ui"]);
    assert!(
        uses.is_empty(),
        "the kiosk app imports the runner: {uses:?}"
    );
}

/// The `[dependencies]` names of a crate's manifest.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("Cargo.toml");
    let value: toml::Table = toml::from_str(&text).expect("Cargo.toml parses");
    value
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

fn library_manifests() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for group in ["crates", "hardware"] {
        let mut dirs: Vec<_> = std::fs::read_dir(repo().join(group))
            .expect("crate folder")
            .filter_map(Result::ok)
            .map(|e| e.path().join("Cargo.toml"))
            .filter(|p| p.exists())
            .collect();
        dirs.sort();
        out.extend(dirs);
    }
    out
}

#[test]
fn libraries_never_depend_on_the_binary_or_on_slint() {
    let manifests = library_manifests();
    assert!(manifests.len() >= 10, "found {manifests:?}");
    for m in manifests {
        for dep in dependencies(&m) {
            assert!(
                dep != "onevisit" && !dep.starts_with("slint") && !dep.starts_with("i-slint"),
                "{} depends on {dep}",
                m.display()
            );
        }
    }
}

#[test]
fn the_domain_depends_on_no_crate_of_ours() {
    let deps = dependencies(&repo().join("crates/domain/Cargo.toml"));
    let ours: Vec<_> = deps.iter().filter(|d| d.starts_with("onevisit")).collect();
    assert!(ours.is_empty(), "onevisit-domain depends on {ours:?}");
}

#[test]
fn no_string_channel_crosses_the_ui_boundary() {
    let globals = std::fs::read_to_string(repo().join("ui/globals.slint")).expect("globals");
    for line in globals.lines() {
        let code = line.trim();
        if code.starts_with("callback") {
            // The first argument says what happened: an enum, never a word to compare.
            assert!(
                !code.contains("(string"),
                "a callback whose first argument is a string: {code} (use an enum)"
            );
        }
        if code.contains("property <string> screen") || code.contains("property <string> keyboard")
        {
            panic!("a vocabulary as a string: {code} (use an enum)");
        }
    }
}
