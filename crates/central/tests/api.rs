//! Bad input to the central system: a clear 4xx, and nothing changes. Enrollment that cannot
//! be fooled. Offline USB bundles. Signed catalogs.

mod common;

use std::path::Path;

use common::client::{manifest, patch_headers};
use common::*;
use onevisit_central::{admin, db, keys::Keys};
use onevisit_sync::auth;
use onevisit_sync::driver::http::{Endpoint, Link};
use onevisit_sync::driver::{self, Identity, usb};
use onevisit_sync::proto::MAX_CHUNK;

/// What an observer could see of the central system's state.
fn snapshot(dir: &Path) -> String {
    let conn = db::open(&common::location(dir)).unwrap();
    let cases = serde_json::to_string(&admin::list_cases(&conn).unwrap()).unwrap();
    let devices = serde_json::to_string(&admin::devices(&conn).unwrap()).unwrap();
    let statuses: i64 = conn
        .query_row("SELECT COUNT(*) FROM status_changes", [], |r| r.get(0))
        .unwrap();
    let mut files = Vec::new();
    let att = dir.join("attachments");
    if att.exists() {
        for d in std::fs::read_dir(&att).unwrap().flatten() {
            for f in std::fs::read_dir(d.path()).unwrap().flatten() {
                files.push(format!(
                    "{} {}",
                    f.path().display(),
                    std::fs::metadata(f.path()).unwrap().len()
                ));
            }
        }
    }
    files.sort();
    format!("{cases}\n{devices}\n{statuses}\n{}", files.join("\n"))
}

struct Client {
    link: Link,
    id: Identity,
    key: ed25519_dalek::SigningKey,
}

struct Resp {
    status: u16,
    offset: Option<String>,
    body: serde_json::Value,
}

impl Client {
    fn new(w: &World) -> Client {
        let (id, key) = Identity::load(w.kiosk_dir.path()).unwrap();
        let link = Link::pinned(Endpoint::parse(&id.central).unwrap(), id.pins());
        Client { link, id, key }
    }

    /// The authentication headers for a request at `time` carrying `extra`.
    fn auth(
        &self,
        method: &str,
        path: &str,
        time: i64,
        extra: &[(&str, String)],
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        auth::auth_headers(
            &self.key,
            &self.id.device_id,
            method,
            path,
            time,
            extra,
            body,
        )
    }

    /// Sends exactly these headers.
    fn raw(&mut self, method: &str, path: &str, h: &[(&str, String)], body: &[u8]) -> Resp {
        let r = rt()
            .block_on(self.link.send(method, path, h, body.to_vec()))
            .unwrap();
        Resp {
            status: r.status,
            offset: r
                .headers
                .get("upload-offset")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null),
        }
    }

    fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: &[u8],
        sign: bool,
    ) -> Resp {
        let t = onevisit_sync::driver::wall_ms();
        let mut h: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if sign {
            let a = self.auth(method, path, t, &h, body);
            h.extend(a);
        }
        self.raw(method, path, &h, body)
    }
}

const CASE: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

