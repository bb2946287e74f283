//! `onevisit`: the kiosk binary and technicians' command line.
//!
//! This is the composition root: the only place that knows the runtime, the UI toolkit and
//! the real files and ports. What it carries out is decided in the pure crates (the domain's
//! session, plan and keyboard policy, the device cores, the sync engine); see ARCHITECTURE.md.

mod catalog_dir;
mod checklist;
mod cli;
mod commands;
mod config;
mod devices;
mod input;
mod kiosk;
mod network;
mod recent;
mod runtime;
mod selftest;
mod table;
mod ui;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Milliseconds since `main` began (the start-up benchmark's clock).
pub fn since_start_ms() -> f64 {
    START
        .get()
        .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0)
}

fn main() -> ExitCode {
    let _ = START.set(std::time::Instant::now());
    let mut cli = Cli::parse();
    init_logging(cli.verbose);
    // A catalog the central system distributed (verified, activated) comes before the one
    // installed with the software; an explicit --catalog or ONEVISIT_CATALOG before both.
    if cli.catalog.is_none()
        && std::env::var_os("ONEVISIT_CATALOG").is_none()
        && let Some(dir) =
            onevisit_sync::driver::catalog::active_dir(&runtime::data_dir(&cli.data_dir))
    {
        cli.catalog = Some(dir);
    }
    let result = match cli.command.unwrap_or(Command::Run {
        config: None,
        simulate: false,
    }) {
        Command::Run { config, simulate } => {
            ui::run(&cli.catalog, &cli.data_dir, config.as_deref(), simulate)
        }
        Command::Selftest {
            config,
            simulate,
            json,
        } => selftest(&cli.data_dir, config.as_deref(), simulate, json),
        Command::Network {
            action,
            simulate,
            json,
        } => network::command(action, simulate, json),
        Command::Screenshots { out, size, config } => {
            let sizes: Vec<(u32, u32)> = size
                .iter()
                .filter_map(|s| {
                    let (w, h) = s.split_once('x')?;
                    Some((w.parse().ok()?, h.parse().ok()?))
                })
                .collect();
            match config.as_deref().map(config::KioskConfig::load).transpose() {
                Ok(settings) => kiosk::screenshots::run(
                    &cli.catalog,
                    &out,
                    &sizes,
                    settings
                        .as_ref()
                        .zip(config.as_deref().map(config::file_name)),
                ),
                Err(e) => Err(e),
            }
        }
        Command::Catalog(cmd) => commands::catalog::run(cmd, &cli.catalog),
        Command::Calendar(cmd) => commands::calendar::run(cmd, &cli.catalog),
        Command::Idcard(cmd) => commands::idcard::run(cmd),
        Command::Mrz(cmd) => commands::mrz::run(cmd),
        Command::Sim(cmd) => commands::sim::run(cmd),
        Command::Receipt(cmd) => commands::receipt::run(cmd, &cli.catalog),
        Command::Printer(cmd) => commands::printer::run(cmd),
        Command::Capture(cmd) => commands::capture::run(cmd),
        Command::Gpio(cmd) => commands::gpio::run(cmd),
        Command::Queue(cmd) => commands::store::queue(cmd, &cli.data_dir),
        Command::Store(cmd) => commands::store::store(cmd, &cli.data_dir),
        Command::Case(cmd) => commands::store::case(cmd, &cli.data_dir, &cli.catalog),
        Command::Provision {
            qr: Some(line),
            site,
            force,
            ..
        } => commands::sync::provision_qr(&cli.data_dir, &line, site.as_deref(), force),
        Command::Provision {
            pin,
            config: Some(file),
            ..
        } => commands::sync::provision_from_config(&cli.data_dir, &file, pin.as_deref()),
        Command::Provision {
            central,
            code,
            pin,
            force,
            config: None,
            ..
        } => commands::sync::provision(
            &cli.data_dir,
            central.as_deref().unwrap_or_default(),
            code.as_deref().unwrap_or_default(),
            pin.as_deref(),
            force,
        ),
        Command::Config(cli::ConfigCmd::PinHash) => config::pin_hash(),
        Command::Config(cli::ConfigCmd::Get { key, config: path }) => {
            config::KioskConfig::load(&path)
                .and_then(|settings| settings.get(&key))
                .map(|value| {
                    println!("{value}");
                    ExitCode::SUCCESS
                })
        }
        Command::Input(cmd) => {
            commands::input::run(cmd, &runtime::data_dir(&cli.data_dir), &cli.catalog)
        }
        Command::Sync { once, json } => commands::sync::sync(&cli.data_dir, once, json.json),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ONEVISIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        // Warnings and errors for technician mode, whatever the console's level.
        .with(recent::Recent)
        .init();
}

/// `onevisit selftest`: the checklist, as a table or JSON.
fn selftest(
    data_flag: &Option<std::path::PathBuf>,
    config: Option<&std::path::Path>,
    simulate: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let settings = match config {
        Some(p) => config::KioskConfig::load(p)?,
        None => config::KioskConfig::default(),
    };
    let plan = settings.device_plan(simulate, |k| std::env::var(k).ok());
    let report = selftest::run(&plan, &runtime::data_dir(data_flag), simulate);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for c in &report.checks {
            let mark = match c.state {
                selftest::State::Pass => "pass",
                selftest::State::Fail => "FAIL",
                selftest::State::NotFitted => " -- ",
                selftest::State::Waiting => "wait",
            };
            println!("{mark}  {:<12} {}", c.name, c.detail);
        }
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
