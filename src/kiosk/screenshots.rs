//! `onevisit screenshots --out DIR`: every screen, in Chinese, English and elderly mode, with
//! sample data (a synthetic person, simulated camera pages), rendered headlessly by the
//! software renderer to PNG. The same app, session and view code as the kiosk; only the
//! window is off screen.

use std::path::Path;
use std::rc::Rc;

use anyhow::{Context, Result};
use onevisit_domain::session::{IdSource, Person, Screen};
use slint::ComponentHandle;

use super::contract::{Layout, UiEvent};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};

use super::app::{App, Printer};
use super::view;
use crate::kiosk::window::AppWindow;

struct Headless(Rc<MinimalSoftwareWindow>);

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

/// A printer that prints at once (the preview is what the kiosk would print).
struct Instant;

impl Printer for Instant {
    fn print(&mut self, _job: Vec<Vec<u8>>) -> std::sync::mpsc::Receiver<Result<(), String>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = tx.send(Ok(()));
        rx
    }
}

pub fn sample_person() -> Person {
    // The worked example of GB 11643: a synthetic number with a valid check digit.
    Person {
        name: "张测试".into(),
        id_number: "11010519491231002X".into(),
        sex: Some("女".into()),
        nation: Some("汉".into()),
        birth: Some("1949-12-31".into()),
        address: Some("北京市朝阳区测试路1号".into()),
        source: IdSource::IdCard,
    }
}

/// The restaurant's form as a synthetic applicant fills it (the gallery and the journey tests).
pub const RESTAURANT_FORM: [(&str, &str); 8] = [
    ("phone", "13800138000"),
    ("shop_name", "开饭店"),
    ("business_address", "城关镇人民路8号"),
    ("business_scope", "热食类食品制售"),
    ("capital", "5"),
    ("employees", "3"),
    ("floor_area", "80"),
    ("sign_size", "3m x 0.8m"),
];

/// Installs the off-screen platform. Call once, before any window exists.
pub fn headless() -> Result<Rc<MinimalSoftwareWindow>> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless(window.clone())))
        .map_err(|e| anyhow::anyhow!("cannot install the off-screen renderer: {e}"))?;
    Ok(window)
}

