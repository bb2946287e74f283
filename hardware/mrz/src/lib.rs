//! Machine-readable zones: passports (TD3, 2 × 44), ID cards (TD1, 3 × 30) and the mainland
//! residents' permit for travel to Hong Kong and Macau (one 30-character line starting `CS`).
//! Every check digit is verified and reported by name, and so is every field the check digits
//! do not cover (`fields.rs`): the issuing state's and the nationality's codes, the sex, dates
//! that exist, names and fillers. Also the framing serial MRZ readers put around the lines.

mod fields;
mod framing;

pub use fields::{icao_codes, is_icao_code};
pub use framing::Framer;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use thiserror::Error;

/// ICAO 9303 check digit: digits as themselves, A–Z as 10–35, `<` as 0; weights 7, 3, 1.
/// None if a character is outside that alphabet.
pub fn check_digit(s: &str) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, c) in s.chars().enumerate() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => return None,
        };
        sum += v * [7, 3, 1][i % 3];
    }
    Some((sum % 10) as u8)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Passport, 2 lines of 44.
    Td3,
    /// ID card, 3 lines of 30.
    Td1,
    /// Mainland residents' permit for travel to Hong Kong and Macau (2014 card).
    Cs,
}

/// The outcome of one check: a check digit, or a field's own rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Check digits: `document_number`, `birth`, `expiry`, `personal_number`, `composite`.
    /// Fields' rules: `document_type`, `issuer`, `nationality`, `sex`, `names`, `filler`,
    /// and `document_number`, `personal_number`, `birth`, `expiry` again (their characters,
    /// dates that exist).
    pub field: &'static str,
    pub kind: CheckKind,
    pub valid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    CheckDigit,
    /// A rule of the field's own: a known code, a sex, a date that exists, fillers.
    Field,
}

fn rule(field: &'static str, valid: bool) -> Check {
    Check {
        field,
        kind: CheckKind::Field,
        valid,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mrz {
    pub format: Format,
    pub document_type: String,
    pub document_number: String,
    /// `YYYY-MM-DD`; the century is chosen so the birth date is not in the future.
    pub birth: Option<String>,
    pub expiry: Option<String>,
    /// `M`, `F` or `<` (unspecified); empty where the format has none.
    pub sex: String,
    pub nationality: String,
    pub issuer: String,
    /// Surname first, then given names; empty where the format has none.
    pub names: Vec<String>,
    pub checks_valid: bool,
    pub checks: Vec<Check>,
    /// The fields that failed a check (each once, in the zone's order of checks).
    pub failed_checks: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("no lines to parse")]
    Empty,
    #[error(
        "not a recognised MRZ: got {lines} line(s) of {lengths:?} characters (passports have 2 × 44, ID cards 3 × 30, travel permits 1 × 30 starting CS)"
    )]
    Shape { lines: usize, lengths: Vec<usize> },
    #[error("line {line} has a character outside A–Z, 0–9 and '<' at position {position}")]
    Character { line: usize, position: usize },
}

fn clean(s: &str) -> String {
    s.trim().replace(' ', "")
}

/// Parses MRZ lines. `today` decides the century of two-digit birth years.
pub fn parse(lines: &[&str], today: NaiveDate) -> Result<Mrz, MrzError> {
    let lines: Vec<String> = lines
        .iter()
        .map(|l| clean(l))
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(MrzError::Empty);
    }
    for (i, l) in lines.iter().enumerate() {
        if let Some(p) = l
            .chars()
            .position(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<'))
        {
            return Err(MrzError::Character {
                line: i + 1,
                position: p + 1,
            });
        }
    }
    let lengths: Vec<usize> = lines.iter().map(String::len).collect();
    match lengths.as_slice() {
        [44, 44] => Ok(td3(&lines[0], &lines[1], today)),
        [30, 30, 30] => Ok(td1(&lines[0], &lines[1], &lines[2], today)),
        [30] if lines[0].starts_with("CS") => Ok(cs(&lines[0], today)),
        _ => Err(MrzError::Shape {
            lines: lines.len(),
            lengths,
        }),
    }
}

