use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use serde::Serialize;

use super::print_json;
use crate::catalog_dir;
use crate::cli::CalendarCmd;

#[derive(Serialize)]
struct Due {
    start_date: NaiveDate,
    working_days: u32,
    due_date: NaiveDate,
    /// Years on the way whose holiday data is provisional: the date may still move.
    provisional_years: Vec<i32>,
}

pub fn run(cmd: CalendarCmd, catalog: &Option<PathBuf>) -> Result<ExitCode> {
    let CalendarCmd::Due {
        start_date,
        days,
        json,
    } = cmd;
    let start = NaiveDate::parse_from_str(&start_date, "%Y-%m-%d")
        .with_context(|| format!("\"{start_date}\" is not a date; write it as YYYY-MM-DD"))?;
    let dir = catalog_dir::resolve(catalog);
    let (_, calendar) = catalog_dir::load(&dir)?;
    let due = calendar.add_working_days(start, days)?;
    let provisional_years = calendar.provisional_years_between(start, due);
    let report = Due {
        start_date: start,
        working_days: days,
        due_date: due,
        provisional_years,
    };
    if json.json {
        return print_json(&report);
    }
    println!("{due}");
    if !report.provisional_years.is_empty() {
        let years: Vec<String> = report
            .provisional_years
            .iter()
            .map(i32::to_string)
            .collect();
        eprintln!(
            "note: the holiday data for {} is provisional (statutory holidays only); \
             replace it with the State Council's published arrangement",
            years.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
