//! The MRZ parser and framer take any input without panicking.

use chrono::NaiveDate;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_text_parses_or_errs_without_panic(lines in proptest::collection::vec("[A-Z0-9<a-z ]{0,50}", 0..4)) {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let _ = onevisit_mrz::parse(&refs, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
    }

    #[test]
    fn right_shapes_always_parse(l1 in "[A-Z0-9<]{44}", l2 in "[A-Z0-9<]{44}") {
        let r = onevisit_mrz::parse(&[&l1, &l2], NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        prop_assert!(r.is_ok());
    }

    #[test]
    fn framer_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut f = onevisit_mrz::Framer::new(100);
        let _ = f.handle_bytes(0, &bytes);
        let _ = f.handle_timeout(500);
    }
}
