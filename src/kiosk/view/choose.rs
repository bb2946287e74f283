//! Choosing the thing to do: the theme list (with the reform's before/after figures), the
//! situational questions, and the one merged checklist of materials.

use std::rc::Rc;

use onevisit_domain::plan::DropReason;
use onevisit_domain::session::Screen;
use onevisit_domain::stats::stats;
use slint::{ModelRc, SharedString};

use super::super::app::App;
use super::{Cache, model, tr};
use crate::kiosk::window::{Choice, Figure, Kiosk, MaterialRow, ThemeCard};

pub(super) fn show(app: &App, k: &Kiosk<'_>, cache: &mut Cache) {
    let (cards, categories) = themes(app, cache);
    k.set_themes(cards);
    k.set_categories(categories);
    k.set_category(app.editor.category.as_str().into());
    k.set_search(app.editor.search.as_str().into());
    question(app, k);
    materials(app, k);
}

fn figure(before: u32, after: u32) -> Figure {
    let c = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    Figure {
        before: c(before),
        after: c(after),
    }
}

/// Themes: most used first (the catalog's order), filtered by category and search; made
/// again only when the language, category or search changes.
fn themes(app: &App, cache: &mut Cache) -> (ModelRc<ThemeCard>, ModelRc<SharedString>) {
    let en = app.english();
    let key = (en, app.editor.category.clone(), app.editor.search.clone());
    if let Some((k, cards, cats)) = &cache.themes
        && *k == key
    {
        return (cards.clone(), cats.clone());
    }
    if cache.stats.is_none() {
        cache.stats = stats(&app.catalog).ok().map(Rc::new);
    }
    let t = tr(en);
    let mut cats: Vec<String> = Vec::new();
    let cards: Vec<ThemeCard> = cache
        .stats
        .iter()
        .flat_map(|table| table.themes.iter())
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
    let (cards, cats) = (
        model(cards),
        model(cats.into_iter().map(SharedString::from).collect()),
    );
    cache.themes = Some((key, cards.clone(), cats.clone()));
    (cards, cats)
}

/// The theme chosen and the question on screen.
fn question(app: &App, k: &Kiosk<'_>) {
    let (s, t) = (&app.session, tr(app.english()));
    let theme = s.theme().and_then(|id| app.catalog.theme(id));
    k.set_theme_name(
        theme
            .map(|th| t(&th.name.zh, &th.name.en))
            .unwrap_or_default(),
    );
    if let (Screen::Question(i), Some(th)) = (s.screen(), theme)
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
}

/// The one merged checklist: what to bring, and what is not needed and why.
fn materials(app: &App, k: &Kiosk<'_>) {
    let (s, t) = (&app.session, tr(app.english()));
    if let Some(plan) = &s.plan() {
        // The set splits into the paper the citizen brings (and lays on the camera, counted
        // the same on the scan screen) and what this kiosk makes: together, the theme card's
        // figure.
        let row = |m: &onevisit_domain::plan::PlannedMaterial, note: SharedString| MaterialRow {
            name: t(&m.name.zh, &m.name.en),
            note: m
                .description
                .as_ref()
                .map(|d| t(&format!("{note}。{}", d.zh), &format!("{note}. {}", d.en)))
                .unwrap_or(note),
        };
        let bring = plan
            .materials
            .iter()
            .filter(|m| onevisit_domain::plan::must_bring(m.obtain))
            .map(|m| {
                row(
                    m,
                    t(
                        "带原件，在本机拍照",
                        "bring the original; photographed here",
                    ),
                )
            })
            .collect();
        let made_here = plan
            .materials
            .iter()
            .filter(|m| !onevisit_domain::plan::must_bring(m.obtain))
            .map(|m| MaterialRow {
                name: t(&m.name.zh, &m.name.en),
                note: t(
                    "由本机生成，您只需签名",
                    "made by this kiosk; you only sign",
                ),
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
        k.set_made_here(model(made_here));
        k.set_not_needed(model(not_needed));
    }
}