#[test]
fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    let w = World::new();
    let mut c = Client::new(&w);
    let data = bytes(1, 5000);
    let sha = onevisit_sync::sha256_hex(&data);
    // A case half uploaded, as a starting point.
    assert_eq!(
        c.send(
            "PUT",
            &format!("/v1/cases/{CASE}"),
            &[],
            &manifest(5000, &sha),
            true
        )
        .status,
        201
    );
    let h = patch_headers(0, &data[..1000]);
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let path = format!("/v1/cases/{CASE}/attachments/0");
    assert_eq!(c.send("PATCH", &path, &h, &data[..1000], true).status, 204);
    let before = snapshot(w.central_dir.path());
    let (key, device_id) = (c.key.clone(), c.id.device_id.clone());

    let mut check = |what: &str,
                     want: u16,
                     method: &str,
                     path: &str,
                     headers: Vec<(&'static str, String)>,
                     body: &[u8],
                     sign: bool| {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.send(method, path, &h, body, sign);
        assert_eq!(r.status, want, "{what}: {}", r.body);
        assert!(
            r.body["message"].as_str().is_some_and(|m| m.len() > 10) || method == "HEAD",
            "{what}: an explanation is expected, got {}",
            r.body
        );
        r
    };
    let json = || vec![("content-type", "application/json".to_owned())];
    check(
        "malformed JSON",
        400,
        "PUT",
        &format!("/v1/cases/{CASE}"),
        json(),
        b"{\"theme\": ",
        true,
    );
    check(
        "unknown field",
        400,
        "PUT",
        &format!("/v1/cases/{CASE}"),
        json(),
        br#"{"theme":"x","evil":1}"#,
        true,
    );
    check(
        "bad case id",
        400,
        "PUT",
        "/v1/cases/..%2F..%2Fetc",
        json(),
        &manifest(1, &sha),
        true,
    );
    check(
        "bad hash",
        422,
        "PUT",
        "/v1/cases/1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        json(),
        &manifest(5, "xyz"),
        true,
    );
    check(
        "a NUL character in a form field",
        422,
        "PUT",
        "/v1/cases/1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        json(),
        &String::from_utf8(manifest(5, &sha))
            .unwrap()
            .replace(
                "\"form\":{}",
                "\"form\":{\"shop_name\":\"测试\\u0000饭店\"}",
            )
            .into_bytes(),
        true,
    );
    check(
        "oversized attachment",
        413,
        "PUT",
        "/v1/cases/1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        json(),
        &manifest(1 << 40, &sha),
        true,
    );
    check(
        "same id, other content",
        409,
        "PUT",
        &format!("/v1/cases/{CASE}"),
        json(),
        &manifest(5000, &"0".repeat(64)),
        true,
    );
    let r = check(
        "wrong offset",
        409,
        "PATCH",
        &path,
        patch_headers(3000, &data[3000..4000]),
        &data[3000..4000],
        true,
    );
    assert_eq!(
        r.offset.as_deref(),
        Some("1000"),
        "409 tells where to continue"
    );
    check(
        "wrong checksum",
        460,
        "PATCH",
        &path,
        patch_headers(1000, b"something else"),
        &data[1000..2000],
        true,
    );
    let mut no_tus = patch_headers(1000, &data[1000..2000]);
    no_tus.retain(|(k, _)| *k != "tus-resumable");
    check(
        "no Tus-Resumable",
        412,
        "PATCH",
        &path,
        no_tus,
        &data[1000..2000],
        true,
    );
    let mut bad_type = patch_headers(1000, &data[1000..2000]);
    bad_type[1].1 = "text/plain".into();
    check(
        "wrong content type",
        415,
        "PATCH",
        &path,
        bad_type,
        &data[1000..2000],
        true,
    );
    let past_end = bytes(2, 4500);
    check(
        "past the declared length",
        413,
        "PATCH",
        &path,
        patch_headers(1000, &past_end),
        &past_end,
        true,
    );
    let huge = vec![0u8; MAX_CHUNK as usize + 1];
    check(
        "chunk too large",
        413,
        "PATCH",
        &path,
        patch_headers(1000, &huge),
        &huge,
        true,
    );
    check(
        "unknown attachment",
        404,
        "PATCH",
        &format!("/v1/cases/{CASE}/attachments/7"),
        patch_headers(0, b"x"),
        b"x",
        true,
    );
    check(
        "commit before complete",
        409,
        "POST",
        &format!("/v1/cases/{CASE}/commit"),
        vec![],
        b"",
        true,
    );
    check(
        "unsigned",
        401,
        "POST",
        "/v1/heartbeat",
        json(),
        b"{}",
        false,
    );
    check(
        "malformed heartbeat",
        400,
        "POST",
        "/v1/heartbeat",
        json(),
        b"[1,2]",
        true,
    );
    // A signature over other bytes.
    let t = onevisit_sync::driver::wall_ms();
    let mut forged = auth::auth_headers(&key, &device_id, "POST", "/v1/heartbeat", t, &[], b"[]");
    forged.extend(json());
    check(
        "bad signature",
        401,
        "POST",
        "/v1/heartbeat",
        forged,
        b"{}",
        false,
    );
    let mut unknown = auth::auth_headers(
        &auth::new_signing_key(),
        "kiosk-000000000000",
        "POST",
        "/v1/heartbeat",
        t,
        &json(),
        b"{}",
    );
    unknown.extend(json());
    check(
        "unknown device",
        401,
        "POST",
        "/v1/heartbeat",
        unknown,
        b"{}",
        false,
    );
    check(
        "bad enrollment",
        400,
        "POST",
        "/v1/enroll",
        json(),
        b"nonsense",
        false,
    );
    check(
        "unknown code",
        403,
        "POST",
        "/v1/enroll",
        json(),
        &serde_json::to_vec(&serde_json::json!({
        "code_id": "0000000000000000", "device_key": auth::public_b64(&auth::new_signing_key()),
        "proof": "AAAA", "app_version": "x"}))
        .unwrap(),
        false,
    );
    assert_eq!(
        snapshot(w.central_dir.path()),
        before,
        "a refused request changed something"
    );

    // A revoked device is refused, clearly, and changes nothing either.
    admin::revoke(
        &db::open(&common::location(w.central_dir.path())).unwrap(),
        &c.id.device_id,
        1,
    )
    .unwrap();
    let before = snapshot(w.central_dir.path());
    let r = c.send("PATCH", &path, &h, &data[..1000], true);
    assert_eq!(r.status, 401);
    assert!(r.body["message"].as_str().unwrap().contains("revoked"));
    assert_eq!(snapshot(w.central_dir.path()), before);
    w.add_cases(&[&[10]]);
    let report = w.sync_once();
    assert!(report.stats.revoked && report.delivered.is_empty());
    assert!(report.error.unwrap().contains("provisioned again"));
}

