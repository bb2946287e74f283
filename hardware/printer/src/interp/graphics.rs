//! Images: `ESC *` column bands within a line, `GS v 0` rasters, `GS ( L` / `GS 8 L`
//! graphics (the print buffer and keyed NV graphics), and `GS *` / `GS /` downloaded images.
//! Every decoder clips to the paper's width and to the rows left on the page while reading, so
//! no announced size makes it allocate more than the page can still show, and nothing is
//! drawn once the page is at its longest.

use super::{Event, Interpreter, MAX_PAGE_ROWS};
use crate::glyphs::Glyphs;

/// Keyed graphics kept at once (`GS ( L` function 67), as a printer's NV memory is finite.
const MAX_NV: usize = 4;

/// Graphics defined under a key (`GS ( L` function 67), kept as sent.
#[derive(Debug, Clone)]
pub(super) struct NvGraphics {
    key: [u8; 2],
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// Dots, one byte each (1 black), row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bitmap {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) dots: Vec<u8>,
}

impl Bitmap {
    fn blank(width: u32, height: u32) -> Bitmap {
        Bitmap {
            width,
            height,
            dots: vec![0; width as usize * height as usize],
        }
    }

    /// Raster data: rows of `row_bytes` bytes, MSB the leftmost dot, each dot `sx` × `sy`.
    fn raster(
        data: &[u8],
        row_bytes: u32,
        rows: u32,
        (sx, sy): (u32, u32),
        (max_w, max_h): (u32, u32),
    ) -> Bitmap {
        let w = row_bytes.saturating_mul(8 * sx).min(max_w);
        let h = rows.saturating_mul(sy).min(max_h).min(MAX_PAGE_ROWS);
        let mut b = Bitmap::blank(w, h);
        for y in 0..h {
            let src = (y / sy * row_bytes) as usize;
            for x in 0..w {
                let bit = x / sx;
                let byte = data.get(src + (bit / 8) as usize).copied().unwrap_or(0);
                if byte & (0x80 >> (bit % 8)) != 0 {
                    b.dots[(y * w + x) as usize] = 1;
                }
            }
        }
        b
    }

    /// Column data: `cols` columns of `col_bytes` bytes, top dot the MSB of the first byte,
    /// each dot `sx` × `sy`.
    fn columns(
        data: &[u8],
        cols: u32,
        col_bytes: u32,
        (sx, sy): (u32, u32),
        (max_w, max_h): (u32, u32),
    ) -> Bitmap {
        let w = cols.saturating_mul(sx).min(max_w);
        let h = col_bytes
            .saturating_mul(8 * sy)
            .min(max_h)
            .min(MAX_PAGE_ROWS);
        let mut b = Bitmap::blank(w, h);
        for x in 0..w {
            let col = (x / sx * col_bytes) as usize;
            for y in 0..h {
                let bit = y / sy;
                let byte = data.get(col + (bit / 8) as usize).copied().unwrap_or(0);
                if byte & (0x80 >> (bit % 8)) != 0 {
                    b.dots[(y * w + x) as usize] = 1;
                }
            }
        }
        b
    }

    fn scaled(&self, (sx, sy): (u32, u32), (max_w, max_h): (u32, u32)) -> Bitmap {
        let (w, h) = (
            (self.width * sx).min(max_w),
            (self.height * sy).min(max_h).min(MAX_PAGE_ROWS),
        );
        let mut b = Bitmap::blank(w, h);
        for y in 0..h {
            for x in 0..w {
                b.dots[(y * w + x) as usize] = self.dots[((y / sy) * self.width + x / sx) as usize];
            }
        }
        b
    }
}

fn le16(lo: u8, hi: u8) -> u32 {
    u32::from(lo) | u32::from(hi) << 8
}

/// `GS v 0`, `GS /` and `GS ( L` scale factors: 0 normal, 1 double width, 2 double height, 3 both.
fn scale_of(m: u8) -> (u32, u32) {
    match m & 0x03 {
        1 => (2, 1),
        2 => (1, 2),
        3 => (2, 2),
        _ => (1, 1),
    }
}

