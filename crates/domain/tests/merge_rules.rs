//! One test per merge rule of the engine, on a small catalog written in `common`.

mod common;

use onevisit_domain::plan::{DropReason, PlanError};
use onevisit_domain::{Answers, Catalog, Plan, plan};

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn full() -> Plan {
    let cat = common::small();
    plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "yes"), ("premises", "rented")]),
    )
    .unwrap()
}

fn set_ids(p: &Plan) -> Vec<&str> {
    p.materials.iter().map(|m| m.id.as_str()).collect()
}

fn reason<'p>(p: &'p Plan, id: &str) -> &'p DropReason {
    &p.dropped
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| panic!("{id} not dropped"))
        .reason
}

#[test]
fn answers_switch_items_on_and_order_follows_preconditions() {
    let p = full();
    let items: Vec<&str> = p.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(items, ["a", "b", "c"]);
    let cat = common::small();
    let without = plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "no"), ("premises", "rented")]),
    )
    .unwrap();
    assert_eq!(without.items.len(), 2);
}

#[test]
fn one_set_is_deduplicated_across_items() {
    let p = full();
    // lease is asked for by a and b: it appears once, needed by both.
    let lease = p.materials.iter().find(|m| m.id == "lease").unwrap();
    assert_eq!(lease.needed_by, ["a", "b"]);
    assert_eq!(set_ids(&p), ["merged-form", "lease", "plan", "only-c"]);
}

#[test]
fn id_card_materials_are_read_from_the_card() {
    assert_eq!(reason(&full(), "id-copy"), &DropReason::ReadFromIdCard);
}

#[test]
fn online_materials_are_verified_online_with_their_source() {
    match reason(&full(), "title") {
        DropReason::VerifiedOnline { source: Some(s) } => assert_eq!(s.zh, "不动产登记"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn per_item_forms_are_covered_by_the_merged_form() {
    let p = full();
    assert_eq!(
        reason(&p, "form-a"),
        &DropReason::CoveredBy {
            material: "merged-form".into()
        }
    );
    let merged = p.materials.iter().find(|m| m.id == "merged-form").unwrap();
    assert_eq!(merged.replaces, ["form-a", "form-b"]);
    assert_eq!(merged.needed_by, ["a", "b"]);
}

#[test]
fn a_cover_already_in_the_set_is_reused() {
    let p = full();
    assert_eq!(
        reason(&p, "fire-plan"),
        &DropReason::CoveredBy {
            material: "plan".into()
        }
    );
    let plan_m = p.materials.iter().find(|m| m.id == "plan").unwrap();
    assert_eq!(plan_m.needed_by, ["b", "c"]);
}

#[test]
fn results_of_items_in_the_chain_are_not_asked_for() {
    assert_eq!(
        reason(&full(), "licence-a"),
        &DropReason::IssuedInChain { item: "a".into() }
    );
}

#[test]
fn results_of_items_outside_the_chain_fall_back_to_how_they_are_obtained() {
    let theme = common::THEME.replace(r#"items = ["a", "b"]"#, r#"items = ["b"]"#);
    let cat = Catalog::from_sources(&common::sources_with("themes/shop.toml", &theme)).unwrap();
    let p = plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "no"), ("premises", "rented")]),
    )
    .unwrap();
    assert!(matches!(
        reason(&p, "licence-a"),
        DropReason::VerifiedOnline { .. }
    ));
}

#[test]
fn answers_make_materials_not_applicable() {
    let cat = common::small();
    let p = plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "yes"), ("premises", "owned")]),
    )
    .unwrap();
    assert!(!set_ids(&p).contains(&"lease"));
    assert_eq!(
        reason(&p, "lease"),
        &DropReason::NotApplicable {
            question: "premises".into(),
            answer: "owned".into()
        }
    );
    // Not applicable means not counted "before" either: nobody would have asked for it.
    assert_eq!(p.before.materials, full().before.materials - 2);
}

#[test]
fn dropping_a_questions_item_removes_its_exclusive_materials() {
    let cat = common::small();
    let p = plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "no"), ("premises", "rented")]),
    )
    .unwrap();
    assert!(!set_ids(&p).contains(&"only-c"));
    assert!(
        !p.dropped
            .iter()
            .any(|d| d.id == "only-c" || d.id == "fire-plan")
    );
    // plan is still needed by b alone.
    let plan_m = p.materials.iter().find(|m| m.id == "plan").unwrap();
    assert_eq!(plan_m.needed_by, ["b"]);
}

#[test]
fn the_form_asks_each_field_once_and_knows_who_needs_it() {
    let p = full();
    let keys: Vec<&str> = p.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["name", "shop", "area"]);
    assert_eq!(p.fields[0].needed_by, ["a", "b", "c"]);
    assert!(p.fields[0].prefill_from_id_card);
    assert!(!p.fields[1].prefill_from_id_card);
}

#[test]
fn departments_are_grouped_with_their_items() {
    let p = full();
    let d: Vec<(&str, usize)> = p
        .departments
        .iter()
        .map(|d| (d.id.as_str(), d.items.len()))
        .collect();
    assert_eq!(d, [("amr", 2), ("fire", 1)]);
}

#[test]
fn several_inspections_become_one_joint_inspection() {
    let ins = full().inspection.unwrap();
    assert!(ins.joint);
    assert_eq!(ins.items, ["b", "c"]);
    assert_eq!(ins.departments, ["amr", "fire"]);
    let cat = common::small();
    let one = plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "no"), ("premises", "rented")]),
    )
    .unwrap();
    assert!(!one.inspection.unwrap().joint);
}

#[test]
fn figures_come_from_item_data() {
    let p = full();
    // before: 3 + 2 + 2 steps; 2 departments; 4 + 5 + 3 materials; 3 + 10 + 5 days.
    assert_eq!((p.before.steps, p.before.windows), (7, 2));
    assert_eq!((p.before.materials, p.before.days), (12, 18));
    // after: one application + one collection; one window; the set; a → b is the longest chain.
    assert_eq!((p.after.steps, p.after.windows), (2, 1));
    assert_eq!((p.after.materials, p.after.days), (4, 13));
    assert_eq!(p.critical_path, ["a", "b"]);
    let c = p.items.iter().find(|i| i.id == "c").unwrap();
    assert_eq!(c.starts_after_days, 3);
}

#[test]
fn unanswered_questions_are_listed_with_their_allowed_values() {
    let cat = common::small();
    let err = plan(&cat, "shop", &answers(&[("premises", "owned")])).unwrap_err();
    match &err {
        PlanError::Unanswered(list) => {
            assert_eq!(list.len(), 1);
            assert_eq!(list[0].key, "needs_c");
            assert_eq!(list[0].allowed, ["yes", "no"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.to_string(), "unanswered questions: needs_c (yes|no)");
}

#[test]
fn wrong_answers_and_unknown_questions_are_errors() {
    let cat = common::small();
    let bad = plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "maybe"), ("premises", "owned")]),
    );
    assert!(matches!(bad, Err(PlanError::InvalidAnswer { .. })));
    let unknown = plan(
        &cat,
        "shop",
        &answers(&[("needs_c", "yes"), ("premises", "owned"), ("colour", "red")]),
    );
    assert!(matches!(unknown, Err(PlanError::UnknownQuestion { .. })));
    assert!(matches!(
        plan(&cat, "nope", &Answers::new()),
        Err(PlanError::UnknownTheme(_))
    ));
}
