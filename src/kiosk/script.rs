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

/// `ONEVISIT_BENCH=typing`: keystroke → candidates on screen, and stroke → candidates on
/// screen, through the app, the view and a full software-rendered frame (`take_snapshot`
/// renders the whole window, more than the partial redraw a real keystroke costs).
pub fn typing(app: &std::rc::Rc<std::cell::RefCell<App>>, win: &crate::ui::AppWindow) {
    use std::time::Instant;
    for n in 0..8 {
        step(&mut app.borrow_mut(), n);
    }
    // (app + view, and the same plus a full frame), in ms.
    let updated = std::cell::RefCell::new(Vec::new());
    let shown = |f: &mut dyn FnMut(&mut App)| {
        let t = Instant::now();
        f(&mut app.borrow_mut());
        super::view::show(&app.borrow(), win, app.borrow().now());
        updated
            .borrow_mut()
            .push(t.elapsed().as_secs_f64() * 1000.0);
        let _ = slint::ComponentHandle::window(win).take_snapshot();
        t.elapsed().as_secs_f64() * 1000.0
    };
    let last_update = || updated.borrow().last().copied().unwrap_or(0.0);
    let report = |what: &str, mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        println!(
            "{what}: n {} p50 {:.1} ms p99 {:.1} ms max {:.1} ms",
            v.len(),
            at(0.5),
            at(0.99),
            v[v.len() - 1]
        );
    };
    let (mut keys, mut key_updates) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        for word in ["kaifandian", "renminlu", "wangjiamianguan", "chengguanzhen"] {
            shown(&mut |a| a.send("field", "shop_name"));
            for c in word.chars() {
                keys.push(shown(&mut |a| a.send("key", &c.to_string())));
                key_updates.push(last_update());
            }
            shown(&mut |a| a.send("candidate", "0"));
        }
    }
    report("keystroke-to-candidates (engine + view)", key_updates);
    report("keystroke-to-candidates-shown (+ full frame)", keys);
    let zhong = [
        "78 98;79 130;80 160;80 196",
        "78 96;150 97;222 98;221 150;220 196",
        "80 192;150 191;220 190",
        "150 35;150 120;151 200;151 272",
    ];
    let (mut strokes, mut stroke_updates) = (Vec::new(), Vec::new());
    shown(&mut |a| a.send("key", "⇄handwriting"));
    // The first stroke opens the model (once per citizen): reported on its own.
    let first = shown(&mut |a| a.send("stroke", zhong[0]));
    println!("first-stroke-opens-model-ms {first:.1}");
    shown(&mut |a| a.send("pad", "clear"));
    for _ in 0..10 {
        for s in zhong {
            strokes.push(shown(&mut |a| a.send("stroke", s)));
            stroke_updates.push(last_update());
        }
        shown(&mut |a| a.send("pad", "clear"));
    }
    report("stroke-to-candidates (engine + view)", stroke_updates);
    report("stroke-to-candidates-shown (+ full frame)", strokes);
    println!("pss-after-typing-kb {}", super::pss_kb());
}
