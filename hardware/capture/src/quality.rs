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
    let mut sum = 0f64;
    let mut sq = 0f64;
    let mut n = 0f64;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let c = |xx: usize, yy: usize| f64::from(img.data[yy * w + xx]);
            let l = c(x - 1, y) + c(x + 1, y) + c(x, y - 1) + c(x, y + 1) - 4.0 * c(x, y);
            sum += l;
            sq += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sq / n - mean * mean) as f32
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
    if page.mean() < t.min_mean {
        return Quality::TooDark;
    }
    let glare =
        page.data.iter().filter(|&&v| v >= 252).count() as f32 / page.data.len().max(1) as f32;
    if glare > t.max_glare_fraction {
        return Quality::Glare;
    }
    if sharpness(page) < t.min_sharpness {
        return Quality::Blurred;
    }
    Quality::Ok
}
