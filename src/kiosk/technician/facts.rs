//! What technician mode's sections show: the checklist's device lines (from the devices as
//! the kiosk runs them: a self-test must not open a port the kiosk holds), and each section's
//! facts, read when the section opens (not on every redraw).

use std::path::Path;

use onevisit_domain::technician::Section;

use super::super::app::App;
use crate::config::Source;
use crate::selftest::{Check, State};

/// One fact: its label (zh, en) and value (in English too, where it has words).
#[derive(Debug, Clone)]
pub struct Fact {
    pub zh: &'static str,
    pub en: &'static str,
    pub value: String,
    pub value_en: Option<String>,
}

impl Fact {
    pub fn new(zh: &'static str, en: &'static str, value: impl Into<String>) -> Fact {
        Fact {
            zh,
            en,
            value: value.into(),
            value_en: None,
        }
    }

    pub fn with_en(mut self, value: impl Into<String>) -> Fact {
        self.value_en = Some(value.into());
        self
    }

    /// The value in the kiosk's language.
    pub fn value(&self, en: bool) -> &str {
        match (&self.value_en, en) {
            (Some(v), true) => v,
            _ => &self.value,
        }
    }
}

fn fact(zh: &'static str, en: &'static str, value: impl Into<String>) -> Fact {
    Fact::new(zh, en, value)
}

/// What the devices themselves last said, kept for the checklist.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The ID-card reader: ok, and its status line.
    pub reader: Option<(bool, String)>,
    /// The printer's problem ("" when ready), when one is fitted.
    pub printer: Option<String>,
    /// A passport or permit read in technician mode (its format, checks valid).
    pub mrz: Option<(String, bool)>,
    /// The camera delivered a frame in technician mode (its size).
    pub camera_frame: Option<(u32, u32)>,
    /// …and the capture's verdict on the page under it.
    pub camera: Option<String>,
    /// The last code the QR scanner read in technician mode (its beginning).
    pub scan: Option<String>,
    /// A card read in technician mode: masked name and number, and when.
    pub card: Option<String>,
    /// The speaker test was played (the technician judges it by ear).
    pub spoke: bool,
    /// The LED test runs until then; then it has cycled.
    pub led_until: Option<i64>,
    pub led_cycled: bool,
    /// Someone stood in front of the presence sensor in technician mode.
    pub presence: bool,
    /// The reader's relay was switched off and on.
    pub power_cycled: bool,
}

impl App {
    /// The whole checklist: device lines as the kiosk sees them now, then the probes of the
    /// last "run self-test" (storage, central, clock, speaker), or lines waiting for it.
    pub fn technician_checklist(&self) -> Vec<Check> {
        let t = &self.tech;
        let plan = t.plan.as_ref();
        let src = |f: fn(&crate::config::DevicePlan) -> &Source| plan.map(f);
        let mut lines = vec![
            self.reader_line(src(|p| &p.idcard)),
            mrz_line(src(|p| &p.mrz), t.seen.mrz.as_ref()),
            scanner_line(t.scanner.is_some(), t.seen.scan.as_deref()),
            camera_line(
                src(|p| &p.camera),
                t.seen.camera_frame,
                t.seen.camera.as_deref(),
            ),
            printer_line(src(|p| &p.printer), t.seen.printer.as_deref()),
            self.gpio_line(),
            touch_line(&t.taps),
            display_line(t.display),
        ];
        if t.probes.is_empty() {
            for name in ["speaker", "network", "storage", "clock", "central"] {
                lines.push(Check::new(name, State::Waiting, "run the self-test"));
            }
        } else {
            lines.extend(t.probes.iter().cloned());
        }
        if t.seen.spoke
            && let Some(l) = lines.iter_mut().find(|l| l.name == "speaker" && l.ok)
        {
            l.detail.push_str("; a sentence was spoken: heard it?");
        }
        lines
    }

    fn reader_line(&self, source: Option<&Source>) -> Check {
        const NAME: &str = "card reader";
        match (source, &self.tech.seen.reader) {
            (Some(Source::Missing) | None, _) => {
                Check::new(NAME, State::NotFitted, "devices.idcard not set")
            }
            (_, Some((true, status))) => Check::new(
                NAME,
                State::Pass,
                match &self.tech.seen.card {
                    Some(card) => format!("{status}; {card}"),
                    None => format!("{status}; place a card: the screen shows it masked"),
                },
            ),
            (_, Some((false, status))) => Check::new(NAME, State::Fail, status.clone()),
            (_, None) => Check::new(NAME, State::Waiting, "no word from the reader yet"),
        }
    }