#[test]
fn enrollment_is_one_time_and_cannot_be_intercepted() {
    let w = World::new();
    let dir = tempfile::TempDir::new().unwrap();
    let url = w.central.url();
    // The kiosk's clock this far from the central system's.
    let provision_at = |off_ms: i64, url: &str, code: &str, pin: Option<&str>| {
        rt().block_on(driver::provision(
            dir.path(),
            url,
            code,
            pin,
            "t",
            true,
            onevisit_central::now_ms() + off_ms,
        ))
    };
    let provision = |url: &str, code: &str, pin: Option<&str>| provision_at(0, url, code, pin);
    let code = code(w.central_dir.path(), "乡");
    assert!(
        provision(&url, "AAAA-BBBB-CCCC-DDDD", None).is_err(),
        "unknown code"
    );
    let wrong_pin = provision(&url, &code, Some(&"ab".repeat(32)));
    assert!(wrong_pin.unwrap_err().to_string().contains("not the one"));

    // Someone in between, with their own certificate, relaying to the real server.
    let evil = tempfile::TempDir::new().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(evil.path().join("c.pem"), ck.cert.pem()).unwrap();
    std::fs::write(evil.path().join("k.pem"), ck.signing_key.serialize_pem()).unwrap();
    let mitm = onevisit_netsim::Proxy::start(
        w.central.addr,
        &evil.path().join("c.pem"),
        &evil.path().join("k.pem"),
        Default::default(),
    )
    .unwrap();
    let e = provision(&mitm.url(), &code, None).unwrap_err().to_string();
    assert!(e.contains("refused enrollment"), "{e}");
    // A kiosk whose clock is three hours fast is told so before the code is spent.
    let e = provision_at(3 * 3_600_000, &url, &code, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("3 h 0 min ahead of") && e.contains("timedatectl") && e.contains("not used"),
        "{e}"
    );
    // The code still works on the real server (the failed attempts did not burn it)…
    let id = provision(&url, &code, None).unwrap();
    assert_eq!(id.site, "乡");
    assert_eq!(
        id.fingerprint,
        Keys::load_or_create(w.central_dir.path())
            .unwrap()
            .fingerprint()
            .unwrap()
    );
    // …once.
    assert!(provision(&url, &code, None).is_err(), "a code works once");

    // After provisioning the kiosk trusts the pinned certificate only.
    w.point_kiosk_at(&mitm.url());
    w.add_cases(&[&[10]]);
    let r = w.sync_once();
    assert!(r.delivered.is_empty() && r.stats.gave_up, "{r:?}");
    assert!(w.central_cases().is_empty());
}

