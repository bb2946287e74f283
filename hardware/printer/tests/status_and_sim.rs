//! The status decoder never panics; the simulated printer's paper faults behave like a real
//! printer's, including printing a backlog after a refill unless its buffers are cleared.

use onevisit_printer::doc::PaperWidth;
use onevisit_printer::encode::{Model, encode};
use onevisit_printer::glyphs::NoGlyphs;
use onevisit_printer::receipt::{ReceiptData, build};
use onevisit_printer::sim::{Paper, SimPrinter};
use onevisit_printer::status::{
    BitTable, CLEAR_BUFFERS, PrinterStatus, Problem, StatusDecoder, query,
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn status_decoder_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), asks in proptest::collection::vec(1u8..=4, 0..10)) {
        let mut d = StatusDecoder::new();
        for n in asks {
            d.expect(n);
        }
        let mut s = PrinterStatus::default();
        for x in d.handle_bytes(&bytes) {
            s.apply(x, &BitTable::EPSON);
        }
        let _ = s.ready();
    }

    #[test]
    fn interpreter_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
        let _ = p.handle_bytes(&bytes);
    }
}

fn receipt() -> Vec<u8> {
    let r: ReceiptData =
        serde_json::from_str(include_str!("../../../docs/receipts/sample-receipt.json")).unwrap();
    encode(&build(&r, PaperWidth::Mm58), Model::default())
}

fn status(p: &mut SimPrinter) -> PrinterStatus {
    let mut d = StatusDecoder::new();
    let mut s = PrinterStatus::default();
    for n in 1..=4 {
        d.expect(n);
        for x in d.handle_bytes(&p.handle_bytes(&query(n)).reply) {
            s.apply(x, &BitTable::EPSON);
        }
    }
    s
}

#[test]
fn a_whole_receipt_is_one_page() {
    let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
    assert_eq!(status(&mut p).ready(), Ok(()));
    let out = p.handle_bytes(&receipt());
    assert_eq!(out.pages.len(), 1);
    assert!(!out.pages[0].partial);
}

#[test]
fn paper_out_mid_job_halts_and_answers_status() {
    let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
    p.paper.out_after = Some(400);
    let out = p.handle_bytes(&receipt());
    assert!(out.pages.is_empty());
    assert!(p.backlog() > 0);
    assert_eq!(status(&mut p).ready(), Err(Problem::PaperOut));
}

#[test]
fn without_clearing_a_refill_prints_the_stale_backlog() {
    let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
    p.paper.out_after = Some(400);
    p.handle_bytes(&receipt());
    let out = p.update(Paper::default());
    assert_eq!(out.pages.len(), 1, "the known failure of naive drivers");
}

#[test]
fn clearing_buffers_while_out_prevents_the_stale_print() {
    let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
    p.paper.out_after = Some(400);
    p.handle_bytes(&receipt());
    let out = p.handle_bytes(&CLEAR_BUFFERS);
    // What was printed before the paper ran out is torn off as a partial page.
    assert!(out.pages.iter().all(|pg| pg.partial));
    assert_eq!(p.backlog(), 0);
    let out = p.update(Paper::default());
    assert!(out.pages.is_empty());
}

#[test]
fn cover_open_halts_and_is_reported() {
    let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
    p.update(Paper {
        cover_open: true,
        ..Paper::default()
    });
    assert_eq!(status(&mut p).ready(), Err(Problem::CoverOpen));
    assert!(p.handle_bytes(&receipt()).pages.is_empty());
}

#[test]
fn near_end_is_reported_but_prints() {
    let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
    p.update(Paper {
        near_end: true,
        ..Paper::default()
    });
    let s = status(&mut p);
    assert_eq!(s.paper_near_end, Some(true));
    assert_eq!(s.ready(), Ok(()));
}

#[test]
fn automatic_status_back_on_change() {
    let mut p = SimPrinter::new(384, Box::new(NoGlyphs));
    p.handle_bytes(&onevisit_printer::status::ENABLE_ASB);
    let out = p.update(Paper {
        out: true,
        ..Paper::default()
    });
    let mut d = StatusDecoder::new();
    let mut s = PrinterStatus::default();
    for x in d.handle_bytes(&out.reply) {
        s.apply(x, &BitTable::EPSON);
    }
    assert_eq!(s.paper_out, Some(true));
}
