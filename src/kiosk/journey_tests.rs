//! The citizen's journey through the real UI, headless: Slint's testing backend finds buttons
//! by the labels a citizen reads (in Chinese) and presses them; the app behind them is the
//! real one, with the simulated ID-card reader and receipt printer on pseudo-terminals and a
//! real store on disk.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementHandle;
use onevisit_domain::session::{ReceiptState, Screen};
use slint::ComponentHandle;

use super::app::App;
use super::contract::{Layout, UiEvent};
use super::printer::SerialPrinter;
use crate::devices::Devices;
use crate::kiosk::window::{AppWindow, KeyboardLayout, Kiosk, Screen as UiScreen, make_app, wire};
use onevisit_ime::zinnia::Zinnia;

pub(super) struct Kit {
    pub(super) window: AppWindow,
    pub(super) app: Rc<RefCell<App>>,
    printer: Rc<RefCell<SerialPrinter>>,
    pub(super) dir: PathBuf,
    /// One kiosk at a time in this process: librime is process-wide and its sessions are
    /// driven from one thread, as on a kiosk.
    _serial: std::sync::MutexGuard<'static, ()>,
}

/// librime serves one data directory per process: every test's kiosk types pinyin with the
/// dictionaries deployed here once.
fn rime_data() -> &'static PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("onevisit-ui-rime-{}", std::process::id()));
        onevisit_ime::rime::deploy(&crate::input::rime_dirs(&dir))
            .expect("deploy the pinyin dictionaries (librime1, rime-data-pinyin-simp)");
        dir
    })
}

struct Shared(Rc<RefCell<SerialPrinter>>);

impl super::app::Printer for Shared {
    fn print(&mut self, job: Vec<Vec<u8>>) -> std::sync::mpsc::Receiver<Result<(), String>> {
        self.0.borrow_mut().print(job)
    }
}

