//! One camera frame to one finished page: detect, straighten, judge, enhance, compress.

use serde::Serialize;

use crate::detect::{Quad, detect};
use crate::enhance::bilevel;
use crate::gray::Gray;
use crate::pdf::{PageImage, PdfPage};
use crate::quality::{Quality, Thresholds, judge};
use crate::warp::warp;

/// How a page is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Black and white: text documents (small and crisp).
    Text,
    /// Grey: photos and faint stamps.
    Gray,
    /// Colour, when asked for: red seals, colour photos.
    Colour,
}

/// Output resolution; 200 dpi is what government archives ask for text documents.
pub const DPI: f32 = 200.0;
/// Deflate effort for black-and-white pages: level 3 of 9 keeps a text page within a few KB
/// of level 6 at a third of the time.
pub const DEFLATE_LEVEL: u8 = 3;
const A4: (f32, f32) = (210.0, 297.0);
const ID1: (f32, f32) = (85.6, 54.0);

#[derive(Debug, Clone, Serialize)]
pub struct ProcessedPage {
    pub quality: Quality,
    /// Corners in frame pixels (top-left, top-right, bottom-right, bottom-left).
    pub corners: Option<Quad>,
    pub rotation_degrees: Option<f32>,
    /// Physical size the page is stored at.
    pub width_mm: f32,
    pub height_mm: f32,
    /// Size of the page's compressed image in the PDF.
    pub output_bytes: usize,
    #[serde(skip)]
    pub pdf_page: Option<PdfPage>,
}

/// Proportions beyond which an outline is taken as this long (a strip longer than a till
/// receipt is not a document page, and its image must stay of a page's size).
const MAX_ASPECT: f32 = 4.0;

/// The paper size a detected outline most likely is: A4 (either way round) or an ID-1 card by
/// its proportions; otherwise A4's width with the outline's proportions (at most 1:4).
pub fn paper_size(quad: &Quad) -> (f32, f32) {
    let (w, h) = quad.size();
    let aspect = (h / w.max(1.0)).clamp(1.0 / MAX_ASPECT, MAX_ASPECT);
    let near = |a: f32, b: f32| (a / b - 1.0).abs() < 0.08;
    if near(aspect, A4.1 / A4.0) {
        A4
    } else if near(aspect, A4.0 / A4.1) {
        (A4.1, A4.0)
    } else if near(aspect, ID1.1 / ID1.0) {
        ID1
    } else if near(aspect, ID1.0 / ID1.1) {
        (ID1.1, ID1.0)
    } else {
        (A4.0, A4.0 * aspect)
    }
}

fn px(mm: f32) -> u32 {
    (mm / 25.4 * DPI).round().max(1.0) as u32
}

fn jpeg(width: u32, height: u32, data: &[u8], colour: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70);
    let ct = if colour {
        image::ExtendedColorType::Rgb8
    } else {
        image::ExtendedColorType::L8
    };
    // Encoding into memory only fails on inconsistent dimensions, which are ours.
    if enc.encode(data, width, height, ct).is_err() {
        out.clear();
    }
    out
}

/// Processes one frame. `rgb` (packed, same size as `frame`) is only needed for colour pages.
pub fn process(
    frame: &Gray,
    rgb: Option<&[u8]>,
    mode: Mode,
    thresholds: &Thresholds,
) -> ProcessedPage {
    let detection = detect(frame);
    let Some(d) = detection.as_ref() else {
        return ProcessedPage {
            quality: Quality::NoDocument,
            corners: None,
            rotation_degrees: None,
            width_mm: 0.0,
            height_mm: 0.0,
            output_bytes: 0,
            pdf_page: None,
        };
    };
    let (wmm, hmm) = paper_size(&d.quad);
    let (ow, oh) = (px(wmm), px(hmm));
    let page = warp(frame, &d.quad, ow, oh);
    let quality = judge(Some(d), page.as_ref(), thresholds);
    let image = page.map(|page| match (mode, rgb) {
        (Mode::Text, _) => {
            let b = bilevel(&page, 12);
            PageImage::Bilevel {
                width: b.width,
                height: b.height,
                deflated: miniz_oxide::deflate::compress_to_vec_zlib(&b.bits, DEFLATE_LEVEL),
            }
        }
        (Mode::Colour, Some(rgb)) if rgb.len() == frame.data.len() * 3 => {
            let channel = |c: usize| Gray {
                width: frame.width,
                height: frame.height,
                data: rgb.iter().skip(c).step_by(3).copied().collect(),
            };
            let planes: Vec<Gray> = (0..3)
                .filter_map(|c| warp(&channel(c), &d.quad, ow, oh))
                .collect();
            let mut data = Vec::with_capacity((ow * oh * 3) as usize);
            for i in 0..(ow * oh) as usize {
                for p in &planes {
                    data.push(p.data[i]);
                }
            }
            PageImage::Jpeg {
                width: ow,
                height: oh,
                colour: true,
                bytes: jpeg(ow, oh, &data, true),
            }
        }
        _ => PageImage::Jpeg {
            width: ow,
            height: oh,
            colour: false,
            bytes: jpeg(ow, oh, &page.data, false),
        },
    });
    ProcessedPage {
        quality,
        corners: Some(d.quad),
        rotation_degrees: Some(d.quad.rotation_degrees()),
        width_mm: wmm,
        height_mm: hmm,
        output_bytes: image.as_ref().map_or(0, PageImage::encoded_len),
        pdf_page: image.map(|image| PdfPage {
            image,
            width_mm: wmm,
            height_mm: hmm,
        }),
    }
}
