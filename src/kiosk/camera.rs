//! The simulated document camera: photographs of sample pages (a white sheet with lines of
//! "text", turned a little, on a dark desk), so the real capture pipeline has something to
//! straighten and judge. F5 puts the next page under it.

use onevisit_capture::Gray;

/// Frame size of the simulated camera (a small document camera's preview).
pub const W: u32 = 1280;
pub const H: u32 = 960;

/// A photographed page; `n` varies the angle and the text. Every fourth page is blurred
/// badly enough to be refused, so retaking is part of the simulation too.
pub fn photo(n: u32) -> Gray {
    let angle = ((n % 5) as f32 - 2.0) * 2.5f32.to_radians();
    let (cx, cy) = (W as f32 / 2.0, H as f32 / 2.0);
    let (pw, ph) = (560.0f32, 792.0f32);
    let (s, c) = angle.sin_cos();
    let mut px = vec![38u8; (W * H) as usize];
    for y in 0..H {
        for x in 0..W {
            // Page coordinates of this pixel.
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let u = dx * c + dy * s + pw / 2.0;
            let v = -dx * s + dy * c + ph / 2.0;
            if u < 0.0 || v < 0.0 || u >= pw || v >= ph {
                continue;
            }
            let line = ((v - 60.0) / 28.0).max(0.0) as u32;
            let in_line = v > 60.0 && v < ph - 60.0 && ((v - 60.0) % 28.0) < 9.0;
            let len =
                pw - 120.0 - (line.wrapping_mul(37).wrapping_add(n.wrapping_mul(11)) % 160) as f32;
            let ink =
                in_line && u > 60.0 && u < 60.0 + len && !(u as u32 / 9 + line).is_multiple_of(7);
            px[(y * W + x) as usize] = if ink { 30 } else { 236 };
        }
    }
    let g = Gray {
        width: W,
        height: H,
        data: px,
    };
    if n % 4 == 3 { blur(&g, 6) } else { g }
}

fn blur(g: &Gray, r: u32) -> Gray {
    let mut out = g.clone();
    for _ in 0..2 {
        let src = out.clone();
        for y in 0..g.height {
            for x in 0..g.width {
                let (mut sum, mut n) = (0u32, 0u32);
                let x0 = x.saturating_sub(r);
                let x1 = (x + r).min(g.width - 1);
                for xx in x0..=x1 {
                    sum += u32::from(src.data[(y * g.width + xx) as usize]);
                    n += 1;
                }
                out.data[(y * g.width + x) as usize] = (sum / n) as u8;
            }
        }
    }
    out
}

/// The frame as a Slint image for the live preview, at half size (2 × 2 pixels averaged):
/// the preview box is narrower than the frame anyway, and a full-size RGB copy of every frame
/// (3.6 MB at 1280 × 960) was the largest thing in the kiosk's memory while scanning.
pub fn to_image(g: &Gray) -> slint::Image {
    let (w, h) = ((g.width / 2).max(1), (g.height / 2).max(1));
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(w, h);
    let at = |x: u32, y: u32| {
        let (x, y) = (x.min(g.width - 1), y.min(g.height - 1));
        u32::from(g.data.get((y * g.width + x) as usize).copied().unwrap_or(0))
    };
    for (i, d) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (2 * (i as u32 % w), 2 * (i as u32 / w));
        let v = ((at(x, y) + at(x + 1, y) + at(x, y + 1) + at(x + 1, y + 1)) / 4) as u8;
        *d = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    slint::Image::from_rgb8(buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn preview_is_half_size_and_averaged() {
        let g = onevisit_capture::Gray {
            width: 4,
            height: 2,
            data: vec![0, 100, 200, 200, 100, 200, 200, 200],
        };
        let img = super::to_image(&g);
        assert_eq!((img.size().width, img.size().height), (2, 1));
        let px = img.to_rgb8().expect("rgb8 image");
        assert_eq!(px.as_slice()[0].r, 100);
        assert_eq!(px.as_slice()[1].r, 200);
        // A 1 × 1 frame (a broken camera) still gives a preview, not a panic.
        let one = onevisit_capture::Gray {
            width: 1,
            height: 1,
            data: vec![7],
        };
        assert_eq!(super::to_image(&one).size().width, 1);
    }
}
