//! `onevisit-central` from the command line: the officers' and administrators' contract.

use std::process::Command;

mod common;

/// The binary on `dir`, run by a named officer (officers' commands need a name).
fn central(dir: &std::path::Path) -> Command {
    let mut c = anonymous(dir);
    c.env("ONEVISIT_OFFICER", "测试科员");
    c
}

fn anonymous(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_onevisit-central"));
    c.arg("--data").arg(dir).env_remove("ONEVISIT_OFFICER");
    match common::location(dir).database {
        Some(url) => c.env("ONEVISIT_DATABASE", url),
        None => c.env_remove("ONEVISIT_DATABASE"),
    };
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    outcome(c.output().unwrap())
}

/// Whether it succeeded, and what it printed on stdout and stderr.
fn outcome(o: std::process::Output) -> (bool, String, String) {
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

#[test]
fn an_officers_command_needs_a_name() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    for args in [
        vec!["cases", "list"],
        vec!["cases", "show", "2026-000001"],
        vec!["enroll-code", "--site", "城关镇"],
        vec!["devices", "revoke", "kiosk-1"],
        vec!["cases", "set-status", "2026-000001", "approved"],
    ] {
        let (ok, out, err) = run(anonymous(d).args(&args));
        assert!(!ok, "{args:?} ran without a name: {out}");
        assert!(
            err.contains("--officer") && err.contains("ONEVISIT_OFFICER"),
            "{args:?}: {err}"
        );
    }
    let (ok, _, err) = run(anonymous(d).args(["--officer", "", "cases", "list"]));
    assert!(!ok, "an empty name is no name: {err}");
    // Named by the flag (anywhere on the line) or by the environment.
    let (ok, _, err) = run(anonymous(d).args(["--officer", "王科员", "cases", "list"]));
    assert!(ok, "{err}");
    let (ok, _, err) = run(anonymous(d).args(["cases", "list", "--officer", "王科员"]));
    assert!(ok, "{err}");
    let (ok, _, err) = run(anonymous(d)
        .env("ONEVISIT_OFFICER", "李")
        .args(["cases", "list"]));
    assert!(ok, "{err}");
    // Not an officer's: the server's own and the auditor's commands.
    assert!(run(anonymous(d).arg("fingerprint")).0);
    assert!(run(anonymous(d).args(["audit", "verify"])).0);
}

