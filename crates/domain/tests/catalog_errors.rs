//! Every kind of bad catalog gets an error naming the file, the line and what is wrong.

mod common;

use common::{ITEMS, MATERIALS, THEME, load_err};
use onevisit_domain::catalog::CatalogErrorKind;
use onevisit_domain::{Calendar, Catalog};

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("needle in text");
    text[..at].matches('\n').count() + 1
}

#[test]
fn syntax_errors_name_the_line() {
    let text = format!("{ITEMS}\n[[item]\nid = \"x\"\n");
    let errs = load_err("items.toml", &text);
    let e = &errs.0[0];
    assert_eq!(e.file, "items.toml");
    assert_eq!(e.line, line_of(&text, "[[item]\nid"));
    assert!(matches!(e.kind, CatalogErrorKind::Syntax(_)));
}

#[test]
fn wrong_value_types_name_the_line() {
    let text = ITEMS.replace("time_limit_days = 10", "time_limit_days = \"ten\"");
    let e = &load_err("items.toml", &text).0[0];
    assert_eq!(e.line, line_of(&text, "\"ten\""));
}

#[test]
fn unknown_step_kinds_are_rejected() {
    let text = ITEMS.replace(
        r#"steps = ["consult", "apply", "collect"]"#,
        r#"steps = ["queue"]"#,
    );
    let e = &load_err("items.toml", &text).0[0];
    assert!(e.to_string().contains("queue"), "{e}");
}