#[test]
fn usb_export_import_then_online_acknowledgement_without_duplicates() {
    let w = World::new();
    let ids = w.add_cases(&[&[120_000, 3], &[], &[70_000]]);
    let usb_dir = tempfile::TempDir::new().unwrap();
    let (id, key) = Identity::load(w.kiosk_dir.path()).unwrap();
    let mut store = w.store();
    let mut ticks = 0;
    let s = usb::export_queue(&mut store, &id, &key, usb_dir.path(), 10, "t", |_, _| {
        ticks += 1
    })
    .unwrap();
    drop(store);
    assert_eq!(s.cases, 3);
    assert!(ticks >= 4, "progress reported per case");
    for c in &ids {
        let d = w.store().get(c).unwrap();
        assert!(d.exported_at.is_some());
        assert_eq!(
            d.summary.state,
            onevisit_store::SyncState::Queued,
            "stays queued until acknowledged"
        );
    }
    let keys = Keys::load_or_create(w.central_dir.path()).unwrap();
    let mut conn = db::open(&common::location(w.central_dir.path())).unwrap();
    let data = w.central_dir.path();
    let r = admin::import_at(&mut conn, &common::location(data), &keys, &s.path, 20).unwrap();
    assert_eq!((r.cases, r.imported, r.already), (3, 3, 0));
    let r = admin::import_at(&mut conn, &common::location(data), &keys, &s.path, 21).unwrap();
    assert_eq!(
        (r.imported, r.already),
        (0, 3),
        "importing twice changes nothing"
    );
    let numbers: Vec<_> = w
        .central_cases()
        .iter()
        .map(|c| c.case_number.clone())
        .collect();

    // Tampered or cut bundles are refused before anything is read.
    let mut bad = std::fs::read(&s.path).unwrap();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(usb_dir.path().join("bad.ovx"), &bad).unwrap();
    let e = admin::import_at(
        &mut conn,
        &common::location(data),
        &keys,
        &usb_dir.path().join("bad.ovx"),
        22,
    )
    .unwrap_err();
    assert!(e.to_string().contains("signature"), "{e}");

    // Online, later: acknowledged with the same numbers, no bytes uploaded, nothing doubled.
    let r = w.sync_once();
    assert_eq!(r.delivered.len(), 3);
    assert_eq!(r.stats.bytes_sent, 0);
    assert_delivered_exactly_once(&w, &ids);
    let after: Vec<_> = w
        .central_cases()
        .iter()
        .map(|c| c.case_number.clone())
        .collect();
    assert_eq!(numbers, after);
    assert!(w.central_cases().iter().all(|c| c.source == "usb"));
}

