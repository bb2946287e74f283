//! The cabinet as a pure state machine: debounced inputs become events, the status LED
//! follows a blink pattern, relays power-cycle hung devices, and an opened cabinet locks the
//! technician functions until a PIN is entered. Time is milliseconds passed in as `now`.

use std::collections::HashMap;

use serde::Serialize;

use crate::profile::{Input, Output, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    Off,
    /// Steady on: ready.
    Idle,
    /// Slow blink (1 Hz): working, please wait.
    Busy,
    /// Fast blink (4 Hz): the citizen should look (take the receipt, place the card).
    Attention,
    /// Double blink every two seconds: out of order, staff needed.
    Fault,
}

impl Pattern {
    pub fn from_name(s: &str) -> Option<Pattern> {
        Some(match s {
            "off" => Pattern::Off,
            "idle" | "on" => Pattern::Idle,
            "busy" => Pattern::Busy,
            "attention" => Pattern::Attention,
            "fault" => Pattern::Fault,
            _ => return None,
        })
    }

    /// LED level `t` ms into the pattern.
    pub fn level(self, t: u64) -> bool {
        match self {
            Pattern::Off => false,
            Pattern::Idle => true,
            Pattern::Busy => t % 1000 < 500,
            Pattern::Attention => t % 250 < 125,
            Pattern::Fault => {
                let p = t % 2000;
                p < 150 || (300..450).contains(&p)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event", content = "detail")]
pub enum Event {
    PresenceDetected,
    PresenceLost,
    ServiceButtonPressed,
    ServiceButtonReleased,
    /// The cabinet was opened: raise the alarm; technician functions are locked.
    TamperOpened,
    TamperClosed,
    PowerCycleStarted(Output),
    PowerCycleFinished(Output),
}

/// Wrong PINs allowed before the PIN pad is locked out.
pub const PIN_ATTEMPTS: u32 = 5;
/// The first lockout; each wrong PIN after it doubles it, up to [`MAX_LOCKOUT_MS`].
pub const LOCKOUT_MS: u64 = 5 * 60 * 1000;
pub const MAX_LOCKOUT_MS: u64 = 60 * 60 * 1000;

/// What a PIN attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Unlock {
    /// Right PIN (or nothing was locked).
    Unlocked,
    /// Wrong PIN; this many tries before the lockout.
    Wrong { attempts_left: u32 },
    /// Too many wrong PINs: no attempt counts until `until` (ms, the cabinet's clock).
    LockedOut { until: u64 },
    /// No PIN is configured, so none can unlock.
    NoPin,
}

#[derive(Debug, Clone, Copy)]
struct Debounced {
    stable: bool,
    candidate: bool,
    since: u64,
}

pub struct Cabinet {
    debounce_ms: u64,
    power_cycle_ms: u64,
    inputs: HashMap<Input, Debounced>,
    pattern: Pattern,
    pattern_since: u64,
    /// Relays being power-cycled, and until when they stay off.
    cycling: HashMap<Output, u64>,
    outputs: HashMap<Output, bool>,
    locked: bool,
    /// Wrong PINs in a row.
    failures: u32,
    /// No PIN attempt counts before this time.
    locked_out_until: u64,
}

impl Cabinet {
    /// Inputs start at their idle levels (nobody there, button up, cabinet shut).
    pub fn new(profile: &Profile) -> Self {
        let inputs = Input::ALL
            .into_iter()
            .map(|i| {
                (
                    i,
                    Debounced {
                        stable: false,
                        candidate: false,
                        since: 0,
                    },
                )
            })
            .collect();
        Cabinet {
            debounce_ms: profile.debounce_ms,
            power_cycle_ms: profile.power_cycle_ms,
            inputs,
            pattern: Pattern::Idle,
            pattern_since: 0,
            cycling: HashMap::new(),
            outputs: HashMap::new(),
            locked: false,
            failures: 0,
            locked_out_until: 0,
        }
    }

    pub fn pattern(&self) -> Pattern {
        self.pattern
    }

    pub fn set_pattern(&mut self, now: u64, pattern: Pattern) {
        if pattern != self.pattern {
            self.pattern = pattern;
            self.pattern_since = now;
        }
    }

    /// The debounced level of an input.
    pub fn input(&self, i: Input) -> bool {
        self.inputs.get(&i).is_some_and(|d| d.stable)
    }

    /// A raw sample of an input (active = true).
    pub fn handle_input(&mut self, now: u64, input: Input, active: bool) -> Vec<Event> {
        if let Some(d) = self.inputs.get_mut(&input)
            && d.candidate != active
        {
            d.candidate = active;
            d.since = now;
        }
        self.settle(now)
    }

    fn settle(&mut self, now: u64) -> Vec<Event> {
        let mut out = Vec::new();
        for i in Input::ALL {
            let Some(d) = self.inputs.get_mut(&i) else {
                continue;
            };
            if d.candidate != d.stable && now.saturating_sub(d.since) >= self.debounce_ms {
                d.stable = d.candidate;
                out.push(match (i, d.stable) {
                    (Input::Presence, true) => Event::PresenceDetected,
                    (Input::Presence, false) => Event::PresenceLost,
                    (Input::ServiceButton, true) => Event::ServiceButtonPressed,
                    (Input::ServiceButton, false) => Event::ServiceButtonReleased,
                    (Input::Tamper, true) => {
                        self.locked = true;
                        Event::TamperOpened
                    }
                    (Input::Tamper, false) => Event::TamperClosed,
                });
            }
        }
        out
    }

    /// Switches a relay off now and back on after the profile's power-cycle time.
    pub fn power_cycle(&mut self, now: u64, relay: Output) -> Vec<Event> {
        if relay == Output::StatusLed {
            return Vec::new();
        }
        self.cycling.insert(relay, now + self.power_cycle_ms);
        vec![Event::PowerCycleStarted(relay)]
    }

    /// What each output should be at `now`.
    pub fn desired(&self, now: u64) -> [(Output, bool); 3] {
        let relay = |o: Output| !self.cycling.contains_key(&o);
        [
            (
                Output::StatusLed,
                self.pattern.level(now.saturating_sub(self.pattern_since)),
            ),
            (Output::ReaderPower, relay(Output::ReaderPower)),
            (Output::PrinterPower, relay(Output::PrinterPower)),
        ]
    }

    /// Advances timers. Returns events, and the outputs whose level changed.
    pub fn handle_timeout(&mut self, now: u64) -> (Vec<Event>, Vec<(Output, bool)>) {
        let mut events = self.settle(now);
        let done: Vec<Output> = self
            .cycling
            .iter()
            .filter(|&(_, &until)| now >= until)
            .map(|(&o, _)| o)
            .collect();
        for o in done {
            self.cycling.remove(&o);
            events.push(Event::PowerCycleFinished(o));
        }
        let mut changes = Vec::new();
        for (o, level) in self.desired(now) {
            if self.outputs.get(&o) != Some(&level) {
                self.outputs.insert(o, level);
                changes.push((o, level));
            }
        }
        (events, changes)
    }

    pub fn technician_locked(&self) -> bool {
        self.locked
    }

    /// Unlocks technician functions if `entered` matches `expected` (compared in constant
    /// time, so the comparison does not leak how many digits were right). No attempt limit:
    /// a PIN pad anyone can reach uses [`Cabinet::try_unlock`].
    pub fn unlock(&mut self, entered: &str, expected: &str) -> bool {
        if crate::pin::matches(entered, expected) {
            self.locked = false;
        }
        !self.locked
    }

    /// A PIN typed on the kiosk's screen at `now`: [`PIN_ATTEMPTS`] wrong ones in a row lock
    /// the pad out for [`LOCKOUT_MS`], doubling with each wrong PIN after that, so a PIN
    /// cannot be guessed by trying them all. The right PIN resets the count. `expected` is the
    /// stored PIN: a slow hash (see [`crate::pin`]) or, in older settings, the PIN in clear.
    pub fn try_unlock(&mut self, now: u64, entered: &str, expected: &str) -> Unlock {
        if !self.locked {
            return Unlock::Unlocked;
        }
        if expected.is_empty() {
            return Unlock::NoPin;
        }
        if now < self.locked_out_until {
            return Unlock::LockedOut {
                until: self.locked_out_until,
            };
        }
        if crate::pin::matches(entered, expected) {
            self.locked = false;
            self.failures = 0;
            self.locked_out_until = 0;
            return Unlock::Unlocked;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures < PIN_ATTEMPTS {
            return Unlock::Wrong {
                attempts_left: PIN_ATTEMPTS - self.failures,
            };
        }
        let doublings = (self.failures - PIN_ATTEMPTS).min(10);
        let wait = (LOCKOUT_MS << doublings).min(MAX_LOCKOUT_MS);
        self.locked_out_until = now + wait;
        Unlock::LockedOut {
            until: self.locked_out_until,
        }
    }

    /// The tamper switch for the heartbeat: `closed`, `open_locked`, `open_unlocked` or
    /// `closed_locked`.
    pub fn tamper_state(&self) -> &'static str {
        match (self.input(Input::Tamper), self.locked) {
            (false, false) => "closed",
            (true, true) => "open_locked",
            (true, false) => "open_unlocked",
            (false, true) => "closed_locked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened() -> Cabinet {
        let mut c = Cabinet::new(&crate::Profile::builtin("simulated").unwrap());
        let _ = c.handle_input(0, Input::Tamper, true);
        let _ = c.handle_timeout(1000);
        assert!(c.technician_locked());
        c
    }

    #[test]
    fn wrong_pins_lock_the_pad_out_and_the_lockout_grows() {
        let mut c = opened();
        for left in (1..PIN_ATTEMPTS).rev() {
            assert_eq!(
                c.try_unlock(2000, "0000", "246810"),
                Unlock::Wrong {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            c.try_unlock(2000, "0000", "246810"),
            Unlock::LockedOut {
                until: 2000 + LOCKOUT_MS
            }
        );
        // Even the right PIN does not count during the lockout.
        assert!(matches!(
            c.try_unlock(3000, "246810", "246810"),
            Unlock::LockedOut { .. }
        ));
        assert!(c.technician_locked());
        assert_eq!(c.tamper_state(), "open_locked");
        // After it, one more wrong PIN locks out for twice as long.
        let t = 2000 + LOCKOUT_MS;
        assert_eq!(
            c.try_unlock(t, "1111", "246810"),
            Unlock::LockedOut {
                until: t + 2 * LOCKOUT_MS
            }
        );
        let t = t + 2 * LOCKOUT_MS;
        assert_eq!(c.try_unlock(t, "246810", "246810"), Unlock::Unlocked);
        assert_eq!(c.tamper_state(), "open_unlocked");
    }

    #[test]
    fn no_configured_pin_never_unlocks() {
        let mut c = opened();
        assert_eq!(c.try_unlock(2000, "", ""), Unlock::NoPin);
        assert!(c.technician_locked());
    }
}
