//! The serial device cores: ID-card reader, MRZ reader, scanner, printer.

use onevisit_idcard::frame::Decoder;
use onevisit_idcard::reader::{CardReader, Config};
use onevisit_printer::glyphs::{EcLevel, Glyphs};
use onevisit_printer::interp::{Event, Interpreter, Page};
use onevisit_printer::status::{BitTable, PrinterStatus, StatusDecoder};

use crate::today;

/// SAM_V reader bytes: byte 0 is where the stream is cut in two reads, the rest goes through
/// the frame decoder, the whole read sequence, the card-text decoder and the read-reply parser.
pub fn sam_frames(data: &[u8]) {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut).min(rest.len());
    let mut d = Decoder::new();
    let _ = d.handle_bytes(&rest[..cut]);
    let _ = d.handle_bytes(&rest[cut..]);
    let mut r = CardReader::new(Config::default(), today());
    let _ = r.handle_connected(0);
    let _ = r.handle_bytes(1, &rest[..cut]);
    let _ = r.handle_bytes(2, &rest[cut..]);
    let _ = r.handle_timeout(100_000);
    let _ = onevisit_idcard::card::decode_text(rest, today());
    let _ = onevisit_idcard::card::decode_appended_address(rest);
    let _ = onevisit_idcard::reader::parse_read_reply(rest, cut % 2 == 1, today());
}

/// MRZ reader bytes through the STX/ETX framer and the TD1/TD3/permit parser, and the same
/// text as plain lines.
pub fn mrz_parse(data: &[u8]) {
    let today = today();
    let mut f = onevisit_mrz::Framer::new(100);
    for doc in f
        .handle_bytes(0, data)
        .into_iter()
        .chain(f.handle_timeout(1000))
    {
        let refs: Vec<&str> = doc.iter().map(String::as_str).collect();
        let _ = onevisit_mrz::parse(&refs, today);
    }
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().collect();
    let _ = onevisit_mrz::parse(&lines, today);
}

/// Scanner bytes. Byte 0 picks the configuration (terminator, AIM stripping) and where the
/// stream is cut; the rest is fed in two reads with an idle gap after.
pub fn scanner_lines(data: &[u8]) {
    let Some((&cfg, rest)) = data.split_first() else {
        return;
    };
    let names = ["cr", "lf", "crlf", "tab", "none"];
    let terminator = onevisit_scanner::Splitter::terminator_from_name(names[usize::from(cfg % 5)])
        .unwrap_or_default();
    let mut s = onevisit_scanner::Splitter::new(&terminator, 50, cfg & 0x80 != 0);
    let cut = usize::from(cfg >> 3).min(rest.len());
    let _ = s.handle_bytes(0, &rest[..cut]);
    let _ = s.handle_bytes(10, &rest[cut..]);
    let _ = s.next_deadline();
    let _ = s.handle_timeout(1000);
}

/// The printer's reply stream. An input byte `0xF8 | n` is the kiosk sending `DLE EOT n` (or,
/// for n = 0, forgetting unanswered queries after a timeout); every other byte comes from the
/// printer.
pub fn printer_status(data: &[u8]) {
    let mut d = StatusDecoder::new();
    let mut status = PrinterStatus::default();
    let table = BitTable::by_name("epson").unwrap_or(BitTable::EPSON);
    let mut feed = |d: &mut StatusDecoder, bytes: &[u8]| {
        for s in d.handle_bytes(bytes) {
            status.apply(s, &table);
        }
        let _ = status.ready();
    };
    let mut start = 0;
    for (i, &b) in data.iter().enumerate() {
        if b >= 0xF8 {
            feed(&mut d, &data[start..i]);
            start = i + 1;
            match b & 7 {
                0 => d.clear_pending(),
                n => d.expect(n),
            }
            let _ = d.waiting();
        }
    }
    feed(&mut d, &data[start..]);
}

/// Draws three dots per character (corners and centre): enough to exercise the interpreter's
/// placement arithmetic without a font.
struct DotGlyphs;

impl Glyphs for DotGlyphs {
    fn draw(&self, _: char, cell_w: u32, cell_h: u32, dot: &mut dyn FnMut(u32, u32)) {
        dot(0, 0);
        dot(cell_w / 2, cell_h / 2);
        dot(cell_w.saturating_sub(1), cell_h.saturating_sub(1));
    }

    /// A stand-in symbol of the size the real one would have (version 1 to 40, 21 to 177
    /// modules): the interpreter's layout and page limits see the same shapes, without the
    /// encoder's mask search, which is not ours to fuzz and cost 90 % of each run.
    fn qr(&self, data: &[u8], _: EcLevel) -> Option<(u32, Vec<bool>)> {
        if data.len() > 2953 {
            return None;
        }
        let version = 1 + (data.len() * 39 / 2953) as u32;
        let n = 17 + 4 * version;
        let dark = (0..n * n)
            .map(|i| (i ^ data.len() as u32).is_multiple_of(3))
            .collect();
        Some((n, dark))
    }
}

/// Bytes sent to the printer, through the ESC/POS interpreter (what the printer simulator and
/// the UI preview do). Byte 0: bit 0 picks 58 or 80 mm paper, the rest where the stream is cut.
pub fn escpos(data: &[u8]) {
    let Some((&cfg, rest)) = data.split_first() else {
        return;
    };
    let width = if cfg & 1 == 0 { 384 } else { 576 };
    let mut it = Interpreter::new(width);
    let cut = usize::from(cfg >> 1).min(rest.len());
    // Each page is checked and dropped as it comes, as the simulator's preview does: a stream
    // of cuts must not pile pages up here either.
    for part in [&rest[..cut], &rest[cut..]] {
        for e in it.handle_bytes(part, &DotGlyphs) {
            if let Event::Page(p) = e {
                check_page(&p);
            }
        }
    }
    let _ = it.has_content();
    if let Some(p) = it.tear_off() {
        check_page(&p);
    }
}

fn check_page(p: &Page) {
    assert_eq!(
        p.dots.len() as u64,
        u64::from(p.width) * u64::from(p.height)
    );
    let _ = p.is_black(p.width / 2, p.height / 2);
}
