//! `onevisit input …`: the commands technicians use to check a kiosk's Chinese input.

use std::path::PathBuf;
use std::process::{Command, Output};

/// These tests never skip: a machine without the engines fails them, saying what to install
/// (`scripts/setup-debian.sh test` does).
const PACKAGES: &str = "if an input engine or its data is missing, install the Debian packages librime1, rime-prelude (or librime-data), rime-data-pinyin-simp, libzinnia0 and tegaki-zinnia-simplified-chinese";

fn onevisit(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onevisit"))
        .arg("--data-dir")
        .arg(data)
        .args(["input"])
        .args(args)
        .output()
        .expect("onevisit runs")
}

fn data_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-input-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn strokes(name: &str) -> String {
    format!(
        "{}/crates/ime/tests/strokes/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn deploy_then_pinyin_and_handwriting_candidates() {
    let data = data_dir("ok");
    // Before deployment: a clear error that says what to run.
    let o = onevisit(&data, &["pinyin", "kaifandian"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("onevisit input deploy"));

    let o = onevisit(&data, &["deploy", "--json"]);
    assert!(
        o.status.success(),
        "{PACKAGES}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = onevisit(&data, &["pinyin", "kaifandian", "--json"]);
    assert!(
        o.status.success(),
        "{PACKAGES}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["candidates"][0], "开饭店");
    assert_eq!(v["preedit"], "kai fan dian");

    let o = onevisit(&data, &["pinyin", "xi'an"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("西安"));

    // The county's own words (catalog/county.toml) and its townships come first; places of
    // the whole country are in the dictionary too.
    let first = |letters: &str| {
        let o = onevisit(&data, &["pinyin", letters, "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        v["candidates"][0].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(first("yanglicun"), "样例村");
    assert_eq!(first("anhaizhen"), "安海镇");
    assert_eq!(first("anhai"), "安海");
    assert_eq!(first("xiangchengxian"), "襄城县");

    let o = onevisit(&data, &["handwriting", &strokes("zhong-middle"), "--json"]);
    assert!(
        o.status.success(),
        "{PACKAGES}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let top5: Vec<&str> = v["candidates"].as_array().expect("list")[..5]
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(top5.contains(&"中"), "{top5:?}");
    // A name's rare character (outside GB 2312 and Zinnia's model) by handwriting too.
    let o = onevisit(&data, &["handwriting", &strokes("yue-rare"), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let top5: Vec<&str> = v["candidates"].as_array().expect("list")[..5]
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(top5.contains(&"玥"), "{top5:?}");
    assert!(
        v["engine"].as_str().is_some_and(|e| e.contains("rare")),
        "{v}"
    );

    let o = onevisit(&data, &["status", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["pinyin"]["ok"], true, "{PACKAGES}: {v}");
    assert_eq!(v["handwriting"]["ok"], true, "{PACKAGES}: {v}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let data = data_dir("bad");
    for (args, says) in [
        (vec!["pinyin", "开饭店"], "pinyin letters"),
        (vec!["pinyin", "kai fan"], "pinyin letters"),
        (
            vec!["handwriting", "/nonexistent/strokes.json"],
            "/nonexistent/strokes.json",
        ),
    ] {
        let o = onevisit(&data, &args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    for (text, says) in [
        ("not json", "array of strokes"),
        ("[[[400, 10], [20, 20]]]", "outside the pad"),
        ("[]", "no strokes"),
    ] {
        let f = data.with_extension("json");
        std::fs::create_dir_all(f.parent().expect("parent")).expect("dir");
        std::fs::write(&f, text).expect("write");
        let o = onevisit(&data, &["handwriting", f.to_str().expect("path")]);
        assert!(!o.status.success(), "{text}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{text}: {err}");
    }
    // Not deployed: status says so and exits 1.
    let o = onevisit(&data, &["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("MISSING"));
}
