//! Technician mode as a state machine: how a technician gets in (the cabinet's service key, a
//! hidden two-corner gesture, or the opened door), the PIN pad with its backoff and lockout,
//! the tamper lock, which section is open, and leaving after a few idle minutes.
//!
//! Pure like the session: events and `now` (ms) in, [`Action`]s out. The PIN itself is checked
//! by the caller (it is a slow salted hash, see `onevisit_sync::pin`): on `Enter` the core asks
//! for it with [`Action::VerifyPin`] and hears the answer as [`Event::PinVerified`]. Every
//! attempt, entry, action and exit comes out as an [`Action::Audit`] for the audit log and the
//! heartbeat — never with the PIN or anything a citizen typed.

use serde::Serialize;

/// Wrong PINs before the pad locks.
pub const PIN_ATTEMPTS: u32 = 5;
/// After the `n`th wrong PIN (n < [`PIN_ATTEMPTS`]) the next attempt waits 2^(n-1) s.
pub const BACKOFF_MS: i64 = 1_000;
/// The first lockout; each wrong PIN after it doubles it, up to [`MAX_LOCKOUT_MS`].
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
pub const MAX_LOCKOUT_MS: i64 = 4 * 60 * 60 * 1000;
/// Technician mode (and a PIN pad left half typed) closes after this long without a touch.
pub const IDLE_MS: i64 = 3 * 60 * 1000;
/// The two corners of the hidden gesture must be held within this time of each other.
pub const GESTURE_MS: i64 = 5_000;
/// Longest PIN the pad takes.
pub const PIN_MAX: usize = 12;

/// How the technician came in (it is audited; the tamper lock cannot be cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    ServiceKey,
    Gesture,
    /// The cabinet was opened without a technician session: the screen is locked.
    Tamper,
}

/// The parts of technician mode, one screen each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Checklist,
    Provision,
    Network,
    Queue,
    Updates,
}

/// A corner of the screen held down for the hidden gesture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    TopLeft,
    TopRight,
}

/// What the county's policy says to do when the cabinet is opened without a technician.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Destroy the kiosk's keys (the store's and the device's): the cases waiting become
    /// unreadable, which the county may prefer to their theft.
    pub wipe_keys_on_tamper: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    ServiceKey,
    Corner(Corner),
    TamperOpened,
    TamperClosed,
    Digit(char),
    Clear,
    Enter,
    /// The caller's answer to [`Action::VerifyPin`].
    PinVerified(bool),
    /// Leave the PIN pad (not the tamper lock) or technician mode.
    Exit,
    Open(Section),
    /// A technician's action in a section (audited by name: "run_selftest", "sync_now"…).
    Did(&'static str),
    /// A touch anywhere in technician mode: keeps it open.
    Touch,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audit {
    pub at: i64,
    pub what: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Check the entered PIN against the stored hash; answer with [`Event::PinVerified`].
    VerifyPin(String),
    Audit(Audit),
    /// Tell the central system now (the next heartbeat carries the tamper state).
    ReportTamper,
    /// The county's policy: destroy the keys.
    WipeKeys,
    /// A citizen's session on screen must end (the door opened, or a technician came in).
    EndCitizenSession,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Serving citizens.
    Closed,
    /// The PIN pad is up.
    Pin(Entry),
    /// Technician mode is open on a section.
    Open(Section),
}

/// What the PIN pad says under the dots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinNotice {
    None,
    /// The entered PIN is being checked (a slow hash, off the screen's thread).
    Checking,
    Wrong {
        attempts_left: u32,
    },
    /// Wait before the next try (backoff or lockout) until this time.
    Wait {
        until: i64,
        locked: bool,
    },
    NoPin,
}

#[derive(Debug, Clone)]
pub struct Technician {
    mode: Mode,
    policy: Policy,
    entry: String,
    notice: PinNotice,
    /// Wrong PINs in a row (survives leaving the pad: walking away does not reset it).
    failures: u32,
    /// No attempt counts before this.
    wait_until: i64,
    last_touch: i64,
    /// The top-left corner's long press, waiting for the top-right one.
    corner_at: Option<i64>,
    /// The door is open.
    door_open: bool,
    /// Whether a PIN is set at all (else the pad says so and no PIN opens).
    has_pin: bool,
    /// A [`Action::VerifyPin`] is out: one at a time, and only its answer counts.
    checking: bool,
    actions: std::collections::VecDeque<Action>,
}

