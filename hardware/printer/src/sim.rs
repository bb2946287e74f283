//! A simulated receipt printer: prints with the interpreter, answers status queries, and has
//! scriptable paper and cover. It also behaves like real printers in the way that hurts:
//! while the paper is out it keeps what it receives and prints it after a refill — unless the
//! host clears its buffers — so tests can prove our driver never causes stale receipts.

use crate::glyphs::Glyphs;
use crate::interp::{Event, Interpreter, Page};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Paper {
    pub out: bool,
    pub near_end: bool,
    pub cover_open: bool,
    /// The paper runs out after this many more bytes of print data.
    pub out_after: Option<usize>,
}

#[derive(Debug, Default)]
pub struct SimOut {
    /// Bytes to send back to the host (status replies, ASB messages).
    pub reply: Vec<u8>,
    pub pages: Vec<Page>,
    /// What the printer met and did not print as sent (also in each page's log).
    pub notes: Vec<String>,
}

pub struct SimPrinter {
    interp: Interpreter,
    width: u32,
    glyphs: Box<dyn Glyphs + Send>,
    pub paper: Paper,
    asb: bool,
    /// What arrived while the printer could not print.
    backlog: Vec<u8>,
}

impl SimPrinter {
    pub fn new(width_dots: u32, glyphs: Box<dyn Glyphs + Send>) -> Self {
        SimPrinter {
            interp: Interpreter::new(width_dots),
            width: width_dots,
            glyphs,
            paper: Paper::default(),
            asb: false,
            backlog: Vec::new(),
        }
    }

    fn halted(&self) -> bool {
        self.paper.out || self.paper.cover_open
    }

    fn offline(&self) -> bool {
        self.halted()
    }

    /// The reply to `DLE EOT n`, Epson bit layout.
    pub fn status_byte(&self, n: u8) -> u8 {
        let p = &self.paper;
        let bit = |on: bool, mask: u8| if on { mask } else { 0 };
        0x12 | match n {
            1 => bit(self.offline(), 0x08),
            2 => bit(p.cover_open, 0x04) | bit(p.out, 0x20),
            3 => 0,
            4 => bit(p.near_end || p.out, 0x0C) | bit(p.out, 0x60),
            _ => 0,
        }
    }

    /// The reply to `GS r 1` and `ESC v`: bits 0–1 paper near its end, bits 2–3 out.
    fn paper_sensor(&self) -> u8 {
        let p = &self.paper;
        let bit = |on: bool, mask: u8| if on { mask } else { 0 };
        bit(p.near_end || p.out, 0x03) | bit(p.out, 0x0C)
    }

    fn asb_message(&self) -> [u8; 4] {
        let p = &self.paper;
        let bit = |on: bool, mask: u8| if on { mask } else { 0 };
        [
            0x10 | bit(self.offline(), 0x08) | bit(p.cover_open, 0x20),
            0,
            bit(p.near_end || p.out, 0x03) | bit(p.out, 0x0C),
            0,
        ]
    }

    pub fn handle_bytes(&mut self, bytes: &[u8]) -> SimOut {
        let mut out = SimOut::default();
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.halted() {
                self.take_halted(rest, &mut out);
                return out;
            }
            let n = match self.paper.out_after {
                Some(left) if left < rest.len() => left,
                _ => rest.len(),
            };
            self.print(&rest[..n], &mut out);
            if let Some(left) = self.paper.out_after.as_mut() {
                *left -= n;
                if *left == 0 {
                    self.paper.out_after = None;
                    self.set_paper(
                        Paper {
                            out: true,
                            ..self.paper
                        },
                        &mut out,
                    );
                }
            }
            rest = &rest[n..];
        }
        out
    }

    fn print(&mut self, bytes: &[u8], out: &mut SimOut) {
        for e in self.interp.handle_bytes(bytes, self.glyphs.as_ref()) {
            match e {
                Event::Page(p) => out.pages.push(p),
                Event::RealTimeStatus(n) => out.reply.push(self.status_byte(n)),
                Event::AutoStatus(n) => self.asb = n != 0,
                Event::ClearBuffers => {}
                Event::TransmitStatus(1 | 49) | Event::PaperSensorStatus => {
                    out.reply.push(self.paper_sensor())
                }
                // Drawer kick connector pin 3 low: no drawer fitted.
                Event::TransmitStatus(_) | Event::PeripheralStatus => out.reply.push(0x00),
                Event::PrinterId(n) => out.reply.extend(printer_id(n)),
                Event::Pulse { .. } | Event::Beep => {}
                Event::Note(n) => out.notes.push(n),
            }
        }
    }

    /// While halted, real-time commands are still answered; everything else waits.
    fn take_halted(&mut self, bytes: &[u8], out: &mut SimOut) {
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == 0x10 && bytes.get(i + 1) == Some(&0x04) && i + 2 < bytes.len() {
                let n = bytes[i + 2];
                if n == 7 || n == 8 {
                    // DLE EOT 7 a / 8 a: ink and cutter status, not simulated; four bytes.
                    i += 4;
                    continue;
                }
                out.reply.push(self.status_byte(n));
                i += 3;
            } else if bytes[i..].starts_with(&crate::status::CLEAR_BUFFERS) {
                self.backlog.clear();
                if let Some(p) = self.interp.tear_off() {
                    out.pages.push(p);
                }
                i += crate::status::CLEAR_BUFFERS.len();
            } else {
                self.backlog.push(bytes[i]);
                i += 1;
            }
        }
    }

    fn set_paper(&mut self, paper: Paper, out: &mut SimOut) {
        let was_halted = self.halted();
        let before = self.asb_message();
        self.paper = paper;
        if self.asb && self.asb_message() != before {
            out.reply.extend_from_slice(&self.asb_message());
        }
        if was_halted && !self.halted() {
            // Back in business: what waited is printed now (what real printers do).
            let backlog = std::mem::take(&mut self.backlog);
            let more = self.handle_bytes(&backlog);
            out.reply.extend(more.reply);
            out.pages.extend(more.pages);
            out.notes.extend(more.notes);
        }
    }

    /// Changes paper or cover state (scripted faults, or a technician at the printer).
    pub fn update(&mut self, paper: Paper) -> SimOut {
        let mut out = SimOut::default();
        self.set_paper(paper, &mut out);
        out
    }

    /// Whether the printer starts (and `ESC @` returns) in Chinese mode (the kiosk's printers
    /// do) or with code tables (`ESC t`) for bytes 0x80–0xFF. Starts a fresh job.
    pub fn set_chinese(&mut self, chinese: bool) {
        self.interp = Interpreter::with_chinese(self.width, chinese);
    }

    /// Bytes waiting for paper.
    pub fn backlog(&self) -> usize {
        self.backlog.len()
    }
}

/// The reply to `GS I n`: one byte for the ID types (1–3), a `_`-headed, NUL-ended string for
/// the printer information (65–69).
fn printer_id(n: u8) -> Vec<u8> {
    let text = |s: &str| {
        let mut v = vec![b'_'];
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        v
    };
    match n {
        1 | 49 => vec![0x20],
        // Two-byte characters and an auto-cutter.
        2 | 50 => vec![0x03],
        3 | 51 => vec![0x10],
        65 => text("1.0 OneVisit simulator"),
        66 => text("OneVisit"),
        67 => text("OV-SIM-80"),
        68 => text("SIM0001"),
        69 => text("CHINA GB18030"),
        _ => Vec::new(),
    }
}
