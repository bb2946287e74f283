//! Rare characters a name needs — 堃, 喆, 玥: the 1,467 of the Table of General Standard
//! Chinese Characters that GB 2312 lacks. Zinnia's model (trained on GB 2312) never offers
//! them, so handwriting is also matched against the font's own glyphs of these characters
//! ([`crate::shape`]) and the best matches join Zinnia's candidates; the pinyin dictionary
//! spells them from their readings ([`crate::places::dictionary`]).

use ab_glyph::FontRef;

use crate::ImeError;
use crate::handwriting::{Handwriting, Stroke};
use crate::shape::{self, DIM, Shape};

/// The list: number in the table, character, readings (see `scripts/fetch-rare-chars.sh`).
pub const RARE_CHARS: &str = include_str!("../data/rare-chars.txt");

/// The characters with their toneless readings (`kun`, `zhe`, `yue`).
pub fn chars() -> impl Iterator<Item = (char, Vec<&'static str>)> {
    RARE_CHARS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let c = f.nth(1)?.chars().next()?;
            Some((c, f.next().unwrap_or("").split_whitespace().collect()))
        })
}

/// Where the best rare match goes among a recogniser's candidates when its glyph is not nearer
/// to the handwriting than the recogniser's first candidate's glyph: still within the five an
/// elderly-mode bar shows. When it is nearer, it goes second: the recogniser is better at what
/// it knows (its first stays first), the glyph matcher at telling a rare character from it.
const LATER: usize = 4;
/// Where the second-best rare match goes: within the eight of the normal bar.
const SECOND: usize = 6;

/// The glyphs of the rare characters, as shapes (quantised to a byte each: 750 KB in all).
pub struct RareGlyphs {
    font: FontRef<'static>,
    chars: Vec<char>,
    shapes: Vec<u8>,
}

/// Shape values are below 0.5 in practice; a byte holds them in steps of 1/512.
const QUANT: f32 = 512.0;

impl RareGlyphs {
    /// Draws every rare character the font has (about 0.2 s for the bundled font).
    pub fn new(font: &'static [u8]) -> Result<Self, ImeError> {
        let font = FontRef::try_from_slice(font)
            .map_err(|e| ImeError::Engine(format!("the font could not be read: {e}")))?;
        let mut out = RareGlyphs {
            font,
            chars: Vec::new(),
            shapes: Vec::new(),
        };
        for (c, _) in chars() {
            if let Some(s) = shape::of_glyph(&out.font, c) {
                out.chars.push(c);
                out.shapes.extend(
                    s.0.iter()
                        .map(|v| (v * QUANT).round().clamp(0.0, 255.0) as u8),
                );
            }
        }
        Ok(out)
    }

    /// How many rare characters the font draws.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The `k` rare characters whose glyphs are nearest to `shape`, nearest first.
    pub fn nearest(&self, shape: &Shape, k: usize) -> Vec<(char, f32)> {
        let q: Vec<f32> = shape.0.iter().map(|v| v * QUANT).collect();
        let mut all: Vec<(char, f32)> = self
            .chars
            .iter()
            .zip(self.shapes.chunks_exact(DIM))
            .map(|(&c, s)| {
                let d: f32 = q
                    .iter()
                    .zip(s)
                    .map(|(a, &b)| (a - f32::from(b)) * (a - f32::from(b)))
                    .sum();
                (c, d / (QUANT * QUANT))
            })
            .collect();
        let k = k.min(all.len());
        if k == 0 {
            return Vec::new();
        }
        all.select_nth_unstable_by(k - 1, |a, b| a.1.total_cmp(&b.1));
        all.truncate(k);
        all.sort_by(|a, b| a.1.total_cmp(&b.1));
        all
    }

    /// The distance from `shape` to the glyph of any character the font has.
    pub fn distance_to(&self, shape: &Shape, c: &str) -> Option<f32> {
        let mut it = c.chars();
        let (Some(c), None) = (it.next(), it.next()) else {
            return None;
        };
        Some(shape.distance(&shape::of_glyph(&self.font, c)?.0))
    }

