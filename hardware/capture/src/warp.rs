//! Straightening: the projective map from an upright output rectangle onto the detected
//! quadrilateral, sampled bilinearly, so perspective and rotation go in one pass.

use crate::detect::{Point, Quad};
use crate::gray::Gray;

/// The homography taking the rectangle (0,0)–(w,h) to `quad` (row-major 3×3, h33 = 1).
pub fn homography(w: f32, h: f32, quad: &Quad) -> Option<[f32; 9]> {
    let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    // Eight equations in the eight unknowns h11..h32.
    let mut a = [[0f64; 9]; 8];
    for (k, (&(x, y), p)) in src.iter().zip(quad.0.iter()).enumerate() {
        let (x, y, u, v) = (f64::from(x), f64::from(y), f64::from(p.x), f64::from(p.y));
        a[2 * k] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * k + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / pivot_row[col];
                for (x, p) in r.iter_mut().zip(pivot_row.iter()).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut hm = [0f32; 9];
    for i in 0..8 {
        hm[i] = (a[i][8] / a[i][i]) as f32;
    }
    hm[8] = 1.0;
    Some(hm)
}

#[inline]
pub fn apply(hm: &[f32; 9], x: f32, y: f32) -> Point {
    let d = hm[6] * x + hm[7] * y + hm[8];
    Point {
        x: (hm[0] * x + hm[1] * y + hm[2]) / d,
        y: (hm[3] * x + hm[4] * y + hm[5]) / d,
    }
}

/// Dots between exact projections along a row; between them positions are interpolated.
/// Across 16 dots the perspective's curvature moves a position by far less than 1/256 of a
/// dot, below what the 8-bit weights resolve.
const STEP: usize = 16;
/// The fast path keeps this far from the frame's last row and column, so interpolated and
/// fixed-point positions (off by at most STEP / 65536) still have a 2 × 2 neighbourhood.
const MARGIN: f32 = 0.01;
/// Output tiles: 64 rows of 256 dots read a patch of about 260 × 90 frame dots (a page turned
/// a few degrees), which is read ahead of use (see `read_ahead`) and then stays in cache.
const TILE_ROWS: usize = 64;
const TILE_COLS: usize = 256;

/// Touches one byte per cache line of the frame's rows `y0..=y1`, columns `x0..=x1`.
///
/// Warping walks a turned page's rows across hundreds of frame rows, each on its own memory
/// page, a pattern the hardware prefetchers do not follow: measured, most of the warp's time
/// was waiting for frame memory. These loads are independent of each other, so the processor
/// has many in flight at once, and the tile is then sampled from cache.
fn read_ahead(data: &[u8], width: usize, (x0, y0): (usize, usize), (x1, y1): (usize, usize)) {
    let mut sum = 0u8;
    for y in y0..=y1 {
        let row = &data[y * width..(y + 1) * width];
        for x in (x0..=x1.min(width - 1)).step_by(64) {
            sum = sum.wrapping_add(row[x]);
        }
    }
    std::hint::black_box(sum);
}

/// The page inside `quad`, straightened to `out_w` × `out_h`, sampled bilinearly.
///
/// Each output row is a straight segment in the frame (a projective map keeps lines straight,
/// and a denominator of one sign at both ends never crosses zero), so when both its ends fall
/// inside the frame every dot of it does. Such rows (all of them, for a page that lies inside
/// the picture) are sampled in 16.16 fixed point with 8-bit weights, projecting exactly every
/// 16 dots and stepping in between: no division and no float conversion per dot, positions and
/// blends computed 16 lanes at a time. Rows that leave the frame take the careful path, where
/// outside reads as black.
pub fn warp(src: &Gray, quad: &Quad, out_w: u32, out_h: u32) -> Option<Gray> {
    let hm = homography(out_w as f32, out_h as f32, quad)?;
    let mut out = Gray::new(out_w, out_h, 0);
    if out_w == 0 || out_h == 0 || src.width < 2 || src.height < 2 {
        return Some(out);
    }
    let (ow, sw, sh) = (out_w as usize, src.width as usize, src.height as usize);
    let (maxx, maxy) = (
        (src.width - 1) as f32 - MARGIN,
        (src.height - 1) as f32 - MARGIN,
    );
    let inside = |p: Point| p.x >= MARGIN && p.y >= MARGIN && p.x < maxx && p.y < maxy;
    let fixed = |v: f32| (v * 65536.0) as i32;
    // Where output dot (x, y) comes from in the frame, with the projection's denominator.
    let at = |x: usize, y: usize| {
        let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
        let d = hm[6] * x + hm[7] * y + hm[8];
        let p = Point {
            x: (hm[0] * x + hm[1] * y + hm[2]) / d - 0.5,
            y: (hm[3] * x + hm[4] * y + hm[5]) / d - 0.5,
        };
        (d, p)
    };
    let data = &src.data;
    let mut fast = vec![false; out_h as usize];
    for (y, (f, row)) in fast
        .iter_mut()
        .zip(out.data.chunks_exact_mut(ow))
        .enumerate()
    {
        let ((d0, p0), (d1, p1)) = (at(0, y), at(ow - 1, y));
        // (16.16 fixed point holds positions below 32,768.)
        *f = d0 > 0.0 && d1 > 0.0 && inside(p0) && inside(p1) && sw < 32_768 && sh < 32_768;
        if !*f {
            for (x, px) in row.iter_mut().enumerate() {
                let p = at(x, y).1;
                *px = src.sample(p.x, p.y);
            }
        }
    }
    for band in (0..out_h as usize).step_by(TILE_ROWS) {
        let rows = band..(band + TILE_ROWS).min(out_h as usize);
        if !rows.clone().any(|y| fast[y]) {
            continue;
        }
        for x0 in (0..ow).step_by(TILE_COLS) {
            let x1 = (x0 + TILE_COLS).min(ow);
            // The tile's frame patch: the bounding box of its corners (fast rows lie inside).
            let corners = [
                at(x0, rows.start).1,
                at(x1 - 1, rows.start).1,
                at(x0, rows.end - 1).1,
                at(x1 - 1, rows.end - 1).1,
            ];
            let lo = |f: fn(&Point) -> f32, max: usize| {
                (corners.iter().map(f).fold(f32::INFINITY, f32::min).max(0.0) as usize).min(max - 1)
            };
            let hi = |f: fn(&Point) -> f32, max: usize| {
                let far = corners.iter().map(f).fold(0.0f32, f32::max) + 1.0;
                (far.min((max - 1) as f32) as usize).min(max - 1)
            };
            read_ahead(
                data,
                sw,
                (lo(|p| p.x, sw), lo(|p| p.y, sh)),
                (hi(|p| p.x, sw), hi(|p| p.y, sh)),
            );
            for y in rows.clone().filter(|&y| fast[y]) {
                let row = &mut out.data[y * ow + x0..y * ow + x1];
                for (k, block) in row.chunks_mut(STEP).enumerate() {
                    let x = x0 + k * STEP;
                    let n = block.len();
                    let (p0, p1) = (at(x, y).1, at(x + n - 1, y).1);
                    let steps = (n.max(2) - 1) as f32;
                    let (px, py) = (fixed(p0.x), fixed(p0.y));
                    let (dx, dy) = (fixed((p1.x - p0.x) / steps), fixed((p1.y - p0.y) / steps));
                    let mut a = [0i32; STEP];
                    let mut b = [0i32; STEP];
                    let mut c = [0i32; STEP];
                    let mut d = [0i32; STEP];
                    let mut wx = [0i32; STEP];
                    let mut wy = [0i32; STEP];
                    for j in 0..n {
                        let (qx, qy) = (px + dx * j as i32, py + dy * j as i32);
                        wx[j] = (qx >> 8) & 0xFF;
                        wy[j] = (qy >> 8) & 0xFF;
                        let i = (qy >> 16) as usize * sw + (qx >> 16) as usize;
                        a[j] = i32::from(data[i]);
                        b[j] = i32::from(data[i + 1]);
                        c[j] = i32::from(data[i + sw]);
                        d[j] = i32::from(data[i + sw + 1]);
                    }
                    // Blends as a + (b − a)·w: three multiplications a dot, in lanes.
                    for j in 0..STEP {
                        let top = (a[j] << 8) + (b[j] - a[j]) * wx[j];
                        let bottom = (c[j] << 8) + (d[j] - c[j]) * wx[j];
                        a[j] = ((top << 8) + (bottom - top) * wy[j] + 32768) >> 16;
                    }
                    for (dot, &v) in block.iter_mut().zip(&a) {
                        *dot = v as u8;
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame with texture everywhere (gradients and a fine pattern), so every sample counts.
    fn textured(w: u32, h: u32) -> Gray {
        let mut g = Gray::new(w, h, 0);
        for y in 0..h {
            for x in 0..w {
                let v = (x * 7 + y * 3) % 200 + ((x / 3 + y / 5) % 2) * 40 + (x * y) % 13;
                g.set(x, y, v.min(255) as u8);
            }
        }
        g
    }

    /// The reference: every dot projected exactly and sampled in floating point.
    fn exact(src: &Gray, quad: &Quad, w: u32, h: u32) -> Gray {
        let hm = homography(w as f32, h as f32, quad).unwrap();
        let mut out = Gray::new(w, h, 0);
        for y in 0..h {
            for x in 0..w {
                let p = apply(&hm, x as f32 + 0.5, y as f32 + 0.5);
                out.set(x, y, src.sample(p.x - 0.5, p.y - 0.5));
            }
        }
        out
    }

    fn quad(pts: [(f32, f32); 4]) -> Quad {
        Quad(pts.map(|(x, y)| Point { x, y }))
    }

    #[test]
    fn the_fast_path_samples_as_the_exact_one_does() {
        let src = textured(900, 700);
        for (q, w, h) in [
            // Turned and in perspective, inside the frame.
            (
                quad([(120.0, 60.0), (760.0, 110.0), (700.0, 650.0), (90.0, 600.0)]),
                541,
                449,
            ),
            // Upright, exactly on whole dots.
            (
                quad([(10.0, 10.0), (410.0, 10.0), (410.0, 310.0), (10.0, 310.0)]),
                400,
                300,
            ),
            // Running off the frame: those rows take the careful path, outside is black.
            (
                quad([(-40.0, 30.0), (880.0, -20.0), (950.0, 720.0), (20.0, 690.0)]),
                333,
                257,
            ),
        ] {
            let fast = warp(&src, &q, w, h).unwrap();
            let reference = exact(&src, &q, w, h);
            let worst = fast
                .data
                .iter()
                .zip(&reference.data)
                .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
                .max()
                .unwrap();
            // 8-bit weights and 16-dot steps against floating point: two grey levels at most.
            assert!(worst <= 2, "{w}×{h}: off by {worst}");
            let mean_diff = fast
                .data
                .iter()
                .zip(&reference.data)
                .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs() as f64)
                .sum::<f64>()
                / fast.data.len() as f64;
            assert!(mean_diff < 0.6, "{w}×{h}: mean difference {mean_diff}");
        }
    }

    #[test]
    fn degenerate_inputs_give_a_page_or_none_never_a_panic() {
        let src = textured(50, 40);
        let q = quad([(0.0, 0.0), (49.0, 0.0), (49.0, 39.0), (0.0, 39.0)]);
        assert!(warp(&src, &q, 1, 1).is_some());
        let _ = warp(&src, &q, 0, 5);
        assert!(warp(&Gray::new(1, 1, 9), &q, 8, 8).is_some());
        // All corners in one point: no homography.
        let p = quad([(5.0, 5.0); 4]);
        assert!(warp(&src, &p, 10, 10).is_none());
    }
}
