//! NetworkManager (and ModemManager) on the system D-Bus: a thin, blocking driver. Each call
//! is a few round trips; technician mode makes them on its work thread. Property caching is
//! off: every snapshot reads what the daemons say now.

use std::collections::HashMap;

use zbus::blocking::{Connection, Proxy};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use super::{AccessPoint, Kind, Link, LinkState, Modem, ModemState, NetError, Network, Snapshot};

const NM: &str = "org.freedesktop.NetworkManager";
const NM_PATH: &str = "/org/freedesktop/NetworkManager";
const DEVICE: &str = "org.freedesktop.NetworkManager.Device";
const WIRELESS: &str = "org.freedesktop.NetworkManager.Device.Wireless";
const AP: &str = "org.freedesktop.NetworkManager.AccessPoint";
const IP4: &str = "org.freedesktop.NetworkManager.IP4Config";
const MM: &str = "org.freedesktop.ModemManager1";
const MM_PATH: &str = "/org/freedesktop/ModemManager1";
const MODEM: &str = "org.freedesktop.ModemManager1.Modem";
const MODEM_3GPP: &str = "org.freedesktop.ModemManager1.Modem.Modem3gpp";

pub struct NetworkManager {
    conn: Option<Connection>,
}

impl NetworkManager {
    /// Connects lazily: a kiosk without NetworkManager still starts, and says so when asked.
    pub fn new() -> NetworkManager {
        NetworkManager { conn: None }
    }

    fn conn(&mut self) -> Result<Connection, NetError> {
        if let Some(c) = &self.conn {
            return Ok(c.clone());
        }
        let c = Connection::system().map_err(|e| NetError::NoNetworkManager(e.to_string()))?;
        self.conn = Some(c.clone());
        Ok(c)
    }

    fn proxy<'a>(
        conn: &Connection,
        dest: &'a str,
        path: &'a str,
        iface: &'a str,
    ) -> Result<Proxy<'a>, NetError> {
        zbus::blocking::proxy::Builder::new(conn)
            .destination(dest)
            .and_then(|b| b.path(path))
            .and_then(|b| b.interface(iface))
            .map(|b| b.cache_properties(zbus::proxy::CacheProperties::No))
            .and_then(|b| b.build())
            .map_err(|e| NetError::Refused(e.to_string()))
    }

    fn devices(&mut self) -> Result<Vec<(String, Link)>, NetError> {
        let conn = self.conn()?;
        let nm = Self::proxy(&conn, NM, NM_PATH, NM)?;
        let paths: Vec<OwnedObjectPath> = nm.call("GetDevices", &()).map_err(|e| {
            // The bus is there but NetworkManager is not on it.
            self.conn = None;
            NetError::NoNetworkManager(e.to_string())
        })?;
        let mut out = Vec::new();
        for p in paths {
            let d = Self::proxy(&conn, NM, p.as_str(), DEVICE)?;
            let iface: String = d.get_property("Interface").unwrap_or_default();
            let kind = Kind::from_nm(d.get_property("DeviceType").unwrap_or(0));
            let state = LinkState::from_nm(d.get_property("State").unwrap_or(0));
            let address = d
                .get_property::<OwnedObjectPath>("Ip4Config")
                .ok()
                .filter(|c| c.as_str() != "/")
                .and_then(|c| ipv4(&conn, c.as_str()));
            if iface == "lo" {
                continue;
            }
            out.push((
                p.as_str().to_owned(),
                Link {
                    iface,
                    kind,
                    state,
                    address,
                },
            ));
        }
        Ok(out)
    }

    fn wifi_device(&mut self) -> Result<String, NetError> {
        self.devices()?
            .into_iter()
            .find(|(_, l)| l.kind == Kind::Wifi)
            .map(|(p, _)| p)
            .ok_or(NetError::NoWifi)
    }
}

impl Default for NetworkManager {
    fn default() -> Self {
        Self::new()
    }
}

/// The first IPv4 address of an `IP4Config` object, as `a.b.c.d/prefix`.
fn ipv4(conn: &Connection, path: &str) -> Option<String> {
    let p = NetworkManager::proxy(conn, NM, path, IP4).ok()?;
    let data: Vec<HashMap<String, OwnedValue>> = p.get_property("AddressData").ok()?;
    let first = data.into_iter().next()?;
    let address: String = first.get("address")?.try_clone().ok()?.try_into().ok()?;
    let prefix: u32 = first
        .get("prefix")
        .and_then(|v| v.try_clone().ok())
        .and_then(|v| v.try_into().ok())
        .unwrap_or(0);
    Some(format!("{address}/{prefix}"))
}

