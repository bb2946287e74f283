//! The theme catalog: departments, approval items, materials, form fields and themes,
//! as a county edits them (TOML files in a folder), checked into one consistent model.

mod error;
mod files;
mod load;
mod model;

pub use error::{CatalogError, CatalogErrorKind, CatalogErrors};
pub use load::{SourceFile, load};
pub use model::*;

/// 1-based line and column of a byte offset, for other loaders that report catalog errors.
pub(crate) fn line_col_pub(text: &str, offset: usize) -> (usize, usize) {
    error::line_col(text, offset)
}

impl Catalog {
    /// Loads a catalog from its files' texts; see [`load`].
    pub fn from_sources(files: &[SourceFile]) -> Result<Catalog, CatalogErrors> {
        load(files)
    }
}
