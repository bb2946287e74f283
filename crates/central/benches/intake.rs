//! Central intake rate for metadata-only cases on loopback: several kiosks at once, each
//! creating and committing cases over its own pinned, signed HTTPS connection.
//!
//! `cargo bench -p onevisit-central --bench intake` (ONEVISIT_BENCH_CASES, default 5000).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use onevisit_sync::auth;
use onevisit_sync::driver::http::{Endpoint, Link};
use onevisit_sync::driver::{self, Identity};

fn main() {
    let total: usize = std::env::var("ONEVISIT_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let kiosks = 16;
    let central_dir = tempfile::TempDir::new().unwrap();
    // Sixteen kiosks enrolling from one address, and as many cases as asked: no rate or quota.
    let limits = onevisit_central::Limits {
        enroll_per_minute: 0,
        cases_per_day: 0,
        ..Default::default()
    };
    let central = onevisit_central::spawn_with(central_dir.path(), "127.0.0.1:0", limits).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut devices = Vec::new();
    let mut dirs = Vec::new();
    for k in 0..kiosks {
        let dir = tempfile::TempDir::new().unwrap();
        let code = common::code(central_dir.path(), &format!("site {k}"));
        rt.block_on(driver::provision(
            dir.path(),
            &central.url(),
            &code,
            None,
            "b",
            false,
            onevisit_central::now_ms(),
        ))
        .unwrap();
        devices.push(Identity::load(dir.path()).unwrap());
        dirs.push(dir);
    }
    let per = total / kiosks;
    let start = Instant::now();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for (k, (id, key)) in devices.into_iter().enumerate() {
            tasks.push(tokio::spawn(async move {
                let mut link = Link::pinned(Endpoint::parse(&id.central).unwrap(), id.pins());
                for i in 0..per {
                    let case = format!("{:08x}-0000-4000-8000-{:012x}", k, i);
                    let body = serde_json::to_vec(&serde_json::json!({
                        "theme": "open-restaurant", "submitted_at": 1, "answers": {"a": "b"},
                        "applicant": {"name": "测试丙", "id_number": "11010519491231002X"},
                        "form": {"shop_name": "测试饭店"}, "rating": 5, "attachments": []
                    }))
                    .unwrap();
                    for (method, path, body) in [
                        ("PUT", format!("/v1/cases/{case}"), body),
                        ("POST", format!("/v1/cases/{case}/commit"), Vec::new()),
                    ] {
                        let t = driver::wall_ms();
                        let mut h = vec![("content-type", "application/json".to_owned())];
                        let a =
                            auth::auth_headers(&key, &id.device_id, method, &path, t, &h, &body);
                        h.extend(a);
                        let r = link.send(method, &path, &h, body).await.unwrap();
                        assert!(
                            r.status < 300,
                            "{} {}",
                            r.status,
                            String::from_utf8_lossy(&r.body)
                        );
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    let took = start.elapsed().as_secs_f64();
    let n = per * kiosks;
    let conn =
        onevisit_central::db::open(&onevisit_central::sql::Location::folder(central_dir.path()))
            .unwrap();
    let committed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM cases WHERE state = 'committed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(committed as usize, n);
    println!(
        "cases                {n} metadata-only, from {kiosks} kiosks at once (create + commit each)"
    );
    println!("took                 {took:.2} s");
    println!(
        "intake               {:.0} cases/s  (target ≥ 1,000/s)",
        n as f64 / took
    );
    println!(
        "requests             {:.0}/s, durable (synchronous=FULL, group commit)",
        2.0 * n as f64 / took
    );
    drop(central);
}
