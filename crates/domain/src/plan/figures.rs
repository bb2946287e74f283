//! The before/after figures the reform is judged by, computed from item data.
//!
//! Before: each item applied for on its own, one after another — every item's own steps,
//! a window per department, every item's own materials, and the time limits added up.
//! After: the merged chain — one application and one collection of results, one window,
//! the one set of materials, and items processed in parallel so only the longest chain of
//! preconditions counts.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::materials::Merged;
use crate::catalog::{Item, StepKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Steps the applicant takes.
    pub steps: u32,
    /// Government windows the applicant visits.
    pub windows: u32,
    /// Materials the applicant submits.
    pub materials: u32,
    /// Working days until every result is out.
    pub days: u32,
}

/// Earliest start of each item when run in parallel, and the chain that sets the duration.
pub(super) struct Schedule<'c> {
    pub start: HashMap<&'c str, u32>,
    pub total_days: u32,
    pub critical_path: Vec<String>,
}

pub(super) fn schedule<'c>(items: &[&'c Item]) -> Schedule<'c> {
    // Items arrive ordered after their in-plan preconditions, so one pass settles them.
    let mut start: HashMap<&str, u32> = HashMap::new();
    let mut finish: HashMap<&str, u32> = HashMap::new();
    let mut via: HashMap<&str, &str> = HashMap::new();
    for it in items {
        let latest = it
            .preconditions
            .iter()
            .filter_map(|p| finish.get(p.as_str()).map(|&f| (f, p.as_str())))
            .max_by_key(|&(f, _)| f);
        let s = latest.map_or(0, |(f, _)| f);
        if let Some((_, p)) = latest {
            via.insert(&it.id, p);
        }
        start.insert(&it.id, s);
        finish.insert(&it.id, s + it.time_limit_days);
    }
    let last = items
        .iter()
        .map(|i| (i.id.as_str(), start[i.id.as_str()] + i.time_limit_days))
        .fold(None, |best: Option<(&str, u32)>, (id, end)| match best {
            Some((_, b)) if b >= end => best,
            _ => Some((id, end)),
        });
    let (total_days, critical_path) = match last {
        None => (0, Vec::new()),
        Some((id, end)) => {
            let mut path = vec![id.to_owned()];
            let mut cur = id;
            while let Some(prev) = via.get(cur) {
                path.push((*prev).to_owned());
                cur = prev;
            }
            path.reverse();
            (end, path)
        }
    };
    Schedule {
        start,
        total_days,
        critical_path,
    }
}

/// How many steps the merged chain leaves the applicant, from the kinds of steps its items
/// have. Consulting is replaced by the kiosk's situational questions; all applications
/// become one; all results are collected together.
fn merged_steps(kinds: &BTreeSet<StepKind>) -> u32 {
    kinds
        .iter()
        .map(|k| match k {
            StepKind::Consult => 0,
            StepKind::Apply | StepKind::Collect => 1,
        })
        .sum()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn figures(items: &[&Item], merged: &Merged, schedule: &Schedule) -> (Figures, Figures) {
    let departments: BTreeSet<&str> = items.iter().map(|i| i.department.as_str()).collect();
    let kinds: BTreeSet<StepKind> = items.iter().flat_map(|i| i.steps.iter().copied()).collect();
    let before = Figures {
        steps: count(items.iter().map(|i| i.steps.len()).sum()),
        windows: count(departments.len()),
        materials: count(merged.requested_per_item),
        days: items.iter().map(|i| i.time_limit_days).sum(),
    };
    let after = Figures {
        steps: merged_steps(&kinds),
        windows: u32::from(!items.is_empty()),
        materials: count(merged.set.len()),
        days: schedule.total_days,
    };
    (before, after)
}
