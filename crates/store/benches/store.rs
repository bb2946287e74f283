//! Durable commit latency (p50/p99) of a case with three PDFs, and of the database part
//! alone (no attachments); and the time to open a store holding 100,000 cases.
//! Prints figures; run with `cargo bench -p onevisit-store --bench store`.

use std::collections::BTreeMap;
use std::time::Instant;

use onevisit_store::{Applicant, NewCase, NewMaterial, Store};

fn case(materials: usize) -> NewCase {
    NewCase {
        theme: "open-restaurant".into(),
        answers: BTreeMap::from([("sells_tobacco".to_string(), "yes".to_string())]),
        applicant: Applicant {
            name: "张试民".into(),
            id_number: "110101199003071233".into(),
        },
        form: (0..13)
            .map(|i| (format!("field{i}"), "样例内容".repeat(4)))
            .collect(),
        materials: (0..materials)
            .map(|i| NewMaterial {
                name: format!("材料{i}"),
                pages: 2,
                // About the size of two bilevel A4 pages from capture.
                pdf: (0..100_000u32)
                    .map(|x| (x.wrapping_mul(2654435761) >> 24) as u8)
                    .collect(),
            })
            .collect(),
        signature: Some(vec![0; 2048]),
        rating: Some(5),
        owed: Vec::new(),
    }
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

fn time_commits(store: &mut Store, materials: usize, n: usize) -> (f64, f64) {
    let c = case(materials);
    let mut ms = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        store.commit(&c, i as i64).expect("commit");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    percentiles(ms)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("onevisit-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open(&dir).expect("open");
    let (p50, p99) = time_commits(&mut store, 3, 200);
    println!("durable commit, 3 PDFs of 100 KB (200 cases):  p50 {p50:.2} ms  p99 {p99:.2} ms");
    let (p50, p99) = time_commits(&mut store, 0, 200);
    println!("durable commit, database only (200 cases):     p50 {p50:.2} ms  p99 {p99:.2} ms");
    drop(store);

    // 100,000 cases: filled in one bulk transaction (the fixture, not what is measured).
    let big = dir.join("big");
    drop(Store::open(&big).expect("open"));
    {
        let mut conn = rusqlite::Connection::open(big.join("cases.db")).expect("db");
        let tx = conn.transaction().expect("tx");
        {
            let mut ins = tx
                .prepare("INSERT INTO cases (id, theme, answers, created_at, personal) VALUES (?1, 'open-restaurant', '{}', ?2, ?3)")
                .expect("prepare");
            let blob = vec![0x5Au8; 600];
            for i in 0..100_000i64 {
                ins.execute(rusqlite::params![format!("case-{i:06}"), i, blob])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    let runs: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            drop(Store::open(&big).expect("open big"));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let (p50, _) = percentiles(runs);
    let size = std::fs::metadata(big.join("cases.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "open a store of 100,000 cases ({:.0} MB database, quick_check included): {p50:.0} ms (median of 5)",
        size as f64 / 1e6
    );
    let _ = std::fs::remove_dir_all(&dir);
}
