//! The kiosk run for citizens: the app (`kiosk`, around the pure session) in its window, the
//! devices, the store and background sync, on one UI thread that never waits for any of them.
//! `setup` starts what the settings name, `pump` is the loop, `health` the heartbeat, `bench`
//! the benchmarks' hooks.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::{Context, Result};
use slint::ComponentHandle;

use crate::catalog_dir;
use crate::devices::Devices;
use crate::kiosk::view;
use crate::kiosk::window::{AppWindow, Kiosk, make_app, select_language, wire};

mod bench;
mod health;
mod pump;
mod setup;

pub fn run(
    catalog_flag: &Option<PathBuf>,
    data_flag: &Option<PathBuf>,
    config: Option<&std::path::Path>,
    simulate: bool,
) -> Result<ExitCode> {
    crate::kiosk::tune_allocator();
    // The folders, resolved once: everything below takes them from here.
    let data = crate::runtime::data_dir(data_flag);
    let catalog_folder = catalog_dir::resolve(catalog_flag);
    // The county's words from the catalog go into the pinyin dictionary (deployed again when
    // they changed). The catalog is read here once more than `make_app` reads it, on purpose:
    // the deploy starts before anything slow, and a kiosk that then fails to open its window
    // exits at once instead of tearing librime down under a deploy in progress (it hung).
    if let Ok((catalog, _)) = catalog_dir::load(&catalog_folder) {
        crate::input::set_county(&crate::input::rime_dirs(&data), &catalog);
    }
    setup::deploy_dictionaries_if_needed(&data);
    let settings = setup::Settings::load(config, simulate);
    let retention = settings.config.retention.limits();
    // Sync runs beside the UI on its own thread; it stops when this returns.
    let sync = crate::runtime::background(&data, retention);
    let heartbeat = health::Heartbeat(sync.as_ref().map(|s| s.health.clone()));
    let missing: Vec<&str> = settings.plan.missing().iter().map(|m| m.0).collect();
    heartbeat.missing(&missing);
    let mut app = make_app(&catalog_folder, &data)?;
    settings.apply(&mut app, &data);
    let started = setup::start_devices(
        &mut app,
        &settings.plan,
        settings.config.devices.scanner.as_deref(),
        &data,
        simulate,
    )?;
    app.tech.sync = sync.as_ref().map(|s| s.status.clone());
    app.tech.sync_wake = sync.as_ref().map(|s| s.wake.clone());

    let window = AppWindow::new().context(
        "cannot open the kiosk window: is a display available? (DISPLAY for the desktop build, \
         /dev/dri for the kiosk build)",
    )?;
    let size = window.window().size();
    app.tech.display = (size.width, size.height);
    let app = Rc::new(RefCell::new(app));
    select_language(&app.borrow());
    let devices = Rc::new(RefCell::new(
        Devices::start(settings.plan.idcard.clone()).context("starting the devices")?,
    ));
    health::show_reader(&window.global::<Kiosk>(), &devices.borrow().view());
    heartbeat.reader(&devices.borrow().view());
    let first = devices.borrow().view();
    app.borrow_mut().tech.seen.reader = (!first.missing).then(|| (first.ok, first.status.clone()));
    view::show(&app.borrow(), &window, app.borrow().now());
    wire(&window, &app);
    setup::simulation_keys(&window, &devices, &app, &started, simulate);
    // Device events arrive on driver threads; the loop picks them up, never waiting.
    let _pump = pump::Pump {
        devices,
        app: app.clone(),
        printer: started.printer.clone(),
        mrz: started.mrz,
        heartbeat,
        // Without sync (not provisioned) nothing else applies the retention limits.
        purge: sync.is_none().then_some(retention),
        last_purge: None,
        last_shown: None,
        service: crate::kiosk::service::Notifier::from_env(),
    }
    .start(&window);
    let _bench = bench::start(&window, &app);
    window.run().context("running the kiosk window")?;
    drop(sync);
    Ok(ExitCode::SUCCESS)
}
