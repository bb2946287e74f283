//! The real serial driver against the simulated reader, over pseudo-terminals: every card
//! type, every fault, and unplug/replug recovery.

use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use onevisit_idcard::card::{CardType, Sex, ValidTo};
use onevisit_idcard::reader::{Config, Event, ReadError, ReaderStatus};
use onevisit_idcard::sim::{Fault, SimCard};
use onevisit_idcard::status::Status;
use onevisit_serial::idcard::{self, ReadOnceError};
use onevisit_serial::pump::{Driver, Link, Output, PortConfig};
use onevisit_serial::sim::{IdCardSim, load_cards};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn card(name: &str) -> SimCard {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cards")
        .join(name);
    load_cards(&path).unwrap().remove(0)
}

fn link(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("onevisit-sim-{}-{name}", std::process::id()))
}

fn read(sim: &IdCardSim) -> Result<onevisit_idcard::reader::CardRead, ReadOnceError> {
    idcard::read_once(
        sim.path().to_str().unwrap(),
        115_200,
        // A deadline for a stuck read, not a timing requirement: the reader's own timeouts
        // and retries end every read that is not stuck long before this.
        Duration::from_secs(60),
        today(),
    )
}

#[test]
fn reads_every_card_type() {
    let sim = IdCardSim::start(None).unwrap();
    for (file, ty) in [
        ("resident.json", CardType::Resident),
        ("hk-mo-tw.json", CardType::HkMoTw),
        ("foreign-2017.json", CardType::Foreign2017),
        ("foreign-2023.json", CardType::Foreign2023),
    ] {
        sim.place(card(file));
        let r = read(&sim).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(r.card.card_type, ty, "{file}");
        assert!(r.card.id_number_valid, "{file}: {}", r.card.id_number);
        assert!(!r.card.expired, "{file}");
        assert_eq!(r.photo.len(), 1024);
    }
}

#[test]
fn resident_card_fields_and_appended_address() {
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident.json"));
    let c = read(&sim).unwrap().card;
    assert_eq!(c.name, "张试民");
    assert_eq!(c.sex, Sex::Male);
    assert_eq!(c.nation.as_deref(), Some("汉"));
    assert_eq!(c.birth, NaiveDate::from_ymd_opt(1990, 3, 7));
    assert_eq!(c.address.as_deref(), Some("样例省样例市样例县幸福路1号"));
    assert_eq!(c.issuer.as_deref(), Some("样例县公安局"));
    assert_eq!(
        c.valid_to,
        ValidTo::Date(NaiveDate::from_ymd_opt(2040, 5, 1).unwrap())
    );
    assert_eq!(
        c.appended_address.as_deref(),
        Some("样例县新城街道和平路8号")
    );
}

#[test]
fn long_term_and_expired_cards() {
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident-long-term.json"));
    let c = read(&sim).unwrap().card;
    assert_eq!(c.valid_to, ValidTo::LongTerm);
    assert!(!c.expired);
    assert_eq!(c.id_number, "44030619750101002X");
    assert!(c.id_number_valid);
    sim.place(card("expired.json"));
    assert!(read(&sim).unwrap().card.expired);
}

#[test]
fn foreign_2023_english_name_spans_both_fields() {
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("foreign-2023.json"));
    let c = read(&sim).unwrap().card;
    assert_eq!(
        c.english_name.as_deref(),
        Some("MUELLER, SAMPLE ANNA MARIA CHRISTINA ELISABETH")
    );
    assert_eq!(c.nationality.as_deref(), Some("DEU"));
}

#[test]
fn no_card_is_a_clear_error() {
    let sim = IdCardSim::start(None).unwrap();
    let err = read(&sim).unwrap_err();
    assert!(matches!(err, ReadOnceError::NoCard), "{err}");
    assert!(err.to_string().contains("place the ID card"));
}

/// Requests a clean read of `file` takes (find, select, read, appended address), counted
/// on a fresh simulator.
fn clean_read_requests(file: &str) -> u64 {
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card(file));
    read(&sim).unwrap();
    assert_eq!(sim.faults(), 0);
    sim.requests()
}

#[test]
fn a_bad_checksum_is_retried() {
    let clean = clean_read_requests("resident.json");
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident.json"));
    sim.set_fault(Some(Fault::BadChecksum), Some(2));
    let r = read(&sim).unwrap();
    assert_eq!(r.card.name, "张试民");
    assert_eq!(sim.faults(), 2, "both corrupted replies went out");
    assert_eq!(
        sim.requests(),
        clean + 2,
        "each corrupted reply was answered by one resend"
    );
}

#[test]
fn constant_bad_checksums_mean_the_reader_is_not_responding() {
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident.json"));
    sim.set_fault(Some(Fault::BadChecksum), None);
    assert!(matches!(read(&sim), Err(ReadOnceError::NotResponding(_))));
    // The first try and the configured retries, all corrupted, then no more.
    let tries = u64::from(Config::default().retries) + 1;
    assert_eq!(sim.faults(), tries);
    assert_eq!(sim.requests(), tries);
}

#[test]
fn a_truncated_reply_times_out_and_is_retried() {
    let clean = clean_read_requests("resident.json");
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident.json"));
    sim.set_fault(Some(Fault::Truncated), Some(1));
    let r = read(&sim).unwrap();
    assert_eq!(r.card.name, "张试民");
    assert_eq!(sim.faults(), 1, "the truncated reply went out");
    assert_eq!(sim.requests(), clean + 1, "and was answered by one resend");
}

