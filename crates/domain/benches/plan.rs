//! `plan` over the whole sample catalog: every theme, every combination of answers.
//! Also the cost of loading (parsing and checking) the catalog, which a kiosk pays at start
//! and on every catalog update.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use onevisit_domain::plan::answer_combinations;
use onevisit_domain::{Answers, Catalog, default_answers, plan};

#[path = "../tests/common/mod.rs"]
mod common;

fn all_answer_sets(catalog: &Catalog) -> Vec<(String, Answers)> {
    catalog
        .themes
        .iter()
        .flat_map(|t| {
            answer_combinations(t)
                .into_iter()
                .map(|a| (t.id.clone(), a))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let src = common::sample_sources();
    let catalog = Catalog::from_sources(&src).expect("sample catalog");
    let sets = all_answer_sets(&catalog);
    eprintln!(
        "{} themes, {} answer combinations",
        catalog.themes.len(),
        sets.len()
    );

    c.bench_function("plan/every theme, typical answers", |b| {
        let typical: Vec<(String, Answers)> = catalog
            .themes
            .iter()
            .map(|t| (t.id.clone(), default_answers(t)))
            .collect();
        b.iter(|| {
            for (theme, answers) in &typical {
                black_box(plan(&catalog, theme, answers).expect("plans"));
            }
        })
    });
    c.bench_function("plan/every theme, every answer combination", |b| {
        b.iter(|| {
            for (theme, answers) in &sets {
                black_box(plan(&catalog, theme, answers).expect("plans"));
            }
        })
    });
    c.bench_function("plan/open-restaurant", |b| {
        let t = catalog.theme("open-restaurant").expect("theme");
        let a = default_answers(t);
        b.iter(|| black_box(plan(&catalog, "open-restaurant", &a).expect("plans")))
    });
    c.bench_function("catalog/load and check", |b| {
        b.iter(|| black_box(Catalog::from_sources(&src).expect("loads")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
