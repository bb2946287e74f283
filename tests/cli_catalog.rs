//! The `onevisit` command line as technicians and other tools use it: the real binary on the
//! real sample catalog, and on broken copies of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn onevisit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onevisit"))
        .args(args)
        .env("ONEVISIT_CATALOG", sample())
        .output()
        .expect("run onevisit")
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(args: &[&str]) -> Value {
    let o = onevisit(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

/// A copy of the sample catalog in a fresh temporary folder.
fn copy_of_sample(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onevisit-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&sample(), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

#[test]
fn check_passes_on_the_sample_catalog() {
    let o = onevisit(&["catalog", "check"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("ok: 14 themes"), "{}", stdout(&o));
}

#[test]
fn check_lists_every_problem_with_file_and_line_and_fails() {
    let dir = copy_of_sample("broken");
    let items = dir.join("items.toml");
    let text = std::fs::read_to_string(&items).unwrap();
    let text = text
        .replacen("\"signboard-design\"", "\"signboard-desing\"", 1)
        .replacen("department = \"fire\"", "department = \"firee\"", 1);
    std::fs::write(&items, text).unwrap();
    let o = onevisit(&["catalog", "check", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with("items.toml:")
            && l.contains(
                "unknown material \"signboard-desing\" (did you mean \"signboard-design\"?)"
            )),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("unknown department \"firee\"")),
        "{out}"
    );
    // Other commands refuse a broken catalog with the same listing, never a panic.
    let o = Command::new(env!("CARGO_BIN_EXE_onevisit"))
        .args(["--catalog", dir.to_str().unwrap(), "catalog", "list"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("has 2 problems"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reports_a_missing_folder() {
    let o = onevisit(&["catalog", "check", "/nonexistent/catalog"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}

#[test]
fn list_json_has_every_theme() {
    let v = json(&["catalog", "list", "--json"]);
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"open-restaurant") && ids.len() >= 13);
}

#[test]
fn questions_json_contract() {
    let v = json(&["catalog", "questions", "open-restaurant", "--json"]);
    let q = v.as_array().unwrap();
    let tobacco = q
        .iter()
        .find(|q| q["key"] == "sells_tobacco")
        .expect("sells_tobacco");
    assert!(tobacco["text"].as_str().unwrap().contains("烟"));
    assert_eq!(tobacco["options"], serde_json::json!(["yes", "no"]));
}

#[test]
fn plan_json_contract_and_the_restaurant_figures() {
    let v = json(&[
        "catalog",
        "plan",
        "open-restaurant",
        "--answer",
        "sells_tobacco=yes",
        "--answer",
        "premises=rented",
        "--answer",
        "outdoor_sign=yes",
        "--answer",
        "large_venue=yes",
        "--json",
    ]);
    for key in ["items", "materials", "dropped", "fields", "departments"] {
        assert!(v[key].is_array(), "{key}");
    }
    for side in ["before", "after"] {
        for k in ["steps", "windows", "materials", "days"] {
            assert!(v[side][k].is_u64(), "{side}.{k}");
        }
    }
    assert_eq!(v["before"]["days"], 35);
    assert_eq!(v["after"]["days"], 15);
    assert!(
        v["dropped"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["reason"].is_string())
    );
}

#[test]
fn plan_with_unanswered_questions_lists_them_and_their_values() {
    let o = onevisit(&[
        "catalog",
        "plan",
        "open-restaurant",
        "--answer",
        "sells_tobacco=no",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("premises (rented|owned)"), "{err}");
    assert!(err.contains("large_venue (yes|no)"), "{err}");
}

#[test]
fn stats_json_has_the_published_shape() {
    let v = json(&["catalog", "stats", "--json"]);
    let steps = v["average"]["before"]["steps"].as_f64().unwrap();
    let after = v["average"]["after"]["steps"].as_f64().unwrap();
    assert!(steps > 6.0 && after < 2.5);
    let o = onevisit(&["catalog", "stats"]);
    assert!(stdout(&o).contains("平均 Average"));
}

#[test]
fn calendar_due_date() {
    let o = onevisit(&["calendar", "due", "2026-09-25", "7"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).trim(), "2026-10-12");
    let o = onevisit(&["calendar", "due", "2026-9-x", "7"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("YYYY-MM-DD"));
}
