//! The command set: `ESC`, `FS`, `GS` and `DLE` sequences, each taking exactly its bytes (so
//! one unknown command never swallows the next), and the symbols `GS k` and `GS ( k` draw.

use qrcode::EcLevel;

use super::barcode::{self, Symbology};
use super::{CodeTable, Event, Interpreter, State};
use crate::glyphs::Glyphs;

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn le16(lo: u8, hi: u8) -> usize {
    usize::from(lo) | usize::from(hi) << 8
}

/// `n` as printers read on/off arguments: bit 0 (so both 1 and '1' mean on).
fn on(n: u8) -> bool {
    n & 1 == 1
}

/// A command of fixed length `len`: None until its bytes are all here.
fn fixed(b: &[u8], len: usize) -> Option<usize> {
    (b.len() >= len).then_some(len)
}

/// A command counted by `pL pH` after its function byte (`ESC (`, `FS (`, `GS (`).
enum Counted {
    /// All here: the function byte and the command's length.
    Whole { f: u8, total: usize },
    /// Too long to hold: pass over this many bytes.
    Skip(usize),
}

impl Interpreter {
    /// `X ( f pL pH …`: None until all its bytes are here.
    fn counted(&mut self, b: &[u8], name: &str, out: &mut Vec<Event>) -> Option<Counted> {
        let f = *b.get(2)?;
        let total = 5 + le16(*b.get(3)?, *b.get(4)?);
        Some(if self.complete(b, total, name, out)? {
            Counted::Whole { f, total }
        } else {
            Counted::Skip(total)
        })
    }

    fn unknown(&mut self, b: &[u8], len: usize, name: &str, out: &mut Vec<Event>) -> Option<usize> {
        // A prefix followed by a control byte (another command's start, a line feed) is a
        // prefix on its own: the next command is not swallowed with it.
        let len = if b.get(1).is_some_and(|&c| c < 0x20) {
            1
        } else {
            len.min(b.len())
        };
        self.note(
            out,
            format!(
                "{name} ({}) is not a command this printer knows: skipped {len} bytes",
                hex(&b[..len])
            ),
        );
        Some(len)
    }

    /// Commands sent whole but not simulated: skipped, and said.
    fn not_simulated(&mut self, out: &mut Vec<Event>, what: &str) {
        self.note(out, format!("{what}: not simulated"));
    }

