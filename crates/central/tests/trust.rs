//! Trust between kiosk and county: request signatures that cannot be replayed or altered,
//! one answer for every unauthorised request, catalogs signed offline and through key
//! rotations, and certificates pinned by public key with a backup.

mod common;

use std::path::Path;

use common::client::{manifest, patch_headers};
use common::*;
use onevisit_central::{catalog, db, keys, keys::Keys};
use onevisit_sync::auth;
use onevisit_sync::driver::http::{Endpoint, Link};
use onevisit_sync::driver::{self, Identity};

const CASE: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

struct Client {
    link: Link,
    id: Identity,
    key: ed25519_dalek::SigningKey,
}

impl Client {
    fn new(w: &World) -> Client {
        let (id, key) = Identity::load(w.kiosk_dir.path()).unwrap();
        let link = Link::pinned(Endpoint::parse(&id.central).unwrap(), id.pins());
        Client { link, id, key }
    }

    /// Signed headers for a request at `time` with the `extra` headers (not included).
    fn sign(
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

    /// Sends exactly these headers: (status, body bytes).
    fn raw(
        &mut self,
        method: &str,
        path: &str,
        h: &[(&str, String)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let r = rt()
            .block_on(self.link.send(method, path, h, body.to_vec()))
            .unwrap();
        (r.status, r.body)
    }

    fn signed(
        &mut self,
        method: &str,
        path: &str,
        extra: Vec<(&'static str, String)>,
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let mut h = self.sign(method, path, driver::wall_ms(), &extra, body);
        h.extend(extra);
        self.raw(method, path, &h, body)
    }
}

fn code_of(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body).unwrap_or_default()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn json() -> Vec<(&'static str, String)> {
    vec![("content-type", "application/json".to_owned())]
}

fn heartbeat() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "app_version": "t", "devices": {}, "paper_near_end": false, "queue_depth": 0,
        "disk_free_bytes": 1
    }))
    .unwrap()
}

fn received(w: &World) -> u64 {
    w.central_cases()[0].attachments[0].received
}

#[test]
fn a_replayed_signed_request_is_refused() {
    let w = World::new();
    let mut c = Client::new(&w);
    let body = heartbeat();
    let mut h = c.sign("POST", "/v1/heartbeat", driver::wall_ms(), &json(), &body);
    h.extend(json());
    assert_eq!(c.raw("POST", "/v1/heartbeat", &h, &body).0, 200);
    let (status, again) = c.raw("POST", "/v1/heartbeat", &h, &body);
    assert_eq!((status, code_of(&again)), (401, "unauthorized".into()));
    // A fresh signature (new nonce) over the same request is fine.
    assert_eq!(c.signed("POST", "/v1/heartbeat", json(), &body).0, 200);
}

#[test]
fn a_request_with_a_tampered_upload_offset_is_refused() {
    let w = World::new();
    let mut c = Client::new(&w);
    let data = bytes(1, 3000);
    let sha = onevisit_sync::sha256_hex(&data);
    let path = format!("/v1/cases/{CASE}/attachments/0");
    assert_eq!(
        c.signed(
            "PUT",
            &format!("/v1/cases/{CASE}"),
            json(),
            &manifest(3000, &sha)
        )
        .0,
        201
    );
    // The kiosk signs the second chunk for offset 1000; on the way the offset becomes 0,
    // which is where the server stands, so without the header in the signature the chunk
    // would land at the wrong place.
    let chunk = &data[1000..2000];
    let extra = patch_headers(1000, chunk);
    let mut h = c.sign("PATCH", &path, driver::wall_ms(), &extra, chunk);
    h.extend(extra.into_iter().map(|(k, v)| {
        if k == "upload-offset" {
            (k, "0".to_owned())
        } else {
            (k, v)
        }
    }));
    let (status, body) = c.raw("PATCH", &path, &h, chunk);
    assert_eq!((status, code_of(&body)), (401, "unauthorized".into()));
    assert_eq!(received(&w), 0, "nothing was written");
    // Untouched, the first chunk goes in.
    let first = &data[..1000];
    assert_eq!(
        c.signed("PATCH", &path, patch_headers(0, first), first).0,
        204
    );
    assert_eq!(received(&w), 1000);
}

#[test]
fn extreme_client_times_get_a_401_not_a_crash() {
    let w = World::new();
    let mut c = Client::new(&w);
    let body = heartbeat();
    for t in [i64::MAX, i64::MIN, i64::MIN + 1, -1] {
        let mut h = c.sign("POST", "/v1/heartbeat", t, &json(), &body);
        h.extend(json());
        let (status, reply) = c.raw("POST", "/v1/heartbeat", &h, &body);
        assert_eq!(
            (status, code_of(&reply)),
            (401, "clock_skew".into()),
            "time {t}"
        );
    }
    // The server is still there.
    assert_eq!(c.signed("POST", "/v1/heartbeat", json(), &body).0, 200);
}

