//! A scripted citizen for benchmarks (`ONEVISIT_BENCH=journey`): the restaurant journey, one
//! step per call, through the same app calls the screen makes.

use super::app::App;
use super::screenshots::sample_person;

/// Performs step `n`; false when the journey is over.
pub fn step(app: &mut App, n: usize) -> bool {
    // What the citizen taps per field: keys, candidates ("#0": the first), words ("=…").
    let fields: [(&str, &[&str]); 8] = [
        (
            "phone",
            &["1", "3", "8", "0", "0", "1", "3", "8", "0", "0", "0"],
        ),
        (
            "shop_name",
            &["k", "a", "i", "f", "a", "n", "d", "i", "a", "n", "#0"],
        ),
        (
            "business_address",
            &[
                "r",
                "e",
                "n",
                "m",
                "i",
                "n",
                "l",
                "u",
                "#0",
                "⇄digits",
                "8",
                "⇄pinyin",
                "h",
                "a",
                "o",
                "#0",
            ],
        ),
        ("business_scope", &["=热食类食品制售"]),
        ("capital", &["5", "0", "0", "0", "0"]),
        ("employees", &["3"]),
        ("floor_area", &["8", "0"]),
        ("sign_size", &["⇄latin", "3", "x", "0", ".", "8"]),
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
            let (k, taps) = fields[n - 8];
            app.send("field", k);
            for t in taps {
                if let Some(i) = t.strip_prefix('#') {
                    app.send("candidate", i);
                } else if let Some(w) = t.strip_prefix('=') {
                    app.send("word", w);
                } else {
                    app.send("key", t);
                }
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
