//! `onevisit run --config FILE`: a real kiosk's settings. Everything has a default, so a
//! desktop without a file runs in simulation.
//!
//! ```toml
//! site = "城关镇便民服务中心"
//! idle_seconds = 90
//! [devices]
//! idcard = "/dev/ttyUSB0"     # absent: the simulated reader
//! printer = "/dev/ttyUSB1"    # absent: the simulated printer
//! mrz = "/dev/ttyUSB2"        # absent: passports are read by the simulation
//! camera = "/dev/video0"      # absent: the simulated document camera
//! ```

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// The site's name as citizens know it.
    pub site: Option<String>,
    /// Seconds without a touch before "are you still there?".
    pub idle_seconds: Option<u32>,
    #[serde(default)]
    pub devices: DeviceConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub idcard: Option<String>,
    pub printer: Option<String>,
    pub mrz: Option<String>,
    pub camera: Option<String>,
}

impl KioskConfig {
    pub fn load(path: &Path) -> Result<KioskConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the kiosk settings {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}\nFix the settings file (see `onevisit run --help`).",
                path.display()
            )
        })
    }
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
}
