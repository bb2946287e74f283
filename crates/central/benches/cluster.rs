//! The central system under many kiosks at once, for a fixed time: two nodes sharing one
//! PostgreSQL database and data folder, the same with attachments in an S3-compatible store
//! (OpenStack Swift), then one node on SQLite, side by side. Each simulated
//! kiosk (an async task with its own pinned, signed HTTPS connection) sends a heartbeat every
//! few seconds and submits cases without pause: nine in ten metadata-only, one in ten with a
//! 1 MB attachment in 256 KB chunks. Afterwards every acknowledged case is checked in the
//! database (committed, received once) and every attachment against its SHA-256.
//!
//! `cargo bench -p onevisit-central --bench cluster`
//! (ONEVISIT_BENCH_KIOSKS, default 500; ONEVISIT_BENCH_SECS per backend, default 30)

#[path = "../tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;
#[path = "../tests/common/swift.rs"]
mod swift;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onevisit_central::sql::Location;
use onevisit_central::{Limits, db};
use onevisit_sync::auth;
use onevisit_sync::driver::http::{Endpoint, Link};

const BIG: usize = 1024 * 1024;
const CHUNK: usize = 256 * 1024;
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Stats {
    meta: Vec<Duration>,
    big: Vec<Duration>,
    heartbeats: Vec<Duration>,
    /// Requests answered 503 (busy) or cut, then sent again, as a kiosk does.
    retried: u64,
    /// Answers no kiosk should get (anything else not 2xx).
    errors: Vec<String>,
    /// Acknowledged cases: (id, attachment bytes if any).
    acked: Vec<(String, bool)>,
}

struct Kiosk {
    id: String,
    key: ed25519_dalek::SigningKey,
    link: Link,
    /// The run's end plus a grace time for the last case to finish.
    give_up: Instant,
    rng: u64,
}

