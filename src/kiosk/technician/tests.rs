//! Technician mode through the real UI, headless: the PIN pad and its lockout, the tamper
//! lock, the self-test against the simulators with the card reader unplugged, the touch test,
//! and enrollment from the county's QR code against a real central server on 127.0.0.1.

use onevisit_domain::technician::{Corner, IDLE_MS, LOCKOUT_MS, Policy};
use slint::ComponentHandle;

use super::super::contract::TechEvent;
use super::super::journey_tests::{Kit, kit, to_signed, unplugged_reader};
use crate::kiosk::window::{Screen as UiScreen, Technician, TechnicianView};

const PIN: &str = "246810";

fn t(kit: &Kit) -> Technician<'_> {
    kit.window.global::<Technician>()
}

/// The kiosk as its settings make it: a PIN (hashed as `onevisit config pin-hash` stores it,
/// with fewer rounds for speed) and its data folder.
fn configure(kit: &Kit, policy: Policy) {
    let mut app = kit.app.borrow_mut();
    let hash = onevisit_sync::pin::hash(PIN, b"0123456789abcdef", 1000);
    app.tech.configure(&hash, policy);
    app.tech.data = Some(kit.dir.clone());
}

fn type_pin(kit: &Kit, pin: &str) {
    for d in pin.chars() {
        kit.press(&format!("pin {d}"));
    }
    kit.press("pin enter");
    // The check runs off the screen's thread: wait for its answer.
    settle(kit);
}

/// One pass of the kiosk's loop: time passes, the screen is redrawn.
fn step(kit: &Kit) {
    kit.app.borrow_mut().tick();
    super::super::view::show(&kit.app.borrow(), &kit.window, kit.app.borrow().now());
}

/// Moves the app's clock on (backoff, lockout, idle) and lets a tick pass.
fn later(kit: &Kit, ms: i64) {
    kit.app.borrow_mut().clock.offset_ms += ms;
    step(kit);
}

/// What the technician did, as the screen sends it (for what has no label: the corners).
fn send(kit: &Kit, ev: TechEvent) {
    kit.app.borrow_mut().technician(ev);
    step(kit);
}

/// The hidden gesture: the top-left corner held, then the top-right one.
fn gesture(kit: &Kit) {
    send(kit, TechEvent::Corner(Corner::TopLeft));
    send(kit, TechEvent::Corner(Corner::TopRight));
}

/// Waits for the technician's slow work and shows its result.
fn settle(kit: &Kit) {
    kit.app.borrow_mut().technician_settle();
    step(kit);
}

/// Puts this network backend behind technician mode.
fn use_network(kit: &Kit, net: impl crate::network::Network + 'static) {
    kit.app.borrow_mut().tech.network = std::sync::Arc::new(std::sync::Mutex::new(Box::new(net)));
}

/// The open section's facts as shown: "label value".
fn facts(kit: &Kit) -> Vec<String> {
    slint::Model::iter(&t(kit).get_facts())
        .map(|f| format!("{} {}", f.label, f.value))
        .collect()
}

/// A kiosk with its PIN set, technician mode open (on the self-test).
fn signed_in(name: &str) -> Kit {
    let kit = kit(name);
    configure(&kit, Policy::default());
    gesture(&kit);
    type_pin(&kit, PIN);
    kit
}

fn audit_log(kit: &Kit) -> String {
    std::fs::read_to_string(kit.dir.join("technician-audit.log")).unwrap_or_default()
}

/// The county's central system on 127.0.0.1 (in the kit's folder) and an enrollment code for
/// 城关镇便民服务中心 as its QR code carries it.
fn county(
    kit: &Kit,
) -> (
    onevisit_central::serve::Running,
    onevisit_sync::enroll::EnrollPayload,
) {
    let cdir = kit.dir.join("central");
    let central = onevisit_central::spawn(&cdir, "127.0.0.1:0").unwrap();
    let conn = onevisit_central::db::open(&onevisit_central::sql::Location::folder(&cdir)).unwrap();
    let code = onevisit_central::admin::enroll_code(
        &conn,
        "城关镇便民服务中心",
        onevisit_central::now_ms(),
    )
    .unwrap();
    let payload = onevisit_sync::enroll::EnrollPayload {
        central: central.url(),
        code,
        pin: central.fingerprint.clone(),
        site: "城关镇便民服务中心".into(),
    };
    (central, payload)
}