    fn gpio_line(&self) -> Check {
        match &self.cabinet.driver {
            Some(_) => {
                let seen = &self.tech.seen;
                let mark = |done: bool| if done { "✓" } else { "—" };
                Check::new(
                    "gpio",
                    State::Pass,
                    format!(
                        "door {}; LED cycled {}; presence sensed {}; reader power-cycled {}",
                        self.tamper_state(),
                        mark(seen.led_cycled),
                        mark(seen.presence),
                        mark(seen.power_cycled)
                    ),
                )
            }
            None => Check::new("gpio", State::NotFitted, "devices.gpio not set"),
        }
    }

    /// Reads the open section's facts (files, the store): called when a section opens and
    /// after its work, not on every redraw.
    pub(super) fn refresh_facts(&mut self) {
        let section = match self.tech.core.mode() {
            onevisit_domain::technician::Mode::Open(s) => *s,
            _ => return,
        };
        let data = self.tech.data.clone();
        self.tech.facts = match section {
            Section::Checklist => Vec::new(),
            Section::Provision => identity_facts(data.as_deref()),
            Section::Network => self.network_facts(),
            Section::Queue => self.queue_facts(),
            Section::Updates => update_facts(),
        };
    }

    /// Every section's facts, for the diagnostics bundle (English labels).
    pub(super) fn all_facts(&self) -> Vec<(String, String)> {
        let data = self.tech.data.clone();
        identity_facts(data.as_deref())
            .into_iter()
            .chain(self.network_facts())
            .chain(self.queue_facts())
            .chain(update_facts())
            .map(|f| (f.en.to_owned(), f.value(true).to_owned()))
            .collect()
    }

    fn queue_facts(&self) -> Vec<Fact> {
        let Some(store) = self.cases.store() else {
            return vec![fact("案件库", "case store", "unavailable (see the banner)")];
        };
        let list = match store.list() {
            Ok(l) => l,
            Err(e) => return vec![fact("案件库", "case store", e.to_string())],
        };
        drop(store);
        let waiting: Vec<_> = list
            .iter()
            .filter(|c| {
                matches!(
                    c.state,
                    onevisit_store::SyncState::Queued | onevisit_store::SyncState::Uploading
                )
            })
            .collect();
        let now = self.now();
        let oldest = waiting.iter().map(|c| c.created_at).min();
        let last_error = waiting.iter().find_map(|c| c.last_error.clone());
        let sync = self
            .tech
            .sync
            .as_ref()
            .and_then(|s| s.lock().ok().map(|s| s.clone()));
        let mut facts = vec![
            fact("待上传案件", "cases waiting", waiting.len().to_string()),
            fact(
                "最早一件",
                "oldest waiting",
                oldest.map_or("—".into(), |t| {
                    format!("{} min", (now - t).max(0) / 60_000)
                }),
            ),
            fact(
                "上次联系",
                "last contact",
                sync.as_ref()
                    .and_then(|s| s.last_contact)
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map_or("—".into(), |t| {
                        t.with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M")
                            .to_string()
                    }),
            ),
            fact(
                "上次错误",
                "last error",
                sync.and_then(|s| s.last_error)
                    .or(last_error)
                    .unwrap_or_else(|| "—".into()),
            ),
        ];
        // What went wrong lately (warnings and errors of this run), newest first.
        let recent = crate::recent::lines();
        facts.extend(
            recent
                .iter()
                .rev()
                .take(5)
                .map(|l| fact("近期事件", "recent event", l.clone())),
        );
        facts
    }
}

fn mrz_line(source: Option<&Source>, seen: Option<&(String, bool)>) -> Check {
    const NAME: &str = "mrz reader";
    match (source, seen) {
        (Some(Source::Missing) | None, _) => {
            Check::new(NAME, State::NotFitted, "devices.mrz not set")
        }
        (_, Some((format, true))) => Check::new(
            NAME,
            State::Pass,
            format!("read a {format}; check digits valid"),
        ),
        (_, Some((format, false))) => Check::new(
            NAME,
            State::Fail,
            format!("read a {format}, but its check digits are wrong: clean the window"),
        ),
        (_, None) => Check::new(
            NAME,
            State::Waiting,
            "hold a passport or permit on the reader",
        ),
    }
}

