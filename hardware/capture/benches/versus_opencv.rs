//! Our capture pipeline against a classic OpenCV document scanner, on the same 12 MP
//! photographed page, in one run, one core each:
//!
//!     cargo bench -p onevisit-capture --bench versus_opencv
//!
//! The page is made by `make_photo.py` (a colour JPEG as a camera writes it); the OpenCV side
//! is `opencv_pipeline.py` (decode, grey, Canny on a reduced copy and the largest
//! quadrilateral, warp to A4 at 200 dpi, adaptive threshold, PNG), run with Debian's
//! `python3-opencv`, installed for this benchmark only. Ours: the JPEG's bytes to the stored
//! PDF page, as `onevisit capture process` and the kiosk do (decode the luminance, find the
//! page, straighten, judge, black and white, deflate, PDF with its SHA-256). Both start from
//! the JPEG's bytes in memory. Peak memory is measured in a process of its own per pipeline
//! (`VmHWM` here, `ru_maxrss` for Python), less the process's size before the page.
//! Target (issue 21): ours at most half of OpenCV's time, and at most 40 MB for a page.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use onevisit_capture::decode::luma_from_jpeg;
use onevisit_capture::quality::Thresholds;
use onevisit_capture::{Gray, Mode, detect, enhance, page, pdf, process, quality, warp};

/// Iterations of each pipeline, alternating.
const PAIRS: usize = 30;
/// Iterations of the per-stage breakdown.
const ITERATIONS: usize = 20;
const PYTHON: &str = "/usr/bin/python3";

/// The frame's luminance as the kiosk decodes it: libjpeg-turbo where installed, else the
/// pure-Rust decoder (`ONEVISIT_BENCH_DECODER=rust` forces it, for comparison).
fn decode(jpeg: &[u8]) -> Gray {
    let rust = std::env::var("ONEVISIT_BENCH_DECODER").is_ok_and(|v| v == "rust");
    let turbo = if rust {
        None
    } else {
        onevisit_camera::jpeg::luma(jpeg)
    };
    match turbo {
        Some(r) => {
            let l = r.expect("the benchmark's photo decodes");
            Gray {
                width: l.width,
                height: l.height,
                data: l.data,
            }
        }
        None => luma_from_jpeg(jpeg).expect("the benchmark's photo decodes"),
    }
}

fn decoder() -> &'static str {
    let rust = std::env::var("ONEVISIT_BENCH_DECODER").is_ok_and(|v| v == "rust");
    if rust || onevisit_camera::jpeg::luma(&[]).is_none() {
        "zune-jpeg (pure Rust)"
    } else {
        onevisit_camera::jpeg::decoder()
    }
}

/// The whole pipeline, bytes to PDF; returns the PDF's size.
fn ours(jpeg: &[u8]) -> (usize, f64, f64) {
    let t = Instant::now();
    let frame = decode(jpeg);
    let decoded = t.elapsed().as_secs_f64() * 1e3;
    let mut page = process(&frame, None, Mode::Text, &Thresholds::default());
    drop(frame);
    let stored = pdf::write(&[page.pdf_page.take().expect("a page")]);
    let total = t.elapsed().as_secs_f64() * 1e3;
    (stored.bytes.len(), decoded, total)
}

/// `VmHWM` (peak resident size) of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches")
}

