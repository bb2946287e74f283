//! The reference central system for OneVisit kiosks: what a county runs to receive cases.
//!
//! SQLite (embedded, zero setup) holds devices, cases, status history and catalogs;
//! attachments are files under `attachments/`. The API is `docs/api/openapi.yaml`.

pub mod admin;
pub mod api;
pub mod catalog;
pub mod db;
pub mod error;
pub mod intake;
pub mod keys;
pub mod replay;
pub mod serve;

pub use serve::{Running, bind, now_ms, spawn};
