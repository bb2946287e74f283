//! Technician mode's screens: the PIN pad (and the tamper lock), the sections, their facts and
//! checklists. Labels in the kiosk's language; the probes' details are as the CLI prints them.

use onevisit_domain::technician::{Mode, PinNotice};

use super::super::app::App;
use super::super::contract::section_to_ui;
use super::{model, tr};
use crate::kiosk::technician::Typing;
use crate::kiosk::window::{CheckLine, SummaryLine, Technician, TechnicianView, WifiRow};
use crate::selftest::{Check, State};

pub(super) fn show(app: &App, t: &Technician<'_>, now: i64) {
    let en = app.english();
    let tr = tr(en);
    let core = &app.tech.core;
    t.set_view(match core.mode() {
        Mode::Closed => TechnicianView::Closed,
        Mode::Pin(_) => TechnicianView::Pin,
        Mode::Open(_) => TechnicianView::Open,
    });
    t.set_locked(core.out_of_service());
    t.set_pin_dots("●".repeat(core.entered()).into());
    t.set_pin_message(pin_message(core.notice(), now, en).into());
    t.set_pin_checking(core.notice() == PinNotice::Checking);
    if let Mode::Open(section) = core.mode() {
        t.set_section(section_to_ui(*section));
    }
    t.set_idle_left(
        core.next_deadline()
            .map_or(0, |d| ((d - now).max(0) / 1000) as i32),
    );
    let tech = &app.tech;
    t.set_facts(model(
        tech.facts
            .iter()
            .map(|f| SummaryLine {
                label: tr(f.zh, f.en),
                value: f.value(en).into(),
                edit: "".into(),
            })
            .collect(),
    ));
    let checks = match core.mode() {
        Mode::Open(onevisit_domain::technician::Section::Checklist) => app.technician_checklist(),
        Mode::Open(onevisit_domain::technician::Section::Network) => tech.connection.clone(),
        _ => Vec::new(),
    };
    t.set_checks(model(checks.iter().map(|c| line(c, en)).collect()));
    let (msg, bad) = tech.message.as_ref().map_or((String::new(), false), |m| {
        (if en { m.en.clone() } else { m.zh.clone() }, m.bad)
    });
    t.set_message(msg.into());
    t.set_message_bad(bad);
    t.set_busy(tech.busy());
    t.set_progress(tech.progress.load(std::sync::atomic::Ordering::Relaxed));
    t.set_touch_test(tech.touch_test);
    t.set_tapped(model(tech.taps.to_vec()));
    let live = matches!(
        core.mode(),
        Mode::Open(
            onevisit_domain::technician::Section::Checklist
                | onevisit_domain::technician::Section::Provision
        )
    );
    match (&app.scanner.preview, live) {
        (Some(p), true) => {
            t.set_preview(p.clone());
            t.set_has_preview(true);
        }
        _ => t.set_has_preview(false),
    }
    t.set_typing(tech.typing.is_some());
    let typed = tech.typing.as_deref().unwrap_or_default();
    let (title, shown) = match &tech.typing_for {
        Typing::Enrollment => (
            tr(
                "请输入以 onevisit:enroll? 开头的整行开通码",
                "Type the line that begins with onevisit:enroll?",
            ),
            typed.to_owned(),
        ),
        Typing::WifiPassword(ssid) => (
            if en {
                format!("The password of “{ssid}” (8–63 characters)")
            } else {
                format!("请输入“{ssid}”的密码（8–63 位）")
            }
            .into(),
            masked(typed),
        ),
    };
    t.set_typing_title(title);
    t.set_typed(shown.into());
    t.set_has_wifi(
        tech.net
            .as_ref()
            .is_some_and(|s| s.links.iter().any(|l| l.kind == crate::network::Kind::Wifi)),
    );
    t.set_wifi(model(
        tech.net
            .as_ref()
            .map(|s| {
                s.access_points
                    .iter()
                    .map(|a| WifiRow {
                        ssid: a.ssid.as_str().into(),
                        strength: i32::from(a.strength),
                        secured: a.secured,
                        active: a.active,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    ));
    t.set_payload(
        tech.payload
            .as_ref()
            .map(|p| format!("{} · {}", p.site, p.central))
            .unwrap_or_default()
            .into(),
    );
}

/// A password as it is typed: dots, but for the last character (to catch a slip).
fn masked(p: &str) -> String {
    let n = p.chars().count();
    p.chars()
        .enumerate()
        .map(|(i, c)| if i + 1 == n { c } else { '●' })
        .collect()
}

fn line(c: &Check, en: bool) -> CheckLine {
    CheckLine {
        name: check_name(c.name, en).into(),
        state: match c.state {
            State::Pass => "pass",
            State::Fail => "fail",
            State::NotFitted => "not-fitted",
            State::Waiting => "waiting",
        }
        .into(),
        detail: c.detail.as_str().into(),
    }
}

/// A checklist line's name for the technician.
fn check_name(name: &str, en: bool) -> String {
    let zh = match name {
        "card reader" => "身份证读卡器",
        "mrz reader" => "护照/证件读取",
        "qr scanner" => "扫码器",
        "camera" => "高拍仪",
        "printer" => "回执打印机",
        "gpio" => "机柜信号",
        "speaker" => "语音播报",
        "touch" => "触摸屏",
        "display" => "显示器",
        "storage" => "存储",
        "central" => "中心系统",
        "clock" => "时钟",
        "network" => "网络",
        "dns" => "域名解析",
        "tls" => "加密连接",
        _ => name,
    };
    if en { name.to_owned() } else { zh.to_owned() }
}

fn pin_message(n: PinNotice, now: i64, en: bool) -> String {
    match n {
        PinNotice::None => String::new(),
        PinNotice::Checking => if en {
            "Checking the PIN…"
        } else {
            "正在核对 PIN…"
        }
        .into(),
        PinNotice::Wrong { attempts_left } => {
            if en {
                format!("Wrong PIN: {attempts_left} more tries before the pad locks")
            } else {
                format!("PIN 不正确，还可再试 {attempts_left} 次")
            }
        }
        PinNotice::Wait { until, locked } => {
            let s = ((until - now).max(0) + 999) / 1000;
            let min = (s + 59) / 60;
            match (locked, en) {
                (true, false) => format!("错误次数过多，已锁定：请 {} 分钟后再试", min),
                (true, true) => format!("Too many wrong PINs: locked, try again in {} min", min),
                (false, false) => format!("请 {s} 秒后再试"),
                (false, true) => format!("Wait {s} s before the next try"),
            }
        }
        PinNotice::NoPin => {
            if en {
                "No technician PIN is set: set technician_pin (onevisit config pin-hash) and restart".into()
            } else {
                "未设置技术人员 PIN：请设置 technician_pin（onevisit config pin-hash）后重启".into()
            }
        }
    }
}
