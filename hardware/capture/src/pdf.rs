//! A minimal PDF writer: one image per page, at the page's physical size. Bilevel pages are
//! deflated 1-bit images; grey and colour pages are embedded JPEGs. Central systems expect one
//! PDF per material; nothing here needs more of PDF than that.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// One page's image as it goes into the PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageImage {
    /// 1 bit per dot, 1 = black, rows packed MSB first, deflated.
    Bilevel {
        width: u32,
        height: u32,
        deflated: Vec<u8>,
    },
    /// A baseline JPEG (grey or RGB).
    Jpeg {
        width: u32,
        height: u32,
        colour: bool,
        bytes: Vec<u8>,
    },
}

impl PageImage {
    pub fn encoded_len(&self) -> usize {
        match self {
            PageImage::Bilevel { deflated, .. } => deflated.len(),
            PageImage::Jpeg { bytes, .. } => bytes.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PdfPage {
    pub image: PageImage,
    pub width_mm: f32,
    pub height_mm: f32,
}

/// The finished PDF and its SHA-256 (hex), as sync needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

fn mm_to_pt(mm: f32) -> f32 {
    mm / 25.4 * 72.0
}

pub fn write(pages: &[PdfPage]) -> Pdf {
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets: Vec<usize> = Vec::new();
    // Objects: 1 catalog, 2 pages, then per page: page, contents, image.
    let n = pages.len();
    let page_obj = |i: usize| 3 + 3 * i;
    let obj = |out: &mut Vec<u8>, offsets: &mut Vec<usize>, head: String, stream: Option<&[u8]>| {
        offsets.push(out.len());
        out.extend_from_slice(head.as_bytes());
        if let Some(s) = stream {
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(s);
            out.extend_from_slice(b"\nendstream");
        }
        out.extend_from_slice(b"\nendobj\n");
    };
    obj(
        &mut out,
        &mut offsets,
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>".into(),
        None,
    );
    let kids: String = (0..n).map(|i| format!("{} 0 R ", page_obj(i))).collect();
    obj(
        &mut out,
        &mut offsets,
        format!("2 0 obj\n<< /Type /Pages /Kids [{kids}] /Count {n} >>"),
        None,
    );
    for (i, p) in pages.iter().enumerate() {
        let (pw, ph) = (mm_to_pt(p.width_mm), mm_to_pt(p.height_mm));
        let (po, co, io) = (page_obj(i), page_obj(i) + 1, page_obj(i) + 2);
        obj(
            &mut out,
            &mut offsets,
            format!(
                "{po} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2} {ph:.2}] /Resources << /XObject << /Im0 {io} 0 R >> >> /Contents {co} 0 R >>"
            ),
            None,
        );
        let content = format!("q {pw:.2} 0 0 {ph:.2} 0 0 cm /Im0 Do Q");
        obj(
            &mut out,
            &mut offsets,
            format!("{co} 0 obj\n<< /Length {} >>", content.len()),
            Some(content.as_bytes()),
        );
        let (head, data): (String, &[u8]) = match &p.image {
            PageImage::Bilevel {
                width,
                height,
                deflated,
            } => (
                format!(
                    "{io} 0 obj\n<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray /BitsPerComponent 1 /Decode [1 0] /Filter /FlateDecode /Length {} >>",
                    deflated.len()
                ),
                deflated,
            ),
            PageImage::Jpeg {
                width,
                height,
                colour,
                bytes,
            } => (
                format!(
                    "{io} 0 obj\n<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /{} /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>",
                    if *colour { "DeviceRGB" } else { "DeviceGray" },
                    bytes.len()
                ),
                bytes,
            ),
        };
        obj(&mut out, &mut offsets, head, Some(data));
    }
    let xref_at = out.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for o in &offsets {
        let _ = writeln!(xref, "{o:010} 00000 n ");
    }
    let _ = write!(
        xref,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
        offsets.len() + 1
    );
    out.extend_from_slice(xref.as_bytes());
    let sha256 = Sha256::digest(&out)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Pdf { bytes: out, sha256 }
}
