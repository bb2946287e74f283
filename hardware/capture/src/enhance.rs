//! Making text legible and small: adaptive thresholding to black and white, so shadows and
//! uneven light across the page do not turn into grey patches.

use crate::gray::Gray;

/// A 1-bit page, rows packed 8 dots a byte, MSB first; 1 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bilevel {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl Bilevel {
    pub fn row_bytes(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    pub fn is_black(&self, x: u32, y: u32) -> bool {
        let i = y as usize * self.row_bytes() + (x / 8) as usize;
        self.bits[i] & (0x80 >> (x % 8)) != 0
    }
}

/// Bradley–Roth thresholding: a dot is black when darker than the mean of its neighbourhood
/// by more than `percent`. Integral image, so the cost does not grow with the window.
pub fn bilevel(page: &Gray, percent: u32) -> Bilevel {
    let (w, h) = (page.width as usize, page.height as usize);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(page.data[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let half = (w.max(h) / 32).max(4);
    let row_bytes = w.div_ceil(8);
    let mut bits = vec![0u8; row_bytes * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(half), (y + half + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(half), (x + half + 1).min(w));
            let count = ((x1 - x0) * (y1 - y0)) as u64;
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let v = u64::from(page.data[y * w + x]);
            if v * count * 100 < sum * u64::from(100 - percent.min(99)) {
                bits[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    Bilevel {
        width: page.width,
        height: page.height,
        bits,
    }
}
