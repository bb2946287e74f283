//! An ESC/POS interpreter: printer bytes in, printed pages out, as a printer would produce
//! them. The simulator prints with it and the UI previews with it, so what the citizen sees
//! on screen is made from the very bytes sent to the printer.
//!
//! It takes what common client libraries send, not only our own encoder: text in Chinese mode
//! (GB18030) or through a code table (`ESC t`) and international set (`ESC R`), character
//! sizes and styles, tabs and positions, every `GS k` symbology with its human-readable text,
//! QR codes, `ESC *`, `GS v 0`, `GS ( L`/`GS 8 L` and `GS *` images, cuts, and the status
//! commands. A command it does not know, or data a printer would refuse, is never dropped
//! silently: it becomes an [`Event::Note`] and a line of the page's [`Page::log`].

pub mod barcode;
mod codepage;
mod codepages;
mod commands;
mod graphics;
mod line;

use qrcode::EcLevel;

use crate::glyphs::Glyphs;
pub use codepage::CodeTable;
use graphics::{Bitmap, NvGraphics};
use line::Line;

const LINE_GAP: u32 = 6;
const BASE: u32 = 24;
/// The longest page drawn: a metre of paper at 8 dots/mm. No receipt is that long; a stream
/// that feeds further (hostile, or a runaway loop) must not grow the simulator's or the
/// preview's memory without bound, so nothing beyond it is drawn until the next cut.
pub const MAX_PAGE_ROWS: u32 = 8_000;
/// The most bytes one command may carry and be held until complete (a full-width raster a
/// metre long is 576 KB). Larger ones are skipped as they arrive, with a note.
const MAX_HELD: usize = 2 << 20;
/// Notes kept with one page (a stream of garbage must not grow the log without bound).
const MAX_LOG: usize = 64;

/// One printed job (from start to cut): a 1-bit page, one byte per dot (0 white, 1 black).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub width: u32,
    pub height: u32,
    pub dots: Vec<u8>,
    /// Cut short (paper ran out, cover opened) rather than ended by a cut.
    pub partial: bool,
    /// What the printer met on this page and did not print as sent: unknown commands, data a
    /// symbology refuses, features not simulated. Empty for a clean job.
    pub log: Vec<String>,
    /// The text printed, a line per printed line (barcode HRI included), as decoded: what a
    /// reader of the paper would read, for tests and for checking a client's encoding.
    pub text: Vec<String>,
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
    /// `GS r n`: transmit status n (1 paper sensor, 2 drawer kick connector).
    TransmitStatus(u8),
    /// `ESC v`: transmit paper sensor status (the older command).
    PaperSensorStatus,
    /// `ESC u n`: transmit peripheral (drawer) status.
    PeripheralStatus,
    /// `GS I n`: transmit printer ID n.
    PrinterId(u8),
    /// `ESC p m t1 t2` or `DLE DC4 1 m t`: a pulse on drawer connector pin `pin` (2 or 5).
    Pulse {
        pin: u8,
        on_ms: u32,
    },
    /// `ESC ( A`, `ESC B n t`, `DLE DC4 3`: the buzzer.
    Beep,
    /// Something not printed as sent (see [`Page::log`]); for the simulator's own log.
    Note(String),
}

/// How characters are drawn; carried by each character, as printers apply styles per character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    font_b: bool,
    bold: bool,
    /// 0 none, 1 or 2 dots thick.
    underline: u8,
    width: u32,
    height: u32,
    reverse: bool,
    upside_down: bool,
    rotated: bool,
    /// Right-side spacing of single-byte characters (`ESC SP`), before scaling.
    spacing: u32,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            font_b: false,
            bold: false,
            underline: 0,
            width: 1,
            height: 1,
            reverse: false,
            upside_down: false,
            rotated: false,
            spacing: 0,
        }
    }
}

