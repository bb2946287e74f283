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
    /// The help lamp is asked for.
    help: bool,
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
            help: false,
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
        if matches!(relay, Output::StatusLed | Output::HelpLamp) {
            return Vec::new();
        }
        self.cycling.insert(relay, now + self.power_cycle_ms);
        vec![Event::PowerCycleStarted(relay)]
    }

    /// Lights (or puts out) the help lamp.
    pub fn set_help(&mut self, on: bool) {
        self.help = on;
    }

    pub fn help(&self) -> bool {
        self.help
    }

    /// What each output should be at `now`.
    pub fn desired(&self, now: u64) -> [(Output, bool); 4] {
        let relay = |o: Output| !self.cycling.contains_key(&o);
        [
            (
                Output::StatusLed,
                self.pattern.level(now.saturating_sub(self.pattern_since)),
            ),
            (Output::ReaderPower, relay(Output::ReaderPower)),
            (Output::PrinterPower, relay(Output::PrinterPower)),
            (Output::HelpLamp, self.help),
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

    /// A technician's PIN was accepted (technician mode checks it, with its attempt limit
    /// and lockout: `onevisit_domain::technician`): the cabinet is back in service.
    pub fn unlock(&mut self) {
        self.locked = false;
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
