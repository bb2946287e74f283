//! Hardware profiles: which pin is which, and which USB module is which device, per cabinet
//! build. One TOML file per build, shipped in `hardware/gpio/profiles/`.

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
    /// The lamp on top of the cabinet that a citizen lights with "call staff".
    HelpLamp,
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
    pub const ALL: [Output; 4] = [
        Output::StatusLed,
        Output::ReaderPower,
        Output::PrinterPower,
        Output::HelpLamp,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Output::StatusLed => "status_led",
            Output::ReaderPower => "reader_power",
            Output::PrinterPower => "printer_power",
            Output::HelpLamp => "help_lamp",
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
    #[serde(default)]
    pub help_lamp: Option<Pin>,
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
            Output::HelpLamp => self.help_lamp,
        }
    }
}

/// The devices a cabinet's USB modules are, named by udev `/dev/onevisit/ROLE` (see
/// [`Profile::udev_rules`]) so that the settings file does not depend on the order in which the
/// kernel happened to find them (`ttyUSB0` today, `ttyUSB1` after a module is replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsbRole {
    Idcard,
    Mrz,
    Printer,
    Camera,
}

impl UsbRole {
    pub fn name(self) -> &'static str {
        match self {
            UsbRole::Idcard => "idcard",
            UsbRole::Mrz => "mrz",
            UsbRole::Printer => "printer",
            UsbRole::Camera => "camera",
        }
    }
}

/// One line of a profile's `[[usb]]` table: a module by its USB vendor and product id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsbDevice {
    pub role: UsbRole,
    /// Vendor id, four hexadecimal digits (`lsusb` shows `vid:pid`).
    pub vid: String,
    /// Product id, four hexadecimal digits.
    pub pid: String,
    /// The USB port it is plugged into (udev's `ID_PATH`), when two modules of the cabinet
    /// share a VID:PID (the same USB-serial chip is common).
    #[serde(default)]
    pub port: Option<String>,
    /// Make and model, for the technician reading the profile.
    #[serde(default)]
    pub model: Option<String>,
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
    #[serde(default)]
    pub usb: Vec<UsbDevice>,
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
    #[error(
        "[[usb]] {role}: {field} = {value:?} is not four hexadecimal digits (lsusb shows vid:pid)"
    )]
    UsbId {
        role: &'static str,
        field: &'static str,
        value: String,
    },
    #[error(
        "[[usb]] {role}: port = {port:?} has characters a udev port path never has (letters, digits, `:._-` only)"
    )]
    UsbPort { role: &'static str, port: String },
    #[error(
        "[[usb]] {first} and {second} are both {id} with no port to tell them apart: give each its `port` (udevadm info shows ID_PATH)"
    )]
    UsbAmbiguous {
        first: &'static str,
        second: &'static str,
        id: String,
    },
}

impl Profile {
    pub fn parse(text: &str) -> Result<Profile, ProfileError> {
        let p: Profile = toml::from_str(text).map_err(|e| ProfileError::Syntax(e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        let pins = [
            p.pins.status_led,
            p.pins.reader_power,
            p.pins.printer_power,
            p.pins.help_lamp,
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
        check_usb(&p.usb)?;
        Ok(p)
    }

    /// udev rules that give this cabinet's USB modules their fixed names, `/dev/onevisit/ROLE`
    /// (the kiosk image writes them at boot for the profile its settings name). Every value in
    /// them was checked by [`Profile::parse`], so nothing in a profile can add a rule of its own.
    pub fn udev_rules(&self) -> String {
        let mut out = format!(
            "# The fixed names of the USB modules of a `{}` cabinet, from its hardware profile\n\
             # (written by `onevisit gpio udev-rules`; do not edit).\n",
            self.name
        );
        for d in &self.usb {
            let subsystem = match d.role {
                UsbRole::Camera => "video4linux",
                _ => "tty",
            };
            if let Some(m) = &d.model {
                // A comment: a newline in the model must not end it.
                out.push_str(&format!(
                    "# {}: {}\n",
                    d.role.name(),
                    m.replace(['\n', '\r'], " ")
                ));
            }
            out.push_str(&format!(
                "SUBSYSTEM==\"{subsystem}\", ATTRS{{idVendor}}==\"{}\", ATTRS{{idProduct}}==\"{}\"",
                d.vid.to_ascii_lowercase(),
                d.pid.to_ascii_lowercase()
            ));
            if let Some(port) = &d.port {
                out.push_str(&format!(", ENV{{ID_PATH}}==\"{port}\""));
            }
            if d.role == UsbRole::Camera {
                // A camera has a second node for its metadata; the pictures come from index 0.
                out.push_str(", ATTR{index}==\"0\"");
            }
            out.push_str(&format!(", SYMLINK+=\"onevisit/{}\"\n", d.role.name()));
        }
        out
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

fn check_usb(devices: &[UsbDevice]) -> Result<(), ProfileError> {
    let hex4 = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit());
    for d in devices {
        for (field, value) in [("vid", &d.vid), ("pid", &d.pid)] {
            if !hex4(value) {
                return Err(ProfileError::UsbId {
                    role: d.role.name(),
                    field,
                    value: value.clone(),
                });
            }
        }
        if let Some(port) = &d.port {
            let ok = !port.is_empty()
                && port
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b":._-".contains(&b));
            if !ok {
                return Err(ProfileError::UsbPort {
                    role: d.role.name(),
                    port: port.clone(),
                });
            }
        }
    }
    // Two lines that match the same module would give it two names, or one name to two modules.
    for (i, a) in devices.iter().enumerate() {
        for b in &devices[i + 1..] {
            let same_id = a.vid.eq_ignore_ascii_case(&b.vid) && a.pid.eq_ignore_ascii_case(&b.pid);
            let same_subsystem = (a.role == UsbRole::Camera) == (b.role == UsbRole::Camera);
            if same_id
                && same_subsystem
                && (a.port.is_none() || b.port.is_none() || a.port == b.port)
            {
                return Err(ProfileError::UsbAmbiguous {
                    first: a.role.name(),
                    second: b.role.name(),
                    id: format!("{}:{}", a.vid, a.pid),
                });
            }
        }
    }
    Ok(())
}
