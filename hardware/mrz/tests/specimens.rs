//! The parser against literal ICAO Doc 9303 specimen lines: the check digits below are
//! printed in the standard, not computed by our own slicing.

use chrono::NaiveDate;
use onevisit_mrz::{Format, parse};

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
    let names: Vec<_> = m.checks.iter().map(|c| (c.field, c.valid)).collect();
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
    // Nationality (10..13) and sex (20) lie outside every check.
    let l2 = with(with(TD3[1], 10, 'X').as_str(), 20, 'M');
    assert_eq!(failed(&[TD3[0], &l2]), Vec::<&str>::new());
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
    // Nationality (15..18) and sex (7) are outside every check.
    let l2 = with(with(TD1[1], 15, 'X').as_str(), 7, 'M');
    assert!(failed(&[TD1[0], &l2, TD1[2]]).is_empty());
}
