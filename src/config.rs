//! `onevisit run --config FILE`: a real kiosk's settings. A device without a setting is
//! reported missing (on screen for the technician, and in the heartbeat); only
//! `onevisit run --simulate` puts simulators in place of the missing ones (`make run` does).
//!
//! ```toml
//! site = "城关镇便民服务中心"
//! idle_seconds = 90
//! technician_pin = "pbkdf2-sha256$100000$…"   # `onevisit config pin-hash`; unlocks the
//!                             # screen after the cabinet was opened
//! [devices]
//! gpio = "rpi4-cabinet"       # the cabinet's profile: its signals, and its USB modules'
//!                             # fixed names (`onevisit gpio udev-rules`, the OS image)
//! idcard = "/dev/onevisit/idcard"    # else $ONEVISIT_IDCARD_PORT
//! printer = "/dev/onevisit/printer"  # else $ONEVISIT_PRINTER_PORT
//! mrz = "/dev/onevisit/mrz"
//! scanner = "/dev/ttyACM0"       # optional QR scanner: technician mode reads enrollment codes
//! camera = "/dev/onevisit/camera"
//! [retention]                 # days each kind of data may stay; these are the defaults
//! delivered_days = 7          # a case the central system has (receipts can be reprinted)
//! undelivered_days = 90       # a case that never left (revoked or never reconnected kiosk)
//! comment_days = 30           # a rating's free-text comment
//! ```
//!
//! Keep the file readable by the kiosk's user only (it holds the technician PIN).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// The site's name as citizens know it.
    pub site: Option<String>,
    /// Seconds without a touch before "are you still there?".
    pub idle_seconds: Option<u32>,
    /// The PIN a technician types to put the kiosk back in service after the cabinet was
    /// opened, as `onevisit config pin-hash` prints it (a PIN in clear still works, with a
    /// warning). Without one, only closing the cabinet and restarting does.
    pub technician_pin: Option<String>,
    /// The county's policy: the cabinet opened without a technician destroys the kiosk's keys
    /// (the cases waiting on it become unreadable). Off unless set.
    pub tamper_wipes_keys: Option<bool>,
    /// Where the technician's USB stick is mounted (exports, diagnostics, updates);
    /// `/run/onevisit/usb` unless set.
    pub usb_dir: Option<PathBuf>,
    #[serde(default)]
    pub devices: DeviceConfig,
    #[serde(default)]
    pub retention: RetentionConfig,
    /// The county's central system (`onevisit provision --config`; the app itself ignores it).
    pub central: Option<CentralConfig>,
    /// Remote access for technicians (the OS image's SSH server; the app ignores it).
    pub ssh: Option<SshConfig>,
    /// The wireless network (the OS image's `onevisit-wifi.service`; the app ignores it).
    pub wifi: Option<WifiConfig>,
}

/// `[wifi]`: the network a kiosk without a cable joins (WPA2/WPA3-Personal, or open without a
/// `psk`). Checked when the file is read, so a typo is shown on the kiosk's screen, not found
/// later in a journal.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiConfig {
    pub ssid: String,
    /// The passphrase: 8 to 63 characters (or the 64-hex-digit key).
    pub psk: Option<String>,
    /// The regulatory domain, ISO 3166 (which channels and powers are allowed).
    #[serde(default = "china")]
    pub country: String,
}

/// A settings file's name as notices give it to a technician: the name they find on the card's
/// boot partition from any laptop (`onevisit.toml`), not where this system mounted it.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn china() -> String {
    "CN".into()
}

impl WifiConfig {
    fn check(&self) -> Result<()> {
        let ssid = self.ssid.len();
        anyhow::ensure!(
            (1..=32).contains(&ssid),
            "[wifi] ssid must be 1 to 32 bytes (it is {ssid})"
        );
        if let Some(psk) = &self.psk {
            let n = psk.chars().count();
            let hex = n == 64 && psk.chars().all(|c| c.is_ascii_hexdigit());
            anyhow::ensure!(
                hex || ((8..=63).contains(&n) && psk.chars().all(|c| (' '..='~').contains(&c))),
                "[wifi] psk must be 8 to 63 printable ASCII characters (it has {n})"
            );
        }
        anyhow::ensure!(
            self.country.len() == 2 && self.country.chars().all(|c| c.is_ascii_uppercase()),
            "[wifi] country must be two capital letters, like \"CN\""
        );
        Ok(())
    }
}

/// `[ssh]`: whether the OS image starts its SSH server. Only technicians holding a certificate
/// from the county's technician CA can log in (see image/README.md); off unless set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshConfig {
    #[serde(default)]
    pub enabled: bool,
}

