use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use onevisit_printer::doc::{PaperWidth, QrMode};
use onevisit_printer::encode::{Model, encode};
use onevisit_printer::interp::{Event, Interpreter};
use onevisit_printer::receipt::{ReceiptData, build};
use onevisit_serial::fonts::receipt_font;

use crate::catalog_dir;
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

/// The bytes as a printer would print them, interpreted into the page it would print.
fn render(bytes: &[u8], width: PaperWidth, png: &Path) -> Result<()> {
    let glyphs = receipt_font().map_err(anyhow::Error::msg)?;
    let page = Interpreter::new(width.dots())
        .handle_bytes(bytes, &glyphs)
        .into_iter()
        .find_map(|e| match e {
            Event::Page(p) => Some(p),
            _ => None,
        })
        .context("the receipt printed no page")?;
    std::fs::write(png, page.to_png()).with_context(|| format!("writing {}", png.display()))?;
    eprintln!(
        "{} × {} dots written to {}",
        page.width,
        page.height,
        png.display()
    );
    Ok(())
}

pub fn run(cmd: ReceiptCmd, catalog: &Option<PathBuf>) -> Result<ExitCode> {
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
            render(&bytes, width, &png)?;
        }
        ReceiptCmd::Checklist {
            theme,
            answers,
            png,
            paper,
            site,
        } => {
            let (cat, _) = catalog_dir::load(&catalog_dir::resolve(catalog))?;
            if cat.theme(&theme).is_none() {
                let ids: Vec<&str> = cat.themes.iter().map(|t| t.id.as_str()).collect();
                bail!(
                    "no theme \"{theme}\" in the catalog; one of: {}",
                    ids.join(", ")
                );
            }
            let answers = super::catalog::parse_answers(&answers)?;
            let now = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
            let data = crate::checklist::data(&cat, &theme, &answers, &site, &now, None)
                .with_context(|| {
                    format!("planning {theme} (see onevisit catalog questions {theme})")
                })?;
            let (width, model) = paper_and_model(&paper);
            let bytes = encode(&onevisit_printer::checklist::build(&data, width), model);
            render(&bytes, width, &png)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
