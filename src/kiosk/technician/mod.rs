//! Technician mode around its pure core (`onevisit_domain::technician`): the PIN checked
//! against the stored hash, the audit log, what each section shows, and the sections' slow
//! work (self-test probes, enrollment, the connection test) on threads of their own, so the
//! screen keeps drawing. Nothing here shows a citizen's personal data.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use onevisit_domain::technician::{Action, Audit, Corner, Event, Mode, Policy, Technician};
use onevisit_sync::enroll::EnrollPayload;

use super::app::App;
use super::contract::{LineKey, PinKey, TechEvent};
use crate::selftest::Check;

mod checklist;
mod enroll;
mod facts;
#[cfg(test)]
mod tests;
mod upkeep;
mod usb;
mod wifi;

use checklist::Look;
pub use facts::{Fact, Seen};
pub use wifi::SharedNetwork;

/// Touch-test targets, in the order the UI numbers them.
pub const TARGETS: [&str; 5] = [
    "top-left",
    "top-right",
    "bottom-left",
    "bottom-right",
    "centre",
];

/// Something the technician should read: (zh, en), and whether it is bad news.
#[derive(Debug, Clone, Default)]
pub struct Said {
    pub zh: String,
    pub en: String,
    pub bad: bool,
}

impl Said {
    fn good(zh: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            zh: zh.into(),
            en: en.into(),
            bad: false,
        }
    }
    fn bad(zh: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            zh: zh.into(),
            en: en.into(),
            bad: true,
        }
    }
}

/// Slow work, done on a thread; its result comes back through `poll`.
enum Done {
    Checks(Vec<Check>),
    Enrolled(Result<String, String>),
    Connection(Vec<Check>),
    Ticket(Result<(), String>),
    Exported(Result<String, String>),
    Diagnostics(Result<String, String>),
    Installed(Result<String, String>),
    Network(Result<crate::network::Snapshot, String>),
    Scanned(Result<(), String>, Result<crate::network::Snapshot, String>),
    Joined(String, Result<crate::network::Snapshot, String>),
}

/// What the line typed on the screen's keys is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Typing {
    #[default]
    Enrollment,
    /// The password of this Wi-Fi network.
    WifiPassword(String),
}

/// The technician's side of the app.
pub struct Tech {
    pub core: Technician,
    /// The stored PIN (a slow salted hash, or in older settings the PIN in clear).
    pub pin_hash: String,
    /// The data folder (provisioning, storage, the audit log); none in some tests.
    pub data: Option<PathBuf>,
    /// `onevisit.toml` on the boot partition (the county's enrollment line).
    pub boot_file: PathBuf,
    /// The site the settings name (a code made for another site is refused).
    pub site_setting: Option<String>,
    /// The display's mode, as the window reports it.
    pub display: (u32, u32),
    /// Lines of the last self-test run (device lines are added live by the view).
    pub probes: Vec<Check>,
    /// Lines of the last connection test.
    pub connection: Vec<Check>,
    pub message: Option<Said>,
    /// The enrollment line read (scanner, camera, boot file), waiting for "enroll".
    pub payload: Option<EnrollPayload>,
    pub taps: [bool; 5],
    pub touch_test: bool,
    /// Audited entries this run, for the heartbeat.
    pub audited: Vec<Audit>,
    /// The devices this kiosk runs with (from its settings).
    pub plan: Option<crate::config::DevicePlan>,
    /// What the devices last said.
    pub seen: Seen,
    /// The sync thread's state, when sync runs.
    pub sync: Option<Arc<Mutex<onevisit_sync::driver::SyncStatus>>>,
    /// The open section's facts.
    pub facts: Vec<Fact>,
    /// Where the technician's USB stick is mounted.
    pub usb_dir: PathBuf,
    /// The QR/barcode scanner, when one is fitted (`devices.scanner`).
    pub scanner: Option<onevisit_serial::pump::Driver<onevisit_scanner::Scan>>,
    /// Wakes the sync thread ("sync now"), when sync runs.
    pub sync_wake: Option<Arc<tokio::sync::Notify>>,
    /// Progress of the work under way (0–100), -1 when it has no figure.
    pub progress: Arc<AtomicI32>,
    shown_progress: i32,
    /// When a camera frame was last looked at, and the look under way (apart from `job`: it
    /// never holds up what the technician asked for).
    last_qr_look: i64,
    /// The camera frame (by [`super::scanning::Scanner::taken`]) last looked at.
    looked_at: u64,
    looking: Option<Receiver<Look>>,
    job: Option<Receiver<Done>>,
    /// The line being typed on the screen's keys, when it is, and what for.
    pub typing: Option<String>,
    pub typing_for: Typing,
    /// The network (NetworkManager on D-Bus, or simulated), its last snapshot, and why there
    /// is none.
    pub network: SharedNetwork,
    pub net: Option<crate::network::Snapshot>,
    pub net_error: Option<String>,
    /// The entered PIN being checked against the slow hash (0.1–0.2 s: not on the screen's
    /// thread, where it would freeze the pad).
    pin_check: Option<Receiver<bool>>,
}

