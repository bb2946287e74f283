//! The receipt printer simulator: the pure [`SimPrinter`] behind a pseudo-terminal, writing
//! each printed page as a PNG, with paper and cover faults on command.

use std::io;
use std::path::{Path, PathBuf};

use onevisit_printer::glyphs::Glyphs;
use onevisit_printer::interp::Page;
use onevisit_printer::sim::{Paper, SimPrinter};

use super::serve::{Device, Served};

pub struct PrinterDevice {
    printer: SimPrinter,
    out_dir: PathBuf,
    pages: u32,
    /// Files written so far, for tests and the technician's view.
    pub written: Vec<PathBuf>,
}

impl PrinterDevice {
    fn save(&mut self, pages: Vec<Page>) {
        for p in pages {
            self.pages += 1;
            let name = if p.partial {
                format!("job-{:04}-partial.png", self.pages)
            } else {
                format!("job-{:04}.png", self.pages)
            };
            let path = self.out_dir.join(name);
            if !p.log.is_empty() {
                // What the printer did not print as sent, beside the page it concerns.
                let log = path.with_extension("txt");
                if let Err(e) = std::fs::write(&log, p.log.join("\n") + "\n") {
                    tracing::warn!(%e, path = %log.display(), "simulated printer could not save a page's log");
                }
            }
            match std::fs::write(&path, p.to_png()) {
                Ok(()) => self.written.push(path),
                Err(e) => {
                    tracing::warn!(%e, path = %path.display(), "simulated printer could not save a page")
                }
            }
        }
    }
}

impl Device for PrinterDevice {
    fn handle_bytes(&mut self, bytes: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let out = self.printer.handle_bytes(bytes);
        for note in &out.notes {
            tracing::warn!(target: "printer", "simulated printer: {note}");
        }
        self.save(out.pages);
        if out.reply.is_empty() {
            Vec::new()
        } else {
            vec![(out.reply, 0)]
        }
    }
}

pub struct PrinterSim {
    served: Served<PrinterDevice>,
}

impl PrinterSim {
    /// A simulated printer `width_dots` wide, saving pages into `out_dir`.
    pub fn start(
        width_dots: u32,
        glyphs: Box<dyn Glyphs + Send>,
        out_dir: &Path,
        link: Option<&Path>,
    ) -> io::Result<Self> {
        Self::start_in_mode(width_dots, glyphs, out_dir, link, true)
    }

    /// As `start`, starting in Chinese mode (`true`, as the kiosk's printers) or with code
    /// tables; set before the link exists, so no client's first bytes meet the other mode.
    pub fn start_in_mode(
        width_dots: u32,
        glyphs: Box<dyn Glyphs + Send>,
        out_dir: &Path,
        link: Option<&Path>,
        chinese: bool,
    ) -> io::Result<Self> {
        std::fs::create_dir_all(out_dir)?;
        let mut printer = SimPrinter::new(width_dots, glyphs);
        printer.set_chinese(chinese);
        let device = PrinterDevice {
            printer,
            out_dir: out_dir.to_owned(),
            pages: 0,
            written: Vec::new(),
        };
        Ok(PrinterSim {
            served: Served::start(device, link, "printer")?,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.served.path()
    }

    pub fn paper(&self) -> Paper {
        self.served.lock().device.printer.paper
    }

    /// Changes the paper or cover; status messages and any pages that result go out.
    pub fn set_paper(&self, paper: Paper) {
        let mut s = self.served.lock();
        let out = s.device.printer.update(paper);
        s.device.save(out.pages);
        s.outbox.extend(out.reply);
    }

    pub fn written(&self) -> Vec<PathBuf> {
        self.served.lock().device.written.clone()
    }

    pub fn unplug(&self) {
        self.served.unplug();
    }

    pub fn replug(&self) {
        self.served.replug();
    }
}
