//! The benchmarks' hooks (`ONEVISIT_BENCH`, see scripts/bench-ui.sh): `first-frame` prints the
//! time from process start to the first frame and exits; `typing` measures keystrokes and
//! strokes to candidates; `journey` walks a scripted citizen through the restaurant journey,
//! with `ONEVISIT_BENCH_TRACE` printing the memory at each step.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use crate::kiosk::app::App;
use crate::kiosk::view;
use crate::kiosk::window::AppWindow;

/// Starts the benchmark the environment asks for; the returned timer must live as long as
/// the window runs.
pub(super) fn start(window: &AppWindow, app: &Rc<RefCell<App>>) -> Option<slint::Timer> {
    let mode = std::env::var("ONEVISIT_BENCH").ok()?;
    first_frame(window, mode == "first-frame");
    match mode.as_str() {
        "typing" => {
            let (w, a) = (window.as_weak(), app.clone());
            slint::Timer::single_shot(Duration::from_millis(100), move || {
                if let Some(win) = w.upgrade() {
                    crate::kiosk::script::typing(&a, &win);
                }
                let _ = slint::quit_event_loop();
            });
            None
        }
        "journey" => Some(journey(window, app)),
        _ => None,
    }
}

/// The first frame: once the event loop runs, render it with the software renderer (the
/// same drawing the window presents) and report the time since `main` began.
fn first_frame(window: &AppWindow, then_quit: bool) {
    let w = window.as_weak();
    slint::Timer::single_shot(Duration::ZERO, move || {
        if let Some(win) = w.upgrade() {
            let ok = win.window().take_snapshot().is_ok();
            println!(
                "first-frame-ms {:.1}{}",
                crate::since_start_ms(),
                if ok { "" } else { " (not rendered)" }
            );
        }
        if then_quit {
            let _ = slint::quit_event_loop();
        }
    });
}

/// The scripted citizen, a step every 60 ms, each step redrawn.
fn journey(window: &AppWindow, app: &Rc<RefCell<App>>) -> slint::Timer {
    let timer = slint::Timer::default();
    let w = window.as_weak();
    let (a, step) = (app.clone(), Cell::new(0usize));
    let trace = std::env::var_os("ONEVISIT_BENCH_TRACE").is_some();
    let peak = RefCell::new((0u64, Vec::new()));
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(60),
        move || {
            let more = crate::kiosk::script::step(&mut a.borrow_mut(), step.get());
            if trace {
                let pss = crate::kiosk::pss_kb();
                println!(
                    "step {} {:?} pss {} kB (largest anonymous mapping {} kB)",
                    step.get(),
                    a.borrow().session.screen(),
                    pss,
                    crate::kiosk::largest_anon_kb()
                );
                if pss > peak.borrow().0 {
                    *peak.borrow_mut() = (pss, crate::kiosk::pss_by_mapping());
                }
            }
            step.set(step.get() + 1);
            if let Some(win) = w.upgrade() {
                view::show(&a.borrow(), &win, a.borrow().now());
            }
            if !more {
                let (pss, mappings) = &*peak.borrow();
                for (name, kb) in mappings.iter().take(15) {
                    println!("peak-pss {kb} kB of {pss} kB: {name}");
                }
                println!("journey-steps {}", step.get());
                let _ = slint::quit_event_loop();
            }
        },
    );
    timer
}
