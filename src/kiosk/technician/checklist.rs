//! Technician mode's self-test checklist: the probes run on a thread, the service ticket, and
//! what the devices show while it is open (the camera's picture and verdict, a card or a
//! passport read, a code scanned).

use std::sync::mpsc::channel;

use onevisit_domain::technician::Mode;

use super::super::app::App;
use super::Done;
use super::enroll::find_qr;
use crate::selftest::{Check, State};

/// What a camera frame showed.
pub(super) enum Look {
    /// The enrollment line of a QR code in it, if any.
    Qr(Option<String>),
    /// The capture's verdict on the page under the camera.
    Verdict(String),
}

/// The network line: a link with an address, as NetworkManager reports it.
fn network_check(snapshot: &Result<crate::network::Snapshot, crate::network::NetError>) -> Check {
    use crate::network::LinkState;
    match snapshot {
        Err(e) => Check::new("network", State::Fail, e.to_string()),
        Ok(s) => {
            let up: Vec<String> = s
                .links
                .iter()
                .filter(|l| l.state == LinkState::Connected)
                .map(|l| match &l.address {
                    Some(a) => format!("{} {a}", l.iface),
                    None => l.iface.clone(),
                })
                .collect();
            if up.is_empty() {
                Check::new(
                    "network",
                    State::Fail,
                    "no link is connected: plug in the cable, or join a Wi-Fi network (Network)",
                )
            } else {
                Check::new(
                    "network",
                    State::Pass,
                    format!("connected: {}", up.join(", ")),
                )
            }
        }
    }
}

/// The clock line, from the central system's answer (its time is the reference: the kiosk
/// has no NTP of its own).
fn clock_check(central: &Check) -> Check {
    let d = &central.detail;
    match central.state {
        State::Pass if d.contains("clock within") => Check::new(
            "clock",
            State::Pass,
            d.split("; ").last().unwrap_or_default().to_owned() + " of the central system's",
        ),
        State::Fail if d.contains("clock is") => Check::new("clock", State::Fail, d.clone()),
        _ => Check::new(
            "clock",
            State::Waiting,
            "not checked: it is compared with the central system's time once that answers",
        ),
    }
}

impl App {
    /// The probes that do not need the screen: storage, the network, the central system
    /// and the clock against its time, the speaker (device lines are the live ones, see
    /// `view::technician`).
    pub(super) fn run_checks(&mut self) {
        if self.tech.busy() {
            return;
        }
        let data = self.tech.data.clone();
        let net = self.tech.network.clone();
        self.tech.probes.clear();
        self.tech.start(move || {
            let mut checks = vec![crate::selftest::speaker()];
            let snapshot = super::wifi::with_net(&net, |n| n.snapshot());
            checks.push(network_check(&snapshot));
            if let Some(d) = data {
                checks.push(crate::selftest::storage(&d));
                let central = crate::selftest::central(&d);
                checks.push(clock_check(&central));
                checks.push(central);
            }
            Done::Checks(checks)
        });
    }

    pub(super) fn print_ticket(&mut self) {
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

    /// The camera in technician mode: its live picture on screen (the self-test and
    /// provisioning sections), a frame proves it works, and the page under it gets the
    /// capture's verdict (the checklist); in provisioning, a new frame is searched for the
    /// county's QR code (at most once a second). Both on a thread: a 12 MP frame takes a while.
    pub(super) fn look_at_camera(
        &mut self,
        now: i64,
        section: onevisit_domain::technician::Section,
    ) {
        use onevisit_domain::technician::Section;
        if !matches!(section, Section::Checklist | Section::Provision) {
            return;
        }
        let wanted = self.tech.looking.is_none()
            && match section {
                Section::Checklist => self.tech.seen.camera.is_none(),
                _ => self.tech.payload.is_none(),
            };
        let due = wanted && now - self.tech.last_qr_look >= 1000;
        if due {
            // A simulated camera shows its next sample page when asked; a real one streams.
            self.scanner.frames.advance();
        }
        if self.scanner.pull() {
            self.changed();
        }
        if !due || self.scanner.taken == self.tech.looked_at {
            return;
        }
        let Some(frame) = self.scanner.frame().cloned() else {
            return;
        };
        self.tech.looked_at = self.scanner.taken;
        self.tech.last_qr_look = now;
        if self.tech.seen.camera_frame.is_none() {
            self.tech.seen.camera_frame = Some((frame.width, frame.height));
            self.changed();
        }
        let (tx, rx) = channel();
        let spawned = std::thread::Builder::new()
            .name("camera-look".into())
            .spawn(move || {
                let _ = tx.send(if section == Section::Provision {
                    Look::Qr(find_qr(&frame))
                } else {
                    Look::Verdict(crate::selftest::camera_verdict(&frame))
                });
            });
        if spawned.is_ok() {
            self.tech.looking = Some(rx);
        }
    }

    pub(super) fn looked(&mut self, look: Look) {
        match look {
            Look::Qr(Some(text)) => self.scanned(&text),
            Look::Qr(None) => {}
            Look::Verdict(v) => {
                self.tech.seen.camera = Some(v);
                self.changed();
            }
        }
    }

    /// An ID card read while technician mode is open: the reader's line shows it masked,
    /// with how long the read took (a reader whose reads grow slow is failing).
    pub(in crate::kiosk) fn technician_card(&mut self, read: &onevisit_idcard::reader::CardRead) {
        use onevisit_domain::mask;
        let at = self.local_time().format("%H:%M:%S");
        self.tech.seen.card = Some(format!(
            "{} {} read in {} ms at {at}",
            mask::name(&read.card.name),
            mask::id_number(&read.card.id_number),
            read.took_ms
        ));
        self.changed();
    }

    /// A passport or permit read while technician mode is open: the MRZ reader's line.
    pub(in crate::kiosk) fn technician_mrz(&mut self, m: &onevisit_mrz::Mrz) {
        self.tech.seen.mrz = Some((format!("{:?}", m.format), m.checks_valid));
        self.changed();
    }

    /// Codes from the QR scanner: in technician mode, an enrollment code; anything else is
    /// shown as read (the scanner's line of the checklist), and outside technician mode
    /// nothing (a citizen's code means nothing to the kiosk yet).
    pub(super) fn poll_scanner(&mut self) {
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
}