#[test]
fn unknown_revoked_and_forged_requests_get_the_same_401() {
    let w = World::new();
    let mut c = Client::new(&w);
    let body = heartbeat();
    let path = "/v1/heartbeat";
    let send = |c: &mut Client, key: &ed25519_dalek::SigningKey, device: &str| {
        let mut h =
            auth::auth_headers(key, device, "POST", path, driver::wall_ms(), &json(), &body);
        h.extend(json());
        c.raw("POST", path, &h, &body)
    };
    let stranger = auth::new_signing_key();
    let me = c.id.device_id.clone();
    let unknown = send(&mut c, &stranger, "kiosk-000000000000");
    let forged = send(&mut c, &stranger, &me);
    // Another device's case, unknown to the server: still the same answer, before any 404.
    let mut h = auth::auth_headers(
        &stranger,
        "kiosk-000000000000",
        "HEAD",
        &format!("/v1/cases/{CASE}/attachments/0"),
        driver::wall_ms(),
        &[],
        b"",
    );
    h.push(("tus-resumable", "1.0.0".into()));
    let (head_status, _) = c.raw("HEAD", &format!("/v1/cases/{CASE}/attachments/0"), &h, b"");
    let key = c.key.clone();
    onevisit_central::admin::revoke(
        &db::open(&common::location(w.central_dir.path())).unwrap(),
        &me,
        1,
    )
    .unwrap();
    let revoked = send(&mut c, &key, &me);
    assert_eq!(unknown.0, 401);
    assert_eq!(head_status, 401);
    assert_eq!(unknown, forged, "unknown and forged differ");
    assert_eq!(unknown, revoked, "unknown and revoked differ");
    assert!(String::from_utf8_lossy(&unknown.1).contains("provisioned again"));
}

fn sample_catalog() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

#[test]
fn a_catalog_signed_offline_is_published_without_the_private_key() {
    let w = World::new();
    let data = w.central_dir.path();
    let offline = tempfile::TempDir::new().unwrap();
    let key_file = offline.path().join("catalog.key");
    let public = keys::move_catalog_key_offline(data, &key_file).unwrap();
    assert!(!keys::catalog_key_path(data).exists());
    let server = Keys::load_or_create(data).unwrap();
    assert!(server.catalog.is_none(), "the key is not made again");
    assert_eq!(server.catalog_public, public);
    assert!(!keys::catalog_key_path(data).exists());
    let conn = db::open(&common::location(data)).unwrap();
    let e = catalog::publish_dir(&conn, data, &server, &sample_catalog(), 1, 30).unwrap_err();
    assert!(e.to_string().contains("catalog sign"), "{e}");

    // On the offline machine: a key file and a folder, no server.
    let key = keys::read_signing_key(&key_file).unwrap();
    let now = onevisit_central::now_ms();
    let bundle = catalog::sign(&key, &sample_catalog(), 1, now, 30, &[]).unwrap();
    assert_eq!(
        catalog::publish_signed(&conn, data, &server, &bundle, now).unwrap(),
        1
    );
    let r = w.sync_once();
    assert_eq!(r.catalog_activated, Some(1), "{r:?}");

    // A bundle from any other key is refused by the server before a kiosk sees it.
    let other =
        catalog::sign(&auth::new_signing_key(), &sample_catalog(), 2, now, 30, &[]).unwrap();
    let e = catalog::publish_signed(&conn, data, &server, &other, now).unwrap_err();
    assert!(
        e.to_string().contains("not signed by the catalog key"),
        "{e}"
    );
    // So is an old version again, or one that skips ahead.
    for v in [1, 3] {
        let b = catalog::sign(&key, &sample_catalog(), v, now, 30, &[]).unwrap();
        let e = catalog::publish_signed(&conn, data, &server, &b, now).unwrap_err();
        assert!(e.to_string().contains("sign it as version 2"), "{e}");
    }
}

