//! Camera JPEGs to luminance. A colour photograph's chroma is never turned into pixels: the
//! decoder keeps only the Y plane (the page is processed in grey), so a 12 MP frame costs
//! 12 MB instead of 36 MB of RGB and the colour conversion is skipped.

use thiserror::Error;
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use crate::gray::Gray;

/// The largest frame taken: 10,000 dots a side, beyond any document camera (a larger one is
/// refused before any memory is spent on it).
pub const MAX_SIDE: usize = 10_000;

#[derive(Debug, Error)]
pub enum DecodeError {
    #[error("not a readable JPEG: {0}")]
    Jpeg(String),
    #[error("the JPEG is {0} × {1}, larger than any document camera's frame")]
    TooLarge(usize, usize),
}

/// The frame's luminance.
pub fn luma_from_jpeg(bytes: &[u8]) -> Result<Gray, DecodeError> {
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE);
    let mut dec = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    dec.decode_headers()
        .map_err(|e| DecodeError::Jpeg(e.to_string()))?;
    let (w, h) = dec
        .dimensions()
        .ok_or_else(|| DecodeError::Jpeg("no frame header".into()))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(DecodeError::TooLarge(w, h));
    }
    let data = dec.decode().map_err(|e| DecodeError::Jpeg(e.to_string()))?;
    if data.len() != w * h {
        return Err(DecodeError::Jpeg(format!(
            "{} bytes decoded for a {w} × {h} frame",
            data.len()
        )));
    }
    Ok(Gray {
        width: w as u32,
        height: h as u32,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32, rgb: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
        let (data, ct) = if rgb {
            let px = (0..w * h)
                .flat_map(|i| {
                    let (x, y) = (i % w, i / w);
                    [(x * 255 / w) as u8, (y * 255 / h) as u8, 90]
                })
                .collect::<Vec<u8>>();
            (px, image::ExtendedColorType::Rgb8)
        } else {
            let px = (0..w * h).map(|i| ((i % w) * 255 / w) as u8).collect();
            (px, image::ExtendedColorType::L8)
        };
        enc.encode(&data, w, h, ct).unwrap();
        out
    }

    #[test]
    fn grey_and_colour_jpegs_give_their_luminance() {
        let g = luma_from_jpeg(&jpeg(64, 48, false)).unwrap();
        assert_eq!((g.width, g.height, g.data.len()), (64, 48, 64 * 48));
        // A horizontal ramp: left dark, right bright.
        assert!(
            g.get(2, 20) < 20 && g.get(61, 20) > 230,
            "{} {}",
            g.get(2, 20),
            g.get(61, 20)
        );
        let c = luma_from_jpeg(&jpeg(64, 48, true)).unwrap();
        // BT.601 luminance of (r, g, 90) at the bottom right: r = g ≈ 250.
        let want = 0.299 * 250.0 + 0.587 * 250.0 + 0.114 * 90.0;
        assert!(
            (f32::from(c.get(62, 46)) - want).abs() < 8.0,
            "{}",
            c.get(62, 46)
        );
    }

    #[test]
    fn rubbish_truncated_and_huge_frames_are_errors() {
        assert!(matches!(
            luma_from_jpeg(b"not a jpeg"),
            Err(DecodeError::Jpeg(_))
        ));
        assert!(luma_from_jpeg(&[]).is_err());
        let mut j = jpeg(64, 48, false);
        // A frame header claiming 60000 × 60000.
        let sof = j.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        j[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert!(luma_from_jpeg(&j).is_err());
    }
}
