//! Which characters the kiosk's font can draw. Candidates outside it are never offered: a
//! citizen must not be asked to choose an empty box.

use std::path::Path;

use crate::ImeError;

/// The set of characters a font maps to a glyph (sorted code points: ~8,900 for the bundled
/// font, 35 KB).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    chars: Vec<u32>,
}

impl Coverage {
    /// Reads a font's character map. The bytes are needed only while this runs.
    pub fn from_font(bytes: &[u8]) -> Result<Self, ImeError> {
        let face = ttf_parser::Face::parse(bytes, 0)
            .map_err(|e| ImeError::Engine(format!("the font could not be read: {e}")))?;
        let mut chars = Vec::new();
        if let Some(cmap) = face.tables().cmap {
            for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|c| {
                    if sub.glyph_index(c).is_some_and(|g| g.0 != 0) {
                        chars.push(c);
                    }
                });
            }
        }
        chars.sort_unstable();
        chars.dedup();
        Ok(Coverage { chars })
    }

    /// Reads a font file.
    pub fn from_file(path: &Path) -> Result<Self, ImeError> {
        let bytes = std::fs::read(path).map_err(|source| ImeError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_font(&bytes)
    }

    /// A set of exactly these characters (tests, and kiosks without the font file).
    pub fn of(chars: impl IntoIterator<Item = char>) -> Self {
        let mut chars: Vec<u32> = chars.into_iter().map(u32::from).collect();
        chars.sort_unstable();
        chars.dedup();
        Coverage { chars }
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn has(&self, c: char) -> bool {
        self.chars.binary_search(&u32::from(c)).is_ok()
    }

    /// True when every character of `text` can be drawn. An empty coverage (no font found)
    /// accepts everything rather than offering nothing.
    pub fn draws(&self, text: &str) -> bool {
        self.chars.is_empty() || text.chars().all(|c| self.has(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_font_covers_the_general_standard_characters_only() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fonts/OneVisitSansSC-Regular.otf");
        let c = Coverage::from_file(&path).expect("bundled font");
        assert!(c.len() > 8500, "{} characters", c.len());
        assert!(c.draws("开饭店有限公司"));
        // Names need the 8,105 of the Table of General Standard Chinese Characters.
        assert!(c.draws("堃喆玥"));
        for (ch, _) in crate::rare::chars() {
            assert!(c.has(ch), "{ch} is not drawn");
        }
        // 𠮷 (U+20BB7) is outside the table and the subset.
        assert!(!c.draws("𠮷"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Coverage::from_font(b"not a font").is_err());
        assert!(Coverage::from_file(Path::new("/nonexistent.otf")).is_err());
    }
}
