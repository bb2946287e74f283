//! What one client, one kiosk or a full disk may cost the central system: the real server on
//! 127.0.0.1 with small limits, and traffic shaped to cross them.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::client::{self, Client, header, json};
use common::*;
use onevisit_central::{Limits, db};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const A: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const B: &str = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
const C: &str = "6fa459ea-ee8a-3ca4-894e-db77e160355e";

/// Waits for `done` to hold, looking every 20 ms, for at most 20 s.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_enrollment_flood_from_one_address_gets_429_with_retry_after() {
    let w = World::new();
    let mut c = Client::new(&w);
    let json_ct = [("content-type", "application/json".to_owned())];
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..40 {
        let r = c.send("POST", "/v1/enroll", &json_ct, b"{\"guess\": 1}", false);
        statuses.push(r.status);
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    assert_eq!(
        statuses[0], 400,
        "the first attempts are answered: {statuses:?}"
    );
    let r = limited.unwrap_or_else(|| panic!("never limited: {statuses:?}"));
    let wait: u64 = header(&r, "retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1);
    assert_eq!(json(&r)["error"], "rate_limited");
    assert!(json(&r)["message"].as_str().unwrap().contains("try again"));
    // Limited means limited: the next attempt is refused too, before any work.
    assert_eq!(
        c.send("POST", "/v1/enroll", &json_ct, b"{}", false).status,
        429
    );
    // Kiosks already enrolled are not affected.
    let sha = onevisit_sync::sha256_hex(b"x");
    assert_eq!(c.put_case(A, 1, &sha).status, 201);
}

#[test]
fn a_trickled_body_is_cut_by_the_body_timeout() {
    let w = World::with_limits(Limits {
        body_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    let addr = w.central.addr;
    let (status, sent) = rt().block_on(async move {
        let tls = client::tls(addr).await.unwrap();
        let (mut rd, mut wr) = tokio::io::split(tls);
        wr.write_all(
            format!(
                "PUT /v1/cases/{A} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        // One byte every 50 ms: each is progress, so only a deadline on the whole body ends it.
        let trickle = async move {
            let mut sent = 0;
            for _ in 0..400 {
                if wr.write_all(b" ").await.is_err() || wr.flush().await.is_err() {
                    // Cut: the answer, if any, is for the reader to see.
                    std::future::pending::<()>().await;
                }
                sent += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            sent
        };
        let read = async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match rd.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            String::from_utf8_lossy(&buf).into_owned()
        };
        tokio::pin!(trickle);
        tokio::select! {
            head = read => (head, None),
            sent = &mut trickle => (String::new(), Some(sent)),
        }
    });
    assert!(
        sent.is_none(),
        "the server was still reading after {sent:?} trickled bytes"
    );
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    assert!(
        status.to_ascii_lowercase().contains("connection: close"),
        "{status}"
    );
    assert!(w.central_cases().is_empty());
}

#[test]
fn connections_over_the_cap_are_closed_and_the_server_keeps_serving() {
    let w = World::with_limits(Limits {
        max_connections: 4,
        ..Limits::default()
    });
    let addr = w.central.addr;
    rt().block_on(async move {
        // Four connections that say nothing after their handshake hold every place (a place
        // may still be held for a moment by the provisioning's connection: try again).
        let mut idle = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while idle.len() < 4 {
            match client::tls(addr).await {
                Ok(t) => idle.push(t),
                Err(_) => {
                    assert!(Instant::now() < deadline, "the places did not free up");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        // Every connection beyond them is closed before its handshake.
        for _ in 0..20 {
            assert!(
                client::tls(addr).await.is_err(),
                "a connection over the cap was served"
            );
        }
        drop(idle);
        // Places free up as the idle ones go, and the server serves again.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut t) = client::tls(addr).await {
                t.write_all(
                    b"GET /v1/health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
                )
                .await
                .unwrap();
                let mut out = String::new();
                let _ = t.read_to_string(&mut out).await;
                if out.starts_with("HTTP/1.1 200") {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the server did not recover");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    // A kiosk syncs normally.
    let ids = w.add_cases(&[&[2000]]);
    assert_eq!(w.sync_once().delivered.len(), 1);
    assert_delivered_exactly_once(&w, &ids);
}

#[test]
fn a_full_disk_gives_507_and_loses_nothing_already_accepted() {
    let free = Arc::new(AtomicU64::new(u64::MAX / 2));
    let f = free.clone();
    let w = World::with_limits(Limits {
        disk_reserve: 1 << 20,
        free_space: Arc::new(move |_: &Path| Some(f.load(Ordering::SeqCst))),
        ..Limits::default()
    });
    // One case delivered in full, one half uploaded.
    let done = w.add_cases(&[&[150_000]]);
    assert_eq!(w.sync_once().delivered.len(), 1);
    let mut c = Client::new(&w);
    let data = bytes(7, 5000);
    let sha = onevisit_sync::sha256_hex(&data);
    assert_eq!(c.put_case(A, 5000, &sha).status, 201);
    assert_eq!(c.patch(A, 0, &data[..1000]).status, 204);
    let before = serde_json::to_string(&w.central_cases()).unwrap();

    // The disk fills up to just short of the reserve plus one chunk.
    free.store((1 << 20) + 999, Ordering::SeqCst);
    let r = c.patch(A, 1000, &data[1000..2000]);
    assert_eq!(r.status, 507, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["error"], "insufficient_storage");
    assert!(header(&r, "retry-after").is_some());
    let r = c.put_case(B, 5000, &sha);
    assert_eq!(r.status, 507, "a new case is refused too");
    assert_eq!(
        c.put_case(A, 5000, &sha).status,
        200,
        "asking again costs nothing"
    );
    assert_eq!(serde_json::to_string(&w.central_cases()).unwrap(), before);
    let stored = || common::stored_attachment(w.central_dir.path(), A, 0).unwrap();
    assert_eq!(stored(), &data[..1000]);
    assert_delivered_exactly_once(&w, &done);

    // Space again: the upload goes on from where it was, and commits.
    free.store(u64::MAX / 2, Ordering::SeqCst);
    assert_eq!(c.patch(A, 1000, &data[1000..]).status, 204);
    let r = c.send("POST", &format!("/v1/cases/{A}/commit"), &[], b"", true);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(stored(), data);
}

#[test]
fn a_kiosk_over_its_daily_quota_gets_429_and_sending_again_is_free() {
    let w = World::with_limits(Limits {
        cases_per_day: 2,
        ..Limits::default()
    });
    let mut c = Client::new(&w);
    let sha = onevisit_sync::sha256_hex(b"x");
    assert_eq!(c.put_case(A, 1, &sha).status, 201);
    assert_eq!(c.put_case(B, 1, &sha).status, 201);
    let r = c.put_case(C, 1, &sha);
    assert_eq!(r.status, 429, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["error"], "quota_exceeded");
    assert!(
        json(&r)["message"]
            .as_str()
            .unwrap()
            .contains("--cases-per-day")
    );
    let wait: u64 = header(&r, "retry-after").unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&wait), "{wait}");
    assert_eq!(
        c.put_case(A, 1, &sha).status,
        200,
        "a case already here is no new case"
    );
    assert_eq!(w.central_cases().len(), 2);
}

#[test]
fn abandoned_uploads_are_swept_and_finished_cases_stay() {
    let w = World::with_limits(Limits {
        stale_after: Duration::from_secs(3600),
        sweep_every: Duration::from_millis(50),
        ..Limits::default()
    });
    let done = w.add_cases(&[&[3000]]);
    assert_eq!(w.sync_once().delivered.len(), 1);
    let mut c = Client::new(&w);
    let data = bytes(3, 5000);
    let sha = onevisit_sync::sha256_hex(&data);
    for id in [A, B] {
        assert_eq!(c.put_case(id, 5000, &sha).status, 201);
        assert_eq!(c.patch(id, 0, &data[..1000]).status, 204);
    }
    // A stopped two hours ago; B is still moving.
    let conn = db::open(&common::location(w.central_dir.path())).unwrap();
    conn.execute(
        "UPDATE cases SET received_at = received_at - 7200000, touched_at = touched_at - 7200000 WHERE id = ?1",
        [A],
    )
    .unwrap();
    eventually("the abandoned upload is removed", || {
        common::stored_attachment(w.central_dir.path(), A, 0).is_none()
            && w.central_cases().iter().all(|c| c.id != A)
    });
    let left: Vec<_> = w.central_cases().into_iter().map(|c| c.id).collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&B.to_owned()));
    assert_delivered_exactly_once(&w, &done);
    assert!(common::stored_attachment(w.central_dir.path(), B, 0).is_some());
    // The kiosk that abandoned A can still send it: it starts over.
    assert_eq!(c.put_case(A, 5000, &sha).status, 201);
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_data_folder_is_readable_by_its_owner_only() {
    // A data folder the server makes itself, parents included.
    let t = tempfile::TempDir::new().unwrap();
    let data = t.path().join("county/central");
    let central = common::spawn(&data, Limits::default());
    drop(central);
    for d in [
        t.path().join("county"),
        data.clone(),
        data.join("keys"),
        data.join("tls"),
    ] {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
    }
    // On PostgreSQL there is no database file in the folder; the rest is the same.
    let db = if common::on_postgres() {
        None
    } else {
        Some("central.db")
    };
    for f in db.into_iter().chain([
        "keys/catalog.ed25519",
        "keys/export.x25519",
        "tls/key.pem",
        "tls/cert.pem",
    ]) {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }

    // Cases, attachments and catalogs as they arrive.
    let w = World::new();
    let ids = w.add_cases(&[&[2000]]);
    assert_eq!(w.sync_once().delivered.len(), 1);
    let d = w.central_dir.path();
    let keys = onevisit_central::keys::Keys::load_or_create(d).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    onevisit_central::admin::publish(&db::open(&common::location(d)).unwrap(), d, &keys, &repo, 1)
        .unwrap();
    // Attachments in an S3 store are not files here.
    let attachments = if common::on_s3() {
        vec![]
    } else {
        vec![
            d.join("attachments"),
            d.join(format!("attachments/{}", ids[0])),
        ]
    };
    for dir in [d.to_owned(), d.join("catalogs")]
        .into_iter()
        .chain(attachments)
    {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let attachment = (!common::on_s3()).then(|| d.join(format!("attachments/{}/0.bin", ids[0])));
    for f in db
        .map(|f| d.join(f))
        .into_iter()
        .chain([d.join("catalogs/1.json")])
        .chain(attachment)
    {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    for suffix in ["-wal", "-shm"] {
        let f = d.join(format!("central.db{suffix}"));
        if f.exists() {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }
}

#[test]
fn attachments_are_hashed_as_they_arrive_and_a_mismatch_still_starts_over() {
    let w = World::new();
    let mut c = Client::new(&w);
    let good = bytes(11, 300_000);
    let sha = onevisit_sync::sha256_hex(&good);
    // Same length, other bytes: every chunk matches its own checksum, the whole does not.
    let bad = bytes(12, 300_000);
    assert_eq!(c.put_case(A, 300_000, &sha).status, 201);
    let upload = |c: &mut Client, data: &[u8]| {
        for (i, chunk) in data.chunks(70_000).enumerate() {
            assert_eq!(c.patch(A, i as u64 * 70_000, chunk).status, 204);
        }
    };
    let commit = |c: &mut Client| c.send("POST", &format!("/v1/cases/{A}/commit"), &[], b"", true);
    upload(&mut c, &bad);
    let r = commit(&mut c);
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["error"], "hash_mismatch");
    assert_eq!(w.central_cases()[0].attachments[0].received, 0, "reset");

    upload(&mut c, &good);
    // The hash is carried with the offset, so commit need not read the file again.
    let conn = db::open(&common::location(w.central_dir.path())).unwrap();
    let state: Vec<u8> = conn
        .query_row(
            "SELECT hash_state FROM attachments WHERE case_id = ?1 AND idx = 0",
            [A],
            |r| r.get(0),
        )
        .unwrap();
    let carried = onevisit_central::hashstate::Resumable::from_bytes(&state).unwrap();
    assert_eq!((carried.len(), carried.hex()), (300_000, sha.clone()));
    let r = commit(&mut c);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(w.central_cases()[0].state, "committed");
}

#[test]
fn an_idle_connection_is_closed_and_requests_over_the_cap_get_503() {
    let w = World::with_limits(Limits {
        idle_timeout: Duration::from_millis(300),
        max_requests: 1,
        ..Limits::default()
    });
    let addr = w.central.addr;
    rt().block_on(async move {
        // Connected, then silent: closed by the server (the read ends), not held for ever.
        let mut t = client::tls(addr).await.unwrap();
        let mut buf = [0u8; 64];
        let r = tokio::time::timeout(Duration::from_secs(20), t.read(&mut buf)).await;
        assert!(
            matches!(r, Ok(Ok(0)) | Ok(Err(_))),
            "an idle connection was kept open"
        );

        // One request in progress (its body half sent) takes the only place.
        let mut busy = client::tls(addr).await.unwrap();
        busy.write_all(
            format!(
                "PUT /v1/cases/{A} HTTP/1.1\r\nhost: localhost\r\ncontent-length: 10\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        busy.flush().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut t = client::tls(addr).await.unwrap();
            t.write_all(b"GET /v1/health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut out = String::new();
            let _ = t.read_to_string(&mut out).await;
            if out.starts_with("HTTP/1.1 503") {
                assert!(out.to_ascii_lowercase().contains("retry-after: 5"), "{out}");
                break;
            }
            // The half-sent request may not have reached the server yet.
            assert!(Instant::now() < deadline, "never 503: {out}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}