pub(super) fn kit(name: &str) -> Kit {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    i_slint_backend_testing::init_no_event_loop();
    let dir = std::env::temp_dir().join(format!("onevisit-ui-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let catalog = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog");
    let mut app = make_app(&catalog, &dir).unwrap();
    let printer = Rc::new(RefCell::new(SerialPrinter::start(&dir, None).unwrap()));
    app.receipt.printer = Box::new(Shared(printer.clone()));
    app.editor.input = crate::input::Input::new(rime_data(), crate::input::coverage());
    let window = AppWindow::new().unwrap();
    // The kiosk's portrait screen.
    window
        .window()
        .set_size(slint::PhysicalSize::new(1080, 1920));
    let app = Rc::new(RefCell::new(app));
    wire(&window, &app);
    crate::kiosk::window::select_language(&app.borrow());
    super::view::show(&app.borrow(), &window, app.borrow().now());
    Kit {
        window,
        app,
        printer,
        dir,
        _serial: serial,
    }
}

impl Kit {
    /// Presses what is labelled `label`, scrolling the page down like a citizen would when it
    /// is further down.
    pub(super) fn press_scrolling(&self, label: &str) {
        for _ in 0..12 {
            if let Some(e) = ElementHandle::find_by_accessible_label(&self.window, label).next() {
                e.invoke_accessible_default_action();
                return;
            }
            if let Some(f) = i_slint_backend_testing::ElementQuery::from_root(&self.window)
                .match_descendants()
                .match_inherits("Flickable")
                .find_first()
            {
                f.scroll(0.0, -240.0);
            }
        }
        self.press(label);
    }

    pub(super) fn press(&self, label: &str) {
        let e = ElementHandle::find_by_accessible_label(&self.window, label)
            .next()
            .unwrap_or_else(|| {
                let all: Vec<String> =
                    i_slint_backend_testing::ElementQuery::from_root(&self.window)
                        .match_descendants()
                        .find_all()
                        .iter()
                        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
                        .filter(|l| !l.is_empty())
                        .collect();
                panic!(
                    "nothing labelled {label:?} on {:?}; labels: {all:?}",
                    self.screen()
                )
            });
        e.invoke_accessible_default_action();
    }

    /// The pages the simulated printer printed (PNG files).
    pub(super) fn printed(&self) -> Vec<PathBuf> {
        self.printer
            .borrow()
            .sim
            .as_ref()
            .map(|s| s.written())
            .unwrap_or_default()
    }

    pub(super) fn screen(&self) -> Screen {
        self.app.borrow().session.screen()
    }

    pub(super) fn k(&self) -> Kiosk<'_> {
        self.window.global::<Kiosk>()
    }

    /// Lets device threads report (and the app's timers run) until `done`. The deadline is for
    /// a stuck test, not a timing requirement: a loaded machine only takes longer.
    pub(super) fn until(&self, devices: Option<&mut Devices>, done: impl Fn(&Kit) -> bool) {
        let deadline = Instant::now() + WAIT;
        let mut devices = devices;
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "timed out on {:?}",
                self.screen()
            );
            if let Some(d) = devices.as_deref_mut() {
                d.poll();
                for c in d.take_cards() {
                    self.app.borrow_mut().card(&c);
                }
            }
            self.app.borrow_mut().tick();
            super::view::show(&self.app.borrow(), &self.window, self.app.borrow().now());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How long to wait for something that should happen soon (see [`wait_until`]).
pub(super) const WAIT: Duration = Duration::from_secs(120);

/// Polls `cond` until it holds; fails only at `deadline`, which is there for a stuck test.
pub(super) fn wait_until(deadline: Instant, what: &str, mut cond: impl FnMut() -> bool) {
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn labels_of_question(kit: &Kit, i: usize, value: &str) -> String {
    let app = kit.app.borrow();
    let theme = app.catalog.theme("open-restaurant").unwrap();
    theme.questions[i].option(value).unwrap().label.zh.clone()
}

#[test]
fn the_open_restaurant_journey_end_to_end() {
    let kit = kit("journey");
    let mut devices = Devices::start(crate::config::Source::Simulated).unwrap();
    kit.press("开始办理");
    assert_eq!(kit.k().get_screen(), UiScreen::Themes);
    kit.press("我要开饭店");
    for (i, v) in ["no", "rented", "yes", "no"].iter().enumerate() {
        assert_eq!(kit.screen(), Screen::Question(i));
        let label = labels_of_question(&kit, i, v);
        kit.press(&label);
    }
    assert_eq!(kit.k().get_screen(), UiScreen::Materials);
    kit.press("下一步：核验身份");
    assert_eq!(kit.k().get_screen(), UiScreen::Identify);
    // The simulated reader: a synthetic person's card is placed (as F2 does).
    kit.until(Some(&mut devices), |_| true);
    devices.place_sample_card();
    kit.until(Some(&mut devices), |k| k.screen() == Screen::Form);
    let name = kit.app.borrow().session.form()["applicant_name"].clone();
    assert!(!name.is_empty(), "pre-filled from the card");
    // Typing on the on-screen keyboard: tap the first field, type, and "next entry" on to
    // each following empty one (the keyboard stays open).
    let typing = |key: &str| {
        assert_eq!(kit.app.borrow().editor.current_field, key, "the entry open");
    };
    let keys = |text: &str| {
        for c in text.chars() {
            kit.press(&format!("key {c}"));
        }
    };
    kit.press_scrolling(&field_label(&kit, "phone"));
    keys("13800138000");
    kit.press("下一项");
    // Chinese fields open the pinyin keyboard: type, then tap the candidate meant.
    typing("shop_name");
    assert_eq!(kit.k().get_keyboard(), KeyboardLayout::Pinyin);
    keys("kaifandian");
    let ime = kit.window.global::<crate::kiosk::window::Ime>();
    assert_eq!(ime.get_preedit(), "kai fan dian");
    assert_eq!(
        slint::Model::row_data(&ime.get_candidates(), 0).as_deref(),
        Some("开饭店")
    );
    kit.press("candidate 开饭店");
    assert_eq!(kit.app.borrow().session.form()["shop_name"], "开饭店");
    kit.press("下一项");
    // An address: pinyin, digits from the 123 layout, pinyin again.
    typing("business_address");
    keys("renminlu");
    kit.press("candidate 人民路");
    kit.press("key ⇄digits");
    kit.press("key 8");
    kit.press("key ⇄pinyin");
    keys("hao");
    kit.press("candidate 号");
    assert_eq!(
        kit.app.borrow().session.form()["business_address"],
        "人民路8号"
    );
    kit.press("下一项");
    // The field's common words are offered before anything is typed.
    typing("business_scope");
    kit.press("candidate 餐饮服务");
    kit.press("下一项");
    typing("capital");
    keys("50");
    kit.press("下一项");
    typing("employees");
    keys("3");
    kit.press("下一项");
    typing("floor_area");
    keys("80");
    kit.press("下一项");
    // A size opens the digits layout with a point and ×.
    typing("sign_size");
    assert_eq!(kit.k().get_keyboard(), KeyboardLayout::Digits);
    assert_eq!(kit.k().get_digit_extras(), ".×");
    keys("3×0.8");
    assert!(
        !kit.k().get_has_next_field(),
        "the last empty entry: no next one"
    );
    kit.press("完成此项");
    assert_eq!(kit.app.borrow().session.form()["sign_size"], "3×0.8");
    kit.press("下一步：拍摄材料");
    assert!(
        matches!(kit.screen(), Screen::Scan(0)),
        "{:?}",
        kit.app.borrow().session.field_errors()
    );
    // Each page is taken by itself once it lies still under the camera (the simulator turns
    // to the next sample page after each); a one-page material moves on by itself, a paper
    // of several pages waits for "done".
    let mut done_taps = 0;
    while let Screen::Scan(i) = kit.screen() {
        kit.until(None, |k| {
            let app = k.app.borrow();
            app.session.screen() != Screen::Scan(i)
                || (!app.session.capturing() && app.session.pages()[i].iter().any(|p| p.ok))
        });
        if kit.screen() == Screen::Scan(i) {
            super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
            kit.press("这份材料拍完了");
            done_taps += 1;
        }
        assert!(done_taps < 10);
    }
    // The review comes first; then the commitment letter and the signature.
    assert_eq!(kit.k().get_screen(), UiScreen::Review);
    kit.press("下一步：阅读并签名");
    assert_eq!(kit.k().get_screen(), UiScreen::Sign);
    assert!(kit.k().get_commitment().contains("告知承诺书"));
    // A finger signature: a drag across the pad.
    let pad = ElementHandle::find_by_accessible_label(&kit.window, "signature pad")
        .next()
        .expect("the signature pad");
    let (p, sz) = (pad.absolute_position(), pad.size());
    pad.mock_drag(
        slint::LogicalPosition::new(p.x + sz.width * 0.8, p.y + sz.height * 0.6),
        slint::platform::PointerEventButton::Left,
    );
    kit.press("签名并提交");
    kit.until(None, |k| !k.app.borrow().session.submitting());
    assert_eq!(kit.k().get_screen(), UiScreen::Receipt);
    kit.until(None, |k| {
        *k.app.borrow().session.receipt() != ReceiptState::Printing
    });
    assert_eq!(*kit.app.borrow().session.receipt(), ReceiptState::Printed);
    let case_id = kit.app.borrow().session.case_id().unwrap().to_owned();
    kit.press("下一步");
    // A good rating needs nothing more: recorded, and the final screen.
    kit.press("满意");
    assert_eq!(kit.k().get_screen(), UiScreen::Done);

    // The case is in the store, with a PDF per material, and the receipt came out.
    let store = onevisit_store::Store::open(&kit.dir).unwrap();
    let c = store.get(&case_id).unwrap();
    assert_eq!(c.summary.theme, "open-restaurant");
    assert_eq!(c.materials.len(), 9);
    for i in 0..9 {
        assert!(store.attachment(&case_id, i).unwrap().starts_with(b"%PDF-"));
    }
    let printed = kit.printer.borrow().sim.as_ref().unwrap().written();
    assert_eq!(printed.len(), 1, "one receipt printed");
    // The measure of the reform's promise at the kiosk: every touch from the attract screen
    // to the receipt and rating, opening and closing entries included; only typing (keys,
    // candidates, keyboard switches) and pages the camera took by itself are not counted.
    let touches = kit.app.borrow().session.touches();
    println!("touches from the attract screen to the receipt: {touches}");
    assert!(touches <= 25, "{touches} touches");
    let _ = std::fs::remove_dir_all(&kit.dir);
}

fn field_label(kit: &Kit, key: &str) -> String {
    let app = kit.app.borrow();
    let plan = app.session.plan().unwrap();
    plan.fields
        .iter()
        .find(|f| f.key == key)
        .unwrap()
        .label
        .zh
        .clone()
}

#[test]
fn an_idle_session_is_wiped_from_screen_and_memory() {
    let kit = kit("idle");
    kit.press("开始办理");
    kit.press("我要开饭店");
    kit.app.borrow_mut().force_idle();
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.k().get_countdown(), 15);
    kit.press("我还在，继续办理");
    assert_eq!(kit.k().get_countdown(), 0);
    assert_eq!(kit.k().get_screen(), UiScreen::Question);
    kit.app.borrow_mut().force_idle();
    kit.app.borrow_mut().clock.offset_ms += 15_000;
    kit.app.borrow_mut().tick();
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.k().get_screen(), UiScreen::Attract);
    assert!(kit.app.borrow().session.theme().is_none());
    assert_eq!(kit.k().get_countdown(), 0);
}

