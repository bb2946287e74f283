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

/// The page inside `quad`, straightened to `out_w` × `out_h`.
pub fn warp(src: &Gray, quad: &Quad, out_w: u32, out_h: u32) -> Option<Gray> {
    let hm = homography(out_w as f32, out_h as f32, quad)?;
    let mut out = Gray::new(out_w, out_h, 0);
    for y in 0..out_h {
        let fy = y as f32 + 0.5;
        for x in 0..out_w {
            let p = apply(&hm, x as f32 + 0.5, fy);
            out.data[(y * out_w + x) as usize] = src.sample(p.x - 0.5, p.y - 0.5);
        }
    }
    Some(out)
}