impl Interpreter {
    /// Prints an image on lines of its own, aligned like text.
    fn print_bitmap(&mut self, b: &Bitmap, glyphs: &dyn Glyphs) {
        self.flush_line(glyphs);
        let x = self.x_for(b.width);
        let top = self.add_rows(b.height);
        self.draw_bitmap(x, top, b);
    }

    /// `ESC * m nL nH d…`: a band of `n` columns within the line (8 or 24 dots tall). At 203
    /// dpi single density doubles each dot across and 8-dot modes triple it down.
    pub(super) fn esc_star(
        &mut self,
        b: &[u8],
        glyphs: &dyn Glyphs,
        out: &mut Vec<Event>,
    ) -> Option<usize> {
        if b.len() < 5 {
            return None;
        }
        let (m, n) = (b[2], le16(b[3], b[4]));
        let (col_bytes, sx, sy) = match m {
            0 => (1, 2, 3),
            1 => (1, 1, 3),
            32 => (3, 2, 1),
            33 => (3, 1, 1),
            _ => {
                self.note(
                    out,
                    format!("ESC * {m}: not a bit-image mode (0, 1, 32, 33): skipped 5 bytes"),
                );
                return Some(5);
            }
        };
        let total = 5 + (n * col_bytes) as usize;
        if !self.complete(b, total, "ESC *", out)? {
            return Some(total);
        }
        if self.page_full() {
            return Some(total);
        }
        let (_, room) = self.area();
        let bmp = Bitmap::columns(
            &b[5..total],
            n,
            col_bytes,
            (sx, sy),
            (room, self.rows_left()),
        );
        self.put_dots(bmp, glyphs);
        Some(total)
    }

    /// `GS v 0 m xL xH yL yH d…`: a raster image.
    pub(super) fn gs_v0(
        &mut self,
        b: &[u8],
        glyphs: &dyn Glyphs,
        out: &mut Vec<Event>,
    ) -> Option<usize> {
        if b.len() < 8 {
            return None;
        }
        if b[2] != b'0' {
            self.note(
                out,
                format!(
                    "GS v {:#04x}: only GS v 0 is a command: skipped 3 bytes",
                    b[2]
                ),
            );
            return Some(3);
        }
        let (xb, h) = (le16(b[4], b[5]), le16(b[6], b[7]));
        let total = 8 + (xb * h) as usize;
        if !self.complete(b, total, "GS v 0", out)? {
            return Some(total);
        }
        if self.page_full() {
            return Some(total);
        }
        let bmp = Bitmap::raster(
            &b[8..total],
            xb,
            h,
            scale_of(b[3]),
            (self.width, self.rows_left()),
        );
        self.print_bitmap(&bmp, glyphs);
        Some(total)
    }

    /// `GS * x y d…`: defines the downloaded bit image (x × 8 columns of y bytes).
    pub(super) fn gs_star(&mut self, b: &[u8], out: &mut Vec<Event>) -> Option<usize> {
        if b.len() < 4 {
            return None;
        }
        let (x, y) = (u32::from(b[2]), u32::from(b[3]));
        let total = 4 + (x * y * 8) as usize;
        if !self.complete(b, total, "GS *", out)? {
            return Some(total);
        }
        self.downloaded = Some(Bitmap::columns(
            &b[4..total],
            x * 8,
            y,
            (1, 1),
            (self.width, MAX_PAGE_ROWS),
        ));
        Some(total)
    }

    /// `GS / m`: prints the downloaded bit image.
    pub(super) fn gs_slash(&mut self, m: u8, glyphs: &dyn Glyphs, out: &mut Vec<Event>) {
        if self.page_full() {
            return;
        }
        match self.downloaded.take() {
            Some(img) => {
                let bmp = img.scaled(scale_of(m), (self.width, self.rows_left()));
                self.downloaded = Some(img);
                self.print_bitmap(&bmp, glyphs);
            }
            None => self.note(
                out,
                "GS /: no image was defined with GS *: nothing printed".into(),
            ),
        }
    }

