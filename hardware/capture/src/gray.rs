//! An 8-bit greyscale image: all the processing works on luminance.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Gray {
    pub fn new(width: u32, height: u32, fill: u8) -> Self {
        Gray {
            width,
            height,
            data: vec![fill; (width as usize) * (height as usize)],
        }
    }

    /// Luminance (BT.601) of packed RGB bytes.
    pub fn from_rgb(width: u32, height: u32, rgb: &[u8]) -> Self {
        let data = rgb
            .chunks_exact(3)
            .map(|p| {
                ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8) as u8
            })
            .collect();
        Gray {
            width,
            height,
            data,
        }
    }

    #[inline]
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.data[(y * self.width + x) as usize]
    }

    #[inline]
    pub fn set(&mut self, x: u32, y: u32, v: u8) {
        let i = (y * self.width + x) as usize;
        self.data[i] = v;
    }

    /// Bilinear sample at a real position; outside the image reads as black.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> u8 {
        if x < 0.0 || y < 0.0 || x > (self.width - 1) as f32 || y > (self.height - 1) as f32 {
            return 0;
        }
        let (x0, y0) = (x as u32, y as u32);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let w = self.width as usize;
        let p = |xx: u32, yy: u32| f32::from(self.data[yy as usize * w + xx as usize]);
        let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
        let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
        (top * (1.0 - fy) + bottom * fy + 0.5) as u8
    }

    /// Shrinks by an integer factor, averaging each block.
    pub fn downscale(&self, factor: u32) -> Gray {
        let f = factor.max(1);
        let (w, h) = ((self.width / f).max(1), (self.height / f).max(1));
        let mut out = Gray::new(w, h, 0);
        let n = f * f;
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0u32;
                for dy in 0..f {
                    let row = ((y * f + dy).min(self.height - 1) * self.width) as usize;
                    for dx in 0..f {
                        sum +=
                            u32::from(self.data[row + (x * f + dx).min(self.width - 1) as usize]);
                    }
                }
                out.set(x, y, (sum / n) as u8);
            }
        }
        out
    }

    pub fn mean(&self) -> f32 {
        if self.data.is_empty() {
            return 0.0;
        }
        self.data.iter().map(|&v| u64::from(v)).sum::<u64>() as f32 / self.data.len() as f32
    }
}
