//! Finding the document on the camera's dark background: threshold a reduced image (Otsu),
//! take the largest bright region, estimate its corners from extreme points, then refine each
//! side by fitting a straight line to its edge and intersecting neighbouring sides.

use serde::Serialize;

use crate::gray::Gray;

/// Detection works on an image about this wide: plenty for the outline, cheap for 12 MP.
const WORK_SIZE: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// Corners in frame pixels: top-left, top-right, bottom-right, bottom-left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// The angle of the top edge, in degrees (positive: turned clockwise).
    pub fn rotation_degrees(&self) -> f32 {
        let [tl, tr, ..] = self.0;
        (tr.y - tl.y).atan2(tr.x - tl.x).to_degrees()
    }

    fn dist(a: Point, b: Point) -> f32 {
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }

    /// Average width and height of the quadrilateral.
    pub fn size(&self) -> (f32, f32) {
        let [tl, tr, br, bl] = self.0;
        (
            (Self::dist(tl, tr) + Self::dist(bl, br)) / 2.0,
            (Self::dist(tl, bl) + Self::dist(tr, br)) / 2.0,
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub quad: Quad,
    /// Share of the frame the page covers.
    pub area_fraction: f32,
    /// The page runs off the frame.
    pub touches_border: bool,
}

/// Otsu's threshold of a greyscale histogram.
pub fn otsu(img: &Gray) -> u8 {
    let mut hist = [0u64; 256];
    for &v in &img.data {
        hist[v as usize] += 1;
    }
    let total = img.data.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 128u8);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        if w0 == 0.0 {
            continue;
        }
        let w1 = total - w0;
        if w1 == 0.0 {
            break;
        }
        sum0 += t as f64 * c as f64;
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1).powi(2);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// The largest 4-connected region of `mask`, as a mask, with its size. Filled a run at a
/// time (a row's stretch of set pixels, then the runs touching it above and below), so each
/// pixel costs a comparison rather than a push and a pop.
fn largest_region(mask: &[bool], w: usize, h: usize) -> (Vec<bool>, usize) {
    let mut label = vec![0u32; mask.len()];
    let (mut best, mut best_size, mut next) = (0u32, 0usize, 1u32);
    let mut seeds: Vec<(usize, usize)> = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || label[start] != 0 {
            continue;
        }
        let mut size = 0;
        seeds.push((start % w, start / w));
        while let Some((x, y)) = seeds.pop() {
            let row = y * w;
            if label[row + x] != 0 {
                continue;
            }
            // The run through (x, y).
            let mut x0 = x;
            while x0 > 0 && mask[row + x0 - 1] && label[row + x0 - 1] == 0 {
                x0 -= 1;
            }
            let mut x1 = x + 1;
            while x1 < w && mask[row + x1] && label[row + x1] == 0 {
                x1 += 1;
            }
            label[row + x0..row + x1].fill(next);
            size += x1 - x0;
            // One seed per run of unlabelled set pixels touching it above and below.
            for ny in [y.wrapping_sub(1), y + 1] {
                if ny >= h {
                    continue;
                }
                let nrow = ny * w;
                let mut open = false;
                for nx in x0..x1 {
                    let free = mask[nrow + nx] && label[nrow + nx] == 0;
                    if free && !open {
                        seeds.push((nx, ny));
                    }
                    open = free;
                }
            }
        }
        if size > best_size {
            best_size = size;
            best = next;
        }
        next += 1;
    }
    (
        label.iter().map(|&l| l == best && best != 0).collect(),
        best_size,
    )
}

