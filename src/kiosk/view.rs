//! Shows the session's state in the UI: one function from the app to the `Kiosk` global.
//! Citizen-facing words come from the catalog and the session in the chosen language; the
//! .slint files translate their own fixed labels.

use std::rc::Rc;

use onevisit_domain::plan::DropReason;
use onevisit_domain::session::{ReceiptState, Screen};
use onevisit_domain::stats::stats;
use slint::{ComponentHandle, Image, ModelRc, SharedString, VecModel};

use super::app::App;
use super::contract::{Layout, layout_to_ui, screen_to_ui};
use crate::ui::{
    AppWindow, CaseRow, Choice, FieldRow, Figure, Ime, Kiosk, MaterialRow, PageThumb, SummaryLine,
    ThemeCard,
};

fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::from(Rc::new(VecModel::from(v)))
}

fn figure(before: u32, after: u32) -> Figure {
    let c = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    Figure {
        before: c(before),
        after: c(after),
    }
}

/// A decoded PNG as an RGB image (the receipt preview is gray: RGB costs 3 bytes a pixel
/// where RGBA cost 4, and nothing on a receipt is transparent).
fn png_image(png: &[u8]) -> Image {
    image::load_from_memory(png)
        .map(|i| {
            let rgb = i.into_rgb8();
            let buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
                rgb.as_raw(),
                rgb.width(),
                rgb.height(),
            );
            Image::from_rgb8(buf)
        })
        .unwrap_or_default()
}

fn qr_image(data: &str) -> Image {
    let Some((w, h, bits)) = onevisit_printer::encode::qr_bitmap(data, 4) else {
        return Image::default();
    };
    let row = w.div_ceil(8);
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(w, h);
    for (i, px) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i as u32 % w, i as u32 / w);
        let dark = bits[(y * row + x / 8) as usize] & (0x80 >> (x % 8)) != 0;
        let v = if dark { 0 } else { 255 };
        *px = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    Image::from_rgb8(buf)
}

/// Sets every property of the UI's globals (`Kiosk`, `Ime`) from the app's state.
pub fn show(app: &App, w: &AppWindow, now: i64) {
    show_kiosk(app, &w.global::<Kiosk>(), now);
    show_input(app, &w.global::<Ime>());
}

/// The on-screen keyboard's input method.
fn show_input(app: &App, ime: &Ime<'_>) {
    let en = app.english();
    let t = |zh: &str, e: &str| -> SharedString { if en { e.into() } else { zh.into() } };
    let input = &app.editor.input;
    let chinese = app.chinese_field(&app.editor.current_field);
    let pinyin_ok = input.pinyin_error.is_none();
    let hand_ok = input.handwriting_error.is_none();
    ime.set_chinese(chinese);
    ime.set_pinyin_ok(pinyin_ok);
    ime.set_handwriting_ok(hand_ok);
    ime.set_notice(match (chinese, pinyin_ok, hand_ok) {
        (false, _, _) | (true, true, true) => SharedString::new(),
        (true, false, true) => t(
            "拼音输入暂不可用，请用手写输入。",
            "Pinyin input is not available on this kiosk: please write the characters instead.",
        ),
        (true, true, false) => t(
            "手写输入暂不可用，请用拼音输入。",
            "Handwriting is not available on this kiosk: please type pinyin instead.",
        ),
        (true, false, false) => t(
            "中文输入暂不可用，请请工作人员协助填写。",
            "Chinese input is not available on this kiosk: please ask the staff to help.",
        ),
    });
    let handwriting = app.editor.keyboard == Layout::Handwriting;
    let candidates = if handwriting {
        &input.written
    } else {
        &input.view.candidates
    };
    ime.set_candidates(model(candidates.iter().map(SharedString::from).collect()));
    ime.set_preedit(if handwriting {
        SharedString::new()
    } else {
        input.view.preedit.as_str().into()
    });
    ime.set_has_prev(!handwriting && input.view.has_prev);
    ime.set_has_next(!handwriting && input.view.has_next);
    let words: Vec<SharedString> = app
        .session
        .plan
        .as_ref()
        .and_then(|p| p.fields.iter().find(|f| f.key == app.editor.current_field))
        .map(|f| f.suggest.iter().map(SharedString::from).collect())
        .unwrap_or_default();
    ime.set_words(model(words));
    ime.set_ink(input.ink().into());
    ime.set_date(
        app.date_value()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
            .into(),
    );
}

