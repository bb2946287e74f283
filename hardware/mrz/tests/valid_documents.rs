//! Valid documents built from their fields (check digits computed per ICAO 9303 from the
//! field values, never from the parser's slices of the finished line), then one character
//! changed: the parser must name exactly the checks that cover that character.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use onevisit_mrz::{CheckKind, Format, check_digit, icao_codes, parse};
use proptest::prelude::*;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

fn value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

fn cd(s: &str) -> char {
    char::from(b'0' + check_digit(s).unwrap())
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn yymmdd() -> impl Strategy<Value = String> {
    (0u32..100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

fn field(len: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Z0-9]{{{len}}}")).unwrap()
}

/// Right-padded with `<` to `len`.
fn filler(s: &str, len: usize) -> String {
    format!("{s:<<len$}")
}

/// An issuing state's or nationality's code as printed: `CHN`, `D<<`.
fn code() -> impl Strategy<Value = String> {
    let codes: Vec<String> = icao_codes().map(|c| format!("{c:<<3}")).collect();
    prop::sample::select(codes)
}

fn names(len: usize) -> impl Strategy<Value = String> {
    ("[A-Z]{1,12}", "[A-Z]{1,10}").prop_map(move |(s, g)| filler(&format!("{s}<<{g}"), len))
}

/// A document: its lines, and for each line the checks that cover each position.
#[derive(Debug, Clone)]
struct Doc {
    format: Format,
    lines: Vec<String>,
    covers: Vec<Vec<&'static [&'static str]>>,
}

const NONE: &[&str] = &[];
const DOC: &[&str] = &["document_number", "composite"];
const BIRTH: &[&str] = &["birth", "composite"];
const EXPIRY: &[&str] = &["expiry", "composite"];
const PERSONAL: &[&str] = &["personal_number", "composite"];
const COMPOSITE: &[&str] = &["composite"];

fn spans(spec: &[(usize, &'static [&'static str])]) -> Vec<&'static [&'static str]> {
    spec.iter()
        .flat_map(|&(n, c)| std::iter::repeat_n(c, n))
        .collect()
}

fn td3() -> impl Strategy<Value = Doc> {
    (
        field(9),
        code(),
        yymmdd(),
        "[MF<]",
        yymmdd(),
        proptest::option::of(field(14)),
        names(39),
    )
        .prop_map(|(doc, nat, birth, sex, expiry, personal, name)| {
            let doc_cd = format!("{doc}{}", cd(&doc));
            let birth_cd = format!("{birth}{}", cd(&birth));
            let expiry_cd = format!("{expiry}{}", cd(&expiry));
            // An empty personal number may carry `<` as its check digit.
            let personal_cd = match personal {
                Some(p) => format!("{p}{}", cd(&p)),
                None => "<".repeat(15),
            };
            let composite = cd(&format!("{doc_cd}{birth_cd}{expiry_cd}{personal_cd}"));
            let l1 = format!("P<{nat}{name}");
            let l2 = format!("{doc_cd}{nat}{birth_cd}{sex}{expiry_cd}{personal_cd}{composite}");
            Doc {
                format: Format::Td3,
                lines: vec![l1, l2],
                covers: vec![
                    spans(&[(44, NONE)]),
                    spans(&[
                        (10, DOC),
                        (3, NONE),
                        (7, BIRTH),
                        (1, NONE),
                        (7, EXPIRY),
                        (15, PERSONAL),
                        (1, COMPOSITE),
                    ]),
                ],
            }
        })
}

