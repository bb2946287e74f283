//! The shipped sample catalog: the published figures, and a snapshot of every theme's plan.

mod common;

use onevisit_domain::plan::answer_combinations;
use onevisit_domain::stats::stats;
use onevisit_domain::{default_answers, plan};

#[test]
fn restaurant_with_tobacco_takes_35_working_days_before_and_15_after() {
    let cat = common::sample();
    let theme = cat.theme("open-restaurant").unwrap();
    let mut answers = default_answers(theme);
    answers.insert("sells_tobacco".into(), "yes".into());
    let p = plan(&cat, "open-restaurant", &answers).unwrap();
    assert_eq!((p.before.days, p.after.days), (35, 15));
    assert!(p.items.iter().any(|i| i.id == "tobacco-retail-licence"));
    // Without tobacco the chain is shorter before, and the licence is gone.
    answers.insert("sells_tobacco".into(), "no".into());
    let p = plan(&cat, "open-restaurant", &answers).unwrap();
    assert!(!p.items.iter().any(|i| i.id == "tobacco-retail-licence"));
    assert_eq!(p.before.days, 25);
}

#[test]
fn restaurant_asks_about_tobacco() {
    let cat = common::sample();
    let q = &cat.theme("open-restaurant").unwrap().questions;
    let tobacco = q.iter().find(|q| q.key == "sells_tobacco").unwrap();
    assert_eq!(tobacco.allowed_values(), ["yes", "no"]);
}

#[test]
fn averages_have_the_shape_of_the_published_results() {
    let s = stats(&common::sample()).unwrap();
    let (b, a) = (s.average.before, s.average.after);
    // Published: steps 7 → 2, materials 29 → 9.
    assert!((6.0..=8.5).contains(&b.steps), "steps before {}", b.steps);
    assert!((1.5..=2.5).contains(&a.steps), "steps after {}", a.steps);
    assert!(
        (26.0..=32.0).contains(&b.materials),
        "materials before {}",
        b.materials
    );
    assert!(
        (8.0..=10.0).contains(&a.materials),
        "materials after {}",
        a.materials
    );
    assert_eq!(a.windows, 1.0);
    for row in &s.themes {
        assert!(row.after.steps <= row.before.steps, "{}", row.theme);
        assert!(row.after.materials <= row.before.materials, "{}", row.theme);
        assert!(row.after.days <= row.before.days, "{}", row.theme);
    }
}

#[test]
fn every_theme_plans_for_its_typical_answers() {
    let cat = common::sample();
    for t in cat.themes.iter() {
        let p = plan(&cat, &t.id, &default_answers(t)).unwrap();
        let json = serde_json::to_string_pretty(&p).unwrap();
        insta::assert_snapshot!(format!("plan-{}", t.id), json);
    }
}

#[test]
fn stats_table_snapshot() {
    let s = stats(&common::sample()).unwrap();
    insta::assert_snapshot!("stats", serde_json::to_string_pretty(&s).unwrap());
}

#[test]
fn every_combination_of_answers_plans() {
    let cat = common::sample();
    for t in cat.themes.iter() {
        let combos = answer_combinations(t);
        assert_eq!(combos[0], default_answers(t));
        for a in combos {
            let p = plan(&cat, &t.id, &a).unwrap();
            assert!(!p.items.is_empty(), "{} {a:?}", t.id);
        }
    }
}

#[test]
fn a_search_finds_themes_by_every_word_in_either_language() {
    let cat = common::sample();
    let th = cat.theme("open-restaurant").unwrap();
    assert!(th.matches_search(""));
    assert!(th.matches_search("饭店"));
    assert!(th.matches_search("Restaurant open"), "any case, any order");
    assert!(
        !th.matches_search("restaurant 新生儿"),
        "every word must be there"
    );
    assert!(
        th.in_category("") && th.in_category("开店经营") && th.in_category("Opening a business")
    );
    assert!(!th.in_category("生育"));
}
