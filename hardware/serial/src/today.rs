//! Where a long-running driver learns today's date. A kiosk runs for weeks: a date taken once at
//! start would judge a card's or passport's expiry against a stale day, so the drivers ask
//! again before every read. One-shot commands and tests pass a fixed date.

use chrono::NaiveDate;

/// Today's date, asked for each time it is needed.
pub trait Today: Send + 'static {
    fn today(&self) -> NaiveDate;
}

/// A fixed date (one-shot commands, tests).
impl Today for NaiveDate {
    fn today(&self) -> NaiveDate {
        *self
    }
}

/// A clock: the local calendar date on a kiosk (`onevisit run`), a shared date in tests.
impl<F: Fn() -> NaiveDate + Send + 'static> Today for F {
    fn today(&self) -> NaiveDate {
        self()
    }
}