fn td1() -> impl Strategy<Value = Doc> {
    (
        field(9),
        code(),
        yymmdd(),
        "[MF<]",
        yymmdd(),
        "[A-Z0-9]{0,15}",
        "[A-Z0-9]{0,11}",
        names(30),
    )
        .prop_map(|(doc, nat, birth, sex, expiry, opt1, opt2, name)| {
            let doc_cd = format!("{doc}{}", cd(&doc));
            let birth_cd = format!("{birth}{}", cd(&birth));
            let expiry_cd = format!("{expiry}{}", cd(&expiry));
            let opt1 = filler(&opt1, 15);
            let opt2 = filler(&opt2, 11);
            let composite = cd(&format!("{doc_cd}{opt1}{birth_cd}{expiry_cd}{opt2}"));
            Doc {
                format: Format::Td1,
                lines: vec![
                    format!("I<{nat}{doc_cd}{opt1}"),
                    format!("{birth_cd}{sex}{expiry_cd}{nat}{opt2}{composite}"),
                    name,
                ],
                covers: vec![
                    spans(&[(5, NONE), (10, DOC), (15, COMPOSITE)]),
                    spans(&[
                        (7, BIRTH),
                        (1, NONE),
                        (7, EXPIRY),
                        (3, NONE),
                        (11, COMPOSITE),
                        (1, COMPOSITE),
                    ]),
                    spans(&[(30, NONE)]),
                ],
            }
        })
}

fn cs() -> impl Strategy<Value = Doc> {
    (field(9), yymmdd(), yymmdd()).prop_map(|(doc, expiry, birth)| {
        let doc_cd = format!("{doc}{}", cd(&doc));
        let expiry_cd = format!("{expiry}{}", cd(&expiry));
        let birth_cd = format!("{birth}{}", cd(&birth));
        let composite = cd(&format!("{doc_cd}{expiry_cd}{birth_cd}"));
        Doc {
            format: Format::Cs,
            lines: vec![format!("CS{doc_cd}<{expiry_cd}<{birth_cd}<{composite}")],
            // `CS` itself is what makes the line a permit; it is not mutated.
            covers: vec![spans(&[
                (2, NONE),
                (10, DOC),
                (1, NONE),
                (7, EXPIRY),
                (1, NONE),
                (7, BIRTH),
                (1, NONE),
                (1, COMPOSITE),
            ])],
        }
    })
}

fn any_doc() -> impl Strategy<Value = Doc> {
    prop_oneof![td3(), td1(), cs()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn generated_documents_pass_every_check(doc in any_doc()) {
        let refs: Vec<&str> = doc.lines.iter().map(String::as_str).collect();
        for (line, covers) in doc.lines.iter().zip(&doc.covers) {
            prop_assert_eq!(line.len(), covers.len(), "{:?}", doc.lines);
        }
        let m = parse(&refs, today()).unwrap();
        prop_assert_eq!(m.format, doc.format);
        prop_assert!(m.checks_valid, "{:?} failed {:?}", doc.lines, m.failed_checks);
    }

    #[test]
    fn one_changed_character_names_the_failing_fields(
        doc in any_doc(),
        line in any::<prop::sample::Index>(),
        pos in any::<prop::sample::Index>(),
        to in any::<prop::sample::Index>(),
    ) {
        let li = line.index(doc.lines.len());
        let mut chars = doc.lines[li].as_bytes().to_vec();
        let at = if doc.format == Format::Cs { 2 + pos.index(chars.len() - 2) } else { pos.index(chars.len()) };
        let old = chars[at];
        // A replacement whose value differs modulo 10, so every check digit over it changes
        // (the weights 7, 3 and 1 are prime to 10).
        let choices: Vec<u8> = ALPHABET
            .iter()
            .copied()
            .filter(|&c| !(value(c) + 10 - value(old) % 10).is_multiple_of(10))
            .collect();
        chars[at] = choices[to.index(choices.len())];
        let mut lines = doc.lines.clone();
        lines[li] = String::from_utf8(chars).unwrap();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let m = parse(&refs, today()).unwrap();
        // The check digits over that character fail, and no other (the fields' own rules
        // may fail too: `field_rules_catch_what_check_digits_miss` in specimens.rs).
        let want: BTreeSet<&str> = doc.covers[li][at].iter().copied().collect();
        let got: BTreeSet<&str> = m
            .checks
            .iter()
            .filter(|c| c.kind == CheckKind::CheckDigit && !c.valid)
            .map(|c| c.field)
            .collect();
        prop_assert_eq!(&got, &want, "line {} position {}: {:?}", li + 1, at, lines);
        if !want.is_empty() {
            prop_assert!(!m.checks_valid);
        }
    }
}
