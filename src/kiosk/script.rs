//! A scripted citizen for benchmarks (`ONEVISIT_BENCH=journey`): the restaurant journey, one
//! step per call, through the same app calls the screen makes.

use super::app::App;
use super::contract::{Layout, Pad, UiEvent};
use super::screenshots::sample_person;

/// A layout key of the scripted taps ("⇄digits").
fn layout_named(name: &str) -> Layout {
    match name {
        "pinyin" => Layout::Pinyin,
        "handwriting" => Layout::Handwriting,
        "digits" => Layout::Digits,
        _ => Layout::Latin,
    }
}

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
        0 => app.send(UiEvent::Start),
        1 => app.send(UiEvent::Theme("open-restaurant".into())),
        2 => app.send(UiEvent::Answer("no".into())),
        3 => app.send(UiEvent::Answer("rented".into())),
        4 => app.send(UiEvent::Answer("yes".into())),
        5 => app.send(UiEvent::Answer("no".into())),
        6 => app.send(UiEvent::Next),
        7 => app.person_read(sample_person()),
        8..=15 => {
            let (k, taps) = fields[n - 8];
            app.send(UiEvent::Field(k.into()));
            for t in taps {
                if let Some(i) = t.strip_prefix('#').and_then(|i| i.parse().ok()) {
                    app.send(UiEvent::Candidate(i));
                } else if let Some(layout) = t.strip_prefix('⇄') {
                    app.send(UiEvent::SwitchLayout(layout_named(layout)));
                } else if let Some(w) = t.strip_prefix('=') {
                    app.send(UiEvent::Word(w.into()));
                } else {
                    app.send(UiEvent::Key((*t).into()));
                }
            }
            app.send(UiEvent::Field("".into()));
        }
        16 => app.send(UiEvent::Next),
        17..=60 => {
            if let onevisit_domain::session::Screen::Scan(_) = app.session.screen() {
                app.send(UiEvent::Capture);
                app.settle();
                app.send(UiEvent::MaterialDone);
            }
        }
        61 => app.send(UiEvent::Next),
        62 => app.send(UiEvent::Signed("M 10 10 L 200 80 L 300 20".into())),
        63 => {
            app.send(UiEvent::Submit);
            app.settle();
        }
        64..=70 => app.tick(),
        71 => app.send(UiEvent::Next),
        72 => app.send(UiEvent::Rate(5)),
        73 => app.send(UiEvent::FinishRating),
        _ => return false,
    }
    true
}

/// `ONEVISIT_BENCH=typing`: keystroke → candidates on screen, and stroke → candidates on
/// screen, through the app, the view and a full software-rendered frame (`take_snapshot`
/// renders the whole window, more than the partial redraw a real keystroke costs).
pub fn typing(app: &std::rc::Rc<std::cell::RefCell<App>>, win: &crate::kiosk::window::AppWindow) {
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
            shown(&mut |a| a.send(UiEvent::Field("shop_name".into())));
            for c in word.chars() {
                keys.push(shown(&mut |a| {
                    a.send(UiEvent::Key(String::from(&c.to_string())))
                }));
                key_updates.push(last_update());
            }
            shown(&mut |a| a.send(UiEvent::Candidate(0)));
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
    shown(&mut |a| a.send(UiEvent::SwitchLayout(Layout::Handwriting)));
    // The first stroke opens the model (once per citizen): reported on its own.
    let first = shown(&mut |a| a.send(UiEvent::Stroke(zhong[0].into())));
    println!("first-stroke-opens-model-ms {first:.1}");
    shown(&mut |a| a.send(UiEvent::Pad(Pad::Clear)));
    for _ in 0..10 {
        for s in zhong {
            strokes.push(shown(&mut |a| a.send(UiEvent::Stroke(s.into()))));
            stroke_updates.push(last_update());
        }
        shown(&mut |a| a.send(UiEvent::Pad(Pad::Clear)));
    }
    report("stroke-to-candidates (engine + view)", stroke_updates);
    report("stroke-to-candidates-shown (+ full frame)", strokes);
    println!("pss-after-typing-kb {}", super::pss_kb());
}
