//! Refusing a signed request played a second time. A signature is good for as long as the
//! request's time is within the allowed clock skew of the server's clock, so each
//! (device, nonce) is remembered that long and refused if it comes again.
//!
//! The memory is in this process only. So that a restart does not open a window, a request
//! signed before this server started is refused as off the clock (the answer carries the
//! server's time; a kiosk corrects itself and signs again, with a fresh time and nonce).

use std::collections::HashMap;
use std::sync::Mutex;

use onevisit_sync::proto::MAX_CLOCK_SKEW_MS;

/// How often expired entries are swept out.
const SWEEP_EVERY_MS: i64 = 60_000;

pub struct Replay {
    started: i64,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// (device, nonce) → when it can be forgotten (the request's time plus the skew).
    until: HashMap<(String, String), i64>,
    swept: i64,
}

/// Why a request's time or nonce is not acceptable.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Too far from the server's clock, or from before this server started.
    Clock,
    /// This (device, nonce) was seen within the window.
    Replayed,
}

impl Replay {
    pub fn new(started: i64) -> Replay {
        Replay {
            started,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Whether a request made at `time` is acceptable at `now` by its clock alone. Checked
    /// arithmetic: any `i64` a client sends is answered, none overflows.
    pub fn check_time(&self, time: i64, now: i64) -> Result<(), Refusal> {
        if now.abs_diff(time) > MAX_CLOCK_SKEW_MS.unsigned_abs() || time < self.started {
            return Err(Refusal::Clock);
        }
        Ok(())
    }

    /// Records the first use of `(device, nonce)` for a request made at `time` (already
    /// checked by [`Replay::check_time`]); refuses any later use within the window.
    pub fn first_use(&self, device: &str, nonce: &str, time: i64, now: i64) -> Result<(), Refusal> {
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        if now.saturating_sub(seen.swept) >= SWEEP_EVERY_MS {
            seen.until.retain(|_, until| *until >= now);
            seen.swept = now;
        }
        let key = (device.to_owned(), nonce.to_owned());
        if seen.until.get(&key).is_some_and(|until| *until >= now) {
            return Err(Refusal::Replayed);
        }
        seen.until
            .insert(key, time.saturating_add(MAX_CLOCK_SKEW_MS));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_within_the_window() {
        let r = Replay::new(1_000);
        let now = 10_000_000;
        assert_eq!(r.first_use("d1", "n1", now, now), Ok(()));
        assert_eq!(
            r.first_use("d1", "n1", now, now + 5),
            Err(Refusal::Replayed)
        );
        assert_eq!(r.first_use("d2", "n1", now, now), Ok(()), "per device");
        // Once the request's time is out of the window the clock check refuses it; the
        // memory may go.
        let later = now + MAX_CLOCK_SKEW_MS + SWEEP_EVERY_MS + 1;
        assert_eq!(r.check_time(now, later), Err(Refusal::Clock));
        assert_eq!(r.first_use("d3", "n3", later, later), Ok(()));
        assert_eq!(r.seen.lock().unwrap().until.len(), 1, "swept");
    }

    #[test]
    fn any_time_is_answered_without_overflow() {
        let r = Replay::new(0);
        for t in [i64::MAX, i64::MIN, 0, -1] {
            assert_eq!(r.check_time(t, 1_000_000_000_000), Err(Refusal::Clock));
        }
        assert_eq!(r.check_time(i64::MIN, i64::MAX), Err(Refusal::Clock));
        assert_eq!(r.first_use("d", "n", i64::MAX, i64::MAX), Ok(()));
        // Signed before this server started: its predecessor may have seen it.
        let r = Replay::new(5_000);
        assert_eq!(r.check_time(4_999, 5_001), Err(Refusal::Clock));
        assert_eq!(r.check_time(5_000, 5_001), Ok(()));
    }
}
