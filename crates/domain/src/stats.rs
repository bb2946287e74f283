//! The county's published table: before/after figures per theme and their average.
//!
//! Each theme is planned with every question answered by its first option — the typical,
//! complete case (catalogs list the fuller option first).

use serde::Serialize;

use crate::plan::{Answers, Figures, PlanError, default_answers, plan};
use crate::{Catalog, Text};

#[derive(Debug, Clone, Serialize)]
pub struct ThemeStats {
    pub theme: String,
    pub name: Text,
    pub answers: Answers,
    pub before: Figures,
    pub after: Figures,
}

/// Averages, kept fractional: "7.2 → 2.0" says more than a rounded figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanFigures {
    pub steps: f64,
    pub windows: f64,
    pub materials: f64,
    pub days: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub themes: Vec<ThemeStats>,
    pub average: Average,
}

#[derive(Debug, Clone, Serialize)]
pub struct Average {
    pub before: MeanFigures,
    pub after: MeanFigures,
}

fn mean(rows: &[ThemeStats], pick: impl Fn(&ThemeStats) -> u32) -> f64 {
    if rows.is_empty() {
        return 0.0;
    }
    rows.iter().map(|r| f64::from(pick(r))).sum::<f64>() / rows.len() as f64
}

fn means(rows: &[ThemeStats], side: impl Fn(&ThemeStats) -> Figures) -> MeanFigures {
    MeanFigures {
        steps: mean(rows, |r| side(r).steps),
        windows: mean(rows, |r| side(r).windows),
        materials: mean(rows, |r| side(r).materials),
        days: mean(rows, |r| side(r).days),
    }
}

pub fn stats(catalog: &Catalog) -> Result<Stats, PlanError> {
    let mut themes = Vec::new();
    for t in catalog.themes.iter() {
        let answers = default_answers(t);
        let p = plan(catalog, &t.id, &answers)?;
        themes.push(ThemeStats {
            theme: t.id.clone(),
            name: t.name.clone(),
            answers,
            before: p.before,
            after: p.after,
        });
    }
    let average = Average {
        before: means(&themes, |r| r.before),
        after: means(&themes, |r| r.after),
    };
    Ok(Stats { themes, average })
}

/// Relative change from `before` to `after`, in percent (negative is a reduction).
pub fn change_percent(before: f64, after: f64) -> f64 {
    if before == 0.0 {
        return 0.0;
    }
    (after - before) / before * 100.0
}
