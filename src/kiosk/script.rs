//! A scripted citizen for benchmarks (`ONEVISIT_BENCH=journey`): the restaurant journey, one
//! step per call, through the same app calls the screen makes.

use super::app::App;
use super::screenshots::sample_person;

/// Performs step `n`; false when the journey is over.
pub fn step(app: &mut App, n: usize) -> bool {
    let fields = [
        ("phone", "13800138000"),
        ("shop_name", "ceshi xiaoguan"),
        ("business_address", "renmin lu 8"),
        ("business_scope", "rezhi shipin"),
        ("capital", "50000"),
        ("employees", "3"),
        ("floor_area", "80"),
        ("sign_size", "3x0.8"),
    ];
    match n {
        0 => app.send("start", ""),
        1 => app.send("theme", "open-restaurant"),
        2 => app.send("answer", "no"),
        3 => app.send("answer", "rented"),
        4 => app.send("answer", "yes"),
        5 => app.send("answer", "no"),
        6 => app.send("next", ""),
        7 => app.person_read(sample_person()),
        8..=15 => {
            let (k, v) = fields[n - 8];
            app.send("field", k);
            for c in v.chars() {
                app.send("key", &c.to_string());
            }
            app.send("field", "");
        }
        16 => app.send("next", ""),
        17..=60 => {
            if let onevisit_domain::session::Screen::Scan(_) = app.session.screen {
                app.send("capture", "");
                app.send("material-done", "");
            }
        }
        61 => app.send("signed", "M 10 10 L 200 80 L 300 20"),
        62 => app.send("next", ""),
        63 => app.send("submit", ""),
        64..=70 => app.tick(),
        71 => app.send("next", ""),
        72 => app.send("rate", "5"),
        73 => app.send("finish", ""),
        _ => return false,
    }
    true
}
