//! The shape of a character as a vector that handwriting and a font's glyph can be compared
//! by: both are drawn into the same normalised square with ink of about a stem's width, and
//! described by where their edges run in which of eight directions (a gradient-direction
//! feature, as in offline character recognition). Pure: strokes or outlines in, numbers out.

use ab_glyph::{Font, FontRef, PxScale};

use crate::handwriting::Stroke;

/// The normalised square's side, in pixels.
const SIDE: usize = 64;
/// Empty border around the character inside the square.
const MARGIN: f32 = 4.0;
/// Cells per side of the grid the edges are counted in.
const GRID: usize = 8;
/// Edge directions told apart (every 45°).
const DIRECTIONS: usize = 8;
/// Numbers per shape.
pub const DIM: usize = GRID * GRID * DIRECTIONS;
/// The pen's width in the square (thinner than a glyph's stems: measured best, see the rare
/// characters' benchmark).
const PEN: f32 = 2.5;
/// Below this ratio of the short side to the long one a character keeps its proportions (一
/// must not be stretched into a square); above it both sides fill the square.
const KEEP_ASPECT_BELOW: f32 = 0.4;

/// A shape: `DIM` numbers of unit length.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape(pub Vec<f32>);

impl Shape {
    /// The squared distance between two shapes (0 the same, 4 opposite).
    pub fn distance(&self, other: &[f32]) -> f32 {
        self.0
            .iter()
            .zip(other)
            .map(|(a, b)| (a - b) * (a - b))
            .sum()
    }
}

/// How a box of ink maps into the square: x' = x·sx + dx, y' = y·sy + dy.
#[derive(Debug, Clone, Copy)]
struct Fit {
    sx: f32,
    sy: f32,
    dx: f32,
    dy: f32,
}

impl Fit {
    fn new(min: (f32, f32), max: (f32, f32)) -> Fit {
        let inner = SIDE as f32 - 2.0 * MARGIN;
        let w = (max.0 - min.0).max(1e-3);
        let h = (max.1 - min.1).max(1e-3);
        let (mut sx, mut sy) = (inner / w, inner / h);
        if w.min(h) / w.max(h) < KEEP_ASPECT_BELOW {
            sx = sx.min(sy);
            sy = sx;
        }
        Fit {
            sx,
            sy,
            dx: (SIDE as f32 - w * sx) / 2.0 - min.0 * sx,
            dy: (SIDE as f32 - h * sy) / 2.0 - min.1 * sy,
        }
    }

    fn map(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (x * self.sx + self.dx, y * self.sy + self.dy)
    }
}

/// The shape of handwriting; `None` without any point.
pub fn of_strokes(strokes: &[Stroke]) -> Option<Shape> {
    let points = strokes.iter().flatten();
    let (mut min, mut max) = ((f32::MAX, f32::MAX), (f32::MIN, f32::MIN));
    for &(x, y) in points {
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
    }
    if min.0 > max.0 {
        return None;
    }
    let fit = Fit::new(min, max);
    let mut ink = vec![0f32; SIDE * SIDE];
    for s in strokes.iter().filter(|s| !s.is_empty()) {
        let first = fit.map(s[0]);
        let mut prev = first;
        draw_segment(&mut ink, first, first);
        for &p in &s[1..] {
            let p = fit.map(p);
            draw_segment(&mut ink, prev, p);
            prev = p;
        }
    }
    Some(describe(&ink))
}

