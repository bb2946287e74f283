//! `onevisit queue …`, `store check` and `case submit-sample` on a real store folder.

use std::process::Command;

use serde_json::Value;

fn bin(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_onevisit"));
    c.arg("--data-dir").arg(dir);
    c
}

#[test]
fn submit_list_show_check() {
    let dir = std::env::temp_dir().join(format!("onevisit-cli-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = bin(&dir)
        .args(["case", "submit-sample", "--count", "2", "--pages", "2"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ids: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(ids.len(), 2);

    let o = bin(&dir)
        .args(["queue", "list", "--json"])
        .output()
        .unwrap();
    let list: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.len(), 2);
    for c in &list {
        assert_eq!(c["state"], "queued");
        assert_eq!(c["attempts"], 0);
        let masked = c["id_number"].as_str().unwrap();
        assert!(masked.contains("**********"), "{masked}");
        assert!(c["applicant"].as_str().unwrap().ends_with("**"));
    }
    let o = bin(&dir)
        .args(["queue", "show", &ids[0], "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["materials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["pages"] == 2 && m["sha256"].as_str().unwrap().len() == 64)
    );

    let o = bin(&dir).args(["store", "check"]).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok: 2 cases"));

    // An attachment altered on disk: the check fails and says why.
    let att = dir.join("attachments");
    let file = std::fs::read_dir(&att)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[40] ^= 0xFF;
    std::fs::write(&file, bytes).unwrap();
    let o = bin(&dir).args(["store", "check"]).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("integrity"));

    let o = bin(&dir)
        .args(["queue", "show", "no-such-case"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no case"));
    std::fs::remove_dir_all(dir).unwrap();
}
