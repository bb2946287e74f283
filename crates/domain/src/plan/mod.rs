//! The theme engine: from a theme and the applicant's answers to one merged plan.
//!
//! `plan` is a pure function. It decides which approval items apply, merges their materials
//! into one set (recording why every other material was dropped), merges their form fields,
//! groups the departments and site inspections, and computes the before/after figures the
//! reform is judged by — all from the item data, nothing typed in per theme.

mod figures;
mod materials;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use thiserror::Error;

use crate::Text;
use crate::catalog::{Catalog, FieldKind, IdCardField, Item, Obtain, Theme};
pub use figures::Figures;
pub use materials::{DropReason, DroppedMaterial, PlannedMaterial};

/// The applicant's answers to a theme's situational questions: question key → option value.
pub type Answers = BTreeMap<String, String>;

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub theme: String,
    pub theme_name: Text,
    pub answers: Answers,
    /// Applicable items, each after the items it depends on.
    pub items: Vec<PlannedItem>,
    /// The one set of materials, de-duplicated across items.
    pub materials: Vec<PlannedMaterial>,
    /// Every material some item asks for that is not in the set, with the reason.
    pub dropped: Vec<DroppedMaterial>,
    /// The one merged form.
    pub fields: Vec<FormField>,
    pub departments: Vec<PlannedDepartment>,
    /// The site inspection, joint when several items need one.
    pub inspection: Option<Inspection>,
    /// The chain of items that decides the overall duration.
    pub critical_path: Vec<String>,
    /// As if each item were applied for separately, one after another.
    pub before: Figures,
    /// The merged chain: one application, items processed in parallel where they can be.
    pub after: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedItem {
    pub id: String,
    pub name: Text,
    pub department: String,
    pub time_limit_days: u32,
    /// Preconditions that are part of this plan (others are met outside it).
    pub preconditions: Vec<String>,
    pub inspection: bool,
    /// Working days after acceptance before this item can start (its preconditions' results).
    pub starts_after_days: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormField {
    pub key: String,
    pub label: Text,
    pub kind: FieldKind,
    pub needed_by: Vec<String>,
    pub prefill_from_id_card: bool,
    pub id_card_field: Option<IdCardField>,
    /// Common words the keyboard offers first.
    pub suggest: Vec<String>,
    /// Above this, the value is asked again.
    pub plausible_max: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedDepartment {
    pub id: String,
    pub name: Text,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// True when several items share one visit by several departments.
    pub joint: bool,
    pub items: Vec<String>,
    pub departments: Vec<String>,
}

/// A question the applicant still has to answer, with what they may answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unanswered {
    pub key: String,
    pub allowed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("unknown theme \"{0}\"")]
    UnknownTheme(String),
    #[error("unanswered questions: {}", list_unanswered(.0))]
    Unanswered(Vec<Unanswered>),
    #[error("\"{value}\" is not an answer to \"{key}\" (allowed: {})", .allowed.join(", "))]
    InvalidAnswer {
        key: String,
        value: String,
        allowed: Vec<String>,
    },
    #[error("theme has no question \"{key}\" (its questions: {})", .known.join(", "))]
    UnknownQuestion { key: String, known: Vec<String> },
}

