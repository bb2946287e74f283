//! The receipt: its data from the store, the print job, the preview of what was printed,
//! and the printer's answer.

use std::sync::mpsc::{Receiver, channel};

use onevisit_domain::session::Event;
use onevisit_printer::encode::{self, Model};
use onevisit_printer::receipt::{MaterialLine, ReceiptData, build};
use onevisit_printer::{PaperWidth, QrMode};

use super::app::App;

/// Where the receipt's QR code points (the county's tracking page).
pub const TRACKING_URL: &str = "https://zwfw.example.gov.cn/onevisit/track/";

/// Printing, as the app needs it: a job in, a result later.
pub trait Printer {
    /// Starts printing; the result arrives on the returned channel.
    fn print(&mut self, job: Vec<Vec<u8>>) -> Receiver<Result<(), String>>;
}

/// A printer that always fails (none configured and no simulator).
pub struct NoPrinter;

impl Printer for NoPrinter {
    fn print(&mut self, _job: Vec<Vec<u8>>) -> Receiver<Result<(), String>> {
        let (tx, rx) = channel();
        let _ = tx.send(Err("no receipt printer".into()));
        rx
    }
}

pub struct Receipts {
    pub printer: Box<dyn Printer>,
    printing: Option<Receiver<Result<(), String>>>,
    /// What is printing is the take-home list, not a receipt.
    list: bool,
    /// The last receipt as printed (the receipt screen shows it).
    pub png: Option<Vec<u8>>,
}

impl Default for Receipts {
    fn default() -> Receipts {
        Receipts {
            printer: Box::new(NoPrinter),
            printing: None,
            list: false,
            png: None,
        }
    }
}

impl Receipts {
    pub fn wipe(&mut self) {
        self.png = None;
        self.printing = None;
        self.list = false;
    }
}

impl App {
    /// The local case number printed on the receipt (the central system's number comes later
    /// and shows under "my cases" and on a reprint).
    pub fn case_number(case_id: &str) -> String {
        onevisit_domain::case_number::local(case_id)
    }

    pub(super) fn print(&mut self, case_id: &str, reprint: bool) {
        match self.receipt_job(case_id, reprint) {
            Some(job) => self.receipt.printing = Some(self.receipt.printer.print(job)),
            None => self.event(Event::PrintFailed("receipt data missing".into())),
        }
    }

    /// The printer's answer, once it has one.
    pub(super) fn poll_printer(&mut self) {
        if let Some(rx) = &self.receipt.printing
            && let Ok(r) = rx.try_recv()
        {
            self.receipt.printing = None;
            if std::mem::take(&mut self.receipt.list) {
                self.event(Event::ChecklistPrinted(r));
                return;
            }
            match r {
                Ok(()) => self.event(Event::Printed),
                Err(e) => self.event(Event::PrintFailed(e)),
            }
        }
    }

    /// Prints the take-home list for the session's theme and answers (`kept_until` when the
    /// application was saved). A receipt being printed is never interrupted for it.
    pub(super) fn print_checklist(&mut self, kept_until: Option<String>) {
        if self.receipt.printing.is_some() {
            return;
        }
        let Some(theme) = self.session.theme().map(str::to_owned) else {
            return;
        };
        let issued = self.local_time().format("%Y-%m-%d %H:%M").to_string();
        let data = crate::checklist::data(
            &self.catalog,
            &theme,
            self.session.answers(),
            &self.site,
            &issued,
            kept_until,
        );
        let Ok(data) = data else {
            return;
        };
        let doc = onevisit_printer::checklist::build(&data, PaperWidth::Mm80);
        let job = encode::encode_segments(&doc, Model { qr: QrMode::Native });
        self.receipt.list = true;
        self.receipt.printing = Some(self.receipt.printer.print(job));
    }

    pub fn receipt_data(&self, case_id: &str, reprint: bool) -> Option<ReceiptData> {
        let (detail, payload) = {
            let store = self.cases.store()?;
            (store.get(case_id).ok()?, store.payload(case_id).ok()?)
        };
        let theme = self.catalog.theme(&detail.summary.theme)?;
        let plan = onevisit_domain::plan(&self.catalog, &theme.id, &detail.answers).ok();
        let due = self
            .session
            .due_date()
            .filter(|_| self.session.case_id() == Some(case_id))
            .unwrap_or("—");
        Some(ReceiptData {
            site: self.site.clone(),
            case_number: onevisit_domain::case_number::shown(
                case_id,
                detail.central_number.as_deref(),
            ),
            theme: theme.name.zh.clone(),
            applicant_name: payload.applicant.name.clone(),
            id_number: payload.applicant.id_number.clone(),
            materials: detail
                .materials
                .iter()
                .map(|m| MaterialLine {
                    name: m.name.clone(),
                    pages: m.pages,
                })
                .collect(),
            departments: plan
                .map(|p| p.departments.iter().map(|d| d.name.zh.clone()).collect())
                .unwrap_or_default(),
            due_date: due.to_owned(),
            tracking_url: format!("{TRACKING_URL}{case_id}"),
            issued_at: self.local_time().format("%Y-%m-%d %H:%M").to_string(),
            reprint,
            owed: payload
                .owed
                .iter()
                .map(|o| onevisit_printer::receipt::OwedLine {
                    name: o.name.clone(),
                    due: o.due.clone(),
                })
                .collect(),
            correction: (detail.remote_status.as_deref() == Some("needs_correction"))
                .then(|| detail.remote_reason.clone())
                .flatten(),
        })
    }

    fn receipt_job(&mut self, case_id: &str, reprint: bool) -> Option<Vec<Vec<u8>>> {
        let data = self.receipt_data(case_id, reprint)?;
        let doc = build(&data, PaperWidth::Mm80);
        let model = Model { qr: QrMode::Native };
        let bytes = encode::encode(&doc, model);
        // The preview is the printed bytes, interpreted.
        if let Ok(glyphs) = onevisit_serial::fonts::receipt_font() {
            let page = onevisit_printer::interp::Interpreter::new(PaperWidth::Mm80.dots())
                .handle_bytes(&bytes, &glyphs)
                .into_iter()
                .find_map(|e| match e {
                    onevisit_printer::interp::Event::Page(p) => Some(p),
                    _ => None,
                });
            self.receipt.png = page.map(|p| p.to_png());
        }
        Some(encode::encode_segments(&doc, model))
    }
}