fn show_kiosk(app: &App, k: &Kiosk<'_>, now: i64) {
    let s = &app.session;
    let en = app.english();
    let t = |zh: &str, e: &str| -> SharedString { if en { e.into() } else { zh.into() } };
    k.set_screen(screen_to_ui(s.screen));
    k.set_english(en);
    k.set_elderly(s.elderly);
    k.set_site_name(app.site.as_str().into());
    k.set_notice(
        s.notice
            .as_ref()
            .map(|n| if en { n.en.clone() } else { n.zh.clone() })
            .unwrap_or_default()
            .into(),
    );
    k.set_countdown(s.countdown(now).map_or(0, |c| c.max(1) as i32));
    k.set_simulation(app.simulated);
    k.set_setup_problem(app.setup_problem.as_str().into());
    k.set_out_of_service(app.out_of_service());
    k.set_pin_dots("●".repeat(app.cabinet.pin_entry.len()).into());
    k.set_pin_message(
        if en {
            app.cabinet.pin_message.1.as_str()
        } else {
            app.cabinet.pin_message.0.as_str()
        }
        .into(),
    );

    // Themes: most used first (the catalog's order), filtered by category.
    if let Ok(table) = stats(&app.catalog) {
        let mut cats: Vec<String> = Vec::new();
        let cards: Vec<ThemeCard> = table
            .themes
            .iter()
            .filter_map(|row| {
                let th = app.catalog.theme(&row.theme)?;
                let cat = if en {
                    th.category.en.clone()
                } else {
                    th.category.zh.clone()
                };
                if !cats.contains(&cat) {
                    cats.push(cat.clone());
                }
                if !th.in_category(&app.editor.category) || !th.matches_search(&app.editor.search) {
                    return None;
                }
                Some(ThemeCard {
                    id: th.id.as_str().into(),
                    name: t(&th.name.zh, &th.name.en),
                    summary: t(&th.summary.zh, &th.summary.en),
                    category: cat.into(),
                    departments: row.before.windows as i32,
                    steps: figure(row.before.steps, row.after.steps),
                    materials: figure(row.before.materials, row.after.materials),
                    days: figure(row.before.days, row.after.days),
                })
            })
            .collect();
        k.set_themes(model(cards));
        k.set_categories(model(cats.into_iter().map(SharedString::from).collect()));
    }
    k.set_category(app.editor.category.as_str().into());
    k.set_search(app.editor.search.as_str().into());

    let theme = s.theme.as_deref().and_then(|id| app.catalog.theme(id));
    k.set_theme_name(
        theme
            .map(|th| t(&th.name.zh, &th.name.en))
            .unwrap_or_default(),
    );
    if let (Screen::Question(i), Some(th)) = (s.screen, theme)
        && let Some(q) = th.questions.get(i)
    {
        k.set_question(t(&q.text.zh, &q.text.en));
        k.set_question_number(i as i32 + 1);
        k.set_question_count(th.questions.len() as i32);
        k.set_choices(model(
            q.options
                .iter()
                .map(|o| Choice {
                    value: o.value.as_str().into(),
                    label: t(&o.label.zh, &o.label.en),
                })
                .collect(),
        ));
    }

    if let Some(plan) = &s.plan {
        let bring = plan
            .materials
            .iter()
            .map(|m| MaterialRow {
                name: t(&m.name.zh, &m.name.en),
                note: if onevisit_domain::plan::must_bring(m.obtain) {
                    t("原件拍照上传", "bring it; you will photograph it here")
                } else {
                    t(
                        "由本机生成，您只需签名",
                        "made by this kiosk; you only sign",
                    )
                },
            })
            .collect();
        let not_needed = plan
            .dropped
            .iter()
            .map(|d| MaterialRow {
                name: t(&d.name.zh, &d.name.en),
                note: match &d.reason {
                    DropReason::VerifiedOnline { source } => match source {
                        Some(src) => t(
                            &format!("政府部门在线核验（{}）", src.zh),
                            &format!("verified online ({})", src.en),
                        ),
                        None => t("政府部门在线核验", "verified online"),
                    },
                    DropReason::ReadFromIdCard => t("从身份证读取", "read from your ID card"),
                    DropReason::CoveredBy { .. } => {
                        t("已合并到一张表中", "merged into the one form")
                    }
                    DropReason::IssuedInChain { .. } => t(
                        "本次一并办理后自动取得",
                        "issued within this same application",
                    ),
                    DropReason::NotApplicable { .. } => {
                        t("根据您的回答，不需要", "not needed, given your answers")
                    }
                },
            })
            .collect();
        k.set_bring(model(bring));
        k.set_not_needed(model(not_needed));
    }

    // The form (or the two manual-entry fields).
    let fields: Vec<FieldRow> = if s.screen == Screen::ManualId {
        [
            ("name", "姓名", "Name"),
            ("id_number", "身份证号码", "ID number"),
        ]
        .iter()
        .map(|(key, zh, e)| FieldRow {
            key: (*key).into(),
            label: t(zh, e),
            value: app
                .editor
                .manual
                .get(*key)
                .cloned()
                .unwrap_or_default()
                .into(),
            error: SharedString::new(),
            prefilled: false,
        })
        .collect()
    } else {
        s.plan
            .as_ref()
            .map(|p| {
                p.fields
                    .iter()
                    .map(|f| {
                        let value = s.form.get(&f.key).cloned().unwrap_or_default();
                        FieldRow {
                            key: f.key.as_str().into(),
                            label: t(&f.label.zh, &f.label.en),
                            prefilled: f.id_card_field.is_some() && !value.is_empty(),
                            value: value.into(),
                            error: s
                                .field_errors
                                .get(&f.key)
                                .map(|e| t(e.zh(), e.en()))
                                .unwrap_or_default(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(f) = fields.iter().find(|f| f.key == app.editor.current_field) {
        k.set_editing(f.clone());
    }
    k.set_fields(model(fields));
    k.set_current_field(app.editor.current_field.as_str().into());
    k.set_keyboard(layout_to_ui(app.editor.keyboard));

    if let Screen::Scan(i) = s.screen {
        let list = s.to_scan();
        if let Some((_, zh, e)) = list.get(i) {
            k.set_material_name(t(zh, e));
        }
        k.set_material_number(i as i32 + 1);
        k.set_material_count(list.len() as i32);
        k.set_pages(model(
            s.pages
                .get(i)
                .map(|p| {
                    p.iter()
                        .map(|p| PageThumb {
                            ok: p.ok,
                            note: p.advice.as_str().into(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ));
        k.set_preview(app.scanner.preview.clone().unwrap_or_default());
    }
    k.set_capturing(s.capturing);
    k.set_has_signature(s.signature.is_some());
    k.set_signature(s.signature.as_deref().map(png_image).unwrap_or_default());
    k.set_submitting(s.submitting);

    if s.screen == Screen::Review
        && let Some(plan) = &s.plan
    {
        let mut lines = vec![
            SummaryLine {
                label: t("办理事项", "Application"),
                value: t(&plan.theme_name.zh, &plan.theme_name.en),
            },
            SummaryLine {
                label: t("申请人", "Applicant"),
                value: app.masked_applicant().into(),
            },
        ];
        for f in &plan.fields {
            if f.id_card_field.is_some() {
                continue;
            }
            lines.push(SummaryLine {
                label: t(&f.label.zh, &f.label.en),
                value: s.form.get(&f.key).cloned().unwrap_or_default().into(),
            });
        }
        for ((_, zh, e), pages) in s.to_scan().iter().zip(&s.pages) {
            let n = pages.iter().filter(|p| p.ok).count();
            lines.push(SummaryLine {
                label: t(zh, e),
                value: t(&format!("已拍摄 {n} 页"), &format!("{n} page(s) captured")),
            });
        }
        lines.push(SummaryLine {
            label: t("签名", "Signature"),
            value: t("已签名", "signed"),
        });
        k.set_summary(model(lines));
    }

    if let Some(id) = &s.case_id {
        k.set_case_number(App::case_number(id).into());
        k.set_due_date(s.due_date.clone().unwrap_or_default().into());
        k.set_qr(qr_image(&format!("{}{id}", super::app::TRACKING_URL)));
    }
    let (status, failed) = match &s.receipt {
        ReceiptState::NotYet => (SharedString::new(), false),
        ReceiptState::Printing => (t("正在打印回执…", "Printing your receipt…"), false),
        ReceiptState::Printed => (
            t("回执已打印，请取走", "Receipt printed: please take it"),
            false,
        ),
        ReceiptState::Failed(why) => (
            t(
                &format!("回执未能打印（{why}）"),
                &format!("The receipt could not be printed ({why})"),
            ),
            true,
        ),
    };
    k.set_receipt_status(status);
    k.set_receipt_failed(failed);
    // The preview is decoded only while the receipt screen shows it (3 MB at full size).
    k.set_receipt_preview(if s.screen == Screen::Receipt {
        app.receipt
            .png
            .as_deref()
            .map(png_image)
            .unwrap_or_default()
    } else {
        Image::default()
    });
    k.set_rating(s.rating.map_or(0, i32::from));
    k.set_comment(s.comment.as_str().into());

    k.set_cases_loaded(s.my_cases.is_some());
    k.set_my_cases(model(
        s.my_cases
            .iter()
            .flatten()
            .map(|c| {
                let title = app
                    .catalog
                    .theme(&c.theme)
                    .map(|th| t(&th.name.zh, &th.name.en))
                    .unwrap_or_else(|| c.theme.as_str().into());
                let status = match c
                    .status
                    .as_deref()
                    .and_then(onevisit_sync::proto::CaseStatus::parse)
                {
                    Some(st) if !en => st.zh().into(),
                    Some(st) => st.as_str().replace('_', " ").into(),
                    None => t("已提交，等待上传", "submitted, waiting to be sent"),
                };
                CaseRow {
                    case_id: c.case_id.as_str().into(),
                    title,
                    number: c
                        .number
                        .clone()
                        .unwrap_or_else(|| App::case_number(&c.case_id))
                        .into(),
                    status,
                    reason: c.reason.clone().unwrap_or_default().into(),
                    date: chrono::DateTime::from_timestamp_millis(c.submitted_at)
                        .map(|d| {
                            d.with_timezone(&chrono::Local)
                                .format("%Y-%m-%d")
                                .to_string()
                        })
                        .unwrap_or_default()
                        .into(),
                }
            })
            .collect(),
    ));
}