    /// `GS ( L pL pH m fn …` and `GS 8 L p1 p2 p3 p4 m fn …`: graphics. `head` is the length
    /// of the command's head (5 or 7); `len` counts the bytes from `m`.
    pub(super) fn graphics_cmd(
        &mut self,
        b: &[u8],
        head: usize,
        len: usize,
        glyphs: &dyn Glyphs,
        out: &mut Vec<Event>,
    ) -> Option<usize> {
        let name = if head == 5 { "GS ( L" } else { "GS 8 L" };
        let total = head + len;
        if !self.complete(b, total, name, out)? {
            return Some(total);
        }
        let p = &b[head..total];
        let (Some(&m), Some(&f)) = (p.first(), p.get(1)) else {
            self.note(out, format!("{name}: too short to be a function: skipped"));
            return Some(total);
        };
        if m != 48 {
            self.note(out, format!("{name}: m is {m}, not 48: skipped"));
            return Some(total);
        }
        match f {
            // Print the graphics in the print buffer.
            2 | 50 => match self.graphics.take() {
                Some(_) if self.page_full() => {}
                Some(g) => self.print_bitmap(&g, glyphs),
                None => self.note(out, format!("{name} print: the graphics buffer is empty")),
            },
            // Store graphics in the print buffer: raster (112) or column (113) format.
            112 | 113 if p.len() >= 10 => {
                let (tone, bx, by) = (p[2], u32::from(p[3]), u32::from(p[4]));
                let (w, h) = (le16(p[6], p[7]), le16(p[8], p[9]));
                if tone != 48 {
                    self.note(
                        out,
                        format!("{name} store: multi-tone graphics print their first plane only"),
                    );
                }
                let data = &p[10..];
                let (sx, sy) = (bx.clamp(1, 2), by.clamp(1, 2));
                let max = (self.width, self.rows_left());
                let bmp = if f == 112 {
                    Bitmap::raster(data, w.div_ceil(8), h, (sx, sy), max)
                } else {
                    Bitmap::columns(data, w, h.div_ceil(8), (sx, sy), max)
                };
                self.graphics = Some(bmp);
            }
            // Define NV graphics (raster) under key kc1 kc2: a kc1 kc2 b xL xH yL yH c d…
            // Kept as sent (at most MAX_HELD bytes each), drawn when printed.
            67 if p.len() >= 11 => {
                let key = [p[3], p[4]];
                let (w, h) = (le16(p[6], p[7]), le16(p[8], p[9]));
                self.nv_graphics.retain(|g| g.key != key);
                if self.nv_graphics.len() >= MAX_NV {
                    self.nv_graphics.remove(0);
                }
                self.nv_graphics.push(NvGraphics {
                    key,
                    width: w,
                    height: h,
                    data: p[11..].to_vec(),
                });
            }
            // Print NV graphics kc1 kc2 at scale x y.
            69 if p.len() >= 6 => {
                let key = [p[2], p[3]];
                let (sx, sy) = (u32::from(p[4]).clamp(1, 2), u32::from(p[5]).clamp(1, 2));
                let max = (self.width, self.rows_left());
                match self.nv_graphics.iter().find(|g| g.key == key) {
                    Some(_) if self.page_full() => {}
                    Some(g) => {
                        let bmp = Bitmap::raster(&g.data, g.width.div_ceil(8), g.height, (sx, sy), max);
                        self.print_bitmap(&bmp, glyphs);
                    }
                    None => self.note(
                        out,
                        format!(
                            "{name} print NV graphics {:?}: no such key",
                            String::from_utf8_lossy(&key)
                        ),
                    ),
                }
            }
            65 => self.nv_graphics.clear(),
            66 if p.len() >= 4 => {
                let key = [p[2], p[3]];
                self.nv_graphics.retain(|g| g.key != key);
            }
            // Reference dot density: 180 or 360 dpi; the page is in printer dots either way.
            1 | 49 => {}
            _ => self.note(out, format!("{name} function {f}: not simulated (capacity queries and download graphics have no reply here)")),
        }
        Some(total)
    }
}
