//! Properties of the merge over randomly generated catalogs (written as TOML, so they pass
//! through the real loader) and random answers.

use std::collections::HashSet;

use onevisit_domain::catalog::Obtain;
use onevisit_domain::{Answers, Catalog, Plan, SourceFile, plan};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct GenMaterial {
    obtain: Obtain,
    /// Covers point to lower-numbered materials only, so there are no cycles.
    covered_by: Vec<usize>,
    issued_by: Option<usize>,
}

#[derive(Debug, Clone)]
struct GenItem {
    department: usize,
    days: u32,
    /// Preconditions point to lower-numbered items only.
    preconditions: Vec<usize>,
    steps: Vec<&'static str>,
    materials: Vec<usize>,
}

#[derive(Debug, Clone)]
struct GenCatalog {
    materials: Vec<GenMaterial>,
    items: Vec<GenItem>,
    /// Items the theme lists; the question adds `extra`, and its "no" removes `removed_material`.
    base: Vec<usize>,
    extra: usize,
    removed_material: usize,
}

fn obtain() -> impl Strategy<Value = Obtain> {
    prop_oneof![
        Just(Obtain::Paper),
        Just(Obtain::IdCard),
        Just(Obtain::Online),
        Just(Obtain::Kiosk)
    ]
}

fn catalog() -> impl Strategy<Value = GenCatalog> {
    (2usize..12, 2usize..7).prop_flat_map(|(n_mat, n_item)| {
        let materials = (0..n_mat)
            .map(|i| {
                (
                    obtain(),
                    proptest::collection::vec(0..i.max(1), 0..if i > 0 { 3 } else { 1 }),
                    proptest::option::weighted(0.2, 0..n_item),
                )
                    .prop_map(move |(obtain, covered_by, issued_by)| GenMaterial {
                        obtain,
                        covered_by: covered_by.into_iter().filter(|&c| c < i).collect(),
                        issued_by,
                    })
            })
            .collect::<Vec<_>>();
        let items = (0..n_item)
            .map(|i| {
                (
                    0usize..3,
                    0u32..20,
                    proptest::collection::vec(0..i.max(1), 0..if i > 0 { 3 } else { 1 }),
                    proptest::sample::subsequence(vec!["consult", "apply", "collect"], 1..=3),
                    proptest::collection::vec(0..n_mat, 0..6),
                )
                    .prop_map(move |(department, days, pre, steps, materials)| {
                        GenItem {
                            department,
                            days,
                            preconditions: pre.into_iter().filter(|&p| p < i).collect(),
                            steps,
                            materials,
                        }
                    })
            })
            .collect::<Vec<_>>();
        (
            materials,
            items,
            proptest::sample::subsequence((0..n_item).collect::<Vec<_>>(), 1..=n_item),
            0..n_item,
            0..n_mat,
        )
            .prop_map(
                |(materials, items, base, extra, removed_material)| GenCatalog {
                    materials,
                    items,
                    base,
                    extra,
                    removed_material,
                },
            )
    })
}

fn list(ids: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = ids.map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", v.join(", "))
}

fn to_sources(g: &GenCatalog) -> Vec<SourceFile> {
    let mut deps = String::new();
    for d in 0..3 {
        deps +=
            &format!("[[department]]\nid = \"d{d}\"\nname = \"部门{d}\"\nname_en = \"D{d}\"\n\n");
    }
    let mut mats = String::new();
    for (i, m) in g.materials.iter().enumerate() {
        let obtain = match m.obtain {
            Obtain::Paper => "paper",
            Obtain::IdCard => "id_card",
            Obtain::Online => "online",
            Obtain::Kiosk => "kiosk",
        };
        mats += &format!(
            "[[material]]\nid = \"m{i}\"\nname = \"材料{i}\"\nname_en = \"M{i}\"\nobtain = \"{obtain}\"\n\
             source = \"共享\"\ncovered_by = {}\n",
            list(m.covered_by.iter().map(|c| format!("m{c}")))
        );
        if let Some(it) = m.issued_by {
            mats += &format!("issued_by = \"i{it}\"\n");
        }
        mats += "\n";
    }
    let mut items = String::new();
    for (i, it) in g.items.iter().enumerate() {
        items += &format!(
            "[[item]]\nid = \"i{i}\"\nname = \"事项{i}\"\nname_en = \"I{i}\"\ndepartment = \"d{}\"\n\
             time_limit_days = {}\npreconditions = {}\nsteps = {}\nsite_inspection = {}\n\
             fields = [\"f\"]\nmaterials = {}\n\n",
            it.department,
            it.days,
            list(it.preconditions.iter().map(|p| format!("i{p}"))),
            list(it.steps.iter().map(|s| s.to_string())),
            it.days % 2 == 0,
            list(it.materials.iter().map(|m| format!("m{m}"))),
        );
    }
    let theme = format!(
        "id = \"t\"\nname = \"主题\"\nname_en = \"T\"\nsummary = \"s\"\nsummary_en = \"s\"\n\
         category = \"c\"\ncategory_en = \"c\"\naudience = \"business\"\nitems = {}\n\n\
         [[question]]\nkey = \"q\"\ntext = \"?\"\ntext_en = \"?\"\nkind = \"yes_no\"\n\n\
         [[question.option]]\nvalue = \"yes\"\nlabel = \"是\"\nlabel_en = \"Yes\"\nadd_items = [\"i{}\"]\n\n\
         [[question.option]]\nvalue = \"no\"\nlabel = \"否\"\nlabel_en = \"No\"\nremove_materials = [\"m{}\"]\n",
        list(g.base.iter().map(|b| format!("i{b}"))),
        g.extra,
        g.removed_material
    );
    let fields = "[[field]]\nkey = \"f\"\nlabel = \"字段\"\nlabel_en = \"F\"\nkind = \"text\"\n";
    [
        ("departments.toml", deps),
        ("materials.toml", mats),
        ("items.toml", items),
        ("fields.toml", fields.to_owned()),
        ("themes/t.toml", theme),
    ]
    .into_iter()
    .map(|(p, t)| SourceFile {
        path: p.into(),
        text: t,
    })
    .collect()
}

