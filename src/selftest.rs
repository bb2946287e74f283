//! The kiosk's self-test: one checklist, each line pass, fail or not fitted, with a reason a
//! technician can act on. `onevisit selftest` prints it; technician mode will show the same
//! lines. Every probe is bounded in time: an unplugged device is a failed line, never a hang.
//!
//! No line shows personal data: the sample card's name and number are masked as everywhere.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::{DevicePlan, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Pass,
    Fail,
    /// Not part of this kiosk (not in its settings), or checked elsewhere (on the screen).
    NotFitted,
    /// Technician mode only: fitted, not tested yet (the technician has a step to do).
    Waiting,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    /// False only for a failed line: a device that is not fitted fails nothing.
    pub ok: bool,
    pub state: State,
    pub detail: String,
}

impl Check {
    pub fn new(name: &'static str, state: State, detail: impl Into<String>) -> Check {
        Check {
            name,
            ok: state != State::Fail,
            state,
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// Every fitted device passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// How long a device may take to answer before its line fails.
const WAIT: Duration = Duration::from_secs(10);

/// Runs every check of the kiosk whose devices `plan` names and whose data is in `data`.
pub fn run(plan: &DevicePlan, data: &Path, simulate: bool) -> Report {
    let checks = vec![
        card_reader(&plan.idcard),
        mrz_reader(&plan.mrz),
        camera(&plan.camera),
        printer(&plan.printer, data),
        gpio(&plan.gpio, simulate),
        speaker(),
        Check::new(
            "touch",
            State::NotFitted,
            "checked on the screen: technician mode's tap targets",
        ),
        Check::new(
            "display",
            State::NotFitted,
            "checked on the screen: technician mode shows its mode and size",
        ),
        storage(data),
        central(data),
    ];
    Report { checks }
}

fn not_configured(name: &'static str, setting: &str) -> Check {
    Check::new(
        name,
        State::NotFitted,
        format!("not in this kiosk's settings ({setting}); --simulate tests a simulator"),
    )
}

/// Polls `f` until it gives an answer or [`WAIT`] passes.
fn within<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The ID-card reader: its security module answers; in simulation a sample card is read
/// through the real protocol and shown masked.
fn card_reader(source: &Source) -> Check {
    const NAME: &str = "card_reader";
    if *source == Source::Missing {
        return not_configured(NAME, "devices.idcard");
    }
    let mut devices = match crate::devices::Devices::start(source.clone()) {
        Ok(d) => d,
        Err(e) => return Check::new(NAME, State::Fail, format!("cannot start: {e:#}")),
    };
    let ready = within(|| {
        devices.poll();
        devices.view().ok.then_some(())
    });
    if ready.is_none() {
        return Check::new(
            NAME,
            State::Fail,
            format!(
                "no answer from the reader: {} (check its cable and power)",
                devices.view().status
            ),
        );
    }
    if *source != Source::Simulated {
        return Check::new(
            NAME,
            State::Pass,
            "the reader's security module answers; place a card on it in technician mode to read one",
        );
    }
    let started = Instant::now();
    devices.place_sample_card();
    match within(|| {
        devices.poll();
        devices.take_cards().pop()
    }) {
        Some(read) => Check::new(
            NAME,
            State::Pass,
            format!(
                "read {} {} in {} ms (the reader's exchange {} ms)",
                onevisit_domain::mask::name(&read.card.name),
                onevisit_domain::mask::id_number(&read.card.id_number),
                started.elapsed().as_millis(),
                read.took_ms
            ),
        ),
        None => Check::new(NAME, State::Fail, "the sample card was not read"),
    }
}

/// The passport reader: its port opens; in simulation a sample permit is presented on the
/// simulator's pseudo-terminal and read through the real driver and decoder.
fn mrz_reader(source: &Source) -> Check {
    const NAME: &str = "mrz_reader";
    let (port, mut sim) = match source {
        Source::Missing => return not_configured(NAME, "devices.mrz"),
        Source::Real(port) => (port.clone(), None),
        Source::Simulated => match onevisit_serial::sim::MrzSim::start(None) {
            Ok(sim) => (sim.path().to_string_lossy().into_owned(), Some(sim)),
            Err(e) => return Check::new(NAME, State::Fail, format!("the simulator: {e}")),
        },
    };
    let driver = onevisit_serial::line::spawn_mrz(
        onevisit_serial::pump::PortConfig::new(port.clone(), 9600),
        200,
        crate::runtime::today,
    );
    let opened = link_opens(NAME, &port, &driver.events);
    let Some(sim) = sim.as_mut().filter(|_| opened.ok) else {
        return opened;
    };
    let started = Instant::now();
    if let Err(e) = sim.present(&[&onevisit_mrz::cs_line("C12345678", "300101", "900215")]) {
        return Check::new(NAME, State::Fail, format!("the simulator: {e}"));
    }
    use onevisit_serial::line::MrzEvent;
    use onevisit_serial::pump::Output;
    match within(|| match driver.events.try_recv() {
        Ok(Output::Device(MrzEvent::Document(doc))) => Some(doc),
        _ => None,
    }) {
        Some(Ok(m)) => Check::new(
            NAME,
            State::Pass,
            format!(
                "read a sample permit {} in {} ms, check digits {}",
                onevisit_domain::mask::id_number(&m.document_number),
                started.elapsed().as_millis(),
                if m.checks_valid { "valid" } else { "NOT valid" }
            ),
        ),
        Some(Err(e)) => Check::new(NAME, State::Fail, format!("the sample permit: {e}")),
        None => Check::new(NAME, State::Fail, "the sample permit was not read"),
    }
}

/// A serial device's port opened (a line device says nothing until something is read).
fn link_opens<E>(
    name: &'static str,
    port: &str,
    events: &std::sync::mpsc::Receiver<onevisit_serial::pump::Output<E>>,
) -> Check {
    use onevisit_serial::pump::{Link, Output};
    let mut last = String::from("no answer");
    let opened = within(|| match events.try_recv() {
        Ok(Output::Link(Link::Open)) => Some(()),
        Ok(Output::Link(Link::Closed { reason })) => {
            last = reason;
            None
        }
        _ => None,
    });
    match opened {
        Some(()) => Check::new(
            name,
            State::Pass,
            format!("{port} open; hold a document to it in technician mode to read one"),
        ),
        None => Check::new(
            name,
            State::Fail,
            format!("{port}: {last} (check the cable and the port in the settings)"),
        ),
    }
}

/// The document camera: one picture, straightened and judged.
fn camera(source: &Source) -> Check {
    use crate::kiosk::frames::Frames;
    const NAME: &str = "camera";
    let mut frames: Box<dyn Frames> = match source {
        Source::Missing => return not_configured(NAME, "devices.camera"),
        Source::Simulated => Box::new(crate::kiosk::frames::Simulated::new()),
        Source::Real(dev) => match crate::kiosk::frames::Real::start(dev) {
            Ok(f) => Box::new(f),
            Err(e) => return Check::new(NAME, State::Fail, format!("{dev}: {e:#}")),
        },
    };
    let Some(frame) = within(|| frames.latest()) else {
        return Check::new(
            NAME,
            State::Fail,
            "no picture from the camera (check its cable; is another program using it?)",
        );
    };
    Check::new(NAME, State::Pass, camera_verdict(&frame))
}

/// A camera picture's size and what the capture makes of the page under it (a picture proves
/// the camera; the verdict is for the technician to judge the light and focus).
pub(crate) fn camera_verdict(frame: &onevisit_capture::Gray) -> String {
    let page = onevisit_capture::process(
        frame,
        None,
        onevisit_capture::Mode::Text,
        &onevisit_capture::quality::Thresholds::default(),
    );
    let (_, verdict) = page.quality.advice();
    format!(
        "{}×{} picture; a page under it: {verdict}",
        frame.width, frame.height
    )
}

/// The receipt printer: online, with paper, cover closed.
fn printer(source: &Source, data: &Path) -> Check {
    const NAME: &str = "printer";
    let port = match source {
        Source::Missing => return not_configured(NAME, "devices.printer"),
        Source::Simulated => None,
        Source::Real(p) => Some(p.clone()),
    };
    let mut p = match crate::kiosk::printer::SerialPrinter::start(data, port) {
        Ok(p) => p,
        Err(e) => return Check::new(NAME, State::Fail, format!("cannot start: {e:#}")),
    };
    // The driver reports the printer's state once it has asked it.
    let answered = within(|| p.poll_status());
    match answered {
        Some(Ok(())) => Check::new(NAME, State::Pass, "online, paper in, cover closed"),
        Some(Err(problem)) => Check::new(NAME, State::Fail, problem),
        None => Check::new(
            NAME,
            State::Fail,
            match p.problem.as_str() {
                "" => "no answer from the printer (check its cable and power)".to_owned(),
                problem => format!("{problem} (check its cable and power)"),
            },
        ),
    }
}

/// The cabinet's signals: the profile opens, the LED cycles, the tamper switch reads.
fn gpio(source: &Source, simulate: bool) -> Check {
    const NAME: &str = "gpio";
    if *source == Source::Missing {
        return not_configured(NAME, "devices.gpio");
    }
    match crate::runtime::start_cabinet(source, simulate) {
        Ok((Some(driver), _)) => {
            use onevisit_gpio::driver::Command;
            for p in [
                onevisit_gpio::Pattern::Attention,
                onevisit_gpio::Pattern::Busy,
                onevisit_gpio::Pattern::Idle,
            ] {
                let _ = driver.commands.send(Command::SetPattern(p));
                std::thread::sleep(Duration::from_millis(300));
            }
            Check::new(
                NAME,
                State::Pass,
                format!(
                    "LED cycled; cabinet {}; presence sensor and relays in technician mode",
                    driver.tamper_state()
                ),
            )
        }
        Ok((None, _)) => not_configured(NAME, "devices.gpio"),
        Err(e) => Check::new(NAME, State::Fail, format!("{e:#}")),
    }
}

/// Read-aloud needs espeak-ng with its Mandarin voice.
pub(crate) fn speaker() -> Check {
    match crate::kiosk::speech::espeak_version() {
        Some(v) => Check::new(
            "speaker",
            State::Pass,
            format!("{v}; hear it in technician mode"),
        ),
        None => Check::new(
            "speaker",
            State::Fail,
            "espeak-ng is not installed: elderly mode cannot read screens aloud (install espeak-ng)",
        ),
    }
}

/// Free space for new cases, and the case store's integrity.
pub(crate) fn storage(data: &Path) -> Check {
    const NAME: &str = "storage";
    let free = crate::runtime::free_bytes(data).map(|b| b / (1024 * 1024));
    let store = match onevisit_store::Store::open(data) {
        Ok(s) => s,
        Err(e) => return Check::new(NAME, State::Fail, e.to_string()),
    };
    match (store.check(), free) {
        (Err(e), _) => Check::new(NAME, State::Fail, e.to_string()),
        (Ok(_), Some(mb)) if mb < 64 => Check::new(
            NAME,
            State::Fail,
            format!(
                "only {mb} MB free in {}: free space or deliver the queue",
                data.display()
            ),
        ),
        (Ok(n), free) => Check::new(
            NAME,
            State::Pass,
            format!(
                "store intact ({n} cases); {} MB free",
                free.map_or("?".into(), |f| f.to_string())
            ),
        ),
    }
}

/// The central system over the pinned link, and this kiosk's clock against its.
pub(crate) fn central(data: &Path) -> Check {
    const NAME: &str = "central";
    let Ok((id, _)) = onevisit_sync::driver::Identity::load(data) else {
        return Check::new(
            NAME,
            State::NotFitted,
            "not provisioned: enroll with `onevisit provision --qr` or in technician mode",
        );
    };
    let checked = crate::runtime::network_runtime().and_then(|rt| {
        rt.block_on(async {
            tokio::time::timeout(
                WAIT,
                onevisit_sync::driver::check_central(&id, crate::runtime::now_ms),
            )
            .await
        })
        .map_err(|_| anyhow::anyhow!("no answer in {} s", WAIT.as_secs()))
        .and_then(|r| r.map_err(anyhow::Error::from))
    });
    match checked {
        Err(e) => Check::new(
            NAME,
            State::Fail,
            format!(
                "{}: {e:#} (check the network in technician mode)",
                id.central
            ),
        ),
        Ok(c) => match c.clock_off_ms {
            Some(off) if off.abs() > onevisit_sync::proto::MAX_CLOCK_SKEW_MS => Check::new(
                NAME,
                State::Fail,
                format!(
                    "reachable, but this kiosk's clock is {} s off the central system's: set the clock",
                    off / 1000
                ),
            ),
            off => Check::new(
                NAME,
                State::Pass,
                format!(
                    "{} answers in {} ms{}",
                    id.central,
                    c.latency_ms,
                    off.map(|o| format!("; clock within {} s", o.abs() / 1000))
                        .unwrap_or_default()
                ),
            ),
        },
    }
}

/// Technician mode's "test connection": the name resolves, TLS with the pinned certificate,
/// and the clock against the central system's. Each line says what to do when it fails.
pub(crate) fn connection(data: &Path) -> Vec<Check> {
    let Ok((id, _)) = onevisit_sync::driver::Identity::load(data) else {
        return vec![Check::new(
            "central",
            State::NotFitted,
            "not provisioned: enroll first (Provisioning)",
        )];
    };
    let endpoint = match id.endpoint() {
        Ok(e) => e,
        Err(e) => return vec![Check::new("central", State::Fail, e.to_string())],
    };
    use std::net::ToSocketAddrs;
    let dns = match (endpoint.host.as_str(), endpoint.port).to_socket_addrs() {
        Ok(mut a) => match a.next() {
            Some(addr) => Check::new(
                "dns",
                State::Pass,
                format!("{} → {}", endpoint.host, addr.ip()),
            ),
            None => Check::new("dns", State::Fail, format!("{}: no address", endpoint.host)),
        },
        Err(e) => Check::new(
            "dns",
            State::Fail,
            format!(
                "{}: {e} (check the network cable, Wi-Fi or the modem's signal)",
                endpoint.host
            ),
        ),
    };
    if !dns.ok {
        return vec![dns];
    }
    let central = central(data);
    let tls = Check::new(
        "tls",
        central.state,
        if central.ok {
            "the central system's certificate matches the pin taken at enrollment".to_owned()
        } else {
            central.detail.clone()
        },
    );
    vec![
        dns,
        tls,
        Check {
            name: "clock",
            ..central
        },
    ]
}

/// The service ticket: the checklist on paper, for the site's log book.
pub(crate) fn ticket(site: &str, at: &str, checks: &[Check]) -> onevisit_printer::Doc {
    use onevisit_printer::{Align, Doc, Element, PaperWidth};
    let mut elements = vec![
        Element::Text {
            text: "设备自检服务单".into(),
            width: 2,
            height: 2,
            bold: true,
            align: Align::Center,
        },
        Element::text(format!("{site}  {at}")),
        Element::text(format!("OneVisit {}", crate::runtime::VERSION)),
        Element::Rule,
    ];
    for c in checks {
        let state = match c.state {
            State::Pass => "通过 pass",
            State::Fail => "未通过 FAIL",
            State::NotFitted => "未配置 n/a",
            State::Waiting => "未测 not tested",
        };
        elements.push(Element::text(format!("{}: {state}", c.name)));
        if !c.detail.is_empty() {
            elements.push(Element::text(format!("  {}", c.detail)));
        }
    }
    elements.extend([
        Element::Rule,
        Element::text("技术人员签字 Technician:"),
        Element::Feed(3),
        Element::Cut,
    ]);
    Doc {
        paper: PaperWidth::Mm80,
        elements,
    }
}
