//! The document model to ESC/POS bytes.
//!
//! Written here rather than taken from the `escpos` crate: that crate drives a printer
//! (it owns the I/O), where we need pure bytes to test byte for byte, to feed the simulator
//! and the preview, and to send through our own status-checking driver; and it lacks the
//! raster-QR fallback and GB18030 handling these printers need.

use qrcode::{EcLevel, QrCode};

use crate::doc::{Align, Doc, Element, QrMode};
use crate::wrap::{display_width, wrap};

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const FS: u8 = 0x1C;
pub const LF: u8 = 0x0A;

/// Per-printer-model choices the encoder needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    pub qr: QrMode,
}

impl Default for Model {
    fn default() -> Self {
        Model { qr: QrMode::Native }
    }
}

/// Text as the printer's GB18030 bytes. Characters GB18030 cannot hold do not exist (it
/// covers all of Unicode), so nothing is lost.
pub fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    bytes.into_owned()
}

pub fn align(a: Align) -> [u8; 3] {
    [ESC, b'a', a as u8]
}

/// `GS !` with width and height magnification (1..=8 each).
pub fn size(width: u8, height: u8) -> [u8; 3] {
    let w = width.clamp(1, 8) - 1;
    let h = height.clamp(1, 8) - 1;
    [GS, b'!', (w << 4) | h]
}

pub fn bold(on: bool) -> [u8; 3] {
    [ESC, b'E', u8::from(on)]
}

/// Native QR: model 2, module size, error correction M, store, print.
pub fn qr_native(data: &str, module: u8) -> Vec<u8> {
    let bytes = data.as_bytes();
    let len = bytes.len() + 3;
    let mut out = vec![GS, b'(', b'k', 0x04, 0x00, 0x31, 0x41, 0x32, 0x00];
    out.extend_from_slice(&[GS, b'(', b'k', 0x03, 0x00, 0x31, 0x43, module.clamp(1, 16)]);
    out.extend_from_slice(&[GS, b'(', b'k', 0x03, 0x00, 0x31, 0x45, 0x31]);
    out.extend_from_slice(&[
        GS,
        b'(',
        b'k',
        (len & 0xFF) as u8,
        (len >> 8) as u8,
        0x31,
        0x50,
        0x30,
    ]);
    out.extend_from_slice(bytes);
    out.extend_from_slice(&[GS, b'(', b'k', 0x03, 0x00, 0x31, 0x51, 0x30]);
    out
}

/// A QR code as a 1-bit image (with the 4-module quiet zone), for printers without native QR.
/// Returns (width, height, bits). None if the data is too long for a QR code.
pub fn qr_bitmap(data: &str, module: u8) -> Option<(u32, u32, Vec<u8>)> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let n = code.width() as u32;
    let m = u32::from(module.clamp(1, 16));
    let side = (n + 8) * m;
    let row_bytes = side.div_ceil(8);
    let mut bits = vec![0u8; (row_bytes * side) as usize];
    let colors = code.to_colors();
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (x / m, y / m);
            let dark = mx >= 4
                && my >= 4
                && mx < n + 4
                && my < n + 4
                && colors[((my - 4) * n + (mx - 4)) as usize] == qrcode::Color::Dark;
            if dark {
                bits[(y * row_bytes + x / 8) as usize] |= 0x80 >> (x % 8);
            }
        }
    }
    Some((side, side, bits))
}

/// `GS v 0`: a raster image.
pub fn raster(width: u32, height: u32, bits: &[u8]) -> Vec<u8> {
    let xb = width.div_ceil(8);
    let mut out = vec![
        GS,
        b'v',
        b'0',
        0,
        (xb & 0xFF) as u8,
        (xb >> 8) as u8,
        (height & 0xFF) as u8,
        (height >> 8) as u8,
    ];
    let need = (xb * height) as usize;
    out.extend_from_slice(&bits[..need.min(bits.len())]);
    out.resize(8 + need, 0);
    out
}

/// CODE128, code set B, with the human-readable text below.
pub fn barcode128(data: &str, height: u8) -> Vec<u8> {
    // In code set B a '{' would begin a code-set escape: printers take "{{" for one.
    let payload: Vec<u8> = data
        .bytes()
        .filter(|b| (0x20..0x7F).contains(b))
        .take(125)
        .flat_map(|b| if b == b'{' { vec![b, b] } else { vec![b] })
        .collect();
    let mut out = vec![
        GS,
        b'h',
        height.max(1),
        GS,
        b'w',
        2,
        GS,
        b'H',
        2,
        GS,
        b'k',
        73,
    ];
    out.push((payload.len() + 2) as u8);
    out.extend_from_slice(b"{B");
    out.extend_from_slice(&payload);
    out
}

pub fn encode(doc: &Doc, model: Model) -> Vec<u8> {
    encode_segments(doc, model).concat()
}

/// The job as segments of whole commands, one per element: a driver may ask for status
/// between segments without ever splitting a command (a status query inside image data would
/// be taken as image data).
pub fn encode_segments(doc: &Doc, model: Model) -> Vec<Vec<u8>> {
    let mut segments = vec![vec![ESC, b'@', FS, b'&']];
    let columns = doc.paper.columns();
    for el in &doc.elements {
        let mut out = Vec::new();
        match el {
            Element::Text {
                text,
                width,
                height,
                bold: b,
                align: a,
            } => {
                out.extend_from_slice(&align(*a));
                out.extend_from_slice(&bold(*b));
                out.extend_from_slice(&size(*width, *height));
                for line in wrap(text, columns / usize::from((*width).clamp(1, 8))) {
                    out.extend(gb18030(&line));
                    out.push(LF);
                }
                if *width != 1 || *height != 1 {
                    out.extend_from_slice(&size(1, 1));
                }
                if *b {
                    out.extend_from_slice(&bold(false));
                }
            }
            Element::Rule => {
                out.extend_from_slice(&align(Align::Left));
                out.extend(std::iter::repeat_n(b'-', columns));
                out.push(LF);
            }
            Element::Qr { data, module } => {
                out.extend_from_slice(&align(Align::Center));
                match model.qr {
                    QrMode::Native => out.extend(qr_native(data, *module)),
                    QrMode::Raster => {
                        if let Some((w, h, bits)) = qr_bitmap(data, *module) {
                            out.extend(raster(w, h, &bits));
                        }
                    }
                }
                out.push(LF);
            }
            Element::Barcode { data, height } => {
                out.extend_from_slice(&align(Align::Center));
                out.extend(barcode128(data, *height));
                out.push(LF);
            }
            Element::Image {
                width,
                height,
                bits,
            } => {
                out.extend_from_slice(&align(Align::Center));
                out.extend(raster(*width, *height, bits));
            }
            Element::Feed(n) => out.extend_from_slice(&[ESC, b'd', *n]),
            Element::Cut => out.extend_from_slice(&[GS, b'V', 66, 3]),
        }
        segments.push(out);
    }
    segments
}

/// Pads `left` and `right` apart to fill `columns` (for "name ...... 3页" lines); wraps the
/// left part when both do not fit on one line.
pub fn two_columns(left: &str, right: &str, columns: usize) -> String {
    let rw = display_width(right);
    let room = columns.saturating_sub(rw + 1);
    let mut lines = wrap(left, room.max(2));
    let last = lines.pop().unwrap_or_default();
    let pad = columns.saturating_sub(display_width(&last) + rw).max(1);
    lines.push(format!("{last}{}{right}", " ".repeat(pad)));
    lines.join("\n")
}