fn access_points(conn: &Connection, device: &str) -> Vec<AccessPoint> {
    let Ok(w) = NetworkManager::proxy(conn, NM, device, WIRELESS) else {
        return Vec::new();
    };
    let active: String = w
        .get_property::<OwnedObjectPath>("ActiveAccessPoint")
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let paths: Vec<OwnedObjectPath> = w.call("GetAllAccessPoints", &()).unwrap_or_default();
    paths
        .into_iter()
        .filter_map(|p| {
            let a = NetworkManager::proxy(conn, NM, p.as_str(), AP).ok()?;
            let ssid: Vec<u8> = a.get_property("Ssid").ok()?;
            let mut ap = AccessPoint::from_nm(
                &ssid,
                a.get_property("Strength").unwrap_or(0),
                a.get_property("Flags").unwrap_or(0),
                a.get_property("WpaFlags").unwrap_or(0),
                a.get_property("RsnFlags").unwrap_or(0),
                p.as_str().to_owned(),
            );
            ap.active = p.as_str() == active;
            Some(ap)
        })
        .collect()
}

/// The first modem ModemManager knows, if it runs and has one.
fn modem(conn: &Connection) -> Option<Modem> {
    let om = NetworkManager::proxy(conn, MM, MM_PATH, "org.freedesktop.DBus.ObjectManager").ok()?;
    let objects: HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedValue>>> =
        om.call("GetManagedObjects", &()).ok()?;
    let path = objects.into_keys().next()?;
    let m = NetworkManager::proxy(conn, MM, path.as_str(), MODEM).ok()?;
    let g = NetworkManager::proxy(conn, MM, path.as_str(), MODEM_3GPP).ok()?;
    let (signal, _recent): (u32, bool) = m.get_property("SignalQuality").unwrap_or((0, false));
    let sim: OwnedObjectPath = m
        .get_property("Sim")
        .unwrap_or_else(|_| OwnedObjectPath::default());
    Some(Modem {
        state: ModemState::from_mm(m.get_property("State").unwrap_or(0)),
        operator: g.get_property("OperatorName").unwrap_or_default(),
        signal: signal.min(100) as u8,
        technology: super::technology(m.get_property("AccessTechnologies").unwrap_or(0)),
        sim: sim.as_str() != "/",
    })
}

impl Network for NetworkManager {
    fn snapshot(&mut self) -> Result<Snapshot, NetError> {
        let devices = self.devices()?;
        let conn = self.conn()?;
        let mut s = Snapshot::default();
        for (path, link) in devices {
            if link.kind == Kind::Wifi {
                s.access_points.extend(access_points(&conn, &path));
            }
            s.links.push(link);
        }
        s.modem = modem(&conn);
        s.tidy();
        Ok(s)
    }

    fn scan(&mut self) -> Result<(), NetError> {
        let device = self.wifi_device()?;
        let conn = self.conn()?;
        let w = Self::proxy(&conn, NM, &device, WIRELESS)?;
        let before: i64 = w.get_property("LastScan").unwrap_or(-1);
        let options: HashMap<&str, Value> = HashMap::new();
        // NetworkManager refuses a scan right after another one: the last results stand.
        if w.call::<_, _, ()>("RequestScan", &(options,)).is_err() {
            return Ok(());
        }
        // The results come a few seconds later, when `LastScan` moves.
        for _ in 0..20 {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if w.get_property::<i64>("LastScan").unwrap_or(before) != before {
                break;
            }
        }
        Ok(())
    }

    fn join(&mut self, ssid: &str, password: Option<&str>) -> Result<(), NetError> {
        if let Some(p) = password {
            super::check_password(p)?;
        }
        let device = self.wifi_device()?;
        let conn = self.conn()?;
        let ap = access_points(&conn, &device)
            .into_iter()
            .filter(|a| a.ssid == ssid)
            .max_by_key(|a| a.strength)
            .ok_or_else(|| NetError::NotInRange(ssid.to_owned()))?;
        let mut settings: HashMap<&str, HashMap<&str, Value>> = HashMap::new();
        settings.insert(
            "connection",
            HashMap::from([("id", Value::from(format!("onevisit-wifi {ssid}")))]),
        );
        if let Some(p) = password {
            settings.insert(
                "802-11-wireless-security",
                HashMap::from([
                    ("key-mgmt", Value::from("wpa-psk")),
                    ("psk", Value::from(p)),
                ]),
            );
        }
        let nm = Self::proxy(&conn, NM, NM_PATH, NM)?;
        let device = zbus::zvariant::ObjectPath::try_from(device.as_str())
            .map_err(|e| NetError::Refused(e.to_string()))?;
        let ap = zbus::zvariant::ObjectPath::try_from(ap.path.as_str())
            .map_err(|e| NetError::Refused(e.to_string()))?;
        let _: (OwnedObjectPath, OwnedObjectPath) = nm
            .call("AddAndActivateConnection", &(settings, device, ap))
            .map_err(|e| NetError::Refused(e.to_string()))?;
        Ok(())
    }
}
