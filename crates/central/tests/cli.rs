//! `onevisit-central` from the command line: the officers' and administrators' contract.

use std::process::Command;

fn central(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_onevisit-central"));
    c.arg("--data").arg(dir);
    c
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
fn officers_commands() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let (ok, code, err) = run(central(d).args(["enroll-code", "--site", "城关镇"]));
    assert!(ok, "{err}");
    let code = code.trim();
    assert_eq!(code.len(), 19, "{code}");
    assert!(err.contains("onevisit provision"), "{err}");
    let (ok, fp, _) = run(central(d).arg("fingerprint"));
    assert!(ok && fp.trim().len() == 64 && err.contains(fp.trim()));

    let (ok, out, _) = run(central(d).args(["cases", "list", "--json"]));
    assert!(ok);
    assert_eq!(out.trim(), "[]");
    let (ok, _, err) = run(central(d).args(["cases", "set-status", "2026-000001", "approved"]));
    assert!(!ok && err.contains("no case"), "{err}");
    let (ok, _, err) = run(central(d).args(["cases", "set-status", "x", "done"]));
    assert!(
        !ok && err.contains("ready_for_pickup"),
        "lists the statuses: {err}"
    );
    let (ok, _, err) = run(central(d).args(["cases", "set-status", "x", "rejected"]));
    assert!(!ok && err.contains("--reason"), "{err}");
    let (ok, _, err) = run(central(d).args(["devices", "revoke", "kiosk-nope"]));
    assert!(!ok && err.contains("no device"), "{err}");

    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let (ok, out, err) = run(central(d).args(["catalog", "publish"]).arg(&catalog));
    assert!(ok, "{err}");
    assert!(out.contains("version 1"));
    let (ok, _, err) = run(central(d).args(["catalog", "publish", "/nonexistent"]));
    assert!(!ok && err.contains("/nonexistent"), "{err}");

    // Signing offline: the key leaves the server, a bundle is signed elsewhere and published.
    let offline = tempfile::TempDir::new().unwrap();
    let key = offline.path().join("catalog.key");
    let (ok, out, err) = run(central(d)
        .args(["catalog", "offline-key", "--out"])
        .arg(&key));
    assert!(ok && out.contains("catalog sign"), "{err}");
    assert!(!d.join("keys/catalog.ed25519").exists());
    let (ok, _, err) = run(central(d).args(["catalog", "publish"]).arg(&catalog));
    assert!(!ok && err.contains("--signed"), "{err}");
    let bundle = offline.path().join("v2.json");
    let (ok, _, err) = run(central(offline.path())
        .args(["catalog", "sign"])
        .arg(&catalog)
        .arg("--key")
        .arg(&key)
        .args(["--version", "2", "--valid-days", "30", "--out"])
        .arg(&bundle));
    assert!(ok, "{err}");
    let (ok, out, err) = run(central(d)
        .args(["catalog", "publish", "--signed"])
        .arg(&bundle));
    assert!(ok && out.contains("version 2"), "{err}");
    assert!(!d.join("keys/catalog.ed25519").exists(), "never needed");
    let (ok, out, _) = run(central(d).args(["tls", "pins", "--json"]));
    let pins: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(ok && pins["current"] != pins["backup"], "{out}");

    let junk = d.join("junk.ovx");
    std::fs::write(&junk, b"not a bundle").unwrap();
    let (ok, _, err) = run(central(d).arg("import").arg(&junk));
    assert!(!ok && err.contains("not a OneVisit export bundle"), "{err}");
}