/// Checks `field` against the digit at `digit` (a `<` check digit counts as 0 only when the
/// field is empty, as ICAO allows for optional fields).
fn check(name: &'static str, field: &str, digit: char) -> Check {
    let valid = match (check_digit(field), digit.to_digit(10)) {
        (Some(c), Some(d)) => u32::from(c) == d,
        (Some(_), None) => digit == '<' && field.chars().all(|c| c == '<'),
        _ => false,
    };
    Check {
        field: name,
        kind: CheckKind::CheckDigit,
        valid,
    }
}

fn strip(s: &str) -> String {
    s.trim_end_matches('<').replace('<', " ").trim().to_owned()
}

fn names(s: &str) -> Vec<String> {
    let s = s.trim_end_matches('<');
    let mut parts = s.splitn(2, "<<");
    let surname = parts.next().unwrap_or_default().replace('<', " ");
    let given = parts.next().unwrap_or_default().replace('<', " ");
    [surname, given]
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

fn yymmdd(s: &str, birth: bool, today: NaiveDate) -> Option<String> {
    let yy: i32 = s.get(0..2)?.parse().ok()?;
    let mm: u32 = s.get(2..4)?.parse().ok()?;
    let dd: u32 = s.get(4..6)?.parse().ok()?;
    let mut year = 2000 + yy;
    if birth && year > today.year() {
        year -= 100;
    }
    if !birth && yy >= 70 {
        year -= 100;
    }
    NaiveDate::from_ymd_opt(year, mm, dd).map(|d| d.format("%Y-%m-%d").to_string())
}

fn finish(mut m: Mrz) -> Mrz {
    for c in m.checks.iter().filter(|c| !c.valid) {
        if !m.failed_checks.contains(&c.field) {
            m.failed_checks.push(c.field);
        }
    }
    m.checks_valid = m.failed_checks.is_empty();
    m
}

/// The rules of the fields every format has: a date that exists for birth and expiry.
fn dates(birth: &Option<String>, expiry: &Option<String>) -> [Check; 2] {
    [
        rule("birth", birth.is_some()),
        rule("expiry", expiry.is_some()),
    ]
}

fn td3(l1: &str, l2: &str, today: NaiveDate) -> Mrz {
    let (birth, expiry) = (
        yymmdd(&l2[13..19], true, today),
        yymmdd(&l2[21..27], false, today),
    );
    let composite_field = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
    finish(Mrz {
        format: Format::Td3,
        document_type: strip(&l1[0..2]),
        issuer: strip(&l1[2..5]),
        names: names(&l1[5..44]),
        document_number: strip(&l2[0..9]),
        nationality: strip(&l2[10..13]),
        birth: birth.clone(),
        sex: l2[20..21].to_owned(),
        expiry: expiry.clone(),
        checks: [
            check("document_number", &l2[0..9], l2.as_bytes()[9] as char),
            check("birth", &l2[13..19], l2.as_bytes()[19] as char),
            check("expiry", &l2[21..27], l2.as_bytes()[27] as char),
            check("personal_number", &l2[28..42], l2.as_bytes()[42] as char),
            check("composite", &composite_field, l2.as_bytes()[43] as char),
            rule("document_type", fields::is_document_code(&l1[0..2], b"P")),
            rule("issuer", fields::is_icao_code(&l1[2..5])),
            rule("names", fields::is_name_field(&l1[5..44])),
            rule("document_number", fields::is_filled_right(&l2[0..9], false)),
            rule("nationality", fields::is_icao_code(&l2[10..13])),
            rule("sex", fields::is_sex(&l2[20..21])),
            rule(
                "personal_number",
                fields::is_filled_right(&l2[28..42], true),
            ),
        ]
        .into_iter()
        .chain(dates(&birth, &expiry))
        .collect(),
        checks_valid: false,
        failed_checks: Vec::new(),
    })
}

fn td1(l1: &str, l2: &str, l3: &str, today: NaiveDate) -> Mrz {
    let (birth, expiry) = (
        yymmdd(&l2[0..6], true, today),
        yymmdd(&l2[8..14], false, today),
    );
    let composite_field = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    finish(Mrz {
        format: Format::Td1,
        document_type: strip(&l1[0..2]),
        issuer: strip(&l1[2..5]),
        document_number: strip(&l1[5..14]),
        birth: birth.clone(),
        sex: l2[7..8].to_owned(),
        expiry: expiry.clone(),
        nationality: strip(&l2[15..18]),
        names: names(l3),
        checks: [
            check("document_number", &l1[5..14], l1.as_bytes()[14] as char),
            check("birth", &l2[0..6], l2.as_bytes()[6] as char),
            check("expiry", &l2[8..14], l2.as_bytes()[14] as char),
            check("composite", &composite_field, l2.as_bytes()[29] as char),
            rule("document_type", fields::is_document_code(&l1[0..2], b"IAC")),
            rule("issuer", fields::is_icao_code(&l1[2..5])),
            // A number longer than nine goes on in the optional data after a `<` check
            // digit (Doc 9303 Part 5): then only its first nine characters are seen here.
            rule(
                "document_number",
                fields::is_filled_right(&l1[5..14], false)
                    || (l1.as_bytes()[14] == b'<'
                        && l1[5..14].bytes().all(|c| c.is_ascii_alphanumeric())),
            ),
            rule("sex", fields::is_sex(&l2[7..8])),
            rule("nationality", fields::is_icao_code(&l2[15..18])),
            rule("names", fields::is_name_field(l3)),
        ]
        .into_iter()
        .chain(dates(&birth, &expiry))
        .collect(),
        checks_valid: false,
        failed_checks: Vec::new(),
    })
}

fn cs(l: &str, today: NaiveDate) -> Mrz {
    let (birth, expiry) = (
        yymmdd(&l[21..27], true, today),
        yymmdd(&l[13..19], false, today),
    );
    let composite_field = format!("{}{}{}", &l[2..12], &l[13..20], &l[21..28]);
    finish(Mrz {
        format: Format::Cs,
        document_type: "CS".into(),
        issuer: "CHN".into(),
        document_number: strip(&l[2..11]),
        expiry: expiry.clone(),
        birth: birth.clone(),
        sex: String::new(),
        nationality: "CHN".into(),
        names: Vec::new(),
        checks: [
            check("document_number", &l[2..11], l.as_bytes()[11] as char),
            check("expiry", &l[13..19], l.as_bytes()[19] as char),
            check("birth", &l[21..27], l.as_bytes()[27] as char),
            check("composite", &composite_field, l.as_bytes()[29] as char),
            rule("document_number", fields::is_filled_right(&l[2..11], false)),
            // The permit's three fillers, between its fields.
            rule(
                "filler",
                [12, 20, 28].iter().all(|&i| l.as_bytes()[i] == b'<'),
            ),
        ]
        .into_iter()
        .chain(dates(&birth, &expiry))
        .collect(),
        checks_valid: false,
        failed_checks: Vec::new(),
    })
}

/// A mainland travel permit's one-line zone (`CS…`, 30 characters) for a 9-character
/// document number and `YYMMDD` dates, with every check digit: the simulators' and the
/// self-test's sample documents. A field of other characters than the zone's gets `<` for a
/// check digit (and so fails its check).
pub fn cs_line(doc: &str, expiry: &str, birth: &str) -> String {
    let d = |s: &str| check_digit(s).map_or('<', |c| char::from(b'0' + c));
    let head = format!(
        "CS{doc}{}<{expiry}{}<{birth}{}<",
        d(doc),
        d(expiry),
        d(birth)
    );
    // As `cs` reads it back: document number, expiry and birth, each with its check digit.
    let part = |r: std::ops::Range<usize>| head.get(r).unwrap_or("");
    let composite = format!("{}{}{}", part(2..12), part(13..20), part(21..28));
    format!("{head}{}", d(&composite))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    const TD3_1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const TD3_2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    #[test]
    fn icao_specimen_passport() {
        let m = parse(&[TD3_1, TD3_2], today()).unwrap();
        assert_eq!(m.format, Format::Td3);
        assert_eq!(m.document_number, "L898902C3");
        assert_eq!(m.nationality, "UTO");
        assert_eq!(m.birth.as_deref(), Some("1974-08-12"));
        assert_eq!(m.expiry.as_deref(), Some("2012-04-15"));
        assert_eq!(m.sex, "F");
        assert_eq!(m.names, ["ERIKSSON", "ANNA MARIA"]);
        assert!(m.checks_valid, "{:?}", m.failed_checks);
    }

    #[test]
    fn each_failed_check_is_named() {
        let bad = TD3_2.replacen("7408122", "7408123", 1);
        let m = parse(&[TD3_1, &bad], today()).unwrap();
        assert!(!m.checks_valid);
        assert_eq!(m.failed_checks, ["birth", "composite"]);
    }

    /// Builds a valid TD1 from its fields, computing the check digits.
    fn td1_lines(doc: &str, birth: &str, expiry: &str) -> [String; 3] {
        let d = |s: &str| check_digit(s).unwrap().to_string();
        let l1 = format!("I<UTO{doc}{}<<<<<<<<<<<<<<<", d(doc));
        let l2_head = format!("{birth}{}F{expiry}{}UTO", d(birth), d(expiry));
        let l2_body = format!("{l2_head}<<<<<<<<<<<");
        let composite = format!(
            "{}{}{}{}",
            &l1[5..30],
            &l2_body[0..7],
            &l2_body[8..15],
            &l2_body[18..29]
        );
        let l2 = format!("{l2_body}{}", d(&composite));
        [l1, l2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<".into()]
    }

    #[test]
    fn td1_card() {
        let [l1, l2, l3] = td1_lines("D23145890", "740812", "340415");
        assert_eq!((l1.len(), l2.len(), l3.len()), (30, 30, 30));
        let m = parse(&[&l1, &l2, &l3], today()).unwrap();
        assert_eq!(m.format, Format::Td1);
        assert_eq!(m.document_number, "D23145890");
        assert_eq!(m.expiry.as_deref(), Some("2034-04-15"));
        assert!(m.checks_valid, "{:?}", m.failed_checks);
    }

    #[test]
    fn mainland_travel_permit() {
        let line = cs_line("C12345678", "300101", "900215");
        assert_eq!(line.len(), 30);
        let m = parse(&[&line], today()).unwrap();
        assert_eq!(m.format, Format::Cs);
        assert_eq!(m.document_number, "C12345678");
        assert_eq!(m.birth.as_deref(), Some("1990-02-15"));
        assert_eq!(m.expiry.as_deref(), Some("2030-01-01"));
        assert!(m.checks_valid, "{:?}", m.failed_checks);
        let bad = line.replacen("C12345678", "C12345679", 1);
        let m = parse(&[&bad], today()).unwrap();
        assert_eq!(m.failed_checks, ["document_number", "composite"]);
    }

    #[test]
    fn shapes_and_characters_are_explained() {
        assert!(matches!(
            parse(&["ABC"], today()),
            Err(MrzError::Shape { .. })
        ));
        assert!(matches!(parse(&[], today()), Err(MrzError::Empty)));
        let lower = TD3_2.to_lowercase();
        assert!(matches!(
            parse(&[TD3_1, &lower], today()),
            Err(MrzError::Character { line: 2, .. })
        ));
    }

    #[test]
    fn check_digit_rejects_foreign_characters() {
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("a"), None);
    }
}
