//! What the kiosk runs with, resolved in one place for the CLI and the kiosk alike: the data
//! folder, the system clock (the kiosk app reads it only through `App::now`), the cabinet's
//! profile, and the background sync thread of `onevisit run`. `commands/` (the CLI) and the
//! kiosk both use it; neither uses the other.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use onevisit_gpio::profile::Profile;
use onevisit_sync::driver::{Health, SyncOptions, SyncStatus, Syncer};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The data folder: the flag, `ONEVISIT_DATA_DIR`, or the per-user data folder.
pub fn data_dir(flag: &Option<PathBuf>) -> PathBuf {
    if let Some(d) = flag {
        return d.clone();
    }
    if let Some(d) = std::env::var_os("ONEVISIT_DATA_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("onevisit")
}

/// The system clock, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Local::now().timestamp_millis()
}

/// Today's date on the kiosk's clock (local time: China Standard Time on a real kiosk).
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A built-in profile by name, or a profile file.
pub fn cabinet_profile(name: &str) -> Result<Profile> {
    if let Some(p) = Profile::builtin(name) {
        return Ok(p);
    }
    let text = std::fs::read_to_string(name).with_context(|| {
        format!(
            "no profile {name:?}: use one of {} or a TOML file",
            Profile::BUILTIN.join(", ")
        )
    })?;
    Profile::parse(&text).with_context(|| format!("profile {name}"))
}

/// A runtime for the network code, on the thread that calls it.
pub fn network_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the network runtime")
}

/// Background sync for `onevisit run`: its own thread and runtime, so the UI never waits on
/// the network. `None` (with a log line) when the kiosk is not provisioned.
pub struct Background {
    /// What sync is doing (technician mode's queue section).
    pub status: Arc<Mutex<SyncStatus>>,
    pub health: Arc<Mutex<Health>>,
    /// "Sync now" (technician mode).
    pub wake: Arc<tokio::sync::Notify>,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn background(dir: &Path, retention: onevisit_store::Retention) -> Option<Background> {
    let mut opts = SyncOptions::new(VERSION, false);
    opts.retention_ms = retention.delivered_ms;
    opts.retention = retention;
    let (status, health, wake) = (opts.status.clone(), opts.health.clone(), opts.wake.clone());
    let syncer = match Syncer::open(dir, opts) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("sync off: {e}");
            return None;
        }
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let thread = std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || match network_runtime() {
            Ok(rt) => {
                rt.block_on(syncer.run(stop_rx));
            }
            Err(e) => tracing::error!("sync off: {e}"),
        })
        .ok()?;
    Some(Background {
        status,
        health,
        wake,
        stop,
        thread: Some(thread),
    })
}

/// The cabinet's signals from the plan: the profile's backend, the simulated pins (whose
/// handle lets F8 open and close the simulated cabinet), or none.
pub fn start_cabinet(
    source: &crate::config::Source,
    simulate: bool,
) -> Result<(
    Option<onevisit_gpio::driver::GpioDriver>,
    Option<onevisit_gpio::backend::SimBackend>,
)> {
    Ok(match source {
        crate::config::Source::Real(name) => {
            let profile = crate::runtime::cabinet_profile(name)?;
            if profile.backend == onevisit_gpio::profile::BackendKind::Simulated && !simulate {
                anyhow::bail!(
                    "devices.gpio = {name:?} is a simulated profile: a kiosk for citizens needs its cabinet's profile (rpi4-cabinet, rpi5-cabinet, x86-pc or a file); simulation is `onevisit run --simulate`"
                );
            }
            let backend = onevisit_gpio::backend::open(&profile)
                .with_context(|| format!("opening the cabinet signals ({name})"))?;
            (Some(onevisit_gpio::driver::spawn(&profile, backend)), None)
        }
        crate::config::Source::Simulated => {
            let profile = onevisit_gpio::Profile::builtin("simulated")
                .context("the built-in simulated GPIO profile")?;
            let pins = onevisit_gpio::backend::SimBackend::new();
            let driver = onevisit_gpio::driver::spawn(&profile, Box::new(pins.clone()));
            (Some(driver), Some(pins))
        }
        crate::config::Source::Missing => (None, None),
    })
}

pub fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid C string and `st` a properly sized out-parameter.
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Enrolls this kiosk with the county's enrollment line (technician mode; the CLI's
/// `provision --qr` says the same things). `site`: the site the settings name, if any: a code
/// made for another site is refused before it is spent. Returns the enrolled site's name.
pub fn enroll(
    data: &Path,
    p: &onevisit_sync::enroll::EnrollPayload,
    site: Option<&str>,
    now: i64,
) -> Result<String> {
    check_site(p, site)?;
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let id = network_runtime()?.block_on(onevisit_sync::driver::provision(
        data,
        &p.central,
        &p.code,
        Some(&p.pin),
        VERSION,
        false,
        now,
    ))?;
    Ok(id.site)
}

/// A code made for another site is refused before it is spent.
pub fn check_site(p: &onevisit_sync::enroll::EnrollPayload, site: Option<&str>) -> Result<()> {
    if let Some(here) = site.map(str::trim).filter(|s| !s.is_empty())
        && here != p.site
    {
        anyhow::bail!(
            "this enrollment code was made for {}, but this kiosk stands at {here}: ask the county for a code for {here}",
            p.site
        );
    }
    Ok(())
}
