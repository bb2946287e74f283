//! Reads a catalog folder from disk into the pure loader's input.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use onevisit_domain::{Calendar, Catalog, CatalogErrors, SourceFile};

/// Where the catalog is when no `--catalog` is given: the environment, the working
/// directory, the installed location, then the source tree (for `cargo run`).
pub fn resolve(flag: &Option<PathBuf>) -> PathBuf {
    if let Some(p) = flag {
        return p.clone();
    }
    if let Some(p) = std::env::var_os("ONEVISIT_CATALOG") {
        return PathBuf::from(p);
    }
    let candidates = [
        PathBuf::from("catalog"),
        PathBuf::from("/usr/share/onevisit/catalog"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog"),
    ];
    candidates
        .iter()
        .find(|p| p.join("items.toml").is_file())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("catalog"))
}

/// Every `.toml` file below `dir`, with paths relative to it, in a stable order.
pub fn read_sources(dir: &Path) -> Result<Vec<SourceFile>> {
    if !dir.is_dir() {
        bail!(
            "catalog folder {} does not exist; pass --catalog DIR or set ONEVISIT_CATALOG",
            dir.display()
        );
    }
    let files = onevisit_sync::bundle::read_tree(dir)
        .with_context(|| format!("reading the catalog folder {}", dir.display()))?;
    files
        .into_iter()
        .map(|(path, bytes)| {
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{path}: not UTF-8 text; save the file as UTF-8"))?;
            Ok(SourceFile { path, text })
        })
        .collect()
}

/// The catalog and its calendar, or every problem found in them.
pub fn load(dir: &Path) -> Result<(Catalog, Calendar)> {
    let sources = read_sources(dir)?;
    let catalog = Catalog::from_sources(&sources);
    let calendar = Calendar::from_sources(&sources);
    match (catalog, calendar) {
        (Ok(c), Ok(k)) => Ok((c, k)),
        (c, k) => {
            let mut all = Vec::new();
            all.extend(c.err().into_iter().flat_map(|e| e.0));
            all.extend(k.err().into_iter().flat_map(|e| e.0));
            Err(invalid(dir, &CatalogErrors(all)))
        }
    }
}

/// The error for a catalog with problems: each one on its own line, with what to do.
pub fn invalid(dir: &Path, errors: &CatalogErrors) -> anyhow::Error {
    let n = errors.0.len();
    let listing: String = errors.0.iter().map(|e| format!("\n  {e}")).collect();
    anyhow::anyhow!(
        "the catalog in {} has {n} problem{}:{listing}\nFix the files named above, then run `onevisit catalog check`.",
        dir.display(),
        if n == 1 { "" } else { "s" }
    )
}
