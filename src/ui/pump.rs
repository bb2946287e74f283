//! The kiosk's loop: every 250 ms on the UI thread, it takes what the device threads
//! reported (cards, passports, the printer), lets time pass in the app, feeds the watchdog,
//! and redraws when something a citizen could see changed. It never waits.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::health::{Heartbeat, show_reader};
use crate::devices::Devices;
use crate::kiosk::app::App;
use crate::kiosk::printer::SerialPrinter;
use crate::kiosk::view;
use crate::kiosk::window::{AppWindow, Kiosk};

pub(super) struct Pump {
    pub devices: Rc<RefCell<Devices>>,
    pub app: Rc<RefCell<App>>,
    pub printer: Option<Rc<RefCell<SerialPrinter>>>,
    pub mrz: Option<onevisit_serial::pump::Driver<onevisit_serial::line::MrzEvent>>,
    pub heartbeat: Heartbeat,
    /// The retention limits, when nothing else applies them (sync off).
    pub purge: Option<onevisit_store::Retention>,
    pub last_purge: Option<i64>,
    /// What was last drawn: the app's version and the countdown's second.
    pub last_shown: Option<(u64, Option<u32>, i32)>,
    /// systemd's watchdog is fed from this loop and nowhere else: a frozen UI is restarted.
    pub service: crate::kiosk::service::Notifier,
}

impl Pump {
    /// Runs the loop on `window`'s event loop while the returned timer lives.
    pub fn start(mut self, window: &AppWindow) -> slint::Timer {
        let timer = slint::Timer::default();
        let weak = window.as_weak();
        timer.start(
            slint::TimerMode::Repeated,
            Duration::from_millis(250),
            move || {
                // The first tick comes after the event loop drew the first screen.
                self.service.tick(std::time::Instant::now());
                if let Some(w) = weak.upgrade() {
                    self.tick(&w);
                }
            },
        );
        timer
    }

    fn tick(&mut self, w: &AppWindow) {
        let k = w.global::<Kiosk>();
        if let Some(view) = self.devices.borrow_mut().poll() {
            show_reader(&k, &view);
            self.heartbeat.reader(&view);
            self.app.borrow_mut().tech.seen.reader =
                (!view.missing).then(|| (view.ok, view.status.clone()));
        }
        self.heartbeat.input(&self.app.borrow().editor.input);
        self.heartbeat.tamper(self.app.borrow().tamper_state());
        self.heartbeat
            .help(self.app.borrow().session.staff_called());
        self.heartbeat.technician(&self.app.borrow());
        self.purge_if_due();
        self.poll_printer(&k);
        for card in self.devices.borrow_mut().take_cards() {
            self.app.borrow_mut().card(&card);
        }
        self.poll_mrz();
        self.app.borrow_mut().tick();
        // Re-show only when something a citizen could see changed: the app's version, or a
        // second of the idle countdown.
        let app = self.app.borrow();
        let shown = (
            app.version(),
            app.session.countdown(app.now()),
            view::idle_seconds(&app, app.now()),
        );
        if self.last_shown != Some(shown) {
            self.last_shown = Some(shown);
            view::show(&app, w, app.now());
        }
    }

    /// The printer's problems (paper out, cover open) as a banner for the technician.
    fn poll_printer(&self, k: &Kiosk<'_>) {
        if let Some(p) = &self.printer
            && p.borrow_mut().poll()
        {
            let problem = p.borrow().problem.clone();
            self.app.borrow_mut().tech.seen.printer = Some(problem.clone());
            // Both languages: the attract screen picks the citizen's.
            let (zh, en) = problem.split_once(" · ").unwrap_or((&problem, &problem));
            k.set_banner(if problem.is_empty() {
                "".into()
            } else {
                format!("{zh}，回执将以二维码显示在屏幕上").into()
            });
            k.set_banner_en(if problem.is_empty() {
                "".into()
            } else {
                format!("{en}: receipts will be shown as a QR code on screen").into()
            });
        }
    }

    fn poll_mrz(&self) {
        let Some(m) = &self.mrz else { return };
        while let Ok(onevisit_serial::pump::Output::Device(
            onevisit_serial::line::MrzEvent::Document(doc),
        )) = m.events.try_recv()
        {
            match doc {
                Ok(doc) => self.app.borrow_mut().mrz_read(&doc),
                Err(e) => tracing::warn!("MRZ: {e}"),
            }
        }
    }

    /// Applies the retention limits hourly when sync (which otherwise does it) is off.
    fn purge_if_due(&mut self) {
        let Some(limits) = &self.purge else { return };
        let app = self.app.borrow();
        let now = app.now();
        if self.last_purge.is_some_and(|t| now - t < 60 * 60 * 1000) {
            return;
        }
        self.last_purge = Some(now);
        app.cases.purge(now, limits);
    }
}
