//! The kiosk's network as NetworkManager (and ModemManager, for the 4G modem) sees it: what
//! technician mode shows and what it asks for — Ethernet, Wi-Fi (scan, choose, password) and
//! the modem's state. Two backends: [`nm::NetworkManager`] on the system D-Bus (the image
//! ships NetworkManager) and [`sim::Simulated`] (`run --simulate`, the gallery, tests). The
//! words here are pure: NetworkManager's numbers in, the technician's words out.

pub mod cli;
pub mod nm;
pub mod sim;

pub use cli::command;

/// What kind of link a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ethernet,
    Wifi,
    Modem,
    Other,
}

impl Kind {
    /// From NetworkManager's `NMDeviceType`.
    pub fn from_nm(t: u32) -> Kind {
        match t {
            1 => Kind::Ethernet,
            2 => Kind::Wifi,
            8 => Kind::Modem,
            _ => Kind::Other,
        }
    }

    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Kind::Ethernet => ("有线网络", "Ethernet"),
            Kind::Wifi => ("无线网络", "Wi-Fi"),
            Kind::Modem => ("4G 模块", "4G modem"),
            Kind::Other => ("其他网络", "other link"),
        }
    }
}

/// A device's state, from NetworkManager's `NMDeviceState`, in the few words a technician
/// acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Connected,
    Connecting,
    /// Needs a password (Wi-Fi) or a PIN (the modem's SIM).
    NeedsSecret,
    Disconnected,
    /// No cable, radio off, no SIM.
    Unavailable,
    /// NetworkManager leaves it alone (configured elsewhere).
    Unmanaged,
    Failed,
    Unknown,
}

impl LinkState {
    pub fn from_nm(s: u32) -> LinkState {
        match s {
            100 => LinkState::Connected,
            60 => LinkState::NeedsSecret,
            40..=90 => LinkState::Connecting,
            30 | 110 => LinkState::Disconnected,
            20 => LinkState::Unavailable,
            10 => LinkState::Unmanaged,
            120 => LinkState::Failed,
            _ => LinkState::Unknown,
        }
    }

    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            LinkState::Connected => ("已连接", "connected"),
            LinkState::Connecting => ("正在连接", "connecting"),
            LinkState::NeedsSecret => ("需要密码", "needs a password"),
            LinkState::Disconnected => ("未连接", "disconnected"),
            LinkState::Unavailable => (
                "不可用（网线未插或无信号）",
                "unavailable (no cable or no signal)",
            ),
            LinkState::Unmanaged => ("未由 NetworkManager 管理", "not managed by NetworkManager"),
            LinkState::Failed => ("连接失败", "failed"),
            LinkState::Unknown => ("状态未知", "state unknown"),
        }
    }
}

/// One network device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub iface: String,
    pub kind: Kind,
    pub state: LinkState,
    /// Its IPv4 address with prefix, when it has one.
    pub address: Option<String>,
}

/// A Wi-Fi network in range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPoint {
    pub ssid: String,
    /// 0–100.
    pub strength: u8,
    pub secured: bool,
    /// The kiosk is on it now.
    pub active: bool,
    /// NetworkManager's object for it (what a connection is made to).
    pub path: String,
}

impl AccessPoint {
    /// From the access point's `Ssid` bytes, `Strength` and flags (`Flags` bit 0: privacy;
    /// `WpaFlags`/`RsnFlags`: any key management). A name that is not UTF-8 is shown with
    /// replacement characters rather than hidden.
    pub fn from_nm(
        ssid: &[u8],
        strength: u8,
        flags: u32,
        wpa: u32,
        rsn: u32,
        path: String,
    ) -> AccessPoint {
        AccessPoint {
            ssid: String::from_utf8_lossy(ssid).into_owned(),
            strength: strength.min(100),
            secured: flags & 1 != 0 || wpa != 0 || rsn != 0,
            active: false,
            path,
        }
    }
}

/// The 4G modem, as ModemManager reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modem {
    pub state: ModemState,
    /// The network operator's name ("" before registration).
    pub operator: String,
    /// 0–100.
    pub signal: u8,
    /// The radio technology now ("4G", "3G", …).
    pub technology: &'static str,
    /// A SIM card is in.
    pub sim: bool,
}

/// ModemManager's `MMModemState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModemState {
    Failed,
    Unknown,
    Initializing,
    /// The SIM wants its PIN.
    Locked,
    Disabled,
    Enabling,
    Searching,
    Registered,
    Connecting,
    Connected,
}

impl ModemState {
    pub fn from_mm(s: i32) -> ModemState {
        match s {
            -1 => ModemState::Failed,
            1 => ModemState::Initializing,
            2 => ModemState::Locked,
            3 | 4 => ModemState::Disabled,
            5 | 6 => ModemState::Enabling,
            7 => ModemState::Searching,
            8 | 9 => ModemState::Registered,
            10 => ModemState::Connecting,
            11 => ModemState::Connected,
            _ => ModemState::Unknown,
        }
    }

    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            ModemState::Failed => (
                "故障（检查 SIM 卡和天线）",
                "failed (check the SIM and the antenna)",
            ),
            ModemState::Unknown => ("状态未知", "state unknown"),
            ModemState::Initializing => ("正在启动", "starting"),
            ModemState::Locked => ("SIM 卡已锁定（需要 PIN）", "SIM locked (needs its PIN)"),
            ModemState::Disabled => ("已关闭", "off"),
            ModemState::Enabling => ("正在打开", "turning on"),
            ModemState::Searching => ("正在搜索网络", "searching for a network"),
            ModemState::Registered => ("已注册，未连接数据", "registered, no data connection"),
            ModemState::Connecting => ("正在连接", "connecting"),
            ModemState::Connected => ("已连接", "connected"),
        }
    }
}

