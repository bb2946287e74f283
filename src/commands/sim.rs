//! `onevisit sim …`: device simulators for technicians and for `cargo run`. Each prints the
//! path to open, then serves until stdin says `quit` or the process is stopped.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use onevisit_idcard::sim::Fault;
use onevisit_printer::doc::PaperWidth;
use onevisit_printer::sim::Paper;
use onevisit_scanner::Splitter;
use onevisit_serial::fonts::receipt_font;
use onevisit_serial::sim::{IdCardSim, MrzSim, PrinterSim, ScannerSim, load_cards};

use crate::cli::SimCmd;

pub fn run(cmd: SimCmd) -> Result<ExitCode> {
    match cmd {
        SimCmd::Idcard {
            card,
            link,
            fault,
            delay_ms,
        } => idcard(card.as_deref(), link.as_deref(), fault.as_deref(), delay_ms),
        SimCmd::Mrz { link } => mrz(link.as_deref()),
        SimCmd::Printer {
            out,
            link,
            width,
            no_chinese,
        } => printer(&out, link.as_deref(), width, !no_chinese),
        SimCmd::Camera { images, link } => camera(&images, link.as_deref()),
        SimCmd::Scanner {
            link,
            terminator,
            aim,
        } => {
            let t = Splitter::terminator_from_name(&terminator).with_context(|| {
                format!("unknown terminator {terminator:?}: use cr, lf, crlf, tab or none")
            })?;
            let mut sim = ScannerSim::start(link.as_deref(), &t, aim.as_deref())?;
            announce(&sim.path(), "scanner");
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                if line.trim() == "quit" {
                    break;
                }
                sim.scan(line.trim_end())?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn announce(path: &Path, what: &str) {
    // The path alone on stdout, so scripts can read it; help on stderr.
    println!("{}", path.display());
    eprintln!("simulated {what} at {}; Ctrl-C to stop", path.display());
}

fn parse_fault(s: &str) -> Result<Option<Fault>> {
    Ok(Some(match s {
        "none" => return Ok(None),
        "checksum" => Fault::BadChecksum,
        "truncated" => Fault::Truncated,
        "silent" => Fault::Silent,
        _ => match s.strip_prefix("sam=") {
            Some(code) => Fault::SamError(
                u8::from_str_radix(code.trim_start_matches("0x"), 16).with_context(|| {
                    format!("sam={code}: give the SW3 code in hex, e.g. sam=41")
                })?,
            ),
            None => bail!("unknown fault {s:?}: checksum, truncated, silent, sam=HEX or none"),
        },
    }))
}

fn idcard(
    card: Option<&Path>,
    link: Option<&Path>,
    fault: Option<&str>,
    delay_ms: u64,
) -> Result<ExitCode> {
    let sim = IdCardSim::start(link)?;
    if let Some(c) = card {
        let cards = load_cards(c).map_err(anyhow::Error::msg)?;
        if let Some(first) = cards.into_iter().next() {
            sim.place(first);
        }
    }
    if let Some(f) = fault {
        sim.set_fault(parse_fault(f)?, None);
    }
    sim.set_delay(delay_ms);
    announce(&sim.path(), "ID-card reader");
    command_loop(|words| match words {
        ["place", file] => load_cards(Path::new(file))
            .map_err(anyhow::Error::msg)
            .map(|cards| cards.into_iter().for_each(|c| sim.place(c))),
        ["place"] => match card {
            Some(c) => load_cards(c)
                .map_err(anyhow::Error::msg)
                .map(|cards| cards.into_iter().take(1).for_each(|c| sim.place(c))),
            None => Err(anyhow::anyhow!("place FILE: which card?")),
        },
        ["remove"] => {
            sim.remove();
            Ok(())
        }
        ["fault", kind, rest @ ..] => parse_fault(kind).and_then(|f| {
            let times = rest
                .first()
                .map(|n| n.parse::<u32>())
                .transpose()
                .context("fault KIND [N]: N is a count")?;
            sim.set_fault(f, times);
            Ok(())
        }),
        ["delay", ms] => ms.parse().map(|ms| sim.set_delay(ms)).context("delay MS"),
        ["unplug"] => {
            sim.unplug();
            Ok(())
        }
        ["replug"] => {
            sim.replug();
            Ok(())
        }
        _ => Err(anyhow::anyhow!(
            "commands: place [FILE], remove, fault KIND [N], delay MS, unplug, replug, quit"
        )),
    })
}

/// Reads commands from stdin until `quit`, answering each with `ok` or `error: …` on stderr.
/// When stdin closes without `quit` (started in the background), keeps serving until stopped.
fn command_loop(mut handle: impl FnMut(&[&str]) -> Result<()>) -> Result<ExitCode> {
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => continue,
            ["quit"] => return Ok(ExitCode::SUCCESS),
            w => match handle(w) {
                Ok(()) => eprintln!("ok"),
                Err(e) => eprintln!("error: {e:#}"),
            },
        }
    }
    loop {
        std::thread::park();
    }
}

fn mrz(link: Option<&Path>) -> Result<ExitCode> {
    let mut sim = MrzSim::start(link)?;
    announce(&sim.path(), "MRZ reader");
    let mut doc: Vec<String> = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let t = line.trim();
        if t == "quit" {
            break;
        }
        if t.is_empty() {
            if !doc.is_empty() {
                let refs: Vec<&str> = doc.iter().map(String::as_str).collect();
                sim.present(&refs)?;
                doc.clear();
            }
        } else {
            doc.push(t.to_owned());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn printer(out: &Path, link: Option<&Path>, width: u32, chinese: bool) -> Result<ExitCode> {
    let paper = PaperWidth::from_mm(width).context("--width is 58 or 80")?;
    let glyphs = receipt_font().map_err(anyhow::Error::msg)?;
    let sim = PrinterSim::start_in_mode(paper.dots(), Box::new(glyphs), out, link, chinese)?;
    announce(&sim.path(), "receipt printer");
    eprintln!(
        "pages are saved in {} (job-NNNN.png); what the printer did not print as sent (unknown \
         commands, data a barcode refuses) is said here and kept beside the page in job-NNNN.txt",
        out.display()
    );
    command_loop(|words| {
        let p = sim.paper();
        let paper = match words {
            ["paper-out"] => Paper { out: true, ..p },
            ["refill"] => Paper {
                out: false,
                near_end: false,
                out_after: None,
                ..p
            },
            ["near-end"] => Paper {
                near_end: true,
                ..p
            },
            ["cover-open"] => Paper {
                cover_open: true,
                ..p
            },
            ["cover-close"] => Paper {
                cover_open: false,
                ..p
            },
            ["out-after", n] => Paper {
                out_after: Some(n.parse().context("out-after N: N is a byte count")?),
                ..p
            },
            ["unplug"] => {
                sim.unplug();
                return Ok(());
            }
            ["replug"] => {
                sim.replug();
                return Ok(());
            }
            _ => bail!(
                "commands: paper-out, refill, near-end, cover-open, cover-close, out-after N, unplug, replug, quit"
            ),
        };
        sim.set_paper(paper);
        Ok(())
    })
}

/// The simulated camera is a folder: `current.jpg` is the page under the camera.
fn camera(images: &Path, link: Option<&Path>) -> Result<ExitCode> {
    let pages = onevisit_camera::images_in(images);
    if pages.is_empty() {
        bail!("no JPEG or PNG images in {}", images.display());
    }
    let dir = link.map(Path::to_owned).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("onevisit-camera-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let show = |i: Option<usize>| -> Result<()> {
        for stale in ["current.jpg", "current.png"] {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        if let Some(i) = i {
            let src = &pages[i];
            let ext = src
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("jpg")
                .to_ascii_lowercase();
            let ext = if ext == "png" { "png" } else { "jpg" };
            std::fs::copy(src, dir.join(format!("current.{ext}")))?;
            eprintln!("under the camera: {}", src.display());
        } else {
            eprintln!("nothing under the camera");
        }
        Ok(())
    };
    let mut at = 0usize;
    show(Some(at))?;
    println!("sim:{}", dir.display());
    eprintln!(
        "simulated document camera with {} pages; commands: next, prev, empty, quit",
        pages.len()
    );
    command_loop(|words| match words {
        ["next"] => {
            at = (at + 1) % pages.len();
            show(Some(at))
        }
        ["prev"] => {
            at = (at + pages.len() - 1) % pages.len();
            show(Some(at))
        }
        ["empty"] => show(None),
        _ => Err(anyhow::anyhow!("commands: next, prev, empty, quit")),
    })
}