    pub(super) fn esc(
        &mut self,
        b: &[u8],
        glyphs: &dyn Glyphs,
        out: &mut Vec<Event>,
    ) -> Option<usize> {
        let c = *b.get(1)?;
        let arg = |i: usize| b.get(i).copied();
        let st = &mut self.state;
        match c {
            b'@' => {
                self.state = State {
                    chinese: self.chinese_default,
                    ..State::default()
                };
                self.line = Default::default();
                Some(2)
            }
            b'!' => {
                let n = arg(2)?;
                st.style.font_b = n & 0x01 != 0;
                st.style.bold = n & 0x08 != 0;
                st.style.height = if n & 0x10 != 0 { 2 } else { 1 };
                st.style.width = if n & 0x20 != 0 { 2 } else { 1 };
                st.style.underline = if n & 0x80 != 0 { 1 } else { 0 };
                Some(3)
            }
            b'E' | b'G' => {
                st.style.bold = on(arg(2)?);
                Some(3)
            }
            b'-' => {
                st.style.underline = (arg(2)? & 0x03).min(2);
                Some(3)
            }
            b'M' => {
                st.style.font_b = arg(2)? & 0x03 != 0;
                Some(3)
            }
            b'V' => {
                st.style.rotated = arg(2)? & 0x03 != 0;
                Some(3)
            }
            b'{' => {
                st.style.upside_down = on(arg(2)?);
                Some(3)
            }
            b' ' => {
                st.style.spacing = u32::from(arg(2)?);
                Some(3)
            }
            b'a' => {
                st.align = arg(2)?;
                Some(3)
            }
            b'2' => {
                st.line_spacing = None;
                Some(2)
            }
            b'3' => {
                st.line_spacing = Some(u32::from(arg(2)?));
                Some(3)
            }
            // Line spacing in 1/360 and 1/60 inch, at 203 dots per inch.
            b'+' => {
                st.line_spacing = Some(u32::from(arg(2)?) * 203 / 360);
                Some(3)
            }
            b'A' => {
                st.line_spacing = Some(u32::from(arg(2)?) * 203 / 60);
                Some(3)
            }
            b't' => {
                let n = arg(2)?;
                match CodeTable::select(n) {
                    Some(t) => {
                        self.state.table = t;
                        self.state.table_chosen = true;
                    }
                    None => self.note(
                        out,
                        format!(
                            "ESC t {n}: this printer has no such code table: kept {}",
                            self.state.table.name
                        ),
                    ),
                }
                Some(3)
            }
            b'R' => {
                let n = arg(2)?;
                if n <= 15 {
                    st.international = n;
                } else {
                    self.note(
                        out,
                        format!("ESC R {n}: no such international character set"),
                    );
                }
                Some(3)
            }
            b'd' => {
                // Prints what is pending and feeds n lines in all (the pending one counts).
                let n = u32::from(arg(2)?);
                let pending = !self.line.is_empty();
                self.flush_line(glyphs);
                for _ in u32::from(pending)..n {
                    self.print_line(glyphs);
                }
                Some(3)
            }
            b'J' => {
                // Prints what is pending and feeds n dots from its top (at least its height).
                let n = u32::from(arg(2)?);
                if self.line.is_empty() {
                    self.add_rows(n);
                } else {
                    self.print_line_feeding(Some(n), glyphs);
                }
                Some(3)
            }
            b'$' => {
                let n = le16(arg(2)?, arg(3)?);
                self.move_to(n as i64);
                Some(4)
            }
            b'\\' => {
                let n = le16(arg(2)?, arg(3)?) as i16;
                let x = i64::from(self.line.cursor) + i64::from(n);
                self.move_to(x);
                Some(4)
            }
            b'D' => {
                // Tab stops in columns of font A, ascending, ended by NUL (at most 32).
                let end = b[2..].iter().take(34).position(|&x| x == 0);
                match end {
                    Some(end) => {
                        let stops: Vec<u32> = b[2..2 + end]
                            .iter()
                            .take(32)
                            .map(|&n| u32::from(n) * 12)
                            .collect();
                        self.state.tabs = Some(stops);
                        Some(3 + end)
                    }
                    None if b.len() >= 36 => {
                        self.note(
                            out,
                            "ESC D: more than 32 tab stops and no NUL: ignored".into(),
                        );
                        Some(2)
                    }
                    None => None,
                }
            }
            b'*' => self.esc_star(b, glyphs, out),
            b'p' => {
                let (m, t1) = (arg(2)?, arg(3)?);
                fixed(b, 5)?;
                out.push(Event::Pulse {
                    pin: if on(m) { 5 } else { 2 },
                    on_ms: u32::from(t1) * 2,
                });
                Some(5)
            }
            b'u' => {
                arg(2)?;
                out.push(Event::PeripheralStatus);
                Some(3)
            }
            b'v' => {
                out.push(Event::PaperSensorStatus);
                Some(2)
            }
            b'i' | b'm' => {
                // The older cut commands.
                self.flush_line(glyphs);
                out.push(Event::Page(self.take_page()));
                Some(2)
            }
            b'L' => {
                self.state.page_mode = true;
                self.not_simulated(out, "ESC L (page mode): printed as standard mode");
                Some(2)
            }
            b'S' => {
                self.state.page_mode = false;
                Some(2)
            }
            0x0C | b'<' => Some(2),
            b'W' => fixed(b, 10),
            b'=' => {
                // Select peripheral: with bit 0 clear the printer ignores data (it is for a
                // customer display on the same line) until selected again.
                self.state.selected = on(arg(2)?);
                Some(3)
            }
            b'K' => {
                arg(2)?;
                self.not_simulated(out, "ESC K (reverse feed)");
                Some(3)
            }
            b'T' | b'U' | b'r' => fixed(b, 3),
            b'e' => {
                arg(2)?;
                self.not_simulated(out, "ESC e (reverse feed)");
                Some(3)
            }
            b'c' => {
                // ESC c 3/4/5 n: paper sensors and panel buttons; ESC c 0/1 n: paper type.
                fixed(b, 4)?;
                if b[2] == b'0' && b[3] & 0x0C != 0 {
                    self.not_simulated(
                        out,
                        "ESC c 0 (slip or validation paper): printed on the roll",
                    );
                }
                Some(4)
            }
            b'%' => {
                if on(arg(2)?) {
                    self.not_simulated(
                        out,
                        "ESC % 1 (user-defined characters): the built-in ones print",
                    );
                }
                Some(3)
            }
            b'?' => fixed(b, 3),
            b'&' => {
                // ESC & y c1 c2 [x d1…d(y·x)]…: user-defined characters, consumed whole. The
                // widths come with the data, so the length is known only as far as bytes have
                // arrived; a definition longer than a printer holds is passed over.
                let (y, c1, c2) = (usize::from(arg(2)?), arg(3)?, arg(4)?);
                let mut at = 5;
                for _ in c1..=c2.max(c1) {
                    let Some(&x) = b.get(at) else {
                        if at > super::MAX_HELD {
                            self.note(out, "ESC &: more than a printer holds: skipped".into());
                            return Some(at);
                        }
                        return None;
                    };
                    at += 1 + y * usize::from(x);
                }
                if !self.complete(b, at, "ESC &", out)? {
                    return Some(at);
                }
                self.not_simulated(out, "ESC & (define user-defined characters)");
                Some(at)
            }
            // ESC ( A (beeper) and ESC ( Y.
            b'(' => match self.counted(b, "ESC (", out)? {
                Counted::Skip(total) => Some(total),
                Counted::Whole { f, total } => {
                    if f == b'A' {
                        out.push(Event::Beep);
                    } else {
                        self.not_simulated(out, &format!("ESC ( {}", printable(f)));
                    }
                    Some(total)
                }
            },
            b'4' => {
                // Italic on Star and some clone printers; Epson-type printers print upright.
                if on(arg(2)?) {
                    self.not_simulated(
                        out,
                        "ESC 4 (italic, not an Epson command): printed upright",
                    );
                }
                Some(3)
            }
            b'B' => {
                // The buzzer of Chinese printers: ESC B n t.
                fixed(b, 4)?;
                out.push(Event::Beep);
                Some(4)
            }
            b'7' => fixed(b, 5),
            b'8' => fixed(b, 4),
            _ => self.unknown(b, 2, &format!("ESC {}", printable(c)), out),
        }
    }