#[derive(Debug, Clone)]
struct State {
    align: u8,
    style: Style,
    chinese: bool,
    table: CodeTable,
    international: u8,
    /// `ESC 3 n`; None: the default (a line's height plus a gap).
    line_spacing: Option<u32>,
    left_margin: u32,
    area_width: Option<u32>,
    /// Tab stops in dots; None: every 8 columns of font A.
    tabs: Option<Vec<u32>>,
    barcode_height: u32,
    barcode_module: u32,
    hri: u8,
    hri_font_b: bool,
    qr_module: u32,
    qr_ec: EcLevel,
    page_mode: bool,
    /// `ESC t` was sent (a client that expects code tables).
    table_chosen: bool,
    /// `ESC =`: whether data is for the printer (bit 0) or another device on the line.
    selected: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            align: 0,
            style: Style::default(),
            chinese: true,
            table: CodeTable::default(),
            international: 0,
            line_spacing: None,
            left_margin: 0,
            area_width: None,
            tabs: None,
            barcode_height: 162,
            barcode_module: 3,
            hri: 0,
            hri_font_b: false,
            qr_module: 3,
            qr_ec: EcLevel::L,
            page_mode: false,
            selected: true,
            table_chosen: false,
        }
    }
}

pub struct Interpreter {
    width: u32,
    /// Whether the printer starts (and `ESC @` returns) in Chinese mode.
    chinese_default: bool,
    state: State,
    pending: Vec<u8>,
    /// Bytes of an over-long command still to be passed over.
    skip: usize,
    line: Line,
    rows: Vec<u8>,
    qr_data: Vec<u8>,
    /// `GS ( L` function 112: graphics waiting for function 50.
    graphics: Option<Bitmap>,
    /// `GS ( L` function 67: graphics kept under a two-byte key.
    nv_graphics: Vec<NvGraphics>,
    /// `GS *`: the downloaded bit image for `GS /`.
    downloaded: Option<Bitmap>,
    log: Vec<String>,
    text: Vec<String>,
    /// This page's log already says that code-table text met Chinese mode.
    said_chinese: bool,
    /// Bytes taken since the page began, for notes.
    offset: usize,
}

impl Interpreter {
    /// A printer `width_dots` wide that starts in Chinese mode (GB18030), as the kiosk's do.
    pub fn new(width_dots: u32) -> Self {
        Self::with_chinese(width_dots, true)
    }

    /// A printer that starts in Chinese mode or, with `false`, with code table PC437 (as a
    /// printer set up for Western code tables does; `FS &` turns Chinese mode on).
    pub fn with_chinese(width_dots: u32, chinese: bool) -> Self {
        Interpreter {
            width: width_dots,
            chinese_default: chinese,
            state: State {
                chinese,
                ..State::default()
            },
            pending: Vec::new(),
            skip: 0,
            line: Line::default(),
            rows: Vec::new(),
            qr_data: Vec::new(),
            graphics: None,
            nv_graphics: Vec::new(),
            downloaded: None,
            log: Vec::new(),
            text: Vec::new(),
            said_chinese: false,
            offset: 0,
        }
    }

    fn height(&self) -> u32 {
        (self.rows.len() / self.width.max(1) as usize) as u32
    }

    /// Whether anything has been printed since the last cut.
    pub fn has_content(&self) -> bool {
        !self.rows.is_empty() || !self.line.is_empty()
    }

    /// The code table `ESC t` selected (used outside Chinese mode).
    pub fn code_table(&self) -> &CodeTable {
        &self.state.table
    }

    /// Ends the current page without a cut (paper torn off after a fault).
    pub fn tear_off(&mut self) -> Option<Page> {
        self.pending.clear();
        self.skip = 0;
        self.line = Line::default();
        if self.rows.is_empty() {
            return None;
        }
        let mut p = self.take_page();
        p.partial = true;
        Some(p)
    }