fn line<'a>(lines: &'a [crate::selftest::Check], name: &str) -> &'a crate::selftest::Check {
    lines
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no {name} line in {lines:?}"))
}

#[test]
fn an_opened_cabinet_wipes_and_locks_the_screen_until_the_pin() {
    let kit = kit("tech-tamper");
    configure(&kit, Policy::default());
    let profile = onevisit_gpio::Profile::builtin("simulated").unwrap();
    let pins = onevisit_gpio::backend::SimBackend::new();
    kit.app.borrow_mut().cabinet.driver = Some(onevisit_gpio::driver::spawn(
        &profile,
        Box::new(pins.clone()),
    ));
    kit.press("开始办理");
    kit.press("我要开饭店");
    assert_eq!(kit.k().get_screen(), UiScreen::Question);
    assert_eq!(kit.app.borrow().tamper_state(), "closed");
    pins.set_input(onevisit_gpio::Input::Tamper, true);
    kit.until(None, |k| t(k).get_locked());
    assert_eq!(t(&kit).get_view(), TechnicianView::Pin);
    assert_eq!(
        kit.k().get_screen(),
        UiScreen::Attract,
        "the session was wiped"
    );
    assert!(kit.app.borrow().session.theme().is_none());
    assert_eq!(kit.app.borrow().tamper_state(), "open_locked");
    // Nothing but the PIN pad works, and it cannot be cancelled.
    kit.press("开始办理");
    assert_eq!(kit.k().get_screen(), UiScreen::Attract);
    send(&kit, TechEvent::Exit);
    assert!(kit.app.borrow().tech.core.out_of_service());
    type_pin(&kit, "1234");
    assert!(
        t(&kit).get_pin_message().contains('4'),
        "{}",
        t(&kit).get_pin_message()
    );
    later(&kit, 2_000);
    type_pin(&kit, PIN);
    assert_eq!(t(&kit).get_view(), TechnicianView::Open);
    assert!(!t(&kit).get_locked());
    assert_eq!(kit.app.borrow().tamper_state(), "open_unlocked");
    // The cabinet's own checks: the LED, the presence sensor, the reader's relay.
    kit.press("指示灯闪烁");
    kit.press("读卡器断电重启");
    pins.set_input(onevisit_gpio::Input::Presence, true);
    kit.until(None, |k| {
        let seen = &k.app.borrow().tech.seen;
        seen.presence && seen.power_cycled
    });
    later(&kit, 5_000);
    let lines = kit.app.borrow().technician_checklist();
    let gpio = line(&lines, "gpio");
    assert!(!gpio.detail.contains('—'), "{}", gpio.detail);
    kit.press("退出");
    assert_eq!(t(&kit).get_view(), TechnicianView::Closed);
    kit.press("开始办理");
    assert_eq!(kit.k().get_screen(), UiScreen::Themes);
    let log = audit_log(&kit);
    for what in ["tamper_lock", "pin_wrong", "entered", "exited_door_open"] {
        assert!(log.contains(what), "{what} not audited: {log}");
    }
    assert!(
        !log.contains(PIN) && !log.contains("1234"),
        "a PIN in the audit log: {log}"
    );
}

