pub mod calendar;
pub mod capture;
pub mod catalog;
pub mod gpio;
pub mod idcard;
pub mod input;
pub mod mrz;
pub mod printer;
pub mod receipt;
pub mod sim;
pub mod store;
pub mod sync;

use std::process::ExitCode;

use serde::Serialize;

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}
