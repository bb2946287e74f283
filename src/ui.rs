//! The kiosk window. For now: the theme chooser with each theme's before/after figures,
//! computed by the engine from the catalog, and the card reader's status.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, Result};
use onevisit_domain::stats::stats;

use crate::catalog_dir;
use crate::devices::{Devices, ReaderView};

slint::include_modules!();

fn figure(before: u32, after: u32) -> Figure {
    let clamp = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    Figure {
        before: clamp(before),
        after: clamp(after),
    }
}

pub fn run(catalog_flag: &Option<PathBuf>, data_flag: &Option<PathBuf>) -> Result<ExitCode> {
    // Sync runs beside the UI on its own thread; it stops when this returns.
    let sync = crate::commands::sync::background(data_flag);
    let health = sync.as_ref().map(|s| s.health.clone());
    let dir = catalog_dir::resolve(catalog_flag);
    let (catalog, _calendar) = catalog_dir::load(&dir)?;
    let table = stats(&catalog)?;
    // Chinese first; ONEVISIT_LANG=en switches to English.
    let lang = std::env::var("ONEVISIT_LANG").unwrap_or_else(|_| "zh_CN".into());
    let english = lang == "en";
    let pick = |t: &onevisit_domain::Text| -> slint::SharedString {
        if english {
            t.en.as_str().into()
        } else {
            t.zh.as_str().into()
        }
    };

    let cards: Vec<ThemeCard> = table
        .themes
        .iter()
        .filter_map(|row| {
            let theme = catalog.theme(&row.theme)?;
            Some(ThemeCard {
                id: theme.id.as_str().into(),
                name: pick(&theme.name),
                summary: pick(&theme.summary),
                category: pick(&theme.category),
                departments: figure(row.before.windows, row.after.windows).before,
                steps: figure(row.before.steps, row.after.steps),
                materials: figure(row.before.materials, row.after.materials),
                days: figure(row.before.days, row.after.days),
            })
        })
        .collect();

    let window = AppWindow::new().context(
        "cannot open the kiosk window: is a display available? (DISPLAY for the desktop build, \
         /dev/dri for the kiosk build)",
    )?;
    // After the window exists: Slint binds bundled translations to components.
    if !english {
        slint::select_bundled_translation(&lang)
            .with_context(|| format!("no bundled UI translation for {lang}"))?;
    }

    let kiosk = window.global::<Kiosk>();
    kiosk.set_site_name("样例县政务服务中心 · 自助服务".into());
    kiosk.set_themes(Rc::new(slint::VecModel::from(cards)).into());
    kiosk.on_theme_chosen(|id| tracing::info!(theme = %id, "theme chosen"));

    let devices = Rc::new(RefCell::new(
        Devices::start().context("starting the devices")?,
    ));
    kiosk.set_simulation(devices.borrow().simulated());
    show_reader(&kiosk, &devices.borrow().view());
    report_health(&health, &devices.borrow().view());
    let d = devices.clone();
    kiosk.on_simulation_key(move |key| d.borrow_mut().simulation_key(&key));
    // Device events arrive on driver threads; the UI picks them up here, never waiting.
    let timer = slint::Timer::default();
    let weak = window.as_weak();
    let d = devices.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(100),
        move || {
            if let (Some(w), Some(view)) = (weak.upgrade(), d.borrow_mut().poll()) {
                show_reader(&w.global::<Kiosk>(), &view);
                report_health(&health, &view);
            }
        },
    );
    window.run().context("running the kiosk window")?;
    drop(sync);
    Ok(ExitCode::SUCCESS)
}

/// The reader's state, for the heartbeat the central system sees.
fn report_health(
    health: &Option<std::sync::Arc<std::sync::Mutex<onevisit_sync::driver::Health>>>,
    view: &ReaderView,
) {
    if let Some(h) = health
        && let Ok(mut h) = h.lock()
    {
        let state = if view.ok {
            "ok".to_owned()
        } else {
            format!("error: {}", view.status)
        };
        h.devices.insert("reader".into(), state);
    }
}

fn show_reader(kiosk: &Kiosk<'_>, view: &ReaderView) {
    kiosk.set_reader_ok(view.ok);
    kiosk.set_reader_status(view.status.as_str().into());
    kiosk.set_card_notice(view.card_notice.as_str().into());
}
