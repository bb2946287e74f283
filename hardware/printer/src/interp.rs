//! An ESC/POS interpreter: printer bytes in, printed pages out, as a printer would produce
//! them. The simulator prints with it and the UI previews with it, so what the citizen sees
//! on screen is made from the very bytes sent to the printer.

use qrcode::EcLevel;

use crate::glyphs::Glyphs;

const LINE_GAP: u32 = 6;
const BASE: u32 = 24;
/// The longest page drawn: a metre of paper at 8 dots/mm. No receipt is that long; a stream
/// that feeds further (hostile, or a runaway loop) must not grow the simulator's or the
/// preview's memory without bound, so nothing beyond it is drawn until the next cut.
pub const MAX_PAGE_ROWS: u32 = 8_000;
/// Bytes of text held for one line (far beyond the 48 characters an 80 mm line shows).
const MAX_LINE_BYTES: usize = 1_024;

/// One printed job (from start to cut): a 1-bit page, one byte per dot (0 white, 1 black).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub width: u32,
    pub height: u32,
    pub dots: Vec<u8>,
    /// Cut short (paper ran out, cover opened) rather than ended by a cut.
    pub partial: bool,
}

impl Page {
    pub fn is_black(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.dots[(y * self.width + x) as usize] != 0
    }

    /// The page as an 8-bit greyscale PNG, one pixel a dot.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width.max(1), self.height.max(1));
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            let px: Vec<u8> = if self.dots.is_empty() {
                vec![255]
            } else {
                self.dots
                    .iter()
                    .map(|&d| if d != 0 { 0 } else { 255 })
                    .collect()
            };
            // Writing into a Vec cannot fail for lack of space; a PNG error here would be a bug
            // in the dimensions, which are checked above.
            if let Ok(mut w) = enc.write_header() {
                let _ = w.write_image_data(&px);
            }
        }
        out
    }
}

/// Things the interpreter meets that are for the printer itself rather than the paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Page(Page),
    /// `DLE EOT n`: the host asks for real-time status n.
    RealTimeStatus(u8),
    /// `GS a n`: automatic status back enabled for the bits in n.
    AutoStatus(u8),
    /// `DLE DC4 8`: clear buffers.
    ClearBuffers,
}

#[derive(Debug, Clone, Copy)]
struct State {
    align: u8,
    bold: bool,
    width: u32,
    height: u32,
    chinese: bool,
    barcode_height: u32,
    barcode_module: u32,
    hri: u8,
    qr_module: u32,
    qr_ec: EcLevel,
}

impl Default for State {
    fn default() -> Self {
        State {
            align: 0,
            bold: false,
            width: 1,
            height: 1,
            chinese: true,
            barcode_height: 162,
            barcode_module: 3,
            hri: 0,
            qr_module: 3,
            qr_ec: EcLevel::L,
        }
    }
}

pub struct Interpreter {
    width: u32,
    state: State,
    pending: Vec<u8>,
    line: Vec<u8>,
    rows: Vec<u8>,
    qr_data: Vec<u8>,
}

impl Interpreter {
    pub fn new(width_dots: u32) -> Self {
        Interpreter {
            width: width_dots,
            state: State::default(),
            pending: Vec::new(),
            line: Vec::new(),
            rows: Vec::new(),
            qr_data: Vec::new(),
        }
    }

    fn height(&self) -> u32 {
        (self.rows.len() / self.width as usize) as u32
    }

    /// Whether anything has been printed since the last cut.
    pub fn has_content(&self) -> bool {
        !self.rows.is_empty() || !self.line.is_empty()
    }

    /// Ends the current page without a cut (paper torn off after a fault).
    pub fn tear_off(&mut self) -> Option<Page> {
        self.pending.clear();
        self.line.clear();
        if self.rows.is_empty() {
            return None;
        }
        let mut p = self.take_page();
        p.partial = true;
        Some(p)
    }

    fn take_page(&mut self) -> Page {
        let height = self.height();
        Page {
            width: self.width,
            height,
            dots: std::mem::take(&mut self.rows),
            partial: false,
        }
    }

