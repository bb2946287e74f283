//! The working-day calendar against the 2026 arrangement shipped in the sample catalog.

mod common;

use chrono::NaiveDate;
use onevisit_domain::{Calendar, CalendarError};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cal() -> Calendar {
    Calendar::from_sources(&common::sample_sources()).unwrap()
}

#[test]
fn weekdays_weekends_holidays_and_make_up_days() {
    let c = cal();
    assert!(c.is_working_day(d("2026-11-27")).unwrap()); // Friday
    assert!(!c.is_working_day(d("2026-11-28")).unwrap()); // Saturday
    assert!(!c.is_working_day(d("2026-10-05")).unwrap()); // National Day, a Monday
    assert!(c.is_working_day(d("2026-10-10")).unwrap()); // make-up Saturday
    assert!(c.is_working_day(d("2026-02-14")).unwrap()); // make-up Saturday before 春节
    assert_eq!(c.holiday(d("2026-02-17")), Some("春节"));
}

#[test]
fn day_one_is_the_next_working_day() {
    let c = cal();
    assert_eq!(
        c.add_working_days(d("2026-11-27"), 1).unwrap(),
        d("2026-11-30")
    );
    assert_eq!(
        c.add_working_days(d("2026-11-27"), 0).unwrap(),
        d("2026-11-27")
    );
    // Monday 2026-11-30 + 15 working days: three full weeks.
    assert_eq!(
        c.add_working_days(d("2026-11-30"), 15).unwrap(),
        d("2026-12-21")
    );
}

#[test]
fn national_day_week_and_its_make_up_days() {
    let c = cal();
    // From Fri 25 Sep (中秋): Mon 28, Tue 29, Wed 30 Sep; 1–7 Oct off; Thu 8, Fri 9, Sat 10
    // (make-up), then Mon 12.
    assert_eq!(
        c.add_working_days(d("2026-09-25"), 3).unwrap(),
        d("2026-09-30")
    );
    assert_eq!(
        c.add_working_days(d("2026-09-25"), 6).unwrap(),
        d("2026-10-10")
    );
    assert_eq!(
        c.add_working_days(d("2026-09-25"), 7).unwrap(),
        d("2026-10-12")
    );
    // Sun 20 Sep is a make-up working day.
    assert_eq!(
        c.add_working_days(d("2026-09-18"), 1).unwrap(),
        d("2026-09-20")
    );
}

#[test]
fn crossing_into_the_provisional_year_is_flagged() {
    let c = cal();
    let due = c.add_working_days(d("2026-12-25"), 10).unwrap();
    assert_eq!(due, d("2027-01-11")); // 1 Jan 2027 is a statutory holiday
    assert_eq!(c.provisional_years_between(d("2026-12-25"), due), [2027]);
    assert!(
        c.provisional_years_between(d("2026-01-05"), d("2026-12-01"))
            .is_empty()
    );
}

#[test]
fn dates_outside_the_data_are_an_error_not_a_guess() {
    let c = cal();
    match c.add_working_days(d("2027-12-20"), 30) {
        Err(CalendarError::NotCovered { year, covered }) => {
            assert_eq!(year, 2028);
            assert_eq!(covered, [2026, 2027]);
        }
        other => panic!("unexpected {other:?}"),
    }
}