#[test]
fn the_county_pin_replaces_the_settings_and_the_policy_can_wipe_the_keys() {
    let kit = kit("tech-county");
    configure(
        &kit,
        Policy {
            wipe_keys_on_tamper: true,
        },
    );
    let pushed = kit.dir.join(onevisit_sync::pin::PUSHED_FILE);
    std::fs::create_dir_all(pushed.parent().unwrap()).unwrap();
    std::fs::write(
        &pushed,
        onevisit_sync::pin::hash("135790", b"fedcba9876543210", 1000),
    )
    .unwrap();
    gesture(&kit);
    type_pin(&kit, PIN);
    assert_eq!(
        t(&kit).get_view(),
        TechnicianView::Pin,
        "the settings' PIN no longer opens"
    );
    later(&kit, 2_000);
    type_pin(&kit, "135790");
    assert_eq!(t(&kit).get_view(), TechnicianView::Open);
    kit.press("退出");

    // The county's policy: a door opened without a technician destroys the keys.
    std::fs::write(kit.dir.join("sync/device.key"), [7u8; 32]).unwrap();
    assert!(kit.dir.join("data.key").exists(), "the store made its key");
    send(&kit, TechEvent::Exit);
    kit.app
        .borrow_mut()
        .technician_signal(onevisit_domain::technician::Event::TamperOpened);
    step(&kit);
    assert!(t(&kit).get_locked());
    assert!(!kit.dir.join("data.key").exists());
    assert!(!kit.dir.join("sync/device.key").exists());
    assert!(audit_log(&kit).contains("keys_wiped"));
}

#[test]
fn wrong_pins_back_off_then_lock_the_pad() {
    let kit = kit("tech-lockout");
    configure(&kit, Policy::default());
    // Nothing opens on one corner alone.
    send(&kit, TechEvent::Corner(Corner::TopRight));
    assert_eq!(t(&kit).get_view(), TechnicianView::Closed);
    gesture(&kit);
    assert_eq!(t(&kit).get_view(), TechnicianView::Pin);
    assert!(
        !t(&kit).get_locked(),
        "not the tamper lock: it can be cancelled"
    );
    for n in 0..5 {
        type_pin(&kit, "0000");
        later(&kit, 1_000 << n);
    }
    let msg = t(&kit).get_pin_message().to_string();
    assert!(msg.contains("锁定"), "{msg}");
    // Even the right PIN waits out the lockout.
    type_pin(&kit, PIN);
    assert_eq!(t(&kit).get_view(), TechnicianView::Pin);
    later(&kit, LOCKOUT_MS);
    // The pad left alone that long has closed; the count of wrong PINs has not reset.
    assert_eq!(t(&kit).get_view(), TechnicianView::Closed);
    gesture(&kit);
    type_pin(&kit, PIN);
    assert_eq!(t(&kit).get_view(), TechnicianView::Open);
    assert!(audit_log(&kit).contains("pin_locked"));

    // The touch test: five targets, each turned green.
    kit.press("触摸测试");
    assert!(t(&kit).get_touch_test());
    for target in super::TARGETS {
        kit.press(&format!("target {target}"));
    }
    assert!(!t(&kit).get_touch_test());
    let lines = kit.app.borrow().technician_checklist();
    assert_eq!(line(&lines, "touch").state, crate::selftest::State::Pass);

    // Left alone, technician mode closes by itself.
    later(&kit, IDLE_MS);
    assert_eq!(t(&kit).get_view(), TechnicianView::Closed);
    assert!(audit_log(&kit).contains("idle_exit"));
}

