//! The officers' workbench in a real browser (headless Chromium through WebDriver) against
//! the real central server on 127.0.0.1, with a case sent by a real kiosk store and sync:
//! one window accepts, two departments approve in parallel after one joint inspection, and the
//! results go out together — back to the kiosk and as one text message.
//!
//! `ONEVISIT_WORKBENCH_SHOTS=DIR` also saves each page as a PNG (how `docs/workbench/` is made).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::webdriver::Browser;
use common::*;
use onevisit_central::{accounts, audit, db};
use onevisit_store::{Applicant, NewCase, NewMaterial};

const PASSWORD: &str = "workbench-test-1";

fn shot(b: &Browser, name: &str) {
    if let Some(dir) = std::env::var_os("ONEVISIT_WORKBENCH_SHOTS") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).expect("shots dir");
        std::fs::write(dir.join(format!("{name}.png")), b.full_screenshot(1366)).expect("png");
    }
}

fn login(b: &Browser, base: &str, name: &str) {
    b.go(&format!("{base}/login"));
    b.type_into("input[name=username]", name);
    b.type_into("input[name=password]", PASSWORD);
    b.click("form[action='/login'] button");
}

fn logout(b: &Browser) {
    b.click("form[action='/logout'] button");
    let u = b.wait_url("/login");
    assert!(u.ends_with("/login"), "{u}");
}

/// A restaurant, rented premises, no outdoor sign, a large venue: the business licence and
/// the food permit (market regulation), the fire check (fire brigade); the permit and the
/// check need a site inspection — one, joint.
fn restaurant() -> NewCase {
    NewCase {
        theme: "open-restaurant".into(),
        answers: BTreeMap::from([
            ("sells_tobacco".into(), "no".into()),
            ("premises".into(), "rented".into()),
            ("outdoor_sign".into(), "no".into()),
            ("large_venue".into(), "yes".into()),
        ]),
        // The worked example of GB 11643 (a synthetic number with a valid check digit).
        applicant: Applicant {
            name: "测试甲".into(),
            id_number: "11010519491231002X".into(),
        },
        form: BTreeMap::from([
            ("shop_name".into(), "测试饭店".into()),
            ("phone".into(), "13800138000".into()),
            ("business_address".into(), "城关镇人民路8号".into()),
        ]),
        materials: vec![NewMaterial {
            name: "房屋租赁合同".into(),
            pages: 2,
            pdf: b"%PDF-1.4\n% a stand-in\n".to_vec(),
        }],
        signature: None,
        rating: Some(5),
        owed: Vec::new(),
    }
}

fn audit_has(dir: &Path, officer: &str, command: &str, outcome: &str) -> bool {
    let c = db::open(&common::location(dir)).expect("db");
    audit::list(&c)
        .expect("audit")
        .iter()
        .any(|e| e.officer == officer && e.command == command && e.outcome == outcome)
}

