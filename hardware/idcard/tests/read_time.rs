//! The read's duration, as the core measures it with the time it is given: the core against
//! the simulated module in memory, on a clock that advances by each reply's delay.

use chrono::NaiveDate;
use onevisit_idcard::reader::{Action, CardReader, Config, Event};
use onevisit_idcard::sim::{SimCard, SimReader};

const CARD: &str = include_str!("../../serial/tests/cards/resident.json");

#[test]
fn a_read_reports_how_long_it_took_from_the_poll_that_found_the_card() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date");
    let mut sim = SimReader::new();
    sim.card = Some(serde_json::from_str::<SimCard>(CARD).expect("the sample card"));
    sim.delay_ms = 40;
    let mut core = CardReader::new(Config::default(), today);
    // The first poll comes a while after the start: the read's time counts from it.
    let mut now = 5_000;
    let mut pending = core.handle_connected(now);
    let mut took = None;
    for _ in 0..50 {
        let mut next = Vec::new();
        for a in pending.drain(..) {
            match a {
                Action::Send(bytes) => {
                    for r in sim.handle_bytes(&bytes) {
                        now += r.delay_ms;
                        next.extend(core.handle_bytes(now, &r.bytes));
                    }
                }
                Action::Event(Event::CardRead(r)) => took = Some(r.took_ms),
                Action::Event(_) => {}
            }
        }
        if took.is_some() {
            break;
        }
        pending = next;
    }
    let requests = sim.requests;
    // Find, select, read (and the appended address when the config asks): each reply 40 ms
    // plus the module's own time.
    let took = took.expect("the card was read");
    assert!(requests >= 3, "{requests} requests");
    assert!(
        took >= 40 * (requests - 1) && took <= now - 5_000,
        "took {took} ms over {requests} requests"
    );
}