fn list_unanswered(list: &[Unanswered]) -> String {
    list.iter()
        .map(|u| format!("{} ({})", u.key, u.allowed.join("|")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Answers each question of a theme with its first option: the typical, complete case that
/// the published statistics describe.
pub fn default_answers(theme: &Theme) -> Answers {
    theme
        .questions
        .iter()
        .filter_map(|q| Some((q.key.clone(), q.options.first()?.value.clone())))
        .collect()
}

/// Every possible set of answers to a theme's questions, in option order (the first is
/// [`default_answers`]). Used to check that every path through a theme can be planned.
pub fn answer_combinations(theme: &Theme) -> Vec<Answers> {
    let mut combos = vec![Answers::new()];
    for q in &theme.questions {
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
    combos
}

fn check_answers(theme: &Theme, answers: &Answers) -> Result<(), PlanError> {
    for key in answers.keys() {
        if !theme.questions.iter().any(|q| &q.key == key) {
            return Err(PlanError::UnknownQuestion {
                key: key.clone(),
                known: theme.questions.iter().map(|q| q.key.clone()).collect(),
            });
        }
    }
    let missing: Vec<Unanswered> = theme
        .questions
        .iter()
        .filter(|q| !answers.contains_key(&q.key))
        .map(|q| Unanswered {
            key: q.key.clone(),
            allowed: q.allowed_values(),
        })
        .collect();
    if !missing.is_empty() {
        return Err(PlanError::Unanswered(missing));
    }
    for q in &theme.questions {
        let value = &answers[&q.key];
        if q.option(value).is_none() {
            return Err(PlanError::InvalidAnswer {
                key: q.key.clone(),
                value: value.clone(),
                allowed: q.allowed_values(),
            });
        }
    }
    Ok(())
}

/// What the answers switch: items in and out, materials per item in and out.
struct Switches<'c> {
    items: Vec<&'c Item>,
    /// material id → the (question, answer) that made it not applicable.
    removed: HashMap<&'c str, (&'c str, &'c str)>,
    /// item id → materials an answer adds to it.
    added: HashMap<&'c str, Vec<&'c str>>,
}

fn switches<'c>(catalog: &'c Catalog, theme: &'c Theme, answers: &Answers) -> Switches<'c> {
    let mut ids: Vec<&str> = theme.items.iter().map(String::as_str).collect();
    let mut removed_items = HashSet::new();
    let mut removed = HashMap::new();
    let mut added: HashMap<&str, Vec<&str>> = HashMap::new();
    for q in &theme.questions {
        let Some(o) = answers.get(&q.key).and_then(|v| q.option(v)) else {
            continue;
        };
        for i in &o.add_items {
            if !ids.contains(&i.as_str()) {
                ids.push(i);
            }
        }
        removed_items.extend(o.remove_items.iter().map(String::as_str));
        for m in &o.remove_materials {
            removed
                .entry(m.as_str())
                .or_insert((q.key.as_str(), o.value.as_str()));
        }
        for am in &o.add_materials {
            added
                .entry(am.item.as_str())
                .or_default()
                .push(am.material.as_str());
        }
    }
    let items = ids
        .into_iter()
        .filter(|i| !removed_items.contains(i))
        .filter_map(|i| catalog.items.get(i))
        .collect();
    Switches {
        items: order_by_preconditions(items),
        removed,
        added,
    }
}

/// Stable topological order: each item after the in-plan items it depends on, otherwise as
/// the theme lists them. The catalog is checked for cycles; a cycle here still terminates.
fn order_by_preconditions(items: Vec<&Item>) -> Vec<&Item> {
    let ids: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let mut placed: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    let mut rest = items;
    while !rest.is_empty() {
        let before = rest.len();
        let mut next = Vec::new();
        for it in rest {
            let ready = it
                .preconditions
                .iter()
                .all(|p| !ids.contains(p.as_str()) || placed.contains(p.as_str()));
            if ready {
                placed.insert(&it.id);
                out.push(it);
            } else {
                next.push(it);
            }
        }
        if next.len() == before {
            out.extend(next);
            break;
        }
        rest = next;
    }
    out
}

/// Plans one theme for one set of answers. Every question must be answered.
pub fn plan(catalog: &Catalog, theme_id: &str, answers: &Answers) -> Result<Plan, PlanError> {
    let theme = catalog
        .theme(theme_id)
        .ok_or_else(|| PlanError::UnknownTheme(theme_id.to_owned()))?;
    check_answers(theme, answers)?;
    let sw = switches(catalog, theme, answers);
    let in_plan: HashSet<&str> = sw.items.iter().map(|i| i.id.as_str()).collect();

    let schedule = figures::schedule(&sw.items);
    let items = sw
        .items
        .iter()
        .map(|it| PlannedItem {
            id: it.id.clone(),
            name: it.name.clone(),
            department: it.department.clone(),
            time_limit_days: it.time_limit_days,
            preconditions: it
                .preconditions
                .iter()
                .filter(|p| in_plan.contains(p.as_str()))
                .cloned()
                .collect(),
            inspection: it.needs_inspection(),
            starts_after_days: schedule.start.get(it.id.as_str()).copied().unwrap_or(0),
        })
        .collect();

    let merged = materials::merge(catalog, &sw.items, &in_plan, &sw.removed, &sw.added);
    let fields = merge_fields(catalog, &sw.items);
    let departments = merge_departments(catalog, &sw.items);
    let inspection = joint_inspection(&sw.items);
    let (before, after) = figures::figures(&sw.items, &merged, &schedule);

    Ok(Plan {
        theme: theme.id.clone(),
        theme_name: theme.name.clone(),
        answers: answers.clone(),
        items,
        materials: merged.set,
        dropped: merged.dropped,
        fields,
        departments,
        inspection,
        critical_path: schedule.critical_path,
        before,
        after,
    })
}

/// One field per key, in the order the items first ask for them.
fn merge_fields(catalog: &Catalog, items: &[&Item]) -> Vec<FormField> {
    let mut out: Vec<FormField> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for it in items {
        for key in &it.fields {
            if let Some(&i) = index.get(key.as_str()) {
                out[i].needed_by.push(it.id.clone());
                continue;
            }
            let Some(f) = catalog.fields.get(key) else {
                continue;
            };
            index.insert(key, out.len());
            out.push(FormField {
                key: f.key.clone(),
                label: f.label.clone(),
                kind: f.kind,
                plausible_max: f.plausible_max,
                needed_by: vec![it.id.clone()],
                prefill_from_id_card: f.prefill.is_some(),
                id_card_field: f.prefill,
                suggest: f.suggest.clone(),
            });
        }
    }
    out
}

fn merge_departments(catalog: &Catalog, items: &[&Item]) -> Vec<PlannedDepartment> {
    let mut out: Vec<PlannedDepartment> = Vec::new();
    for it in items {
        match out.iter_mut().find(|d| d.id == it.department) {
            Some(d) => d.items.push(it.id.clone()),
            None => {
                let name = catalog
                    .departments
                    .get(&it.department)
                    .map(|d| d.name.clone())
                    .unwrap_or_else(|| Text::new(&it.department, &it.department));
                out.push(PlannedDepartment {
                    id: it.department.clone(),
                    name,
                    items: vec![it.id.clone()],
                });
            }
        }
    }
    out
}

fn joint_inspection(items: &[&Item]) -> Option<Inspection> {
    let inspected: Vec<&&Item> = items.iter().filter(|i| i.needs_inspection()).collect();
    if inspected.is_empty() {
        return None;
    }
    let mut departments: Vec<String> = Vec::new();
    for it in &inspected {
        if !departments.contains(&it.department) {
            departments.push(it.department.clone());
        }
    }
    Some(Inspection {
        joint: inspected.len() > 1,
        items: inspected.iter().map(|i| i.id.clone()).collect(),
        departments,
    })
}

/// Whether a material must be brought by the applicant (as opposed to made at the kiosk).
pub fn must_bring(obtain: Obtain) -> bool {
    obtain == Obtain::Paper
}

/// The merged commitment letter (告知承诺书) in full: every promise the plan's items ask for,
/// in one letter the applicant reads before signing. None when no item asks for one.
pub fn commitment_letter(catalog: &Catalog, plan: &Plan) -> Option<Text> {
    let promises: Vec<&Text> = plan
        .materials
        .iter()
        .map(|m| m.id.as_str())
        .chain(plan.dropped.iter().map(|d| d.id.as_str()))
        .filter_map(|id| catalog.materials.get(id))
        .filter_map(|m| m.commitment.as_ref())
        .collect();
    if promises.is_empty() {
        return None;
    }
    let mut zh = format!("告知承诺书（{}）\n申请人郑重承诺：\n", plan.theme_name.zh);
    let mut en = format!(
        "Commitment letter ({})\nThe applicant solemnly promises:\n",
        plan.theme_name.en
    );
    for (i, p) in promises.iter().enumerate() {
        zh.push_str(&format!("{}. {}\n", i + 1, p.zh));
        en.push_str(&format!("{}. {}\n", i + 1, p.en));
    }
    zh.push_str(
        "以上填写的信息和提交的材料真实、合法、有效。本人知晓，承诺不实的，审批部门可依法撤销所作决定，并记入信用记录。",
    );
    en.push_str(
        "What I have entered and submitted is true, lawful and valid. I know that if a promise proves untrue, the decisions may be revoked and it is entered in my credit record.",
    );
    Some(Text::new(zh, en))
}