#[test]
fn back_is_always_possible_before_submitting() {
    let kit = kit("back");
    kit.press("开始办理");
    kit.press("我要开饭店");
    let yes = labels_of_question(&kit, 0, "yes");
    kit.press(&yes);
    assert_eq!(kit.screen(), Screen::Question(1));
    kit.press("返回");
    assert_eq!(kit.screen(), Screen::Question(0));
    kit.press("返回");
    kit.press("返回");
    assert_eq!(kit.k().get_screen(), UiScreen::Attract);
}

#[test]
fn a_printer_out_of_paper_shows_the_qr_code_and_offers_a_reprint() {
    let kit = kit("paper");
    kit.printer.borrow().toggle_paper();
    kit.until(None, |k| {
        k.printer.borrow_mut().poll() || !k.printer.borrow().problem.is_empty()
    });
    assert!(kit.printer.borrow().problem.contains("缺纸"));
    // Straight to a committed case (the journey itself is the test above).
    to_signed(&kit);
    kit.app.borrow_mut().send(UiEvent::Submit);
    kit.until(None, |k| {
        matches!(k.app.borrow().session.receipt(), ReceiptState::Failed(_))
    });
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert!(kit.k().get_receipt_failed());
    assert!(
        kit.k().get_qr().size().width > 0,
        "the QR code is on screen"
    );
    // Paper back in: reprint once the printer has reported it ready again.
    kit.printer.borrow().toggle_paper();
    wait_until(Instant::now() + WAIT, "the printer to report paper", || {
        kit.printer.borrow_mut().poll();
        kit.printer.borrow().problem.is_empty()
    });
    kit.press("重新打印");
    kit.until(None, |k| {
        *k.app.borrow().session.receipt() == ReceiptState::Printed
    });
}

/// The simulated card reader, seen online, then unplugged (as F4 does) and reported gone.
pub(super) fn unplugged_reader() -> Devices {
    let mut devices = Devices::start(crate::config::Source::Simulated).unwrap();
    wait_until(Instant::now() + WAIT, "the reader online", || {
        devices.poll();
        devices.view().ok
    });
    devices.toggle_reader_plug();
    wait_until(Instant::now() + WAIT, "the reader reported gone", || {
        devices.poll();
        !devices.view().ok
    });
    devices
}

#[test]
fn an_unplugged_reader_is_shown_in_plain_words() {
    let kit = kit("unplug");
    let devices = unplugged_reader();
    assert!(
        devices.view().status.contains("请联系工作人员") || devices.view().status.contains("故障"),
        "{}",
        devices.view().status
    );
    // The citizen can still go on by typing their ID number.
    kit.press("开始办理");
    assert_eq!(kit.k().get_screen(), UiScreen::Themes);
}

#[test]
fn elderly_mode_makes_everything_larger() {
    // The laid-out height of what is labelled `label` (the tallest such element: the button
    // rather than its text).
    fn height(kit: &Kit, label: &str) -> f32 {
        ElementHandle::find_by_accessible_label(&kit.window, label)
            .map(|e| e.size().height)
            .fold(0.0, f32::max)
    }
    let kit = kit("elderly");
    assert!(!kit.k().get_elderly());
    // The start button on the first screen, off then on.
    let start_off = height(&kit, "开始办理");
    kit.press("长辈模式");
    assert!(kit.k().get_elderly());
    let start_on = height(&kit, "开始办理");
    // A theme tile on the next screen, on then off again.
    kit.press("开始办理");
    assert_eq!(kit.k().get_screen(), UiScreen::Themes);
    let tile_on = height(&kit, "我要开饭店");
    kit.app.borrow_mut().send(UiEvent::ToggleElderly);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert!(!kit.k().get_elderly());
    let tile_off = height(&kit, "我要开饭店");
    eprintln!("start button {start_off} → {start_on} px, theme tile {tile_off} → {tile_on} px");
    assert!(start_off > 0.0 && tile_off > 0.0, "nothing laid out");
    // Type and touch targets scale by 1.3 in elderly mode: the button is a touch target; the
    // tile also holds parts of fixed size, so it grows a little less (217 → 260 px).
    assert!(
        start_on >= start_off * 1.25,
        "the start button is not larger: {start_off} → {start_on} px"
    );
    assert!(
        tile_on >= tile_off * 1.15,
        "the theme tile is not larger: {tile_off} → {tile_on} px"
    );
}

/// Walks to the form with a card read, for the keyboard tests.
/// The restaurant theme's questions answered, on to the identification screen.
fn to_identify(kit: &Kit) {
    kit.press("开始办理");
    kit.press("我要开饭店");
    for (i, v) in ["no", "rented", "yes", "no"].iter().enumerate() {
        let label = labels_of_question(kit, i, v);
        kit.press(&label);
    }
    kit.press("下一步：核验身份");
}

fn to_form(kit: &Kit) -> Devices {
    let mut devices = Devices::start(crate::config::Source::Simulated).unwrap();
    to_identify(kit);
    kit.until(Some(&mut devices), |_| true);
    devices.place_sample_card();
    kit.until(Some(&mut devices), |k| k.screen() == Screen::Form);
    devices
}

/// Draws straight strokes on the handwriting pad (coordinates on its 300 × 300 grid).
/// A straight stroke: from, to (pad coordinates).
type Line = ((f32, f32), (f32, f32));