fn answer(v: &str) -> Answers {
    [("q".to_string(), v.to_string())].into_iter().collect()
}

/// Everything a plan's items ask for, directly.
fn requested(cat: &Catalog, p: &Plan) -> HashSet<String> {
    p.items
        .iter()
        .flat_map(|i| cat.items.get(&i.id).unwrap().materials.clone())
        .collect()
}

fn check_invariants(cat: &Catalog, p: &Plan) -> Result<(), TestCaseError> {
    let set: Vec<&str> = p.materials.iter().map(|m| m.id.as_str()).collect();
    let dropped: Vec<&str> = p.dropped.iter().map(|d| d.id.as_str()).collect();
    let set_u: HashSet<&str> = set.iter().copied().collect();
    let dropped_u: HashSet<&str> = dropped.iter().copied().collect();
    // Nothing appears twice, within or across the two lists.
    prop_assert_eq!(set.len(), set_u.len());
    prop_assert_eq!(dropped.len(), dropped_u.len());
    prop_assert!(set_u.is_disjoint(&dropped_u));
    // Every requested material is accounted for.
    for m in requested(cat, p) {
        prop_assert!(
            set_u.contains(m.as_str()) || dropped_u.contains(m.as_str()),
            "{} neither in the set nor dropped",
            m
        );
    }
    // Whoever needs a material is in the plan.
    let items: HashSet<&str> = p.items.iter().map(|i| i.id.as_str()).collect();
    for m in &p.materials {
        prop_assert!(!m.needed_by.is_empty());
        prop_assert!(m.needed_by.iter().all(|i| items.contains(i.as_str())));
    }
    // Merging never makes things worse.
    prop_assert!(p.after.materials <= p.before.materials);
    prop_assert!(p.after.steps <= p.before.steps);
    prop_assert!(p.after.windows <= p.before.windows);
    prop_assert!(p.after.days <= p.before.days);
    // Fields are merged by key.
    let keys: HashSet<&str> = p.fields.iter().map(|f| f.key.as_str()).collect();
    prop_assert_eq!(keys.len(), p.fields.len());
    Ok(())
}

/// Materials reachable from `m` through covers, including `m`.
fn cover_closure(g: &GenCatalog, m: usize, out: &mut HashSet<usize>) {
    if out.insert(m) {
        for &c in &g.materials[m].covered_by {
            cover_closure(g, c, out);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn merge_invariants_hold(g in catalog()) {
        let cat = Catalog::from_sources(&to_sources(&g)).expect("generated catalog is valid");
        for v in ["yes", "no"] {
            let p = plan(&cat, "t", &answer(v)).expect("plans");
            check_invariants(&cat, &p)?;
        }
    }

    #[test]
    fn dropping_a_questions_item_removes_its_exclusive_materials(g in catalog()) {
        prop_assume!(!g.base.contains(&g.extra));
        let cat = Catalog::from_sources(&to_sources(&g)).expect("generated catalog is valid");
        let with = plan(&cat, "t", &answer("yes")).expect("plans");
        let without_items: HashSet<usize> = g.base.iter().copied().collect();
        // Materials any remaining item can reach (directly or as a cover).
        let mut reachable = HashSet::new();
        for &i in &without_items {
            for &m in &g.items[i].materials {
                cover_closure(&g, m, &mut reachable);
            }
        }
        let no = plan(&cat, "t", &answer("no")).expect("plans");
        for m in &g.items[g.extra].materials {
            if reachable.contains(m) {
                continue;
            }
            let id = format!("m{m}");
            prop_assert!(!no.materials.iter().any(|x| x.id == id), "{} still in the set", id);
            prop_assert!(!no.dropped.iter().any(|x| x.id == id), "{} still listed", id);
        }
        let extra = format!("i{}", g.extra);
        prop_assert!(with.items.iter().any(|i| i.id == extra));
        prop_assert!(!no.items.iter().any(|i| i.id == extra));
    }
}
