//! N cases of 3 MB through a link of 256 kbit/s that is cut every 30 s: completion time
//! against the wire limit, and bytes sent again per cut.
//!
//! `cargo bench -p onevisit-central --bench link` (ONEVISIT_BENCH_CASES, default 3:
//! about five minutes).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::World;
use onevisit_netsim::Config;
use onevisit_sync::driver::SyncOptions;

fn main() {
    let n: usize = std::env::var("ONEVISIT_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let size = 3_000_000usize;
    let rate = 256_000 / 8; // bytes per second
    let w = World::new();
    let one = [size];
    let sizes: Vec<&[usize]> = vec![&one[..]; n];
    let ids = w.add_cases(&sizes);
    let proxy = w.proxy(Config {
        rate: Some(rate),
        cut_every: Some(Duration::from_secs(30)),
        ..Config::default()
    });
    let mut opts = SyncOptions::new("bench", true);
    opts.config.once = Some(100);
    let chunk = opts.config.chunk_size;
    let start = Instant::now();
    let s = onevisit_sync::driver::Syncer::open(w.kiosk_dir.path(), opts).unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let report = common::rt().block_on(s.run(rx));
    let took = start.elapsed().as_secs_f64();
    assert_eq!(report.delivered.len(), n, "{report:?}");
    common::assert_delivered_exactly_once(&w, &ids);
    let payload = (n * size) as f64;
    let wire = payload * 8.0 / 256_000.0;
    let cuts = proxy.get(|c| &c.cuts);
    let patch = proxy.get(|c| &c.patch_body_bytes) as f64;
    let up = proxy.get(|c| &c.up_bytes) as f64;
    let resent = (patch - payload).max(0.0);
    println!(
        "cases                {n} × {size} bytes ({} MB)",
        payload / 1e6
    );
    println!("link                 256 kbit/s, cut every 30 s ({cuts} cuts)");
    println!("completion           {took:.1} s");
    println!("wire limit           {wire:.1} s (payload bits ÷ 256 kbit/s)");
    println!("ratio                {:.3}×  (target ≤ 1.03×)", took / wire);
    println!(
        "re-sent per cut      {:.0} bytes ({:.2} chunks of {chunk}; the server keeps what crossed)",
        if cuts > 0 { resent / cuts as f64 } else { 0.0 },
        if cuts > 0 {
            resent / cuts as f64 / chunk as f64
        } else {
            0.0
        }
    );
    println!(
        "request overhead     {:.2} % (all bytes up ÷ payload − 1; headers, JSON, retries)",
        (up / payload - 1.0) * 100.0
    );
    println!(
        "requests             {} ({} failed and retried), connections {} ({} resumed TLS sessions)",
        report.stats.requests, report.stats.failures, report.connections, report.resumed
    );
}