fn write_on_pad(kit: &Kit, strokes: &[Line]) {
    let pad = ElementHandle::find_by_accessible_label(&kit.window, "handwriting pad")
        .next()
        .expect("the handwriting pad");
    let (p, sz) = (pad.absolute_position(), pad.size());
    let at = |(x, y): (f32, f32)| {
        slint::LogicalPosition::new(p.x + sz.width * x / 300.0, p.y + sz.height * y / 300.0)
    };
    // A finger: down, moving in small steps, up (as the touch screen reports it).
    let w = kit.window.window();
    let button = slint::platform::PointerEventButton::Left;
    for &(from, to) in strokes {
        w.dispatch_event(slint::platform::WindowEvent::PointerPressed {
            position: at(from),
            button,
        });
        for i in 1..=10 {
            let t = i as f32 / 10.0;
            let position = at((from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t));
            w.dispatch_event(slint::platform::WindowEvent::PointerMoved { position });
        }
        w.dispatch_event(slint::platform::WindowEvent::PointerReleased {
            position: at(to),
            button,
        });
    }
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
}

#[test]
fn handwriting_puts_the_written_character_into_the_field() {
    let kit = kit("handwriting");
    let _devices = to_form(&kit);
    kit.press_scrolling(&field_label(&kit, "shop_name"));
    kit.press("key ⇄handwriting");
    assert_eq!(kit.k().get_keyboard(), KeyboardLayout::Handwriting);
    // 十: a horizontal stroke, then a vertical one.
    write_on_pad(
        &kit,
        &[
            ((45.0, 150.0), (255.0, 152.0)),
            ((150.0, 40.0), (152.0, 268.0)),
        ],
    );
    let shown: Vec<String> = slint::Model::iter(
        &kit.window
            .global::<crate::kiosk::window::Ime>()
            .get_candidates(),
    )
    .map(|s| s.to_string())
    .collect();
    assert!(shown.iter().take(5).any(|c| c == "十"), "{shown:?}");
    kit.press("candidate 十");
    assert_eq!(kit.app.borrow().session.form()["shop_name"], "十");
    // The pad is clear for the next character.
    assert!(kit.app.borrow().editor.input.strokes.is_empty());
}

#[test]
fn the_id_number_layout_only_produces_valid_characters() {
    let kit = kit("id-layout");
    to_identify(&kit);
    kit.app.borrow_mut().send(UiEvent::ManualEntry);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    kit.press_scrolling("身份证号码");
    assert_eq!(kit.k().get_keyboard(), KeyboardLayout::Id);
    let keys: Vec<String> = i_slint_backend_testing::ElementQuery::from_root(&kit.window)
        .match_descendants()
        .find_all()
        .iter()
        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
        .filter_map(|l| l.strip_prefix("key ").map(str::to_owned))
        .collect();
    assert!(!keys.is_empty());
    for k in &keys {
        assert!(
            k == "⌫" || k == "X" || (k.len() == 1 && k.chars().all(|c| c.is_ascii_digit())),
            "the ID layout offers {k:?}"
        );
    }
    // Nothing else gets in, even sent directly, and no more than 18 characters.
    for k in ["a", "中", " ", "-"] {
        kit.app.borrow_mut().send(UiEvent::Key(k.into()));
    }
    for layout in [Layout::Latin, Layout::Pinyin, Layout::Digits] {
        kit.app.borrow_mut().send(UiEvent::SwitchLayout(layout));
    }
    assert_eq!(kit.k().get_keyboard(), KeyboardLayout::Id);
    for _ in 0..20 {
        kit.press("key 1");
    }
    kit.press("key X");
    let v = kit
        .app
        .borrow()
        .editor
        .manual
        .get("id_number")
        .cloned()
        .unwrap_or_default();
    assert_eq!(v, "1".repeat(18));
}

#[test]
fn a_wipe_forgets_what_was_being_typed() {
    let kit = kit("ime-wipe");
    let _devices = to_form(&kit);
    kit.press_scrolling(&field_label(&kit, "shop_name"));
    for c in "zhang".chars() {
        kit.press(&format!("key {c}"));
    }
    assert!(!kit.app.borrow().editor.input.view.preedit.is_empty());
    kit.app.borrow_mut().force_idle();
    kit.app.borrow_mut().force_idle();
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    let app = kit.app.borrow();
    assert_eq!(app.session.screen(), Screen::Attract);
    assert!(
        app.editor.input.view.preedit.is_empty() && app.editor.input.view.candidates.is_empty()
    );
    let ime = kit.window.global::<crate::kiosk::window::Ime>();
    assert_eq!(ime.get_preedit(), "");
    assert_eq!(slint::Model::row_count(&ime.get_candidates()), 0);
}

#[test]
fn a_missing_engine_falls_back_to_the_other() {
    let kit = kit("ime-fallback");
    let _devices = to_form(&kit);
    let missing_model = PathBuf::from("/nonexistent/handwriting.model");
    let undeployed = PathBuf::from("/nonexistent/onevisit-data");
    let cases = [
        // (data dir for librime, model, layout a Chinese field opens, notice words)
        (
            rime_data().clone(),
            missing_model.clone(),
            KeyboardLayout::Pinyin,
            "手写输入暂不可用",
        ),
        (
            undeployed.clone(),
            Zinnia::model_path(),
            KeyboardLayout::Handwriting,
            "拼音输入暂不可用",
        ),
        (
            undeployed,
            missing_model,
            KeyboardLayout::Latin,
            "请工作人员协助",
        ),
    ];
    for (data, model, layout, notice) in cases {
        kit.app.borrow_mut().editor.input =
            crate::input::Input::new(&data, crate::input::coverage()).with_model(model);
        kit.app.borrow_mut().send(UiEvent::Field("".into()));
        kit.press_scrolling(&field_label(&kit, "shop_name"));
        assert_eq!(kit.k().get_keyboard(), layout);
        let ime = kit.window.global::<crate::kiosk::window::Ime>();
        assert!(
            ime.get_notice().contains(notice),
            "{layout:?}: {}",
            ime.get_notice()
        );
        // The missing method is not offered.
        let offered = |label: &str| {
            ElementHandle::find_by_accessible_label(&kit.window, label)
                .next()
                .is_some()
        };
        assert_eq!(offered("key ⇄pinyin"), layout == KeyboardLayout::Pinyin);
        assert_eq!(
            offered("key ⇄handwriting"),
            layout == KeyboardLayout::Handwriting
        );
        kit.press("完成此项");
    }
}

