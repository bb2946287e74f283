//! The working-day calendar: weekends, public holidays and make-up working days (调休),
//! loaded from one data file per year, turning "15 working days" into a due date.
//!
//! Time limits in Chinese administrative law count working days from the day after
//! acceptance, so day 1 is the first working day after the start date.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

use crate::catalog::{CatalogError, CatalogErrorKind, CatalogErrors, SourceFile};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error(
        "the calendar has no data for {year} (it covers {}); load that year's holiday file",
        list_years(.covered)
    )]
    NotCovered { year: i32, covered: Vec<i32> },
    #[error("{days} working days from {start} runs past the end of the calendar")]
    Overflow { start: NaiveDate, days: u32 },
}

fn list_years(years: &[i32]) -> String {
    if years.is_empty() {
        return "no years".into();
    }
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Facts about one year's data file, for reports and warnings.
#[derive(Debug, Clone, Serialize)]
pub struct YearInfo {
    pub year: i32,
    pub source: String,
    /// True when the State Council's arrangement was not yet published and only the statutory
    /// holidays are known; due dates in that year may move by a few days.
    pub provisional: bool,
}

#[derive(Debug, Clone)]
struct Year {
    info: YearInfo,
    holidays: HashMap<NaiveDate, String>,
    workdays: HashSet<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    year: Spanned<i32>,
    source: String,
    #[serde(default)]
    provisional: bool,
    #[serde(default)]
    holiday: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    #[allow(dead_code)]
    name_en: String,
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    workdays: Vec<Spanned<String>>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Loads every `calendar/*.toml` among the files; other files are ignored.
    pub fn from_sources(files: &[SourceFile]) -> Result<Calendar, CatalogErrors> {
        let mut cal = Calendar::default();
        let mut errors = Vec::new();
        for f in files {
            let path = f.path.replace('\\', "/");
            if path.starts_with("calendar/") && path.ends_with(".toml") {
                cal.load_year(f, &mut errors);
            }
        }
        if errors.is_empty() {
            Ok(cal)
        } else {
            Err(CatalogErrors(errors))
        }
    }

    fn load_year(&mut self, f: &SourceFile, errors: &mut Vec<CatalogError>) {
        let err = |start: usize, msg: String| {
            let (line, column) = crate::catalog::line_col_pub(&f.text, start);
            CatalogError {
                file: f.path.clone(),
                line,
                column,
                kind: CatalogErrorKind::Calendar(msg),
            }
        };
        let parsed: CalendarFile = match toml::from_str(&f.text) {
            Ok(p) => p,
            Err(e) => {
                let start = e.span().map_or(0, |s| s.start);
                errors.push(err(start, e.message().trim().to_owned()));
                return;
            }
        };
        let year = *parsed.year.get_ref();
        if self.years.contains_key(&year) {
            errors.push(err(
                parsed.year.span().start,
                format!("year {year} is defined twice"),
            ));
            return;
        }
        let date =
            |s: &Spanned<String>, errors: &mut Vec<CatalogError>| match NaiveDate::parse_from_str(
                s.get_ref(),
                "%Y-%m-%d",
            ) {
                Ok(d) if d.year() == year => Some(d),
                Ok(_) => {
                    let msg = format!("date {} is not in {year}", s.get_ref());
                    errors.push(err(s.span().start, msg));
                    None
                }
                Err(_) => {
                    let msg = format!("\"{}\" is not a date (write YYYY-MM-DD)", s.get_ref());
                    errors.push(err(s.span().start, msg));
                    None
                }
            };
        let mut y = Year {
            info: YearInfo {
                year,
                source: parsed.source,
                provisional: parsed.provisional,
            },
            holidays: HashMap::new(),
            workdays: HashSet::new(),
        };
        for h in &parsed.holiday {
            let (Some(from), Some(to)) = (date(&h.from, errors), date(&h.to, errors)) else {
                continue;
            };
            if from > to {
                errors.push(err(
                    h.to.span().start,
                    format!("{} ends before it starts", h.name),
                ));
                continue;
            }
            for d in from.iter_days().take_while(|d| *d <= to) {
                y.holidays.insert(d, h.name.clone());
            }
            for w in &h.workdays {
                let Some(d) = date(w, errors) else { continue };
                if !is_weekend(d) {
                    let msg = format!("make-up working day {d} is not a Saturday or Sunday");
                    errors.push(err(w.span().start, msg));
                    continue;
                }
                y.workdays.insert(d);
            }
        }
        self.years.insert(year, y);
    }

    pub fn years(&self) -> Vec<YearInfo> {
        self.years.values().map(|y| y.info.clone()).collect()
    }

    fn year(&self, d: NaiveDate) -> Result<&Year, CalendarError> {
        self.years
            .get(&d.year())
            .ok_or_else(|| CalendarError::NotCovered {
                year: d.year(),
                covered: self.years.keys().copied().collect(),
            })
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        let y = self.year(d)?;
        if y.workdays.contains(&d) {
            return Ok(true);
        }
        Ok(!is_weekend(d) && !y.holidays.contains_key(&d))
    }

    /// The holiday a date falls in, if any.
    pub fn holiday(&self, d: NaiveDate) -> Option<&str> {
        self.years
            .get(&d.year())?
            .holidays
            .get(&d)
            .map(String::as_str)
    }

    /// The date on which `days` working days after `start` have passed. Day 1 is the first
    /// working day after `start`; zero days is `start` itself.
    pub fn add_working_days(
        &self,
        start: NaiveDate,
        days: u32,
    ) -> Result<NaiveDate, CalendarError> {
        let mut d = start;
        let mut left = days;
        while left > 0 {
            d = d
                .succ_opt()
                .ok_or(CalendarError::Overflow { start, days })?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Years on the way from `start` to `end` whose data is provisional.
    pub fn provisional_years_between(&self, start: NaiveDate, end: NaiveDate) -> Vec<i32> {
        self.years
            .range(start.year()..=end.year())
            .filter(|(_, y)| y.info.provisional)
            .map(|(k, _)| *k)
            .collect()
    }
}