/// `[central]`: where this kiosk delivers its cases, and the one-time code that enrolls it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentralConfig {
    pub url: Option<String>,
    pub enrollment_code: Option<String>,
    /// SHA-256 of the central system's certificate or key (`onevisit-central tls pins`).
    pub pin: Option<String>,
    /// The county's enrollment QR code as text (`onevisit:enroll?…`): address, code and pin in
    /// one line, in place of the three above.
    pub enrollment_qr: Option<String>,
}

/// How many days each kind of data may stay on the kiosk (see `onevisit_store::Retention`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    pub delivered_days: Option<u32>,
    pub undelivered_days: Option<u32>,
    pub comment_days: Option<u32>,
}

impl RetentionConfig {
    pub fn limits(&self) -> onevisit_store::Retention {
        let d = onevisit_store::Retention::default();
        let ms = |days: Option<u32>, default: i64| days.map_or(default, |n| i64::from(n) * DAY_MS);
        onevisit_store::Retention {
            delivered_ms: ms(self.delivered_days, d.delivered_ms),
            undelivered_ms: ms(self.undelivered_days, d.undelivered_ms),
            comment_ms: ms(self.comment_days, d.comment_ms),
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// Where a device comes from on this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The real device at this port, device node or profile.
    Real(String),
    /// A simulator (`--simulate` only).
    Simulated,
    /// Not configured and not simulated: reported, never faked.
    Missing,
}

/// Each device's source for `onevisit run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePlan {
    pub idcard: Source,
    pub printer: Source,
    pub mrz: Source,
    pub camera: Source,
    pub gpio: Source,
}

impl DevicePlan {
    /// (heartbeat name, Chinese name, English name, setting) of each missing device.
    pub fn missing(&self) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
        [
            (
                &self.idcard,
                "reader",
                "身份证阅读器",
                "ID-card reader",
                "devices.idcard",
            ),
            (
                &self.printer,
                "printer",
                "回执打印机",
                "receipt printer",
                "devices.printer",
            ),
            (
                &self.mrz,
                "mrz",
                "护照阅读器",
                "passport reader",
                "devices.mrz",
            ),
            (
                &self.camera,
                "camera",
                "材料摄像头",
                "document camera",
                "devices.camera",
            ),
            (
                &self.gpio,
                "cabinet",
                "机柜信号",
                "cabinet signals",
                "devices.gpio",
            ),
        ]
        .into_iter()
        .filter(|(s, ..)| **s == Source::Missing)
        .map(|(_, a, b, c, d)| (a, b, c, d))
        .collect()
    }

    /// One line for the technician, on screen: what is missing and which setting, in which
    /// file (`settings`: the name of the file the kiosk was started with), adds it.
    pub fn missing_notice(&self, settings: &str) -> String {
        let missing = self.missing();
        if missing.is_empty() {
            return String::new();
        }
        let zh: Vec<&str> = missing.iter().map(|m| m.1).collect();
        let en: Vec<String> = missing
            .iter()
            .map(|m| format!("{} ({})", m.2, m.3))
            .collect();
        format!(
            "设备未配置：{}（请技术人员在 {settings} 中设置） · Devices not configured: {} — set them in {settings}, or run with --simulate for a demonstration",
            zh.join("、"),
            en.join(", ")
        )
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub idcard: Option<String>,
    pub printer: Option<String>,
    pub mrz: Option<String>,
    pub camera: Option<String>,
    /// The cabinet's GPIO profile (`rpi4-cabinet`, `rpi5-cabinet`, `x86-pc`, or a file).
    pub gpio: Option<String>,
    /// A QR/barcode scanner's serial port (9600 8N1), for technician mode's enrollment code.
    /// An accessory: a kiosk without one is not missing anything.
    pub scanner: Option<String>,
}

impl KioskConfig {
    /// Which device is real, simulated or missing. `env` looks up the port variables
    /// (`ONEVISIT_IDCARD_PORT`, `ONEVISIT_PRINTER_PORT`); without `simulate`, nothing is ever
    /// simulated.
    pub fn device_plan(&self, simulate: bool, env: impl Fn(&str) -> Option<String>) -> DevicePlan {
        let pick = |setting: &Option<String>, var: Option<&str>| match setting
            .clone()
            .or_else(|| var.and_then(&env))
        {
            Some(p) => Source::Real(p),
            None if simulate => Source::Simulated,
            None => Source::Missing,
        };
        let d = &self.devices;
        DevicePlan {
            idcard: pick(&d.idcard, Some("ONEVISIT_IDCARD_PORT")),
            printer: pick(&d.printer, Some("ONEVISIT_PRINTER_PORT")),
            mrz: pick(&d.mrz, None),
            camera: pick(&d.camera, None),
            gpio: pick(&d.gpio, None),
        }
    }

