//! The case store: where a citizen's submission lives until the central system has it.
//!
//! SQLite (WAL, `synchronous=FULL`) holds the cases; attachments are files beside it, written,
//! fsynced and renamed into place before the transaction that references them commits, so a
//! case is visible only when all of it is on disk. Personal data and attachments are sealed
//! with XChaCha20-Poly1305 under a per-device key kept outside the database (mode 0600).

mod crypto;
mod drafts;
pub mod schema;
mod store;

pub use crypto::DataKey;
pub use drafts::StoredDraft;
pub use store::{
    Applicant, CaseDetail, CasePayload, CaseSummary, DEFAULT_RESERVE, DEFAULT_RETENTION_MS,
    NewCase, NewMaterial, OwedMaterial, Purged, Retention, Store, StoreError, SyncState,
    free_bytes,
};