    fn take_page(&mut self) -> Page {
        let height = self.height();
        self.offset = 0;
        self.said_chinese = false;
        Page {
            width: self.width,
            height,
            dots: std::mem::take(&mut self.rows),
            partial: false,
            log: std::mem::take(&mut self.log),
            text: std::mem::take(&mut self.text),
        }
    }

    /// Records something not printed as sent, at the command being read. Beyond MAX_LOG on a
    /// page, one line says so and the rest are neither kept nor sent on.
    fn note(&mut self, out: &mut Vec<Event>, text: String) {
        let text = format!("byte {}: {text}", self.offset);
        if self.log.len() < MAX_LOG {
            self.log.push(text.clone());
            out.push(Event::Note(text));
        } else if self.log.len() == MAX_LOG {
            let more = "… more notes on this page, not kept".to_string();
            self.log.push(more.clone());
            out.push(Event::Note(more));
        }
    }

    /// The page has reached its longest: what would be drawn below is not even rendered.
    fn page_full(&self) -> bool {
        self.height() >= MAX_PAGE_ROWS
    }

    /// Rows left on the page.
    fn rows_left(&self) -> u32 {
        MAX_PAGE_ROWS.saturating_sub(self.height())
    }

    /// Adds `n` blank rows (fewer at the page's limit) and returns the first one's y.
    fn add_rows(&mut self, n: u32) -> u32 {
        let y = self.height();
        let n = n.min(MAX_PAGE_ROWS.saturating_sub(y));
        self.rows
            .resize(self.rows.len() + n as usize * self.width as usize, 0);
        y
    }

