//! Scanning the materials, signing, and the review before submitting.

use onevisit_domain::session::Screen;

use super::super::app::App;
use super::{Cache, cached_png, model, tr};
use crate::kiosk::window::{Kiosk, PageThumb, SummaryLine};

pub(super) fn show(app: &App, k: &Kiosk<'_>, cache: &mut Cache) {
    let (s, t) = (&app.session, tr(app.english()));
    if let Screen::Scan(i) = s.screen() {
        let list = s.to_scan();
        if let Some((_, zh, e)) = list.get(i) {
            k.set_material_name(t(zh, e));
        }
        k.set_material_number(i as i32 + 1);
        k.set_material_count(list.len() as i32);
        k.set_pages(model(
            s.pages()
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
    k.set_capturing(s.capturing());
    k.set_has_signature(s.signature().is_some());
    k.set_signature(
        s.signature()
            .map(|png| cached_png(&mut cache.signature, png))
            .unwrap_or_default(),
    );
    k.set_submitting(s.submitting());
    k.set_saving(s.saving());
    k.set_tolerate_days(match s.screen() {
        Screen::Scan(i) => s.tolerated_days(i, &app.catalog).map_or(0, |d| d as i32),
        _ => 0,
    });
    k.set_saved_until(s.saved_until().unwrap_or_default().into());

    review(app, k);
}

/// Everything the citizen is about to submit, in one list; each line says what "修改" opens.
fn review(app: &App, k: &Kiosk<'_>) {
    let (s, t) = (&app.session, tr(app.english()));
    let Some(plan) = s.plan() else {
        return;
    };
    if s.screen() == Screen::Review {
        let mut lines = vec![
            SummaryLine {
                label: t("办理事项", "Application"),
                value: t(&plan.theme_name.zh, &plan.theme_name.en),
                edit: "".into(),
            },
            SummaryLine {
                label: t("申请人", "Applicant"),
                value: app.masked_applicant().into(),
                edit: "".into(),
            },
        ];
        for f in &plan.fields {
            if f.id_card_field.is_some() {
                continue;
            }
            lines.push(SummaryLine {
                label: t(&f.label.zh, &f.label.en),
                value: s.form().get(&f.key).cloned().unwrap_or_default().into(),
                edit: format!("field:{}", f.key).into(),
            });
        }
        for (i, ((_, zh, e), pages)) in s.to_scan().iter().zip(s.pages()).enumerate() {
            let n = pages.iter().filter(|p| p.ok).count();
            let days = s.tolerated_days(i, &app.catalog).unwrap_or(0);
            lines.push(SummaryLine {
                label: t(zh, e),
                value: if s.promised().contains(&i) {
                    t(
                        &format!("暂缺：承诺 {days} 个工作日内补交（容缺受理）"),
                        &format!("missing: promised within {days} working days"),
                    )
                } else {
                    t(&format!("已拍摄 {n} 页"), &format!("{n} page(s) captured"))
                },
                edit: format!("material:{i}").into(),
            });
        }
        k.set_summary(model(lines));
    }
    if s.screen() == Screen::Sign {
        let letter = onevisit_domain::plan::commitment_letter(&app.catalog, plan)
            .map(|l| t(&l.zh, &l.en))
            .unwrap_or_else(|| {
                t(
                    "本人承诺：以上填写的信息和提交的材料真实、合法、有效。",
                    "I promise that what I have entered and submitted is true, lawful and valid.",
                )
            });
        k.set_commitment(letter);
    }
}
