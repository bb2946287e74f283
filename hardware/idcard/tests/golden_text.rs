//! Golden text blocks: each 256-byte block below was written by hand, field by field, from the
//! offset tables in the hardware spec (shared/specs/hardware.md §1, "Text block"), as UTF-16LE
//! code units right-padded with spaces. They check `decode_text` and `encode_text` against the
//! spec rather than against each other. The people are synthetic; every ID number carries a
//! valid GB 11643 check character.

use chrono::NaiveDate;
use onevisit_idcard::card::{Card, CardType, Sex, ValidTo, card_type, decode_text, encode_text};

/// Each group is one field; each `xxxx` is one UTF-16LE code unit as it lies in memory
/// (`4e67` is 李 U+674E, `2000` a space, `3100` the digit 1).
mod blocks {
    pub const RESIDENT: &str = concat!(
        // 0/30 name: 李小梅
        "4e67 0f5c 8568 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 30/2 sex: female: 2
        "3200 ",
        // 32/4 nation: 01 汉
        "3000 3100 ",
        // 36/16 birth: 19550304
        "3100 3900 3500 3500 3000 3300 3000 3400 ",
        // 52/70 address: 北京市东城区示例路1号
        "1753 ac4e 025e 1c4e ce57 3a53 3a79 8b4f ef8d 3100 f753 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 122/36 ID number: 110101195503040021
        "3100 3100 3000 3100 3000 3100 3100 3900 3500 3500 3000 3300 3000 3400 3000 3000 3200 3100 ",
        // 158/30 issuing authority: 北京市公安局东城分局
        "1753 ac4e 025e 6c51 895b 405c 1c4e ce57 0652 405c 2000 2000 2000 2000 2000 ",
        // 188/16 valid from: 20150601
        "3200 3000 3100 3500 3000 3600 3000 3100 ",
        // 204/16 valid to: 长期 (no expiry)
        "7f95 1f67 2000 2000 2000 2000 2000 2000 ",
        // 220/36 unused, marker blank = resident
        "2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
    );
    pub const HK_MO_TW: &str = concat!(
        // 0/30 name: 陈大文
        "4896 2759 8765 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 30/2 sex: male: 1
        "3100 ",
        // 32/4 nation: blank
        "2000 2000 ",
        // 36/16 birth: 19900215
        "3100 3900 3900 3000 3000 3200 3100 3500 ",
        // 52/70 address: 广东省深圳市福田区示例路8号
        "7f5e 1c4e 0177 f16d 3357 025e 8f79 3075 3a53 3a79 8b4f ef8d 3800 f753 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 122/36 ID number: 81000019900215003X
        "3800 3100 3000 3000 3000 3000 3100 3900 3900 3000 3000 3200 3100 3500 3000 3000 3300 5800 ",
        // 158/30 issuing authority: 深圳市公安局
        "f16d 3357 025e 6c51 895b 405c 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 188/16 valid from: 20200101
        "3200 3000 3200 3000 3000 3100 3000 3100 ",
        // 204/16 valid to: 20250101
        "3200 3000 3200 3500 3000 3100 3000 3100 ",
        // 220/18 pass number: H12345678
        "4800 3100 3200 3300 3400 3500 3600 3700 3800 ",
        // 238/4 issue count: 01
        "3000 3100 ",
        // 242/6 unused
        "2000 2000 2000 ",
        // 248/2 card type J
        "4a00 ",
        // 250/6 unused
        "2000 2000 2000 ",
    );
    pub const FOREIGN_2017: &str = concat!(
        // 0/120 English name: SMITH, JOHN WILLIAM
        "5300 4d00 4900 5400 4800 2c00 2000 4a00 4f00 4800 4e00 2000 5700 4900 4c00 4c00 4900 4100 4d00 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 120/2 sex: male: 1
        "3100 ",
        // 122/30 card number: 3 letters + 12 digits: USA110080807001
        "5500 5300 4100 3100 3100 3000 3000 3800 3000 3800 3000 3700 3000 3000 3100 ",
        // 152/6 nationality: USA
        "5500 5300 4100 ",
        // 158/30 Chinese name: 史密斯
        "f253 c65b af65 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 188/16 valid from: 20170301
        "3200 3000 3100 3700 3000 3300 3000 3100 ",
        // 204/16 valid to: 20270301
        "3200 3000 3200 3700 3000 3300 3000 3100 ",
        // 220/16 birth: 19800807
        "3100 3900 3800 3000 3000 3800 3000 3700 ",
        // 236/4 card version: 01
        "3000 3100 ",
        // 240/8 authority code: 1100
        "3100 3100 3000 3000 ",
        // 248/2 card type I
        "4900 ",
        // 250/6 unused
        "2000 2000 2000 ",
    );
    pub const FOREIGN_2023: &str = concat!(
        // 0/30 Chinese name: 安娜
        "895b 1c5a 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 30/2 sex: female: 2
        "3200 ",
        // 32/4 renewal count: 00
        "3000 3000 ",
        // 36/16 birth: 19740812
        "3100 3900 3700 3400 3000 3800 3100 3200 ",
        // 52/70 English name part 1 (35 characters): ERIKSSON, ANNA MARIA SOPHIA CHARLOT
        "4500 5200 4900 4b00 5300 5300 4f00 4e00 2c00 2000 4100 4e00 4e00 4100 2000 4d00 4100 5200 4900 4100 2000 5300 4f00 5000 4800 4900 4100 2000 4300 4800 4100 5200 4c00 4f00 5400 ",
        // 122/36 ID number, starts with 9: 911011197408120046
        "3900 3100 3100 3000 3100 3100 3100 3900 3700 3400 3000 3800 3100 3200 3000 3000 3400 3600 ",
        // 158/30 unused
        "2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 188/16 valid from: 20230601
        "3200 3000 3200 3300 3000 3600 3000 3100 ",
        // 204/16 valid to: 20330601
        "3200 3000 3300 3300 3000 3600 3000 3100 ",
        // 220/22 English name part 2: TE
        "5400 4500 2000 2000 2000 2000 2000 2000 2000 2000 2000 ",
        // 242/6 nationality: SWE
        "5300 5700 4500 ",
        // 248/2 card type Y
        "5900 ",
        // 250/6 unused
        "2000 2000 2000 ",
    );
}

