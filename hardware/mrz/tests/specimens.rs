//! The parser against literal ICAO Doc 9303 specimen lines: the check digits below are
//! printed in the standard, not computed by our own slicing.

use chrono::NaiveDate;
use onevisit_mrz::{CheckKind, Format, cs_line, parse};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

/// Doc 9303 Part 4, specimen passport (TD3).
const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

/// Doc 9303 Part 5, specimen identity card (TD1).
const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

fn failed(lines: &[&str]) -> Vec<&'static str> {
    parse(lines, today()).unwrap().failed_checks
}

/// Replaces the character at `at` of `line`.
fn with(line: &str, at: usize, c: char) -> String {
    let mut s: Vec<char> = line.chars().collect();
    s[at] = c;
    s.into_iter().collect()
}

#[test]
fn td3_specimen_passes_every_check() {
    let m = parse(&TD3, today()).unwrap();
    assert_eq!(m.format, Format::Td3);
    assert_eq!(m.document_number, "L898902C3");
    assert_eq!(m.birth.as_deref(), Some("1974-08-12"));
    assert_eq!(m.expiry.as_deref(), Some("2012-04-15"));
    assert_eq!(m.names, ["ERIKSSON", "ANNA MARIA"]);
    let names: Vec<_> = m
        .checks
        .iter()
        .filter(|c| c.kind == CheckKind::CheckDigit)
        .map(|c| (c.field, c.valid))
        .collect();
    assert_eq!(
        names,
        [
            ("document_number", true),
            ("birth", true),
            ("expiry", true),
            ("personal_number", true),
            ("composite", true),
        ]
    );
}

#[test]
fn td3_specimen_composite_digit_is_checked() {
    // The printed composite digit is 0; every other value must fail it, and only it.
    for d in "123456789".chars() {
        let l2 = with(TD3[1], 43, d);
        assert_eq!(failed(&[TD3[0], &l2]), ["composite"], "composite digit {d}");
    }
    // The personal number (ZE184226B, check 1) lies inside the composite.
    let l2 = with(TD3[1], 30, '5');
    assert_eq!(failed(&[TD3[0], &l2]), ["personal_number", "composite"]);
    // Nationality (10..13) and sex (20) lie outside every check digit: another valid code
    // and sex pass; only the fields' own rules catch a misread.
    let l2 = TD3[1].replace("UTO", "CHN");
    let l2 = with(&l2, 20, 'M');
    assert_eq!(failed(&[TD3[0], &l2]), Vec::<&str>::new());
    let l2 = with(TD3[1], 10, 'X');
    assert_eq!(failed(&[TD3[0], &l2]), ["nationality"]);
}

#[test]
fn td1_specimen_passes_every_check() {
    let m = parse(&TD1, today()).unwrap();
    assert_eq!(m.format, Format::Td1);
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.birth.as_deref(), Some("1974-08-12"));
    assert_eq!(m.expiry.as_deref(), Some("2012-04-15"));
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.sex, "F");
    assert_eq!(m.names, ["ERIKSSON", "ANNA MARIA"]);
    assert!(m.checks_valid, "{:?}", m.failed_checks);
}

#[test]
fn td1_specimen_composite_covers_line_one_and_two() {
    // The printed composite digit is 6.
    for d in "012345789".chars() {
        let l2 = with(TD1[1], 29, d);
        assert_eq!(failed(&[TD1[0], &l2, TD1[2]]), ["composite"], "digit {d}");
    }
    // Line 1's optional data (15..30) is covered by the composite only.
    let l1 = with(TD1[0], 20, '7');
    assert_eq!(failed(&[&l1, TD1[1], TD1[2]]), ["composite"]);
    // So is line 2's optional data (18..29).
    let l2 = with(TD1[1], 25, '3');
    assert_eq!(failed(&[TD1[0], &l2, TD1[2]]), ["composite"]);
    // A document number digit fails its own check and the composite.
    let l1 = with(TD1[0], 7, '4');
    assert_eq!(
        failed(&[&l1, TD1[1], TD1[2]]),
        ["document_number", "composite"]
    );
    // Nationality (15..18) and sex (7) are outside every check digit.
    let l2 = with(&TD1[1].replace("UTO", "HKG"), 7, 'M');
    assert!(failed(&[TD1[0], &l2, TD1[2]]).is_empty());
    let l2 = with(TD1[1], 7, '5');
    assert_eq!(failed(&[TD1[0], &l2, TD1[2]]), ["sex"]);
}

/// What a misreading reader produces that every check digit lets through: each is named by
/// its field in `failed_checks`, and nothing else is.
#[test]
fn field_rules_catch_what_check_digits_miss() {
    let td3 = |l1: &str, l2: &str| failed(&[l1, l2]);
    let (l1, l2) = (TD3[0].replace("UTO", "CHN"), TD3[1].replace("UTO", "CHN"));
    assert!(td3(&l1, &l2).is_empty(), "China's passport, as printed");
    // `CHN` read as `CH6`, in the nationality and in the issuing state.
    assert_eq!(td3(&l1, &l2.replace("CHN", "CH6")), ["nationality"]);
    assert_eq!(td3(&l1.replace("CHN", "CH6"), &l2), ["issuer"]);
    // `F` read as `5`, `<` left as `<` (unspecified) is fine.
    assert_eq!(td3(&l1, &with(&l2, 20, '5')), ["sex"]);
    assert!(td3(&l1, &with(&l2, 20, '<')).is_empty());
    // An `O` read as `0` in a name; a name that starts with a filler.
    assert_eq!(td3(&l1.replace("ERIKSSON", "ERIKSS0N"), &l2), ["names"]);
    assert_eq!(td3(&with(&l1, 5, '<'), &l2), ["names"]);
    // A passport whose type letter is not `P`.
    assert_eq!(td3(&with(&l1, 0, 'V'), &l2), ["document_type"]);
    // Germany's one-letter code, as printed, is a code.
    assert!(td3(&l1.replace("CHN", "D<<"), &l2.replace("CHN", "D<<")).is_empty());
    // ICAO's own codes: stateless, United Nations.
    assert!(td3(&l1, &l2.replace("CHN", "XXA")).is_empty());
    assert!(td3(&l1.replace("CHN", "UNO"), &l2).is_empty());
}

#[test]
fn dates_that_do_not_exist_fail_though_their_check_digits_hold() {
    // A travel permit built with correct check digits over impossible dates.
    let ok = cs_line("C12345678", "300101", "900815");
    assert!(failed(&[&ok]).is_empty(), "{ok}");
    assert_eq!(
        failed(&[&cs_line("C12345678", "300101", "900231")]),
        ["birth"]
    );
    assert_eq!(
        failed(&[&cs_line("C12345678", "301301", "900815")]),
        ["expiry"]
    );
    // A filler between its fields read as something else.
    let l = with(&ok, 12, 'K');
    assert!(failed(&[&l]).contains(&"filler"), "{:?}", failed(&[&l]));
}
