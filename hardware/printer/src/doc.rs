//! The receipt document model.

use serde::{Deserialize, Serialize};

/// Paper width; thermal printers print 203 dots per inch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaperWidth {
    /// 58 mm paper, 384 dots a line.
    Mm58,
    /// 80 mm paper, 576 dots a line.
    Mm80,
}

impl PaperWidth {
    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    /// Columns of the 12-dot font A (a Chinese character takes two).
    pub fn columns(self) -> usize {
        (self.dots() / 12) as usize
    }

    pub fn from_mm(mm: u32) -> Option<PaperWidth> {
        match mm {
            58 => Some(PaperWidth::Mm58),
            80 => Some(PaperWidth::Mm80),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// How a printer model prints QR codes: its own `GS ( k` command, or as a raster image
/// (cheap printers lack native QR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QrMode {
    Native,
    Raster,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// Text, wrapped to the paper width. `width`/`height` are magnifications 1..=8.
    Text {
        text: String,
        width: u8,
        height: u8,
        bold: bool,
        align: Align,
    },
    /// A horizontal rule across the paper.
    Rule,
    /// A QR code; `module` is the dot size of one module (1..=16).
    Qr { data: String, module: u8 },
    /// A CODE128 barcode (code set B).
    Barcode { data: String, height: u8 },
    /// A 1-bit image, rows of `width` dots, packed 8 dots a byte, MSB first.
    Image {
        width: u32,
        height: u32,
        bits: Vec<u8>,
    },
    /// Feed this many lines.
    Feed(u8),
    /// Feed and cut the paper.
    Cut,
}

impl Element {
    pub fn text(text: impl Into<String>) -> Element {
        Element::Text {
            text: text.into(),
            width: 1,
            height: 1,
            bold: false,
            align: Align::Left,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub paper: PaperWidth,
    pub elements: Vec<Element>,
}
