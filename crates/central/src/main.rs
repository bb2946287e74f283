//! `onevisit-central`: the reference central system's server and officers' command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use onevisit_central::{admin, catalog, db, keys, keys::Keys, now_ms};

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
    /// More log output (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Serve the kiosk API over HTTPS
    Serve {
        /// Address to listen on
        #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
        listen: String,
    },
    /// Make a one-time enrollment code for a kiosk at a site (valid 7 days)
    EnrollCode {
        /// The site's name as citizens know it, e.g. 城关镇便民服务中心
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
    /// The TLS keys kiosks pin: print them, or switch to the backup key
    #[command(subcommand)]
    Tls(TlsCmd),
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
enum CasesCmd {
    /// Every case, with each attachment's SHA-256 (names and ID numbers masked)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record a decision: received, in_review, approved, ready_for_pickup, rejected
    SetStatus {
        /// Case number (e.g. 2026-000001) or the kiosk's case UUID
        id: String,
        status: String,
        /// Why (required for rejected: the citizen sees it at the kiosk)
        #[arg(long)]
        reason: Option<String>,
        /// Who decided (kept in the status history)
        #[arg(long, default_value = "officer")]
        officer: String,
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
    let cli = Cli::parse();
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

fn conn(data: &Path) -> Result<rusqlite::Connection> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    db::open(data).with_context(|| format!("opening the database in {}", data.display()))
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

fn run(cli: Cli) -> Result<()> {
    let data = &cli.data;
    match cli.command {
        Cmd::Serve { listen } => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let bound = onevisit_central::bind(data, &listen).await?;
                eprintln!(
                    "onevisit-central: serving https://{} (data {}), certificate SHA-256 {}",
                    bound.addr,
                    data.display(),
                    bound.fingerprint
                );
                bound
                    .serve(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await;
                anyhow::Ok(())
            })?;
        }
        Cmd::EnrollCode { site } => {
            let keys = Keys::load_or_create(data)?;
            let code = admin::enroll_code(&conn(data)?, &site, now_ms())?;
            println!("{code}");
            eprintln!(
                "One-time enrollment code for {site}, valid 7 days. On the kiosk:\n  onevisit provision --central https://<this server>:8443 --code {code}\n(certificate SHA-256 {})",
                keys.fingerprint()?
            );
        }
        Cmd::Fingerprint => println!("{}", Keys::load_or_create(data)?.fingerprint()?),
        Cmd::Cases(CasesCmd::List { json }) => {
            let cases = admin::list_cases(&conn(data)?)?;
            if json {
                return print_json(&cases);
            }
            if cases.is_empty() {
                println!("No cases yet.");
            }
            for c in cases {
                println!(
                    "{}  {}  {:<18} {:<9} {:<16} {}  {}  {} ({})",
                    c.case_number,
                    c.id,
                    c.theme,
                    c.state,
                    c.status.as_deref().unwrap_or("-"),
                    c.applicant,
                    c.id_number,
                    c.site,
                    time(c.received_at),
                );
                if let Some(r) = &c.reason {
                    println!("    reason: {r}");
                }
                for a in c.attachments {
                    println!(
                        "    [{}] {}  {} bytes{}  sha256 {}",
                        a.index,
                        a.name,
                        a.size,
                        if a.received == a.size {
                            String::new()
                        } else {
                            format!(" ({} received)", a.received)
                        },
                        a.sha256
                    );
                }
            }
        }
        Cmd::Cases(CasesCmd::SetStatus {
            id,
            status,
            reason,
            officer,
        }) => {
            let number = admin::set_status(
                &mut conn(data)?,
                &id,
                &status,
                reason.as_deref(),
                now_ms(),
                &officer,
            )?;
            println!("{number}: {status}");
        }
        Cmd::Devices(DevicesCmd::List { json }) => {
            let devices = admin::devices(&conn(data)?)?;
            if json {
                return print_json(&devices);
            }
            for d in devices {
                println!(
                    "{}  {}  enrolled {}{}  last seen {}",
                    d.id,
                    d.site,
                    time(d.enrolled_at),
                    d.revoked_at
                        .map(|t| format!(", REVOKED {}", time(t)))
                        .unwrap_or_default(),
                    d.last_seen.map(time).unwrap_or_else(|| "never".into()),
                );
                if let Some(hb) = d.heartbeat {
                    println!("    {hb}");
                }
            }
        }
        Cmd::Devices(DevicesCmd::Revoke { id }) => {
            admin::revoke(&conn(data)?, &id, now_ms())?;
            println!("{id}: revoked");
        }
        Cmd::Catalog(CatalogCmd::Publish {
            dir,
            signed,
            valid_days,
        }) => {
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
        Cmd::Catalog(CatalogCmd::Sign {
            dir,
            key,
            version,
            out,
            valid_days,
            rotation,
        }) => {
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
        Cmd::Catalog(CatalogCmd::Keygen { out }) => {
            let key = keys::new_signing_key_file(&out)?;
            println!("{}", onevisit_sync::auth::public_b64(&key));
        }
        Cmd::Catalog(CatalogCmd::RotateKey { old, new, out }) => {
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
        Cmd::Catalog(CatalogCmd::OfflineKey { out }) => {
            let public = keys::move_catalog_key_offline(data, &out)?;
            println!(
                "the catalog signing key is now only in {} (public key {public}); keep it offline and sign with `catalog sign`",
                out.display()
            );
        }
        Cmd::Tls(TlsCmd::Pins { json }) => {
            let pins = Keys::load_or_create(data)?.spki_pins()?;
            if json {
                return print_json(&serde_json::json!({"current": pins[0], "backup": pins[1]}));
            }
            println!("current {}\nbackup  {}", pins[0], pins[1]);
        }
        Cmd::Tls(TlsCmd::UseBackup) => {
            keys::use_backup_tls_key(data)?;
            let pins = Keys::load_or_create(data)?.spki_pins()?;
            println!(
                "now serving a certificate for the backup key {}; new backup key {}. Restart `serve`",
                pins[0], pins[1]
            );
        }
        Cmd::Import { bundle, json } => {
            let keys = Keys::load_or_create(data)?;
            let report = admin::import(&mut conn(data)?, data, &keys, &bundle, now_ms())?;
            if json {
                return print_json(&report);
            }
            println!(
                "{}: {} cases from {} ({}): {} new, {} completed, {} already here",
                bundle.display(),
                report.cases,
                report.device_id,
                report.site,
                report.imported,
                report.completed,
                report.already
            );
        }
    }
    Ok(())
}