    pub(super) fn fs(&mut self, b: &[u8], out: &mut Vec<Event>) -> Option<usize> {
        let c = *b.get(1)?;
        let arg = |i: usize| b.get(i).copied();
        match c {
            b'&' => {
                self.state.chinese = true;
                Some(2)
            }
            b'.' => {
                self.state.chinese = false;
                Some(2)
            }
            b'!' => {
                let n = arg(2)?;
                let s = &mut self.state.style;
                s.width = if n & 0x04 != 0 { 2 } else { 1 };
                s.height = if n & 0x08 != 0 { 2 } else { 1 };
                s.underline = if n & 0x80 != 0 { 1 } else { 0 };
                Some(3)
            }
            b'-' => {
                self.state.style.underline = (arg(2)? & 0x03).min(2);
                Some(3)
            }
            b'W' => {
                let q = on(arg(2)?);
                self.state.style.width = if q { 2 } else { 1 };
                self.state.style.height = if q { 2 } else { 1 };
                Some(3)
            }
            b'S' => fixed(b, 4),
            b'C' => fixed(b, 3),
            b'?' => fixed(b, 4),
            b'2' => {
                fixed(b, 76)?;
                self.not_simulated(out, "FS 2 (define a user-defined Chinese character)");
                Some(76)
            }
            b'p' => {
                fixed(b, 4)?;
                self.not_simulated(out, "FS p (print NV bit image defined by FS q)");
                Some(4)
            }
            b'q' => {
                // FS q n [xL xH yL yH d1…dk]1…n: consumed whole.
                let n = arg(2)?;
                let mut at = 3;
                for _ in 0..n {
                    if b.len() < at + 4 {
                        return None;
                    }
                    at += 4 + le16(b[at], b[at + 1]) * le16(b[at + 2], b[at + 3]) * 8;
                    if at > super::MAX_HELD {
                        self.note(out, "FS q: more than a printer holds: skipped".into());
                        return Some(at);
                    }
                }
                if b.len() < at {
                    return None;
                }
                self.not_simulated(out, "FS q (define NV bit images)");
                Some(at)
            }
            b'(' => match self.counted(b, "FS (", out)? {
                Counted::Skip(total) => Some(total),
                Counted::Whole { f, total } => {
                    self.not_simulated(out, &format!("FS ( {}", printable(f)));
                    Some(total)
                }
            },
            _ => self.unknown(b, 2, &format!("FS {}", printable(c)), out),
        }
    }