impl Kiosk {
    /// A signed request, sent again after a 503 (busy) or a cut, as the kiosk's engine does:
    /// after the server's `Retry-After` or a backoff with jitter, until `give_up`.
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, String)],
        body: &[u8],
        retried: &mut u64,
    ) -> Result<onevisit_sync::driver::http::Response, String> {
        let mut wait = Duration::from_millis(200);
        loop {
            let mut h: Vec<(&str, String)> = extra.to_vec();
            h.extend(auth::auth_headers(
                &self.key,
                &self.id,
                method,
                path,
                onevisit_sync::driver::wall_ms(),
                extra,
                body,
            ));
            let pause = match self.link.send(method, path, &h, body.to_vec()).await {
                Ok(r) if r.status == 503 => r
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .map(Duration::from_secs),
                Ok(r) => return Ok(r),
                Err(_) => None,
            };
            if Instant::now() > self.give_up {
                return Err(format!(
                    "{method} {path}: still refused at the end of the run"
                ));
            }
            *retried += 1;
            // Jitter, so refused kiosks do not all come back at the same moment.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            let base = pause.unwrap_or(wait);
            let jitter = Duration::from_millis(self.rng % (base.as_millis() as u64 + 1));
            tokio::time::sleep(base + jitter).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

fn run(label: &str, at: Location, nodes: usize, kiosks: usize, secs: u64) -> String {
    let limits = Limits {
        enroll_per_minute: 0,
        cases_per_day: 0,
        max_connections: 4096,
        ..Limits::default()
    };
    let servers: Vec<_> = (0..nodes)
        .map(|_| onevisit_central::spawn_at(&at, "127.0.0.1:0", limits.clone()).unwrap())
        .collect();
    let fingerprint = servers[0].fingerprint.clone();
    // The kiosks' keys, enrolled straight into the database (enrollment has its own tests).
    let keys: Vec<ed25519_dalek::SigningKey> = (0..kiosks)
        .map(|k| {
            let mut seed = [7u8; 32];
            seed[..8].copy_from_slice(&(k as u64).to_le_bytes());
            ed25519_dalek::SigningKey::from_bytes(&seed)
        })
        .collect();
    {
        let at = at.clone();
        let keys = keys.clone();
        std::thread::spawn(move || {
            let mut c = db::open(&at).unwrap();
            let tx = c.transaction().unwrap();
            for (k, key) in keys.iter().enumerate() {
                tx.execute(
                    "INSERT INTO devices (id, site, public_key, enrolled_at) VALUES (?1, ?2, ?3, 0)",
                    onevisit_central::params![
                        format!("bench-{k:04}"),
                        format!("乡镇{}", k % 40),
                        auth::b64(key.verifying_key().as_bytes())
                    ],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        })
        .join()
        .unwrap();
    }
    let stats = Arc::new(Mutex::new(Stats::default()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let urls: Vec<String> = servers.iter().map(|s| s.url()).collect();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for (k, key) in keys.into_iter().enumerate() {
            // A load balancer spreading kiosks' connections over the nodes.
            let url = urls[k % urls.len()].clone();
            let (fp, stats) = (fingerprint.clone(), stats.clone());
            tasks.push(tokio::spawn(async move {
                let mut kiosk = Kiosk {
                    id: format!("bench-{k:04}"),
                    key,
                    link: Link::new(Endpoint::parse(&url).unwrap(), Some(fp)),
                    give_up: deadline + Duration::from_secs(120),
                    rng: 0x9E37_79B9_7F4A_7C15 ^ (k as u64 + 1),
                };
                let attachment: Vec<u8> = (0..BIG)
                    .map(|i| ((i as u64 * 2_654_435_761) ^ k as u64) as u8)
                    .collect();
                let sha = onevisit_sync::sha256_hex(&attachment);
                let mut mine = Stats::default();
                let mut last_heartbeat: Option<Instant> = None;
                let mut n = 0usize;
                // Start spread over the first second, as kiosks coming online do.
                tokio::time::sleep(Duration::from_millis((k as u64 * 7919) % 1000)).await;
                while Instant::now() < deadline {
                    if last_heartbeat.is_none_or(|t| t.elapsed() >= HEARTBEAT_EVERY) {
                        let t = Instant::now();
                        let body = br#"{"app_version":"bench","devices":{"printer":"ok"},"paper_near_end":false,"queue_depth":0,"disk_free_bytes":1000000000}"#;
                        let h = [("content-type", "application/json".to_owned())];
                        match kiosk.send("POST", "/v1/heartbeat", &h, body, &mut mine.retried).await {
                            Ok(r) if r.status == 200 => mine.heartbeats.push(t.elapsed()),
                            Ok(r) => mine.errors.push(format!("heartbeat: {}", r.status)),
                            Err(e) => mine.errors.push(e),
                        }
                        last_heartbeat = Some(t);
                    }
                    let big = n % 10 == 9;
                    let id = format!("{k:08x}-0000-4000-8000-{n:012x}");
                    n += 1;
                    let t = Instant::now();
                    match submit(&mut kiosk, &id, big.then_some((&attachment[..], &sha[..])), &mut mine.retried).await {
                        Ok(()) => {
                            if big {
                                mine.big.push(t.elapsed());
                            } else {
                                mine.meta.push(t.elapsed());
                            }
                            mine.acked.push((id, big));
                        }
                        Err(e) => mine.errors.push(e),
                    }
                }
                let mut s = stats.lock().unwrap();
                s.meta.extend(mine.meta);
                s.big.extend(mine.big);
                s.heartbeats.extend(mine.heartbeats);
                s.retried += mine.retried;
                s.errors.extend(mine.errors);
                s.acked.extend(mine.acked);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    let took = started.elapsed().as_secs_f64();
    drop(servers);
    let mut s = std::mem::take(&mut *stats.lock().unwrap());
    // Nothing lost: every acknowledged case committed and received once, every attachment whole.
    let acked = s.acked.clone();
    let lost = {
        let at = at.clone();
        std::thread::spawn(move || {
            let c = db::open(&at).unwrap();
            let store = onevisit_central::blobs::open(&at).unwrap();
            let mut lost = 0;
            for (id, big) in &acked {
                let received: i64 = c
                    .query_row(
                        "SELECT COUNT(*) FROM status_changes s JOIN cases c ON c.id = s.case_id
                         WHERE s.case_id = ?1 AND s.status = 'received' AND c.state = 'committed'",
                        [id],
                        |r| r.get(0),
                    )
                    .unwrap();
                let whole = !big || {
                    let (size, sha): (i64, String) = c
                        .query_row(
                            "SELECT size, sha256 FROM attachments WHERE case_id = ?1 AND idx = 0",
                            [id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .unwrap();
                    store.verify(id, 0, size as u64, &sha).unwrap_or(false)
                };
                if received != 1 || !whole {
                    lost += 1;
                }
            }
            lost
        })
        .join()
        .unwrap()
    };
    let cases = s.meta.len() + s.big.len();
    let mb = s.big.len() as f64 * BIG as f64 / 1e6;
    format!(
        "{label:<26} {:>7.1} {:>7.2} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>7.0} {:>7.0} {:>7} {:>7} {:>5}",
        cases as f64 / took,
        mb / took,
        percentile(&mut s.meta, 0.5),
        percentile(&mut s.meta, 0.99),
        percentile(&mut s.big, 0.5),
        percentile(&mut s.big, 0.99),
        percentile(&mut s.heartbeats, 0.5),
        percentile(&mut s.heartbeats, 0.99),
        s.retried,
        s.errors.len(),
        lost,
    ) + &if s.errors.is_empty() {
        String::new()
    } else {
        format!("\n  first errors: {:?}", &s.errors[..s.errors.len().min(3)])
    } + &format!(
        "\n  ({cases} cases acknowledged: {} metadata-only, {} with 1 MB; {} heartbeats; {took:.1} s)",
        s.meta.len(),
        s.big.len(),
        s.heartbeats.len()
    )
}

/// PUT, the attachment's chunks if any, commit: acknowledged or why not.
async fn submit(
    kiosk: &mut Kiosk,
    id: &str,
    attachment: Option<(&[u8], &str)>,
    retried: &mut u64,
) -> Result<(), String> {
    let atts = match attachment {
        Some((a, sha)) => {
            serde_json::json!([{"index": 0, "name": "营业执照", "pages": 1, "size": a.len(), "sha256": sha}])
        }
        None => serde_json::json!([]),
    };
    let manifest = serde_json::to_vec(&serde_json::json!({
        "theme": "open-restaurant", "submitted_at": 1, "answers": {"sells_tobacco": "no"},
        "applicant": {"name": "测试丙", "id_number": "11010519491231002X"},
        "form": {"shop_name": "测试饭店"}, "rating": 5, "attachments": atts
    }))
    .map_err(|e| e.to_string())?;
    let json = [("content-type", "application/json".to_owned())];
    let r = kiosk
        .send("PUT", &format!("/v1/cases/{id}"), &json, &manifest, retried)
        .await?;
    if !matches!(r.status, 200 | 201) {
        return Err(format!(
            "PUT: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ));
    }
    if let Some((a, _)) = attachment {
        let path = format!("/v1/cases/{id}/attachments/0");
        let mut at = 0;
        while at < a.len() {
            let chunk = &a[at..(at + CHUNK).min(a.len())];
            let h = vec![
                ("tus-resumable", "1.0.0".to_owned()),
                ("content-type", "application/offset+octet-stream".to_owned()),
                ("upload-offset", at.to_string()),
                (
                    "upload-checksum",
                    format!("sha256 {}", auth::b64(&sha2::Sha256::digest(chunk))),
                ),
            ];
            let r = kiosk.send("PATCH", &path, &h, chunk, retried).await?;
            match r.status {
                204 => at += chunk.len(),
                409 => {
                    at = r
                        .headers
                        .get("upload-offset")
                        .and_then(|v| v.to_str().ok()?.parse().ok())
                        .ok_or("409 without an offset")?
                }
                s => return Err(format!("PATCH: {s}")),
            }
        }
    }
    let r = kiosk
        .send("POST", &format!("/v1/cases/{id}/commit"), &[], &[], retried)
        .await?;
    if r.status != 200 {
        return Err(format!(
            "commit: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ));
    }
    Ok(())
}

use sha2::Digest;

fn main() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let kiosks = env("ONEVISIT_BENCH_KIOSKS", 500) as usize;
    let secs = env("ONEVISIT_BENCH_SECS", 30);
    println!(
        "{kiosks} kiosks for {secs} s per backend; latencies in ms (a case: create, upload, commit)"
    );
    println!(
        "{:<26} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>5}",
        "backend",
        "cases/s",
        "MB/s",
        "meta p50",
        "meta p99",
        "1MB p50",
        "1MB p99",
        "hb p50",
        "hb p99",
        "retried",
        "errors",
        "lost"
    );
    let pg_dir = tempfile::TempDir::new().unwrap();
    let at = Location::new(pg_dir.path(), Some(&pg::durable_database())).unwrap();
    println!("{}", run("2 nodes, PostgreSQL", at, 2, kiosks, secs));
    let s3_dir = tempfile::TempDir::new().unwrap();
    let at = Location::new(s3_dir.path(), Some(&pg::durable_database()))
        .unwrap()
        .with_attachments(Some(swift::store()));
    println!("{}", run("2 nodes, PostgreSQL + S3", at, 2, kiosks, secs));
    let lite_dir = tempfile::TempDir::new().unwrap();
    println!(
        "{}",
        run(
            "1 node, SQLite",
            Location::folder(lite_dir.path()),
            1,
            kiosks,
            secs
        )
    );
}