    /// The on-screen line for a settings file that could not be read: which file, the first
    /// line of what is wrong with it, and what the technician does about it.
    pub fn problem_notice(path: &Path, error: &anyhow::Error) -> String {
        let detail = format!("{error:#}");
        let first = detail
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("unreadable");
        // The first line names the file already when the file could be read.
        let file = path.display().to_string();
        let what = if first.starts_with(&file) {
            first.to_string()
        } else {
            format!("{file}: {first}")
        };
        format!(
            "设置文件有误，已按默认设置启动：{what}。请技术人员修改该文件后重启 · Settings file invalid, started with defaults: {what} — fix it and restart"
        )
    }

    /// One setting as text, for `onevisit config get` (the OS image's services read the same
    /// file the app does, through the app's own parser). Empty when not set.
    pub fn get(&self, key: &str) -> Result<String> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let d = &self.devices;
        Ok(match key {
            "site" => text(&self.site),
            "idle_seconds" => self.idle_seconds.map(|n| n.to_string()).unwrap_or_default(),
            "ssh.enabled" => self.ssh.as_ref().is_some_and(|s| s.enabled).to_string(),
            "wifi.ssid" => self
                .wifi
                .as_ref()
                .map(|w| w.ssid.clone())
                .unwrap_or_default(),
            "wifi.psk" => self.wifi.as_ref().map(|w| text(&w.psk)).unwrap_or_default(),
            "wifi.country" => self
                .wifi
                .as_ref()
                .map(|w| w.country.clone())
                .unwrap_or_default(),
            "devices.gpio" => text(&d.gpio),
            "devices.idcard" => text(&d.idcard),
            "devices.printer" => text(&d.printer),
            "devices.mrz" => text(&d.mrz),
            "devices.camera" => text(&d.camera),
            "central.url" => self
                .central
                .as_ref()
                .map(|c| text(&c.url))
                .unwrap_or_default(),
            _ => anyhow::bail!(
                "no setting {key:?}: one of site, idle_seconds, ssh.enabled, wifi.ssid, wifi.psk, \
                 wifi.country, devices.gpio, devices.idcard, devices.printer, devices.mrz, \
                 devices.camera, central.url"
            ),
        })
    }

    pub fn load(path: &Path) -> Result<KioskConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the kiosk settings {}", path.display()))?;
        let fix = |e: &dyn std::fmt::Display| {
            anyhow::anyhow!(
                "{}: {e}\nFix the settings file (see `onevisit run --help`).",
                path.display()
            )
        };
        let config: KioskConfig = toml::from_str(&text).map_err(|e| fix(&e))?;
        if let Some(w) = &config.wifi {
            w.check().map_err(|e| fix(&e))?;
        }
        if config
            .technician_pin
            .as_deref()
            .is_some_and(|p| !p.is_empty() && !onevisit_sync::pin::is_hash(p))
        {
            tracing::warn!(
                "{}: technician_pin is stored in clear; replace it with the output of `onevisit config pin-hash`",
                path.display()
            );
        }
        Ok(config)
    }
}

