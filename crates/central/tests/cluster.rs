//! Several central nodes on one PostgreSQL database and one shared data folder: what a kiosk
//! behind a load balancer meets. Always on PostgreSQL (a cluster the test starts itself).

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use common::client::{Client, header};
use common::{World, bytes, location};
use onevisit_central::{Limits, db};
use onevisit_netsim::{Config, Proxy};
use onevisit_sync::sha256_hex;

const CASES: usize = 12;
const CHUNK: usize = 48 * 1024;

fn case_id(n: usize) -> String {
    format!("{n:08x}-6c1e-4b2a-8d3f-0000000c1a57")
}

fn attachment(n: usize) -> Vec<u8> {
    bytes(n, 150_000 + n * 20_000)
}

fn manifest(n: usize) -> Vec<u8> {
    let a = attachment(n);
    common::client::manifest(a.len() as u64, &sha256_hex(&a))
}

/// Sends every case until each is committed, whatever the other sender does at the same time
/// and however often the link is cut. Each request goes to the next of `nodes` in turn, as a
/// load balancer may send them: a HEAD to one node, the PATCH after it to another. Returns
/// the case numbers it was given.
fn deliver_all(mut nodes: Vec<Client>) -> Vec<String> {
    let mut turn = 0usize;
    let mut next = move || {
        turn += 1;
        turn % 2
    };
    let mut numbers = Vec::new();
    for n in 0..CASES {
        let id = case_id(n);
        let data = attachment(n);
        let number = loop {
            let Ok(r) =
                nodes[next()].try_send("PUT", &format!("/v1/cases/{id}"), &[], &manifest(n), true)
            else {
                continue; // cut: send it again
            };
            assert!(
                matches!(r.status, 200 | 201),
                "PUT: {} {:?}",
                r.status,
                r.body
            );
            let mut offset = 0u64;
            // Upload from wherever the central system says it stands.
            while (offset as usize) < data.len() {
                let Ok(h) = nodes[next()].try_send(
                    "HEAD",
                    &format!("/v1/cases/{id}/attachments/0"),
                    &[("tus-resumable", "1.0.0".into())],
                    &[],
                    true,
                ) else {
                    continue;
                };
                assert_eq!(h.status, 200, "HEAD");
                offset = header(&h, "upload-offset").unwrap().parse().unwrap();
                if offset as usize >= data.len() {
                    break;
                }
                let end = (offset as usize + CHUNK).min(data.len());
                let chunk = &data[offset as usize..end];
                let extra = common::client::patch_headers(offset, chunk);
                let path = format!("/v1/cases/{id}/attachments/0");
                if let Ok(r) = nodes[next()].try_send("PATCH", &path, &extra, chunk, true) {
                    // 204 taken; 409 the other node got there first; 503 it is writing now.
                    assert!(matches!(r.status, 204 | 409 | 503), "PATCH: {}", r.status);
                }
            }
            let Ok(r) =
                nodes[next()].try_send("POST", &format!("/v1/cases/{id}/commit"), &[], &[], true)
            else {
                continue;
            };
            match r.status {
                200 => {
                    break common::client::json(&r)["case_number"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                }
                // The other node reset an attachment or is mid-chunk: go round again.
                409 | 503 => continue,
                s => panic!("commit: {s} {:?}", String::from_utf8_lossy(&r.body)),
            }
        };
        numbers.push(number);
    }
    numbers
}

#[test]
fn the_same_cases_sent_to_two_nodes_at_once_arrive_exactly_once() {
    let w = World::on_postgres();
    let dir = w.central_dir.path();
    // The second node: the same database and data folder (keys, certificate, attachments).
    let b = common::spawn(dir, Limits::default());
    assert_eq!(
        b.fingerprint, w.central.fingerprint,
        "the nodes share one certificate"
    );
    let (cert, key) = w.cert();
    // Every open connection is cut every 300 ms, mid-chunk or mid-reply, again and again.
    let cuts = || Config {
        cut_every: Some(std::time::Duration::from_millis(300)),
        ..Config::default()
    };
    let pa = Proxy::start(w.central.addr, &cert, &key, cuts()).unwrap();
    let pb = Proxy::start(b.addr, &cert, &key, cuts()).unwrap();
    let kiosk = Client::new(&w);
    // Two senders of the same cases at once, one starting at each node.
    let start = Arc::new(Barrier::new(2));
    let run = |first: &Proxy, second: &Proxy, start: Arc<Barrier>| {
        let nodes = vec![kiosk.to(&first.url()), kiosk.to(&second.url())];
        std::thread::spawn(move || {
            start.wait();
            deliver_all(nodes)
        })
    };
    let ta = run(&pa, &pb, start.clone());
    let tb = run(&pb, &pa, start);
    let (na, nb) = (ta.join().unwrap(), tb.join().unwrap());
    assert_eq!(na, nb, "both nodes answered with the same case numbers");
    assert!(
        pa.get(|c| &c.cuts) + pb.get(|c| &c.cuts) > 0,
        "the links were cut"
    );

    // One case per id, numbered without a gap, each received once, every attachment whole.
    let cases = w.central_cases();
    assert_eq!(cases.len(), CASES);
    let numbers: BTreeSet<&str> = cases.iter().map(|c| c.case_number.as_str()).collect();
    assert_eq!(numbers.len(), CASES);
    let year = &cases[0].case_number[..4];
    let expected: BTreeSet<String> = (1..=CASES).map(|i| format!("{year}-{i:06}")).collect();
    assert_eq!(
        numbers,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    let at = location(dir);
    let conn = std::thread::spawn(move || db::open(&at).unwrap())
        .join()
        .unwrap();
    for c in &cases {
        assert_eq!(c.state, "committed");
        let n = (0..CASES).find(|n| case_id(*n) == c.id).unwrap();
        let data = attachment(n);
        let stored = common::stored_attachment(dir, &c.id, 0).unwrap_or_default();
        assert!(
            stored.len() == data.len() && sha256_hex(&stored) == sha256_hex(&data),
            "attachment of {} hashes as declared",
            c.case_number
        );
        let received: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM status_changes WHERE case_id = ?1 AND status = 'received'",
                [&c.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(received, 1, "{} received once", c.case_number);
    }
    std::thread::spawn(move || drop(conn)).join().unwrap();
}

#[test]
fn a_request_played_again_at_another_node_is_refused() {
    let w = World::on_postgres();
    let b = common::spawn(w.central_dir.path(), Limits::default());
    let mut a = Client::new(&w);
    let mut to_b = a.to(&b.url());
    // One signed heartbeat, sent as is to the first node and then to the second.
    let body = br#"{"app_version":"test","devices":{},"paper_near_end":false,"queue_depth":0,"disk_free_bytes":1000000000}"#.to_vec();
    let path = "/v1/heartbeat";
    let mut headers = vec![("content-type", "application/json".to_owned())];
    headers.extend(onevisit_sync::auth::auth_headers(
        &a.key,
        &a.id.device_id,
        "POST",
        path,
        onevisit_sync::driver::wall_ms(),
        &headers,
        &body,
    ));
    let send = |c: &mut Client| {
        common::rt()
            .block_on(c.link.send("POST", path, &headers, body.clone()))
            .unwrap()
            .status
    };
    assert_eq!(send(&mut a), 200, "the first time");
    assert_eq!(send(&mut to_b), 401, "played again at the other node");
}

#[test]
fn an_officer_signed_in_at_one_node_works_at_another() {
    let w = World::on_postgres();
    let dir = w.central_dir.path();
    let b = common::spawn(dir, Limits::default());
    let at = location(dir);
    std::thread::spawn(move || {
        let c = db::open(&at).unwrap();
        onevisit_central::accounts::add(&c, "王窗口", "window", None, "correct-horse-battery-9", 1)
            .unwrap();
    })
    .join()
    .unwrap();
    let link = |url: &str| {
        onevisit_sync::driver::http::Link::new(
            onevisit_sync::driver::http::Endpoint::parse(url).unwrap(),
            Some(w.central.fingerprint.clone()),
        )
    };
    // Signing in at the first node (the login form's CSRF cookie and field agree).
    let form =
        "csrf=0123abcd&username=%E7%8E%8B%E7%AA%97%E5%8F%A3&password=correct-horse-battery-9";
    let r = common::rt()
        .block_on(link(&w.central.url()).send(
            "POST",
            "/login",
            &[
                ("content-type", "application/x-www-form-urlencoded".into()),
                ("cookie", "ov_login=0123abcd".into()),
            ],
            form.as_bytes().to_vec(),
        ))
        .unwrap();
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let session = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("ov_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    // The inbox at the other node, with that session.
    let r = common::rt()
        .block_on(link(&b.url()).send(
            "GET",
            "/inbox",
            &[("cookie", format!("ov_session={session}"))],
            Vec::new(),
        ))
        .unwrap();
    let page = String::from_utf8_lossy(&r.body);
    assert_eq!(r.status, 200, "{page}");
    assert!(
        page.contains("王窗口"),
        "signed in at the other node: {page}"
    );
}

#[test]
fn nodes_starting_together_on_a_new_data_folder_serve_one_certificate() {
    let dir = tempfile::TempDir::new().unwrap();
    common::use_postgres(dir.path());
    let start = Arc::new(Barrier::new(3));
    let nodes: Vec<_> = (0..3)
        .map(|_| {
            let (start, d) = (start.clone(), dir.path().to_owned());
            std::thread::spawn(move || {
                start.wait();
                common::spawn(&d, Limits::default())
            })
        })
        .collect();
    let running: Vec<_> = nodes.into_iter().map(|t| t.join().unwrap()).collect();
    let prints: BTreeSet<&str> = running.iter().map(|r| r.fingerprint.as_str()).collect();
    assert_eq!(prints.len(), 1, "{prints:?}");
}
