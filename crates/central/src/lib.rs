//! The reference central system for OneVisit kiosks: what a county runs to receive cases.
//!
//! SQLite (embedded, zero setup) or PostgreSQL (several nodes, `sql/`) holds devices, cases,
//! status history and catalogs; attachments go through `blobs/` (files under
//! `attachments/`, or an S3-compatible bucket). The API is `docs/api/openapi.yaml`, under `/v1`; the officers' workbench
//! (`web`) is served at `/` on the same listener.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod audit;
pub mod blobs;
pub mod catalog;
pub mod db;
pub mod enroll_qr;
pub mod error;
pub mod hashstate;
pub mod import;
pub mod intake;
pub mod keys;
pub mod limits;
pub mod notify;
pub mod officer;
pub mod private;
pub mod replay;
pub mod s3;
pub mod serve;
pub mod sql;
pub mod staged;
pub mod web;
pub mod workflow;

pub use limits::Limits;
pub use serve::{Running, bind, bind_at, bind_with, now_ms, spawn, spawn_at, spawn_with};
