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
    // u32 sums hold while a window's dots × 255 × 100 and a row of column sums (255 × w × h)
    // stay below 2³² (pages up to about 6,500 dots on their long side, A3 at 400 dpi), and let
    // the compiler vectorise the compare; a longer strip takes u64.
    let window = (2 * half as u64 + 1).pow(2);
    if window * 255 * 100 >= 1 << 32 || 255 * w as u64 * h as u64 >= 1 << 32 {
        bilevel_in::<u64>(page, percent)
    } else {
        bilevel_in::<u32>(page, percent)
    }
}

/// The integers the window sums are kept in.
trait Sum:
    Copy
    + Default
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::AddAssign
    + std::ops::SubAssign
    + From<u8>
{
    fn of(n: usize) -> Self;
}

impl Sum for u32 {
    fn of(n: usize) -> Self {
        n as u32
    }
}

impl Sum for u64 {
    fn of(n: usize) -> Self {
        n as u64
    }
}

fn bilevel_in<T: Sum>(page: &Gray, percent: u32) -> Bilevel {
    let (w, h) = (page.width as usize, page.height as usize);
    let half = (w.max(h) / 32).max(4);
    let row_bytes = w.div_ceil(8);
    let mut bits = vec![0u8; row_bytes * h];
    let keep = T::of(100 - percent.min(99) as usize);
    let hundred = T::of(100);
    // Column sums over rows [top, bottom).
    let mut col = vec![T::default(); w];
    let mut prefix = vec![T::default(); w + 1];
    // The window's width per column (narrower at the page's sides).
    let spans: Vec<T> = (0..w)
        .map(|x| T::of((x + half + 1).min(w) - x.saturating_sub(half)))
        .collect();
    // 0 or 1 per dot, padded to whole bytes of eight.
    let mut dark = vec![0u8; row_bytes * 8];
    let (mut top, mut bottom) = (0usize, 0usize);
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(half), (y + half + 1).min(h));
        while bottom < y1 {
            for (c, v) in col.iter_mut().zip(&page.data[bottom * w..(bottom + 1) * w]) {
                *c += T::from(*v);
            }
            bottom += 1;
        }
        while top < y0 {
            for (c, v) in col.iter_mut().zip(&page.data[top * w..(top + 1) * w]) {
                *c -= T::from(*v);
            }
            top += 1;
        }
        let mut run = T::default();
        for (p, &c) in prefix[1..].iter_mut().zip(&col) {
            run += c;
            *p = run;
        }
        let rows = T::of(y1 - y0);
        let row = &page.data[y * w..(y + 1) * w];
        // Interior columns see the whole window: the same count and two prefix sums a fixed
        // distance apart, which vectorises; the few columns near the sides count their own.
        let (lo, hi) = (half.min(w), w.saturating_sub(half + 1).max(half.min(w)));
        let full = T::of(2 * half + 1) * rows * hundred;
        for (x, d) in dark.iter_mut().enumerate().take(lo) {
            let sum = prefix[(x + half + 1).min(w)] - prefix[x.saturating_sub(half)];
            *d = u8::from(T::from(row[x]) * spans[x] * rows * hundred < sum * keep);
        }
        if lo < hi {
            for (((d, &v), &right), &left) in dark[lo..hi]
                .iter_mut()
                .zip(&row[lo..hi])
                .zip(&prefix[lo + half + 1..hi + half + 1])
                .zip(&prefix[lo - half..hi - half])
            {
                *d = u8::from(T::from(v) * full < (right - left) * keep);
            }
        }
        for (x, d) in dark.iter_mut().enumerate().take(w).skip(hi) {
            let sum = prefix[(x + half + 1).min(w)] - prefix[x.saturating_sub(half)];
            *d = u8::from(T::from(row[x]) * spans[x] * rows * hundred < sum * keep);
        }
        // Eight 0/1 bytes to one byte, first dot in the top bit: one multiplication moves
        // byte i's bit to bit 63 − i, each to its own position (no carries), and the top byte
        // is the packed eight.
        let out = &mut bits[y * row_bytes..(y + 1) * row_bytes];
        for (byte, eight) in out.iter_mut().zip(dark.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(eight);
            *byte = (u64::from_le_bytes(le).wrapping_mul(0x8040_2010_0804_0201) >> 56) as u8;
        }
    }
    Bilevel {
        width: page.width,
        height: page.height,
        bits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, dot by dot: dark when darker than the window's mean by `percent`.
    fn reference(page: &Gray, percent: u32) -> Vec<bool> {
        let (w, h) = (page.width as usize, page.height as usize);
        let half = (w.max(h) / 32).max(4);
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let (x0, x1) = (x.saturating_sub(half), (x + half + 1).min(w));
                let (y0, y1) = (y.saturating_sub(half), (y + half + 1).min(h));
                let mut sum = 0u64;
                for yy in y0..y1 {
                    for xx in x0..x1 {
                        sum += u64::from(page.data[yy * w + xx]);
                    }
                }
                let count = ((x1 - x0) * (y1 - y0)) as u64;
                let v = u64::from(page.data[y * w + x]);
                out.push(v * count * 100 < sum * u64::from(100 - percent.min(99)));
            }
        }
        out
    }

    #[test]
    fn a_long_white_strip_stays_white() {
        // 1,654 × 6,614 dots: the window's sum × 100 passes 2³², so the u64 rule is used.
        let page = Gray::new(1654, 6614, 255);
        let b = bilevel(&page, 12);
        assert!(b.bits.iter().all(|&x| x == 0));
        let mut page = Gray::new(300, 200, 200);
        page.data[100 * 300 + 150] = 10;
        assert_eq!(bilevel_in::<u64>(&page, 12), bilevel_in::<u32>(&page, 12));
    }

    proptest::proptest! {
        #[test]
        fn bilevel_is_the_windowed_mean_rule(
            w in 1u32..150, h in 1u32..90, seed in 0u32..1000, percent in 0u32..40,
        ) {
            let mut page = Gray::new(w, h, 0);
            for (i, v) in page.data.iter_mut().enumerate() {
                let i = i as u32;
                *v = ((i.wrapping_mul(2654435761).wrapping_add(seed) >> 13) % 256) as u8;
            }
            let b = bilevel(&page, percent);
            let want = reference(&page, percent);
            for y in 0..h {
                for x in 0..w {
                    proptest::prop_assert_eq!(
                        b.is_black(x, y),
                        want[(y * w + x) as usize],
                        "dot ({}, {})", x, y
                    );
                }
            }
        }
    }
}