#[test]
fn the_self_test_sees_an_unplugged_reader_and_prints_its_ticket() {
    let kit = kit("tech-selftest");
    configure(&kit, Policy::default());
    let devices = unplugged_reader();
    {
        let mut app = kit.app.borrow_mut();
        let view = devices.view();
        // As the kiosk's loop reports them.
        app.tech.seen.reader = Some((view.ok, view.status));
        app.tech.seen.printer = Some(String::new());
        app.tech.plan = Some(crate::config::DevicePlan {
            idcard: crate::config::Source::Simulated,
            printer: crate::config::Source::Simulated,
            mrz: crate::config::Source::Missing,
            camera: crate::config::Source::Simulated,
            gpio: crate::config::Source::Missing,
        });
    }
    gesture(&kit);
    type_pin(&kit, PIN);
    kit.press("运行自检");
    settle(&kit);
    kit.until(None, |k| k.app.borrow().tech.seen.camera.is_some());
    step(&kit);
    assert!(
        t(&kit).get_has_preview(),
        "the camera's live picture is on screen"
    );
    assert!(t(&kit).get_preview().size().width > 0);
    let lines = kit.app.borrow().technician_checklist();
    use crate::selftest::State;
    assert_eq!(line(&lines, "card reader").state, State::Fail, "{lines:?}");
    assert_eq!(line(&lines, "printer").state, State::Pass);
    assert_eq!(line(&lines, "camera").state, State::Pass);
    assert!(
        line(&lines, "camera").detail.contains("a page under it"),
        "{lines:?}"
    );
    assert_eq!(line(&lines, "mrz reader").state, State::NotFitted);
    assert_eq!(line(&lines, "storage").state, State::Pass, "{lines:?}");
    assert_eq!(line(&lines, "central").state, State::NotFitted);
    // The network as NetworkManager (here simulated) has it; the clock waits for the central
    // system's time.
    assert_eq!(line(&lines, "network").state, State::Pass, "{lines:?}");
    assert!(
        line(&lines, "network")
            .detail
            .contains("eth0 10.20.30.41/24")
    );
    assert_eq!(line(&lines, "clock").state, State::Waiting);
    let shown: Vec<String> = slint::Model::iter(&t(&kit).get_checks())
        .map(|c| format!("{} {}", c.name, c.state))
        .collect();
    assert!(shown.contains(&"身份证读卡器 fail".to_owned()), "{shown:?}");

    kit.press("打印服务单");
    settle(&kit);
    assert!(
        t(&kit).get_message().contains("服务单已打印"),
        "{}",
        t(&kit).get_message()
    );
    let printed = kit.printed();
    assert_eq!(printed.len(), 1, "the ticket came out of the printer");
    if let Ok(dir) = std::env::var("ONEVISIT_TICKET_PNG") {
        let _ = std::fs::copy(&printed[0], dir);
    }
}

#[test]
fn a_card_placed_in_technician_mode_is_shown_masked_with_its_read_time() {
    let kit = kit("tech-card");
    configure(&kit, Policy::default());
    let mut devices = crate::devices::Devices::start(crate::config::Source::Simulated).unwrap();
    gesture(&kit);
    type_pin(&kit, PIN);
    devices.place_sample_card();
    kit.until(Some(&mut devices), |k| {
        k.app.borrow().tech.seen.card.is_some()
    });
    let seen = kit.app.borrow().tech.seen.card.clone().unwrap_or_default();
    // 张试民 110101199003071233, the synthetic sample card: never in clear here.
    assert!(
        seen.contains("张**") && seen.contains("1101**********1233"),
        "{seen}"
    );
    assert!(
        !seen.contains("张试民") && !seen.contains("19900307"),
        "{seen}"
    );
    // The simulator answers at once (a real module takes about a second): only that the
    // figure is there.
    assert!(
        seen.split("read in ")
            .nth(1)
            .and_then(|r| r.split(" ms").next())
            .is_some_and(|n| n.parse::<u64>().is_ok()),
        "no read time in {seen:?}"
    );
    // The citizen's journey did not see the card.
    assert!(
        kit.app
            .borrow()
            .session
            .form()
            .get("applicant_name")
            .is_none_or(|v| v.is_empty())
    );
}

/// Types `text` on the enrollment line's keys, as a technician would.
fn type_line(kit: &Kit, text: &str) {
    for c in text.chars() {
        kit.press(&format!("line key {c}"));
    }
    step(kit);
}

#[test]
fn the_enrollment_line_typed_on_the_screen_keys_enrolls_the_kiosk() {
    let kit = signed_in("tech-type-line");
    let (_central, payload) = county(&kit);
    kit.press("开通");
    kit.press("手工输入开通码");
    step(&kit);
    assert!(t(&kit).get_typing());
    // A line cut short says what is wrong and stays on the keys to be corrected.
    type_line(&kit, "onevisit:enroll?v=1");
    kit.press("完成");
    step(&kit);
    assert!(t(&kit).get_message_bad(), "{}", t(&kit).get_message());
    assert!(t(&kit).get_typing(), "still typing");
    kit.press("line key clear");
    step(&kit);
    assert_eq!(t(&kit).get_typed(), "");
    // The line as `enroll-code` prints it, typed in lower case (the keys have no capitals),
    // with one slip corrected.
    type_line(&kit, "x");
    kit.press("line key ⌫");
    let line = payload.to_line().to_ascii_lowercase();
    type_line(&kit, &line);
    assert_eq!(t(&kit).get_typed(), line.as_str());
    kit.press("完成");
    step(&kit);
    assert!(!t(&kit).get_message_bad(), "{}", t(&kit).get_message());
    assert!(!t(&kit).get_typing(), "the keys close once the line reads");
    assert!(t(&kit).get_payload().contains("城关镇便民服务中心"));
    kit.press("开通本机");
    settle(&kit);
    assert!(
        t(&kit).get_message().contains("已开通"),
        "{}",
        t(&kit).get_message()
    );
    assert!(audit_log(&kit).contains("type_enrollment_line"));
    // The line itself (its one-time code) is never in the audit log.
    assert!(!audit_log(&kit).contains(&payload.code.to_ascii_lowercase()));
}

