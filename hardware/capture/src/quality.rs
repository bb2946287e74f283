//! Is the page good enough to send? Each fault has a reason a citizen understands and a
//! remedy, so the kiosk can ask for a retake.

use serde::Serialize;

use crate::detect::Detection;
use crate::gray::Gray;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    Ok,
    NoDocument,
    CutOff,
    TooDark,
    Glare,
    Blurred,
}

impl Quality {
    /// What to tell the citizen: (zh-CN, English).
    pub fn advice(self) -> (&'static str, &'static str) {
        match self {
            Quality::Ok => ("清晰，可以使用", "Clear: ready to use"),
            Quality::NoDocument => (
                "没有找到材料，请把材料平放在拍摄区内",
                "No document found: lay the page flat in the camera area",
            ),
            Quality::CutOff => (
                "材料超出拍摄范围，请把整页放进拍摄区内",
                "The page runs off the picture: put the whole page in the camera area",
            ),
            Quality::TooDark => (
                "太暗了，请打开补光灯或换个位置",
                "Too dark: switch on the light or move the page",
            ),
            Quality::Glare => (
                "有反光，请调整材料角度或去掉塑料封套",
                "Glare: tilt the page or take it out of its plastic sleeve",
            ),
            Quality::Blurred => (
                "照片模糊，请把材料放平、保持不动",
                "Blurred: lay the page flat and keep still",
            ),
        }
    }
}

/// Thresholds, tuned on the test fixtures; a cabinet's lighting may want its own.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub min_mean: f32,
    pub max_glare_fraction: f32,
    pub min_sharpness: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_mean: 110.0,
            max_glare_fraction: 0.02,
            min_sharpness: 60.0,
        }
    }
}

/// Variance of the Laplacian: high for crisp edges, low for blur. Measured on the page
/// reduced to a fixed width so the figure does not depend on the camera's resolution.
pub fn sharpness(page: &Gray) -> f32 {
    let factor = (page.width / 800).max(1);
    let img = page.downscale(factor);
    let (w, h) = (img.width as usize, img.height as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    // Integer Laplacian (|l| ≤ 1020), summed per row in i64: exact, and cheap enough to run
    // on every take.
    let (mut sum, mut sq) = (0i64, 0i64);
    let d = &img.data;
    for y in 1..h - 1 {
        let (up, mid, down) = (
            &d[(y - 1) * w..y * w],
            &d[y * w..(y + 1) * w],
            &d[(y + 1) * w..(y + 2) * w],
        );
        let (mut rs, mut rq) = (0i32, 0i64);
        for x in 1..w - 1 {
            let l = i32::from(mid[x - 1])
                + i32::from(mid[x + 1])
                + i32::from(up[x])
                + i32::from(down[x])
                - 4 * i32::from(mid[x]);
            rs += l;
            rq += i64::from(l * l);
        }
        sum += i64::from(rs);
        sq += rq;
    }
    let n = ((w - 2) * (h - 2)) as f64;
    let mean = sum as f64 / n;
    (sq as f64 / n - mean * mean) as f32
}

/// The page's mean grey and the share of its dots at 252 or above (glare), in one pass: sums
/// per row in u32 (a row of 255s stays far below 2³²), which vectorises.
pub fn brightness(page: &Gray) -> (f32, f32) {
    let n = page.data.len().max(1) as f64;
    let (mut sum, mut bright) = (0u64, 0u64);
    for row in page.data.chunks(page.width.max(1) as usize) {
        sum += u64::from(row.iter().map(|&v| u32::from(v)).sum::<u32>());
        bright += u64::from(row.iter().map(|&v| u32::from(v >= 252)).sum::<u32>());
    }
    ((sum as f64 / n) as f32, (bright as f64 / n) as f32)
}

pub fn judge(detection: Option<&Detection>, page: Option<&Gray>, t: &Thresholds) -> Quality {
    let (Some(d), Some(page)) = (detection, page) else {
        return Quality::NoDocument;
    };
    if d.area_fraction < 0.1 {
        return Quality::NoDocument;
    }
    if d.touches_border {
        return Quality::CutOff;
    }
    let (mean, glare) = brightness(page);
    if mean < t.min_mean {
        return Quality::TooDark;
    }
    if glare > t.max_glare_fraction {
        return Quality::Glare;
    }
    if sharpness(page) < t.min_sharpness {
        return Quality::Blurred;
    }
    Quality::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brightness_is_the_mean_and_the_glare_share() {
        let mut g = Gray::new(37, 11, 100);
        for (i, v) in g.data.iter_mut().enumerate() {
            *v = (i * 7 % 256) as u8;
        }
        let (mean, glare) = brightness(&g);
        assert!((mean - g.mean()).abs() < 1e-3);
        let want = g.data.iter().filter(|&&v| v >= 252).count() as f32 / g.data.len() as f32;
        assert!((glare - want).abs() < 1e-6);
        assert_eq!(brightness(&Gray::new(0, 0, 0)), (0.0, 0.0));
    }
}