    pub(super) fn dle(&mut self, b: &[u8], out: &mut Vec<Event>) -> Option<usize> {
        let c = *b.get(1)?;
        match c {
            0x04 => {
                let n = *b.get(2)?;
                if n == 7 || n == 8 {
                    fixed(b, 4)?;
                    self.note(
                        out,
                        format!("DLE EOT {n} (ink and auto-cutter status): not simulated"),
                    );
                    return Some(4);
                }
                out.push(Event::RealTimeStatus(n));
                Some(3)
            }
            0x05 => fixed(b, 3),
            0x14 => {
                let f = *b.get(2)?;
                match f {
                    1 => {
                        fixed(b, 5)?;
                        out.push(Event::Pulse {
                            pin: if on(b[3]) { 5 } else { 2 },
                            on_ms: u32::from(b[4]) * 100,
                        });
                        Some(5)
                    }
                    2 => {
                        fixed(b, 5)?;
                        self.not_simulated(out, "DLE DC4 2 (power off)");
                        Some(5)
                    }
                    // DLE DC4 3 a n r t1 t2: the buzzer.
                    3 => {
                        fixed(b, 8)?;
                        out.push(Event::Beep);
                        Some(8)
                    }
                    7 => fixed(b, 4),
                    8 => {
                        fixed(b, 10)?;
                        out.push(Event::ClearBuffers);
                        Some(10)
                    }
                    _ => self.unknown(b, 3, "DLE DC4", out),
                }
            }
            _ => self.unknown(b, 2, &format!("DLE {c:#04x}"), out),
        }
    }