#[test]
fn wifi_is_scanned_chosen_and_joined_with_its_password_on_the_screen_keys() {
    let kit = signed_in("tech-wifi");
    kit.press("网络");
    settle(&kit);
    let facts = facts(&kit);
    assert!(
        facts
            .iter()
            .any(|f| f.starts_with("有线网络 eth0 · 已连接")),
        "{facts:?}"
    );
    assert!(
        facts.iter().any(|f| f.contains("中国移动 · 4G · 信号 72%")),
        "{facts:?}"
    );
    kit.press("扫描无线网络");
    settle(&kit);
    assert_eq!(slint::Model::row_count(&t(&kit).get_wifi()), 3);
    assert!(t(&kit).get_message().contains("找到 3 个无线网络"));

    // The hall's network has a password: the keys come up for it.
    kit.press("wifi 城关镇便民服务中心");
    step(&kit);
    assert!(t(&kit).get_typing());
    assert!(t(&kit).get_typing_title().contains("城关镇便民服务中心"));
    type_line(&kit, "short");
    kit.press("完成");
    step(&kit);
    assert!(
        t(&kit).get_message_bad(),
        "too short: {}",
        t(&kit).get_message()
    );
    assert!(t(&kit).get_typing(), "still typing");
    kit.press("line key clear");
    // A wrong password: the access point says no.
    type_line(&kit, "wrongpassword");
    assert_eq!(t(&kit).get_typed(), "●●●●●●●●●●●●d", "dots but the last");
    kit.press("完成");
    settle(&kit);
    assert!(t(&kit).get_message_bad(), "{}", t(&kit).get_message());
    assert!(t(&kit).get_message().contains("未能连接"));
    // The right one (its capital through ⇧).
    kit.press("wifi 城关镇便民服务中心");
    step(&kit);
    kit.press("line key shift");
    kit.press("line key B");
    kit.press("line key shift");
    type_line(&kit, "ianmin2026");
    kit.press("完成");
    settle(&kit);
    assert!(!t(&kit).get_message_bad(), "{}", t(&kit).get_message());
    assert!(
        t(&kit)
            .get_message()
            .contains("已连接到 城关镇便民服务中心")
    );
    let first = slint::Model::row_data(&t(&kit).get_wifi(), 0).unwrap();
    assert!(first.active && first.ssid == "城关镇便民服务中心");
    let log = audit_log(&kit);
    assert!(
        log.contains("wifi_join") && log.contains("wifi_scan"),
        "{log}"
    );
    assert!(!log.contains("ianmin2026"), "no password in the audit log");

    // An open network joins at once.
    kit.press("wifi ChinaNet-Guest");
    settle(&kit);
    assert!(!t(&kit).get_typing());
    assert!(t(&kit).get_message().contains("已连接到 ChinaNet-Guest"));
}

#[test]
fn a_wired_cabinet_offers_no_wifi_scan_and_a_scan_keeps_its_links() {
    let kit = signed_in("tech-wired");
    use_network(&kit, crate::network::sim::Simulated::wired());
    kit.press("网络");
    settle(&kit);
    assert!(
        !t(&kit).get_has_wifi(),
        "no scan button without a Wi-Fi adapter"
    );
    // Asked for anyway (the screen has no button for it): the reason, and the links stay.
    send(&kit, TechEvent::ScanWifi);
    settle(&kit);
    assert!(t(&kit).get_message_bad());
    assert!(
        t(&kit).get_message().contains("no Wi-Fi adapter"),
        "{}",
        t(&kit).get_message()
    );
    let facts = facts(&kit);
    assert!(
        facts
            .iter()
            .any(|f| f.starts_with("有线网络 eth0 · 已连接")),
        "{facts:?}"
    );
}

