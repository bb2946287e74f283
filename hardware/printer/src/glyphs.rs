//! Drawing characters for the interpreter. Printers use 12 × 24 dot cells for Latin and
//! 24 × 24 for Chinese; we draw an outline font into those cells. The font's bytes are
//! passed in: reading font files is the caller's business.

use ab_glyph::{Font, FontArc, FontRef, FontVec, PxScale, ScaleFont};
use thiserror::Error;

/// The QR error-correction level, as `GS ( k` sets it.
pub use qrcode::EcLevel;

#[derive(Debug, Error)]
pub enum GlyphError {
    #[error("the font file could not be parsed (index {0}): use an OpenType/TrueType CJK font")]
    BadFont(u32),
}

pub trait Glyphs {
    /// Calls `dot(x, y)` for each dark dot of `c` drawn in a `cell_w` × `cell_h` cell.
    fn draw(&self, c: char, cell_w: u32, cell_h: u32, dot: &mut dyn FnMut(u32, u32));

    /// The modules of a QR symbol for `data` (side length, then row-major dark flags), or
    /// `None` when the data does not fit one. Printers draw these from firmware as they draw
    /// characters; the default is the real encoder, and only a fuzzer swaps it for a cheap
    /// stand-in (a 7 KB symbol costs milliseconds, which would starve the interpreter's own
    /// parsing of executions).
    fn qr(&self, data: &[u8], ec: EcLevel) -> Option<(u32, Vec<bool>)> {
        let code = qrcode::QrCode::with_error_correction_level(data, ec).ok()?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Some((code.width() as u32, dark))
    }
}

/// Loads a fallback font the first time a character is missing (a large system font is then
/// mapped only on kiosks that ever print a rare character).
type Loader = fn() -> Option<FontGlyphs>;

#[derive(Clone)]
pub struct FontGlyphs {
    font: FontArc,
    /// Tried for characters the font does not have (e.g. a rare character in a name).
    fallback: Option<Box<FontGlyphs>>,
    lazy: Option<(
        Loader,
        std::sync::Arc<std::sync::OnceLock<Option<FontGlyphs>>>,
    )>,
}

impl FontGlyphs {
    /// `index` selects a face in a collection (`.ttc`); Noto Sans CJK SC is index 2.
    pub fn from_bytes(bytes: Vec<u8>, index: u32) -> Result<Self, GlyphError> {
        let font = FontVec::try_from_vec_and_index(bytes, index)
            .map_err(|_| GlyphError::BadFont(index))?;
        Ok(FontGlyphs {
            font: FontArc::new(font),
            fallback: None,
            lazy: None,
        })
    }

    /// This font first, then `other` for characters it lacks.
    pub fn with_fallback(mut self, other: FontGlyphs) -> FontGlyphs {
        match &mut self.fallback {
            Some(f) => {
                let inner = std::mem::replace(f.as_mut(), other.clone());
                **f = inner.with_fallback(other);
            }
            None => self.fallback = Some(Box::new(other)),
        }
        self
    }

    /// This font first, then the font `load` finds, loaded when a character is first missing.
    pub fn with_lazy_fallback(mut self, load: Loader) -> FontGlyphs {
        self.lazy = Some((load, Default::default()));
        self
    }

    /// From bytes that live for the whole program (a mapped font file): nothing is copied,
    /// and only the pages of the glyphs drawn are ever read.
    pub fn from_static(bytes: &'static [u8], index: u32) -> Result<Self, GlyphError> {
        let font = FontRef::try_from_slice_and_index(bytes, index)
            .map_err(|_| GlyphError::BadFont(index))?;
        Ok(FontGlyphs {
            font: FontArc::new(font),
            fallback: None,
            lazy: None,
        })
    }
}

impl Glyphs for FontGlyphs {
    fn draw(&self, c: char, cell_w: u32, cell_h: u32, dot: &mut dyn FnMut(u32, u32)) {
        if self.font.glyph_id(c).0 == 0 {
            if let Some(f) = &self.fallback {
                return f.draw(c, cell_w, cell_h, dot);
            }
            if let Some((load, cell)) = &self.lazy
                && let Some(f) = cell.get_or_init(load)
            {
                return f.draw(c, cell_w, cell_h, dot);
            }
        }
        // Scale so one em fills the cell's height, as printer fonts fill their 24-dot cells
        // (PxScale alone sizes the font's whole line height, which is much taller than an em).
        let em = self.font.units_per_em().unwrap_or(1000.0);
        let mut scale = PxScale::from(cell_h as f32 * self.font.height_unscaled() / em * 0.95);
        // Printer fonts squeeze wide Latin letters (M, W) into their narrow cells: do the same
        // rather than clip them.
        let natural = self.font.as_scaled(scale).h_advance(self.font.glyph_id(c));
        let room = cell_w as f32 * 0.92;
        if natural > room {
            scale.x *= room / natural;
        }
        let scaled = self.font.as_scaled(scale);
        let advance = scaled.h_advance(self.font.glyph_id(c));
        // Centre the glyph horizontally in its cell; the baseline sits where an em box's does.
        let x0 = ((cell_w as f32 - advance) / 2.0).max(0.0);
        let glyph = self
            .font
            .glyph_id(c)
            .with_scale_and_position(scale, ab_glyph::point(x0, cell_h as f32 * 0.84));
        if let Some(outline) = self.font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|x, y, coverage| {
                if coverage > 0.45 {
                    let px = b.min.x as i64 + i64::from(x);
                    let py = b.min.y as i64 + i64::from(y);
                    if px >= 0 && py >= 0 && (px as u32) < cell_w && (py as u32) < cell_h {
                        dot(px as u32, py as u32);
                    }
                }
            });
        }
    }
}

/// Draws nothing: for tests and previews that need no text.
pub struct NoGlyphs;

impl Glyphs for NoGlyphs {
    fn draw(&self, _: char, _: u32, _: u32, _: &mut dyn FnMut(u32, u32)) {}
}