    pub(super) fn gs(
        &mut self,
        b: &[u8],
        glyphs: &dyn Glyphs,
        out: &mut Vec<Event>,
    ) -> Option<usize> {
        let c = *b.get(1)?;
        let arg = |i: usize| b.get(i).copied();
        match c {
            b'!' => {
                let n = arg(2)?;
                self.state.style.width = u32::from((n >> 4) & 0x07) + 1;
                self.state.style.height = u32::from(n & 0x07) + 1;
                Some(3)
            }
            b'B' => {
                self.state.style.reverse = on(arg(2)?);
                Some(3)
            }
            b'V' => {
                let m = arg(2)?;
                let len = if m >= 65 { 4 } else { 3 };
                fixed(b, len)?;
                self.flush_line(glyphs);
                if m >= 65 {
                    self.add_rows(u32::from(b[3]));
                }
                out.push(Event::Page(self.take_page()));
                Some(len)
            }
            b'v' => self.gs_v0(b, glyphs, out),
            b'*' => self.gs_star(b, out),
            b'/' => {
                let m = arg(2)?;
                self.gs_slash(m, glyphs, out);
                Some(3)
            }
            b'(' if arg(2)? == b'L' => {
                let len = le16(arg(3)?, arg(4)?);
                self.graphics_cmd(b, 5, len, glyphs, out)
            }
            b'(' => match self.counted(b, "GS (", out)? {
                Counted::Skip(total) => Some(total),
                Counted::Whole { f: b'k', total } => {
                    self.symbol_2d(&b[5..total], glyphs, out);
                    Some(total)
                }
                Counted::Whole { f, total } => {
                    let what = match f {
                        b'A' => "GS ( A (test print)",
                        b'C' => "GS ( C (user NV memory)",
                        b'D' => "GS ( D (real-time command switches)",
                        b'E' => "GS ( E (user setup)",
                        b'H' => "GS ( H (transaction responses)",
                        b'K' => "GS ( K (print control)",
                        b'M' => "GS ( M (customised settings)",
                        b'N' => "GS ( N (character colours and shading)",
                        b'P' => "GS ( P (page mode printable area)",
                        b'Q' => "GS ( Q (lines and boxes)",
                        _ => "",
                    };
                    if what.is_empty() {
                        self.note(out, format!("GS ( {} is not a command this printer knows: skipped {total} bytes", printable(f)));
                    } else {
                        self.not_simulated(out, what);
                    }
                    Some(total)
                }
            },
            b'8' => {
                if arg(2)? != b'L' {
                    return self.unknown(b, 3, "GS 8", out);
                }
                fixed(b, 7)?;
                let len = b[3..7].iter().rev().fold(0usize, |acc, &x| {
                    acc.saturating_mul(256).saturating_add(usize::from(x))
                });
                self.graphics_cmd(b, 7, len, glyphs, out)
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
                self.state.hri = arg(2)? & 0x03;
                Some(3)
            }
            b'f' => {
                self.state.hri_font_b = on(arg(2)?);
                Some(3)
            }
            b'k' => self.barcode_cmd(b, glyphs, out),
            b'a' => {
                out.push(Event::AutoStatus(arg(2)?));
                Some(3)
            }
            b'r' => {
                out.push(Event::TransmitStatus(arg(2)?));
                Some(3)
            }
            b'I' => {
                out.push(Event::PrinterId(arg(2)?));
                Some(3)
            }
            b'L' => {
                self.state.left_margin = le16(arg(2)?, arg(3)?) as u32;
                Some(4)
            }
            b'W' => {
                self.state.area_width = Some(le16(arg(2)?, arg(3)?) as u32);
                Some(4)
            }
            b'$' | b'\\' | b'P' => fixed(b, 4),
            b'T' | b'b' | b'|' => fixed(b, 3),
            b':' | b'c' => Some(2),
            b'^' => fixed(b, 5),
            // GS g 0 m nL nH (initialise a maintenance counter), GS g 2 m nL nH (send it).
            b'g' => fixed(b, 6),
            _ => self.unknown(b, 2, &format!("GS {}", printable(c)), out),
        }
    }