#[test]
fn without_network_manager_the_section_says_so_and_shows_the_kernels_links() {
    let kit = signed_in("tech-no-nm");
    // The real backend: on a machine without NetworkManager on the system bus (a build
    // machine, a container) it must say so, not hang or panic.
    use_network(&kit, crate::network::nm::NetworkManager::new());
    kit.press("网络");
    settle(&kit);
    let facts = facts(&kit);
    let nm_answers = kit.app.borrow().tech.net.is_some();
    if !nm_answers {
        assert!(
            facts[0].starts_with("NetworkManager")
                && facts[0].contains("systemctl status NetworkManager"),
            "{facts:?}"
        );
    }
}

#[test]
fn enrollment_from_the_county_qr_code_against_a_real_central() {
    let kit = signed_in("tech-enroll");
    let (_central, payload) = county(&kit);
    kit.press("开通");
    assert!(slint::Model::row_count(&t(&kit).get_facts()) > 0);
    // Something that is not an enrollment code says so.
    kit.app.borrow_mut().scanned("https://example.org/menu");
    step(&kit);
    assert!(t(&kit).get_message_bad());
    assert!(
        t(&kit).get_message().contains("不是开通二维码"),
        "{}",
        t(&kit).get_message()
    );

    // The kiosk's QR scanner, on a pseudo-terminal: any code shows on its checklist line; the
    // county's enrollment code is taken.
    let sim = onevisit_serial::sim::ScannerSim::start(None, b"\r\n", Some("Q1")).unwrap();
    kit.app.borrow_mut().tech.scanner = Some(onevisit_serial::line::spawn_scanner(
        onevisit_serial::pump::PortConfig::new(sim.path().to_string_lossy().into_owned(), 9600),
        onevisit_scanner::Splitter::new(b"", 100, true),
    ));
    // The driver opens the port on its own thread: scan again until it has heard one.
    let sim = std::cell::RefCell::new(sim);
    kit.until(None, |k| {
        let _ = sim.borrow_mut().scan("6901234567892");
        std::thread::sleep(std::time::Duration::from_millis(200));
        k.app.borrow_mut().tick();
        k.app.borrow().tech.seen.scan.is_some()
    });
    let mut sim = sim.into_inner();
    let lines = kit.app.borrow().technician_checklist();
    assert!(
        line(&lines, "qr scanner").detail.contains("6901234567892"),
        "{lines:?}"
    );
    sim.scan(&payload.to_line()).unwrap();
    kit.until(None, |k| k.app.borrow().tech.payload.is_some());
    kit.app.borrow_mut().tech.payload = None;

    // A code for another site is refused before it is spent.
    kit.app.borrow_mut().tech.site_setting = Some("河口乡便民服务站".into());
    kit.app.borrow_mut().scanned(&payload.to_line());
    step(&kit);
    kit.press("开通本机");
    settle(&kit);
    assert!(
        t(&kit).get_message().contains("ask the county"),
        "{}",
        t(&kit).get_message()
    );
    kit.app.borrow_mut().tech.site_setting = None;

    // The QR code held under the document camera.
    let png = kit.dir.join("enroll.png");
    onevisit_central::enroll_qr::Qr::new(&payload.to_line())
        .unwrap()
        .write_png(&png)
        .unwrap();
    let img = image::open(&png).unwrap().to_luma8();
    kit.app.borrow_mut().scanner.frames = Box::new(OneFrame(Some(onevisit_capture::Gray {
        width: img.width(),
        height: img.height(),
        data: img.into_raw(),
    })));
    kit.app.borrow_mut().tech.payload = None;
    kit.until(None, |k| {
        k.app.borrow_mut().technician_settle();
        k.app.borrow().tech.payload.is_some()
    });
    step(&kit);
    assert!(t(&kit).get_payload().contains("城关镇便民服务中心"));
    assert!(
        !t(&kit).get_payload().contains(&payload.code),
        "the code is not shown"
    );
    kit.press("开通本机");
    settle(&kit);
    assert!(!t(&kit).get_message_bad(), "{}", t(&kit).get_message());
    assert!(
        t(&kit).get_message().contains("已开通"),
        "{}",
        t(&kit).get_message()
    );
    let (id, _) = onevisit_sync::driver::Identity::load(&kit.dir).unwrap();
    assert_eq!(id.site, "城关镇便民服务中心");
    assert!(audit_log(&kit).contains("\"enrolled\""));

    // The connection test reaches it over the pinned link.
    kit.press("网络");
    settle(&kit);
    kit.press("测试连接");
    settle(&kit);
    let lines = kit.app.borrow().tech.connection.clone();
    assert!(lines.iter().all(|c| c.ok), "{lines:?}");
    assert_eq!(lines.len(), 3, "dns, tls, clock: {lines:?}");
}