impl Default for Tech {
    fn default() -> Tech {
        Tech {
            core: Technician::new(Policy::default(), false),
            pin_hash: String::new(),
            data: None,
            boot_file: PathBuf::from("/boot/efi/onevisit.toml"),
            site_setting: None,
            display: (1080, 1920),
            probes: Vec::new(),
            connection: Vec::new(),
            message: None,
            payload: None,
            taps: [false; 5],
            touch_test: false,
            audited: Vec::new(),
            plan: None,
            seen: Seen::default(),
            sync: None,
            facts: Vec::new(),
            usb_dir: PathBuf::from("/run/onevisit/usb"),
            scanner: None,
            sync_wake: None,
            progress: Arc::new(AtomicI32::new(-1)),
            shown_progress: -1,
            last_qr_look: 0,
            looked_at: 0,
            looking: None,
            job: None,
            pin_check: None,
            typing: None,
            typing_for: Typing::Enrollment,
            network: Arc::new(Mutex::new(Box::new(
                crate::network::sim::Simulated::default(),
            ))),
            net: None,
            net_error: None,
        }
    }
}

impl Tech {
    /// The PIN and the county's tamper policy, from the settings.
    pub fn configure(&mut self, pin_hash: &str, policy: Policy) {
        self.pin_hash = pin_hash.to_owned();
        self.core.set_has_pin(!pin_hash.is_empty());
        self.core.set_policy(policy);
    }

    /// The PIN that opens technician mode: the county's (pushed with a heartbeat) when it set
    /// one, else the settings'.
    fn stored_pin(&self) -> String {
        self.data
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join(onevisit_sync::pin::PUSHED_FILE)).ok())
            .map(|p| p.trim().to_owned())
            .filter(|p| onevisit_sync::pin::is_hash(p))
            .unwrap_or_else(|| self.pin_hash.clone())
    }

    /// Whether any PIN is set, asked again whenever the pad opens (the county may have pushed
    /// one since the kiosk started).
    fn refresh_pin(&mut self) {
        let has = !self.stored_pin().is_empty();
        self.core.set_has_pin(has);
    }

    /// Slow work is under way.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    fn start(&mut self, work: impl FnOnce() -> Done + Send + 'static) {
        let (tx, rx) = channel();
        let spawned = std::thread::Builder::new()
            .name("technician".into())
            .spawn(move || {
                let _ = tx.send(work());
            });
        match spawned {
            Ok(_) => self.job = Some(rx),
            Err(e) => {
                self.message = Some(Said::bad(
                    format!("无法开始：{e}"),
                    format!("could not start: {e}"),
                ))
            }
        }
    }

    /// Appends to the audit log (`technician-audit.log` in the data folder, one JSON line
    /// each); the heartbeat carries the same lines.
    fn audit(&mut self, a: Audit) {
        tracing::info!(what = a.what, detail = %a.detail, "technician audit");
        if let Some(dir) = &self.data {
            let line = serde_json::to_string(&a).unwrap_or_default();
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("technician-audit.log"))
                .and_then(|mut f| writeln!(f, "{line}"));
            if let Err(e) = written {
                tracing::warn!("technician audit log: {e}");
            }
        }
        self.audited.push(a);
    }
}

impl App {
    /// Technician mode or its PIN pad is up: citizens' devices (cards, passports) are ignored.
    pub fn technician_active(&self) -> bool {
        self.tech.core.active()
    }