    /// `GS k m d… NUL` (m 0–6) or `GS k m n d1…dn` (m 65–73).
    fn barcode_cmd(
        &mut self,
        b: &[u8],
        glyphs: &dyn Glyphs,
        out: &mut Vec<Event>,
    ) -> Option<usize> {
        let m = *b.get(2)?;
        if (7..=64).contains(&m) || m >= 80 {
            // Neither form: the data's length cannot be known; a printer skips the command.
            self.note(out, format!("GS k {m}: not a symbology: skipped 3 bytes"));
            return Some(3);
        }
        let (data, total) = if m <= 6 {
            match b[3..].iter().take(256).position(|&x| x == 0) {
                Some(end) => (&b[3..3 + end], 4 + end),
                None if b.len() >= 3 + 256 => {
                    self.note(
                        out,
                        format!("GS k {m}: no NUL ends the data within 255 bytes: skipped 3 bytes"),
                    );
                    return Some(3);
                }
                None => return None,
            }
        } else {
            let n = usize::from(*b.get(3)?);
            if b.len() < 4 + n {
                return None;
            }
            (&b[4..4 + n], 4 + n)
        };
        let Some(symbology) = Symbology::from_m(m) else {
            self.note(
                out,
                format!(
                    "GS k {m}: a symbology this simulator does not draw (GS1 DataBar): skipped"
                ),
            );
            return Some(total);
        };
        let data = data.to_vec();
        match barcode::encode(symbology, &data) {
            Ok(symbol) => self.draw_barcode(&symbol, glyphs, out),
            Err(refused) => self.note(
                out,
                format!(
                    "GS k {m}: {}: not printed, as a printer would not",
                    refused.0
                ),
            ),
        }
        Some(total)
    }

    fn draw_barcode(
        &mut self,
        symbol: &barcode::Symbol,
        glyphs: &dyn Glyphs,
        out: &mut Vec<Event>,
    ) {
        let widths = symbol.dots(self.state.barcode_module);
        let w: u32 = widths.iter().sum();
        let (_, room) = self.area();
        if w > room {
            self.note(
                out,
                format!(
                    "{} is {w} dots wide, wider than the {room}-dot print area: not printed (a printer skips it too)",
                    symbol.symbology
                ),
            );
            return;
        }
        self.flush_line(glyphs);
        let x0 = self.x_for(w);
        let font_b = self.state.hri_font_b;
        let hri = self.state.hri;
        if hri & 1 != 0 {
            self.text_line(&symbol.hri, x0, w, font_b, glyphs);
        }
        let h = self.state.barcode_height;
        let top = self.add_rows(h);
        let mut x = x0;
        for (i, &run) in widths.iter().enumerate() {
            if i % 2 == 0 {
                self.fill(x, top, run, h);
            }
            x += run;
        }
        if hri & 2 != 0 {
            self.text_line(&symbol.hri, x0, w, font_b, glyphs);
        }
    }

    /// `GS ( k`: QR codes (cn 49) are drawn; the other two-dimensional symbols are said.
    fn symbol_2d(&mut self, p: &[u8], glyphs: &dyn Glyphs, out: &mut Vec<Event>) {
        let (Some(&cn), Some(&f)) = (p.first(), p.get(1)) else {
            return;
        };
        if cn != 0x31 {
            if f == 0x51 {
                let name = match cn {
                    0x30 => "PDF417",
                    0x32 => "MaxiCode",
                    0x33 => "GS1 DataBar",
                    0x34 => "Composite",
                    0x35 => "Aztec",
                    0x36 => "DataMatrix",
                    _ => "an unknown symbol",
                };
                self.not_simulated(out, &format!("GS ( k: printing {name}"));
            }
            return;
        }
        match f {
            0x41 => {}
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
                if self.page_full() {
                    return;
                }
                let Some((n, dark)) = glyphs.qr(&self.qr_data, self.state.qr_ec) else {
                    self.note(
                        out,
                        format!(
                            "GS ( k QR: {} bytes do not fit a QR code: not printed",
                            self.qr_data.len()
                        ),
                    );
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
            0x52 => self.not_simulated(out, "GS ( k QR: transmit size information"),
            _ => self.note(
                out,
                format!("GS ( k QR function {f:#04x}: not a QR function"),
            ),
        }
    }
}

/// A command byte as a reader of the manual would name it.
fn printable(c: u8) -> String {
    if c.is_ascii_graphic() {
        char::from(c).to_string()
    } else {
        format!("{c:#04x}")
    }
}
