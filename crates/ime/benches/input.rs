//! Keystroke → candidates and stroke → candidates with the real engines, p50/p99, and what the
//! engines cost in memory (PSS). Run: `cargo bench -p onevisit-ime --bench input`.

use std::path::Path;
use std::time::Instant;

use onevisit_ime::coverage::Coverage;
use onevisit_ime::handwriting::{self, Stroke};
use onevisit_ime::pinyin::{Board, Key};
use onevisit_ime::rime::{self, Dirs, Rime};
use onevisit_ime::zinnia::Zinnia;

fn pss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/smaps_rollup")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), v[v.len() - 1])
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let coverage =
        Coverage::from_file(&root.join("../../fonts/OneVisitSansSC-Regular.otf")).expect("font");
    let dirs = Dirs::new(std::env::var_os("ONEVISIT_BENCH_RIME").map_or_else(
        || std::env::temp_dir().join(format!("onevisit-ime-bench-{}", std::process::id())),
        std::path::PathBuf::from,
    ));
    // Deploying is done once per kiosk, by another process (`onevisit input deploy`): here
    // too, so that what follows measures a kiosk that opens deployed dictionaries.
    if std::env::args().any(|a| a == "--deploy-only") {
        rime::deploy(&dirs).expect("deploy");
        return;
    }
    let t = Instant::now();
    let ok = std::process::Command::new(std::env::current_exe().expect("self"))
        .arg("--deploy-only")
        .env("ONEVISIT_BENCH_RIME", &dirs.user)
        .status()
        .expect("deploy process");
    assert!(ok.success());
    println!(
        "deploy (prebuilt Debian tables, own process): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let start = pss_kb();

    // Pinyin: what a citizen types for a shop name and an address, key by key.
    let mut rime = Rime::open(&dirs).expect("rime");
    let before = pss_kb();
    let mut board = Board::new(8, coverage.clone());
    let words = [
        "kaifandian",
        "renminlu",
        "chengguanzhen",
        "youxiangongsi",
        "xiaochidian",
        "zhangsan",
        "jiankangjie",
        "shipinjingying",
        "wangjiacun",
        "huoguodian",
    ];
    let mut times = Vec::new();
    for _ in 0..20 {
        for w in words {
            for c in w.chars() {
                let t = Instant::now();
                let v = board.press(&mut rime, Key::Letter(c)).expect("key");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                assert!(!v.candidates.is_empty());
            }
            board.clear(&mut rime);
        }
    }
    let after_pinyin = pss_kb();
    let (p50, p99, max) = percentiles(times.clone());
    println!(
        "pinyin keystroke → candidates ({} keys): p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        times.len()
    );
    println!(
        "pinyin engine memory: {} kB PSS in all (librime, its libraries and an open session: {} kB; then typing: {} kB)",
        after_pinyin.saturating_sub(start),
        before.saturating_sub(start),
        after_pinyin.saturating_sub(before)
    );

    // Handwriting: each recorded character, stroke by stroke.
    let before = pss_kb();
    let t = Instant::now();
    let mut z = Zinnia::open(&Zinnia::model_path()).expect("zinnia");
    println!(
        "handwriting model opened in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let opened = pss_kb();
    let mut times = Vec::new();
    let files: Vec<_> = std::fs::read_dir(root.join("tests/strokes"))
        .expect("strokes")
        .flatten()
        .map(|e| e.path())
        .collect();
    for _ in 0..10 {
        for f in &files {
            let raw: Vec<Vec<[f32; 2]>> =
                serde_json::from_str(&std::fs::read_to_string(f).expect("file")).expect("json");
            let strokes: Vec<Stroke> = raw
                .into_iter()
                .map(|s| s.into_iter().map(|[x, y]| (x, y)).collect())
                .collect();
            for n in 1..=strokes.len() {
                let t = Instant::now();
                let c = handwriting::candidates(&mut z, &strokes[..n], 8, &coverage).expect("hw");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                assert!(!c.is_empty());
            }
        }
    }
    let (p50, p99, max) = percentiles(times.clone());
    println!(
        "handwriting stroke → candidates ({} strokes): p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        times.len()
    );
    println!(
        "handwriting engine memory: {} kB PSS on opening, {} kB after recognising",
        opened.saturating_sub(before),
        pss_kb().saturating_sub(before)
    );
    let _ = std::fs::remove_dir_all(&dirs.user);
}
