//! The take-home list of materials for a theme and its answers, as the kiosk prints it and
//! `onevisit receipt checklist` renders it: one function, so both print the same thing.

use onevisit_domain::catalog::Obtain;
use onevisit_domain::plan::DropReason;
use onevisit_domain::{Answers, Catalog, PlanError, plan};
use onevisit_printer::checklist::{ChecklistData, ChecklistLine};

/// What the list says for `theme` with `answers`; `kept_until` when the application was
/// saved at the kiosk.
pub fn data(
    catalog: &Catalog,
    theme: &str,
    answers: &Answers,
    site: &str,
    issued_at: &str,
    kept_until: Option<String>,
) -> Result<ChecklistData, PlanError> {
    let p = plan(catalog, theme, answers)?;
    let county = &catalog.county;
    let bring = p
        .materials
        .iter()
        .filter(|m| m.obtain == Obtain::Paper)
        .map(|m| ChecklistLine {
            name: m.name.zh.clone(),
            what: m.description.as_ref().map(|d| d.zh.clone()),
        })
        .collect();
    // What a citizen might otherwise bring: the papers the government checks itself and the
    // ID card copies the reader makes (the kiosk's own forms go without saying).
    let not_needed = p
        .dropped
        .iter()
        .filter(|d| {
            matches!(
                d.reason,
                DropReason::VerifiedOnline { .. } | DropReason::ReadFromIdCard
            )
        })
        .map(|d| d.name.zh.clone())
        .collect();
    Ok(ChecklistData {
        site: site.to_owned(),
        theme: p.theme_name.zh.clone(),
        bring,
        not_needed,
        office_hours: county.office_hours.zh.clone(),
        guide_url: format!("{}{}", county.guide_url, p.theme),
        kept_until,
        issued_at: issued_at.to_owned(),
    })
}
