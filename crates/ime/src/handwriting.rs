//! Handwriting input: strokes on a square pad in, characters out.

use crate::ImeError;
use crate::coverage::Coverage;

/// The pad's size in the units strokes are given in (300 × 300, origin top-left).
pub const PAD: f32 = 300.0;

/// One stroke: the points the finger passed through, in order.
pub type Stroke = Vec<(f32, f32)>;

/// A handwriting recogniser.
pub trait Handwriting {
    fn describe(&self) -> String;
    /// The `n` likeliest characters for the strokes so far, best first.
    fn recognize(&mut self, strokes: &[Stroke], n: usize) -> Result<Vec<String>, ImeError>;
}

/// The `n` best candidates the font can draw (the recogniser is asked for more, since some may
/// be dropped).
pub fn candidates(
    engine: &mut dyn Handwriting,
    strokes: &[Stroke],
    n: usize,
    coverage: &Coverage,
) -> Result<Vec<String>, ImeError> {
    if strokes.iter().all(|s| s.is_empty()) {
        return Ok(Vec::new());
    }
    let mut out = engine.recognize(strokes, n * 2 + 4)?;
    out.retain(|c| coverage.draws(c));
    out.truncate(n);
    Ok(out)
}
