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
use super::contract::{PinKey, TechEvent};
use crate::selftest::Check;

mod facts;
#[cfg(test)]
mod tests;
mod usb;
pub use facts::{Fact, Seen};

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
    /// When a camera frame was last searched for a QR code, and the search under way (apart
    /// from `job`: it never holds up what the technician asked for).
    last_qr_look: i64,
    qr_search: Option<Receiver<Option<String>>>,
    job: Option<Receiver<Done>>,
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
            qr_search: None,
            job: None,
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
                self.refresh_facts();
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
        if let Some(rx) = &self.tech.qr_search
            && let Ok(found) = rx.try_recv()
        {
            self.tech.qr_search = None;
            if let Some(text) = found {
                self.scanned(&text);
            }
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
        if let Some(rx) = self.tech.qr_search.take()
            && let Ok(Some(text)) = rx.recv()
        {
            self.scanned(&text);
        }
        if let Some(rx) = self.tech.job.take()
            && let Ok(done) = rx.recv()
        {
            self.technician_done(done);
            self.changed();
        }
    }

    /// What the core asked for.
    fn technician_actions(&mut self) {
        while let Some(a) = self.tech.core.poll_action() {
            match a {
                Action::VerifyPin(entered) => {
                    let ok = onevisit_sync::pin::matches(&entered, &self.tech.stored_pin());
                    let now = self.now();
                    self.tech.core.handle_event(now, Event::PinVerified(ok));
                    if ok {
                        // The cabinet's own lock (its LED, the heartbeat's tamper state).
                        self.cabinet.unlock();
                        self.tech.probes.clear();
                        self.tech.connection.clear();
                        self.tech.message = None;
                        // What the devices did in an earlier session proves nothing now;
                        // the readers' and printer's own states stay.
                        let seen = std::mem::take(&mut self.tech.seen);
                        self.tech.seen.reader = seen.reader;
                        self.tech.seen.printer = seen.printer;
                        self.refresh_facts();
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

    /// The probes that do not need the screen: storage, the central system and its clock,
    /// the speaker (device lines are the live ones, see `view::technician`).
    fn run_checks(&mut self) {
        if self.tech.busy() {
            return;
        }
        let data = self.tech.data.clone();
        self.tech.probes.clear();
        self.tech.start(move || {
            let mut checks = vec![crate::selftest::speaker()];
            if let Some(d) = data {
                checks.push(crate::selftest::storage(&d));
                checks.push(crate::selftest::central(&d));
            }
            Done::Checks(checks)
        });
    }

    fn test_connection(&mut self) {
        if self.tech.busy() {
            return;
        }
        let Some(data) = self.tech.data.clone() else {
            return;
        };
        self.tech.connection.clear();
        self.tech
            .start(move || Done::Connection(crate::selftest::connection(&data)));
    }

    /// Codes from the QR scanner: in technician mode, an enrollment code; anything else is
    /// shown as read (the scanner's line of the checklist), and outside technician mode
    /// nothing (a citizen's code means nothing to the kiosk yet).
    fn poll_scanner(&mut self) {
        let scans: Vec<onevisit_scanner::Scan> = match &self.tech.scanner {
            Some(d) => d
                .events
                .try_iter()
                .filter_map(|o| match o {
                    onevisit_serial::pump::Output::Device(s) => Some(s),
                    onevisit_serial::pump::Output::Link(_) => None,
                })
                .collect(),
            None => return,
        };
        for s in scans {
            if !matches!(self.tech.core.mode(), Mode::Open(_)) {
                tracing::info!("a code was scanned outside technician mode: ignored");
                continue;
            }
            let shown: String = s.text.chars().take(40).collect();
            self.tech.seen.scan = Some(shown);
            if s.text.trim().starts_with(onevisit_sync::enroll::PREFIX) {
                self.scanned(&s.text);
            }
            self.changed();
        }
    }

    /// An enrollment line from the kiosk's scanner or the document camera.
    pub fn scanned(&mut self, text: &str) {
        if !matches!(self.tech.core.mode(), Mode::Open(_)) {
            return;
        }
        self.tech.message = Some(match EnrollPayload::parse(text.trim()) {
            Ok(p) => {
                let said = Said::good(
                    format!("已读取 {} 的开通码，请点“开通本机”", p.site),
                    format!(
                        "enrollment code for {} read: tap “Enroll this kiosk”",
                        p.site
                    ),
                );
                self.tech.payload = Some(p);
                said
            }
            Err(e) => Said::bad(
                format!("这不是开通二维码：{e}"),
                format!("not an enrollment QR code: {e}"),
            ),
        });
        self.changed();
    }

    /// The camera in technician mode: a frame proves it works (the checklist); in
    /// provisioning, a frame is searched for the county's QR code (once a second, on a
    /// thread: a 12 MP frame takes a while).
    fn look_at_camera(&mut self, now: i64, section: onevisit_domain::technician::Section) {
        use onevisit_domain::technician::Section;
        let wanted = match section {
            Section::Checklist => self.tech.seen.camera_frame.is_none(),
            Section::Provision => self.tech.payload.is_none() && self.tech.qr_search.is_none(),
            _ => false,
        };
        if !wanted || now - self.tech.last_qr_look < 1000 {
            return;
        }
        // A simulated camera shows its next sample page when asked; a real one streams.
        self.scanner.frames.advance();
        let Some(frame) = self.scanner.frames.latest() else {
            return;
        };
        self.tech.last_qr_look = now;
        if self.tech.seen.camera_frame.is_none() {
            self.tech.seen.camera_frame = Some((frame.width, frame.height));
            self.changed();
        }
        if section == Section::Provision {
            let (tx, rx) = channel();
            let spawned = std::thread::Builder::new()
                .name("qr-search".into())
                .spawn(move || {
                    let _ = tx.send(find_qr(&frame));
                });
            if spawned.is_ok() {
                self.tech.qr_search = Some(rx);
            }
        }
    }

    /// An ID card read while technician mode is open: the reader's line shows it masked.
    pub(super) fn technician_card(&mut self, card: &onevisit_idcard::card::Card) {
        use onevisit_domain::mask;
        let at = self.local_time().format("%H:%M:%S");
        self.tech.seen.card = Some(format!(
            "{} {} read at {at}",
            mask::name(&card.name),
            mask::id_number(&card.id_number)
        ));
        self.changed();
    }

    /// A passport or permit read while technician mode is open: the MRZ reader's line.
    pub(super) fn technician_mrz(&mut self, m: &onevisit_mrz::Mrz) {
        self.tech.seen.mrz = Some((format!("{:?}", m.format), m.checks_valid));
        self.changed();
    }

    fn read_boot_file(&mut self) {
        let path = self.tech.boot_file.clone();
        let line = crate::config::KioskConfig::load(&path)
            .map_err(|e| format!("{e:#}"))
            .and_then(|c| {
                c.central
                    .and_then(|c| c.enrollment_qr)
                    .ok_or_else(|| format!("{}: no [central] enrollment_qr", path.display()))
            });
        match line {
            Ok(l) => self.scanned(&l),
            Err(e) => {
                self.tech.message = Some(Said::bad(format!("未能读取：{e}"), e));
            }
        }
    }

    fn enroll(&mut self) {
        let (Some(p), Some(data)) = (self.tech.payload.clone(), self.tech.data.clone()) else {
            return;
        };
        if self.tech.busy() {
            return;
        }
        let site = self.tech.site_setting.clone();
        let now = self.now();
        self.tech.message = Some(Said::good("正在开通…", "enrolling…"));
        self.tech.start(move || {
            Done::Enrolled(
                crate::runtime::enroll(&data, &p, site.as_deref(), now)
                    .map_err(|e| format!("{e:#}")),
            )
        });
    }

    fn print_ticket(&mut self) {
        if self.tech.busy() {
            return;
        }
        let lines = self.technician_checklist();
        let at = self.local_time().format("%Y-%m-%d %H:%M").to_string();
        let doc = crate::selftest::ticket(&self.site, &at, &lines);
        let model = onevisit_printer::encode::Model {
            qr: onevisit_printer::QrMode::Native,
        };
        let rx = self
            .receipt
            .printer
            .print(onevisit_printer::encode::encode_segments(&doc, model));
        self.tech.job = Some({
            let (tx, out) = channel();
            std::thread::spawn(move || {
                let r = rx
                    .recv()
                    .unwrap_or_else(|_| Err("the printer did not answer".into()));
                let _ = tx.send(Done::Ticket(r));
            });
            out
        });
    }

    fn sync_now(&mut self) {
        self.tech.message = Some(match &self.tech.sync_wake {
            Some(w) => {
                w.notify_one();
                Said::good(
                    "已请求立即同步：见上方“上次联系”",
                    "sync asked for now: see “last contact” above",
                )
            }
            None => Said::bad(
                "同步未运行：本机尚未开通（见“开通”）",
                "sync is not running: this kiosk is not enrolled (see Provisioning)",
            ),
        });
    }

    /// A file name's timestamp, from the app's clock.
    fn stamp(&self) -> String {
        self.local_time().format("%Y%m%d-%H%M%S").to_string()
    }

    fn export_usb(&mut self) {
        let Some(data) = self.tech.data.clone() else {
            return;
        };
        if self.tech.busy() {
            return;
        }
        let (usb, now, stamp) = (self.tech.usb_dir.clone(), self.now(), self.stamp());
        let progress = self.tech.progress.clone();
        progress.store(0, Ordering::Relaxed);
        self.tech.message = Some(Said::good("正在导出…", "exporting…"));
        self.tech
            .start(move || Done::Exported(usb::export(&data, &usb, now, &stamp, &progress)));
    }

    fn diagnostics(&mut self) {
        if self.tech.busy() {
            return;
        }
        let checklist = self.technician_checklist();
        let facts = self.all_facts();
        let (usb, data, stamp) = (
            self.tech.usb_dir.clone(),
            self.tech.data.clone(),
            self.stamp(),
        );
        self.tech.start(move || {
            Done::Diagnostics(usb::diagnostics(
                &usb,
                data.as_deref(),
                &stamp,
                &checklist,
                &facts,
            ))
        });
    }

    fn install_update(&mut self) {
        if self.tech.busy() {
            return;
        }
        let bundle = match usb::bundle(&self.tech.usb_dir) {
            Ok(b) => b,
            Err(e) => {
                self.tech.message = Some(Said::bad(format!("未找到更新包：{e}"), e));
                return;
            }
        };
        let progress = self.tech.progress.clone();
        progress.store(0, Ordering::Relaxed);
        self.tech.message = Some(Said::good(
            format!("正在安装 {}…", bundle.display()),
            format!("installing {}…", bundle.display()),
        ));
        self.tech
            .start(move || Done::Installed(usb::install(&bundle, progress)));
    }

    /// The app has no privileges: it asks for the reboot by leaving a file in its folder,
    /// which `onevisit-reboot.path` on the kiosk image acts on.
    fn reboot(&mut self) {
        let asked = self
            .tech
            .data
            .as_ref()
            .map(|d| std::fs::write(d.join("reboot-request"), b"technician\n"));
        self.tech.message = Some(match asked {
            Some(Ok(())) => Said::good(
                "正在重启…（若一分钟后仍未重启：请关闭电源再打开）",
                "rebooting… (if nothing happens within a minute, switch the kiosk off and on)",
            ),
            _ => Said::bad(
                "无法请求重启：请关闭电源再打开",
                "could not ask for a reboot: switch the kiosk off and on",
            ),
        });
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
                self.tech.connection = c;
                self.tech.message = Some(if ok {
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

/// The first QR code in a camera frame whose text is an enrollment line.
fn find_qr(frame: &onevisit_capture::Gray) -> Option<String> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        frame.data.get(y * w + x).copied().unwrap_or(255)
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .find(|t| t.starts_with(onevisit_sync::enroll::PREFIX))
}