    /// Puts the two best rare matches among a recogniser's candidates (see [`LATER`]).
    ///
    /// Measured (`cargo bench -p onevisit-ime --bench rare`): a written common character stays
    /// first as often as before, and among the first five a little less often only when the
    /// recogniser had it fifth.
    pub fn merge(&self, strokes: &[Stroke], mut candidates: Vec<String>) -> Vec<String> {
        let Some(shape) = shape::of_strokes(strokes) else {
            return candidates;
        };
        let first = candidates.first().and_then(|c| self.distance_to(&shape, c));
        let mut best = self.nearest(&shape, 2).into_iter();
        if let Some((c, d)) = best.next() {
            let at = if first.is_none_or(|f| d < f) {
                1
            } else {
                LATER
            };
            insert_new(&mut candidates, at, c);
        }
        if let Some((c, _)) = best.next() {
            insert_new(&mut candidates, SECOND, c);
        }
        candidates
    }
}

/// Inserts `c` at `at` (or last) unless it is there already.
fn insert_new(candidates: &mut Vec<String>, at: usize, c: char) {
    let c = c.to_string();
    if !candidates.contains(&c) {
        candidates.insert(at.min(candidates.len()), c);
    }
}

/// A recogniser with the rare characters added to its candidates. The glyphs are shared: they
/// are drawn once per process, while recognisers open and close with each citizen.
pub struct WithRare<'a, H> {
    pub inner: H,
    rare: &'a RareGlyphs,
}

impl<'a, H: Handwriting> WithRare<'a, H> {
    pub fn new(inner: H, rare: &'a RareGlyphs) -> Self {
        WithRare { inner, rare }
    }

    pub fn rare(&self) -> &RareGlyphs {
        self.rare
    }
}

impl<H: Handwriting> Handwriting for WithRare<'_, H> {
    fn describe(&self) -> String {
        format!(
            "{} + {} rare characters by glyph",
            self.inner.describe(),
            self.rare.len()
        )
    }

    fn recognize(&mut self, strokes: &[Stroke], n: usize) -> Result<Vec<String>, ImeError> {
        let got = self.inner.recognize(strokes, n)?;
        Ok(self.rare.merge(strokes, got))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs() -> RareGlyphs {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fonts/OneVisitSansSC-Regular.otf");
        let font = Box::leak(std::fs::read(path).expect("font").into_boxed_slice());
        RareGlyphs::new(font).expect("glyphs")
    }

    #[test]
    fn the_list_is_the_table_outside_gb2312() {
        let all: Vec<_> = chars().collect();
        assert_eq!(all.len(), 1467);
        for want in ['堃', '喆', '玥'] {
            assert!(
                all.iter().any(|(c, r)| *c == want && !r.is_empty()),
                "{want}"
            );
        }
        assert!(all.iter().all(|(c, _)| !"王开饭店".contains(*c)));
    }

    #[test]
    fn a_glyph_is_nearest_to_itself_and_merging_keeps_the_first() {
        let g = glyphs();
        assert_eq!(g.len(), 1467, "the bundled font draws them all");
        let s = shape::of_glyph(&g.font, '玥').expect("shape");
        assert_eq!(g.nearest(&s, 1)[0].0, '玥');
        assert!(g.distance_to(&s, "玥").expect("drawn") < 1e-6);
        assert_eq!(g.distance_to(&s, "王堃"), None, "one character at a time");
        // No strokes: the candidates are left as they are.
        let z = vec!["王".to_owned(), "玉".to_owned()];
        assert_eq!(g.merge(&[], z.clone()), z);
        // A straight line: the recogniser's first stays first, two rare ones join.
        let line = vec![vec![(20.0, 150.0), (280.0, 150.0)]];
        let got = g.merge(&line, vec!["一".to_owned(), "二".to_owned()]);
        assert_eq!(got.first().map(String::as_str), Some("一"));
        assert_eq!(got.len(), 4, "{got:?}");
    }

    #[test]
    fn garbage_font_is_an_error() {
        assert!(RareGlyphs::new(b"not a font").is_err());
    }
}