#[test]
fn unknown_material_ids_name_file_line_and_a_suggestion() {
    let text = ITEMS.replace(r#""only-c"]"#, r#""only-cc"]"#);
    let errs = load_err("items.toml", &text);
    assert_eq!(errs.0.len(), 1);
    let e = &errs.0[0];
    assert_eq!(
        (e.file.as_str(), e.line),
        ("items.toml", line_of(&text, "only-cc"))
    );
    assert_eq!(
        e.kind,
        CatalogErrorKind::Unknown {
            what: "material",
            id: "only-cc".into(),
            suggestion: Some("only-c".into())
        }
    );
    assert!(e.to_string().contains("did you mean \"only-c\""));
}

#[test]
fn unknown_departments_fields_and_preconditions_are_reported() {
    let text = ITEMS
        .replace(r#"department = "fire""#, r#"department = "police""#)
        .replace(
            r#"fields = ["name", "area"]"#,
            r#"fields = ["name", "size"]"#,
        )
        .replace(
            "time_limit_days = 10\npreconditions = [\"a\"]",
            "time_limit_days = 10\npreconditions = [\"z\"]",
        );
    let errs = load_err("items.toml", &text);
    let whats: Vec<String> = errs.0.iter().map(|e| e.kind.to_string()).collect();
    assert!(
        whats
            .iter()
            .any(|w| w.contains("unknown department \"police\"")),
        "{whats:?}"
    );
    assert!(
        whats.iter().any(|w| w.contains("unknown field \"size\"")),
        "{whats:?}"
    );
    assert!(
        whats.iter().any(|w| w.contains("unknown item \"z\"")),
        "{whats:?}"
    );
}

#[test]
fn precondition_cycles_are_reported_once_with_the_cycle() {
    let text = ITEMS.replace(
        "time_limit_days = 3\n",
        "time_limit_days = 3\npreconditions = [\"b\"]\n",
    );
    let errs = load_err("items.toml", &text);
    let cycles: Vec<_> = errs
        .0
        .iter()
        .filter(|e| matches!(e.kind, CatalogErrorKind::PreconditionCycle(_)))
        .collect();
    assert_eq!(cycles.len(), 1, "{errs}");
    assert_eq!(cycles[0].line, line_of(&text, "id = \"a\""));
    assert!(cycles[0].to_string().contains("a → b → a"), "{}", cycles[0]);
}

#[test]
fn cover_cycles_are_reported() {
    let text = MATERIALS.replace(
        "name_en = \"Floor plan\"\nobtain = \"paper\"\n",
        "name_en = \"Floor plan\"\nobtain = \"paper\"\ncovered_by = [\"fire-plan\"]\n",
    );
    let errs = load_err("materials.toml", &text);
    assert!(
        errs.0
            .iter()
            .any(|e| matches!(e.kind, CatalogErrorKind::CoverCycle(_))),
        "{errs}"
    );
}

#[test]
fn questions_that_switch_missing_items_are_reported() {
    let text = THEME.replace(
        r#"label_en = "No"
"#,
        "label_en = \"No\"\nremove_items = [\"c2\"]\n",
    );
    // c2 does not exist at all.
    let errs = load_err("themes/shop.toml", &text);
    assert!(
        errs.0[0].to_string().contains("unknown item \"c2\""),
        "{errs}"
    );
    // An item that exists but that the theme never has.
    let items = format!(
        "{ITEMS}\n[[item]]\nid = \"d\"\nname = \"D\"\nname_en = \"D\"\ndepartment = \"amr\"\n\
         time_limit_days = 1\nsteps = [\"apply\"]\n"
    );
    let theme = THEME.replace(
        r#"label_en = "No"
"#,
        "label_en = \"No\"\nremove_items = [\"d\"]\n",
    );
    let mut files = common::sources_with("items.toml", &items);
    files.retain(|f| f.path != "themes/shop.toml");
    files.push(common::file("themes/shop.toml", &theme));
    let errs = Catalog::from_sources(&files).unwrap_err();
    let e = &errs.0[0];
    assert_eq!(
        e.kind,
        CatalogErrorKind::SwitchesMissingItem {
            question: "needs_c".into(),
            item: "d".into()
        }
    );
    assert_eq!(e.line, line_of(&theme, "remove_items = [\"d\"]"));
}

#[test]
fn duplicate_ids_name_both_lines() {
    let text = format!(
        "{MATERIALS}\n[[material]]\nid = \"lease\"\nname = \"x\"\nname_en = \"x\"\nobtain = \"paper\"\n"
    );
    let e = &load_err("materials.toml", &text).0[0];
    match &e.kind {
        CatalogErrorKind::Duplicate {
            what,
            id,
            first_line,
        } => {
            assert_eq!((*what, id.as_str()), ("material", "lease"));
            assert_eq!(*first_line, line_of(&text, "id = \"lease\""));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.line > line_of(&text, "id = \"lease\""));
}

#[test]
fn yes_no_questions_need_yes_and_no() {
    let text = THEME.replace("value = \"no\"", "value = \"nope\"");
    let e = &load_err("themes/shop.toml", &text).0[0];
    assert_eq!(e.kind, CatalogErrorKind::YesNoOptions("needs_c".into()));
}

#[test]
fn online_materials_need_a_source() {
    let text = MATERIALS.replace("source = \"不动产登记\"\n", "");
    let e = &load_err("materials.toml", &text).0[0];
    assert_eq!(
        e.kind,
        CatalogErrorKind::OnlineWithoutSource("title".into())
    );
}

#[test]
fn theme_ids_match_file_names() {
    let mut files = common::sources_with("themes/shop.toml", THEME);
    files.retain(|f| f.path != "themes/shop.toml");
    files.push(common::file("themes/shop2.toml", THEME));
    let errs = Catalog::from_sources(&files).unwrap_err();
    assert!(matches!(
        errs.0[0].kind,
        CatalogErrorKind::ThemeFileName { .. }
    ));
}

#[test]
fn missing_and_unknown_files_are_reported() {
    let mut files = common::sources_with("themes/shop.toml", THEME);
    files.retain(|f| f.path != "fields.toml");
    files.push(common::file("extra/things.toml", ""));
    let errs = Catalog::from_sources(&files).unwrap_err();
    let kinds: Vec<&CatalogErrorKind> = errs.0.iter().map(|e| &e.kind).collect();
    assert!(kinds.contains(&&CatalogErrorKind::UnknownFile));
    assert!(kinds.contains(&&CatalogErrorKind::MissingFile("fields.toml".into())));
    // Items referring to the missing fields are reported too: every problem at once.
    assert!(errs.0.len() > 2);
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let text = ITEMS
        .replace("\"only-c\"", "\"x1\"")
        .replace("\"plan\"]", "\"x2\"]");
    assert_eq!(load_err("items.toml", &text).0.len(), 2);
}

#[test]
fn bad_calendar_files_are_reported_with_lines() {
    let text = "year = 2026\nsource = \"t\"\n[[holiday]]\nname = \"x\"\nname_en = \"x\"\n\
                from = \"2026-13-01\"\nto = \"2026-01-02\"\nworkdays = [\"2026-01-05\"]\n";
    let errs = Calendar::from_sources(&[common::file("calendar/cn-2026.toml", text)]).unwrap_err();
    assert_eq!(errs.0[0].line, 6, "{errs}");
    let text = text.replace("2026-13-01", "2026-01-01");
    let errs = Calendar::from_sources(&[common::file("calendar/cn-2026.toml", &text)]).unwrap_err();
    assert!(
        errs.0[0].to_string().contains("not a Saturday or Sunday"),
        "{errs}"
    );
    assert_eq!(errs.0[0].line, 8);
}

#[test]
fn the_sample_catalog_is_valid() {
    let cat = common::sample();
    assert!(cat.themes.len() >= 13);
    for id in [
        "open-restaurant",
        "open-supermarket",
        "open-fruit-shop",
        "open-beauty-salon",
    ] {
        assert!(cat.theme(id).is_some(), "{id}");
    }
    let individual = cat
        .themes
        .iter()
        .filter(|t| t.audience == onevisit_domain::catalog::Audience::Individual)
        .count();
    assert!(individual >= 2);
}