fn audit_rows(d: &std::path::Path) -> Vec<serde_json::Value> {
    let (ok, out, err) = run(anonymous(d).args(["audit", "list", "--json"]));
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn every_officers_command_is_audited_and_tampering_is_found() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let junk = d.join("junk.ovx");
    std::fs::write(&junk, b"not a bundle").unwrap();
    let as_wang = |args: &[&str]| {
        let mut c = anonymous(d);
        c.args(["--officer", "王科员"]).args(args);
        run(&mut c)
    };
    assert!(as_wang(&["enroll-code", "--site", "城关镇"]).0);
    assert!(as_wang(&["cases", "list"]).0);
    assert!(!as_wang(&["cases", "show", "2026-000009"]).0);
    assert!(
        !as_wang(&[
            "cases",
            "set-status",
            "2026-000009",
            "rejected",
            "--reason",
            "缺少租赁合同"
        ])
        .0
    );
    assert!(as_wang(&["devices", "list"]).0);
    assert!(!as_wang(&["devices", "revoke", "kiosk-1"]).0);
    let mut publish = anonymous(d);
    publish
        .args(["--officer", "王科员", "catalog", "publish"])
        .arg(&catalog);
    assert!(run(&mut publish).0);
    let mut import = anonymous(d);
    import.args(["--officer", "王科员", "import"]).arg(&junk);
    assert!(!run(&mut import).0);

    let rows = audit_rows(d);
    let commands: Vec<&str> = rows
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        [
            "enroll-code",
            "cases list",
            "cases show",
            "cases set-status",
            "devices list",
            "devices revoke",
            "catalog publish",
            "import"
        ]
    );
    assert!(rows.iter().all(|r| r["officer"] == "王科员"));
    assert_eq!(rows[2]["outcome"], "failed");
    assert_eq!(rows[6]["outcome"], "ok");
    assert_eq!(rows[7]["args"], "bundle=junk.ovx");
    let all = serde_json::to_string(&rows).unwrap();
    assert!(!all.contains("缺少租赁合同"), "free text stays out: {all}");
    assert!(all.contains("reason=given"));
    for pair in rows.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let (ok, out, err) = run(anonymous(d).args(["audit", "verify"]));
    assert!(ok && out.contains("intact: 8 rows"), "{out}{err}");

    // The database refuses changes; an insider who drops the trigger is found by verify.
    let conn = onevisit_central::db::open(&common::location(d)).unwrap();
    let on = if common::on_postgres() {
        " ON audit_log"
    } else {
        ""
    };
    assert!(
        conn.execute("UPDATE audit_log SET officer = '张' WHERE seq = 4", [])
            .is_err()
    );
    assert!(
        conn.execute("DELETE FROM audit_log WHERE seq = 4", [])
            .is_err()
    );
    conn.execute_batch(&format!(
        "DROP TRIGGER audit_log_no_update{on};
         UPDATE audit_log SET officer = '张' WHERE seq = 4;"
    ))
    .unwrap();
    let (ok, _, err) = run(anonymous(d).args(["audit", "verify"]));
    assert!(!ok, "tampering not found");
    assert!(err.contains("row 4"), "names the first broken row: {err}");
    // Rewriting that row's hash too only moves the break to the next row.
    let tampered: String = conn
        .query_row("SELECT hash FROM audit_log WHERE seq = 3", [], |r| r.get(0))
        .unwrap();
    let fake = format!("{:0>64}", "1");
    conn.execute(
        "UPDATE audit_log SET hash = ?1, prev_hash = ?2 WHERE seq = 4",
        [&fake, &tampered],
    )
    .unwrap();
    let (ok, _, err) = run(anonymous(d).args(["audit", "verify"]));
    assert!(
        !ok && (err.contains("row 4") || err.contains("row 5")),
        "{err}"
    );
    conn.execute_batch(&format!(
        "DROP TRIGGER audit_log_no_delete{on}; DELETE FROM audit_log WHERE seq = 2;"
    ))
    .unwrap();
    let (ok, _, err) = run(anonymous(d).args(["audit", "verify"]));
    assert!(!ok && err.contains("row 2"), "{err}");
}

#[test]
fn what_a_kiosk_sent_is_escaped_on_the_officers_terminal() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let conn = onevisit_central::db::open(&common::location(d)).unwrap();
    conn.execute(
        "INSERT INTO devices (id, site, public_key, enrolled_at) VALUES ('kiosk-1', '城关镇', 'k', 1)",
        [],
    )
    .unwrap();
    let m: onevisit_sync::proto::CaseManifest = serde_json::from_value(serde_json::json!({
        "theme": "open-restaurant", "submitted_at": 1, "answers": {"q": "\u{1b}]0;pwned\u{7}"},
        "applicant": {"name": "测试丙", "id_number": "11010519491231002X"},
        "form": {"shop_name": "\u{1b}[2J测试饭店\r"},
        "attachments": [{"index": 0, "name": "\u{1b}[2J材料", "pages": 1, "size": 0,
                         "sha256": onevisit_sync::sha256_hex(b"")}]
    }))
    .unwrap();
    let hash = onevisit_central::intake::manifest_hash(&m);
    onevisit_central::intake::create(
        &conn,
        "kiosk-1",
        "城关镇",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        &m,
        &hash,
        1,
        "online",
    )
    .unwrap();
    let (ok, list, err) = run(central(d).args(["cases", "list"]));
    assert!(ok, "{err}");
    let (ok, show, err) = run(central(d).args(["cases", "show", "1970-000001"]));
    assert!(ok, "{err}");
    for out in [&list, &show] {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\r') && !out.contains('\u{7}'),
            "{out:?}"
        );
        assert!(out.contains("\\x1b[2J材料"), "{out}");
    }
    assert!(show.contains("shop_name: \\x1b[2J测试饭店\\x0d"), "{show}");
    assert!(show.contains("\\x1b]0;pwned\\x07"), "{show}");
    assert!(!show.contains("测试丙"), "names stay masked: {show}");
}

