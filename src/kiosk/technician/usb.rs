//! The technician's USB stick (mounted at `usb_dir`, `/run/onevisit/usb` on the kiosk image):
//! the queue exported for the county, a diagnostics bundle without personal data, and an
//! update bundle installed from it. Each runs on a thread of its own; progress is a shared
//! percentage the screen shows.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::selftest::Check;

/// Where the stick is, or what to tell the technician.
pub fn stick(dir: &Path) -> Result<PathBuf, String> {
    let mounted = std::fs::read_dir(dir).is_ok();
    if !mounted {
        return Err(format!(
            "no USB stick at {}: plug one in (FAT or exFAT) and try again",
            dir.display()
        ));
    }
    Ok(dir.to_owned())
}

/// The queue, signed and encrypted for the county (`onevisit-central import`). A second
/// connection to the store: the kiosk's own stays free for the screen.
pub fn export(
    data: &Path,
    usb: &Path,
    now: i64,
    stamp: &str,
    progress: &AtomicI32,
) -> Result<String, String> {
    let dir = stick(usb)?;
    let (id, key) = onevisit_sync::driver::Identity::load(data).map_err(|e| e.to_string())?;
    let mut store = onevisit_store::Store::open(data).map_err(|e| e.to_string())?;
    let summary = onevisit_sync::driver::usb::export_queue(
        &mut store,
        &id,
        &key,
        &dir,
        now,
        stamp,
        |done, total| {
            let pct = done.saturating_mul(100).checked_div(total).unwrap_or(100);
            progress.store(pct.min(100) as i32, Ordering::Relaxed);
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "{} case(s), {:.1} MB → {}",
        summary.cases,
        summary.bytes as f64 / 1e6,
        summary.path.display()
    ))
}

/// What a county technician needs to diagnose this kiosk remotely, and nothing personal:
/// version and slot, the checklist, the sections' facts, the audit log.
pub fn diagnostics(
    usb: &Path,
    data: Option<&Path>,
    stamp: &str,
    checklist: &[Check],
    facts: &[(String, String)],
) -> Result<String, String> {
    let dir = stick(usb)?;
    let mut text = format!(
        "OneVisit {} diagnostics {stamp}\n\n[checklist]\n",
        crate::runtime::VERSION
    );
    for c in checklist {
        text.push_str(&format!("{:<12} {:?}  {}\n", c.name, c.state, c.detail));
    }
    text.push_str("\n[facts]\n");
    for (label, value) in facts {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str("\n[recent warnings and errors]\n");
    for l in crate::recent::lines() {
        text.push_str(&l);
        text.push('\n');
    }
    text.push_str("\n[technician audit]\n");
    if let Some(d) = data {
        text.push_str(&std::fs::read_to_string(d.join("technician-audit.log")).unwrap_or_default());
    }
    let path = dir.join(format!("onevisit-diagnostics-{stamp}.txt"));
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Ok(f) = std::fs::File::open(&path) {
        let _ = f.sync_all();
    }
    Ok(path.display().to_string())
}

/// The newest update bundle on the stick.
pub fn bundle(usb: &Path) -> Result<PathBuf, String> {
    let dir = stick(usb)?;
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "raucb"))
        .map(|e| {
            let t = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (t, e.path())
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p).ok_or_else(|| {
        format!(
            "no update bundle (*.raucb) on the USB stick at {}",
            dir.display()
        )
    })
}

/// Installs `bundle` into the other slot with RAUC, which checks its signature; progress
/// from RAUC's own percentages. The kiosk keeps running; the new slot starts at the reboot.
pub fn install(bundle: &Path, progress: Arc<AtomicI32>) -> Result<String, String> {
    use std::io::BufRead;
    let mut child = std::process::Command::new("rauc")
        .arg("install")
        .arg(bundle)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rauc ({e}): updates install only on the kiosk image"))?;
    let mut last = String::new();
    if let Some(out) = child.stdout.take() {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(p) = percent(&line) {
                progress.store(p, Ordering::Relaxed);
            }
            if !line.trim().is_empty() {
                last = line.trim().to_owned();
            }
        }
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(last)
    } else {
        let why = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(&last)
            .trim();
        Err(format!("rauc refused the bundle: {why}"))
    }
}

/// RAUC's progress lines look like `installing\n  20% Checking bundle`.
fn percent(line: &str) -> Option<i32> {
    let (num, _) = line.trim().split_once('%')?;
    num.trim().parse().ok().filter(|p| (0..=100).contains(p))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rauc_progress_is_read_from_its_lines() {
        assert_eq!(super::percent("  20% Checking bundle"), Some(20));
        assert_eq!(super::percent("100% Installing done."), Some(100));
        assert_eq!(super::percent("installing"), None);
        assert_eq!(super::percent("250% nonsense"), None);
    }
}
