//! The receipt printer for the app: the real one at its port, or (`--simulate` only) the
//! simulated printer on a pseudo-terminal (pages saved as PNG under the data folder).

use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use onevisit_printer::status::BitTable;
use onevisit_serial::printer::{PrinterDriver, PrinterEvent, Request, spawn};
use onevisit_serial::sim::PrinterSim;

use super::app::Printer;

pub struct SerialPrinter {
    driver: PrinterDriver,
    pub sim: Option<PrinterSim>,
    /// The printer's last known problem, in plain words (empty: fine).
    pub problem: String,
    /// The printer has reported its status at least once.
    known: bool,
}

impl SerialPrinter {
    /// The printer at `port`, or the simulator when None (`run` decides which: see
    /// `config::DevicePlan`).
    pub fn start(
        data_dir: &std::path::Path,
        port: Option<String>,
    ) -> anyhow::Result<SerialPrinter> {
        let (path, sim) = match port {
            Some(p) => (p, None),
            None => {
                let glyphs = onevisit_serial::fonts::receipt_font().map_err(anyhow::Error::msg)?;
                let sim = PrinterSim::start(
                    onevisit_printer::PaperWidth::Mm80.dots(),
                    Box::new(glyphs),
                    &data_dir.join("simulated-printer"),
                    None,
                )?;
                (sim.path().to_string_lossy().into_owned(), Some(sim))
            }
        };
        Ok(SerialPrinter {
            driver: spawn(path, 115_200, BitTable::EPSON, Duration::from_millis(500)),
            sim,
            problem: String::new(),
            known: false,
        })
    }

    /// Drains the printer's events; true when its problem changed.
    pub fn poll(&mut self) -> bool {
        let before = self.problem.clone();
        while let Ok(e) = self.driver.events.try_recv() {
            self.known |= matches!(e, PrinterEvent::Status(_));
            self.problem = match e {
                PrinterEvent::Online => String::new(),
                PrinterEvent::Offline(_) => "打印机未连接 · Printer offline".into(),
                PrinterEvent::Status(s) => {
                    if s.paper_out == Some(true) {
                        "打印机缺纸 · Printer out of paper".into()
                    } else if s.cover_open == Some(true) {
                        "打印机盖未关 · Printer cover open".into()
                    } else if s.error == Some(true) {
                        "打印机故障 · Printer fault".into()
                    } else {
                        String::new()
                    }
                }
            };
        }
        self.problem != before
    }

    /// The printer's state once it has reported one: ready, or its problem.
    pub fn poll_status(&mut self) -> Option<Result<(), String>> {
        self.poll();
        self.known.then(|| {
            if self.problem.is_empty() {
                Ok(())
            } else {
                Err(self.problem.clone())
            }
        })
    }

    /// Simulation: paper out ↔ paper in.
    pub fn toggle_paper(&self) {
        if let Some(sim) = &self.sim {
            let mut p = sim.paper();
            p.out = !p.out;
            sim.set_paper(p);
        }
    }
}

impl Printer for SerialPrinter {
    fn print(&mut self, job: Vec<Vec<u8>>) -> Receiver<Result<(), String>> {
        let (tx, rx) = channel();
        let (rtx, rrx) = channel();
        if self.driver.requests.send(Request::Print(job, rtx)).is_err() {
            let _ = tx.send(Err("printer thread stopped".into()));
            return rx;
        }
        std::thread::spawn(move || {
            let r = match rrx.recv_timeout(Duration::from_secs(30)) {
                Ok(Ok(report)) if report.printed => Ok(()),
                // Both languages, Chinese first: the screen shows the citizen's (`view::in_lang`).
                Ok(Ok(report)) => Err(report
                    .problem
                    .map(|p| format!("{} · {p}", p.zh()))
                    .unwrap_or_else(|| "未能打印 · not printed".into())),
                Ok(Err(e)) => Err(e),
                Err(_) => Err("打印机无响应 · the printer did not answer".into()),
            };
            let _ = tx.send(r);
        });
        rx
    }
}
