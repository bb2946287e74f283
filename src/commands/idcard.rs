use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use onevisit_idcard::card::{Card, CardType, Sex, ValidTo};
use onevisit_idcard::frame::{Decoded, Decoder};
use onevisit_idcard::reader::parse_read_reply;
use onevisit_idcard::status::Status;
use onevisit_serial::idcard::read_once;
use onevisit_serial::photo::{PhotoDecoder, VendorWlt};

use super::print_json;
use crate::cli::IdcardCmd;
use crate::runtime::today;

pub fn run(cmd: IdcardCmd) -> Result<ExitCode> {
    match cmd {
        IdcardCmd::Decode { file, hex, json } => {
            let raw =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let bytes = if hex { parse_hex(&raw)? } else { raw };
            let card = decode_capture(&bytes)?;
            show(&card, json.json)
        }
        IdcardCmd::Read {
            port,
            baud,
            timeout,
            photo,
            json,
        } => {
            let read = read_once(&port, baud, Duration::from_secs(timeout), today())?;
            if let Some(out) = photo {
                let decoder = VendorWlt::load(&VendorWlt::default_path(), "unpack")?;
                let bmp = decoder.decode(&read.photo)?;
                std::fs::write(&out, bmp).with_context(|| format!("writing {}", out.display()))?;
            }
            show(&read.card, json.json)
        }
    }
}

fn parse_hex(text: &[u8]) -> Result<Vec<u8>> {
    let digits: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        bail!("the hex text has an odd number of digits");
    }
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .with_context(|| {
                    format!(
                        "byte {} is not hex: {:?}",
                        i + 1,
                        String::from_utf8_lossy(pair)
                    )
                })
        })
        .collect()
}

/// The card in the first complete read reply of a capture.
fn decode_capture(bytes: &[u8]) -> Result<Card> {
    let mut problems = Vec::new();
    for d in Decoder::new().handle_bytes(bytes) {
        match d {
            Decoded::Frame(f) if f.body.len() >= 3 => {
                let status = Status::from_sw3(f.body[2]);
                if status != Status::Ok {
                    problems.push(format!("a reply with status: {status}"));
                    continue;
                }
                let data = &f.body[3..];
                let read = parse_read_reply(data, false, today())
                    .or_else(|_| parse_read_reply(data, true, today()));
                match read {
                    Ok(r) => return Ok(r.card),
                    Err(e) => problems.push(e.to_string()),
                }
            }
            Decoded::Frame(_) => problems.push("a frame too short to be a reply".into()),
            Decoded::Error(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        bail!("no complete SAM_V frame in the capture (is it hex text? then add --hex)");
    }
    bail!("no card read reply in the capture: {}", problems.join("; "))
}

fn show(card: &Card, json: bool) -> Result<ExitCode> {
    if json {
        return print_json(card);
    }
    let sex = match card.sex {
        Sex::Male => "男",
        Sex::Female => "女",
        Sex::Unstated => "未说明",
        Sex::Unknown => "未知",
    };
    let date = |d: Option<chrono::NaiveDate>| d.map_or("-".into(), |d| d.to_string());
    let valid_to = match card.valid_to {
        ValidTo::Date(d) => d.to_string(),
        ValidTo::LongTerm => "长期".into(),
    };
    let kind = match card.card_type {
        CardType::Resident => "居民身份证 resident ID card",
        CardType::HkMoTw => "港澳台居民居住证 HK/Macau/Taiwan residence permit",
        CardType::Foreign2017 => "外国人永久居留身份证（2017）foreign permanent resident (2017)",
        CardType::Foreign2023 => "外国人永久居留身份证（2023）foreign permanent resident (2023)",
    };
    println!("类型 type        {kind}");
    println!("姓名 name        {}", card.name);
    if let Some(e) = &card.english_name {
        println!("英文名 english   {e}");
    }
    println!("性别 sex         {sex}");
    if let Some(n) = &card.nation {
        println!("民族 nation      {n}");
    }
    println!("出生 birth       {}", date(card.birth));
    if let Some(a) = &card.address {
        println!("住址 address     {a}");
    }
    println!(
        "号码 number      {} ({})",
        card.id_number,
        if card.id_number_valid {
            "check digit ok"
        } else {
            "INVALID"
        }
    );
    if let Some(i) = &card.issuer {
        println!("签发 issuer      {i}");
    }
    println!(
        "有效期 valid     {} – {valid_to}{}",
        date(card.valid_from),
        if card.expired {
            "  EXPIRED 已过期"
        } else {
            ""
        }
    );
    for (label, v) in [
        ("国籍 nationality", &card.nationality),
        ("通行证 pass", &card.pass_number),
        ("签发次数 issues", &card.issue_count),
        ("新住址 new address", &card.appended_address),
    ] {
        if let Some(v) = v {
            println!("{label:<15} {v}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
