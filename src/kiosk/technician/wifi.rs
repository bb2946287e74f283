//! Technician mode's network section: the links NetworkManager manages, Wi-Fi (scan, choose,
//! password on the screen's keys) and the 4G modem. The D-Bus calls run on the work thread.

use std::sync::{Arc, Mutex};

use super::super::app::App;
use super::facts::Fact;
use super::{Done, Said, Typing};
use crate::network::{NetError, Network, Snapshot};

/// The network backend, shared with the work thread.
pub type SharedNetwork = Arc<Mutex<Box<dyn Network>>>;

pub(super) fn with_net<T>(net: &SharedNetwork, f: impl FnOnce(&mut dyn Network) -> T) -> T {
    // A panic on another thread leaves the backend usable: it holds no half-done state.
    let mut guard = net.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.as_mut())
}

impl App {
    /// Reads the network's state (when the section opens, after a scan or a join).
    pub(super) fn refresh_network(&mut self) {
        if self.tech.busy() {
            return;
        }
        let net = self.tech.network.clone();
        self.tech.start(move || {
            Done::Network(with_net(&net, |n| n.snapshot()).map_err(|e| e.to_string()))
        });
    }

    pub(super) fn scan_wifi(&mut self) {
        if self.tech.busy() {
            return;
        }
        let net = self.tech.network.clone();
        self.tech.message = Some(Said::good("正在扫描无线网络…", "scanning for Wi-Fi…"));
        self.tech.start(move || {
            // A scan that cannot be made (no Wi-Fi adapter: a wired PC cabinet) still leaves
            // the links on screen, with the reason.
            let (scanned, snapshot) = with_net(&net, |n| (n.scan(), n.snapshot()));
            Done::Scanned(
                scanned.map_err(|e| e.to_string()),
                snapshot.map_err(|e| e.to_string()),
            )
        });
    }

    /// A Wi-Fi network tapped in the list: secured ones ask for the password first.
    pub(super) fn choose_wifi(&mut self, ssid: &str) {
        let Some(ap) = self
            .tech
            .net
            .as_ref()
            .and_then(|s| s.access_points.iter().find(|a| a.ssid == ssid))
            .cloned()
        else {
            return;
        };
        if ap.secured {
            self.tech.typing = Some(String::new());
            self.tech.typing_for = Typing::WifiPassword(ap.ssid);
            self.tech.message = None;
        } else {
            self.join_wifi(ap.ssid, None);
        }
    }

    pub(super) fn join_wifi(&mut self, ssid: String, password: Option<String>) {
        if self.tech.busy() {
            return;
        }
        let net = self.tech.network.clone();
        self.tech.message = Some(Said::good(
            format!("正在连接 {ssid}…"),
            format!("joining {ssid}…"),
        ));
        let now = self.now();
        self.tech.audit(onevisit_domain::technician::Audit {
            at: now,
            what: "wifi_join",
            detail: ssid.clone(),
        });
        self.tech.start(move || {
            let joined = with_net(&net, |n| {
                n.join(&ssid, password.as_deref())?;
                n.snapshot()
            });
            Done::Joined(ssid, joined.map_err(|e| e.to_string()))
        });
    }

    pub(super) fn network_done(&mut self, snapshot: Result<Snapshot, String>) {
        match snapshot {
            Ok(s) => {
                self.tech.net = Some(s);
                self.tech.net_error = None;
                if self
                    .tech
                    .message
                    .as_ref()
                    .is_some_and(|m| m.en.starts_with("scanning"))
                {
                    let n = self.tech.net.as_ref().map_or(0, |s| s.access_points.len());
                    self.tech.message = Some(Said::good(
                        format!("找到 {n} 个无线网络：点一个连接"),
                        format!("{n} Wi-Fi networks found: tap one to join"),
                    ));
                }
            }
            Err(e) => {
                self.tech.net = None;
                self.tech.message = None;
                self.tech.net_error = Some(e);
            }
        }
        self.refresh_facts();
    }

    pub(super) fn scanned_wifi(
        &mut self,
        scanned: Result<(), String>,
        snapshot: Result<Snapshot, String>,
    ) {
        self.network_done(snapshot);
        if let Err(e) = scanned {
            self.tech.message = Some(Said::bad(
                format!("未能扫描无线网络：{e}"),
                format!("no Wi-Fi scan: {e}"),
            ));
        }
    }

    pub(super) fn joined(&mut self, ssid: String, result: Result<Snapshot, String>) {
        match result {
            Ok(s) => {
                self.tech.net = Some(s);
                self.tech.message = Some(Said::good(
                    format!("已连接到 {ssid}；重启后自动重连"),
                    format!("joined {ssid}; it rejoins after a restart"),
                ));
            }
            Err(e) => {
                self.tech.message = Some(Said::bad(
                    format!("未能连接 {ssid}：{e}"),
                    format!("could not join {ssid}: {e}"),
                ));
            }
        }
        self.refresh_facts();
    }

    /// The network section's facts: each link as NetworkManager has it, and the modem; the
    /// kernel's list of interfaces when NetworkManager does not answer.
    pub(super) fn network_facts(&self) -> Vec<Fact> {
        let Some(s) = &self.tech.net else {
            let mut facts = vec![Fact::new(
                "NetworkManager",
                "NetworkManager",
                self.tech
                    .net_error
                    .clone()
                    .unwrap_or_else(|| "…".to_owned()),
            )];
            facts.extend(super::facts::kernel_interfaces());
            return facts;
        };
        let mut facts: Vec<Fact> = s
            .links
            .iter()
            .map(|l| {
                let (kzh, ken) = l.kind.words();
                let (szh, sen) = l.state.words();
                let addr = l
                    .address
                    .as_ref()
                    .map(|a| format!(" · {a}"))
                    .unwrap_or_default();
                Fact::new(kzh, ken, format!("{} · {szh}{addr}", l.iface))
                    .with_en(format!("{} · {sen}{addr}", l.iface))
            })
            .collect();
        if let Some(m) = &s.modem {
            let (szh, sen) = m.state.words();
            let (zh, en) = if !m.sim {
                ("未插 SIM 卡".to_owned(), "no SIM card".to_owned())
            } else {
                let op = if m.operator.is_empty() {
                    "—"
                } else {
                    &m.operator
                };
                (
                    format!("{op} · {} · 信号 {}% · {szh}", m.technology, m.signal),
                    format!("{op} · {} · signal {}% · {sen}", m.technology, m.signal),
                )
            };
            facts.push(Fact::new("4G 信号", "4G", zh).with_en(en));
        }
        facts
    }
}

/// Why a join could not start (shown under the keys while the password is typed).
pub(super) fn password_problem(p: &str) -> Option<Said> {
    crate::network::check_password(p)
        .err()
        .map(|e: NetError| Said::bad("无线密码为 8 到 63 个字符", e.to_string()))
}
