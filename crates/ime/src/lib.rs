//! Chinese input for the kiosk's on-screen keyboard.
//!
//! Two engines behind two traits: [`pinyin::Pinyin`] (first implementation: librime, see
//! [`rime`]) and [`handwriting::Handwriting`] (first implementation: Zinnia with the Tegaki
//! simplified-Chinese model, see [`zinnia`]). Both libraries are opened with `dlopen` when first
//! needed instead of being linked: a kiosk whose image lacks one still starts, reports it in
//! diagnostics and offers the other method.
//!
//! What the citizen sees is decided here too, without any UI: [`pinyin::Board`] pages the
//! candidates and keeps only those the kiosk's font can draw ([`coverage::Coverage`]), so a
//! citizen never sees an empty box.
//!
//! Nothing typed is logged, and nothing is learned: librime's user dictionary is switched off
//! when the dictionaries are deployed ([`rime::deploy`]), and its log level is FATAL.

pub mod coverage;
pub mod handwriting;
pub mod pinyin;
pub mod places;
pub mod rare;
pub mod rime;
pub mod shape;
pub mod zinnia;

use std::path::PathBuf;

/// What can go wrong opening or using an input engine. Each says what a technician should do.
#[derive(Debug, thiserror::Error)]
pub enum ImeError {
    #[error(
        "{library} could not be loaded ({detail}): install the Debian package {package} (scripts/setup-debian.sh does)"
    )]
    LibraryMissing {
        library: &'static str,
        package: &'static str,
        detail: String,
    },
    #[error("{what} is missing at {path}: install the Debian package {package}")]
    DataMissing {
        what: &'static str,
        path: PathBuf,
        package: &'static str,
    },
    #[error(
        "the pinyin dictionaries are not deployed in {0}: run `onevisit input deploy` (setup and provisioning do)"
    )]
    NotDeployed(PathBuf),
    #[error("{0}")]
    Engine(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}
