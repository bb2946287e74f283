//! `onevisit network`: the simulated network's links, Wi-Fi and modem as JSON; joining with
//! the password on standard input (never on the command line); a clear word without
//! NetworkManager.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// (exit code, stdout, stderr).
fn network(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onevisit"))
        .arg("network")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_simulated_network_as_json_and_a_join_with_the_password_on_stdin() {
    let (code, out, err) = network(&["--simulate", "--json"], "");
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["links"][0]["kind"], "ethernet");
    assert_eq!(v["links"][0]["state"], "connected");
    assert_eq!(v["wifi"].as_array().unwrap().len(), 3);
    assert_eq!(v["wifi"][0]["ssid"], "城关镇便民服务中心");
    assert_eq!(v["modem"]["technology"], "4G");

    let (code, _, err) = network(
        &["join", "城关镇便民服务中心", "--simulate"],
        "wrong-password\n",
    );
    assert_ne!(code, 0);
    assert!(err.contains("did not accept the password"), "{err}");
    let (code, _, err) = network(&["join", "城关镇便民服务中心", "--simulate"], "short\n");
    assert_ne!(code, 0);
    assert!(err.contains("8 to 63 characters"), "{err}");
    let (code, _, err) = network(&["join", "Nobody's", "--simulate"], "");
    assert_ne!(code, 0);
    assert!(err.contains("in range"), "{err}");

    let (code, out, err) = network(
        &["join", "城关镇便民服务中心", "--simulate", "--json"],
        "Bianmin2026\n",
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["wifi"][0]["active"], true);
    assert_eq!(v["links"][1]["state"], "connected");
}

#[test]
fn without_network_manager_it_says_what_to_check() {
    let (code, out, err) = network(&["--json"], "");
    if code == 0 {
        // This machine runs NetworkManager: its answer is the network's.
        let v: Value = serde_json::from_str(&out).unwrap();
        assert!(v["links"].is_array());
    } else {
        assert!(err.contains("systemctl status NetworkManager"), "{err}");
    }
}
