//! OneVisit's pure domain.
//!
//! Everything here is a pure function of its inputs: no files, clocks, sockets or ports.
//! Callers read catalog files and pass their text in ([`catalog::SourceFile`]), and pass dates in
//! explicitly. That is what lets the kiosk, the central server and the tests share one engine.

pub mod calendar;
pub mod case_number;
pub mod catalog;
pub mod id_number;
pub mod keyboard;
pub mod mask;
pub mod plan;
pub mod session;
pub mod stats;
pub mod technician;
mod text;

pub use calendar::{Calendar, CalendarError};
pub use catalog::{Catalog, CatalogError, CatalogErrors, SourceFile};
pub use plan::{Answers, Plan, PlanError, default_answers, plan};
pub use text::Text;
