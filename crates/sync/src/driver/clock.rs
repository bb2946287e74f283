//! The central system's time, for a kiosk whose clock nobody else sets.
//!
//! A village hall may have a link to the county but no NTP server it can reach. Every answer
//! from the central system (over the pinned TLS connection) carries an HTTP `Date`; when it is
//! a minute or more from the kiosk's clock, the driver writes both times to
//! `DATA_DIR/central-clock`. The app cannot set the clock (it runs without capabilities): the
//! OS image's `onevisit-clock.path` sees the file and a root service sets the clock from it,
//! unless NTP already has (image/rootfs/usr/lib/onevisit/central-clock).

use std::path::{Path, PathBuf};

use super::SyncError;

/// Differences smaller than this are left to NTP, or to nobody: a receipt a few seconds off is
/// not worth a clock step under a running app.
pub const NOTE_AT_MS: i64 = 60_000;

/// The file the OS image watches: `CENTRAL_MS LOCAL_MS`, both Unix milliseconds, the central
/// system's time and the kiosk's at the moment the answer arrived.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("central-clock")
}

/// Keeps the central system's time when the kiosk's clock is off by a minute or more. Returns
/// whether it wrote the file; `last` is what it last wrote (so a clock that stays off is
/// written once, not on every request).
pub fn note(
    data_dir: &Path,
    central_ms: i64,
    local_ms: i64,
    last: &mut Option<i64>,
) -> Result<bool, SyncError> {
    let offset = central_ms.saturating_sub(local_ms);
    if offset.saturating_abs() < NOTE_AT_MS {
        *last = None;
        return Ok(false);
    }
    if last.is_some_and(|l| l.saturating_sub(offset).saturating_abs() < NOTE_AT_MS) {
        return Ok(false);
    }
    let line = format!("{central_ms} {local_ms}\n");
    super::identity::write_atomic(&path(data_dir), line.as_bytes(), 0o644)?;
    *last = Some(offset);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_a_minute_off_is_noted_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut last = None;
        let local = 1_700_000_000_000;
        // Close enough: nothing written.
        assert!(!note(dir.path(), local + 59_000, local, &mut last).unwrap());
        assert!(!path(dir.path()).exists());
        // An hour behind: written, as "central local".
        let central = local + 3_600_000;
        assert!(note(dir.path(), central, local, &mut last).unwrap());
        let text = std::fs::read_to_string(path(dir.path())).unwrap();
        assert_eq!(text, format!("{central} {local}\n"));
        // Still an hour behind on the next answer: not written again.
        assert!(!note(dir.path(), central + 5_000, local + 5_000, &mut last).unwrap());
        // Set right, then off the other way: written again.
        assert!(!note(dir.path(), central, central, &mut last).unwrap());
        assert!(note(dir.path(), local, central, &mut last).unwrap());
    }

    #[test]
    fn nonsense_times_do_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut last = None;
        assert!(note(dir.path(), i64::MIN, i64::MAX, &mut last).unwrap());
        assert!(note(dir.path(), i64::MAX, i64::MIN, &mut last).is_ok());
    }
}