    /// Adds `n` blank rows (fewer at the page's limit) and returns the first one's y.
    fn add_rows(&mut self, n: u32) -> u32 {
        let y = self.height();
        let n = n.min(MAX_PAGE_ROWS.saturating_sub(y));
        self.rows
            .resize(self.rows.len() + n as usize * self.width as usize, 0);
        y
    }

    fn set(&mut self, x: u32, y: u32) {
        if x < self.width {
            let i = (y * self.width + x) as usize;
            if i < self.rows.len() {
                self.rows[i] = 1;
            }
        }
    }

    /// Blackens a `w` × `h` block, clipped to the paper and the page: one slice fill per row,
    /// as a large QR module or a scaled character is thousands of dots.
    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32) {
        let width = self.width as usize;
        let (x0, x1) = (
            x.min(self.width) as usize,
            x.saturating_add(w).min(self.width) as usize,
        );
        if x0 >= x1 {
            return;
        }
        let rows = self.rows.len() / width;
        for row in (y as usize)..(y.saturating_add(h) as usize).min(rows) {
            self.rows[row * width + x0..row * width + x1].fill(1);
        }
    }

    fn x_for(&self, w: u32) -> u32 {
        match self.state.align {
            1 | 49 => self.width.saturating_sub(w) / 2,
            2 | 50 => self.width.saturating_sub(w),
            _ => 0,
        }
    }

    /// Feeds bytes; returns pages completed and printer-level requests, in order.
    pub fn handle_bytes(&mut self, bytes: &[u8], glyphs: &dyn Glyphs) -> Vec<Event> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut at = 0;
        let buf = std::mem::take(&mut self.pending);
        while at < buf.len() {
            match self.step(&buf[at..], glyphs, &mut out) {
                Some(n) => at += n.max(1),
                None => break,
            }
        }
        self.pending = buf[at..].to_vec();
        out
    }

    /// Interprets one command or character; the bytes it used, or None if incomplete.
    fn step(&mut self, b: &[u8], glyphs: &dyn Glyphs, out: &mut Vec<Event>) -> Option<usize> {
        let arg = |i: usize| b.get(i).copied();
        match b[0] {
            0x0A => {
                self.print_line(glyphs);
                Some(1)
            }
            0x0D => Some(1),
            0x1B => {
                let c = arg(1)?;
                match c {
                    b'@' => {
                        self.state = State::default();
                        self.line.clear();
                        Some(2)
                    }
                    b'2' => Some(2),
                    b'a' => {
                        self.state.align = arg(2)?;
                        Some(3)
                    }
                    b'E' => {
                        self.state.bold = arg(2)? & 1 == 1;
                        Some(3)
                    }
                    b'!' => {
                        let n = arg(2)?;
                        self.state.bold = n & 0x08 != 0;
                        self.state.height = if n & 0x10 != 0 { 2 } else { 1 };
                        self.state.width = if n & 0x20 != 0 { 2 } else { 1 };
                        Some(3)
                    }
                    b'd' => {
                        let n = u32::from(arg(2)?);
                        self.flush_line(glyphs);
                        self.add_rows(n * (BASE + LINE_GAP));
                        Some(3)
                    }
                    b'J' => {
                        let n = u32::from(arg(2)?);
                        self.flush_line(glyphs);
                        self.add_rows(n);
                        Some(3)
                    }
                    b'3' | b'-' | b't' | b'M' | b'G' | b'R' | b'{' | b'V' | b' ' => {
                        arg(2)?;
                        Some(3)
                    }
                    _ => Some(2),
                }
            }
            0x1C => match arg(1)? {
                b'&' => {
                    self.state.chinese = true;
                    Some(2)
                }
                b'.' => {
                    self.state.chinese = false;
                    Some(2)
                }
                b'!' | b'-' | b'W' => {
                    arg(2)?;
                    Some(3)
                }
                _ => Some(2),
            },
            0x1D => self.gs(b, glyphs, out),
            0x10 => match arg(1)? {
                0x04 => {
                    out.push(Event::RealTimeStatus(arg(2)?));
                    Some(3)
                }
                0x14 => {
                    if arg(2)? == 8 {
                        if b.len() < 10 {
                            return None;
                        }
                        out.push(Event::ClearBuffers);
                        Some(10)
                    } else {
                        Some(3)
                    }
                }
                _ => Some(3.min(b.len())),
            },
            c if c < 0x20 => Some(1),
            _ => {
                self.line.push(b[0]);
                // A printer's line buffer is finite: text that never ends its line is printed
                // once the buffer is full, as a printer does, instead of piling up.
                if self.line.len() >= MAX_LINE_BYTES {
                    self.print_line(glyphs);
                }
                Some(1)
            }
        }
    }

    fn gs(&mut self, b: &[u8], glyphs: &dyn Glyphs, out: &mut Vec<Event>) -> Option<usize> {
        let arg = |i: usize| b.get(i).copied();
        match arg(1)? {
            b'!' => {
                let n = arg(2)?;
                self.state.width = u32::from(n >> 4) + 1;
                self.state.height = u32::from(n & 0x0F) + 1;
                Some(3)
            }
            b'V' => {
                let m = arg(2)?;
                let len = if m >= 65 { 4 } else { 3 };
                if b.len() < len {
                    return None;
                }
                self.flush_line(glyphs);
                if m >= 65 {
                    self.add_rows(u32::from(b[3]));
                }
                out.push(Event::Page(self.take_page()));
                Some(len)
            }
            b'v' => {
                if b.len() < 8 {
                    return None;
                }
                let xb = u32::from(b[4]) | u32::from(b[5]) << 8;
                let h = u32::from(b[6]) | u32::from(b[7]) << 8;
                let n = (xb * h) as usize;
                if b.len() < 8 + n {
                    return None;
                }
                self.flush_line(glyphs);
                self.blit_bits(xb * 8, h, &b[8..8 + n]);
                Some(8 + n)
            }
            b'(' => {
                if b.len() < 5 {
                    return None;
                }
                let len = usize::from(b[3]) | usize::from(b[4]) << 8;
                if b.len() < 5 + len {
                    return None;
                }
                if b[2] == b'k' {
                    self.qr(&b[5..5 + len], glyphs);
                }
                Some(5 + len)
            }
            b'h' => {
                self.state.barcode_height = u32::from(arg(2)?).max(1);
                Some(3)
            }
            b'w' => {
                self.state.barcode_module = u32::from(arg(2)?).clamp(1, 6);
                Some(3)
            }
            b'H' => {
                self.state.hri = arg(2)?;
                Some(3)
            }
            b'a' => {
                out.push(Event::AutoStatus(arg(2)?));
                Some(3)
            }
            b'k' => {
                let m = arg(2)?;
                if m >= 65 {
                    let n = usize::from(arg(3)?);
                    if b.len() < 4 + n {
                        return None;
                    }
                    self.barcode(m, &b[4..4 + n], glyphs);
                    Some(4 + n)
                } else {
                    let end = b[3..].iter().position(|&x| x == 0)?;
                    Some(4 + end)
                }
            }
            b'L' | b'W' => {
                arg(3)?;
                Some(4)
            }
            b'f' | b'B' | b'r' | b'b' => {
                arg(2)?;
                Some(3)
            }
            _ => Some(2),
        }
    }

    fn flush_line(&mut self, glyphs: &dyn Glyphs) {
        if !self.line.is_empty() {
            self.print_line(glyphs);
        }
    }

    fn print_line(&mut self, glyphs: &dyn Glyphs) {
        let bytes = std::mem::take(&mut self.line);
        let text = if self.state.chinese {
            encoding_rs::GB18030
                .decode_without_bom_handling(&bytes)
                .0
                .into_owned()
        } else {
            bytes.iter().map(|&b| char::from(b)).collect()
        };
        let (sw, sh) = (self.state.width, self.state.height);
        let cells: Vec<(char, u32)> = text
            .chars()
            .map(|c| (c, crate::wrap::char_width(c) as u32 * BASE / 2))
            .collect();
        let line_w: u32 = cells.iter().map(|(_, w)| w * sw).sum();
        let top = self.add_rows(BASE * sh + LINE_GAP);
        let mut x = self.x_for(line_w.min(self.width));
        let bold = self.state.bold;
        for (c, w) in cells {
            let mut dots = Vec::new();
            glyphs.draw(c, w, BASE, &mut |dx, dy| dots.push((dx, dy)));
            for (dx, dy) in dots {
                // Bold strikes each dot again one dot to the right.
                self.fill(x + dx * sw, top + dy * sh, sw + u32::from(bold), sh);
            }
            x += w * sw;
        }
    }

    fn blit_bits(&mut self, w: u32, h: u32, bits: &[u8]) {
        let xb = w.div_ceil(8);
        let x0 = self.x_for(w);
        let top = self.add_rows(h);
        for y in 0..h {
            for x in 0..w {
                let byte = bits[(y * xb + x / 8) as usize];
                if byte & (0x80 >> (x % 8)) != 0 {
                    self.set(x0 + x, top + y);
                }
            }
        }
    }

    fn qr(&mut self, p: &[u8], glyphs: &dyn Glyphs) {
        // p = cn fn params…; cn is 0x31 for QR.
        let (Some(&0x31), Some(&f)) = (p.first(), p.get(1)) else {
            return;
        };
        match f {
            0x43 => self.state.qr_module = u32::from(p.get(2).copied().unwrap_or(3)).clamp(1, 16),
            0x45 => {
                self.state.qr_ec = match p.get(2) {
                    Some(0x31) => EcLevel::M,
                    Some(0x32) => EcLevel::Q,
                    Some(0x33) => EcLevel::H,
                    _ => EcLevel::L,
                }
            }
            0x50 => self.qr_data = p.get(3..).unwrap_or_default().to_vec(),
            0x51 => {
                self.flush_line(glyphs);
                let Some((n, dark)) = glyphs.qr(&self.qr_data, self.state.qr_ec) else {
                    return;
                };
                if dark.len() as u64 != u64::from(n) * u64::from(n) {
                    return;
                }
                let m = self.state.qr_module;
                let side = n * m;
                let x0 = self.x_for(side);
                let top = self.add_rows(side);
                for (i, _) in dark.iter().enumerate().filter(|&(_, &d)| d) {
                    let (mx, my) = (i as u32 % n, i as u32 / n);
                    self.fill(x0 + mx * m, top + my * m, m, m);
                }
            }
            _ => {}
        }
    }

    fn barcode(&mut self, m: u8, data: &[u8], glyphs: &dyn Glyphs) {
        if m != 73 {
            return;
        }
        let text = String::from_utf8_lossy(data);
        let (set, payload) = match text.get(..2) {
            Some("{A") => ('À', &text[2..]),
            Some("{C") => ('Ć', &text[2..]),
            Some("{B") => ('Ɓ', &text[2..]),
            _ => ('Ɓ', &text[..]),
        };
        let Ok(code) = barcoders::sym::code128::Code128::new(format!("{set}{payload}")) else {
            return;
        };
        let modules = code.encode();
        let mw = self.state.barcode_module;
        let w = modules.len() as u32 * mw;
        let h = self.state.barcode_height;
        self.flush_line(glyphs);
        let x0 = self.x_for(w);
        let top = self.add_rows(h);
        for (i, &bit) in modules.iter().enumerate() {
            if bit == 1 {
                self.fill(x0 + i as u32 * mw, top, mw, h);
            }
        }
        if self.state.hri == 2 || self.state.hri == 50 {
            self.line = payload.as_bytes().to_vec();
            self.print_line(glyphs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glyphs::NoGlyphs;

    /// `ESC d 255` feeds 255 lines (7,650 rows): repeated, it grew the page by 4 MB a command.
    #[test]
    fn endless_feeding_stops_at_a_metre_of_paper() {
        let mut it = Interpreter::new(576);
        for _ in 0..3 {
            let _ = it.handle_bytes(&[0x1b, b'd', 255], &NoGlyphs);
        }
        let _ = it.handle_bytes(b"after\n", &NoGlyphs);
        let page = it.tear_off().expect("a page");
        assert_eq!(page.height, MAX_PAGE_ROWS);
        assert_eq!(page.dots.len(), 576 * MAX_PAGE_ROWS as usize);
    }

    #[test]
    fn text_without_a_line_end_is_printed_when_the_line_buffer_is_full() {
        let mut it = Interpreter::new(576);
        let _ = it.handle_bytes(&vec![b'x'; 10 * MAX_LINE_BYTES + 5], &NoGlyphs);
        assert!(
            it.line.len() < MAX_LINE_BYTES,
            "{} bytes held",
            it.line.len()
        );
    }
}
