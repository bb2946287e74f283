//! What every screen shows: which page, the language and mode, the site, the notice, the
//! idle countdown, and the technician's banners (simulation, setup).

use super::super::app::App;
use super::super::contract::screen_to_ui;
use crate::kiosk::window::Kiosk;

pub(super) fn show(app: &App, k: &Kiosk<'_>, now: i64) {
    let s = &app.session;
    let en = app.english();
    k.set_screen(screen_to_ui(s.screen()));
    k.set_english(en);
    k.set_elderly(s.elderly());
    k.set_site_name(app.site.as_str().into());
    k.set_notice(
        s.notice()
            .as_ref()
            .map(|n| if en { n.en.clone() } else { n.zh.clone() })
            .unwrap_or_default()
            .into(),
    );
    k.set_countdown(s.countdown(now).map_or(0, |c| c.max(1) as i32));
    k.set_idle_seconds(idle_seconds(app, now));
    k.set_staff_called(s.staff_called().is_some());
    k.set_confirm_home(s.confirm_home());
    k.set_simulation(app.simulated);
    k.set_setup_problem(app.setup_problem.as_str().into());
}

/// Seconds before the idle warning, once fewer than 30 remain (0: not shown).
pub fn idle_seconds(app: &App, now: i64) -> i32 {
    match app.session.idle_left(now) {
        Some(ms) if ms <= 30_000 => (ms as f64 / 1000.0).ceil().max(1.0) as i32,
        _ => 0,
    }
}