fn save(window: &AppWindow, path: &Path) -> Result<()> {
    slint::platform::update_timers_and_animations();
    let snap = window
        .window()
        .take_snapshot()
        .map_err(|e| anyhow::anyhow!("rendering: {e}"))?;
    let img = image::RgbaImage::from_raw(snap.width(), snap.height(), snap.as_bytes().to_vec())
        .context("snapshot size")?;
    img.save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Walks the restaurant journey, saving each screen as `NN-name.png` in `dir`.
fn journey(app: &mut App, window: &AppWindow, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut n = 0;
    let mut shot = |app: &App, name: &str| -> Result<()> {
        n += 1;
        view::show(app, window, app.now());
        // The footer as a kiosk with its reader plugged in shows it.
        let k = window.global::<crate::kiosk::window::Kiosk>();
        k.set_reader_ok(true);
        k.set_reader_status("身份证阅读器正常".into());
        k.set_reader_status_en("Card reader ready".into());
        crate::kiosk::window::select_language(app);
        save(window, &dir.join(format!("{n:02}-{name}.png")))
    };
    shot(app, "attract")?;
    app.send(UiEvent::Start);
    shot(app, "themes")?;
    app.send(UiEvent::Theme("open-restaurant".into()));
    shot(app, "question")?;
    for v in ["no", "rented", "yes", "no"] {
        app.send(UiEvent::Answer(v.into()));
    }
    shot(app, "materials")?;
    // Help from any screen: staff called (the lamp lit), and home asking first.
    app.send(UiEvent::CallStaff);
    shot(app, "staff-called")?;
    app.send(UiEvent::CancelCall);
    app.send(UiEvent::Home);
    shot(app, "home-confirm")?;
    app.send(UiEvent::CancelHome);
    app.send(UiEvent::Next);
    shot(app, "identify")?;
    app.send(UiEvent::ManualEntry);
    for k in ["1", "1", "0", "1", "0", "5"] {
        app.send(UiEvent::Field("id_number".into()));
        app.send(UiEvent::Key(k.into()));
    }
    shot(app, "manual-id")?;
    app.send(UiEvent::Back);
    app.person_read(sample_person());
    app.send(UiEvent::Field("phone".into()));
    for k in "1380013800".chars() {
        app.send(UiEvent::Key(String::from(&k.to_string())));
    }
    shot(app, "form")?;
    // The Chinese keyboards: pinyin being composed, then a character written by hand.
    app.send(UiEvent::Field("shop_name".into()));
    app.send(UiEvent::SwitchLayout(Layout::Pinyin));
    for c in "kaifandian".chars() {
        app.send(UiEvent::Key(String::from(&c.to_string())));
    }
    shot(app, "keyboard-pinyin")?;
    app.send(UiEvent::Candidate(0));
    app.send(UiEvent::Field("business_address".into()));
    app.send(UiEvent::SwitchLayout(Layout::Handwriting));
    for stroke in YUE {
        app.send(UiEvent::Stroke(stroke.into()));
    }
    shot(app, "keyboard-handwriting")?;
    let date_field = app.session.plan().and_then(|p| {
        p.fields
            .iter()
            .find(|f| f.kind == onevisit_domain::catalog::FieldKind::Date)
            .map(|f| f.key.clone())
    });
    if let Some(key) = date_field {
        app.send(UiEvent::Field(String::from(&key)));
        shot(app, "keyboard-date")?;
    }
    app.send(UiEvent::Field("".into()));
    for (k, v) in RESTAURANT_FORM {
        app.set_field(k, v);
    }
    app.send(UiEvent::Next);
    app.next_frame();
    app.send(UiEvent::Capture);
    // The page on its way through the worker: the button says so.
    shot(app, "scan-capturing")?;
    app.settle();
    shot(app, "scan")?;
    app.send(UiEvent::MaterialDone);
    let mut promise_shown = false;
    while let Screen::Scan(i) = app.session.screen() {
        // 容缺: a material the county accepts later offers the promise.
        if !promise_shown && app.session.tolerated_days(i, &app.catalog).is_some() {
            promise_shown = true;
            shot(app, "scan-promise")?;
        }
        app.send(UiEvent::Capture);
        app.settle();
        app.send(UiEvent::MaterialDone);
    }
    shot(app, "review")?;
    app.send(UiEvent::Next);
    app.send(UiEvent::Signed(
        "M 120 200 L 180 120 L 240 230 L 300 140 L 380 220 M 420 180 L 560 170".into(),
    ));
    shot(app, "sign")?;
    app.send(UiEvent::Submit);
    shot(app, "sign-submitting")?;
    app.settle();
    app.tick();
    shot(app, "receipt")?;
    app.send(UiEvent::Next);
    app.send(UiEvent::Rate(2));
    shot(app, "rate")?;
    app.send(UiEvent::FinishRating);
    shot(app, "done")?;
    // An absent citizen: the countdown (the last screen clears itself first).
    app.force_idle();
    app.send(UiEvent::Start);
    app.send(UiEvent::Theme("newborn".into()));
    app.force_idle();
    shot(app, "idle-warning")?;
    app.send(UiEvent::StillHere);
    app.send(UiEvent::Back);
    app.send(UiEvent::Back);
    app.send(UiEvent::Back);
    app.send(UiEvent::OpenMyCases);
    app.person_read(sample_person());
    shot(app, "my-cases")?;
    // A paper missing: saved for later with the same card (the list printed).
    app.send(UiEvent::Back);
    app.person_read(sample_person());
    app.send(UiEvent::Theme("open-restaurant".into()));
    for v in ["no", "rented", "yes", "no"] {
        app.send(UiEvent::Answer(v.into()));
    }
    app.send(UiEvent::SaveDraft);
    app.settle();
    shot(app, "saved")?;
    Ok(n)
}

/// Technician mode's screens, as `technician-NAME.png` in `dir`: the PIN pad, each section
/// with sample results, the touch test and the tamper lock.
fn technician(app: &mut App, window: &AppWindow, dir: &Path, en: bool) -> Result<usize> {
    use super::contract::{LineKey, PinKey, TechEvent};
    use onevisit_domain::technician::{Corner, Event, Section};
    let mut n = 0;
    // Technician mode speaks the kiosk's language (a citizen's session, ended on entry, no
    // longer sets it).
    let mut shot = |app: &mut App, name: &str| -> Result<()> {
        n += 1;
        if app.english() != en {
            app.send(UiEvent::ToggleLanguage);
        }
        view::show(app, window, app.now());
        crate::kiosk::window::select_language(app);
        save(window, &dir.join(format!("technician-{name}.png")))
    };
    let data = tempdir()?.join(format!("technician-{}", app.english()));
    std::fs::create_dir_all(&data)?;
    // A PIN as `onevisit config pin-hash` stores it (fewer rounds: the gallery only types it).
    let pin = onevisit_sync::pin::hash("246810", b"0123456789abcdef", 1000);
    app.tech.configure(&pin, Default::default());
    app.tech.data = Some(data);
    app.tech.plan = Some(crate::config::DevicePlan {
        idcard: crate::config::Source::Real("/dev/onevisit-idcard".into()),
        printer: crate::config::Source::Real("/dev/onevisit-printer".into()),
        mrz: crate::config::Source::Real("/dev/onevisit-mrz".into()),
        camera: crate::config::Source::Simulated,
        gpio: crate::config::Source::Missing,
    });
    app.tech.seen.reader = Some((true, "身份证读卡器就绪 · ID card reader ready".into()));
    app.tech.seen.printer = Some(String::new());
    let size = window.window().size();
    app.tech.display = (size.width, size.height);
    let type_pin = |app: &mut App, pin: &str| {
        for d in pin.chars() {
            app.technician(TechEvent::Pin(PinKey::Digit(d)));
        }
    };
    app.technician(TechEvent::Corner(Corner::TopLeft));
    app.technician(TechEvent::Corner(Corner::TopRight));
    type_pin(app, "2468");
    shot(app, "pin")?;
    type_pin(app, "10");
    app.technician(TechEvent::Pin(PinKey::Enter));
    app.technician_settle();
    // The probes' results as on a kiosk (run for real they would show this machine's disk).
    use crate::selftest::{Check, State};
    app.tech.probes = vec![
        Check::new(
            "speaker",
            State::Pass,
            "eSpeak NG 1.51; hear it in technician mode",
        ),
        Check::new("network", State::Pass, "connected: eth0 10.20.30.41/24"),
        Check::new(
            "storage",
            State::Pass,
            "store intact (1 cases); 5120 MB free",
        ),
        Check::new(
            "clock",
            State::Waiting,
            "not checked: it is compared with the central system's time once that answers",
        ),
        Check::new(
            "central",
            State::Fail,
            "https://zwfw.example.gov.cn:8443: connection timed out (check the network in technician mode)",
        ),
    ];
    // The camera's frame, and the capture's verdict on the page under it.
    app.tick();
    app.technician_settle();
    for i in 0..2 {
        app.technician(TechEvent::Tap(i));
    }
    shot(app, "checklist")?;
    app.technician(TechEvent::TouchTest);
    app.technician(TechEvent::Tap(0));
    shot(app, "touch-test")?;
    for i in 1..5 {
        app.technician(TechEvent::Tap(i));
    }
    app.technician(TechEvent::Section(Section::Provision));
    app.scanned(
        &onevisit_sync::enroll::EnrollPayload {
            central: "https://zwfw.example.gov.cn:8443".into(),
            code: "ABCD-EFGH-JKMN".into(),
            pin: "ab".repeat(32),
            site: app.site.clone(),
        }
        .to_line(),
    );
    shot(app, "provision")?;
    // No scanner and no printed code: the line typed on the screen's keys.
    app.technician(TechEvent::TypeLine(LineKey::Open));
    for c in
        "onevisit:enroll?v=1&central=https%3a%2f%2fzwfw.example.gov.cn%3a8443&code=abcd".chars()
    {
        app.technician(TechEvent::TypeLine(LineKey::Char(c)));
    }
    shot(app, "typing")?;
    app.technician(TechEvent::TypeLine(LineKey::Cancel));
    app.technician(TechEvent::Section(Section::Network));
    app.technician_settle();
    app.technician(TechEvent::TestConnection);
    app.technician_settle();
    shot(app, "network")?;
    // A Wi-Fi network with a password, chosen from the list: its password on the keys.
    app.technician(TechEvent::ChooseWifi(0));
    for c in "Bianmin20".chars() {
        app.technician(TechEvent::TypeLine(LineKey::Char(c)));
    }
    shot(app, "wifi-password")?;
    app.technician(TechEvent::TypeLine(LineKey::Cancel));
    // A fresh kiosk's log: the gallery's own warnings carry the rendering machine's time.
    crate::recent::clear();
    app.technician(TechEvent::Section(Section::Queue));
    shot(app, "queue")?;
    app.technician(TechEvent::Section(Section::Updates));
    shot(app, "updates")?;
    app.technician(TechEvent::Exit);
    // The cabinet opened with nobody signed in, and a wrong PIN typed.
    app.technician_signal(Event::TamperOpened);
    type_pin(app, "1357");
    app.technician(TechEvent::Pin(PinKey::Enter));
    app.technician_settle();
    shot(app, "locked")?;
    // Back in service for whatever the gallery draws next.
    app.clock.offset_ms += 2_000;
    type_pin(app, "246810");
    app.technician(TechEvent::Pin(PinKey::Enter));
    app.technician_settle();
    app.technician(TechEvent::Exit);
    Ok(n)
}

/// The gallery's clock: Monday 2 March 2026, 09:30 China time (shown, as on a kiosk, in the
/// rendering machine's time zone).
const GALLERY_TIME_MS: i64 = 1_772_415_000_000;

/// 玥 (a name's character outside GB 2312, offered by the glyph matcher beside Zinnia's own), as
/// a citizen writes it on the pad: 王, then 月.
const YUE: [&str; 8] = [
    "35 70;67 69;99 68;115 68",
    "40 140;75 139;110 138",
    "75 70;75 120;75 170;75 220",
    "30 235;63 224;96 213;120 205",
    "160 50;160 115;160 180;152 214;140 265",
    "160 50;212 50;255 50;255 157;255 255;235 245",
    "162 115;212 115;253 115",
    "162 175;212 175;253 175",
];

pub fn run(
    catalog_flag: &Option<std::path::PathBuf>,
    out: &Path,
    sizes: &[(u32, u32)],
    // The settings a kiosk runs with, and their file's name (which the notices name).
    settings: Option<(&crate::config::KioskConfig, String)>,
) -> Result<std::process::ExitCode> {
    let win = headless()?;
    let data = tempdir()?;
    let window = AppWindow::new().context("creating the off-screen window")?;
    // librime serves one directory per process: every variant types with the same one.
    let shared = data.join("input");
    if let Err(e) = onevisit_ime::rime::deploy(&crate::input::rime_dirs(&shared)) {
        eprintln!("pinyin not shown: {e}");
    }
    let mut total = 0;
    for &(w, h) in sizes {
        win.set_size(slint::PhysicalSize::new(w, h));
        for variant in ["zh", "en", "elderly"] {
            let mut app = crate::kiosk::window::make_app(
                &crate::catalog_dir::resolve(catalog_flag),
                &data.join(format!("{w}x{h}-{variant}")),
            )?;
            // The same pictures on every run: a fixed clock and numbered case ids.
            app.fix_clock(GALLERY_TIME_MS);
            app.cases.number_from(0);
            app.receipt.printer = Box::new(Instant);
            app.editor.input = crate::input::Input::new(&shared, crate::input::coverage());
            app.site = "样例县政务服务中心".into();
            if let Some((c, name)) = &settings {
                // As `onevisit run --config` would show it (never simulating).
                if let Some(site) = &c.site {
                    app.site = site.clone();
                }
                app.setup_problem = c.device_plan(false, |_| None).missing_notice(name);
            }
            // The pictures show the kiosk as citizens see it: no simulation banner.
            app.simulated = false;
            if variant == "en" {
                app.send(UiEvent::ToggleLanguage);
            }
            if variant == "elderly" {
                app.send(UiEvent::ToggleElderly);
            }
            window.show().context("showing the off-screen window")?;
            let dir = if sizes.len() == 1 {
                out.join(variant)
            } else {
                out.join(format!("{w}x{h}")).join(variant)
            };
            total += journey(&mut app, &window, &dir)?;
            if variant != "elderly" {
                total += technician(&mut app, &window, &dir, variant == "en")?;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&data);
    eprintln!("{total} screens written under {}", out.display());
    Ok(std::process::ExitCode::SUCCESS)
}

fn tempdir() -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("onevisit-screenshots-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
