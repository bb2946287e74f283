//! The command-line contract. Names of subcommands, flags and JSON keys are relied on by
//! other tools and checks: add freely, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "onevisit",
    version,
    about = "OneVisit self-service kiosk (一件事一次办)"
)]
pub struct Cli {
    /// The catalog folder [default: $ONEVISIT_CATALOG, ./catalog, /usr/share/onevisit/catalog]
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// More log output (-v info, -vv debug); ONEVISIT_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the kiosk (the default when no command is given)
    Run,
    /// Inspect and check the theme catalog
    #[command(subcommand)]
    Catalog(CatalogCmd),
    /// Working-day calendar
    #[command(subcommand)]
    Calendar(CalendarCmd),
}

#[derive(Debug, Args)]
pub struct Json {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCmd {
    /// Check a catalog folder; print every problem and exit non-zero if there is one
    Check {
        /// Catalog folder (defaults to --catalog)
        dir: Option<PathBuf>,
        #[command(flatten)]
        json: Json,
    },
    /// List the themes
    List(#[command(flatten)] Json),
    /// A theme's situational questions, in order
    Questions {
        theme: String,
        #[command(flatten)]
        json: Json,
    },
    /// Plan a theme for a set of answers: items, one set of materials, one form, figures
    Plan {
        theme: String,
        /// An answer to a situational question, KEY=VALUE (repeat for each question)
        #[arg(long = "answer", value_name = "KEY=VALUE")]
        answers: Vec<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Before/after figures per theme and their average
    Stats(#[command(flatten)] Json),
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// The due date: DAYS working days after START_DATE (day 1 is the next working day)
    Due {
        /// YYYY-MM-DD
        start_date: String,
        days: u32,
        #[command(flatten)]
        json: Json,
    },
}
