//! The printer driver against the simulated printer over a pseudo-terminal: a receipt, paper
//! running out mid-receipt, the cover open, paper near end, unplug and replug.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use onevisit_printer::doc::PaperWidth;
use onevisit_printer::encode::{Model, encode_segments};
use onevisit_printer::glyphs::NoGlyphs;
use onevisit_printer::receipt::{ReceiptData, build};
use onevisit_printer::sim::Paper;
use onevisit_printer::status::{BitTable, Problem};
use onevisit_serial::printer::{self, PrinterEvent, PrinterPort, Request};
use onevisit_serial::sim::PrinterSim;

fn job() -> Vec<Vec<u8>> {
    let r: ReceiptData =
        serde_json::from_str(include_str!("../../../docs/receipts/sample-receipt.json")).unwrap();
    encode_segments(&build(&r, PaperWidth::Mm58), Model::default())
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("onevisit-printer-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn sim(name: &str) -> PrinterSim {
    PrinterSim::start(384, Box::new(NoGlyphs), &dir(name), None).unwrap()
}

fn open(s: &PrinterSim) -> PrinterPort {
    PrinterPort::open(s.path().to_str().unwrap(), 115_200, BitTable::EPSON).unwrap()
}

/// How long to wait for something that should happen soon: a deadline for a stuck test, not
/// a timing requirement (a loaded CI machine may be slow).
const WAIT: Duration = Duration::from_secs(60);

/// Waits until the simulator has written `n` files (or the deadline passed).
fn files(s: &PrinterSim, n: usize) -> Vec<PathBuf> {
    let until = Instant::now() + WAIT;
    while s.written().len() < n && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    s.written()
}

#[test]
fn a_receipt_prints_and_is_reported_printed() {
    let s = sim("ok");
    let r = open(&s).print(&job()).unwrap();
    assert!(r.printed && r.problem.is_none(), "{r:?}");
    let f = files(&s, 1);
    assert_eq!(f.len(), 1);
    assert!(f[0].to_string_lossy().ends_with("job-0001.png"));
}

#[test]
fn paper_out_mid_receipt_is_not_printed_and_nothing_stale_follows_the_refill() {
    let s = sim("paper-out");
    s.set_paper(Paper {
        out_after: Some(600),
        ..Paper::default()
    });
    let mut p = open(&s);
    let r = p.print(&job()).unwrap();
    assert!(!r.printed);
    assert_eq!(r.problem, Some(Problem::PaperOut));
    // The half-printed slip was torn off; after the refill nothing more comes out by itself.
    let f = files(&s, 1);
    assert!(
        f.iter().all(|f| f.to_string_lossy().contains("partial")),
        "{f:?}"
    );
    s.set_paper(Paper::default());
    // A status round trip: the simulator answers it only after everything sent before it,
    // so a stale receipt would be on file by the time the answer is here.
    assert!(p.query().unwrap().ready().is_ok());
    assert_eq!(
        s.written().len(),
        f.len(),
        "a stale receipt was printed after the refill"
    );
    // The reprint is whole.
    let r = p.print(&job()).unwrap();
    assert!(r.printed, "{r:?}");
    let f = files(&s, 2);
    assert!(
        f.last()
            .unwrap()
            .to_string_lossy()
            .ends_with("job-0002.png"),
        "{f:?}"
    );
}

#[test]
fn nothing_is_sent_with_the_cover_open() {
    let s = sim("cover");
    s.set_paper(Paper {
        cover_open: true,
        ..Paper::default()
    });
    let mut p = open(&s);
    let r = p.print(&job()).unwrap();
    assert_eq!(r.problem, Some(Problem::CoverOpen));
    s.set_paper(Paper::default());
    // As above: once this answer is back, anything sent before it has been handled.
    assert!(p.query().unwrap().ready().is_ok());
    assert!(s.written().is_empty());
}

#[test]
fn paper_near_end_is_reported_with_the_receipt() {
    let s = sim("near-end");
    s.set_paper(Paper {
        near_end: true,
        ..Paper::default()
    });
    let r = open(&s).print(&job()).unwrap();
    assert!(r.printed && r.paper_near_end, "{r:?}");
}

#[test]
fn the_driver_thread_goes_offline_and_comes_back() {
    let link = std::env::temp_dir().join(format!("onevisit-printer-link-{}", std::process::id()));
    let s = PrinterSim::start(384, Box::new(NoGlyphs), &dir("replug"), Some(&link)).unwrap();
    let d = printer::spawn(
        link.to_string_lossy().into_owned(),
        115_200,
        BitTable::EPSON,
        Duration::from_millis(100),
    );
    let wait = |want: &dyn Fn(&PrinterEvent) -> bool| {
        let until = Instant::now() + WAIT;
        loop {
            let e = d
                .events
                .recv_timeout(until.saturating_duration_since(Instant::now()))
                .expect("event");
            if want(&e) {
                return e;
            }
        }
    };
    wait(&|e| matches!(e, PrinterEvent::Status(st) if st.ready().is_ok()));
    s.unplug();
    wait(&|e| matches!(e, PrinterEvent::Offline(_)));
    // A print request while offline is refused at once, not queued.
    let (tx, rx) = std::sync::mpsc::channel();
    d.requests.send(Request::Print(job(), tx)).unwrap();
    let r = rx.recv_timeout(WAIT).unwrap();
    assert!(r.unwrap_err().contains("offline"));
    s.replug();
    wait(&|e| matches!(e, PrinterEvent::Online));
    let (tx, rx) = std::sync::mpsc::channel();
    d.requests.send(Request::Print(job(), tx)).unwrap();
    assert!(rx.recv_timeout(WAIT).unwrap().unwrap().printed);
}
