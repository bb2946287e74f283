//! The heartbeat the central system sees (devices, input engines, tamper switch), and the
//! reader's state on screen.

use std::sync::{Arc, Mutex};

use onevisit_sync::driver::Health;

use crate::devices::ReaderView;
use crate::kiosk::window::Kiosk;

/// The sync driver's health record, when sync runs.
pub(super) struct Heartbeat(pub Option<Arc<Mutex<Health>>>);

impl Heartbeat {
    fn with(&self, f: impl FnOnce(&mut Health)) {
        if let Some(h) = &self.0
            && let Ok(mut h) = h.lock()
        {
            f(&mut h);
        }
    }

    /// Devices the settings do not name.
    pub fn missing(&self, names: &[&str]) {
        self.with(|h| {
            for name in names {
                h.devices.insert((*name).into(), "missing".into());
            }
        });
    }

    /// The ID-card reader's state.
    pub fn reader(&self, view: &ReaderView) {
        let state = if view.ok {
            "ok".to_owned()
        } else if view.missing {
            "missing".to_owned()
        } else {
            format!("error: {}", view.status)
        };
        self.with(|h| {
            h.devices.insert("reader".into(), state);
        });
    }

    /// The input engines' state, for the county's technicians.
    pub fn input(&self, input: &crate::input::Input) {
        self.with(|h| {
            for (name, state) in input.health() {
                h.devices.insert(name.into(), state);
            }
        });
    }

    /// Technician mode for the county: the last audited action, wrong PINs in a row, and the
    /// last self-test's verdict (the audit log itself stays on the kiosk).
    pub fn technician(&self, app: &crate::kiosk::app::App) {
        let t = &app.tech;
        let Some(last) = t.audited.last() else {
            return;
        };
        let mut state = format!("{} at {}", last.what, last.at);
        if t.core.failures() > 0 {
            state.push_str(&format!("; {} wrong PINs in a row", t.core.failures()));
        }
        let selftest = (!t.probes.is_empty()).then(|| {
            let failed: Vec<&str> = app
                .technician_checklist()
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.name)
                .collect();
            if failed.is_empty() {
                "pass".to_owned()
            } else {
                format!("fail: {}", failed.join(", "))
            }
        });
        self.with(|h| {
            h.devices.insert("technician".into(), state);
            if let Some(s) = selftest {
                h.devices.insert("selftest".into(), s);
            }
        });
    }

    /// A citizen waiting for staff since this time, or nobody.
    pub fn help(&self, since: Option<i64>) {
        self.with(|h| h.help_requested_at = since);
    }

    pub fn tamper(&self, state: &str) {
        self.with(|h| {
            if h.tamper.as_deref() != Some(state) {
                h.tamper = Some(state.to_owned());
            }
        });
    }
}

pub(super) fn show_reader(kiosk: &Kiosk<'_>, view: &ReaderView) {
    kiosk.set_reader_ok(view.ok);
    kiosk.set_reader_status(view.status_zh.as_str().into());
    kiosk.set_reader_status_en(view.status_en.as_str().into());
    kiosk.set_card_notice(view.card_notice.as_str().into());
    kiosk.set_card_notice_en(view.card_notice_en.as_str().into());
}
