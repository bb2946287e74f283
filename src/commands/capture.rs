use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use onevisit_capture::quality::Thresholds;
use onevisit_capture::{Gray, Mode, ProcessedPage, Quality, pdf, process};
use serde::Serialize;

use super::print_json;
use crate::cli::CaptureCmd;

#[derive(Serialize)]
struct PageReport {
    image: PathBuf,
    #[serde(flatten)]
    page: ProcessedPage,
    advice: &'static str,
    advice_en: &'static str,
}

#[derive(Serialize)]
struct Report {
    pdf: PathBuf,
    pdf_bytes: usize,
    sha256: String,
    pages: Vec<PageReport>,
}

/// Decodes a photograph into luminance, and RGB when colour is wanted. Only one frame is
/// held at a time; for grey and text pages only the luminance is ever decoded.
fn load(path: &Path, want_rgb: bool) -> Result<(Gray, Option<Vec<u8>>)> {
    let bytes = std::fs::read(path).with_context(|| format!("opening {}", path.display()))?;
    if !want_rgb {
        let gray = crate::kiosk::frames::luma(&bytes)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("{}: not a readable JPEG or PNG image", path.display()))?;
        return Ok((gray, None));
    }
    let img = image::load_from_memory(&bytes)
        .with_context(|| format!("{}: not a readable JPEG or PNG image", path.display()))?;
    let rgb = img.to_rgb8();
    let (w, h) = rgb.dimensions();
    let gray = Gray::from_rgb(w, h, rgb.as_raw());
    Ok((gray, Some(rgb.into_raw())))
}

pub fn run(cmd: CaptureCmd) -> Result<ExitCode> {
    let (images, out, mode, json) = match cmd {
        CaptureCmd::Process {
            images,
            pdf,
            mode,
            json,
        } => (images, pdf, mode, json),
        CaptureCmd::Snap { device, out } => {
            let mut camera = onevisit_camera::open(&device)?;
            let still = camera.still()?;
            std::fs::write(&out, &still.bytes)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{} ({} bytes, {})",
                out.display(),
                still.bytes.len(),
                still.extension
            );
            return Ok(ExitCode::SUCCESS);
        }
    };
    let mode = match mode.as_str() {
        "gray" => Mode::Gray,
        "colour" => Mode::Colour,
        _ => Mode::Text,
    };
    let thresholds = Thresholds::default();
    let mut reports = Vec::new();
    let mut pages = Vec::new();
    for path in &images {
        let (gray, rgb) = load(path, mode == Mode::Colour)?;
        let mut page = process(&gray, rgb.as_deref(), mode, &thresholds);
        if let Some(p) = page.pdf_page.take() {
            pages.push(p);
        }
        let (advice, advice_en) = page.quality.advice();
        reports.push(PageReport {
            image: path.clone(),
            page,
            advice,
            advice_en,
        });
    }
    let all_ok = reports.iter().all(|r| r.page.quality == Quality::Ok);
    let doc = pdf::write(&pages);
    std::fs::write(&out, &doc.bytes).with_context(|| format!("writing {}", out.display()))?;
    let report = Report {
        pdf: out,
        pdf_bytes: doc.bytes.len(),
        sha256: doc.sha256,
        pages: reports,
    };
    if json.json {
        print_json(&report)?;
    } else {
        for (i, r) in report.pages.iter().enumerate() {
            println!(
                "page {}: {:?} — {} ({}); rotation {}; {} bytes",
                i + 1,
                r.page.quality,
                r.advice,
                r.advice_en,
                r.page
                    .rotation_degrees
                    .map_or("-".into(), |d| format!("{d:.1}°")),
                r.page.output_bytes
            );
        }
        println!(
            "{}: {} pages, {} bytes, sha256 {}",
            report.pdf.display(),
            report.pages.len(),
            report.pdf_bytes,
            report.sha256
        );
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