    /// Sets a `w` × `h` block to `v` (1 black, 0 white), clipped to the paper and the page:
    /// one slice fill per row, as a large QR module or a scaled character is thousands of dots.
    fn paint(&mut self, x: u32, y: u32, w: u32, h: u32, v: u8) {
        let width = self.width as usize;
        let (x0, x1) = (
            x.min(self.width) as usize,
            x.saturating_add(w).min(self.width) as usize,
        );
        if x0 >= x1 {
            return;
        }
        let rows = self.rows.len() / width.max(1);
        for row in (y as usize)..(y.saturating_add(h) as usize).min(rows) {
            self.rows[row * width + x0..row * width + x1].fill(v);
        }
    }

    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32) {
        self.paint(x, y, w, h, 1);
    }

    /// The printable area: from the left margin, as wide as `GS W` allows.
    fn area(&self) -> (u32, u32) {
        let left = self.state.left_margin.min(self.width.saturating_sub(1));
        let room = self.width - left;
        (left, self.state.area_width.map_or(room, |w| w.min(room)))
    }

    /// Where something `w` dots wide starts on the paper under the current alignment.
    fn x_for(&self, w: u32) -> u32 {
        let (left, room) = self.area();
        left + match self.state.align {
            1 | 49 => room.saturating_sub(w) / 2,
            2 | 50 => room.saturating_sub(w),
            _ => 0,
        }
    }

    /// Feeds bytes; returns pages completed and printer-level requests, in order.
    pub fn handle_bytes(&mut self, bytes: &[u8], glyphs: &dyn Glyphs) -> Vec<Event> {
        let mut out = Vec::new();
        let skipped = self.skip.min(bytes.len());
        self.skip -= skipped;
        self.pending.extend_from_slice(&bytes[skipped..]);
        let buf = std::mem::take(&mut self.pending);
        let mut at = 0;
        while at < buf.len() {
            match self.step(&buf[at..], glyphs, &mut out) {
                Some(n) => {
                    let n = n.max(1);
                    at += n;
                    self.offset += n;
                }
                None => break,
            }
        }
        // A command passed over for its size: its announced bytes beyond those here are
        // skipped as they arrive. An incomplete command stays where it is (a large raster
        // arriving 4 KB at a time is not copied again with every piece).
        if at > buf.len() {
            self.skip = at - buf.len();
        } else {
            let mut buf = buf;
            buf.drain(..at);
            self.pending = buf;
        }
        out
    }

    /// A command of `total` bytes: None (wait) while incomplete, unless it is too long to hold,
    /// in which case it is passed over (its bytes skipped as they come) with a note.
    fn complete(
        &mut self,
        b: &[u8],
        total: usize,
        name: &str,
        out: &mut Vec<Event>,
    ) -> Option<bool> {
        if total > MAX_HELD {
            self.note(
                out,
                format!("{name} carries {total} bytes, more than a printer holds: skipped"),
            );
            return Some(false);
        }
        if b.len() < total { None } else { Some(true) }
    }

    /// Interprets one command or character; the bytes it used, or None if incomplete. A count
    /// beyond `b` (an over-long command passed over) is skipped as further bytes arrive.
    fn step(&mut self, b: &[u8], glyphs: &dyn Glyphs, out: &mut Vec<Event>) -> Option<usize> {
        if !self.state.selected {
            // Deselected by `ESC =`: only `ESC = n` and real-time commands are heard.
            return match (b[0], b.get(1)) {
                (0x1B, Some(b'=')) | (0x10, Some(_)) => match b[0] {
                    0x1B => self.esc(b, glyphs, out),
                    _ => self.dle(b, out),
                },
                (0x1B | 0x10, None) => None,
                _ => Some(1),
            };
        }
        match b[0] {
            0x0A => {
                self.print_line(glyphs);
                Some(1)
            }
            // CR: printers with automatic line feed off (the usual setting) ignore it.
            0x0D | 0x00 | 0x18 => Some(1),
            0x09 => {
                self.tab();
                Some(1)
            }
            0x0C => {
                // FF: ends a page in page mode; in standard mode it prints the line.
                self.flush_line(glyphs);
                Some(1)
            }
            0x1B => self.esc(b, glyphs, out),
            0x1C => self.fs(b, out),
            0x1D => self.gs(b, glyphs, out),
            0x10 => self.dle(b, out),
            c if c < 0x20 => {
                self.note(
                    out,
                    format!("control byte {c:#04x} has no meaning here: ignored"),
                );
                Some(1)
            }
            _ => self.text(b, glyphs, out),
        }
    }

    /// One character of text, decoded as the printer would (GB18030 in Chinese mode, else the
    /// code table and international set).
    fn text(&mut self, b: &[u8], glyphs: &dyn Glyphs, out: &mut Vec<Event>) -> Option<usize> {
        let lead = b[0];
        if lead >= 0x80 && self.state.chinese && self.state.table_chosen && !self.said_chinese {
            // A client that chose a code table but did not leave Chinese mode: its text
            // prints as GB18030 on this printer, as on a real one. Said once a page.
            self.said_chinese = true;
            let name = self.state.table.name;
            self.note(
                out,
                format!("bytes 0x80–0xFF print as GB18030 in Chinese mode (FS &), not from {name} chosen by ESC t: send FS . to use the code table"),
            );
        }
        let (c, used, wide) = if self.state.chinese && (0x81..=0xFE).contains(&lead) {
            let second = *b.get(1)?;
            let len = if (0x30..=0x39).contains(&second) {
                4
            } else {
                2
            };
            if b.len() < len {
                return None;
            }
            let (text, bad) = encoding_rs::GB18030.decode_without_bom_handling(&b[..len]);
            let c = text.chars().next().filter(|_| !bad).unwrap_or('?');
            // A bad pair: the lead byte alone is dropped, as the next byte may begin text.
            if bad { ('?', 1, false) } else { (c, len, true) }
        } else if lead >= 0x80 {
            if self.state.chinese {
                ('?', 1, false)
            } else {
                (self.state.table.upper(lead), 1, false)
            }
        } else if lead == 0x7F {
            (' ', 1, false)
        } else {
            (
                codepage::international(self.state.international, lead),
                1,
                false,
            )
        };
        self.put_char(c, wide, glyphs);
        Some(used)
    }
}

#[cfg(test)]
mod tests;