#[test]
fn the_date_picker_steps_a_date_field() {
    let kit = kit("date-picker");
    kit.press("开始办理");
    kit.app.borrow_mut().send(UiEvent::Theme("newborn".into()));
    // Every question's first answer, then a card.
    while let Screen::Question(i) = kit.screen() {
        let value = {
            let app = kit.app.borrow();
            app.catalog.theme("newborn").unwrap().questions[i].options[0]
                .value
                .clone()
        };
        kit.app
            .borrow_mut()
            .send(UiEvent::Answer(String::from(&value)));
    }
    kit.app.borrow_mut().send(UiEvent::Next);
    kit.app
        .borrow_mut()
        .person_read(crate::kiosk::screenshots::sample_person());
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.screen(), Screen::Form);
    let date_field = {
        let app = kit.app.borrow();
        app.session
            .plan()
            .as_ref()
            .unwrap()
            .fields
            .iter()
            .find(|f| f.kind == onevisit_domain::catalog::FieldKind::Date)
            .map(|f| f.key.clone())
            .expect("the newborn form has a date")
    };
    kit.app
        .borrow_mut()
        .send(UiEvent::Field(String::from(&date_field)));
    kit.app.borrow_mut().set_field(&date_field, "2024-01-31");
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.k().get_keyboard(), KeyboardLayout::Date);
    kit.press("key 月 up");
    // 31 January + 1 month: the last day of February, not an invalid date.
    assert_eq!(kit.app.borrow().session.form()[&date_field], "2024-02-29");
    kit.press("key 年 down");
    kit.press("key ten years back");
    kit.press("key 日 up");
    assert_eq!(kit.app.borrow().session.form()[&date_field], "2013-03-01");
    assert_eq!(
        kit.window.global::<crate::kiosk::window::Ime>().get_date(),
        "2013-03-01"
    );
}

#[test]
fn letters_that_are_no_pinyin_offer_nothing_not_the_common_words() {
    let kit = kit("ime-nomatch");
    let _devices = to_form(&kit);
    kit.press_scrolling(&field_label(&kit, "shop_name"));
    // Before typing: the field's common words.
    assert!(
        ElementHandle::find_by_accessible_label(&kit.window, "candidate 饭店")
            .next()
            .is_some()
    );
    for c in "iqrq".chars() {
        kit.press(&format!("key {c}"));
    }
    let ime = kit.window.global::<crate::kiosk::window::Ime>();
    assert_eq!(slint::Model::row_count(&ime.get_candidates()), 0);
    assert!(
        ElementHandle::find_by_accessible_label(&kit.window, "candidate 饭店")
            .next()
            .is_none()
    );
    assert_eq!(
        kit.app
            .borrow()
            .session
            .form()
            .get("shop_name")
            .cloned()
            .unwrap_or_default(),
        ""
    );
}

/// Counts print jobs as they are handed to the printer (synchronously, so "nothing was
/// printed" needs no waiting).
struct CountingPrinter(Rc<std::cell::Cell<u32>>);

impl super::app::Printer for CountingPrinter {
    fn print(&mut self, _job: Vec<Vec<u8>>) -> std::sync::mpsc::Receiver<Result<(), String>> {
        self.0.set(self.0.get() + 1);
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = tx.send(Ok(()));
        rx
    }
}

/// A case in the store for the synthetic person the simulated passport button reads.
fn earlier_case(kit: &Kit, id_number: &str) -> String {
    let case = onevisit_store::NewCase {
        theme: "open-restaurant".into(),
        answers: Default::default(),
        applicant: onevisit_store::Applicant {
            name: "测试丙".into(),
            id_number: id_number.into(),
        },
        form: Default::default(),
        materials: Vec::new(),
        signature: None,
        rating: None,
        owed: Vec::new(),
    };
    kit.app
        .borrow()
        .cases
        .store()
        .unwrap()
        .commit(&case, 1)
        .unwrap()
}

#[test]
fn my_cases_from_a_passport_lists_nothing_and_reprints_nothing() {
    let kit = kit("mycases-mrz");
    let case_id = earlier_case(&kit, "11010519491231002X");
    let printed = Rc::new(std::cell::Cell::new(0));
    kit.app.borrow_mut().receipt.printer = Box::new(CountingPrinter(printed.clone()));
    kit.app.borrow_mut().send(UiEvent::OpenMyCases);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.k().get_screen(), UiScreen::MyCases);
    // A passport (here the simulated one) with that person's number: no list.
    kit.app.borrow_mut().send(UiEvent::UseMrz);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert!(!kit.k().get_cases_loaded());
    assert_eq!(slint::Model::row_count(&kit.k().get_my_cases()), 0);
    assert!(
        kit.k().get_notice().contains("身份证"),
        "{}",
        kit.k().get_notice()
    );
    // Nor can a reprint be asked for a case id (whatever the page sends).
    kit.app
        .borrow_mut()
        .send(UiEvent::ReprintCase(String::from(&case_id)));
    assert_eq!(printed.get(), 0, "a receipt with the full name was printed");
}

#[test]
fn a_tap_on_the_final_screen_finishes_and_wipes() {
    let kit = kit("done-tap");
    // Straight to the final screen: submitted, rated.
    to_signed(&kit);
    {
        let mut app = kit.app.borrow_mut();
        app.send(UiEvent::Submit);
        app.settle();
        app.send(UiEvent::Next);
        app.send(UiEvent::Rate(5));
        app.send(UiEvent::FinishRating);
    }
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.k().get_screen(), UiScreen::Done);
    kit.app.borrow_mut().send(UiEvent::Done);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.k().get_screen(), UiScreen::Attract);
    assert!(kit.app.borrow().session.theme().is_none(), "wiped");
}