    /// Something the technician did on screen (`Technician.send`, parsed in `contract.rs`).
    pub fn technician(&mut self, ev: TechEvent) {
        let now = self.now();
        self.changed();
        let core = |app: &mut App, e: Event| {
            app.tech.core.handle_event(now, e);
            app.technician_actions();
        };
        match ev {
            TechEvent::Corner(c) => {
                self.tech.refresh_pin();
                core(self, Event::Corner(c));
            }
            TechEvent::Pin(PinKey::Digit(d)) => core(self, Event::Digit(d)),
            TechEvent::Pin(PinKey::Clear) => core(self, Event::Clear),
            TechEvent::Pin(PinKey::Enter) => core(self, Event::Enter),
            TechEvent::Exit => {
                core(self, Event::Exit);
                self.tech.touch_test = false;
            }
            TechEvent::Section(s) => {
                core(self, Event::Open(s));
                self.tech.message = None;
                self.tech.typing = None;
                self.refresh_facts();
                if s == onevisit_domain::technician::Section::Network {
                    self.refresh_network();
                }
            }
            TechEvent::ScanWifi => {
                core(self, Event::Did("wifi_scan"));
                self.scan_wifi();
            }
            TechEvent::ChooseWifi(i) => {
                core(self, Event::Touch);
                let ssid = self
                    .tech
                    .net
                    .as_ref()
                    .and_then(|s| s.access_points.get(i))
                    .map(|a| a.ssid.clone());
                if let Some(ssid) = ssid {
                    self.choose_wifi(&ssid);
                }
            }
            TechEvent::Touch => core(self, Event::Touch),
            TechEvent::RunChecks => {
                core(self, Event::Did("run_selftest"));
                self.run_checks();
            }
            TechEvent::PrintTicket => {
                core(self, Event::Did("print_service_ticket"));
                self.print_ticket();
            }
            TechEvent::TouchTest => {
                core(self, Event::Did("touch_test"));
                self.tech.taps = [false; 5];
                self.tech.touch_test = true;
            }
            TechEvent::Tap(i) => {
                core(self, Event::Touch);
                if let Some(t) = self.tech.taps.get_mut(i) {
                    *t = true;
                }
                if self.tech.taps.iter().all(|t| *t) {
                    self.tech.touch_test = false;
                }
            }
            TechEvent::Speak => {
                core(self, Event::Did("speak"));
                let zh = !self.english();
                let text = if zh {
                    "这是一件事一次办自助终端的语音测试。"
                } else {
                    "This is the OneVisit kiosk's speaker test."
                };
                self.speech.say(text, zh);
                self.tech.seen.spoke = true;
            }
            TechEvent::LedTest => {
                core(self, Event::Did("led_test"));
                self.cabinet.led_test();
                self.tech.seen.led_until = Some(self.now() + 5_000);
            }
            TechEvent::PowerCycle => {
                core(self, Event::Did("power_cycle_reader"));
                self.cabinet.power_cycle_reader();
            }
            TechEvent::ReadBootFile => {
                core(self, Event::Did("read_boot_file"));
                self.read_boot_file();
            }
            TechEvent::Provision => {
                core(self, Event::Did("enroll"));
                self.enroll();
            }
            TechEvent::TestConnection => {
                core(self, Event::Did("test_connection"));
                self.test_connection();
            }
            TechEvent::TypeLine(LineKey::Open) => {
                core(self, Event::Did("type_enrollment_line"));
                self.tech.typing = Some(String::new());
                self.tech.typing_for = Typing::Enrollment;
                self.tech.message = None;
            }
            TechEvent::TypeLine(key) => {
                core(self, Event::Touch);
                self.line_key(key);
            }
            TechEvent::SyncNow => {
                core(self, Event::Did("sync_now"));
                self.sync_now();
            }
            TechEvent::ExportUsb => {
                core(self, Event::Did("export_usb"));
                self.export_usb();
            }
            TechEvent::Diagnostics => {
                core(self, Event::Did("diagnostics"));
                self.diagnostics();
            }
            TechEvent::InstallUpdate => {
                core(self, Event::Did("install_update"));
                self.install_update();
            }
            TechEvent::Reboot => {
                core(self, Event::Did("reboot"));
                self.reboot();
            }
        }
    }

