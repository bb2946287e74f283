//! The MRZ reader and scanner drivers against their simulators over pseudo-terminals.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use onevisit_mrz::Format;
use onevisit_scanner::Splitter;
use onevisit_serial::line::{self, MrzEvent};
use onevisit_serial::pump::{Link, Output, PortConfig};
use onevisit_serial::sim::{MrzSim, ScannerSim};

fn next<E>(rx: &std::sync::mpsc::Receiver<Output<E>>) -> E {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Output::Device(e)) => return e,
            Ok(Output::Link(Link::Open)) => {}
            Ok(Output::Link(l)) => panic!("link {l:?}"),
            Err(e) => panic!("{e}"),
        }
    }
}

fn wait_open<E>(rx: &std::sync::mpsc::Receiver<Output<E>>) {
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Output::Link(Link::Open)) => {}
        _ => panic!("port did not open"),
    }
}

#[test]
fn passport_through_the_mrz_reader() {
    let mut sim = MrzSim::start(None).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let d = line::spawn_mrz(
        PortConfig::new(sim.path().to_str().unwrap(), 9600),
        200,
        today,
    );
    wait_open(&d.events);
    sim.present(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ])
    .unwrap();
    let MrzEvent::Document(Ok(m)) = next(&d.events) else {
        panic!("not parsed")
    };
    assert_eq!(m.format, Format::Td3);
    assert!(m.checks_valid);
}

#[test]
fn qr_codes_through_the_scanner() {
    let mut sim = ScannerSim::start(None, b"\r\n", Some("Q1")).unwrap();
    let splitter = Splitter::new(b"\r\n", 100, true);
    let d = line::spawn_scanner(
        PortConfig::new(sim.path().to_str().unwrap(), 9600),
        splitter,
    );
    wait_open(&d.events);
    sim.scan("https://track.example.test/c/2026-000123")
        .unwrap();
    sim.scan("营业执照电子证照").unwrap();
    let a = next(&d.events);
    let b = next(&d.events);
    assert_eq!(a.text, "https://track.example.test/c/2026-000123");
    assert_eq!(a.symbology.as_deref(), Some("Q1"));
    assert_eq!(b.text, "营业执照电子证照");
}
