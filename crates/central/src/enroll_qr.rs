//! The enrollment QR code as a printable PNG and as text for a terminal.

use std::path::Path;

use anyhow::{Context, Result};

/// Pixels per module in the PNG: 8 px modules print sharp at any size a technician carries.
const SCALE: usize = 8;
/// The quiet zone around the code, in modules (the standard asks for four).
const QUIET: usize = 4;

pub struct Qr {
    width: usize,
    dark: Vec<bool>,
}

impl Qr {
    pub fn new(text: &str) -> Result<Qr> {
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
            .context("the enrollment line is too long for a QR code")?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Ok(Qr {
            width: code.width(),
            dark,
        })
    }

    /// Dark at (x, y) of the code with its quiet zone.
    fn at(&self, x: usize, y: usize) -> bool {
        let (x, y) = (x.wrapping_sub(QUIET), y.wrapping_sub(QUIET));
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// A grayscale PNG.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        self.encode_png(std::io::BufWriter::new(file))
            .with_context(|| format!("writing {}", path.display()))
    }

    /// The same PNG in memory (the workbench shows it in the page).
    pub fn png_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.encode_png(&mut out)?;
        Ok(out)
    }

    fn encode_png(&self, w: impl std::io::Write) -> Result<()> {
        let side = (self.width + 2 * QUIET) * SCALE;
        let mut pixels = vec![255u8; side * side];
        for (i, p) in pixels.iter_mut().enumerate() {
            if self.at((i % side) / SCALE, (i / side) / SCALE) {
                *p = 0;
            }
        }
        let mut enc = png::Encoder::new(w, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()?.write_image_data(&pixels)?;
        Ok(())
    }

    /// The code drawn with half blocks, two rows a line (a phone can scan it off the screen).
    pub fn to_text(&self) -> String {
        let side = self.width + 2 * QUIET;
        let mut out = String::new();
        for y in (0..side).step_by(2) {
            for x in 0..side {
                // Light modules are drawn: terminals are usually dark.
                out.push(match (!self.at(x, y), !self.at(x, y + 1) && y + 1 < side) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
        }
        out
    }
}