#[test]
fn simulation_is_shown_and_without_it_nothing_is_faked() {
    let kit = kit("no-sim");
    // --simulate: a banner on every screen.
    assert!(kit.app.borrow().simulated);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert!(
        ElementHandle::find_by_accessible_label(&kit.window, "模拟设备 SIMULATED DEVICES")
            .next()
            .is_some()
    );
    // A kiosk for citizens: no banner, and the passport button reads no sample identity.
    kit.app.borrow_mut().simulated = false;
    kit.app.borrow_mut().setup_problem = "设备未配置：护照阅读器 · Devices not configured".into();
    kit.app.borrow_mut().send(UiEvent::Start);
    kit.app
        .borrow_mut()
        .send(UiEvent::Theme("open-restaurant".into()));
    for v in ["no", "rented", "yes", "no"] {
        kit.app.borrow_mut().send(UiEvent::Answer(v.into()));
    }
    kit.app.borrow_mut().send(UiEvent::Next);
    assert_eq!(kit.screen(), Screen::Identify);
    kit.app.borrow_mut().send(UiEvent::UseMrz);
    assert_eq!(kit.screen(), Screen::Identify);
    assert!(kit.app.borrow().session.applicant().is_none());
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert!(!kit.k().get_simulation());
    assert!(
        ElementHandle::find_by_accessible_label(&kit.window, "模拟设备 SIMULATED DEVICES")
            .next()
            .is_none()
    );
    assert!(kit.k().get_setup_problem().contains("护照阅读器"));
    // The reader without a port: reported missing, and F2 places nothing.
    let mut devices = Devices::start(crate::config::Source::Missing).unwrap();
    assert!(
        devices.view().status.contains("未配置"),
        "{}",
        devices.view().status
    );
    assert!(devices.view().missing, "missing in the heartbeat");
    devices.place_sample_card();
    assert_eq!(devices.poll(), None);
    assert!(devices.take_cards().is_empty());
}

/// Straight to the review page of a "close a business" application, through the app's typed
/// events (the journey through the screen is tested above).
pub(super) fn to_signed(kit: &Kit) {
    {
        let mut app = kit.app.borrow_mut();
        app.send(UiEvent::Start);
        app.send(UiEvent::Theme("close-business".into()));
    }
    let theme_questions = kit
        .app
        .borrow()
        .catalog
        .theme("close-business")
        .unwrap()
        .questions
        .iter()
        .map(|q| q.options[0].value.clone())
        .collect::<Vec<_>>();
    for v in theme_questions {
        kit.app.borrow_mut().send(UiEvent::Answer(String::from(&v)));
    }
    kit.app.borrow_mut().send(UiEvent::Next);
    kit.app
        .borrow_mut()
        .person_read(super::screenshots::sample_person());
    let fields: Vec<_> = kit
        .app
        .borrow()
        .session
        .plan()
        .as_ref()
        .unwrap()
        .fields
        .iter()
        .map(|f| (f.key.clone(), f.kind))
        .collect();
    for (k, kind) in fields {
        let v = match kind {
            onevisit_domain::catalog::FieldKind::Phone => "13800138000",
            onevisit_domain::catalog::FieldKind::Number => "3",
            onevisit_domain::catalog::FieldKind::Date => "2026-12-01",
            onevisit_domain::catalog::FieldKind::IdNumber => "11010519491231002X",
            _ => "ceshi neirong",
        };
        if !kit.app.borrow().session.form().contains_key(&k) {
            kit.app.borrow_mut().set_field(&k, v);
        }
    }
    kit.app.borrow_mut().send(UiEvent::Next);
    while let Screen::Scan(_) = kit.screen() {
        kit.app.borrow_mut().next_frame();
        kit.app.borrow_mut().send(UiEvent::Capture);
        kit.app.borrow_mut().settle();
        kit.app.borrow_mut().send(UiEvent::MaterialDone);
    }
    assert_eq!(kit.screen(), Screen::Review);
    kit.app.borrow_mut().send(UiEvent::Next);
    kit.app
        .borrow_mut()
        .send(UiEvent::Signed("M 1 1 L 50 50".into()));
    assert_eq!(kit.screen(), Screen::Sign);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
}

#[test]
fn the_screen_keeps_drawing_while_a_slow_store_commits() {
    let kit = kit("slow-store");
    to_signed(&kit);
    // The store is slow: held here, it takes the worker's commit only when let go.
    let store = kit.app.borrow().cases.shared().unwrap();
    let held = store.lock();
    kit.press("签名并提交");
    assert!(kit.app.borrow().session.submitting());
    // The UI thread goes on: ticks, redraws and taps are taken while the commit waits (were
    // the commit on this thread, it would wait for the store here, for ever).
    for _ in 0..10 {
        kit.app.borrow_mut().tick();
        kit.app.borrow_mut().send(UiEvent::ReadAloud);
        super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    }
    // What the citizen sees meanwhile: the signing page, saying it is submitting.
    assert_eq!(kit.k().get_screen(), UiScreen::Sign);
    assert!(kit.k().get_submitting());
    assert!(
        ElementHandle::find_by_accessible_label(&kit.window, "正在提交…")
            .next()
            .is_some(),
        "the submit button says it is submitting"
    );
    // A second tap on it submits nothing more.
    kit.app.borrow_mut().send(UiEvent::Submit);
    drop(held);
    kit.until(None, |k| k.screen() == Screen::Receipt);
    let app = kit.app.borrow();
    assert_eq!(
        app.cases.store().unwrap().list().unwrap().len(),
        1,
        "one case"
    );
    drop(app);
    let _ = std::fs::remove_dir_all(&kit.dir);
}

/// Through the restaurant's questions, the card and a filled form, to the first material.
fn to_scanning(kit: &Kit) {
    to_materials(kit);
    kit.app.borrow_mut().send(UiEvent::Next);
    kit.app
        .borrow_mut()
        .person_read(super::screenshots::sample_person());
    assert_eq!(kit.screen(), Screen::Form);
    for (k, v) in super::screenshots::RESTAURANT_FORM {
        kit.app.borrow_mut().set_field(k, v);
    }
    kit.app.borrow_mut().send(UiEvent::Next);
    assert_eq!(kit.screen(), Screen::Scan(0));
}

/// Answers the restaurant's questions through the app (not the screen), to the materials.
fn to_materials(kit: &Kit) {
    let mut app = kit.app.borrow_mut();
    app.send(UiEvent::Start);
    app.send(UiEvent::Theme("open-restaurant".into()));
    for v in ["no", "rented", "yes", "no"] {
        app.send(UiEvent::Answer(v.into()));
    }
    assert_eq!(app.session.screen(), Screen::Materials);
}

