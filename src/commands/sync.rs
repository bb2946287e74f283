//! `onevisit provision`, `onevisit sync`, `onevisit queue export`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use onevisit_store::Store;
use onevisit_sync::driver::{self, Identity, SyncOptions, Syncer, usb};

use super::print_json;
use crate::runtime::{data_dir, network_runtime as runtime, now_ms};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `provision --config FILE`: the OS image's first boot. Nothing to do without a `[central]`
/// table or when this kiosk already has an identity; a refused code is an error (the unit
/// fails and the technician sees why in `journalctl -u onevisit-provision`).
pub fn provision_from_config(
    flag: &Option<PathBuf>,
    file: &std::path::Path,
    pin: Option<&str>,
) -> Result<ExitCode> {
    let config = crate::config::KioskConfig::load(file)?;
    let central = config.central.unwrap_or_default();
    // The county's QR line, or its three parts.
    let parts = central.url.zip(central.enrollment_code);
    if central.enrollment_qr.is_none() && parts.is_none() {
        println!(
            "{}: no [central] enrollment_qr, nor url and enrollment_code: not provisioning",
            file.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Ok((id, _)) = Identity::load(&data_dir(flag)) {
        println!(
            "already provisioned as {} for {}: nothing to do",
            id.device_id, id.site
        );
        return Ok(ExitCode::SUCCESS);
    }
    match (&central.enrollment_qr, parts) {
        (Some(line), _) => provision_qr(flag, line, config.site.as_deref(), false),
        (None, Some((url, code))) => {
            provision(flag, &url, &code, pin.or(central.pin.as_deref()), false)
        }
        (None, None) => Ok(ExitCode::SUCCESS),
    }
}

/// `provision --qr`: the county's enrollment QR code, scanned or typed.
pub fn provision_qr(
    flag: &Option<PathBuf>,
    line: &str,
    site: Option<&str>,
    force: bool,
) -> Result<ExitCode> {
    let p = onevisit_sync::enroll::EnrollPayload::parse(line)?;
    crate::runtime::check_site(&p, site)?;
    println!("enrolling at {} with {}", p.site, p.central);
    provision(flag, &p.central, &p.code, Some(&p.pin), force)
}

pub fn provision(
    flag: &Option<PathBuf>,
    central: &str,
    code: &str,
    pin: Option<&str>,
    force: bool,
) -> Result<ExitCode> {
    let dir = data_dir(flag);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let id = runtime()?.block_on(driver::provision(
        &dir,
        central,
        code,
        pin,
        VERSION,
        force,
        now_ms(),
    ))?;
    println!(
        "provisioned: device {} at {}\ncentral system {} (certificate SHA-256 {} pinned)",
        id.device_id, id.site, id.central, id.fingerprint
    );
    // The pinyin dictionaries are built now, not while the first citizen waits. A kiosk without
    // librime is still provisioned: it offers handwriting, and `input status` says why.
    match onevisit_ime::rime::deploy(&crate::input::rime_dirs(&dir)) {
        Ok(d) => println!("pinyin dictionaries deployed in {}", d.dir.display()),
        Err(e) => println!("pinyin input not available: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sync(flag: &Option<PathBuf>, once: bool, json: bool) -> Result<ExitCode> {
    let dir = data_dir(flag);
    let syncer = Syncer::open(&dir, SyncOptions::new(VERSION, once))?;
    let central = syncer.identity().central.clone();
    let rt = runtime()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let report = rt.block_on(async move {
        let run = syncer.run(stop_rx);
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => r,
            _ = tokio::signal::ctrl_c() => {
                let _ = stop_tx.send(true);
                run.await
            }
        }
    });
    if json {
        print_json(&report)?;
    } else {
        for d in &report.delivered {
            println!("delivered  {}  → {}", d.case_id, d.case_number);
        }
        for (id, why) in &report.refused {
            println!("refused    {id}: {why}");
        }
        for (id, why) in &report.unreadable {
            println!("unreadable {id}: {why} (this kiosk's store; nothing was sent)");
        }
        if report.status_updates > 0 {
            println!(
                "status     {} update(s) from the central system",
                report.status_updates
            );
        }
        if let Some(v) = report.catalog_activated {
            println!("catalog    version {v} activated");
        }
        if let Some(e) = &report.catalog_error {
            println!("catalog    refused: {e}");
        }
        if let Some((v, at)) = report.catalog_expired {
            println!(
                "catalog    version {v} expired on {} UTC; still in use until the county publishes a new one",
                onevisit_sync::bundle::utc(at)
            );
        }
        let s = &report.stats;
        println!(
            "{central}: {} delivered, {} still queued; {} requests, {} failed and retried, {} KB of attachments sent ({} KB again after cuts)",
            report.delivered.len(),
            report.still_queued,
            s.requests,
            s.failures,
            s.bytes_sent / 1024,
            s.bytes_resent / 1024
        );
        if let Some(e) = &report.error {
            eprintln!(
                "error: {e}. The cases stay queued and nothing is lost; sync tries again later."
            );
        }
    }
    let ok = report.error.is_none() && report.refused.is_empty() && report.unreadable.is_empty();
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A one-line progress bar on stderr.
fn bar(done: u64, total: u64) {
    let width = 30usize;
    let frac = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    let filled = ((frac * width as f64).round() as usize).min(width);
    eprint!(
        "\r[{}{}] {:>3}%  {:.1} / {:.1} MB",
        "#".repeat(filled),
        "-".repeat(width - filled),
        (frac * 100.0).round() as u32,
        done as f64 / 1e6,
        total as f64 / 1e6
    );
    let _ = std::io::stderr().flush();
}

pub fn export(flag: &Option<PathBuf>, dir: &Path, json: bool) -> Result<ExitCode> {
    let data = data_dir(flag);
    let (id, key) = Identity::load(&data)?;
    let mut store = Store::open(&data)?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    let summary = usb::export_queue(&mut store, &id, &key, dir, now_ms(), &stamp, bar)?;
    eprintln!();
    if json {
        print_json(&summary)?;
    } else {
        println!(
            "wrote {} case(s), {:.1} MB, to {}\nTake it to the county: `onevisit-central import {}`. The cases stay queued here until the central system confirms them online.",
            summary.cases,
            summary.bytes as f64 / 1e6,
            summary.path.display(),
            summary
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
