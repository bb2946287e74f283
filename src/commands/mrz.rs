use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::print_json;
use crate::cli::MrzCmd;
use crate::runtime::today;

pub fn run(cmd: MrzCmd) -> Result<ExitCode> {
    let MrzCmd::Parse { lines, json } = cmd;
    let lines = if lines.is_empty() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading MRZ lines from stdin")?;
        text.lines().map(str::to_owned).collect()
    } else {
        lines
    };
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = onevisit_mrz::parse(&refs, today())?;
    let code = if m.checks_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    };
    if json.json {
        print_json(&m)?;
        return Ok(code);
    }
    println!("format           {:?}", m.format);
    println!("document number  {}", m.document_number);
    println!("names            {}", m.names.join(", "));
    println!("nationality      {}", m.nationality);
    println!("birth            {}", m.birth.as_deref().unwrap_or("-"));
    println!("expiry           {}", m.expiry.as_deref().unwrap_or("-"));
    println!("sex              {}", m.sex);
    if m.checks_valid {
        println!("checks           all valid");
    } else {
        println!("checks           FAILED: {}", m.failed_checks.join(", "));
    }
    Ok(code)
}
