use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use onevisit_printer::doc::{PaperWidth, QrMode};
use onevisit_printer::encode::{Model, encode};
use onevisit_printer::interp::{Event, Interpreter};
use onevisit_printer::receipt::{ReceiptData, build};
use onevisit_serial::fonts::receipt_font;

use crate::cli::{PaperArgs, ReceiptCmd};

/// The paper and printer model the arguments name.
pub fn paper_and_model(p: &PaperArgs) -> (PaperWidth, Model) {
    let paper = PaperWidth::from_mm(p.width).unwrap_or(PaperWidth::Mm80);
    let qr = if p.qr == "raster" {
        QrMode::Raster
    } else {
        QrMode::Native
    };
    (paper, Model { qr })
}

fn load(path: &Path) -> Result<ReceiptData> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a receipt (needs site, case_number, theme, applicant_name, id_number, materials, departments, due_date, tracking_url, issued_at)",
            path.display()
        )
    })
}

pub fn run(cmd: ReceiptCmd) -> Result<ExitCode> {
    match cmd {
        ReceiptCmd::Escpos { receipt, paper } => {
            let (width, model) = paper_and_model(&paper);
            let bytes = encode(&build(&load(&receipt)?, width), model);
            let mut out = std::io::stdout().lock();
            if out.is_terminal() {
                bail!(
                    "these are printer bytes: redirect them to a file (… > job.bin) or a printer port"
                );
            }
            out.write_all(&bytes)?;
            out.flush()?;
        }
        ReceiptCmd::Render {
            receipt,
            png,
            paper,
        } => {
            let (width, model) = paper_and_model(&paper);
            let bytes = encode(&build(&load(&receipt)?, width), model);
            let glyphs = receipt_font().map_err(anyhow::Error::msg)?;
            let page = Interpreter::new(width.dots())
                .handle_bytes(&bytes, &glyphs)
                .into_iter()
                .find_map(|e| match e {
                    Event::Page(p) => Some(p),
                    _ => None,
                })
                .context("the receipt printed no page")?;
            std::fs::write(&png, page.to_png())
                .with_context(|| format!("writing {}", png.display()))?;
            eprintln!(
                "{} × {} dots written to {}",
                page.width,
                page.height,
                png.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