#[test]
fn slow_replies_are_waited_for() {
    let clean = clean_read_requests("resident.json");
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident.json"));
    // Well under the reply timeout (1.5 s): waited for, never resent.
    sim.set_delay(400);
    let r = read(&sim).unwrap();
    assert_eq!(r.card.name, "张试民");
    assert_eq!(
        sim.requests(),
        clean,
        "a slow reply was resent instead of waited for"
    );
}

#[test]
fn a_silent_reader_is_reported() {
    let sim = IdCardSim::start(None).unwrap();
    sim.set_fault(Some(Fault::Silent), None);
    let err = read(&sim).unwrap_err();
    assert!(matches!(err, ReadOnceError::NotResponding(_)), "{err}");
    let tries = u64::from(Config::default().retries) + 1;
    assert_eq!(sim.faults(), tries, "every try went unanswered");
}

#[test]
fn sam_error_codes_become_typed_errors() {
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident.json"));
    sim.set_fault(Some(Fault::SamError(0x41)), None);
    match read(&sim) {
        Err(ReadOnceError::Read(ReadError::Card(Status::ReadFailed))) => {}
        other => panic!("unexpected {other:?}"),
    }
    sim.set_fault(Some(Fault::SamError(0x66)), None);
    let err = read(&sim).unwrap_err();
    assert!(matches!(err, ReadOnceError::Faulty(_)), "{err}");
    assert!(err.to_string().contains("not authorised"), "{err}");
}

#[test]
fn a_missing_port_says_what_to_check() {
    let err = idcard::read_once(
        "/dev/onevisit-no-such-port",
        115_200,
        Duration::from_secs(1),
        today(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("plugged in"), "{err}");
}

/// How long to wait for something the driver should do soon: a deadline for a stuck test,
/// not a timing requirement (a loaded CI machine may be slow).
const WAIT: u64 = 60;

/// Waits for the first output matching `want`, up to `secs`.
fn wait_for<E: std::fmt::Debug>(
    d: &Driver<E>,
    secs: u64,
    want: impl Fn(&Output<E>) -> bool,
) -> Output<E> {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match d.events.recv_timeout(left) {
            Ok(o) if want(&o) => return o,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => panic!("timed out waiting"),
            Err(e) => panic!("{e}"),
        }
    }
}

fn fast_config() -> Config {
    Config {
        reply_timeout_ms: 400,
        poll_interval_ms: 50,
        debounce_ms: 1000,
        ..Config::default()
    }
}

#[test]
fn a_card_left_on_the_reader_is_reported_once() {
    let sim = IdCardSim::start(None).unwrap();
    sim.place(card("resident.json"));
    let port = PortConfig::new(sim.path().to_str().unwrap(), 115_200);
    // A debounce far longer than the test: however slow the machine, the card left on the
    // reader is never "away" long enough to be reported again.
    let config = Config {
        debounce_ms: 600_000,
        ..fast_config()
    };
    let d = idcard::spawn(port, config, today());
    wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::CardRead(_)))
    });
    // Many polls later (counted at the simulator, not timed), still no second read.
    let polls_before = sim.requests();
    let deadline = Instant::now() + Duration::from_secs(WAIT);
    while sim.requests() < polls_before + 20 {
        assert!(Instant::now() < deadline, "the reader stopped polling");
        if let Ok(Output::Device(Event::CardRead(_))) =
            d.events.recv_timeout(Duration::from_millis(20))
        {
            panic!("the same card was reported twice");
        }
    }
    sim.remove();
    wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::CardRemoved))
    });
    // Once it was seen gone, the same card placed again is a new read.
    sim.place(card("resident.json"));
    wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::CardRead(_)))
    });
}

#[test]
fn unplug_and_replug_recover_without_restart() {
    let l = link("replug");
    let sim = IdCardSim::start(Some(&l)).unwrap();
    let port = PortConfig {
        backoff_min_ms: 50,
        backoff_max_ms: 200,
        ..PortConfig::new(l.to_str().unwrap(), 115_200)
    };
    let d = idcard::spawn(port, fast_config(), today());
    wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::Status(ReaderStatus::Online)))
    });
    sim.unplug();
    wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::Status(ReaderStatus::Offline)))
    });
    wait_for(&d, WAIT, |o| matches!(o, Output::Link(Link::Closed { .. })));
    sim.replug();
    sim.place(card("resident.json"));
    wait_for(&d, WAIT, |o| matches!(o, Output::Link(Link::Open)));
    let o = wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::CardRead(_)))
    });
    if let Output::Device(Event::CardRead(r)) = o {
        assert_eq!(r.card.name, "张试民");
    }
}

#[test]
fn repeated_reader_faults_trigger_a_reset() {
    let sim = IdCardSim::start(None).unwrap();
    sim.set_fault(Some(Fault::SamError(0x60)), Some(3));
    let port = PortConfig::new(sim.path().to_str().unwrap(), 115_200);
    let d = idcard::spawn(port, fast_config(), today());
    wait_for(&d, WAIT, |o| {
        matches!(
            o,
            Output::Device(Event::Status(ReaderStatus::Faulty(
                Status::SamSelfTestFailed
            )))
        )
    });
    wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::Status(ReaderStatus::Resetting)))
    });
    wait_for(&d, WAIT, |o| {
        matches!(o, Output::Device(Event::Status(ReaderStatus::Online)))
    });
}