/// The shape of a font's glyph for `c`; `None` if the font has no outline for it.
pub fn of_glyph(font: &FontRef<'_>, c: char) -> Option<Shape> {
    let id = font.glyph_id(c);
    if id.0 == 0 {
        return None;
    }
    // The ink's box at a reference size, then the glyph drawn again at the scales that fit
    // that box into the square.
    const REF: f32 = 1000.0;
    let probe = font.outline_glyph(id.with_scale(REF))?;
    let b = probe.px_bounds();
    let fit = Fit::new((b.min.x, b.min.y), (b.max.x, b.max.y));
    let scale = PxScale {
        x: REF * fit.sx,
        y: REF * fit.sy,
    };
    let glyph = font.outline_glyph(id.with_scale_and_position(scale, ab_glyph::point(0.0, 0.0)))?;
    // `draw` counts pixels from the ink's top-left corner.
    let gb = glyph.px_bounds();
    let (ox, oy) = (gb.min.x + fit.dx, gb.min.y + fit.dy);
    let mut ink = vec![0f32; SIDE * SIDE];
    glyph.draw(|x, y, cover| {
        let (tx, ty) = ((ox + x as f32) as i64, (oy + y as f32) as i64);
        if (0..SIDE as i64).contains(&tx) && (0..SIDE as i64).contains(&ty) {
            let i = ty as usize * SIDE + tx as usize;
            ink[i] = ink[i].max(cover.min(1.0));
        }
    });
    Some(describe(&ink))
}

/// Ink along a segment (a dot when both ends are the same), anti-aliased at the pen's edge.
fn draw_segment(ink: &mut [f32], a: (f32, f32), b: (f32, f32)) {
    let r = PEN / 2.0;
    let x0 = (a.0.min(b.0) - r - 1.0).floor().max(0.0) as usize;
    let x1 = (a.0.max(b.0) + r + 1.0).ceil().min(SIDE as f32 - 1.0) as usize;
    let y0 = (a.1.min(b.1) - r - 1.0).floor().max(0.0) as usize;
    let y1 = (a.1.max(b.1) + r + 1.0).ceil().min(SIDE as f32 - 1.0) as usize;
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let len2 = vx * vx + vy * vy;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (px, py) = (x as f32 + 0.5 - a.0, y as f32 + 0.5 - a.1);
            let t = if len2 > 0.0 {
                ((px * vx + py * vy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (ex, ey) = (px - t * vx, py - t * vy);
            let cover = (r + 0.5 - (ex * ex + ey * ey).sqrt()).clamp(0.0, 1.0);
            let i = y * SIDE + x;
            ink[i] = ink[i].max(cover);
        }
    }
}

/// Edges by direction, counted softly into the grid's cells, square-rooted (so a few strong
/// edges do not outweigh many weak ones) and scaled to unit length.
fn describe(ink: &[f32]) -> Shape {
    let ink = blur(ink);
    let mut out = vec![0f32; DIM];
    let cell = SIDE as f32 / GRID as f32;
    let step = std::f32::consts::FRAC_PI_4;
    let at = |x: usize, y: usize| ink[y * SIDE + x];
    for y in 1..SIDE - 1 {
        for x in 1..SIDE - 1 {
            // Sobel.
            let gx = (at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1))
                - (at(x - 1, y - 1) + 2.0 * at(x - 1, y) + at(x - 1, y + 1));
            let gy = (at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1))
                - (at(x - 1, y - 1) + 2.0 * at(x, y - 1) + at(x + 1, y - 1));
            let m = (gx * gx + gy * gy).sqrt();
            if m < 1e-4 {
                continue;
            }
            // Split the gradient between the two nearest of the eight directions.
            let angle = gy.atan2(gx).rem_euclid(std::f32::consts::TAU);
            let k = ((angle / step) as usize).min(DIRECTIONS - 1);
            let phi = angle - k as f32 * step;
            let s = step.sin();
            let parts = [
                (k, m * (step - phi).sin() / s),
                ((k + 1) % DIRECTIONS, m * phi.sin() / s),
            ];
            // Bilinear weights into the four nearest cells.
            let fx = (x as f32 + 0.5) / cell - 0.5;
            let fy = (y as f32 + 0.5) / cell - 0.5;
            let (cx, cy) = (fx.floor(), fy.floor());
            let (wx, wy) = (fx - cx, fy - cy);
            for (ddy, wy) in [(0, 1.0 - wy), (1, wy)] {
                for (ddx, wx) in [(0, 1.0 - wx), (1, wx)] {
                    let (gxc, gyc) = (cx as i64 + ddx, cy as i64 + ddy);
                    if !(0..GRID as i64).contains(&gxc) || !(0..GRID as i64).contains(&gyc) {
                        continue;
                    }
                    let base = (gyc as usize * GRID + gxc as usize) * DIRECTIONS;
                    for &(d, v) in &parts {
                        out[base + d] += v * wx * wy;
                    }
                }
            }
        }
    }
    for v in out.iter_mut() {
        *v = v.sqrt();
    }
    let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for v in out.iter_mut() {
            *v /= norm;
        }
    }
    Shape(out)
}

