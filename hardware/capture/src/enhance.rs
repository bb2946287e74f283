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
/// by more than `percent`. The window's sums come from column sums kept for the rows in the
/// window plus one prefix sum per row, so memory is a few rows' worth (an integral image of an
/// A4 page at 200 dpi would be 31 MB, on a kiosk that has little) and the cost does not grow
/// with the window.
pub fn bilevel(page: &Gray, percent: u32) -> Bilevel {
    let (w, h) = (page.width as usize, page.height as usize);
    let half = (w.max(h) / 32).max(4);
    let row_bytes = w.div_ceil(8);
    let mut bits = vec![0u8; row_bytes * h];
    // Column sums over rows [top, bottom): at most 255 × height, well inside u32.
    let mut col = vec![0u32; w];
    let mut prefix = vec![0u64; w + 1];
    let (mut top, mut bottom) = (0usize, 0usize);
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(half), (y + half + 1).min(h));
        while bottom < y1 {
            for (c, v) in col.iter_mut().zip(&page.data[bottom * w..(bottom + 1) * w]) {
                *c += u32::from(*v);
            }
            bottom += 1;
        }
        while top < y0 {
            for (c, v) in col.iter_mut().zip(&page.data[top * w..(top + 1) * w]) {
                *c -= u32::from(*v);
            }
            top += 1;
        }
        for x in 0..w {
            prefix[x + 1] = prefix[x] + u64::from(col[x]);
        }
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(half), (x + half + 1).min(w));
            let count = ((x1 - x0) * (y1 - y0)) as u64;
            let sum = prefix[x1] - prefix[x0];
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
