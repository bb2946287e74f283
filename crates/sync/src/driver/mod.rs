//! The thin driver: pumps the [`crate::engine`] over real HTTPS against the kiosk's store.
//!
//! - [`identity`]: the device's identity and key from provisioning, and provisioning itself.
//! - [`http`]: one pinned HTTPS connection.
//! - [`pump`]: the loop between engine, link and store (`sync --once`, background sync).
//! - [`catalog`]: verifying and atomically activating a downloaded catalog.
//! - [`usb`]: writing the offline export bundle.
//! - [`clock`]: the central system's time, for the OS image to set a clock NTP does not reach.

pub mod catalog;
pub mod clock;
pub mod http;
pub mod identity;
pub mod pump;
pub mod usb;

use thiserror::Error;

pub use identity::{CentralCheck, Identity, check_central, provision};
pub use pump::{Health, SyncOptions, SyncReport, SyncStatus, Syncer};

#[derive(Debug, Error)]
pub enum SyncError {
    #[error(
        "this kiosk is not provisioned: run `onevisit provision --central URL --code CODE` with a code from the county"
    )]
    NotProvisioned,
    #[error(
        "this kiosk is already provisioned as {0} for {1}; pass --force to replace that identity"
    )]
    AlreadyProvisioned(String, String),
    #[error("{0}")]
    Link(String),
    #[error("{0}")]
    Refused(String),
    #[error(
        "the server's answer does not prove it knows the enrollment code: this is not the county's central system, or someone is in between. Nothing was saved"
    )]
    ServerProof,
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Store(#[from] onevisit_store::StoreError),
    #[error("{0}")]
    Export(#[from] crate::export::ExportError),
    #[error("{0}")]
    Bundle(#[from] crate::bundle::BundleError),
    #[error("{0}")]
    Corrupt(String),
    #[error(
        "this kiosk's clock is {} the central system's: set the date and time (`timedatectl set-time \"YYYY-MM-DD HH:MM\"`), then enroll again; the code was not used",
        describe_offset(*.0)
    )]
    ClockOff(i64),
}

/// "2 h 5 min ahead of" / "behind".
fn describe_offset(off_ms: i64) -> String {
    let min = (off_ms.unsigned_abs() + 30_000) / 60_000;
    let side = if off_ms > 0 { "ahead of" } else { "behind" };
    match (min / 60, min % 60) {
        (0, m) => format!("{m} min {side}"),
        (h, m) => format!("{h} h {m} min {side}"),
    }
}

impl SyncError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> SyncError {
        SyncError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Unix time in milliseconds: the one clock the driver reads.
pub fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