    /// The cabinet's signals for technician mode: the door and the service key.
    pub fn technician_signal(&mut self, e: Event) {
        self.tech.refresh_pin();
        let now = self.now();
        self.tech.core.handle_event(now, e);
        self.technician_actions();
        self.changed();
    }

    /// Time passes in technician mode: idle exit, finished work.
    pub(super) fn technician_tick(&mut self) {
        let now = self.now();
        if self.tech.core.next_deadline().is_some_and(|d| now >= d) {
            self.tech.core.handle_timeout(now);
            self.tech.touch_test = false;
            self.technician_actions();
            self.changed();
        }
        if let Mode::Open(section) = self.tech.core.mode().clone() {
            self.look_at_camera(now, section);
        }
        self.poll_scanner();
        if self.tech.seen.led_until.is_some_and(|t| now >= t) {
            self.tech.seen.led_until = None;
            self.tech.seen.led_cycled = true;
            self.cabinet.led_normal(self.tech.core.out_of_service());
            self.changed();
        }
        if let Some(rx) = &self.tech.looking
            && let Ok(look) = rx.try_recv()
        {
            self.tech.looking = None;
            self.looked(look);
        }
        if let Some(rx) = &self.tech.pin_check
            && let Ok(ok) = rx.try_recv()
        {
            self.tech.pin_check = None;
            self.pin_checked(ok);
        }
        let progress = self.tech.progress.load(Ordering::Relaxed);
        if progress != self.tech.shown_progress {
            self.tech.shown_progress = progress;
            self.changed();
        }
        let done = self.tech.job.as_ref().and_then(|rx| rx.try_recv().ok());
        if let Some(done) = done {
            self.tech.job = None;
            self.technician_done(done);
            self.changed();
        }
    }

    /// Waits for the technician's slow work (tests and the screenshot gallery).
    pub fn technician_settle(&mut self) {
        if let Some(rx) = self.tech.pin_check.take() {
            let ok = rx.recv().unwrap_or(false);
            self.pin_checked(ok);
        }
        if let Some(rx) = self.tech.looking.take()
            && let Ok(look) = rx.recv()
        {
            self.looked(look);
        }
        if let Some(rx) = self.tech.job.take()
            && let Ok(done) = rx.recv()
        {
            self.technician_done(done);
            self.changed();
        }
    }

    /// The PIN check's answer.
    fn pin_checked(&mut self, ok: bool) {
        let now = self.now();
        self.tech.core.handle_event(now, Event::PinVerified(ok));
        if ok && matches!(self.tech.core.mode(), Mode::Open(_)) {
            // The cabinet's own lock (its LED, the heartbeat's tamper state).
            self.cabinet.unlock();
            self.tech.probes.clear();
            self.tech.connection.clear();
            self.tech.message = None;
            self.tech.typing = None;
            // What the devices did in an earlier session proves nothing now; the readers'
            // and printer's own states stay.
            let seen = std::mem::take(&mut self.tech.seen);
            self.tech.seen.reader = seen.reader;
            self.tech.seen.printer = seen.printer;
            self.refresh_facts();
        }
        self.technician_actions();
        self.changed();
    }

    /// What the core asked for.
    fn technician_actions(&mut self) {
        while let Some(a) = self.tech.core.poll_action() {
            match a {
                Action::VerifyPin(entered) => {
                    let stored = self.tech.stored_pin();
                    let (tx, rx) = channel();
                    let spawned =
                        std::thread::Builder::new()
                            .name("pin-check".into())
                            .spawn(move || {
                                let _ = tx.send(onevisit_sync::pin::matches(&entered, &stored));
                            });
                    match spawned {
                        Ok(_) => self.tech.pin_check = Some(rx),
                        Err(e) => {
                            // No thread to spare: a wrong answer leaves the pad usable
                            // (after its backoff) rather than stuck on "checking".
                            tracing::error!("the PIN could not be checked: {e}");
                            let now = self.now();
                            self.tech.core.handle_event(now, Event::PinVerified(false));
                        }
                    }
                }
                Action::Audit(a) => self.tech.audit(a),
                Action::ReportTamper => {
                    tracing::warn!("cabinet opened without a technician: out of service");
                    self.cabinet.fault_led();
                }
                Action::WipeKeys => self.wipe_keys(),
                Action::EndCitizenSession => {
                    let fx = self.session.abandon(self.now());
                    self.perform(fx);
                }
            }
        }
    }