#[test]
fn an_enrollment_qr_code_carries_address_code_pin_and_site() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let png = d.join("enroll.png");
    let (ok, code, err) = run(central(d)
        .args(["enroll-code", "--site", "城关镇便民服务中心", "--qr"])
        .arg(&png)
        .args(["--url", "https://zwfw.example.gov.cn:8443"]));
    assert!(ok, "{err}");
    let code = code.trim();
    assert_eq!(code.len(), 19, "stdout is still the code alone: {code}");
    let (_, fp, _) = run(central(d).arg("fingerprint"));
    // What the camera or scanner reads off the printed code.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, line) = grids[0].decode().unwrap();
    let p = onevisit_sync::enroll::EnrollPayload::parse(&line).unwrap();
    assert_eq!(p.central, "https://zwfw.example.gov.cn:8443");
    assert_eq!(p.code, code);
    assert_eq!(p.pin, fp.trim());
    assert_eq!(p.site, "城关镇便民服务中心");
    // The terminal shows the line and the code drawn in blocks.
    assert!(err.contains(&line) && err.contains('█'), "{err}");
    let (ok, _, err) = run(central(d)
        .args(["enroll-code", "--site", "乡", "--qr"])
        .arg(d.join("no/such/folder/x.png")));
    assert!(!ok && err.contains("x.png"), "{err}");
}

/// Runs `args` with `input` on standard input.
fn run_with_input(c: &mut Command, input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = c
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    outcome(child.wait_with_output().unwrap())
}

#[test]
fn workbench_accounts_from_the_command_line() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let add = |args: &[&str], pw: &str| {
        let mut c = central(d);
        c.args(["officer", "add"]).args(args);
        run_with_input(&mut c, pw)
    };
    let (ok, out, err) = add(
        &["王窗口", "--role", "window", "--password-stdin"],
        "a long enough password\n",
    );
    assert!(ok && out.contains("王窗口"), "{err}");
    let (ok, _, err) = add(
        &["李市监", "--role", "department", "--password-stdin"],
        "another long password\n",
    );
    assert!(!ok && err.contains("--department"), "{err}");
    let (ok, _, err) = add(
        &[
            "李市监",
            "--role",
            "department",
            "--department",
            "amr",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!ok && err.contains("at least 10"), "{err}");
    let (ok, _, err) = add(&["李市监", "--role", "window"], "");
    assert!(!ok && err.contains("--password-stdin"), "{err}");
    let (ok, _, err) = add(
        &[
            "李市监",
            "--role",
            "department",
            "--department",
            "amr",
            "--password-stdin",
        ],
        "another long password\n",
    );
    assert!(ok, "{err}");
    let (ok, out, _) = run(central(d).args(["officer", "list", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(ok && v.as_array().unwrap().len() == 2, "{out}");
    let (ok, out, _) = run(central(d).args(["officer", "totp", "王窗口"]));
    assert!(ok && out.contains("otpauth://totp/"), "{out}");
    let (ok, _, _) = run(central(d).args(["officer", "disable", "李市监"]));
    assert!(ok);
    let mut c = central(d);
    c.args(["officer", "reset", "李市监", "--password-stdin"]);
    assert!(run_with_input(&mut c, "a brand new password\n").0);
    // The passwords are nowhere in the audit log; the commands are.
    let rows = audit_rows(d);
    let text = serde_json::to_string(&rows).unwrap();
    assert!(
        !text.contains("password\\n") && !text.contains("long enough"),
        "{text}"
    );
    for cmd in [
        "officer add",
        "officer totp",
        "officer disable",
        "officer reset",
    ] {
        assert!(rows.iter().any(|r| r["command"] == cmd), "{cmd}");
    }
}