#[test]
fn a_catalog_key_rotation_reaches_kiosks_through_the_server() {
    let w = World::new();
    let data = w.central_dir.path();
    let offline = tempfile::TempDir::new().unwrap();
    let old_file = offline.path().join("old.key");
    keys::move_catalog_key_offline(data, &old_file).unwrap();
    let old = keys::read_signing_key(&old_file).unwrap();
    let new = keys::new_signing_key_file(&offline.path().join("new.key")).unwrap();
    let now = onevisit_central::now_ms();
    let conn = db::open(&common::location(data)).unwrap();
    let server = Keys::load_or_create(data).unwrap();

    // The new key alone is not trusted, by the server or (so) by any kiosk.
    let unannounced = catalog::sign(&new, &sample_catalog(), 1, now, 30, &[]).unwrap();
    assert!(catalog::publish_signed(&conn, data, &server, &unannounced, now).is_err());
    // A rotation signed by someone other than the old key is refused.
    let evil = auth::new_signing_key();
    let forged = catalog::rotate(&evil, &new.verifying_key(), now);
    let b = catalog::sign(&new, &sample_catalog(), 1, now, 30, &[forged]).unwrap();
    assert!(catalog::publish_signed(&conn, data, &server, &b, now).is_err());

    let rotation = catalog::rotate(&old, &new.verifying_key(), now);
    let b = catalog::sign(&new, &sample_catalog(), 1, now, 30, &[rotation]).unwrap();
    assert_eq!(
        catalog::publish_signed(&conn, data, &server, &b, now).unwrap(),
        1
    );
    assert_eq!(
        Keys::load_or_create(data).unwrap().catalog_public,
        auth::public_b64(&new),
        "new enrollments get the new key"
    );
    // A kiosk enrolled with the old key follows the chain the server attaches, even to a
    // bundle signed without it.
    let server = Keys::load_or_create(data).unwrap();
    let v2 = catalog::sign(&new, &sample_catalog(), 2, now, 30, &[]).unwrap();
    assert_eq!(
        catalog::publish_signed(&conn, data, &server, &v2, now).unwrap(),
        2
    );
    let r = w.sync_once();
    assert_eq!(r.catalog_activated, Some(2), "{r:?}");
    assert_eq!(
        driver::catalog::trust(w.kiosk_dir.path())
            .unwrap()
            .unwrap()
            .catalog_key,
        auth::public_b64(&new)
    );
}

#[test]
fn a_certificate_for_the_backup_key_is_accepted_and_any_other_refused() {
    let w = World::new();
    let (id, _) = Identity::load(w.kiosk_dir.path()).unwrap();
    let pins = Keys::load_or_create(w.central_dir.path())
        .unwrap()
        .spki_pins()
        .unwrap();
    assert_eq!(
        id.spki_pins, pins,
        "provisioning records current and backup"
    );

    // Someone else's key: refused.
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
    w.point_kiosk_at(&mitm.url());
    let ids = w.add_cases(&[&[10]]);
    let r = w.sync_once();
    assert!(r.delivered.is_empty() && r.stats.gave_up, "{r:?}");

    // The county switches to its backup key: a new certificate, no kiosk provisioned again.
    keys::use_backup_tls_key(w.central_dir.path()).unwrap();
    let after = Keys::load_or_create(w.central_dir.path())
        .unwrap()
        .spki_pins()
        .unwrap();
    assert_eq!(after[0], pins[1]);
    let (cert, key) = w.cert();
    let p = onevisit_netsim::Proxy::start(w.central.addr, &cert, &key, Default::default()).unwrap();
    w.point_kiosk_at(&p.url());
    let r = w.sync_once();
    assert_eq!(r.delivered.len(), 1, "{r:?}");
    assert_delivered_exactly_once(&w, &ids);
}

#[test]
fn provisioning_takes_a_public_key_pin_and_refuses_another() {
    let w = World::new();
    let pins = Keys::load_or_create(w.central_dir.path())
        .unwrap()
        .spki_pins()
        .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let provision = |pin: &str| {
        let code = code(w.central_dir.path(), "乡");
        rt().block_on(driver::provision(
            dir.path(),
            &w.central.url(),
            &code,
            Some(pin),
            "t",
            true,
            onevisit_central::now_ms(),
        ))
    };
    // The backup key's pin is not the key being served.
    let e = provision(&pins[1]).unwrap_err().to_string();
    assert!(e.contains("not the one"), "{e}");
    let id = provision(&format!("sha256:{}", pins[0].to_uppercase())).unwrap();
    assert_eq!(id.spki_pins, pins);
}

#[test]
fn a_kiosk_pinned_by_certificate_learns_the_public_key_pins() {
    let w = World::new();
    // An identity as provisioning wrote it before public-key pins.
    let path = w.kiosk_dir.path().join("sync/identity.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("spki_pins");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let (old, _) = Identity::load(w.kiosk_dir.path()).unwrap();
    assert!(old.spki_pins.is_empty());
    assert_eq!(old.pins(), vec![old.fingerprint.clone()]);

    w.sync_once();
    let (id, _) = Identity::load(w.kiosk_dir.path()).unwrap();
    let pins = Keys::load_or_create(w.central_dir.path())
        .unwrap()
        .spki_pins()
        .unwrap();
    assert_eq!(id.spki_pins, pins, "learnt from the heartbeat");
    assert_eq!(id.fingerprint, old.fingerprint, "the rest is kept");
}
