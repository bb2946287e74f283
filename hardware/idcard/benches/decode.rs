//! Decode + parse of one card read, against the wire time of the reply it comes in: a
//! 1,295-byte text+photo reply takes ≈ 112 ms at 115200 baud (10 bits a byte).

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use onevisit_idcard::card::{Card, CardType, Sex, ValidTo, encode_text};
use onevisit_idcard::frame::{Decoded, Decoder, encode};
use onevisit_idcard::reader::{encode_read_reply, parse_read_reply};

fn reply() -> Vec<u8> {
    let valid_to = ValidTo::Date(NaiveDate::from_ymd_opt(2040, 5, 1).unwrap_or_default());
    let card = Card {
        name: "张试民".into(),
        sex: Sex::Male,
        nation: Some("汉".into()),
        birth: NaiveDate::from_ymd_opt(1990, 3, 7),
        address: Some("样例省样例市样例县幸福路1号".into()),
        issuer: Some("样例县公安局".into()),
        valid_from: NaiveDate::from_ymd_opt(2020, 5, 1),
        ..Card::blank(CardType::Resident, "110101199003071233", valid_to)
    };
    let mut body = vec![0, 0, 0x90];
    body.extend(encode_read_reply(&encode_text(&card), &[0x5A; 1024], None));
    encode(&body)
}

fn bench(c: &mut Criterion) {
    let frame = reply();
    eprintln!(
        "reply frame: {} bytes, wire time at 115200 baud: {:.1} ms",
        frame.len(),
        frame.len() as f64 * 10.0 / 115_200.0 * 1000.0
    );
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
    c.bench_function("idcard/decode frame + parse card", |b| {
        b.iter(|| {
            let mut d = Decoder::new();
            for x in d.handle_bytes(black_box(&frame)) {
                if let Decoded::Frame(f) = x {
                    black_box(parse_read_reply(&f.body[3..], false, today).ok());
                }
            }
        })
    });
    c.bench_function("idcard/decode in 64-byte reads", |b| {
        b.iter(|| {
            let mut d = Decoder::new();
            for chunk in frame.chunks(64) {
                for x in d.handle_bytes(black_box(chunk)) {
                    if let Decoded::Frame(f) = x {
                        black_box(parse_read_reply(&f.body[3..], false, today).ok());
                    }
                }
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
