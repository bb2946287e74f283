//! The kiosk window: the citizen's journey (`kiosk::app` + the pure session), the devices,
//! the store and background sync, on one UI thread that never waits for any of them.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, Result};
use slint::ComponentHandle;

use crate::catalog_dir;
use crate::config::Source;
use crate::devices::{Devices, ReaderView};
use crate::kiosk::app::{App, Printer};
use crate::kiosk::contract::UiEvent;
use crate::kiosk::printer::SerialPrinter;
use crate::kiosk::view;
use crate::kiosk::window::{AppWindow, Kiosk, SimulationKey, make_app, select_language, wire};

struct SharedPrinter(Rc<RefCell<SerialPrinter>>);

impl Printer for SharedPrinter {
    fn print(&mut self, job: Vec<Vec<u8>>) -> std::sync::mpsc::Receiver<Result<(), String>> {
        self.0.borrow_mut().print(job)
    }
}

/// Below this much free space a case (with its scans) may not fit: stop taking them.
const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

/// What the technician must hear about the data folder: the store did not open, or the disk
/// is (nearly) full. None when all is well.
fn storage_notice(data: &std::path::Path, store_open: bool) -> Option<String> {
    let free = free_bytes(data);
    if store_open && free.is_none_or(|f| f >= MIN_FREE_BYTES) {
        return None;
    }
    // A folder that is not there at all: on a cabinet, the data partition did not unlock, and
    // what the technician must do is different (nothing on it can be exported).
    if !data.is_dir() {
        return Some(format!(
            "数据分区不可用（数据文件夹不存在，数据分区未能解锁）：请技术人员查看系统日志，按维修说明重写存储卡并重新注册本机 · Data partition unusable (the data folder {} is missing: the partition did not unlock): see the journal, then write the card again and enroll the kiosk again (image README, repair)",
            data.display()
        ));
    }
    let why = match free {
        Some(f) if f < MIN_FREE_BYTES => format!("仅剩 {} MB 空间", f / (1024 * 1024)),
        _ => "无法打开案件库".into(),
    };
    let why_en = match free {
        Some(f) if f < MIN_FREE_BYTES => format!("only {} MB free", f / (1024 * 1024)),
        _ => "the case store cannot be opened".into(),
    };
    Some(format!(
        "数据分区不可用（{why}）：请技术人员导出已提交的案件后清理或更换存储卡 · Data partition unusable ({why_en}) at {}: export queued cases, then free space or replace the card",
        data.display()
    ))
}

fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid C string and `st` a properly sized out-parameter.
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Deploys the pinyin dictionaries on a thread if setup or provisioning has not: the attract
/// screen shows meanwhile, and pinyin is offered once they are ready (handwriting until then).
fn deploy_dictionaries_if_needed(data: &Path) {
    let dirs = crate::input::rime_dirs(data);
    if dirs.is_deployed() {
        return;
    }
    tracing::warn!(
        "pinyin dictionaries not deployed in {}: deploying now (run `onevisit input deploy` at provisioning)",
        dirs.user.display()
    );
    let spawned = std::thread::Builder::new()
        .name("rime-deploy".into())
        .spawn(move || match onevisit_ime::rime::deploy(&dirs) {
            Ok(d) => tracing::info!("pinyin dictionaries deployed in {}", d.dir.display()),
            Err(e) => tracing::warn!("pinyin input unavailable: {e}"),
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot deploy the pinyin dictionaries: {e}");
    }
}

/// The cabinet's signals from the plan: the profile's backend, the simulated pins (whose
/// handle lets F8 open and close the simulated cabinet), or none.
fn start_cabinet(
    source: &Source,
    simulate: bool,
) -> Result<(
    Option<onevisit_gpio::driver::GpioDriver>,
    Option<onevisit_gpio::backend::SimBackend>,
)> {
    Ok(match source {
        Source::Real(name) => {
            let profile = crate::runtime::cabinet_profile(name)?;
            if profile.backend == onevisit_gpio::profile::BackendKind::Simulated && !simulate {
                anyhow::bail!(
                    "devices.gpio = {name:?} is a simulated profile: a kiosk for citizens needs its cabinet's profile (rpi4-cabinet, rpi5-cabinet, x86-pc or a file); simulation is `onevisit run --simulate`"
                );
            }
            let backend = onevisit_gpio::backend::open(&profile)
                .with_context(|| format!("opening the cabinet signals ({name})"))?;
            (Some(onevisit_gpio::driver::spawn(&profile, backend)), None)
        }
        Source::Simulated => {
            let profile = onevisit_gpio::Profile::builtin("simulated")
                .context("the built-in simulated GPIO profile")?;
            let pins = onevisit_gpio::backend::SimBackend::new();
            let driver = onevisit_gpio::driver::spawn(&profile, Box::new(pins.clone()));
            (Some(driver), Some(pins))
        }
        Source::Missing => (None, None),
    })
}

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
    deploy_dictionaries_if_needed(&data);
    // A settings file that cannot be read must not leave a blank cabinet: the kiosk starts
    // with defaults (no devices, so no citizen can begin) and says on screen what to fix.
    let mut config_problem = None;
    let config_path = config;
    let config = match config {
        Some(p) => crate::config::KioskConfig::load(p).unwrap_or_else(|e| {
            tracing::error!("{e:#}");
            config_problem = Some(crate::config::KioskConfig::problem_notice(p, &e));
            crate::config::KioskConfig::default()
        }),
        None => crate::config::KioskConfig::default(),
    };
    // Production never simulates: a device without a port is missing unless --simulate.
    let plan = config.device_plan(simulate, |k| std::env::var(k).ok());
    let missing = plan.missing();
    if simulate {
        tracing::warn!("SIMULATED DEVICES (--simulate): not for citizens");
    }
    for (_, _, en, setting) in &missing {
        tracing::error!(
            "{en} not configured: set {setting} in the kiosk settings (or run with --simulate for a demonstration)"
        );
    }
    let retention = config.retention.limits();
    // Sync runs beside the UI on its own thread; it stops when this returns.
    let sync = crate::runtime::background(&data, retention);
    let health = sync.as_ref().map(|s| s.health.clone());
    if let Some(h) = &health
        && let Ok(mut h) = h.lock()
    {
        for (name, ..) in &missing {
            h.devices.insert((*name).into(), "missing".into());
        }
    }
    let mut app = make_app(&catalog_folder, &data)?;
    app.simulated = simulate;
    app.setup_problem = match config_problem {
        Some(notice) => notice,
        None => plan.missing_notice(
            &config_path.map_or("kiosk.toml (--config)".into(), crate::config::file_name),
        ),
    };
    if let Some(notice) = storage_notice(&data, app.cases.available()) {
        tracing::error!("{notice}");
        app.setup_problem = notice;
    }
    app.cabinet.technician_pin = config.technician_pin.clone().unwrap_or_default();
    if let Some(site) = &config.site {
        app.site = site.clone();
    }
    if let Some(idle) = config.idle_seconds {
        app.set_idle_seconds(idle);
    }
    app.scanner.frames = match &plan.camera {
        Source::Real(dev) => Box::new(
            crate::kiosk::frames::Real::start(dev)
                .with_context(|| format!("opening the document camera {dev}"))?,
        ),
        Source::Simulated => Box::new(crate::kiosk::frames::Simulated::new()),
        Source::Missing => Box::new(crate::kiosk::frames::Missing),
    };
    let mrz = match &plan.mrz {
        Source::Real(port) => Some(onevisit_serial::line::spawn_mrz(
            onevisit_serial::pump::PortConfig::new(port.clone(), 9600),
            200,
            crate::runtime::today,
        )),
        // Simulated: "use passport" reads a sample permit (app.simulated).
        Source::Simulated | Source::Missing => None,
    };
    let (cabinet, sim_pins) = start_cabinet(&plan.gpio, simulate)?;
    app.cabinet.driver = cabinet;
    app.speech = crate::kiosk::speech::engine();
    // A printer that cannot start (the simulator without its font, say) costs the receipts,
    // not the kiosk: the citizen gets the case number and QR code on screen instead.
    let printer = match &plan.printer {
        Source::Real(port) => Some(SerialPrinter::start(&data, Some(port.clone()))),
        Source::Simulated => Some(SerialPrinter::start(&data, None)),
        Source::Missing => None,
    }
    .and_then(|started| match started {
        Ok(p) => Some(Rc::new(RefCell::new(p))),
        Err(e) => {
            tracing::error!("receipt printer disabled: {e:#}");
            let notice = format!(
                "回执打印不可用：{e}（请技术人员检查打印机与字体） · Receipt printing disabled: {e}"
            );
            app.setup_problem = if app.setup_problem.is_empty() {
                notice
            } else {
                format!("{} / {notice}", app.setup_problem)
            };
            None
        }
    });
    if let Some(p) = &printer {
        app.receipt.printer = Box::new(SharedPrinter(p.clone()));
    }
    // Without sync (not provisioned) nothing else applies the retention limits.
    let purge_here = sync.is_none();
    if std::env::var("ONEVISIT_LANG").is_ok_and(|l| l == "en") {
        app.send(UiEvent::ToggleLanguage);
    }

    let window = AppWindow::new().context(
        "cannot open the kiosk window: is a display available? (DISPLAY for the desktop build, \
         /dev/dri for the kiosk build)",
    )?;
    let app = Rc::new(RefCell::new(app));
    select_language(&app.borrow());

    let devices = Rc::new(RefCell::new(
        Devices::start(plan.idcard.clone()).context("starting the devices")?,
    ));
    let kiosk = window.global::<Kiosk>();
    show_reader(&kiosk, &devices.borrow().view());
    report_health(&health, &devices.borrow().view());
    view::show(&app.borrow(), &window, app.borrow().now());

    wire(&window, &app);
    let (d, a, p, w) = (
        devices.clone(),
        app.clone(),
        printer.clone(),
        window.as_weak(),
    );
    kiosk.on_simulation_key(move |key| {
        // Without --simulate the keys do nothing (the UI does not even send them).
        if !simulate {
            return;
        }
        tracing::debug!(?key, "simulation shortcut");
        match key {
            SimulationKey::PlaceCard => d.borrow_mut().place_sample_card(),
            SimulationKey::RemoveCard => d.borrow_mut().remove_card(),
            SimulationKey::UnplugReader => d.borrow_mut().toggle_reader_plug(),
            SimulationKey::NextPage => a.borrow_mut().next_frame(),
            SimulationKey::TogglePaper => {
                if let Some(p) = &p {
                    p.borrow().toggle_paper()
                }
            }
            SimulationKey::Presence => a.borrow_mut().send(UiEvent::Touch),
            SimulationKey::Tamper => {
                if let Some(pins) = &sim_pins {
                    let open = a.borrow().tamper_state().starts_with("open");
                    pins.set_input(onevisit_gpio::Input::Tamper, !open);
                }
            }
        }
        if let Some(w) = w.upgrade() {
            view::show(&a.borrow(), &w, a.borrow().now());
        }
    });
    // Device events arrive on driver threads; the UI picks them up here, never waiting.
    let timer = slint::Timer::default();
    let weak = window.as_weak();
    let (d, a, p) = (devices.clone(), app.clone(), printer.clone());
    let mut last_shown: Option<(u64, Option<u32>)> = None;
    let mut last_purge: Option<i64> = None;
    // systemd's watchdog is fed from this loop and nowhere else: a frozen UI is restarted.
    let mut service = crate::kiosk::service::Notifier::from_env();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(250),
        move || {
            // The first tick comes after the event loop drew the first screen.
            service.tick(std::time::Instant::now());
            let Some(w) = weak.upgrade() else { return };
            let k = w.global::<Kiosk>();
            if let Some(view) = d.borrow_mut().poll() {
                show_reader(&k, &view);
                report_health(&health, &view);
            }
            report_input_health(&health, &a.borrow().editor.input);
            report_tamper(&health, a.borrow().tamper_state());
            if purge_here {
                purge_if_due(&a.borrow(), &retention, &mut last_purge);
            }
            if let Some(p) = &p
                && p.borrow_mut().poll()
            {
                let problem = p.borrow().problem.clone();
                k.set_banner(if problem.is_empty() {
                    "".into()
                } else {
                    format!(
                        "{problem} —— 回执将以二维码显示在屏幕上 · receipts will be shown as a QR code on screen"
                    )
                    .into()
                });
            }
            for card in d.borrow_mut().take_cards() {
                a.borrow_mut().card(&card);
            }
            if let Some(m) = &mrz {
                while let Ok(onevisit_serial::pump::Output::Device(
                    onevisit_serial::line::MrzEvent::Document(doc),
                )) = m.events.try_recv()
                {
                    match doc {
                        Ok(doc) => a.borrow_mut().mrz_read(&doc),
                        Err(e) => tracing::warn!("MRZ: {e}"),
                    }
                }
            }
            a.borrow_mut().tick();
            // Re-show only when something a citizen could see changed: the app's version, or
            // a second of the idle countdown.
            let app = a.borrow();
            let shown = (app.version(), app.session.countdown(app.now()));
            if last_shown != Some(shown) {
                last_shown = Some(shown);
                view::show(&app, &w, app.now());
            }
        },
    );
    // Benchmarks: ONEVISIT_BENCH=first-frame prints the time from process start to the first
    // frame and exits; =journey also walks a scripted citizen through the restaurant journey.
    let bench = std::env::var("ONEVISIT_BENCH").ok();
    let bench_timer = slint::Timer::default();
    if let Some(mode) = bench.clone() {
        // The first frame: once the event loop runs, render it with the software renderer (the
        // same drawing the window presents) and report the time since `main` began.
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
            if mode == "first-frame" {
                let _ = slint::quit_event_loop();
            }
        });
        if bench.as_deref() == Some("typing") {
            let w = window.as_weak();
            let a = app.clone();
            slint::Timer::single_shot(Duration::from_millis(100), move || {
                if let Some(win) = w.upgrade() {
                    crate::kiosk::script::typing(&a, &win);
                }
                let _ = slint::quit_event_loop();
            });
        }
        if bench.as_deref() == Some("journey") {
            let w = window.as_weak();
            let (a, step) = (app.clone(), std::cell::Cell::new(0usize));
            let peak = std::cell::RefCell::new((0u64, Vec::new()));
            bench_timer.start(
                slint::TimerMode::Repeated,
                Duration::from_millis(60),
                move || {
                    let more = crate::kiosk::script::step(&mut a.borrow_mut(), step.get());
                    if std::env::var_os("ONEVISIT_BENCH_TRACE").is_some() {
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
        }
    }
    window.run().context("running the kiosk window")?;
    drop(sync);
    Ok(ExitCode::SUCCESS)
}

fn show_reader(kiosk: &Kiosk<'_>, view: &ReaderView) {
    kiosk.set_reader_ok(view.ok);
    kiosk.set_reader_status(view.status.as_str().into());
    kiosk.set_card_notice(view.card_notice.as_str().into());
}

/// The reader's state, for the heartbeat the central system sees.
/// The input engines' state goes into the heartbeat, for the county's technicians.
fn report_input_health(
    health: &Option<std::sync::Arc<std::sync::Mutex<onevisit_sync::driver::Health>>>,
    input: &crate::input::Input,
) {
    if let Some(h) = health
        && let Ok(mut h) = h.lock()
    {
        for (name, state) in input.health() {
            h.devices.insert(name.into(), state);
        }
    }
}

fn report_tamper(
    health: &Option<std::sync::Arc<std::sync::Mutex<onevisit_sync::driver::Health>>>,
    state: &str,
) {
    if let Some(h) = health
        && let Ok(mut h) = h.lock()
        && h.tamper.as_deref() != Some(state)
    {
        h.tamper = Some(state.to_owned());
    }
}

/// Applies the retention limits hourly when sync (which otherwise does it) is off.
fn purge_if_due(app: &App, limits: &onevisit_store::Retention, last: &mut Option<i64>) {
    let now = app.now();
    if last.is_some_and(|t| now - t < 60 * 60 * 1000) {
        return;
    }
    *last = Some(now);
    app.cases.purge(now, limits);
}

fn report_health(
    health: &Option<std::sync::Arc<std::sync::Mutex<onevisit_sync::driver::Health>>>,
    view: &ReaderView,
) {
    if let Some(h) = health
        && let Ok(mut h) = h.lock()
    {
        let state = if view.ok {
            "ok".to_owned()
        } else if view.missing {
            "missing".to_owned()
        } else {
            format!("error: {}", view.status)
        };
        h.devices.insert("reader".into(), state);
    }
}

#[cfg(test)]
mod tests {
    use super::storage_notice;

    #[test]
    fn a_missing_data_folder_is_told_apart_from_a_store_that_does_not_open() {
        let dir = std::env::temp_dir().join(format!("onevisit-notice-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        let missing = dir.join("app");
        let said = storage_notice(&missing, false).expect("a notice");
        assert!(
            said.starts_with("数据分区不可用") && said.contains("未能解锁"),
            "{said}"
        );
        let said = storage_notice(&dir, false).expect("a notice");
        assert!(said.contains("无法打开案件库"), "{said}");
        assert_eq!(storage_notice(&dir, true), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
