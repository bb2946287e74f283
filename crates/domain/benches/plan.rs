//! `plan` over the whole sample catalog: every theme, every combination of answers.
//! Also the cost of loading (parsing and checking) the catalog, which a kiosk pays at start
//! and on every catalog update.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use onevisit_domain::{Answers, Catalog, SourceFile, default_answers, plan};

fn sources() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("catalog folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(SourceFile {
                    path: path
                        .strip_prefix(&root)
                        .expect("below root")
                        .to_string_lossy()
                        .into_owned(),
                    text: std::fs::read_to_string(&path).expect("utf-8"),
                });
            }
        }
    }
    out
}

fn all_answer_sets(catalog: &Catalog) -> Vec<(String, Answers)> {
    let mut out = Vec::new();
    for t in catalog.themes.iter() {
        let mut combos = vec![Answers::new()];
        for q in &t.questions {
            combos = combos
                .into_iter()
                .flat_map(|a| {
                    q.options.iter().map(move |o| {
                        let mut a = a.clone();
                        a.insert(q.key.clone(), o.value.clone());
                        a
                    })
                })
                .collect();
        }
        out.extend(combos.into_iter().map(|a| (t.id.clone(), a)));
    }
    out
}

fn bench(c: &mut Criterion) {
    let src = sources();
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
