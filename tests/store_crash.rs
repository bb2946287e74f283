//! Power cuts are normal in villages: a child process commits cases in a loop and is killed
//! with SIGKILL at random moments, hundreds of times. Afterwards the store checks clean, every
//! case is whole (all its materials present and authentic) or absent, and none is duplicated.
//! `ONEVISIT_CRASH_ROUNDS` sets the number of kills (default 200).

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_onevisit"))
}

#[test]
fn sigkill_at_random_points_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("onevisit-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rounds: u32 = std::env::var("ONEVISIT_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);
    // A small linear congruential generator: reproducible from the printed seed.
    let mut seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    eprintln!("crash test seed {seed}, {rounds} rounds");
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    for _ in 0..rounds {
        let mut child = bin()
            .arg("--data-dir")
            .arg(&dir)
            .args(["case", "submit-sample", "--count", "100000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(5 + next() % 80));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    let o = bin()
        .arg("--data-dir")
        .arg(&dir)
        .args(["store", "check"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let report = String::from_utf8_lossy(&o.stdout);
    eprintln!("{report}");
    // "ok: N cases (M committed)": every committed case present, no extra ones.
    let nums: Vec<u64> = report
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(nums[0], nums[1], "cases present vs committed: {report}");
    assert!(nums[0] > 0, "no case was committed at all: {report}");
    let o = bin()
        .arg("--data-dir")
        .arg(&dir)
        .args(["queue", "list", "--json"])
        .output()
        .unwrap();
    let list: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let ids: std::collections::HashSet<&str> =
        list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), list.len(), "duplicate case ids");
    let want = list[0]["materials"].as_u64().unwrap();
    assert!(want > 0);
    for c in &list {
        assert_eq!(c["materials"].as_u64(), Some(want), "a partial case: {c}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
