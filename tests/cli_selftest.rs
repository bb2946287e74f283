//! `onevisit selftest`: the checklist against the simulators, with a device unplugged, and
//! on a kiosk whose settings name no devices.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("onevisit-selftest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// (exit code, the JSON report, stderr).
fn selftest(data: &PathBuf, args: &[&str]) -> (i32, Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_onevisit"))
        .arg("--data-dir")
        .arg(data)
        .args(["selftest", "--json"])
        .args(args)
        .env_remove("ONEVISIT_IDCARD_PORT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let report = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{stderr}", String::from_utf8_lossy(&o.stdout)));
    (o.status.code().unwrap_or(-1), report, stderr)
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

#[test]
fn every_simulated_device_passes_and_no_personal_data_is_shown() {
    let data = temp("sim");
    let (code, report, err) = selftest(&data, &["--simulate"]);
    assert_eq!(code, 0, "{report:#}\n{err}");
    for name in [
        "card_reader",
        "mrz_reader",
        "camera",
        "printer",
        "gpio",
        "storage",
    ] {
        let c = check(&report, name);
        assert_eq!(c["state"], "pass", "{c}");
        assert_eq!(c["ok"], true, "{c}");
    }
    // The sample card is read through the real protocol, and shown masked.
    let card = check(&report, "card_reader")["detail"].as_str().unwrap();
    assert!(card.contains('*') && card.contains(" ms"), "{card}");
    assert!(!report.to_string().contains("11010519491231002X"));
    // Not provisioned: the central system is not part of this kiosk yet.
    assert_eq!(check(&report, "central")["state"], "not_fitted");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn an_unplugged_reader_fails_its_line_and_the_exit_code() {
    let data = temp("unplugged");
    let settings = data.join("kiosk.toml");
    std::fs::write(
        &settings,
        "[devices]\nidcard = \"/dev/onevisit-no-such-port\"\n",
    )
    .unwrap();
    let (code, report, _) = selftest(
        &data,
        &["--simulate", "--config", settings.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{report:#}");
    let c = check(&report, "card_reader");
    assert_eq!(
        (c["state"].as_str(), c["ok"].as_bool()),
        (Some("fail"), Some(false))
    );
    let why = c["detail"].as_str().unwrap();
    assert!(why.contains("cable"), "says what to check: {why}");
    // The rest is still tested.
    assert_eq!(check(&report, "printer")["state"], "pass");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn devices_not_in_the_settings_are_not_fitted_and_fail_nothing() {
    let data = temp("bare");
    let (code, report, _) = selftest(&data, &[]);
    for name in ["card_reader", "mrz_reader", "camera", "printer", "gpio"] {
        let c = check(&report, name);
        assert_eq!(
            (c["state"].as_str(), c["ok"].as_bool()),
            (Some("not_fitted"), Some(true))
        );
        assert!(c["detail"].as_str().unwrap().contains("settings"), "{c}");
    }
    let failed: Vec<_> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .collect();
    assert_eq!(code, i32::from(!failed.is_empty()), "{failed:?}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_technician_pin_is_stored_as_a_slow_salted_hash() {
    use std::io::Write;
    let hash_of = |pin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_onevisit"))
            .args(["config", "pin-hash"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{pin}").unwrap();
        let o = child.wait_with_output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).trim().to_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, stored, err) = hash_of("246810");
    assert!(ok, "{err}");
    assert!(stored.starts_with("pbkdf2-sha256$100000$") && !stored.contains("246810"));
    assert!(onevisit_sync::pin::matches("246810", &stored));
    assert!(!onevisit_sync::pin::matches("246811", &stored));
    assert_ne!(
        hash_of("246810").1,
        stored,
        "salted: the same PIN, another hash"
    );
    let (ok, _, err) = hash_of("12ab");
    assert!(!ok && err.contains("4 to 12 digits"), "{err}");
}