/// A line through points, fitted by total least squares: (point on line, unit direction).
fn fit_line(points: &[Point]) -> Option<(Point, Point)> {
    if points.len() < 5 {
        return None;
    }
    let n = points.len() as f32;
    let mx = points.iter().map(|p| p.x).sum::<f32>() / n;
    let my = points.iter().map(|p| p.y).sum::<f32>() / n;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for p in points {
        let (dx, dy) = (p.x - mx, p.y - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    Some((
        Point { x: mx, y: my },
        Point {
            x: angle.cos(),
            y: angle.sin(),
        },
    ))
}

fn intersect(a: (Point, Point), b: (Point, Point)) -> Option<Point> {
    let (p, r) = a;
    let (q, s) = b;
    let cross = r.x * s.y - r.y * s.x;
    if cross.abs() < 1e-6 {
        return None;
    }
    let t = ((q.x - p.x) * s.y - (q.y - p.y) * s.x) / cross;
    Some(Point {
        x: p.x + t * r.x,
        y: p.y + t * r.y,
    })
}

/// Finds the page. None when nothing page-like stands out from the background.
pub fn detect(frame: &Gray) -> Option<Detection> {
    let factor = frame.width.max(frame.height).div_ceil(WORK_SIZE).max(1);
    let small = frame.downscale(factor);
    let (w, h) = (small.width as usize, small.height as usize);
    let t = otsu(&small);
    let mask: Vec<bool> = small.data.iter().map(|&v| v > t).collect();
    let (region, size) = largest_region(&mask, w, h);
    let area_fraction = size as f32 / (w * h) as f32;
    if area_fraction < 0.05 {
        return None;
    }
    // Edge pixels of the region, and whether it reaches the frame's border.
    let mut edge = Vec::new();
    let mut border = 0usize;
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if !region[i] {
                continue;
            }
            let at_border = x == 0 || y == 0 || x + 1 == w || y + 1 == h;
            if at_border {
                border += 1;
            }
            let outside =
                at_border || !region[i - 1] || !region[i + 1] || !region[i - w] || !region[i + w];
            if outside {
                edge.push(Point {
                    x: x as f32,
                    y: y as f32,
                });
            }
        }
    }
    let touches_border = border > (w + h) / 50;
    let pick = |key: &dyn Fn(&Point) -> f32| {
        edge.iter()
            .copied()
            .max_by(|a, b| key(a).total_cmp(&key(b)))
    };
    let tl = pick(&|p| -(p.x + p.y))?;
    let tr = pick(&|p| p.x - p.y)?;
    let br = pick(&|p| p.x + p.y)?;
    let bl = pick(&|p| p.y - p.x)?;
    let rough = [tl, tr, br, bl];
    // Refine: fit each side to the edge pixels near it, away from the rounded-off corners.
    let mut lines = Vec::with_capacity(4);
    for k in 0..4 {
        let (a, b) = (rough[k], rough[(k + 1) % 4]);
        let len = Quad::dist(a, b).max(1.0);
        let (ux, uy) = ((b.x - a.x) / len, (b.y - a.y) / len);
        let near: Vec<Point> = edge
            .iter()
            .copied()
            .filter(|p| {
                let (dx, dy) = (p.x - a.x, p.y - a.y);
                let along = dx * ux + dy * uy;
                let across = (dx * uy - dy * ux).abs();
                along > 0.1 * len && along < 0.9 * len && across < 0.04 * len + 2.0
            })
            .collect();
        lines.push(fit_line(&near));
    }
    let mut corners = rough;
    for k in 0..4 {
        // Accept the refinement only when it stays near the rough corner.
        if let (Some(prev), Some(cur)) = (lines[(k + 3) % 4], lines[k])
            && let Some(p) = intersect(prev, cur)
            && Quad::dist(p, rough[k]) < 0.1 * (w.max(h) as f32)
        {
            corners[k] = p;
        }
    }
    // Back to frame pixels: a reduced pixel covers `factor` frame pixels; its centre is at
    // (x + 0.5) * factor - 0.5. Edge pixels sit half a pixel inside the true edge.
    let f = factor as f32;
    let quad = Quad(corners.map(|p| Point {
        x: (p.x + 0.5) * f - 0.5,
        y: (p.y + 0.5) * f - 0.5,
    }));
    Some(Detection {
        quad,
        area_fraction,
        touches_border,
    })
}