/// `onevisit config pin-hash`: a PIN from standard input, its stored form on standard output.
pub fn pin_hash() -> Result<std::process::ExitCode> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the PIN from standard input")?;
    let pin = line.trim();
    onevisit_sync::pin::check_new(pin).map_err(|e| anyhow::anyhow!(e))?;
    let salt: [u8; 16] = onevisit_sync::random_bytes();
    println!(
        "{}",
        onevisit_sync::pin::hash(pin, &salt, onevisit_sync::pin::ITERATIONS)
    );
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_load_and_typos_are_refused() {
        let dir = std::env::temp_dir().join(format!("onevisit-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("kiosk.toml");
        std::fs::write(
            &p,
            "site = \"城关镇\"\nidle_seconds = 60\n[devices]\nidcard = \"/dev/ttyUSB0\"\n",
        )
        .unwrap();
        let c = KioskConfig::load(&p).unwrap();
        assert_eq!(c.site.as_deref(), Some("城关镇"));
        assert_eq!(c.devices.idcard.as_deref(), Some("/dev/ttyUSB0"));
        std::fs::write(&p, "idle_secs = 60\n").unwrap();
        let e = KioskConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains("idle_secs"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn wifi_settings_are_checked_when_read() {
        let dir = std::env::temp_dir().join(format!("onevisit-wifi-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("kiosk.toml");
        let load = |body: &str| {
            std::fs::write(&p, body).unwrap();
            KioskConfig::load(&p)
        };
        let c = load("[wifi]\nssid = \"乡镇便民服务站\"\npsk = \"p4ss word#\\\"x\"\n").unwrap();
        assert_eq!(c.get("wifi.ssid").unwrap(), "乡镇便民服务站");
        assert_eq!(c.get("wifi.psk").unwrap(), "p4ss word#\"x");
        assert_eq!(c.get("wifi.country").unwrap(), "CN");
        assert_eq!(KioskConfig::default().get("wifi.ssid").unwrap(), "");
        // Open network: no psk.
        assert_eq!(
            load("[wifi]\nssid = \"open\"\n")
                .unwrap()
                .get("wifi.psk")
                .unwrap(),
            ""
        );
        for (body, says) in [
            ("[wifi]\nssid = \"\"\n", "ssid"),
            ("[wifi]\nssid = \"x\"\npsk = \"short\"\n", "psk"),
            ("[wifi]\nssid = \"x\"\npsk = \"密码密码密码密码\"\n", "psk"),
            ("[wifi]\nssid = \"x\"\ncountry = \"china\"\n", "country"),
            (
                "[wifi]\nssid = \"x\"\npassword = \"12345678\"\n",
                "password",
            ),
        ] {
            let e = load(body).unwrap_err().to_string();
            assert!(
                e.contains(says) && e.contains("Fix the settings file"),
                "{body}: {e}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn one_setting_is_read_for_the_images_services() {
        let c: KioskConfig = toml::from_str(
            "site = \"城关镇\"\n[ssh]\nenabled = true\n[devices]\ngpio = \"x86-pc\"\n",
        )
        .unwrap();
        assert_eq!(c.get("ssh.enabled").unwrap(), "true");
        assert_eq!(c.get("devices.gpio").unwrap(), "x86-pc");
        assert_eq!(c.get("central.url").unwrap(), "");
        assert_eq!(KioskConfig::default().get("ssh.enabled").unwrap(), "false");
        assert!(
            c.get("ssh.port")
                .unwrap_err()
                .to_string()
                .contains("ssh.enabled")
        );
    }

    #[test]
    fn a_broken_settings_file_becomes_one_line_for_the_technician() {
        let dir = std::env::temp_dir().join(format!("onevisit-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("onevisit.toml");
        std::fs::write(&p, "site = \"城关镇\n[devices\n").unwrap();
        let e = KioskConfig::load(&p).unwrap_err();
        let notice = KioskConfig::problem_notice(&p, &e);
        assert!(notice.contains("设置文件有误"), "{notice}");
        assert!(notice.contains("onevisit.toml"), "{notice}");
        assert!(!notice.contains('\n'), "{notice}");
        let missing = KioskConfig::load(&dir.join("absent.toml")).unwrap_err();
        let notice = KioskConfig::problem_notice(&dir.join("absent.toml"), &missing);
        assert!(notice.contains("absent.toml"), "{notice}");
        // The image's own sections parse.
        let c: KioskConfig = toml::from_str(
            "[central]\nurl = \"https://zwfw.example.gov.cn\"\nenrollment_code = \"K7Q2\"\n",
        )
        .unwrap();
        assert_eq!(
            c.central.and_then(|c| c.enrollment_code).as_deref(),
            Some("K7Q2")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_simulate_a_device_without_a_port_is_missing_never_simulated() {
        let c: KioskConfig = toml::from_str("[devices]\nidcard = \"/dev/ttyUSB0\"\n").unwrap();
        let none = |_: &str| None;
        let plan = c.device_plan(false, none);
        assert_eq!(plan.idcard, Source::Real("/dev/ttyUSB0".into()));
        for s in [&plan.printer, &plan.mrz, &plan.camera, &plan.gpio] {
            assert_eq!(*s, Source::Missing);
        }
        let notice = plan.missing_notice(&file_name(Path::new("/boot/efi/onevisit.toml")));
        assert!(
            notice.contains("回执打印机")
                && notice.contains("devices.printer")
                && notice.contains("在 onevisit.toml 中设置"),
            "{notice}"
        );
        assert!(!notice.contains("身份证阅读器"), "{notice}");
        // A port from the environment counts as configured.
        let env = |k: &str| (k == "ONEVISIT_PRINTER_PORT").then(|| "/dev/ttyS1".to_string());
        assert_eq!(
            c.device_plan(false, env).printer,
            Source::Real("/dev/ttyS1".into())
        );
        // Only --simulate simulates, and only what has no port.
        let sim = c.device_plan(true, none);
        assert_eq!(sim.idcard, Source::Real("/dev/ttyUSB0".into()));
        assert_eq!(sim.printer, Source::Simulated);
        assert!(sim.missing().is_empty());
    }

    #[test]
    fn retention_days_have_defaults_and_can_be_set() {
        let c: KioskConfig = toml::from_str("[retention]\nundelivered_days = 30\n").unwrap();
        let r = c.retention.limits();
        assert_eq!(r.undelivered_ms, 30 * DAY_MS);
        assert_eq!(
            r.delivered_ms,
            onevisit_store::Retention::default().delivered_ms
        );
        assert!(toml::from_str::<KioskConfig>("[retention]\nforever = true\n").is_err());
    }
}
