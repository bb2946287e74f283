//! `onevisit provision`, `sync --once` and `queue export` against a real central system on
//! 127.0.0.1, including a sync process killed mid-upload.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_onevisit"));
    c.arg("--data-dir")
        .arg(dir)
        .env("ONEVISIT_CATALOG", "catalog");
    c
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("onevisit-cli-sync-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn code(central: &Path) -> String {
    let conn =
        onevisit_central::db::open(&onevisit_central::sql::Location::folder(central)).unwrap();
    onevisit_central::admin::enroll_code(&conn, "城关镇便民服务中心", onevisit_central::now_ms())
        .unwrap()
}

/// Waits for observed progress: polls `cond` until it holds; fails only at `deadline`, which
/// is there for a stuck test, not as a timing requirement.
fn wait_until(deadline: Instant, what: &str, mut cond: impl FnMut() -> bool) {
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run(c: &mut Command) -> (bool, String, String) {
    let o = c.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn provision_sync_and_export_from_the_command_line() {
    let (cdir, kdir, usb) = (temp("c1"), temp("k1"), temp("usb1"));
    let central = onevisit_central::spawn(&cdir, "127.0.0.1:0").unwrap();
    let (ok, _, err) = run(bin(&kdir).args(["sync", "--once"]));
    assert!(!ok && err.contains("onevisit provision"), "{err}");

    let code = code(&cdir);
    let (ok, out, err) =
        run(bin(&kdir).args(["provision", "--central", &central.url(), "--code", &code]));
    assert!(ok, "{err}");
    assert!(
        out.contains("城关镇便民服务中心") && out.contains(&central.fingerprint),
        "{out}"
    );
    // Provisioning also builds the pinyin dictionaries, so no citizen waits for them.
    assert!(out.contains("pinyin dictionaries deployed"), "{out}");
    assert!(kdir.join("rime/build/pinyin_simp.schema.yaml").is_file());
    let (ok, _, err) =
        run(bin(&kdir).args(["provision", "--central", &central.url(), "--code", &code]));
    assert!(!ok && err.contains("--force"), "{err}");

    assert!(run(bin(&kdir).args(["case", "submit-sample", "--count", "2"])).0);
    let (ok, out, err) = run(bin(&kdir).args(["sync", "--once", "--json"]));
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["delivered"].as_array().unwrap().len(), 2, "{report}");
    let (_, out, _) = run(bin(&kdir).args(["queue", "list", "--json"]));
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(list.iter().all(|c| c["state"] == "acknowledged"));

    assert!(run(bin(&kdir).args(["case", "submit-sample", "--count", "1"])).0);
    let (ok, out, err) = run(bin(&kdir).args(["queue", "export"]).arg(&usb).arg("--json"));
    assert!(ok, "{err}");
    assert!(err.contains("100%"), "a progress bar: {err}");
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["cases"], 1);
    let path = PathBuf::from(summary["path"].as_str().unwrap());
    let keys = onevisit_central::keys::Keys::load_or_create(&cdir).unwrap();
    let mut conn =
        onevisit_central::db::open(&onevisit_central::sql::Location::folder(&cdir)).unwrap();
    let r = onevisit_central::admin::import(&mut conn, &cdir, &keys, &path, 1).unwrap();
    assert_eq!(r.imported, 1);
    let (ok, out, _) = run(bin(&kdir).args(["sync", "--once", "--json"]));
    assert!(ok);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["delivered"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["stats"]["bytes_sent"], 0,
        "already there: nothing uploaded again"
    );
    assert_eq!(onevisit_central::admin::list_cases(&conn).unwrap().len(), 3);
    for d in [cdir, kdir, usb] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_sync_killed_mid_upload_resumes_instead_of_starting_over() {
    let (cdir, kdir) = (temp("c2"), temp("k2"));
    let central = onevisit_central::spawn(&cdir, "127.0.0.1:0").unwrap();
    let proxy = onevisit_netsim::Proxy::start(
        central.addr,
        &cdir.join("tls/cert.pem"),
        &cdir.join("tls/key.pem"),
        onevisit_netsim::Config {
            rate: Some(300_000),
            ..Default::default()
        },
    )
    .unwrap();
    let code = code(&cdir);
    assert!(run(bin(&kdir).args(["provision", "--central", &proxy.url(), "--code", &code])).0);
    let size = 2_000_000;
    let pdf: Vec<u8> = (0..size)
        .map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let id = onevisit_store::Store::open(&kdir)
        .unwrap()
        .commit(
            &onevisit_store::NewCase {
                theme: "open-restaurant".into(),
                answers: BTreeMap::new(),
                applicant: onevisit_store::Applicant {
                    name: "测试丁".into(),
                    id_number: "11010519491231002X".into(),
                },
                form: BTreeMap::new(),
                materials: vec![onevisit_store::NewMaterial {
                    name: "平面图".into(),
                    pages: 1,
                    pdf,
                }],
                signature: None,
                rating: None,
                owed: Vec::new(),
            },
            1,
        )
        .unwrap();
    let mut child = bin(&kdir)
        .args(["sync", "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let conn = onevisit_central::db::open(&onevisit_central::sql::Location::folder(&cdir)).unwrap();
    let received = || -> u64 {
        onevisit_central::admin::list_cases(&conn)
            .unwrap()
            .first()
            .map_or(0, |c| c.attachments[0].received)
    };
    wait_until(
        Instant::now() + Duration::from_secs(300),
        "the upload to reach 500 kB",
        || received() >= 500_000,
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let had = received();
    assert!(had < size as u64, "killed too late");
    let sent_before = proxy.get(|c| &c.patch_body_bytes);
    let (ok, out, err) = run(bin(&kdir).args(["sync", "--once", "--json"]));
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["delivered"][0]["case_id"], id.as_str());
    let sent_after = proxy.get(|c| &c.patch_body_bytes) - sent_before;
    assert!(
        sent_after <= size as u64 - had + onevisit_sync::engine::Config::default().chunk_size,
        "after the restart {sent_after} bytes were sent; the server already had {had} of {size}"
    );
    let cases = onevisit_central::admin::list_cases(&conn).unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].state, "committed");
    drop(proxy);
    for d in [cdir, kdir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// The OS image's first boot: `provision --config onevisit.toml` enrolls from `[central]`, does
/// nothing without it, and leaves an enrolled kiosk as it is (the unit runs at every boot until
/// it succeeds).
#[test]
fn provision_from_the_image_settings_file() {
    let (cdir, kdir) = (temp("c3"), temp("k3"));
    let central = onevisit_central::spawn(&cdir, "127.0.0.1:0").unwrap();
    let settings = kdir.join("onevisit.toml");
    std::fs::write(&settings, "site = \"城关镇\"\n").unwrap();
    let (ok, out, err) = run(bin(&kdir).arg("provision").arg("--config").arg(&settings));
    assert!(ok && out.contains("not provisioning"), "{out}{err}");
    assert!(!kdir.join("sync/identity.json").exists());

    let code = code(&cdir);
    std::fs::write(
        &settings,
        format!(
            "site = \"城关镇\"\n[central]\nurl = \"{}\"\nenrollment_code = \"{code}\"\n",
            central.url()
        ),
    )
    .unwrap();
    let (ok, out, err) = run(bin(&kdir).arg("provision").arg("--config").arg(&settings));
    assert!(ok && out.contains("城关镇便民服务中心"), "{out}{err}");
    assert!(kdir.join("sync/identity.json").is_file());
    let (ok, out, err) = run(bin(&kdir).arg("provision").arg("--config").arg(&settings));
    assert!(ok && out.contains("already provisioned"), "{out}{err}");

    std::fs::write(&settings, "[central\n").unwrap();
    let (ok, _, err) = run(bin(&kdir).arg("provision").arg("--config").arg(&settings));
    assert!(!ok && err.contains("onevisit.toml"), "{err}");
    for d in [cdir, kdir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// The county's enrollment QR code, as the scanner or camera reads it (or a technician types
/// it): `provision --qr`. Each bad line or mismatch says what to do, and spends no code.
#[test]
fn provision_from_the_county_qr_code() {
    use onevisit_sync::enroll::EnrollPayload;
    let (cdir, kdir) = (temp("cq"), temp("kq"));
    let central = onevisit_central::spawn(&cdir, "127.0.0.1:0").unwrap();
    let code = code(&cdir);
    let payload = EnrollPayload {
        central: central.url(),
        code: code.clone(),
        pin: central.fingerprint.clone(),
        site: "城关镇便民服务中心".into(),
    };
    let line = payload.to_line();
    let qr = |line: &str, extra: &[&str]| {
        run(bin(&kdir)
            .args(["provision", "--qr", line])
            .args(extra.iter().copied()))
    };
    let (ok, _, err) = qr("https://example.org/whatever", &[]);
    assert!(!ok && err.contains("onevisit:enroll?"), "{err}");
    let (ok, _, err) = qr(&line.replace(&format!("&code={code}"), ""), &[]);
    assert!(
        !ok && err.contains("no code") && err.contains("scan it again"),
        "{err}"
    );
    let (ok, _, err) = qr(&line, &["--site", "河口乡便民服务站"]);
    assert!(
        !ok && err.contains("城关镇便民服务中心") && err.contains("ask the county"),
        "{err}"
    );
    let impostor = EnrollPayload {
        pin: "ab".repeat(32),
        ..payload.clone()
    };
    let (ok, _, err) = qr(&impostor.to_line(), &[]);
    assert!(!ok && err.contains("not the one"), "{err}");
    assert!(!kdir.join("sync/identity.json").exists(), "nothing saved");

    let (ok, out, err) = qr(&line, &["--site", "城关镇便民服务中心"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("城关镇便民服务中心") && out.contains(&central.fingerprint),
        "{out}"
    );
    let (ok, _, err) = qr(&line, &["--force"]);
    assert!(!ok && err.contains("new code"), "a code works once: {err}");
    // The self-test now reaches the central system over the pinned link.
    let (_, out, err) = run(bin(&kdir).args(["selftest", "--json"]));
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let central_line = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "central")
        .unwrap();
    assert_eq!(central_line["state"], "pass", "{central_line}");
    assert!(
        central_line["detail"]
            .as_str()
            .unwrap()
            .contains("clock within"),
        "{central_line}"
    );
    let _ = std::fs::remove_dir_all(&cdir);
    let _ = std::fs::remove_dir_all(&kdir);
}

/// The county sets a site's technician PIN on the central system; the site's kiosks take its
/// hash with their next heartbeat (never the PIN itself).
#[test]
fn the_county_pushes_a_technician_pin_with_the_heartbeat() {
    let (cdir, kdir) = (temp("cpin"), temp("kpin"));
    let central = onevisit_central::spawn(&cdir, "127.0.0.1:0").unwrap();
    let code = code(&cdir);
    let (ok, _, err) =
        run(bin(&kdir).args(["provision", "--central", &central.url(), "--code", &code]));
    assert!(ok, "{err}");
    {
        let conn =
            onevisit_central::db::open(&onevisit_central::sql::Location::folder(&cdir)).unwrap();
        let bad =
            onevisit_central::admin::set_technician_pin(&conn, "城关镇便民服务中心", "12ab", 1);
        assert!(bad.unwrap_err().to_string().contains("4 to 12 digits"));
        onevisit_central::admin::set_technician_pin(&conn, "城关镇便民服务中心", "975310", 1)
            .unwrap();
    }
    let (ok, _, err) = run(bin(&kdir).args(["sync", "--once"]));
    assert!(ok, "{err}");
    let pushed = std::fs::read_to_string(kdir.join(onevisit_sync::pin::PUSHED_FILE)).unwrap();
    assert!(
        onevisit_sync::pin::is_hash(&pushed),
        "a hash, not the PIN: {pushed}"
    );
    assert!(onevisit_sync::pin::matches("975310", &pushed));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(kdir.join(onevisit_sync::pin::PUSHED_FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "readable by the kiosk only: {mode:o}");
    let _ = std::fs::remove_dir_all(&cdir);
    let _ = std::fs::remove_dir_all(&kdir);
}