/// ModemManager's `MMModemAccessTechnology` bits, as a technician names them.
pub fn technology(bits: u32) -> &'static str {
    if bits & 0x8000 != 0 {
        "5G"
    } else if bits & 0x4000 != 0 {
        "4G"
    } else if bits & 0x3FE0 != 0 {
        "3G"
    } else if bits & 0x1E != 0 {
        "2G"
    } else {
        "—"
    }
}

/// The network as it is now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub links: Vec<Link>,
    /// Wi-Fi networks in range, strongest first, one line per name.
    pub access_points: Vec<AccessPoint>,
    pub modem: Option<Modem>,
}

impl Snapshot {
    /// Puts the access points in the order a technician reads them: the one in use first,
    /// then by strength; one line per name (the strongest of its radios); hidden ones left out
    /// (they cannot be chosen by name).
    pub fn tidy(&mut self) {
        let mut aps = std::mem::take(&mut self.access_points);
        aps.retain(|a| !a.ssid.trim().is_empty());
        aps.sort_by(|a, b| b.active.cmp(&a.active).then(b.strength.cmp(&a.strength)));
        let mut seen = std::collections::HashSet::new();
        aps.retain(|a| seen.insert(a.ssid.clone()));
        self.access_points = aps;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(
        "NetworkManager does not answer on the system bus ({0}): Wi-Fi and 4G need it (systemctl status NetworkManager)"
    )]
    NoNetworkManager(String),
    #[error("this kiosk has no Wi-Fi adapter")]
    NoWifi,
    #[error("no Wi-Fi network named {0:?} is in range: scan again")]
    NotInRange(String),
    #[error("a Wi-Fi password has 8 to 63 characters")]
    BadPassword,
    #[error("NetworkManager refused: {0}")]
    Refused(String),
}

/// The network, as technician mode uses it. Calls block (D-Bus round trips): they run on
/// technician mode's work thread, never the screen's.
pub trait Network: Send {
    fn snapshot(&mut self) -> Result<Snapshot, NetError>;
    /// Asks the Wi-Fi adapter for a fresh scan (results come with a later snapshot).
    fn scan(&mut self) -> Result<(), NetError>;
    /// Joins the Wi-Fi network `ssid` (with its password if it is secured); NetworkManager
    /// keeps the profile and rejoins it after a reboot.
    fn join(&mut self, ssid: &str, password: Option<&str>) -> Result<(), NetError>;
}

/// A WPA passphrase's rule (IEEE 802.11i): 8–63 printable ASCII characters.
pub fn check_password(p: &str) -> Result<(), NetError> {
    if (8..=63).contains(&p.len()) && p.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(NetError::BadPassword)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_managers_numbers_become_words() {
        assert_eq!(LinkState::from_nm(100), LinkState::Connected);
        assert_eq!(LinkState::from_nm(60), LinkState::NeedsSecret);
        assert_eq!(LinkState::from_nm(70), LinkState::Connecting);
        assert_eq!(LinkState::from_nm(20), LinkState::Unavailable);
        assert_eq!(LinkState::from_nm(999), LinkState::Unknown);
        assert_eq!(Kind::from_nm(2), Kind::Wifi);
        assert_eq!(ModemState::from_mm(2), ModemState::Locked);
        assert_eq!(ModemState::from_mm(11), ModemState::Connected);
        assert_eq!(technology(0x4000), "4G");
        assert_eq!(technology(0x4000 | 0x20), "4G");
        assert_eq!(technology(0x20), "3G");
        assert_eq!(technology(0), "—");
    }

    #[test]
    fn access_points_are_sorted_deduplicated_and_hidden_ones_left_out() {
        let ap = |ssid: &[u8], strength, rsn, path: &str| {
            AccessPoint::from_nm(ssid, strength, 0, 0, rsn, path.into())
        };
        let mut s = Snapshot {
            access_points: vec![
                ap(b"TownHall", 40, 0x100, "/1"),
                ap(b"", 90, 0, "/2"),
                ap(b"TownHall", 70, 0x100, "/3"),
                ap(b"Guest", 55, 0, "/4"),
                ap(b"\xe4\xb9\xa1\xe6\x94\xbf\xe5\xba\x9c", 30, 0x100, "/5"),
            ],
            ..Snapshot::default()
        };
        s.access_points[4].active = true;
        s.tidy();
        let names: Vec<(&str, u8, bool)> = s
            .access_points
            .iter()
            .map(|a| (a.ssid.as_str(), a.strength, a.secured))
            .collect();
        assert_eq!(
            names,
            [
                ("乡政府", 30, true),
                ("TownHall", 70, true),
                ("Guest", 55, false)
            ]
        );
        assert_eq!(
            AccessPoint::from_nm(b"\xff", 120, 1, 0, 0, String::new()).strength,
            100
        );
    }

    #[test]
    fn wifi_passwords_follow_the_wpa_rule() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough").is_ok());
        assert!(check_password(&"x".repeat(64)).is_err());
        assert!(check_password("密码密码密码密码").is_err());
    }
}
