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
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{rel}: not UTF-8 text; save the file as UTF-8"))?;
            out.push(SourceFile { path: rel, text });
        }
    }
    Ok(())
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
