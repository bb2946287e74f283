//! Auto-capture, as commercial document cameras do it: the page is taken by itself once a
//! page lies under the camera and has been still for a moment; then nothing more is taken
//! until the scene changes (the page is turned or another is laid down). A tap on "capture"
//! stays as the fallback. Pure: frames and `now` in, "take it now" out.

use crate::Gray;

/// Milliseconds, from the caller's clock.
pub type Millis = i64;

#[derive(Debug, Clone, Copy)]
pub struct AutoConfig {
    /// How long the scene must stay unchanged.
    pub still_ms: Millis,
    /// Mean absolute difference (0–255) between two thumbnails above which the scene moved.
    pub motion: f32,
    /// …or the largest change of one block: another page with other lines of text, laid
    /// down in the same place, changes few blocks but those strongly.
    pub block_motion: u8,
    /// Standard deviation of the thumbnail below which nothing lies under the camera (an
    /// empty platen is one even tone).
    pub min_contrast: f32,
}

impl Default for AutoConfig {
    fn default() -> AutoConfig {
        AutoConfig {
            still_ms: 1_000,
            motion: 6.0,
            block_motion: 24,
            min_contrast: 12.0,
        }
    }
}

const THUMB_W: u32 = 40;
const THUMB_H: u32 = 30;

/// The frame as block means: enough to see movement and a page, cheap on a 12 MP frame.
fn thumbnail(g: &Gray) -> Vec<u8> {
    let mut out = Vec::with_capacity((THUMB_W * THUMB_H) as usize);
    if g.width == 0 || g.height == 0 || g.data.len() < (g.width * g.height) as usize {
        return vec![0; (THUMB_W * THUMB_H) as usize];
    }
    // Every block sampled on a sparse grid (at most 8 × 8 points), not summed whole.
    for by in 0..THUMB_H {
        for bx in 0..THUMB_W {
            let (x0, x1) = (
                bx * g.width / THUMB_W,
                ((bx + 1) * g.width / THUMB_W).max(1),
            );
            let (y0, y1) = (
                by * g.height / THUMB_H,
                ((by + 1) * g.height / THUMB_H).max(1),
            );
            let (sx, sy) = (((x1 - x0) / 8).max(1), ((y1 - y0) / 8).max(1));
            let (mut sum, mut n) = (0u32, 0u32);
            let mut y = y0;
            while y < y1.min(g.height) {
                let mut x = x0;
                while x < x1.min(g.width) {
                    sum += u32::from(g.data[(y * g.width + x) as usize]);
                    n += 1;
                    x += sx;
                }
                y += sy;
            }
            out.push(sum.checked_div(n).unwrap_or(0) as u8);
        }
    }
    out
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f32 {
    let total: u32 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum();
    total as f32 / a.len().max(1) as f32
}

fn contrast(t: &[u8]) -> f32 {
    let n = t.len().max(1) as f32;
    let mean = t.iter().map(|&v| f32::from(v)).sum::<f32>() / n;
    (t.iter()
        .map(|&v| (f32::from(v) - mean).powi(2))
        .sum::<f32>()
        / n)
        .sqrt()
}

#[derive(Debug, Clone)]
pub struct AutoCapture {
    cfg: AutoConfig,
    thumb: Option<Vec<u8>>,
    /// When the scene last moved.
    changed_at: Millis,
    present: bool,
    /// A capture may be taken: cleared by one, set again when the scene moves.
    armed: bool,
}

impl AutoCapture {
    pub fn new(cfg: AutoConfig) -> AutoCapture {
        AutoCapture {
            cfg,
            thumb: None,
            changed_at: 0,
            present: false,
            armed: true,
        }
    }

    /// A new camera frame.
    pub fn handle_frame(&mut self, now: Millis, frame: &Gray) {
        let t = thumbnail(frame);
        let moved = self.thumb.as_ref().is_none_or(|old| {
            mean_abs_diff(old, &t) > self.cfg.motion
                || old
                    .iter()
                    .zip(&t)
                    .any(|(a, b)| a.abs_diff(*b) > self.cfg.block_motion)
        });
        if moved {
            self.changed_at = now;
            self.armed = true;
        }
        self.present = contrast(&t) >= self.cfg.min_contrast;
        self.thumb = Some(t);
    }

    /// Whether to take the picture now: a page lies still and has not been taken. True once
    /// per scene.
    pub fn poll_capture(&mut self, now: Millis) -> bool {
        let due = self.armed
            && self.present
            && self.thumb.is_some()
            && now - self.changed_at >= self.cfg.still_ms;
        if due {
            self.armed = false;
        }
        due
    }

    /// A page was taken by hand: this scene is done too.
    pub fn taken(&mut self) {
        self.armed = false;
    }

    /// When [`AutoCapture::poll_capture`] could next say yes, if it could.
    pub fn next_deadline(&self) -> Option<Millis> {
        (self.armed && self.present).then_some(self.changed_at + self.cfg.still_ms)
    }
}

impl Default for AutoCapture {
    fn default() -> AutoCapture {
        AutoCapture::new(AutoConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white page on a dark desk, shifted by `dx`.
    fn page(dx: u32) -> Gray {
        let (w, h) = (400, 300);
        let mut g = Gray::new(w, h, 40);
        for y in 50..250 {
            for x in (80 + dx)..(320 + dx).min(w) {
                g.data[(y * w + x) as usize] = 230;
            }
        }
        g
    }

    #[test]
    fn a_still_page_is_taken_once_and_again_after_it_moves() {
        let mut a = AutoCapture::default();
        a.handle_frame(0, &page(0));
        assert!(!a.poll_capture(500), "not still long enough");
        a.handle_frame(600, &page(0));
        assert!(a.poll_capture(1_000));
        assert!(!a.poll_capture(5_000), "once per scene");
        a.handle_frame(5_000, &page(0));
        assert!(!a.poll_capture(7_000), "the same page is not taken twice");
        // Turned: the scene moves, then settles.
        a.handle_frame(7_000, &page(60));
        assert!(!a.poll_capture(7_500));
        assert_eq!(a.next_deadline(), Some(8_000));
        assert!(a.poll_capture(8_000));
    }

    #[test]
    fn an_empty_platen_or_a_moving_page_is_not_taken() {
        let mut a = AutoCapture::default();
        a.handle_frame(0, &Gray::new(400, 300, 40));
        assert!(!a.poll_capture(10_000), "nothing under the camera");
        for (i, t) in (0..10).map(|i| (i, i64::from(i) * 300)) {
            a.handle_frame(t, &page(i * 20 % 60));
            assert!(!a.poll_capture(t + 299), "still moving at {t}");
        }
        // A page taken by hand is not taken again by itself.
        let mut a = AutoCapture::default();
        a.handle_frame(0, &page(0));
        a.taken();
        assert!(!a.poll_capture(10_000));
    }

    #[test]
    fn odd_frames_do_not_panic() {
        let mut a = AutoCapture::default();
        a.handle_frame(
            0,
            &Gray {
                width: 0,
                height: 0,
                data: Vec::new(),
            },
        );
        a.handle_frame(
            1,
            &Gray {
                width: 5,
                height: 5,
                data: vec![1; 3],
            },
        );
        a.handle_frame(2, &Gray::new(3, 2, 200));
        let _ = a.poll_capture(5_000);
    }
}