#[test]
fn a_partly_uploaded_case_is_completed_by_the_usb_bundle() {
    let w = World::new();
    let ids = w.add_cases(&[&[400_000]]);
    let p = w.proxy(onevisit_netsim::Config::default());
    p.add_rule(onevisit_netsim::Rule::new(
        Some("PATCH"),
        None,
        3,
        onevisit_netsim::Fault::Status(403),
    ));
    w.sync_once();
    assert_eq!(w.central_cases()[0].state, "receiving");
    let usb_dir = tempfile::TempDir::new().unwrap();
    let (id, key) = Identity::load(w.kiosk_dir.path()).unwrap();
    let s = usb::export_queue(
        &mut w.store(),
        &id,
        &key,
        usb_dir.path(),
        10,
        "t",
        |_, _| {},
    )
    .unwrap();
    let keys = Keys::load_or_create(w.central_dir.path()).unwrap();
    let r = admin::import_at(
        &mut db::open(&common::location(w.central_dir.path())).unwrap(),
        &common::location(w.central_dir.path()),
        &keys,
        &s.path,
        20,
    )
    .unwrap();
    assert_eq!(r.completed, 1);
    w.point_kiosk_at(&w.central.url());
    assert_eq!(w.sync_once().delivered.len(), 1);
    assert_delivered_exactly_once(&w, &ids);
}

#[test]
fn catalogs_are_signed_checked_and_activated_atomically() {
    let w = World::new();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let keys = Keys::load_or_create(w.central_dir.path()).unwrap();
    let conn = db::open(&common::location(w.central_dir.path())).unwrap();
    let now = onevisit_central::now_ms();
    let v = admin::publish(&conn, w.central_dir.path(), &keys, &repo, now).unwrap();
    assert_eq!(v, 1);
    let r = w.sync_once();
    assert_eq!(r.catalog_activated, Some(1), "{r:?}");
    let kiosk = w.kiosk_dir.path();
    assert_eq!(driver::catalog::active_version(kiosk), Some(1));
    assert!(
        driver::catalog::active_dir(kiosk)
            .unwrap()
            .join("themes/open-restaurant.toml")
            .is_file()
    );

    // A broken catalog is refused by the publisher.
    let broken = tempfile::TempDir::new().unwrap();
    std::fs::write(broken.path().join("items.toml"), "[[item]]\nid = 3\n").unwrap();
    assert!(admin::publish(&conn, w.central_dir.path(), &keys, broken.path(), now).is_err());

    // A bundle not signed by the central system's key (a tampered file on the server) is
    // refused by the kiosk, which keeps running version 1.
    let forged = onevisit_sync::bundle::sign_catalog(
        &auth::new_signing_key(),
        2,
        3,
        onevisit_central::now_ms() + 86_400_000,
        &onevisit_sync::bundle::read_tree(&repo).unwrap(),
        &[],
    )
    .unwrap();
    std::fs::write(admin::catalog_path(w.central_dir.path(), 2), &forged).unwrap();
    conn.execute(
        "INSERT INTO catalogs (version, sha256, size, published_at) VALUES (2, 'x', 1, 3)",
        [],
    )
    .unwrap();
    let r = w.sync_once();
    assert!(r.catalog_error.unwrap().contains("signature"));
    assert_eq!(driver::catalog::active_version(kiosk), Some(1));
    assert!(driver::catalog::active_dir(kiosk).is_some());
}

#[test]
fn an_expired_enrollment_code_is_refused_with_what_to_do() {
    let w = World::new();
    let dir = tempfile::TempDir::new().unwrap();
    let url = w.central.url();
    // Made eight days ago: codes live seven.
    let made = onevisit_central::now_ms() - 8 * 24 * 3_600_000;
    let code = admin::enroll_code(
        &db::open(&common::location(w.central_dir.path())).unwrap(),
        "乡",
        made,
    )
    .unwrap();
    let e = rt()
        .block_on(driver::provision(
            dir.path(),
            &url,
            &code,
            None,
            "t",
            true,
            onevisit_central::now_ms(),
        ))
        .unwrap_err()
        .to_string();
    assert!(e.contains("expired") && e.contains("new code"), "{e}");
    assert!(
        !dir.path().join("sync/identity.json").exists(),
        "nothing provisioned"
    );
}
