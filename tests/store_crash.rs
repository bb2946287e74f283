//! Power cuts are normal in villages: a child process commits cases in a loop and is killed
//! with SIGKILL at random moments, hundreds of times. Afterwards the store checks clean, every
//! case is whole (all its materials present and authentic) or absent, and none is duplicated.
//! `ONEVISIT_CRASH_ROUNDS` sets the number of kills (default 200); `ONEVISIT_CRASH_SEED`
//! replays the kill schedule of a run (its seed is printed when it fails).

use std::io::BufRead;
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
    // A small linear congruential generator: the kill schedule is reproducible from the seed
    // (the moments the child reaches are the machine's, so a replay is close, not exact).
    let seed0: u64 = match std::env::var("ONEVISIT_CRASH_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ONEVISIT_CRASH_SEED={s:?} is not a number")),
        Err(_) => SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    };
    eprintln!("crash test seed {seed0}, {rounds} rounds");
    let _replay = Replay {
        seed: seed0,
        rounds,
    };
    let mut seed = seed0;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    for round in 0..rounds {
        let mut child = bin()
            .arg("--data-dir")
            .arg(&dir)
            .args(["case", "submit-sample", "--count", "100000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Every fourth round first waits for a committed case (its id on stdout), so however
        // slow the machine, cases do get committed; the other rounds may cut anywhere, even
        // while the store is opening.
        if round % 4 == 0
            && let Some(out) = child.stdout.as_mut()
        {
            let mut line = String::new();
            let _ = std::io::BufReader::new(out).read_line(&mut line);
        }
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

/// Prints how to replay the run when the test fails (it is dropped while panicking).
struct Replay {
    seed: u64,
    rounds: u32,
}

impl Drop for Replay {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "crash test failed with seed {}: replay with ONEVISIT_CRASH_SEED={} ONEVISIT_CRASH_ROUNDS={} cargo test --test store_crash",
                self.seed, self.seed, self.rounds
            );
        }
    }
}