#[test]
fn the_queue_and_diagnostics_go_to_the_usb_stick_and_updates_come_from_it() {
    let kit = kit("tech-usb");
    configure(&kit, Policy::default());
    let (_central, payload) = county(&kit);
    crate::runtime::enroll(&kit.dir, &payload, None, kit.app.borrow().now()).unwrap();
    // A citizen's case waits in the queue.
    to_signed(&kit);
    kit.press("签名并提交");
    kit.app.borrow_mut().settle();
    step(&kit);
    let usb = kit.dir.join("usb");
    kit.app.borrow_mut().tech.usb_dir = usb.clone();
    gesture(&kit);
    type_pin(&kit, PIN);
    kit.press("队列与日志");
    let facts = facts(&kit);
    assert!(facts.contains(&"待上传案件 1".to_owned()), "{facts:?}");
    // Sync is not running in this test: the button says so instead of doing nothing.
    kit.press("立即同步");
    assert!(t(&kit).get_message_bad());

    // No stick yet.
    kit.press("案件导出到U盘");
    settle(&kit);
    assert!(
        t(&kit).get_message().contains("no USB stick"),
        "{}",
        t(&kit).get_message()
    );
    std::fs::create_dir_all(&usb).unwrap();
    kit.press("案件导出到U盘");
    settle(&kit);
    assert!(!t(&kit).get_message_bad(), "{}", t(&kit).get_message());
    assert!(
        t(&kit).get_message().contains("1 case(s)"),
        "{}",
        t(&kit).get_message()
    );
    let files: Vec<String> = std::fs::read_dir(&usb)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f.ends_with(".ovx")), "{files:?}");
    assert_eq!(t(&kit).get_progress(), -1, "no bar once done");

    kit.press("诊断包导出到U盘");
    settle(&kit);
    let diag = std::fs::read_dir(&usb)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("diagnostics"))
        .expect("a diagnostics file");
    let text = std::fs::read_to_string(diag).unwrap();
    assert!(
        text.contains("[checklist]") && text.contains("cases waiting: 1"),
        "{text}"
    );
    for personal in ["11010519491231002X", "张测试", "13800138000", PIN] {
        assert!(!text.contains(personal), "{personal} in the diagnostics");
    }

    // Updates: none on the stick, then one RAUC will not take (not signed by the county).
    kit.press("更新");
    kit.press("从U盘安装更新");
    assert!(
        t(&kit).get_message().contains("raucb"),
        "{}",
        t(&kit).get_message()
    );
    std::fs::write(usb.join("forged.raucb"), b"not a bundle").unwrap();
    kit.press("从U盘安装更新");
    settle(&kit);
    assert!(t(&kit).get_message_bad());
    assert!(
        t(&kit).get_message().contains("rauc"),
        "{}",
        t(&kit).get_message()
    );
    let log = audit_log(&kit);
    for what in ["export_usb", "diagnostics", "install_update", "sync_now"] {
        assert!(log.contains(what), "{what} not audited");
    }
}

/// A camera that shows one picture.
struct OneFrame(Option<onevisit_capture::Gray>);

impl crate::kiosk::frames::Frames for OneFrame {
    fn latest(&mut self) -> Option<onevisit_capture::Gray> {
        self.0.clone()
    }
}