impl Technician {
    pub fn new(policy: Policy, has_pin: bool) -> Technician {
        Technician {
            mode: Mode::Closed,
            policy,
            entry: String::new(),
            notice: PinNotice::None,
            failures: 0,
            wait_until: 0,
            last_touch: 0,
            corner_at: None,
            door_open: false,
            checking: false,
            has_pin,
            actions: Default::default(),
        }
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The screen takes nothing from citizens: the door was opened without a technician.
    pub fn out_of_service(&self) -> bool {
        self.mode == Mode::Pin(Entry::Tamper)
    }

    /// Technician mode or its PIN pad is on screen (citizens' devices are ignored).
    pub fn active(&self) -> bool {
        self.mode != Mode::Closed
    }

    /// Digits typed so far (shown as dots only).
    pub fn entered(&self) -> usize {
        self.entry.chars().count()
    }

    pub fn notice(&self) -> PinNotice {
        self.notice
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn door_open(&self) -> bool {
        self.door_open
    }

    /// The PIN was set or changed (provisioning, or pushed by the county).
    pub fn set_has_pin(&mut self, has_pin: bool) {
        self.has_pin = has_pin;
    }

    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// When to call [`Technician::handle_timeout`]: the idle exit.
    pub fn next_deadline(&self) -> Option<i64> {
        match self.mode {
            Mode::Closed | Mode::Pin(Entry::Tamper) => None,
            _ => Some(self.last_touch + IDLE_MS),
        }
    }

    /// Time passes: technician mode (or a PIN pad) left alone closes. The tamper lock stays.
    pub fn handle_timeout(&mut self, now: i64) {
        if self.next_deadline().is_some_and(|d| now >= d) {
            let was = self.mode.clone();
            self.close(now, "idle_exit");
            // An open door with nobody signed in is the tamper lock again.
            if self.door_open && matches!(was, Mode::Open(_)) {
                self.lock(now);
            }
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn handle_event(&mut self, now: i64, e: Event) {
        match e {
            Event::ServiceKey => self.open_pad(now, Entry::ServiceKey),
            Event::Corner(Corner::TopLeft) => self.corner_at = Some(now),
            Event::Corner(Corner::TopRight) => {
                if self
                    .corner_at
                    .take()
                    .is_some_and(|t| now - t <= GESTURE_MS && now >= t)
                {
                    self.open_pad(now, Entry::Gesture);
                }
            }
            Event::TamperOpened => self.tamper_opened(now),
            Event::TamperClosed => {
                self.door_open = false;
                self.audit(now, "door_closed", "");
            }
            Event::Digit(d) => {
                if matches!(self.mode, Mode::Pin(_))
                    && d.is_ascii_digit()
                    && self.entry.len() < PIN_MAX
                {
                    self.entry.push(d);
                    self.last_touch = now;
                }
            }
            Event::Clear => {
                self.entry.clear();
                self.last_touch = now;
            }
            Event::Enter => self.enter(now),
            Event::PinVerified(ok) => self.verified(now, ok),
            Event::Exit => self.exit(now),
            Event::Open(section) => {
                if let Mode::Open(_) = self.mode {
                    self.mode = Mode::Open(section);
                    self.last_touch = now;
                }
            }
            Event::Did(what) => {
                if let Mode::Open(_) = self.mode {
                    self.last_touch = now;
                    self.audit(now, what, "");
                }
            }
            Event::Touch => {
                if self.active() {
                    self.last_touch = now;
                }
            }
        }
    }

    fn open_pad(&mut self, now: i64, entry: Entry) {
        if self.mode != Mode::Closed {
            return;
        }
        self.mode = Mode::Pin(entry);
        self.entry.clear();
        self.notice = if self.has_pin {
            PinNotice::None
        } else {
            PinNotice::NoPin
        };
        self.last_touch = now;
        self.audit(now, "pin_pad_opened", entry_name(entry));
    }

    fn tamper_opened(&mut self, now: i64) {
        self.door_open = true;
        if let Mode::Open(_) = self.mode {
            // The technician opened the cabinet: expected.
            self.audit(now, "door_opened", "during a technician session");
            return;
        }
        self.mode = Mode::Closed;
        self.lock(now);
        self.actions.push_back(Action::ReportTamper);
        if self.policy.wipe_keys_on_tamper {
            self.audit(now, "keys_wiped", "the county's policy on tamper");
            self.actions.push_back(Action::WipeKeys);
        }
    }

    /// The door is open and nobody is signed in: out of service until a PIN.
    fn lock(&mut self, now: i64) {
        self.actions.push_back(Action::EndCitizenSession);
        self.mode = Mode::Pin(Entry::Tamper);
        self.entry.clear();
        self.notice = if self.has_pin {
            PinNotice::None
        } else {
            PinNotice::NoPin
        };
        self.audit(
            now,
            "tamper_lock",
            "door opened without a technician session",
        );
    }

    fn enter(&mut self, now: i64) {
        if !matches!(self.mode, Mode::Pin(_)) || self.checking {
            return;
        }
        self.last_touch = now;
        let entered = std::mem::take(&mut self.entry);
        if !self.has_pin {
            self.notice = PinNotice::NoPin;
            return;
        }
        if now < self.wait_until {
            self.notice = PinNotice::Wait {
                until: self.wait_until,
                locked: self.failures >= PIN_ATTEMPTS,
            };
            self.audit(now, "pin_refused", "while waiting after wrong PINs");
            return;
        }
        if entered.is_empty() {
            return;
        }
        self.checking = true;
        self.notice = PinNotice::Checking;
        self.actions.push_back(Action::VerifyPin(entered));
    }

    fn verified(&mut self, now: i64, ok: bool) {
        // An answer nobody waits for (the pad was left meanwhile) counts for nothing.
        let Mode::Pin(entry) = self.mode else { return };
        if !std::mem::take(&mut self.checking) {
            return;
        }
        if ok {
            self.failures = 0;
            self.wait_until = 0;
            self.notice = PinNotice::None;
            self.mode = Mode::Open(Section::Checklist);
            self.last_touch = now;
            self.actions.push_back(Action::EndCitizenSession);
            self.audit(now, "entered", entry_name(entry));
            return;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures < PIN_ATTEMPTS {
            self.wait_until = now + (BACKOFF_MS << (self.failures - 1));
            self.notice = PinNotice::Wrong {
                attempts_left: PIN_ATTEMPTS - self.failures,
            };
            self.audit(
                now,
                "pin_wrong",
                &format!("{} of {PIN_ATTEMPTS}", self.failures),
            );
        } else {
            let doublings = (self.failures - PIN_ATTEMPTS).min(10);
            let wait = (LOCKOUT_MS << doublings).min(MAX_LOCKOUT_MS);
            self.wait_until = now + wait;
            self.notice = PinNotice::Wait {
                until: self.wait_until,
                locked: true,
            };
            self.audit(now, "pin_locked", &format!("{} min", wait / 60_000));
        }
    }

    fn exit(&mut self, now: i64) {
        match self.mode {
            Mode::Pin(Entry::Tamper) | Mode::Closed => {}
            Mode::Pin(_) => self.close(now, "pin_pad_closed"),
            Mode::Open(_) => {
                self.close(now, "exited");
                if self.door_open {
                    self.audit(now, "exited_door_open", "the door is still open");
                }
            }
        }
    }

    fn close(&mut self, now: i64, why: &'static str) {
        self.mode = Mode::Closed;
        self.entry.clear();
        self.checking = false;
        self.audit(now, why, "");
    }

    fn audit(&mut self, at: i64, what: &'static str, detail: &str) {
        self.actions.push_back(Action::Audit(Audit {
            at,
            what,
            detail: detail.to_owned(),
        }));
    }
}

fn entry_name(e: Entry) -> &'static str {
    match e {
        Entry::ServiceKey => "service key",
        Entry::Gesture => "corner gesture",
        Entry::Tamper => "tamper lock",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(t: &mut Technician) -> Vec<Action> {
        std::iter::from_fn(|| t.poll_action()).collect()
    }

    fn audits(actions: &[Action]) -> Vec<&'static str> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Audit(a) => Some(a.what),
                _ => None,
            })
            .collect()
    }

    fn type_pin(t: &mut Technician, now: i64, pin: &str) -> Option<String> {
        for d in pin.chars() {
            t.handle_event(now, Event::Digit(d));
        }
        t.handle_event(now, Event::Enter);
        drain(t).into_iter().find_map(|a| match a {
            Action::VerifyPin(p) => Some(p),
            _ => None,
        })
    }

    #[test]
    fn one_check_at_a_time_and_a_late_answer_counts_for_nothing() {
        let mut t = Technician::new(Policy::default(), true);
        t.handle_event(0, Event::Corner(Corner::TopLeft));
        t.handle_event(1_000, Event::Corner(Corner::TopRight));
        assert!(type_pin(&mut t, 2_000, "1234").is_some());
        assert_eq!(t.notice(), PinNotice::Checking);
        // Enter again while the hash is being computed: no second check.
        assert_eq!(type_pin(&mut t, 2_100, "9999"), None);
        // The technician walks away; the answer to the first check arrives after.
        t.handle_event(2_200, Event::Exit);
        t.handle_event(2_300, Event::Corner(Corner::TopLeft));
        t.handle_event(2_400, Event::Corner(Corner::TopRight));
        t.handle_event(2_500, Event::PinVerified(true));
        assert_eq!(
            t.mode(),
            &Mode::Pin(Entry::Gesture),
            "not opened by a stale answer"
        );
        assert!(type_pin(&mut t, 2_600, "1234").is_some());
        t.handle_event(2_700, Event::PinVerified(true));
        assert_eq!(t.mode(), &Mode::Open(Section::Checklist));
    }

    #[test]
    fn the_gesture_needs_both_corners_in_time() {
        let mut t = Technician::new(Policy::default(), true);
        t.handle_event(0, Event::Corner(Corner::TopRight));
        assert_eq!(t.mode(), &Mode::Closed, "the right corner alone");
        t.handle_event(1_000, Event::Corner(Corner::TopLeft));
        t.handle_event(1_000 + GESTURE_MS + 1, Event::Corner(Corner::TopRight));
        assert_eq!(t.mode(), &Mode::Closed, "too slow");
        t.handle_event(20_000, Event::Corner(Corner::TopLeft));
        t.handle_event(22_000, Event::Corner(Corner::TopRight));
        assert_eq!(t.mode(), &Mode::Pin(Entry::Gesture));
        assert_eq!(audits(&drain(&mut t)), ["pin_pad_opened"]);
        t.handle_event(23_000, Event::Exit);
        assert_eq!(t.mode(), &Mode::Closed);
    }

    #[test]
    fn wrong_pins_back_off_then_lock_and_the_lock_doubles() {
        let mut t = Technician::new(Policy::default(), true);
        t.handle_event(0, Event::ServiceKey);
        let mut now = 0;
        for n in 1..PIN_ATTEMPTS {
            assert_eq!(type_pin(&mut t, now, "1111").as_deref(), Some("1111"));
            t.handle_event(now, Event::PinVerified(false));
            assert_eq!(
                t.notice(),
                PinNotice::Wrong {
                    attempts_left: PIN_ATTEMPTS - n
                }
            );
            // Too soon: refused without asking for the hash.
            assert_eq!(type_pin(&mut t, now + 1, "2222"), None);
            assert!(matches!(t.notice(), PinNotice::Wait { locked: false, .. }));
            now += BACKOFF_MS << (n - 1);
        }
        assert!(type_pin(&mut t, now, "3333").is_some());
        t.handle_event(now, Event::PinVerified(false));
        assert_eq!(
            t.notice(),
            PinNotice::Wait {
                until: now + LOCKOUT_MS,
                locked: true
            }
        );
        // Walking away and coming back does not reset the count.
        t.handle_event(now, Event::Exit);
        t.handle_event(now + 1, Event::ServiceKey);
        assert_eq!(type_pin(&mut t, now + 60_000, "1234"), None);
        now += LOCKOUT_MS;
        assert!(type_pin(&mut t, now, "4444").is_some());
        t.handle_event(now, Event::PinVerified(false));
        assert_eq!(
            t.notice(),
            PinNotice::Wait {
                until: now + 2 * LOCKOUT_MS,
                locked: true
            }
        );
        now += 2 * LOCKOUT_MS;
        assert!(type_pin(&mut t, now, "1234").is_some());
        t.handle_event(now, Event::PinVerified(true));
        assert_eq!(t.mode(), &Mode::Open(Section::Checklist));
        assert_eq!(t.failures(), 0);
    }

    #[test]
    fn the_door_opened_without_a_technician_locks_reports_and_follows_the_policy() {
        let mut t = Technician::new(
            Policy {
                wipe_keys_on_tamper: true,
            },
            true,
        );
        t.handle_event(0, Event::TamperOpened);
        assert!(t.out_of_service());
        let fx = drain(&mut t);
        assert!(fx.contains(&Action::ReportTamper));
        assert!(fx.contains(&Action::WipeKeys));
        assert!(fx.contains(&Action::EndCitizenSession));
        // No way out but the PIN: not Exit, not idle.
        t.handle_event(1, Event::Exit);
        t.handle_timeout(10 * IDLE_MS);
        assert!(t.out_of_service());
        assert!(type_pin(&mut t, 10 * IDLE_MS, "1234").is_some());
        t.handle_event(10 * IDLE_MS, Event::PinVerified(true));
        assert_eq!(t.mode(), &Mode::Open(Section::Checklist));
        assert!(!t.out_of_service());
    }

    #[test]
    fn a_technician_opening_the_door_is_expected_and_idle_leaves() {
        let mut t = Technician::new(Policy::default(), true);
        t.handle_event(0, Event::ServiceKey);
        assert!(type_pin(&mut t, 0, "1234").is_some());
        t.handle_event(0, Event::PinVerified(true));
        t.handle_event(1_000, Event::TamperOpened);
        let fx = drain(&mut t);
        assert!(!fx.contains(&Action::ReportTamper), "{fx:?}");
        assert_eq!(t.mode(), &Mode::Open(Section::Checklist));
        t.handle_event(2_000, Event::Open(Section::Queue));
        t.handle_event(3_000, Event::Did("sync_now"));
        assert_eq!(t.next_deadline(), Some(3_000 + IDLE_MS));
        t.handle_timeout(3_000 + IDLE_MS - 1);
        assert_eq!(t.mode(), &Mode::Open(Section::Queue));
        // Left with the door open: the lock comes back.
        t.handle_timeout(3_000 + IDLE_MS);
        assert!(t.out_of_service());
        let what = audits(&drain(&mut t));
        assert_eq!(what, ["sync_now", "idle_exit", "tamper_lock"]);
        // Closed door, technician leaves: back to citizens.
        t.handle_event(4_000_000, Event::TamperClosed);
        assert!(type_pin(&mut t, 4_000_000, "1234").is_some());
        t.handle_event(4_000_000, Event::PinVerified(true));
        t.handle_event(4_000_001, Event::Exit);
        assert_eq!(t.mode(), &Mode::Closed);
    }

    #[test]
    fn no_pin_set_opens_nothing() {
        let mut t = Technician::new(Policy::default(), false);
        t.handle_event(0, Event::ServiceKey);
        assert_eq!(t.notice(), PinNotice::NoPin);
        assert_eq!(type_pin(&mut t, 0, "0000"), None);
        assert_eq!(t.mode(), &Mode::Pin(Entry::ServiceKey));
    }

    #[test]
    fn the_audit_never_holds_the_pin() {
        let mut t = Technician::new(Policy::default(), true);
        t.handle_event(0, Event::ServiceKey);
        type_pin(&mut t, 0, "987654");
        t.handle_event(0, Event::PinVerified(false));
        for a in drain(&mut t) {
            if let Action::Audit(a) = a {
                assert!(!a.detail.contains("987654") && !a.what.contains("987654"));
            }
        }
    }
}
