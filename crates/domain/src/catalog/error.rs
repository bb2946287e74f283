use std::fmt;

use thiserror::Error;

/// One problem in one catalog file, located to a line so an editor can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}:{line}:{column}: {kind}")]
pub struct CatalogError {
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file (e.g. a missing file).
    pub line: usize,
    pub column: usize,
    pub kind: CatalogErrorKind,
}

/// What is wrong, in words a catalog editor understands.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogErrorKind {
    #[error("cannot read this file: {0}")]
    Syntax(String),
    #[error("required file is missing (the catalog needs {0})")]
    MissingFile(String),
    #[error(
        "unexpected file: catalog files are departments.toml, materials.toml, fields.toml, items.toml and themes/*.toml"
    )]
    UnknownFile,
    #[error("{what} id \"{id}\" is defined twice (first at line {first_line})")]
    Duplicate {
        what: &'static str,
        id: String,
        first_line: usize,
    },
    #[error("unknown {what} \"{id}\"{}", hint(.suggestion))]
    Unknown {
        what: &'static str,
        id: String,
        suggestion: Option<String>,
    },
    #[error("preconditions form a cycle: {}", .0.join(" → "))]
    PreconditionCycle(Vec<String>),
    #[error("covered_by forms a cycle: {}", .0.join(" → "))]
    CoverCycle(Vec<String>),
    #[error(
        "question \"{question}\" switches item \"{item}\", which this theme neither lists nor adds"
    )]
    SwitchesMissingItem { question: String, item: String },
    #[error("yes/no question \"{0}\" must have exactly the options \"yes\" and \"no\"")]
    YesNoOptions(String),
    #[error("question \"{0}\" needs at least two options")]
    TooFewOptions(String),
    #[error(
        "material \"{0}\" is obtained online but names no source (add `source` and `source_en`)"
    )]
    OnlineWithoutSource(String),
    #[error("item \"{0}\" lists no steps; list the applicant's steps (consult, apply, collect)")]
    NoSteps(String),
    #[error("theme \"{0}\" lists no items")]
    EmptyTheme(String),
    #[error("theme id \"{id}\" does not match its file name (expected \"{expected}\")")]
    ThemeFileName { id: String, expected: String },
    #[error("{0}")]
    Calendar(String),
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean \"{s}\"?)"),
        None => String::new(),
    }
}

/// Every problem found in a catalog; loading reports them all at once, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct CatalogErrors(pub Vec<CatalogError>);

impl fmt::Display for CatalogErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
