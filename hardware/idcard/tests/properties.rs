//! Frame decoding is independent of how the stream is cut, and no input makes it panic.

use chrono::NaiveDate;
use onevisit_idcard::card::{Card, CardType, Sex, ValidTo, decode_text, encode_text};
use onevisit_idcard::frame::{Decoded, Decoder, encode};
use onevisit_idcard::reader::{CardReader, Config};
use proptest::prelude::*;

fn frames_of(stream: &[u8], cuts: &[usize]) -> Vec<Decoded> {
    let mut d = Decoder::new();
    let mut out = Vec::new();
    let mut at = 0;
    for &c in cuts {
        let end = (at + c).min(stream.len());
        out.extend(d.handle_bytes(&stream[at..end]));
        at = end;
    }
    out.extend(d.handle_bytes(&stream[at..]));
    out
}

fn only_frames(v: Vec<Decoded>) -> Vec<Vec<u8>> {
    v.into_iter()
        .filter_map(|d| match d {
            Decoded::Frame(f) => Some(f.body),
            Decoded::Error(_) => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_fragmentation_yields_the_same_frames(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..300), 1..6),
        garbage in proptest::collection::vec(any::<u8>().prop_filter("not preamble start", |b| *b != 0xAA), 0..20),
        cuts in proptest::collection::vec(0usize..64, 0..40),
    ) {
        let mut stream = garbage.clone();
        for b in &bodies {
            stream.extend(encode(b));
        }
        let whole = only_frames(frames_of(&stream, &[]));
        let cut = only_frames(frames_of(&stream, &cuts));
        prop_assert_eq!(&whole, &bodies);
        prop_assert_eq!(cut, whole);
    }

    #[test]
    fn random_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..4096), cuts in proptest::collection::vec(0usize..512, 0..20)) {
        let _ = frames_of(&bytes, &cuts);
    }

    #[test]
    fn random_bytes_never_panic_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let mut r = CardReader::new(Config::default(), today);
        let _ = r.handle_connected(0);
        let _ = r.handle_bytes(1, &bytes);
        let _ = r.handle_timeout(10_000);
    }

    #[test]
    fn random_text_blocks_never_panic(bytes in proptest::collection::vec(any::<u8>(), 256)) {
        let _ = decode_text(&bytes, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
    }

    #[test]
    fn resident_cards_round_trip(name in "[\u{4e00}-\u{9fa5}]{1,15}", addr in "[\u{4e00}-\u{9fa5}0-9]{0,35}") {
        let card = Card {
            name: name.clone(),
            sex: Sex::Female,
            nation: Some("汉".into()),
            birth: NaiveDate::from_ymd_opt(1990, 3, 7),
            address: (!addr.is_empty()).then(|| addr.clone()),
            id_number_valid: true,
            issuer: Some("样例县公安局".into()),
            valid_from: NaiveDate::from_ymd_opt(2020, 1, 1),
            ..Card::blank(CardType::Resident, "110101199003071233", ValidTo::LongTerm)
        };
        let back = decode_text(&encode_text(&card), NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()).unwrap();
        prop_assert_eq!(back, card);
    }
}