#[test]
fn a_missing_paper_is_saved_and_the_same_card_resumes_it_days_later() {
    const DAY: i64 = 86_400_000;
    let kit = kit("draft");
    to_scanning(&kit);
    // One material captured, then the citizen finds a paper missing.
    kit.app.borrow_mut().next_frame();
    kit.app.borrow_mut().send(UiEvent::Capture);
    kit.app.borrow_mut().settle();
    kit.app.borrow_mut().send(UiEvent::MaterialDone);
    assert_eq!(kit.screen(), Screen::Scan(1));
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    kit.press("保存，下次再来");
    kit.until(None, |k| k.screen() == Screen::Done);
    assert!(
        kit.k().get_saved_until().len() == 10,
        "a date on the final screen"
    );
    // The list went home on paper, with the date it is kept until.
    kit.until(None, |k| k.printed().len() == 1);
    kit.app.borrow_mut().send(UiEvent::Done);
    assert_eq!(kit.screen(), Screen::Attract);
    assert!(kit.app.borrow().session.form().is_empty());

    // Three days later the same card on the attract screen: on at the missing material.
    kit.app.borrow_mut().clock.offset_ms += 3 * DAY;
    kit.app
        .borrow_mut()
        .person_read(super::screenshots::sample_person());
    assert_eq!(kit.screen(), Screen::Scan(1));
    {
        let app = kit.app.borrow();
        assert_eq!(app.session.form()["shop_name"], "开饭店");
        let first = &app.session.pages()[0];
        assert!(first.len() == 1 && first[0].ok);
        assert!(
            app.scanner.page(first[0].capture).is_some(),
            "the page itself came back"
        );
        assert!(app.session.notice().unwrap().zh.contains("欢迎回来"));
    }
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert!(kit.k().get_notice().contains("欢迎回来"));

    // Left again; past its day the draft is gone: the same card starts afresh.
    for _ in 0..8 {
        kit.app.borrow_mut().send(UiEvent::Back);
    }
    assert_eq!(kit.screen(), Screen::Attract);
    kit.app.borrow_mut().clock.offset_ms += 8 * DAY;
    let now = kit.app.borrow().now();
    kit.app
        .borrow()
        .cases
        .purge(now, &onevisit_store::Retention::default());
    kit.app
        .borrow_mut()
        .person_read(super::screenshots::sample_person());
    assert_eq!(kit.screen(), Screen::Themes);
    assert!(kit.app.borrow().session.notice().is_none());
    let store = kit.app.borrow().cases.shared().unwrap();
    assert_eq!(
        store.lock().draft_count().unwrap(),
        0,
        "wiped when it expired"
    );
    let _ = std::fs::remove_dir_all(&kit.dir);
}

/// Every screen after the attract screen, reached through the app, with what it is called.
fn every_screen(kit: &Kit, mut visit: impl FnMut(&Kit, &str)) {
    let show =
        |kit: &Kit| super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    let step = |kit: &Kit, ev: UiEvent| {
        kit.app.borrow_mut().send(ev);
        show(kit);
    };
    step(kit, UiEvent::Start);
    visit(kit, "themes");
    step(kit, UiEvent::Theme("open-restaurant".into()));
    visit(kit, "question");
    for v in ["no", "rented", "yes", "no"] {
        step(kit, UiEvent::Answer(v.into()));
    }
    visit(kit, "materials");
    step(kit, UiEvent::Next);
    visit(kit, "identify");
    step(kit, UiEvent::ManualEntry);
    visit(kit, "manual-id");
    step(kit, UiEvent::Back);
    kit.app
        .borrow_mut()
        .person_read(super::screenshots::sample_person());
    show(kit);
    visit(kit, "form");
}

#[test]
fn help_home_and_the_other_switches_are_on_every_screen() {
    let kit = kit("help");
    every_screen(&kit, |kit, name| {
        for label in ["首页", "呼叫工作人员", "长辈模式", "朗读", "English"] {
            assert!(
                ElementHandle::find_by_accessible_label(&kit.window, label)
                    .next()
                    .is_some(),
                "{label} missing on {name}"
            );
        }
    });
    // Call staff: the lamp's command, the screen says someone is coming, and the heartbeat
    // carries it until the call ends.
    kit.press("呼叫工作人员");
    assert!(kit.app.borrow().session.staff_called().is_some());
    assert!(kit.k().get_staff_called());
    assert!(
        ElementHandle::find_by_accessible_label(&kit.window, "staff called")
            .next()
            .is_some()
    );
    kit.press("已呼叫");
    assert!(kit.app.borrow().session.staff_called().is_none());
    // Home with a form half done asks first; "carry on" keeps everything.
    kit.press("首页");
    assert!(kit.k().get_confirm_home());
    kit.press("不，继续办理");
    assert_eq!(kit.screen(), Screen::Form);
    assert!(!kit.app.borrow().session.form().is_empty());
    kit.press("首页");
    kit.press("是，清除并回到首页");
    assert_eq!(kit.screen(), Screen::Attract);
    assert!(kit.app.borrow().session.applicant().is_none());
    // With nothing entered yet, home needs no question.
    kit.app.borrow_mut().send(UiEvent::Start);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    kit.press("首页");
    assert_eq!(kit.screen(), Screen::Attract);
}

#[test]
fn elderly_low_rating_keeps_finish_on_screen_portrait() {
    elderly_low_rating(1080, 1920);
}

#[test]
fn elderly_low_rating_keeps_finish_on_screen_landscape() {
    elderly_low_rating(1920, 1080);
}

/// A low rating in elderly mode: the comment keyboard and Finish fit, and the rating is kept.
fn elderly_low_rating(w: u32, h: u32) {
    {
        let kit = kit(&format!("elderly-rate-{w}"));
        kit.window.window().set_size(slint::PhysicalSize::new(w, h));
        super::journey_tests::to_signed(&kit);
        kit.app.borrow_mut().send(UiEvent::ToggleElderly);
        kit.app.borrow_mut().send(UiEvent::Submit);
        kit.app.borrow_mut().settle();
        kit.until(None, |k| {
            *k.app.borrow().session.receipt() != ReceiptState::Printing
        });
        kit.app.borrow_mut().send(UiEvent::Next);
        super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
        kit.press("不满意");
        assert_eq!(
            kit.k().get_current_field(),
            "comment",
            "the comment box opens"
        );
        // Typing: the keyboard and "done with this entry" are on screen, inside the window.
        let inside = |label: &str| {
            let e = ElementHandle::find_by_accessible_label(&kit.window, label)
                .next()
                .unwrap_or_else(|| panic!("{label} at {w}×{h}"));
            let (p, s) = (e.absolute_position(), e.size());
            let scale = kit.window.window().scale_factor();
            p.y >= 0.0 && (p.y + s.height) * scale <= h as f32
        };
        assert!(inside("完成此项"), "done-with-entry off screen at {w}×{h}");
        kit.press("完成此项");
        assert!(inside("完成"), "finish off screen at {w}×{h}");
        kit.press("完成");
        assert_eq!(kit.screen(), Screen::Done);
        let case_id = {
            let store = kit.app.borrow().cases.shared().unwrap();
            let ids = store.lock().pending().unwrap();
            ids[0].clone()
        };
        let store = kit.app.borrow().cases.shared().unwrap();
        assert_eq!(store.lock().rating(&case_id).unwrap().map(|r| r.0), Some(2));
        let _ = std::fs::remove_dir_all(&kit.dir);
    }
}