fn scanner_line(fitted: bool, seen: Option<&str>) -> Check {
    const NAME: &str = "qr scanner";
    match (fitted, seen) {
        (false, _) => Check::new(NAME, State::NotFitted, "devices.scanner not set"),
        (true, Some(text)) => Check::new(NAME, State::Pass, format!("read: {text}")),
        (true, None) => Check::new(NAME, State::Waiting, "scan any code: its text shows here"),
    }
}

fn camera_line(source: Option<&Source>, frame: Option<(u32, u32)>, verdict: Option<&str>) -> Check {
    const NAME: &str = "camera";
    match (source, frame, verdict) {
        (Some(Source::Missing) | None, _, _) => {
            Check::new(NAME, State::NotFitted, "devices.camera not set")
        }
        (_, _, Some(v)) => Check::new(NAME, State::Pass, v),
        (_, Some((w, h)), None) => {
            Check::new(NAME, State::Pass, format!("frames arrive ({w}×{h})"))
        }
        (_, None, None) => Check::new(
            NAME,
            State::Fail,
            "no frame from the camera: check its cable",
        ),
    }
}

fn printer_line(source: Option<&Source>, problem: Option<&str>) -> Check {
    const NAME: &str = "printer";
    match (source, problem) {
        (Some(Source::Missing) | None, _) => {
            Check::new(NAME, State::NotFitted, "devices.printer not set")
        }
        (_, Some("")) => Check::new(
            NAME,
            State::Pass,
            "ready; print the service ticket to see it",
        ),
        (_, Some(p)) => Check::new(NAME, State::Fail, p),
        (_, None) => Check::new(
            NAME,
            State::Fail,
            "the printer did not start (see the banner)",
        ),
    }
}

fn touch_line(taps: &[bool; 5]) -> Check {
    let hit = taps.iter().filter(|t| **t).count();
    if hit == taps.len() {
        Check::new("touch", State::Pass, "all five targets hit")
    } else {
        Check::new(
            "touch",
            State::Waiting,
            format!("{hit} of 5 targets hit: tap “Touch test”"),
        )
    }
}

fn display_line((w, h): (u32, u32)) -> Check {
    let mode = if h >= w { "portrait" } else { "landscape" };
    Check::new("display", State::Pass, format!("{w}×{h} {mode}"))
}

fn identity_facts(data: Option<&Path>) -> Vec<Fact> {
    let Some(data) = data else {
        return Vec::new();
    };
    match onevisit_sync::driver::Identity::load(data) {
        Ok((id, _)) => vec![
            fact("状态", "state", "已开通 enrolled"),
            fact("站点", "site", id.site),
            fact("设备编号", "device", id.device_id),
            fact("中心系统", "central", id.central),
            fact("证书指纹", "certificate", short(&id.fingerprint)),
        ],
        Err(_) => vec![fact("状态", "state", "未开通 not enrolled")],
    }
}

fn short(s: &str) -> String {
    let head: String = s.chars().take(16).collect();
    format!("{head}…")
}

/// The network interfaces as the kernel sees them (when NetworkManager does not answer).
pub(super) fn kernel_interfaces() -> Vec<Fact> {
    let mut facts = Vec::new();
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return facts;
    };
    let mut names: Vec<String> = dir
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "lo")
        .collect();
    names.sort();
    for n in names {
        let state = std::fs::read_to_string(format!("/sys/class/net/{n}/operstate"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|_| "?".into());
        let kind = if Path::new(&format!("/sys/class/net/{n}/wireless")).exists() {
            "Wi-Fi"
        } else if n.starts_with("ww") {
            "4G"
        } else {
            "Ethernet"
        };
        facts.push(fact(
            "网络接口",
            "interface",
            format!("{n} ({kind}): {state}"),
        ));
    }
    facts
}

fn update_facts() -> Vec<Fact> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let slot = cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rauc.slot="))
        .unwrap_or("— (not the kiosk image)")
        .to_owned();
    vec![
        fact("版本", "version", crate::runtime::VERSION),
        fact("运行槽位", "booted slot", slot),
    ]
}