/// A small Gaussian blur (σ ≈ 1 px): strokes a little off still overlap.
fn blur(ink: &[f32]) -> Vec<f32> {
    const K: [f32; 5] = [0.054, 0.244, 0.404, 0.244, 0.054];
    let pass = |src: &[f32], horizontal: bool| {
        let mut dst = vec![0f32; SIDE * SIDE];
        for y in 0..SIDE {
            for x in 0..SIDE {
                let mut acc = 0.0;
                for (j, k) in K.iter().enumerate() {
                    let o = j as i64 - 2;
                    let (sx, sy) = if horizontal {
                        (x as i64 + o, y as i64)
                    } else {
                        (x as i64, y as i64 + o)
                    };
                    if (0..SIDE as i64).contains(&sx) && (0..SIDE as i64).contains(&sy) {
                        acc += k * src[sy as usize * SIDE + sx as usize];
                    }
                }
                dst[y * SIDE + x] = acc;
            }
        }
        dst
    };
    pass(&pass(ink, true), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(a: (f32, f32), b: (f32, f32)) -> Stroke {
        (0..=20)
            .map(|i| {
                let t = i as f32 / 20.0;
                (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
            })
            .collect()
    }

    #[test]
    fn shapes_are_unit_length_and_compare_by_form_not_size_or_place() {
        let ten = vec![
            line((50.0, 150.0), (250.0, 150.0)),
            line((150.0, 50.0), (150.0, 250.0)),
        ];
        let small = vec![
            line((10.0, 40.0), (70.0, 40.0)),
            line((40.0, 10.0), (40.0, 70.0)),
        ];
        let mouth = vec![
            line((60.0, 60.0), (60.0, 240.0)),
            line((60.0, 60.0), (240.0, 60.0)),
            line((240.0, 60.0), (240.0, 240.0)),
            line((60.0, 240.0), (240.0, 240.0)),
        ];
        let (a, b, c) = (
            of_strokes(&ten).expect("ten"),
            of_strokes(&small).expect("small"),
            of_strokes(&mouth).expect("mouth"),
        );
        let len: f32 = a.0.iter().map(|v| v * v).sum();
        assert!((len - 1.0).abs() < 1e-4);
        assert!(a.distance(&b.0) < 0.01, "{}", a.distance(&b.0));
        assert!(a.distance(&c.0) > 0.3, "{}", a.distance(&c.0));
        assert_eq!(of_strokes(&[]), None);
        assert_eq!(of_strokes(&[Vec::new()]), None);
    }

    #[test]
    fn handwriting_is_nearer_its_own_glyph() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fonts/OneVisitSansSC-Regular.otf");
        let bytes = std::fs::read(path).expect("font");
        let font = FontRef::try_from_slice(&bytes).expect("font");
        let ten = vec![
            line((50.0, 150.0), (250.0, 150.0)),
            line((150.0, 40.0), (150.0, 260.0)),
        ];
        let s = of_strokes(&ten).expect("ten");
        let d = |c| s.distance(&of_glyph(&font, c).expect("glyph").0);
        assert!(
            d('十') < d('口') && d('十') < d('王'),
            "{} {} {}",
            d('十'),
            d('口'),
            d('王')
        );
        // A character the font lacks has no shape; a point is a shape.
        assert_eq!(of_glyph(&font, '𠮷'), None);
        assert!(of_strokes(&[vec![(5.0, 5.0)]]).is_some());
    }
}
