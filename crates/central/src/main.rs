//! `onevisit-central`: the reference central system's server and officers' command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use onevisit_central::officer::{self, escape};
use onevisit_central::sql::Location;
use onevisit_central::{Limits, admin, audit, catalog, db, keys, keys::Keys, now_ms};

#[derive(Debug, Parser)]
#[command(
    name = "onevisit-central",
    version,
    about = "OneVisit reference central system"
)]
struct Cli {
    /// The data folder (database, attachments, keys, certificate) for every command
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = "central-data"
    )]
    data: PathBuf,
    /// The database, when not SQLite in the data folder: postgres://USER:PASSWORD@HOST/DB
    /// (several nodes then share it, and share the data folder's keys and attachments).
    /// Or set ONEVISIT_DATABASE, which keeps the password out of the process list
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Attachments in an S3-compatible bucket instead of the data folder: s3://BUCKET[/PREFIX]
    /// (for several nodes without a shared folder). Or set ONEVISIT_ATTACHMENTS. The endpoint
    /// and key come from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_REGION (default us-east-1) and AWS_CA_BUNDLE
    #[arg(long, global = true, value_name = "URL")]
    attachments: Option<String>,
    /// More log output (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Who is running an officer's command (kept in the audit log); or set ONEVISIT_OFFICER.
    /// Required by every command except serve, fingerprint and audit
    #[arg(long, global = true, value_name = "NAME")]
    officer: Option<String>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Serve the kiosk API over HTTPS, and the officers' workbench at https://HOST:8443/
    Serve {
        /// Address to listen on
        #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
        listen: String,
        /// The county's SMS gateway, as a program run with the citizen's phone number as its
        /// argument and the message on standard input (exit 0 when sent). Without it, each
        /// message is appended to DIR/notifications.log
        #[arg(long, value_name = "PROGRAM")]
        notify_command: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Make a one-time enrollment code for a kiosk at a site (valid 7 days)
    EnrollCode {
        /// The site's name as citizens know it, e.g. 城关镇便民服务中心
        #[arg(long)]
        site: String,
        /// Also write the enrollment QR code (address, code, certificate pin and site in one
        /// line) to this PNG, to print and hold under the kiosk's scanner or camera; the line
        /// and the code are shown on the terminal too
        #[arg(long, value_name = "FILE.png")]
        qr: Option<PathBuf>,
        /// The address kiosks reach this server at (default https://<this host's name>:8443)
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Set the technician PIN of a site's kiosks (read from standard input; only its slow
    /// hash is kept, and the kiosks take it with their next heartbeat)
    TechnicianPin {
        /// The site, as its kiosks were enrolled
        #[arg(long)]
        site: String,
    },
    /// Cases received
    #[command(subcommand)]
    Cases(CasesCmd),
    /// Enrolled kiosks and their last heartbeat
    #[command(subcommand)]
    Devices(DevicesCmd),
    /// Catalog distribution
    #[command(subcommand)]
    Catalog(CatalogCmd),
    /// Ingest a USB export bundle written by `onevisit queue export`
    Import {
        bundle: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The certificate fingerprint kiosks pin
    Fingerprint,
    /// The officers' audit log: who ran which command, hash-chained
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The TLS keys kiosks pin: print them, or switch to the backup key
    #[command(subcommand)]
    Tls(TlsCmd),
    /// Officers' accounts for the workbench (the web pages at https://HOST:8443/)
    #[command(subcommand)]
    Officer(OfficerCmd),
}

#[derive(Debug, Subcommand)]
enum OfficerCmd {
    /// Open an account; the password is read from standard input (at least 10 characters;
    /// only its slow salted hash is kept)
    Add {
        /// The name the officer signs in with, e.g. 王科员
        name: String,
        /// window (综合窗口), department (a department's reviewer), supervisor or admin
        #[arg(long)]
        role: String,
        /// The department a reviewer decides for, as the catalog's departments.toml names it
        /// (e.g. amr); only for --role department
        #[arg(long, value_name = "ID")]
        department: Option<String>,
        /// Read the password from standard input (the only way: never on the command line)
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions
    Disable { name: String },
    /// Set a new password (standard input); enables and unlocks the account, ends its sessions
    Reset {
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Turn on sign-in codes from an authenticator app (TOTP): prints the otpauth line and
    /// its QR code to scan, once; `--off` turns them off
    Totp {
        name: String,
        #[arg(long)]
        off: bool,
    },
    /// Every account
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TlsCmd {
    /// The public-key pins (SPKI SHA-256) of the current and the backup TLS key
    Pins {
        #[arg(long)]
        json: bool,
    },
    /// Serve a new certificate for the backup key (kiosks accept it without provisioning)
    /// and make a new backup key; restart `serve` afterwards
    UseBackup,
}

#[derive(Debug, Subcommand)]
enum AuditCmd {
    /// Check the chain; exits non-zero and names the first broken row if it was tampered with
    Verify,
    /// Every row
    List {
        #[arg(long)]
        json: bool,
    },
}

/// Resource limits of `serve` (defaults in brackets).
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Open connections at once; more are closed at once [1024]
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Requests handled at once; more get 503 with Retry-After [128]
    #[arg(long, value_name = "N")]
    max_requests: Option<usize>,
    /// Seconds for a request's headers, and the longest a connection may sit idle [60]
    #[arg(long, value_name = "SECS")]
    idle_timeout: Option<u64>,
    /// Seconds for a whole request body, however slowly it comes (408 after) [180]
    #[arg(long, value_name = "SECS")]
    body_timeout: Option<u64>,
    /// Enrollment attempts per client address per minute, 0 for no limit (429 after) [10]
    #[arg(long, value_name = "N")]
    enroll_per_minute: Option<u32>,
    /// New cases one kiosk may send in any 24 hours, 0 for no limit (429 after) [1000]
    #[arg(long, value_name = "N")]
    cases_per_day: Option<u32>,
    /// Free disk space to keep: uploads that would use it get 507 [256]
    #[arg(long, value_name = "MB")]
    disk_reserve_mb: Option<u64>,
    /// Delete unfinished uploads with no progress for this many hours [72]
    #[arg(long, value_name = "HOURS")]
    stale_upload_hours: Option<u64>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let mut l = Limits::default();
        let secs = Duration::from_secs;
        if let Some(v) = self.max_connections {
            l.max_connections = v;
        }
        if let Some(v) = self.max_requests {
            l.max_requests = v;
        }
        if let Some(v) = self.idle_timeout {
            l.idle_timeout = secs(v);
        }
        if let Some(v) = self.body_timeout {
            l.body_timeout = secs(v);
        }
        if let Some(v) = self.enroll_per_minute {
            l.enroll_per_minute = v;
        }
        if let Some(v) = self.cases_per_day {
            l.cases_per_day = v;
        }
        if let Some(v) = self.disk_reserve_mb {
            l.disk_reserve = v.saturating_mul(1024 * 1024);
        }
        if let Some(v) = self.stale_upload_hours {
            l.stale_after = secs(v.saturating_mul(3600));
        }
        l
    }
}

#[derive(Debug, Subcommand)]
enum CasesCmd {
    /// Every case, with each attachment's SHA-256 (names and ID numbers masked)
    List {
        #[arg(long)]
        json: bool,
    },
    /// One case: answers, form, attachments and status history (names and ID numbers masked)
    Show {
        /// Case number (e.g. 2026-000001) or the kiosk's case UUID
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a decision: received, in_review, approved, ready_for_pickup, rejected,
    /// needs_correction
    SetStatus {
        /// Case number (e.g. 2026-000001) or the kiosk's case UUID
        id: String,
        status: String,
        /// Why (required for rejected: the citizen sees it at the kiosk)
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum DevicesCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop accepting a kiosk (stolen, retired): its requests get 403 from now on
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
enum CatalogCmd {
    /// Check a catalog folder, sign it as the next version, and offer it to kiosks; or, with
    /// --signed, offer a bundle signed elsewhere (`catalog sign`) without the private key
    Publish {
        #[arg(required_unless_present = "signed")]
        dir: Option<PathBuf>,
        /// A bundle made by `catalog sign` on another machine
        #[arg(long, value_name = "BUNDLE", conflicts_with = "dir")]
        signed: Option<PathBuf>,
        /// Days until kiosks stop accepting this catalog
        #[arg(long, default_value_t = catalog::DEFAULT_VALID_DAYS)]
        valid_days: u32,
    },
    /// Sign a catalog folder with a key file, e.g. on an offline machine (needs no server)
    Sign {
        dir: PathBuf,
        /// The catalog signing key (32 bytes, from `catalog keygen` or `catalog offline-key`)
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The version to give it: one more than the latest published
        #[arg(long)]
        version: u64,
        /// Where to write the bundle
        #[arg(long, value_name = "BUNDLE")]
        out: PathBuf,
        #[arg(long, default_value_t = catalog::DEFAULT_VALID_DAYS)]
        valid_days: u32,
        /// A key rotation statement (`catalog rotate-key`) leading to this key; repeatable
        #[arg(long, value_name = "FILE")]
        rotation: Vec<PathBuf>,
    },
    /// Make a new catalog signing key file (mode 0600); prints its public key
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sign, with the old key, a statement that the new key signs catalogs from now on
    RotateKey {
        #[arg(long, value_name = "FILE")]
        old: PathBuf,
        #[arg(long, value_name = "FILE")]
        new: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Move this server's catalog signing key to a file (for an offline machine), keeping
    /// only its public key here
    OfflineKey {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    // Everything this process creates (database, -wal, attachments, keys) is private.
    onevisit_central::private::restrict_umask();
    let cli = Cli::parse();
    let _ = DATABASE.set(cli.database.clone().or_else(|| {
        std::env::var("ONEVISIT_DATABASE")
            .ok()
            .filter(|u| !u.is_empty())
    }));
    let _ = ATTACHMENTS.set(cli.attachments.clone().or_else(|| {
        std::env::var("ONEVISIT_ATTACHMENTS")
            .ok()
            .filter(|u| !u.is_empty())
    }));
    let level = ["warn", "info", "debug"][cli.verbose.min(2) as usize];
    let filter = tracing_subscriber::EnvFilter::try_from_env("ONEVISIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `--database`, read once in `main`: every command's connection goes there.
static DATABASE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// `--attachments`, likewise.
static ATTACHMENTS: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

fn location(data: &Path) -> Result<Location> {
    let store = match ATTACHMENTS.get().and_then(|d| d.as_deref()) {
        None => None,
        Some(url) => Some(
            onevisit_central::s3::Config::from_url(url, |k| {
                std::env::var(k).ok().filter(|v| !v.is_empty())
            })
            .map_err(anyhow::Error::msg)?,
        ),
    };
    Ok(Location::new(data, DATABASE.get().and_then(|d| d.as_deref()))?.with_attachments(store))
}

fn conn(data: &Path) -> Result<onevisit_central::sql::Conn> {
    onevisit_central::private::dir(data).with_context(|| format!("creating {}", data.display()))?;
    let at = location(data)?;
    db::open(&at).with_context(|| format!("opening the database {}", at.describe()))
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// A time as officers read it: Beijing time (UTC+8), to the minute.
fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// What the audit log records of a command: its name and a summary of its arguments with no
/// personal data. `None` for commands that are not an officer's (serve, fingerprint, audit).
fn audited(cmd: &Cmd) -> Option<(&'static str, String)> {
    Some(match cmd {
        // Not an officer's: serving, reading public pins, reading the log itself, and the
        // catalog-signing commands meant for an offline machine that has no central database.
        Cmd::Serve { .. }
        | Cmd::Fingerprint
        | Cmd::Audit(_)
        | Cmd::Tls(TlsCmd::Pins { .. })
        | Cmd::Catalog(CatalogCmd::Sign { .. })
        | Cmd::Catalog(CatalogCmd::Keygen { .. })
        | Cmd::Catalog(CatalogCmd::RotateKey { .. }) => return None,
        Cmd::Tls(TlsCmd::UseBackup) => ("tls use-backup", String::new()),
        Cmd::Catalog(CatalogCmd::OfflineKey { .. }) => ("catalog offline-key", String::new()),
        Cmd::EnrollCode { site, .. } => ("enroll-code", format!("site={site}")),
        // The PIN itself is never in the log.
        Cmd::TechnicianPin { site } => ("technician-pin", format!("site={site}")),
        Cmd::Cases(CasesCmd::List { .. }) => ("cases list", String::new()),
        Cmd::Cases(CasesCmd::Show { id, .. }) => ("cases show", format!("case={id}")),
        Cmd::Cases(CasesCmd::SetStatus {
            id, status, reason, ..
        }) => (
            "cases set-status",
            // The reason is free text about the citizen: only whether there was one.
            format!(
                "case={id} status={status} reason={}",
                if reason.is_some() { "given" } else { "none" }
            ),
        ),
        Cmd::Devices(DevicesCmd::List { .. }) => ("devices list", String::new()),
        Cmd::Devices(DevicesCmd::Revoke { id }) => ("devices revoke", format!("device={id}")),
        Cmd::Catalog(CatalogCmd::Publish { dir, signed, .. }) => (
            "catalog publish",
            match (signed, dir) {
                (Some(b), _) => format!("signed={}", b.display()),
                (None, Some(d)) => format!("dir={}", d.display()),
                (None, None) => String::new(),
            },
        ),
        // The password is never in the log.
        Cmd::Officer(OfficerCmd::Add {
            name,
            role,
            department,
            ..
        }) => (
            "officer add",
            format!(
                "name={name} role={role}{}",
                department
                    .as_deref()
                    .map(|d| format!(" department={d}"))
                    .unwrap_or_default()
            ),
        ),
        Cmd::Officer(OfficerCmd::Disable { name }) => ("officer disable", format!("name={name}")),
        Cmd::Officer(OfficerCmd::Reset { name, .. }) => ("officer reset", format!("name={name}")),
        Cmd::Officer(OfficerCmd::List { .. }) => ("officer list", String::new()),
        Cmd::Officer(OfficerCmd::Totp { name, off }) => (
            "officer totp",
            format!("name={name}{}", if *off { " off" } else { "" }),
        ),
        Cmd::Import { bundle, .. } => (
            "import",
            format!(
                "bundle={}",
                bundle.file_name().map_or_else(
                    || bundle.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
        ),
    })
}

/// Runs an officer's command under a name, and records it (and how it ended) in the audit
/// log; other commands run as they are.
fn run(cli: Cli) -> Result<()> {
    let Some((command, args)) = audited(&cli.command) else {
        return execute(cli, "");
    };
    let env = std::env::var(officer::OFFICER_ENV).ok();
    let who = officer::identity(cli.officer.as_deref(), env.as_deref())?;
    let data = cli.data.clone();
    let result = execute(cli, &who);
    let outcome = if result.is_ok() { "ok" } else { "failed" };
    let recorded = conn(&data).and_then(|mut c| {
        Ok(audit::record(
            &mut c,
            &who,
            command,
            &args,
            outcome,
            now_ms(),
        )?)
    });
    match (result, recorded) {
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) => Err(e.context(
            "the command ran, but could not be recorded in the audit log; tell the administrator",
        )),
        (Ok(()), Ok(_)) => Ok(()),
    }
}

fn execute(cli: Cli, officer: &str) -> Result<()> {
    let data = &cli.data;
    match cli.command {
        Cmd::Serve {
            listen,
            limits,
            notify_command,
        } => {
            if let Some(p) = notify_command {
                // SAFETY: set before the server's threads start; nothing else reads the
                // environment concurrently at this point.
                unsafe { std::env::set_var(onevisit_central::notify::COMMAND_ENV, p) };
            }
            serve(data, &listen, &limits)?
        }
        Cmd::EnrollCode { site, qr, url } => enroll_code(data, &site, qr.as_deref(), url)?,
        Cmd::TechnicianPin { site } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the PIN from standard input")?;
            admin::set_technician_pin(&conn(data)?, &site, line.trim(), now_ms())?;
            println!("technician PIN set for {site}: its kiosks take it with their next heartbeat");
        }
        Cmd::Fingerprint => println!("{}", Keys::load_or_create(data)?.fingerprint()?),
        Cmd::Cases(cmd) => cases(data, cmd, officer)?,
        Cmd::Devices(cmd) => devices(data, cmd)?,
        Cmd::Catalog(cmd) => catalog_cmd(data, cmd)?,
        Cmd::Tls(cmd) => tls(data, cmd)?,
        Cmd::Import { bundle, json } => import(data, &bundle, json)?,
        Cmd::Audit(cmd) => audit_cmd(data, cmd)?,
        Cmd::Officer(cmd) => officer_cmd(data, cmd)?,
    }
    Ok(())
}

/// The password from standard input's first line (a trailing newline is not part of it).
fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

fn officer_cmd(data: &std::path::Path, cmd: OfficerCmd) -> Result<()> {
    use onevisit_central::accounts;
    let c = conn(data)?;
    match cmd {
        OfficerCmd::Add {
            name,
            role,
            department,
            ..
        } => {
            let pw = password_from_stdin()?;
            let o = accounts::add(&c, &name, &role, department.as_deref(), &pw, now_ms())?;
            println!(
                "officer {} added ({}{}); they sign in at https://<this server>:8443/login",
                o.name,
                o.role.zh(),
                o.department.map(|d| format!(", {d}")).unwrap_or_default()
            );
        }
        OfficerCmd::Disable { name } => {
            let o = accounts::disable(&c, &name, now_ms())?;
            println!("officer {} disabled; their sessions ended", o.name);
        }
        OfficerCmd::Reset { name, .. } => {
            let pw = password_from_stdin()?;
            let o = accounts::reset(&c, &name, &pw, now_ms())?;
            println!(
                "officer {}: new password set, account enabled and unlocked",
                o.name
            );
        }
        OfficerCmd::Totp { name, off: true } => {
            let o = accounts::disable_totp(&c, &name)?;
            println!("officer {}: sign-in codes turned off", o.name);
        }
        OfficerCmd::Totp { name, off: false } => {
            let line = accounts::enable_totp(&c, &name)?;
            let qr = onevisit_central::enroll_qr::Qr::new(&line)?;
            println!(
                "{}\n{line}\nScan it with an authenticator app; from now on {name} signs in with the app's 6-digit code too.",
                qr.to_text()
            );
        }
        OfficerCmd::List { json } => {
            let all = accounts::list(&c)?;
            if json {
                return print_json(&all);
            }
            for o in all {
                println!(
                    "{:<16} {:<10} {:<10} {}",
                    o.name,
                    o.role.as_str(),
                    o.department.as_deref().unwrap_or("-"),
                    if o.disabled { "disabled" } else { "active" }
                );
            }
        }
    }
    Ok(())
}

/// `enroll-code`: a one-time code on stdout, and with `--qr` the county's enrollment QR code.
fn enroll_code(
    data: &std::path::Path,
    site: &str,
    qr: Option<&std::path::Path>,
    url: Option<String>,
) -> Result<()> {
    let keys = Keys::load_or_create(data)?;
    let code = admin::enroll_code(&conn(data)?, site, now_ms())?;
    println!("{code}");
    eprintln!(
        "One-time enrollment code for {site}, valid 7 days. On the kiosk:\n  onevisit provision --central https://<this server>:8443 --code {code}\n(certificate SHA-256 {})",
        keys.fingerprint()?
    );
    if let Some(file) = qr {
        let payload = onevisit_sync::enroll::EnrollPayload {
            central: url.unwrap_or_else(default_url),
            code: code.clone(),
            pin: keys.fingerprint()?,
            site: site.trim().to_owned(),
        };
        let line = payload.to_line();
        let qr = onevisit_central::enroll_qr::Qr::new(&line)?;
        qr.write_png(file)?;
        eprintln!(
            "\nEnrollment QR code in {} (print it; the kiosk's technician mode or `onevisit provision --qr` reads it):\n{}\n{line}",
            file.display(),
            qr.to_text()
        );
    }
    Ok(())
}

/// This host's address as kiosks would reach it, when `--url` is not given.
fn default_url() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    let host = if host.is_empty() {
        "localhost".to_owned()
    } else {
        host
    };
    format!("https://{host}:8443")
}

/// `serve`: the kiosks' HTTPS API until Ctrl-C.
fn serve(data: &std::path::Path, listen: &str, limits: &LimitArgs) -> Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let at = location(data)?;
        let bound = onevisit_central::bind_at(&at, listen, limits.limits()).await?;
        eprintln!(
            "onevisit-central: serving https://{} (data {}, database {}{}), certificate SHA-256 {}",
            bound.addr,
            data.display(),
            at.describe(),
            at.attachments
                .as_ref()
                .map(|s| format!(", attachments {}", s.describe()))
                .unwrap_or_default(),
            bound.fingerprint
        );
        bound
            .serve(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
        anyhow::Ok(())
    })?;
    Ok(())
}

/// `import`: a bundle carried from a kiosk without a link.
fn import(data: &std::path::Path, bundle: &std::path::Path, json: bool) -> Result<()> {
    let keys = Keys::load_or_create(data)?;
    let report = admin::import_at(&mut conn(data)?, &location(data)?, &keys, bundle, now_ms())?;
    if json {
        return print_json(&report);
    }
    println!(
        "{}: {} cases from {} ({}): {} new, {} completed, {} already here",
        bundle.display(),
        report.cases,
        escape(&report.device_id),
        escape(&report.site),
        report.imported,
        report.completed,
        report.already
    );
    Ok(())
}

fn cases(data: &std::path::Path, cmd: CasesCmd, officer: &str) -> Result<()> {
    match cmd {
        CasesCmd::List { json } => {
            let cases = admin::list_cases(&conn(data)?)?;
            if json {
                return print_json(&cases);
            }
            if cases.is_empty() {
                println!("No cases yet.");
            }
            for c in cases {
                print_case(&c);
            }
        }
        CasesCmd::Show { id, json } => {
            let d = officer::show_case(&conn(data)?, &id)?;
            if json {
                return print_json(&d);
            }
            print_case(&d.case);
            for (title, map) in [("answers", &d.answers), ("form", &d.form)] {
                println!("  {title}:");
                for (k, v) in map {
                    println!("    {}: {}", escape(k), escape(v));
                }
            }
            println!("  history:");
            for h in &d.history {
                println!(
                    "    {}  {:<16} by {}{}",
                    time(h.at),
                    escape(&h.status),
                    escape(&h.actor),
                    h.reason
                        .as_deref()
                        .map(|r| format!("  ({})", escape(r)))
                        .unwrap_or_default()
                );
            }
        }
        CasesCmd::SetStatus { id, status, reason } => {
            let number = admin::set_status(
                &mut conn(data)?,
                &id,
                &status,
                reason.as_deref(),
                now_ms(),
                officer,
            )?;
            println!("{number}: {status}");
        }
    }
    Ok(())
}

fn devices(data: &std::path::Path, cmd: DevicesCmd) -> Result<()> {
    match cmd {
        DevicesCmd::List { json } => {
            let devices = admin::devices(&conn(data)?)?;
            if json {
                return print_json(&devices);
            }
            for d in devices {
                println!(
                    "{}  {}  enrolled {}{}  last seen {}",
                    escape(&d.id),
                    escape(&d.site),
                    time(d.enrolled_at),
                    d.revoked_at
                        .map(|t| format!(", REVOKED {}", time(t)))
                        .unwrap_or_default(),
                    d.last_seen.map(time).unwrap_or_else(|| "never".into()),
                );
                if let Some(hb) = d.heartbeat {
                    // The heartbeat is the kiosk's own words.
                    println!("    {}", escape(&hb.to_string()));
                }
            }
        }
        DevicesCmd::Revoke { id } => {
            admin::revoke(&conn(data)?, &id, now_ms())?;
            println!("{id}: revoked");
        }
    }
    Ok(())
}

fn catalog_cmd(data: &std::path::Path, cmd: CatalogCmd) -> Result<()> {
    match cmd {
        CatalogCmd::Publish {
            dir,
            signed,
            valid_days,
        } => {
            let keys = Keys::load_or_create(data)?;
            let v = match (signed, dir) {
                (Some(bundle), _) => {
                    let bytes = std::fs::read(&bundle)
                        .with_context(|| format!("reading {}", bundle.display()))?;
                    catalog::publish_signed(&conn(data)?, data, &keys, &bytes, now_ms())?
                }
                (None, Some(dir)) => {
                    catalog::publish_dir(&conn(data)?, data, &keys, &dir, now_ms(), valid_days)?
                }
                (None, None) => anyhow::bail!("give a catalog folder, or --signed BUNDLE"),
            };
            println!("published catalog version {v}");
        }
        CatalogCmd::Sign {
            dir,
            key,
            version,
            out,
            valid_days,
            rotation,
        } => {
            let key = keys::read_signing_key(&key)?;
            let rotations = rotation
                .iter()
                .map(|p| {
                    let b = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
                    serde_json::from_slice(&b)
                        .with_context(|| format!("{} is not a key rotation statement", p.display()))
                })
                .collect::<Result<Vec<_>>>()?;
            let bytes = catalog::sign(&key, &dir, version, now_ms(), valid_days, &rotations)?;
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "signed catalog version {version} into {}; on the server: onevisit-central catalog publish --signed {}",
                out.display(),
                out.display()
            );
        }
        CatalogCmd::Keygen { out } => {
            let key = keys::new_signing_key_file(&out)?;
            println!("{}", onevisit_sync::auth::public_b64(&key));
        }
        CatalogCmd::RotateKey { old, new, out } => {
            let old = keys::read_signing_key(&old)?;
            let new = keys::read_signing_key(&new)?;
            let statement = catalog::rotate(&old, &new.verifying_key(), now_ms());
            std::fs::write(&out, serde_json::to_vec_pretty(&statement)?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "rotation statement in {}; pass it to `catalog sign --rotation` with the new key",
                out.display()
            );
        }
        CatalogCmd::OfflineKey { out } => {
            let public = keys::move_catalog_key_offline(data, &out)?;
            println!(
                "the catalog signing key is now only in {} (public key {public}); keep it offline and sign with `catalog sign`",
                out.display()
            );
        }
    }
    Ok(())
}

fn tls(data: &std::path::Path, cmd: TlsCmd) -> Result<()> {
    match cmd {
        TlsCmd::Pins { json } => {
            let pins = Keys::load_or_create(data)?.spki_pins()?;
            if json {
                return print_json(&serde_json::json!({"current": pins[0], "backup": pins[1]}));
            }
            println!("current {}\nbackup  {}", pins[0], pins[1]);
        }
        TlsCmd::UseBackup => {
            keys::use_backup_tls_key(data)?;
            let pins = Keys::load_or_create(data)?.spki_pins()?;
            println!(
                "now serving a certificate for the backup key {}; new backup key {}. Restart `serve`",
                pins[0], pins[1]
            );
        }
    }
    Ok(())
}

fn audit_cmd(data: &std::path::Path, cmd: AuditCmd) -> Result<()> {
    match cmd {
        AuditCmd::Verify => {
            let c = conn(data)?;
            match audit::verify(&c)? {
                Ok(n) => {
                    let head = audit::list(&c)?.pop().map(|e| e.hash);
                    println!(
                        "audit log intact: {n} rows{}",
                        head.map(|h| format!(", last hash {h}")).unwrap_or_default()
                    );
                }
                Err(b) => bail!(
                    "the audit log was tampered with: row {} is broken: {}",
                    b.seq,
                    b.problem
                ),
            }
        }
        AuditCmd::List { json } => {
            let rows = audit::list(&conn(data)?)?;
            if json {
                return print_json(&rows);
            }
            for e in rows {
                println!(
                    "{:>6}  {}  {}  {} {}  {}",
                    e.seq,
                    time(e.at),
                    escape(&e.officer),
                    e.command,
                    escape(&e.args),
                    e.outcome
                );
            }
        }
    }
    Ok(())
}

/// One case as the list shows it. Everything a kiosk sent is escaped.
fn print_case(c: &admin::CaseRow) {
    println!(
        "{}  {}  {:<18} {:<9} {:<16} {}  {}  {} ({})",
        escape(&c.case_number),
        escape(&c.id),
        escape(&c.theme),
        c.state,
        escape(c.status.as_deref().unwrap_or("-")),
        escape(&c.applicant),
        escape(&c.id_number),
        escape(&c.site),
        time(c.received_at),
    );
    if let Some(r) = &c.reason {
        println!("    reason: {}", escape(r));
    }
    for a in &c.attachments {
        println!(
            "    [{}] {}  {} bytes{}  sha256 {}",
            a.index,
            escape(&a.name),
            a.size,
            if a.received == a.size {
                String::new()
            } else {
                format!(" ({} received)", a.received)
            },
            escape(&a.sha256)
        );
    }
}
