//! A simulated network for `run --simulate`, the gallery and tests: Ethernet up, three Wi-Fi
//! networks in range (one open, two with passwords), a 4G modem registered but not in use.
//! Joining checks the password as an access point would.

use super::{AccessPoint, Kind, Link, LinkState, Modem, ModemState, NetError, Network, Snapshot};

/// The simulated township hall's Wi-Fi password (synthetic).
pub const HALL_PASSWORD: &str = "Bianmin2026";

#[derive(Debug, Clone)]
pub struct Simulated {
    networks: Vec<(AccessPoint, Option<&'static str>)>,
    joined: Option<String>,
    pub scans: u32,
    /// Whether it has a Wi-Fi adapter (a wired PC cabinet has none).
    wifi: bool,
}

impl Simulated {
    /// A wired cabinet: Ethernet only, no Wi-Fi adapter, no modem (the PC image's case).
    #[cfg(test)]
    pub fn wired() -> Simulated {
        Simulated {
            wifi: false,
            ..Simulated::default()
        }
    }
}

impl Default for Simulated {
    fn default() -> Self {
        let ap = |ssid: &str, strength, secured, n: u32| AccessPoint {
            ssid: ssid.into(),
            strength,
            secured,
            active: false,
            path: format!("/sim/ap/{n}"),
        };
        Simulated {
            networks: vec![
                (ap("城关镇便民服务中心", 78, true, 1), Some(HALL_PASSWORD)),
                (ap("ChinaNet-Guest", 52, false, 2), None),
                (ap("CMCC-5G-A81F", 31, true, 3), Some("not-the-hall")),
            ],
            joined: None,
            scans: 0,
            wifi: true,
        }
    }
}

impl Network for Simulated {
    fn snapshot(&mut self) -> Result<Snapshot, NetError> {
        let mut s = Snapshot {
            links: vec![
                Link {
                    iface: "eth0".into(),
                    kind: Kind::Ethernet,
                    state: LinkState::Connected,
                    address: Some("10.20.30.41/24".into()),
                },
                Link {
                    iface: "wlan0".into(),
                    kind: Kind::Wifi,
                    state: if self.joined.is_some() {
                        LinkState::Connected
                    } else {
                        LinkState::Disconnected
                    },
                    address: self.joined.as_ref().map(|_| "192.168.31.57/24".into()),
                },
                Link {
                    iface: "wwan0".into(),
                    kind: Kind::Modem,
                    state: LinkState::Disconnected,
                    address: None,
                },
            ],
            access_points: self
                .networks
                .iter()
                .map(|(a, _)| AccessPoint {
                    active: self.joined.as_deref() == Some(a.ssid.as_str()),
                    ..a.clone()
                })
                .collect(),
            modem: Some(Modem {
                state: ModemState::Registered,
                operator: "中国移动".into(),
                signal: 72,
                technology: "4G",
                sim: true,
            }),
        };
        if !self.wifi {
            s.links.truncate(1);
            s.access_points.clear();
            s.modem = None;
        }
        s.tidy();
        Ok(s)
    }

    fn scan(&mut self) -> Result<(), NetError> {
        if !self.wifi {
            return Err(NetError::NoWifi);
        }
        self.scans += 1;
        Ok(())
    }

    fn join(&mut self, ssid: &str, password: Option<&str>) -> Result<(), NetError> {
        if !self.wifi {
            return Err(NetError::NoWifi);
        }
        if let Some(p) = password {
            super::check_password(p)?;
        }
        let (_, wanted) = self
            .networks
            .iter()
            .find(|(a, _)| a.ssid == ssid)
            .ok_or_else(|| NetError::NotInRange(ssid.to_owned()))?;
        match (wanted, password) {
            (None, _) => {}
            (Some(w), Some(p)) if *w == p => {}
            _ => {
                return Err(NetError::Refused(
                    "the access point did not accept the password (Secrets were required, but not provided)".into(),
                ));
            }
        }
        self.joined = Some(ssid.to_owned());
        Ok(())
    }
}