#[test]
fn a_restaurant_from_inbox_to_results_together_in_the_browser() {
    let w = World::new();
    let dir = w.central_dir.path();
    {
        let conn = db::open(&common::location(dir)).expect("db");
        let keys = onevisit_central::keys::Keys::load_or_create(dir).expect("keys");
        let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
        onevisit_central::catalog::publish_dir(
            &conn,
            dir,
            &keys,
            &catalog,
            onevisit_central::now_ms(),
            365,
        )
        .expect("publish the sample catalog");
        for (name, role, dep) in [
            ("王窗口", "window", None),
            ("李市监", "department", Some("amr")),
            ("赵消防", "department", Some("fire")),
            ("钱城管", "department", Some("urban")),
            ("孙管理", "admin", None),
        ] {
            accounts::add(&conn, name, role, dep, PASSWORD, 0).expect("officer");
        }
    }
    let id = w
        .store()
        .commit(&restaurant(), onevisit_central::now_ms())
        .expect("commit");
    // A second citizen who rated the service one star.
    let mut poor = restaurant();
    poor.rating = Some(1);
    let poor = w
        .store()
        .commit(&poor, onevisit_central::now_ms())
        .expect("commit");
    assert_eq!(w.sync_once().delivered.len(), 2);
    let unhappy = w
        .store()
        .get(&poor)
        .expect("case")
        .central_number
        .expect("number");
    let number = w
        .store()
        .get(&id)
        .expect("case")
        .central_number
        .expect("number");
    let base = w.central.url();
    let case_url = format!("{base}/cases/{number}");
    let b = Browser::start();

    // Not signed in: the login page.
    b.go(&format!("{base}/"));
    assert!(b.url().ends_with("/login"), "{}", b.url());
    shot(&b, "login");
    // A wrong password is refused and says nothing about which part was wrong.
    b.type_into("input[name=username]", "王窗口");
    b.type_into("input[name=password]", "not the password");
    b.click("form[action='/login'] button");
    assert!(
        b.text().contains("用户名、密码或动态口令不正确"),
        "{}",
        b.text()
    );

    // The window: the inbox, the case, 受理, and one joint inspection.
    login(&b, &base, "王窗口");
    let u = b.wait_url("/inbox");
    assert!(u.ends_with("/inbox"), "{u}");
    let t = b.text();
    assert!(t.contains(&number) && t.contains("我要开饭店"), "{t}");
    shot(&b, "inbox");
    // English for an officer who asks; Chinese again after.
    b.go(&format!("{base}/lang/en"));
    let t = b.text();
    assert!(
        t.contains("The window's inbox") && t.contains("Open a restaurant"),
        "{t}"
    );
    shot(&b, "inbox-en");
    b.go(&format!("{base}/lang/zh"));
    assert!(b.text().contains("综合窗口收件箱"));
    b.click(&format!("a[href='/cases/{number}']"));
    let t = b.text();
    for want in [
        "营业执照",
        "食品经营许可",
        "消防",
        "房屋租赁合同",
        "测**",
        "1101**********002X",
    ] {
        assert!(t.contains(want), "{want} not on the case page:\n{t}");
    }
    assert!(!t.contains("测试甲"), "the name is masked until asked");
    shot(&b, "case-new");
    b.click("form[action$='/reveal'] button");
    assert!(b.text().contains("测试甲") && b.text().contains("11010519491231002X"));
    assert!(audit_has(dir, "王窗口", "web reveal", "ok"));
    b.go(&case_url);
    b.click("form[action$='/accept'] button");
    let t = b.text();
    assert!(t.contains("已受理") && t.contains("并联审批"), "{t}");
    b.type_into("input[name=when]", "2026-12-10 09:30");
    b.click("form[action$='/inspection'] button");
    assert!(b.text().contains("联合现场核查已预约"), "{}", b.text());
    shot(&b, "case-accepted");

    // The one-star rating waits for a follow-up; closing it says what was done.
    b.go(&format!("{base}/followups"));
    assert!(
        b.text().contains(&unhappy) && b.text().contains("1 星"),
        "{}",
        b.text()
    );
    shot(&b, "followups");
    b.type_into(
        "form.followup input[name=action]",
        "已电话回访：等候时间过长，已增开午间窗口",
    );
    b.click("form.followup button");
    let t = b.text();
    assert!(
        t.contains("差评整改已办结") && t.contains("没有待整改的差评"),
        "{t}"
    );
    assert!(t.contains("增开午间窗口"), "{t}");

    // A form posted without its CSRF token is refused, and the refusal is audited.
    let forged = format!(
        "var f=document.createElement('form');f.method='post';f.action='/cases/{number}/refuse';\
         var i=document.createElement('input');i.name='reason';i.value='x';f.appendChild(i);\
         document.body.appendChild(f);f.submit();"
    );
    b.execute_and_wait(&forged);
    assert!(b.text().contains("CSRF"), "{}", b.text());
    assert!(audit_has(dir, "王窗口", "web refuse", "refused"));
    b.go(&case_url);
    assert!(
        b.text().contains("已受理"),
        "the forged refusal changed nothing"
    );
    logout(&b);

    // A reviewer of a department with no item in the case cannot open it (and it is audited).
    login(&b, &base, "钱城管");
    let u = b.wait_url("/tasks");
    assert!(u.ends_with("/tasks"), "{u}");
    b.go(&case_url);
    assert!(b.text().contains("无权访问"), "{}", b.text());
    b.go(&format!("{case_url}/attachments/0"));
    assert!(b.text().contains("无权访问"));
    assert!(audit_has(dir, "钱城管", "web open-case", "refused"));
    assert!(audit_has(dir, "钱城管", "web view-scan", "refused"));
    b.go(&format!("{base}/tasks"));
    logout(&b);

    // Market regulation: its two items; the permit waits for the inspection.
    login(&b, &base, "李市监");
    b.wait_url("/tasks");
    assert_eq!(b.count("table.list tbody tr td a"), 2, "{}", b.text());
    shot(&b, "tasks");
    b.go(&format!("{case_url}/attachments/0"));
    assert!(audit_has(dir, "李市监", "web view-scan", "ok"));
    b.go(&case_url);
    b.type_into("textarea[name=conclusion]", "场所布局、设施符合要求");
    b.click("button[name=passed][value=yes]");
    assert!(b.text().contains("核查结论已记录"), "{}", b.text());
    for _ in 0..2 {
        b.type_into("form.decide-task input[name=note]", "材料齐全，准予许可");
        b.click("form.decide-task button[value=approve]");
        assert!(b.text().contains("审批意见已记录"), "{}", b.text());
    }
    assert!(b.text().contains("等待：县消防救援大队"), "{}", b.text());
    logout(&b);

    // The fire brigade decides the last item: every result goes out together.
    login(&b, &base, "赵消防");
    b.wait_url("/tasks");
    b.go(&case_url);
    b.type_into("form.decide-task input[name=note]", "消防设施符合要求");
    b.click("form.decide-task button[value=approve]");
    assert!(b.text().contains("全部事项已办结"), "{}", b.text());
    shot(&b, "case-done");
    logout(&b);

    // One message to the citizen, the number masked in the log; the kiosk learns the result.
    let log = std::fs::read_to_string(dir.join(onevisit_central::notify::LOG)).expect("log");
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(audit_has(dir, "王窗口", "web close-followup", "ok"));
    assert!(log.contains("138****8000") && log.contains(&number) && !log.contains("13800138000"));
    w.sync_once();
    assert_eq!(
        w.store().get(&id).expect("case").remote_status.as_deref(),
        Some("approved")
    );
    // Every step is in the audit log, and the chain holds.
    let c = db::open(&common::location(dir)).expect("db");
    assert!(matches!(audit::verify(&c).expect("verify"), Ok(n) if n > 10));
    for cmd in [
        "web accept",
        "web schedule-inspection",
        "web record-inspection",
        "web approve",
        "web results-together",
    ] {
        assert!(
            audit::list(&c)
                .expect("list")
                .iter()
                .any(|e| e.command == cmd),
            "{cmd}"
        );
    }

    // The figures: the restaurant's computed before/after against what was realised.
    login(&b, &base, "王窗口");
    b.wait_url("/inbox");
    b.go(&format!("{base}/figures"));
    let t = b.text();
    assert!(
        t.contains("我要开饭店") && t.contains("改革前（计算）"),
        "{t}"
    );
    assert_eq!(b.count("svg.chart rect.real"), 1, "{t}");
    shot(&b, "figures");
    logout(&b);

    // The fleet: the kiosk with its heartbeat; a new enrollment code with its QR code; and a
    // stolen kiosk revoked.
    login(&b, &base, "孙管理");
    b.wait_url("/fleet");
    let t = b.text();
    assert!(
        t.contains("城关镇便民服务中心") && t.contains("test"),
        "{t}"
    );
    b.type_into("input[name=site]", "石桥村便民服务站");
    b.click("form[action='/fleet/enroll'] button");
    assert_eq!(b.count("img.qr"), 1, "{}", b.text());
    assert!(audit_has(dir, "孙管理", "web enroll-code", "ok"));
    shot(&b, "fleet");
    b.tap("td details > summary");
    b.click("form[action$='/revoke'] button");
    assert!(b.text().contains("已停用"), "{}", b.text());
    assert!(audit_has(dir, "孙管理", "web revoke", "ok"));
}
