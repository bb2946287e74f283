//! Hardware profiles: which pin is which, per cabinet build. One TOML file per build, shipped
//! in `hardware/gpio/profiles/`.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    Presence,
    ServiceButton,
    Tamper,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    StatusLed,
    ReaderPower,
    PrinterPower,
}

impl Input {
    pub const ALL: [Input; 3] = [Input::Presence, Input::ServiceButton, Input::Tamper];
    pub fn name(self) -> &'static str {
        match self {
            Input::Presence => "presence",
            Input::ServiceButton => "service_button",
            Input::Tamper => "tamper",
        }
    }
}

impl Output {
    pub const ALL: [Output; 3] = [Output::StatusLed, Output::ReaderPower, Output::PrinterPower];
    pub fn name(self) -> &'static str {
        match self {
            Output::StatusLed => "status_led",
            Output::ReaderPower => "reader_power",
            Output::PrinterPower => "printer_power",
        }
    }
    pub fn from_name(s: &str) -> Option<Output> {
        Output::ALL.into_iter().find(|o| o.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// Raspberry Pi GPIO through rppal.
    Rppal,
    /// In-memory pins, for tests, `cargo run` and cabinets without GPIO.
    Simulated,
}

/// A pin: its BCM number and whether the signal is active when the pin is low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pub bcm: u8,
    #[serde(default)]
    pub active_low: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pins {
    pub status_led: Option<Pin>,
    pub reader_power: Option<Pin>,
    pub printer_power: Option<Pin>,
    pub presence: Option<Pin>,
    pub service_button: Option<Pin>,
    pub tamper: Option<Pin>,
}

impl Pins {
    pub fn input(&self, i: Input) -> Option<Pin> {
        match i {
            Input::Presence => self.presence,
            Input::ServiceButton => self.service_button,
            Input::Tamper => self.tamper,
        }
    }
    pub fn output(&self, o: Output) -> Option<Pin> {
        match o {
            Output::StatusLed => self.status_led,
            Output::ReaderPower => self.reader_power,
            Output::PrinterPower => self.printer_power,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub backend: BackendKind,
    /// Inputs must hold a new level this long to count (switch bounce, sensor flicker).
    #[serde(default = "default_debounce")]
    pub debounce_ms: u64,
    /// How long a relay stays off when power-cycling a hung device.
    #[serde(default = "default_power_cycle")]
    pub power_cycle_ms: u64,
    pub pins: Pins,
}

fn default_debounce() -> u64 {
    30
}

fn default_power_cycle() -> u64 {
    3000
}

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("{0}")]
    Syntax(String),
    #[error("pin {0} is used twice")]
    PinTwice(u8),
    #[error("BCM pin {0} does not exist on a Raspberry Pi header (0–27)")]
    NoSuchPin(u8),
}

impl Profile {
    pub fn parse(text: &str) -> Result<Profile, ProfileError> {
        let p: Profile = toml::from_str(text).map_err(|e| ProfileError::Syntax(e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        let pins = [
            p.pins.status_led,
            p.pins.reader_power,
            p.pins.printer_power,
            p.pins.presence,
            p.pins.service_button,
            p.pins.tamper,
        ];
        for pin in pins.into_iter().flatten() {
            if pin.bcm > 27 {
                return Err(ProfileError::NoSuchPin(pin.bcm));
            }
            if !seen.insert(pin.bcm) {
                return Err(ProfileError::PinTwice(pin.bcm));
            }
        }
        Ok(p)
    }

    /// The profiles shipped with OneVisit, by name.
    pub fn builtin(name: &str) -> Option<Profile> {
        let text = match name {
            "rpi4-cabinet" => include_str!("../profiles/rpi4-cabinet.toml"),
            "rpi5-cabinet" => include_str!("../profiles/rpi5-cabinet.toml"),
            "x86-pc" => include_str!("../profiles/x86-pc.toml"),
            "simulated" => include_str!("../profiles/simulated.toml"),
            _ => return None,
        };
        Profile::parse(text).ok()
    }

    pub const BUILTIN: [&'static str; 4] = ["rpi4-cabinet", "rpi5-cabinet", "x86-pc", "simulated"];
}