    /// The county's policy when the cabinet is opened: the keys go, and with them the
    /// readability of what waits on this kiosk.
    fn wipe_keys(&mut self) {
        let Some(dir) = self.tech.data.clone() else {
            return;
        };
        for name in ["data.key", "sync/device.key"] {
            let path = dir.join(name);
            if path.exists() {
                match std::fs::remove_file(&path) {
                    Ok(()) => tracing::warn!("tamper policy: {name} destroyed"),
                    Err(e) => tracing::error!("tamper policy: {name} not destroyed: {e}"),
                }
            }
        }
    }

    fn technician_done(&mut self, done: Done) {
        self.tech.progress.store(-1, Ordering::Relaxed);
        match done {
            Done::Checks(c) => {
                let failed = c.iter().filter(|c| !c.ok).count();
                self.tech.probes = c;
                self.tech.message = Some(if failed == 0 {
                    Said::good("自检完成", "self-test done")
                } else {
                    Said::bad(
                        format!("自检完成：{failed} 项未通过"),
                        format!("self-test done: {failed} failed"),
                    )
                });
            }
            Done::Connection(c) => {
                let ok = c.iter().all(|c| c.ok);
                let enrolled = c
                    .iter()
                    .any(|c| c.state != crate::selftest::State::NotFitted);
                self.tech.connection = c;
                self.tech.message = Some(if !enrolled {
                    Said::bad(
                        "尚未开通：请先在“开通”中开通本机，再测试连接",
                        "not enrolled yet: enroll in Provisioning first, then test the connection",
                    )
                } else if ok {
                    Said::good("连接正常", "the connection works")
                } else {
                    Said::bad(
                        "连接有问题：见上",
                        "the connection has a problem: see above",
                    )
                });
            }
            Done::Enrolled(Ok(site)) => {
                self.tech.payload = None;
                self.site = site.clone();
                self.tech.message = Some(Said::good(
                    format!("已开通：{site}。同步将在重启后开始。"),
                    format!("enrolled at {site}; sync starts after a restart"),
                ));
                let now = self.now();
                self.tech.audit(Audit {
                    at: now,
                    what: "enrolled",
                    detail: site,
                });
            }
            Done::Enrolled(Err(e)) => {
                self.tech.message = Some(Said::bad(
                    format!("开通失败：{e}"),
                    format!("not enrolled: {e}"),
                ));
            }
            Done::Exported(Ok(what)) => {
                self.tech.message = Some(Said::good(
                    format!("已导出 {what}。请交县里导入；案件在联网确认前仍留在本机。"),
                    format!(
                        "exported {what}. Take it to the county; the cases stay here until confirmed online."
                    ),
                ));
                self.refresh_facts();
            }
            Done::Diagnostics(Ok(path)) => {
                self.tech.message = Some(Said::good(
                    format!("诊断包已写入 {path}（不含个人信息）"),
                    format!("diagnostics written to {path} (no personal data)"),
                ));
            }
            Done::Installed(Ok(_)) => {
                self.tech.message = Some(Said::good(
                    "更新已安装到另一槽位：请点“重启”启用",
                    "update installed in the other slot: tap “Reboot” to start it",
                ));
            }
            Done::Exported(Err(e)) | Done::Diagnostics(Err(e)) | Done::Installed(Err(e)) => {
                self.tech.message =
                    Some(Said::bad(format!("未完成：{e}"), format!("not done: {e}")));
            }
            Done::Network(s) => self.network_done(s),
            Done::Scanned(scanned, s) => self.scanned_wifi(scanned, s),
            Done::Joined(ssid, r) => self.joined(ssid, r),
            Done::Ticket(Ok(())) => {
                self.tech.message = Some(Said::good("服务单已打印", "service ticket printed"));
            }
            Done::Ticket(Err(e)) => {
                self.tech.message = Some(Said::bad(
                    format!("未能打印：{e}"),
                    format!("not printed: {e}"),
                ));
            }
        }
    }
}

/// The corner the UI names.
pub fn corner(name: &str) -> Option<Corner> {
    match name {
        "top-left" => Some(Corner::TopLeft),
        "top-right" => Some(Corner::TopRight),
        _ => None,
    }
}
