use super::*;
use crate::glyphs::NoGlyphs;

fn run(bytes: &[u8]) -> (Vec<Page>, Vec<Event>) {
    let mut it = Interpreter::new(576);
    let events = it.handle_bytes(bytes, &NoGlyphs);
    let pages = events
        .iter()
        .filter_map(|e| match e {
            Event::Page(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    (pages, events)
}

/// `ESC d 255` feeds 255 lines (7,650 rows): repeated, it grew the page by 4 MB a command.
#[test]
fn endless_feeding_stops_at_a_metre_of_paper() {
    let mut it = Interpreter::new(576);
    for _ in 0..3 {
        let _ = it.handle_bytes(&[0x1b, b'd', 255], &NoGlyphs);
    }
    let _ = it.handle_bytes(b"after\n", &NoGlyphs);
    let page = it.tear_off().expect("a page");
    assert_eq!(page.height, MAX_PAGE_ROWS);
    assert_eq!(page.dots.len(), 576 * MAX_PAGE_ROWS as usize);
}

#[test]
fn text_without_a_line_end_wraps_at_the_paper_edge() {
    let mut it = Interpreter::new(576);
    let _ = it.handle_bytes(&vec![b'x'; 10_000], &NoGlyphs);
    assert!(it.line.len() <= 48, "{} characters held", it.line.len());
    // 10,000 characters of 12 dots on 576-dot lines: 209 lines printed, the rest held.
    assert_eq!(it.height(), 208 * 30);
}

#[test]
fn overprinting_in_place_is_bounded() {
    let mut it = Interpreter::new(576);
    for _ in 0..5_000 {
        let _ = it.handle_bytes(&[0x1b, b'$', 0, 0, b'A'], &NoGlyphs);
    }
    assert!(it.line.len() <= 1_024);
}

#[test]
fn unknown_commands_are_noted_in_the_page_log_and_as_events() {
    let (pages, events) = run(b"\x1b@\x1bzA\x1d\xfeB\x1c\xf0\x07C\n\x1dV\x00");
    let page = &pages[0];
    assert_eq!(page.log.len(), 4, "{:?}", page.log);
    assert!(
        page.log[0].contains("ESC z (1B 7A) is not a command"),
        "{}",
        page.log[0]
    );
    assert!(page.log[0].starts_with("byte 2:"), "{}", page.log[0]);
    assert!(page.log[1].contains("GS 0xfe"), "{}", page.log[1]);
    assert!(page.log[3].contains("control byte 0x07"), "{}", page.log[3]);
    let notes = events
        .iter()
        .filter(|e| matches!(e, Event::Note(_)))
        .count();
    assert_eq!(notes, 4);
    // The next page starts with a clean log.
    let (pages, _) = run(b"ok\n\x1dV\x00");
    assert!(pages[0].log.is_empty());
}

#[test]
fn an_oversized_raster_is_skipped_without_holding_it() {
    let mut it = Interpreter::new(576);
    // GS v 0 announcing 255 × 65535 bytes (16 MB).
    let events = it.handle_bytes(&[0x1d, b'v', b'0', 0, 255, 0, 255, 255], &NoGlyphs);
    assert!(matches!(&events[0], Event::Note(n) if n.contains("more than a printer holds")));
    for _ in 0..60 {
        let _ = it.handle_bytes(&[0xAA; 1 << 18], &NoGlyphs);
    }
    assert!(it.pending.is_empty());
    // Then what follows prints normally.
    let _ = it.handle_bytes(&vec![0u8; 255 * 65535 - 60 * (1 << 18)], &NoGlyphs);
    let events = it.handle_bytes(b"after\n\x1dV\x00", &NoGlyphs);
    let page = events.iter().find_map(|e| match e {
        Event::Page(p) => Some(p),
        _ => None,
    });
    assert_eq!(page.map(|p| p.height), Some(30));
}

#[test]
fn status_and_drawer_commands_become_events() {
    let (_, events) =
        run(b"\x10\x04\x01\x1dr\x01\x1dI\x01\x1bu\x00\x1bv\x1bp\x00\x19\xfa\x10\x14\x01\x00\x05");
    assert_eq!(
        events,
        vec![
            Event::RealTimeStatus(1),
            Event::TransmitStatus(1),
            Event::PrinterId(1),
            Event::PeripheralStatus,
            Event::PaperSensorStatus,
            Event::Pulse { pin: 2, on_ms: 50 },
            Event::Pulse { pin: 2, on_ms: 500 },
        ]
    );
}

#[test]
fn every_split_of_a_stream_prints_the_same() {
    let stream: &[u8] = b"\x1b@\x1b!\x38Big\n\x1b!\x00\x1dH\x02\x1dk\x43\x0c692012345678\x1dv0\x00\x02\x00\x02\x00\xff\x00\x0f\xf0\x1b*\x21\x02\x00\xff\xff\xff\x00\xff\x00\n\x1dV\x00";
    let (whole, _) = run(stream);
    for cut in 1..stream.len() {
        let mut it = Interpreter::new(576);
        let mut events = it.handle_bytes(&stream[..cut], &NoGlyphs);
        events.extend(it.handle_bytes(&stream[cut..], &NoGlyphs));
        let pages: Vec<Page> = events
            .into_iter()
            .filter_map(|e| match e {
                Event::Page(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(pages, whole, "cut at {cut}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]
    /// Any bytes, heavy in command prefixes and small numbers: no panic, pages well formed.
    #[test]
    fn any_stream_prints_without_panicking(
        bytes in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec![0x1Bu8, 0x1C, 0x1D, 0x10, 0x0A, 0x09, 0x00, 0x01, 0x02, 0x30, 0x31, 0x32, 0x41, 0x42, 0x43, 0x45, 0x48, 0x49, 0x4C, 0x50, 0x51, 0x56, 0x6B, 0x70, 0x76, 0x7B, 0x28, 0x2A, 0x38, 0x21, 0xFF]),
                proptest::num::u8::ANY,
            ],
            0..600,
        ),
        cut in 0usize..600,
    ) {
        let mut it = Interpreter::new(384);
        let cut = cut.min(bytes.len());
        let mut pages = Vec::new();
        for part in [&bytes[..cut], &bytes[cut..]] {
            for e in it.handle_bytes(part, &NoGlyphs) {
                if let Event::Page(p) = e {
                    pages.push(p);
                }
            }
        }
        pages.extend(it.tear_off());
        for p in pages {
            proptest::prop_assert_eq!(p.dots.len(), (p.width * p.height) as usize);
            proptest::prop_assert!(p.height <= MAX_PAGE_ROWS);
        }
    }
}

#[test]
fn commands_take_exactly_their_bytes() {
    // DLE DC4 3 a n r t1 t2 (8 bytes), GS g 0 m nL nH (6), GS k with no form (3): nothing of
    // them prints as text.
    let (pages, events) =
        run(b"\x10\x14\x03\x01\x02\x03\x41\x42ok\n\x1dg\x00\x01\x41\x42ok\n\x1dk\x20ok\n\x1dV\x00");
    assert_eq!(pages[0].text, vec!["ok", "ok", "ok"], "{:?}", pages[0].log);
    assert!(events.contains(&Event::Beep));
}

#[test]
fn esc_j_after_text_feeds_n_in_all() {
    // A line of text and ESC J 24: 24 rows, not a line's spacing and 24 more.
    let (pages, _) = run(b"A\x1bJ\x18\x1dV\x00");
    assert_eq!(pages[0].height, 24);
    // ESC d 2 after text: two lines in all.
    let (pages, _) = run(b"A\x1bd\x02\x1dV\x00");
    assert_eq!(pages[0].height, 60);
}

#[test]
fn a_full_page_renders_nothing_more() {
    let mut it = Interpreter::new(576);
    let _ = it.handle_bytes(&[0x1b, b'J', 255].repeat(40), &NoGlyphs);
    assert!(it.page_full());
    // GS * 255 × 255 then GS / 3 repeated: consumed, not drawn.
    let mut define = vec![0x1d, b'*', 255, 255];
    define.extend(std::iter::repeat_n(0xFF, 255 * 255 * 8));
    let _ = it.handle_bytes(&define, &NoGlyphs);
    for _ in 0..50 {
        let _ = it.handle_bytes(&[0x1d, b'/', 3], &NoGlyphs);
    }
    assert!(it.pending.is_empty());
    assert_eq!(it.height(), MAX_PAGE_ROWS);
}

#[test]
fn notes_beyond_a_pages_log_are_not_sent_on() {
    let (pages, events) = run(&[&[0x07u8; 4_000][..], b"\x1dV\x00"].concat());
    assert_eq!(pages[0].log.len(), MAX_LOG + 1);
    let notes = events
        .iter()
        .filter(|e| matches!(e, Event::Note(_)))
        .count();
    assert_eq!(notes, MAX_LOG + 1);
}