fn main() {
    // The memory run: one page in a fresh process.
    if let Ok(path) = std::env::var("ONEVISIT_CAPTURE_ONE_PAGE") {
        let jpeg = std::fs::read(&path).expect("the photo");
        let before = peak_kib();
        let _ = ours(&jpeg);
        println!("{before} {}", peak_kib());
        return;
    }
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing to run here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("onevisit-capture-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let photo = dir.join("page-12mp.jpg");
    let made = Command::new(PYTHON)
        .arg(here().join("make_photo.py"))
        .arg(&photo)
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "make_photo.py failed: {}\nthe benchmark needs Debian's python3-opencv: apt-get install python3-opencv",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{PYTHON}: {e}: the benchmark needs Debian's python3 and python3-opencv");
            std::process::exit(1);
        }
    }
    let jpeg = std::fs::read(&photo).expect("the photo");

    // The two alternate iteration by iteration (OpenCV in its own process, serving one
    // iteration per line): a shared machine's speed drifts within seconds, and each pair's
    // ratio compares the two at the same moment.
    let mut cv_proc = Command::new(PYTHON)
        .arg(here().join("opencv_pipeline.py"))
        .arg(&photo)
        .arg(dir.join("opencv.png"))
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running opencv_pipeline.py");
    let mut to_cv = cv_proc.stdin.take().expect("a pipe");
    let mut from_cv = BufReader::new(cv_proc.stdout.take().expect("a pipe")).lines();
    let mut next_line = || -> String {
        match from_cv.next() {
            Some(Ok(l)) => l,
            _ => {
                eprintln!("opencv_pipeline.py stopped (see its message above)");
                std::process::exit(1);
            }
        }
    };
    assert_eq!(next_line(), "ready");
    let (pdf_bytes, _, _) = ours(&jpeg);
    let (mut cv_times, mut decoding, mut total, mut ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        writeln!(to_cv, "go").expect("asking OpenCV for an iteration");
        let reply: serde_json::Value =
            serde_json::from_str(&next_line()).expect("opencv_pipeline.py prints JSON");
        let cv_ms = reply["ms"].as_f64().unwrap_or(f64::NAN);
        let (_, d, t) = ours(&jpeg);
        cv_times.push(cv_ms);
        decoding.push(d);
        total.push(t);
        ratios.push(t / cv_ms);
    }
    drop(to_cv);
    let cv: serde_json::Value =
        serde_json::from_str(&next_line()).expect("opencv_pipeline.py prints its summary");
    let _ = cv_proc.wait();
    let cv_min = cv_times.iter().copied().fold(f64::INFINITY, f64::min);
    let cv_ms = median(cv_times);
    let cv_mb = cv["peak_rss_mb"].as_f64().unwrap_or(f64::NAN)
        - cv["baseline_rss_mb"].as_f64().unwrap_or(f64::NAN);
    let our_min = total.iter().copied().fold(f64::INFINITY, f64::min);
    let our_ms = median(total);
    let our_decode = median(decoding);
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let (r10, r90) = (sorted[PAIRS / 10], sorted[PAIRS * 9 / 10]);
    let ratio = median(ratios);

    // Where our time goes: the stages `process` runs, one by one on the decoded frame.
    let frame = decode(&jpeg);
    let mut stages: Vec<(&str, Vec<f64>)> =
        ["find", "straighten", "judge", "black and white", "deflate"]
            .iter()
            .map(|s| (*s, Vec::new()))
            .collect();
    for _ in 0..ITERATIONS {
        let t = Instant::now();
        let d = detect::detect(&frame).expect("the page is found");
        let t1 = t.elapsed();
        let (wmm, hmm) = page::paper_size(&d.quad);
        let px = |mm: f32| (mm / 25.4 * page::DPI).round() as u32;
        let straight = warp::warp(&frame, &d.quad, px(wmm), px(hmm)).expect("a page");
        let t2 = t.elapsed();
        let _ = quality::judge(Some(&d), Some(&straight), &Thresholds::default());
        let t3 = t.elapsed();
        let bits = enhance::bilevel(&straight, 12);
        let t4 = t.elapsed();
        std::hint::black_box(miniz_oxide::deflate::compress_to_vec_zlib(
            &bits.bits,
            page::DEFLATE_LEVEL,
        ));
        let t5 = t.elapsed();
        for (k, (a, b)) in [
            (Default::default(), t1),
            (t1, t2),
            (t2, t3),
            (t3, t4),
            (t4, t5),
        ]
        .into_iter()
        .enumerate()
        {
            stages[k].1.push((b - a).as_secs_f64() * 1e3);
        }
    }
    drop(frame);
    let breakdown: Vec<String> = stages
        .into_iter()
        .map(|(name, v)| format!("{name} {:.1}", median(v)))
        .collect();

    // Memory: one page in a fresh process.
    let exe = std::env::current_exe().expect("this benchmark's path");
    let mem = Command::new(exe)
        .env("ONEVISIT_CAPTURE_ONE_PAGE", &photo)
        .output()
        .expect("the memory run");
    let text = String::from_utf8_lossy(&mem.stdout);
    let kib: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let (base_mb, peak_mb) = match kib.as_slice() {
        [b, p] => (b / 1024.0, p / 1024.0),
        _ => (f64::NAN, f64::NAN),
    };

    println!(
        "12 MP photographed page ({} KB JPEG), one core; {PAIRS} iterations of each, alternating; medians:",
        jpeg.len() / 1024
    );
    println!(
        "  OpenCV {} (Python {}):  {cv_ms:7.1} ms   (min {cv_min:.1}; stages {})   peak +{cv_mb:.0} MB",
        cv["opencv"].as_str().unwrap_or("?"),
        PYTHON,
        cv["stages_ms"]
    );
    println!(
        "  onevisit-capture:        {our_ms:7.1} ms   (min {our_min:.1}; decode {our_decode:.1}, the rest {:.1})   peak +{:.0} MB ({peak_mb:.0} MB whole process)",
        our_ms - our_decode,
        peak_mb - base_mb
    );
    println!(
        "  onevisit-capture stages (ms): decode {our_decode:.1} with {}, {}",
        decoder(),
        breakdown.join(", ")
    );
    println!(
        "  ratio {ratio:.2}: the median of the {PAIRS} pairs' (10th–90th percentile {r10:.2}–{r90:.2}; of minimums {:.2}); target ≤ 0.50; stored PDF page {} KB; OpenCV's page: {}",
        our_min / cv_min,
        pdf_bytes / 1024,
        dir.join("opencv.png").display()
    );
}
