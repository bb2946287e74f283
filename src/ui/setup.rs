//! Starting the kiosk: its settings, and the devices they name (camera, passport reader,
//! cabinet signals, receipt printer), each real, simulated or missing.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::{Context, Result};

use crate::config::{DevicePlan, KioskConfig, Source};
use crate::devices::Devices;
use crate::kiosk::app::{App, Printer};
use crate::kiosk::contract::UiEvent;
use crate::kiosk::printer::SerialPrinter;
use crate::kiosk::view;
use crate::kiosk::window::{AppWindow, Kiosk, SimulationKey};
use slint::ComponentHandle;

/// The kiosk's settings, and the devices they (and `--simulate`) give it.
pub(super) struct Settings {
    pub config: KioskConfig,
    /// What to fix in a settings file that could not be read (the kiosk runs on defaults).
    problem: Option<String>,
    path: Option<PathBuf>,
    pub plan: DevicePlan,
    simulate: bool,
}

impl Settings {
    pub fn load(path: Option<&Path>, simulate: bool) -> Settings {
        // A settings file that cannot be read must not leave a blank cabinet: the kiosk starts
        // with defaults (no devices, so no citizen can begin) and says on screen what to fix.
        let mut problem = None;
        let config = match path {
            Some(p) => KioskConfig::load(p).unwrap_or_else(|e| {
                tracing::error!("{e:#}");
                problem = Some(KioskConfig::problem_notice(p, &e));
                KioskConfig::default()
            }),
            None => KioskConfig::default(),
        };
        // Production never simulates: a device without a port is missing unless --simulate.
        let plan = config.device_plan(simulate, |k| std::env::var(k).ok());
        if simulate {
            tracing::warn!("SIMULATED DEVICES (--simulate): not for citizens");
        }
        for (_, _, en, setting) in &plan.missing() {
            tracing::error!(
                "{en} not configured: set {setting} in the kiosk settings (or run with --simulate for a demonstration)"
            );
        }
        Settings {
            config,
            problem,
            path: path.map(Path::to_owned),
            plan,
            simulate,
        }
    }

    /// The app as these settings make it: site, idle time, PIN, and what the technician must
    /// hear first (a settings file to fix, devices missing, the data folder).
    pub fn apply(&self, app: &mut App, data: &Path) {
        app.simulated = self.simulate;
        app.setup_problem = match &self.problem {
            Some(notice) => notice.clone(),
            None => self.plan.missing_notice(
                &self
                    .path
                    .as_deref()
                    .map_or("kiosk.toml (--config)".into(), crate::config::file_name),
            ),
        };
        if let Some(notice) = storage_notice(data, app.cases.available()) {
            tracing::error!("{notice}");
            app.setup_problem = notice;
        }
        app.tech.configure(
            self.config.technician_pin.as_deref().unwrap_or_default(),
            onevisit_domain::technician::Policy {
                wipe_keys_on_tamper: self.config.tamper_wipes_keys.unwrap_or(false),
            },
        );
        app.tech.data = Some(data.to_owned());
        if let Some(p) = &self.path {
            app.tech.boot_file = p.clone();
        }
        if let Some(u) = &self.config.usb_dir {
            app.tech.usb_dir = u.clone();
        }
        app.tech.site_setting = self.config.site.clone();
        if let Some(site) = &self.config.site {
            app.site = site.clone();
        }
        if let Some(idle) = self.config.idle_seconds {
            app.set_idle_seconds(idle);
        }
        if std::env::var("ONEVISIT_LANG").is_ok_and(|l| l == "en") {
            app.send(UiEvent::ToggleLanguage);
        }
    }
}

/// The devices the app does not own, kept by the kiosk's loop.
pub(super) struct Started {
    pub mrz: Option<onevisit_serial::pump::Driver<onevisit_serial::line::MrzEvent>>,
    /// The simulated cabinet's pins (F8 opens and closes it).
    pub sim_pins: Option<onevisit_gpio::backend::SimBackend>,
    pub printer: Option<Rc<RefCell<SerialPrinter>>>,
}

/// Starts the camera, passport reader, cabinet signals and printer of the plan, and gives
/// the app its parts of them.
pub(super) fn start_devices(
    app: &mut App,
    plan: &DevicePlan,
    scanner: Option<&str>,
    data: &Path,
    simulate: bool,
) -> Result<Started> {
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
    // The QR scanner is an accessory (technician mode's enrollment codes): real or absent.
    app.tech.scanner = scanner.map(|port| {
        onevisit_serial::line::spawn_scanner(
            onevisit_serial::pump::PortConfig::new(port.to_owned(), 9600),
            onevisit_scanner::Splitter::new(b"", 100, true),
        )
    });
    // The network: NetworkManager on the system bus (the image ships it), or a simulated
    // one with the simulated devices.
    if !simulate {
        app.tech.network = std::sync::Arc::new(std::sync::Mutex::new(Box::new(
            crate::network::nm::NetworkManager::new(),
        )));
    }
    let (cabinet, sim_pins) = crate::runtime::start_cabinet(&plan.gpio, simulate)?;
    app.cabinet.driver = cabinet;
    app.speech = crate::kiosk::speech::engine();
    // A printer that cannot start (the simulator without its font, say) costs the receipts,
    // not the kiosk: the citizen gets the case number and QR code on screen instead.
    let printer = match &plan.printer {
        Source::Real(port) => Some(SerialPrinter::start(data, Some(port.clone()))),
        Source::Simulated => Some(SerialPrinter::start(data, None)),
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
        app.tech.seen.printer = Some(p.borrow().problem.clone());
    }
    app.tech.plan = Some(plan.clone());
    Ok(Started {
        mrz,
        sim_pins,
        printer,
    })
}

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
    let free = crate::runtime::free_bytes(data);
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

/// Deploys the pinyin dictionaries on a thread if setup or provisioning has not: the attract
/// screen shows meanwhile, and pinyin is offered once they are ready (handwriting until then).
pub(super) fn deploy_dictionaries_if_needed(data: &Path) {
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

/// The simulation shortcuts (F2 card, F5 next page, F8 cabinet…; `--simulate` only).
pub(super) fn simulation_keys(
    window: &AppWindow,
    devices: &Rc<RefCell<Devices>>,
    app: &Rc<RefCell<App>>,
    started: &Started,
    simulate: bool,
) {
    let kiosk = window.global::<Kiosk>();
    let (d, a, p, w) = (
        devices.clone(),
        app.clone(),
        started.printer.clone(),
        window.as_weak(),
    );
    let sim_pins = started.sim_pins.clone();
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