#[test]
fn a_promised_material_is_on_the_receipt_and_under_my_cases() {
    let kit = kit("owed");
    to_scanning(&kit);
    while let Screen::Scan(i) = kit.screen() {
        let tolerated = {
            let app = kit.app.borrow();
            app.session.tolerated_days(i, &app.catalog).is_some()
        };
        if tolerated {
            super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
            kit.press(
                "今天没带：承诺 10 个工作日内补交（容缺受理）"
                    .replace("10", &{
                        let app = kit.app.borrow();
                        app.session
                            .tolerated_days(i, &app.catalog)
                            .unwrap()
                            .to_string()
                    })
                    .as_str(),
            );
        } else {
            let mut app = kit.app.borrow_mut();
            app.next_frame();
            app.send(UiEvent::Capture);
            app.settle();
            app.send(UiEvent::MaterialDone);
        }
    }
    kit.app.borrow_mut().send(UiEvent::Next);
    kit.app
        .borrow_mut()
        .send(UiEvent::Signed("M 1 1 L 50 50".into()));
    kit.app.borrow_mut().send(UiEvent::Submit);
    kit.app.borrow_mut().settle();
    assert_eq!(kit.screen(), Screen::Receipt);
    let case_id = kit.app.borrow().session.case_id().unwrap().to_owned();
    let receipt = kit.app.borrow().receipt_data(&case_id, false).unwrap();
    let owed: Vec<&str> = receipt.owed.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        owed,
        ["食品安全管理人员任命书及培训考核证明", "招牌结构安全说明"]
    );
    assert!(
        receipt.owed.iter().all(|o| o.due.len() == 10),
        "{:?}",
        receipt.owed
    );
    // "My cases" for the same card says what is still owed.
    {
        let mut app = kit.app.borrow_mut();
        app.send(UiEvent::Home);
        app.send(UiEvent::OpenMyCases);
        app.person_read(super::screenshots::sample_person());
    }
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    let rows = kit.k().get_my_cases();
    let row = slint::Model::row_data(&rows, 0).unwrap();
    assert!(row.owed.contains("招牌结构安全说明"), "{}", row.owed);

    // The window asks for corrections: "my cases" says so, with what and why, and a reprint
    // of the receipt carries it.
    let why = "请补正：房屋租赁合同。合同缺少出租方签字。";
    {
        let app = kit.app.borrow();
        let mut store = app.cases.store().unwrap();
        assert!(
            store
                .set_remote_status(&case_id, "needs_correction", Some(why), 1)
                .unwrap()
        );
    }
    {
        let mut app = kit.app.borrow_mut();
        app.send(UiEvent::Home);
        app.send(UiEvent::OpenMyCases);
        app.person_read(super::screenshots::sample_person());
    }
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    let row = slint::Model::row_data(&kit.k().get_my_cases(), 0).unwrap();
    assert_eq!((row.status.as_str(), row.reason.as_str()), ("需补正", why));
    let reprint = kit.app.borrow().receipt_data(&case_id, true).unwrap();
    assert_eq!(reprint.correction.as_deref(), Some(why));
    let _ = std::fs::remove_dir_all(&kit.dir);
}

#[test]
fn photos_and_drawings_are_kept_in_grey_or_colour_not_black_and_white() {
    use onevisit_capture::pdf::PageImage;
    let kit = kit("photo-mode");
    to_scanning(&kit);
    let mut kinds = std::collections::BTreeMap::new();
    while let Screen::Scan(i) = kit.screen() {
        let mut app = kit.app.borrow_mut();
        let id = app.session.to_scan()[i].0.clone();
        app.next_frame();
        app.send(UiEvent::Capture);
        app.settle();
        let page = app.session.pages()[i].last().cloned();
        if let Some(p) = page.filter(|p| p.ok) {
            let bilevel = matches!(
                app.scanner.page(p.capture).map(|p| &p.image),
                Some(PageImage::Bilevel { .. })
            );
            kinds.insert(id, bilevel);
        }
        if app.session.screen() == Screen::Scan(i) {
            app.send(UiEvent::MaterialDone);
        }
    }
    assert_eq!(
        kinds.get("lease-contract"),
        Some(&true),
        "text: black and white"
    );
    assert_eq!(kinds.get("premises-photos"), Some(&false), "a photo: grey");
    assert_eq!(
        kinds.get("floor-plan"),
        Some(&false),
        "a drawing: colour (grey without a colour camera)"
    );
    let _ = std::fs::remove_dir_all(&kit.dir);
}

#[test]
fn a_misread_passport_zone_is_read_again_not_taken() {
    let kit = kit("mrz-misread");
    to_identify(&kit);
    assert_eq!(kit.k().get_screen(), UiScreen::Identify);
    // Doc 9303's specimen passport, issued by China: every check digit holds, but the reader
    // took `CHN` for `CH6` in the issuing state (no check digit covers it).
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let l2 = "L898902C36CHN7408122F1204159ZE184226B<<<<<10";
    let misread =
        onevisit_mrz::parse(&["P<CH6ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", l2], today).unwrap();
    assert_eq!(misread.failed_checks, ["issuer"]);
    kit.app.borrow_mut().mrz_read(&misread);
    super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
    assert_eq!(kit.k().get_screen(), UiScreen::Identify, "not taken");
    assert!(
        kit.k().get_notice().contains("重新放置证件"),
        "asks for it again: {}",
        kit.k().get_notice()
    );
    let app = kit.app.borrow();
    let name = app.session.form().get("applicant_name").cloned();
    assert!(
        name.as_deref().is_none_or(str::is_empty),
        "nothing filled in: {name:?}"
    );
}