fn bytes(hex: &str) -> Vec<u8> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let out: Vec<u8> = digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect();
    assert_eq!(out.len(), 256, "a golden block must be 256 bytes");
    out
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    date(2026, 11, 30)
}

fn resident() -> Card {
    Card {
        name: "李小梅".into(),
        sex: Sex::Female,
        nation: Some("汉".into()),
        birth: Some(date(1955, 3, 4)),
        address: Some("北京市东城区示例路1号".into()),
        id_number_valid: true,
        issuer: Some("北京市公安局东城分局".into()),
        valid_from: Some(date(2015, 6, 1)),
        ..Card::blank(CardType::Resident, "110101195503040021", ValidTo::LongTerm)
    }
}

fn hk_mo_tw() -> Card {
    Card {
        name: "陈大文".into(),
        sex: Sex::Male,
        birth: Some(date(1990, 2, 15)),
        address: Some("广东省深圳市福田区示例路8号".into()),
        id_number_valid: true,
        issuer: Some("深圳市公安局".into()),
        valid_from: Some(date(2020, 1, 1)),
        // Valid to 2025-01-01, read on 2026-11-30.
        expired: true,
        pass_number: Some("H12345678".into()),
        issue_count: Some("01".into()),
        ..Card::blank(
            CardType::HkMoTw,
            "81000019900215003X",
            ValidTo::Date(date(2025, 1, 1)),
        )
    }
}

fn foreign_2017() -> Card {
    Card {
        name: "史密斯".into(),
        sex: Sex::Male,
        birth: Some(date(1980, 8, 7)),
        id_number_valid: true,
        issuer: Some("1100".into()),
        valid_from: Some(date(2017, 3, 1)),
        english_name: Some("SMITH, JOHN WILLIAM".into()),
        nationality: Some("USA".into()),
        card_version: Some("01".into()),
        ..Card::blank(
            CardType::Foreign2017,
            "USA110080807001",
            ValidTo::Date(date(2027, 3, 1)),
        )
    }
}

fn foreign_2023() -> Card {
    Card {
        name: "安娜".into(),
        sex: Sex::Female,
        birth: Some(date(1974, 8, 12)),
        id_number_valid: true,
        valid_from: Some(date(2023, 6, 1)),
        // 37 characters: 35 in part 1, the rest in part 2.
        english_name: Some("ERIKSSON, ANNA MARIA SOPHIA CHARLOTTE".into()),
        nationality: Some("SWE".into()),
        card_version: Some("00".into()),
        ..Card::blank(
            CardType::Foreign2023,
            "911011197408120046",
            ValidTo::Date(date(2033, 6, 1)),
        )
    }
}

fn check(golden: &str, ty: CardType, card: Card) {
    let block = bytes(golden);
    assert_eq!(card_type(&block), ty, "the marker at 248..250");
    assert_eq!(
        decode_text(&block, today()).unwrap(),
        card,
        "decoding the golden block"
    );
    assert_eq!(
        encode_text(&card).to_vec(),
        block,
        "encoding must give the golden block byte for byte"
    );
}

#[test]
fn resident_card_matches_the_spec_layout() {
    check(blocks::RESIDENT, CardType::Resident, resident());
}

#[test]
fn hk_mo_tw_permit_matches_the_spec_layout() {
    check(blocks::HK_MO_TW, CardType::HkMoTw, hk_mo_tw());
}

#[test]
fn foreign_2017_card_matches_the_spec_layout() {
    check(blocks::FOREIGN_2017, CardType::Foreign2017, foreign_2017());
}

#[test]
fn foreign_2023_card_matches_the_spec_layout() {
    check(blocks::FOREIGN_2023, CardType::Foreign2023, foreign_2023());
}
