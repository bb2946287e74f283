//! The 256-byte text block of the card, for all four card types, both ways: decoding what a
//! reader returns and encoding a card description (for the simulator and tests).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize, Serializer};
use thiserror::Error;

use crate::{id_number, nation};

pub const TEXT_LEN: usize = 256;
pub const PHOTO_LEN: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardType {
    /// Resident ID card (居民身份证).
    Resident,
    /// Residence permit for Hong Kong, Macau and Taiwan residents (`J`).
    HkMoTw,
    /// 2017 foreign permanent-residence card (`I`).
    #[serde(rename = "foreign_2017")]
    Foreign2017,
    /// 2023 foreign permanent-residence card (`Y`).
    #[serde(rename = "foreign_2023")]
    Foreign2023,
}

impl CardType {
    fn marker(self) -> Option<char> {
        match self {
            CardType::Resident => None,
            CardType::HkMoTw => Some('J'),
            CardType::Foreign2017 => Some('I'),
            CardType::Foreign2023 => Some('Y'),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Unknown,
    Male,
    Female,
    Unstated,
}

impl Sex {
    fn from_code(code: &str) -> Sex {
        match code {
            "1" => Sex::Male,
            "2" => Sex::Female,
            "9" => Sex::Unstated,
            _ => Sex::Unknown,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Sex::Unknown => "0",
            Sex::Male => "1",
            Sex::Female => "2",
            Sex::Unstated => "9",
        }
    }
}

/// When a card stops being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidTo {
    Date(NaiveDate),
    /// 长期: no expiry.
    LongTerm,
}

impl Serialize for ValidTo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ValidTo::Date(d) => s.serialize_str(&d.format("%Y-%m-%d").to_string()),
            ValidTo::LongTerm => s.serialize_str("long-term"),
        }
    }
}

impl<'de> Deserialize<'de> for ValidTo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_valid_to(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("\"{s}\": write YYYY-MM-DD or long-term"))
        })
    }
}

fn parse_valid_to(s: &str) -> Option<ValidTo> {
    match s {
        "long-term" | "长期" => Some(ValidTo::LongTerm),
        _ => parse_date(s).map(ValidTo::Date),
    }
}

/// `YYYYMMDD` as on the card, or `YYYY-MM-DD` as in card files.
fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

mod date_opt {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.format("%Y-%m-%d").to_string()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => super::parse_date(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("\"{s}\" is not YYYY-MM-DD"))),
        }
    }
}

/// A card as read, with the JSON keys of the `idcard` commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub card_type: CardType,
    /// Chinese name (may be empty on a 2017 foreign card).
    #[serde(default)]
    pub name: String,
    pub sex: Sex,
    /// Ethnic group name (resident cards only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nation: Option<String>,
    #[serde(with = "date_opt", default)]
    pub birth: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub id_number: String,
    #[serde(default)]
    pub id_number_valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(with = "date_opt", default)]
    pub valid_from: Option<NaiveDate>,
    pub valid_to: ValidTo,
    #[serde(default)]
    pub expired: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_name: Option<String>,
    /// ISO 3166 alpha-3 (GB/T 2659), foreign cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// HK/Macau/Taiwan residents' travel pass number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_count: Option<String>,
    /// Renewal count (2023 foreign card) or card version (2017 foreign card).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_version: Option<String>,
    /// The address written to the card after issue, when the reader returned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appended_address: Option<String>,
}

impl Card {
    /// A card with only its type, number and validity; every other field empty.
    pub fn blank(card_type: CardType, id_number: impl Into<String>, valid_to: ValidTo) -> Card {
        Card {
            card_type,
            name: String::new(),
            sex: Sex::Unknown,
            nation: None,
            birth: None,
            address: None,
            id_number: id_number.into(),
            id_number_valid: false,
            issuer: None,
            valid_from: None,
            valid_to,
            expired: false,
            english_name: None,
            nationality: None,
            pass_number: None,
            issue_count: None,
            card_version: None,
            appended_address: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardError {
    #[error("text block has {0} bytes, expected 256")]
    TextLength(usize),
    #[error("the card's validity date \"{0}\" is unreadable")]
    BadValidity(String),
    #[error("the card has no ID number")]
    NoIdNumber,
}

/// A UTF-16LE field at byte `offset`, `len` bytes long, trimmed of padding.
fn field(text: &[u8], offset: usize, len: usize) -> String {
    let bytes = &text[offset..offset + len];
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_matches(|c: char| c == ' ' || c == '\0' || c == '\u{3000}')
        .to_owned()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Which card a text block belongs to, from the marker at bytes 248..250.
pub fn card_type(text: &[u8]) -> CardType {
    match text.get(248..250).map(|b| u16::from_le_bytes([b[0], b[1]])) {
        Some(0x49) => CardType::Foreign2017,
        Some(0x59) => CardType::Foreign2023,
        Some(0x4A) => CardType::HkMoTw,
        _ => CardType::Resident,
    }
}

/// Decodes a 256-byte text block. `today` decides `expired`.
pub fn decode_text(text: &[u8], today: NaiveDate) -> Result<Card, CardError> {
    if text.len() != TEXT_LEN {
        return Err(CardError::TextLength(text.len()));
    }
    let ty = card_type(text);
    let f = |o, l| field(text, o, l);
    let valid_from = parse_date(&f(188, 16));
    let valid_to_raw = f(204, 16);
    let valid_to =
        parse_valid_to(&valid_to_raw).ok_or(CardError::BadValidity(valid_to_raw.clone()))?;
    let mut card = Card {
        valid_from,
        expired: matches!(valid_to, ValidTo::Date(d) if d < today),
        ..Card::blank(ty, String::new(), valid_to)
    };
    match ty {
        CardType::Resident | CardType::HkMoTw => {
            card.name = f(0, 30);
            card.sex = Sex::from_code(&f(30, 2));
            if ty == CardType::Resident {
                let code = f(32, 4);
                card.nation = Some(nation::name(&code).map_or(code, str::to_owned));
            }
            card.birth = parse_date(&f(36, 16));
            card.address = non_empty(f(52, 70));
            card.id_number = f(122, 36);
            card.issuer = non_empty(f(158, 30));
            if ty == CardType::HkMoTw {
                card.pass_number = non_empty(f(220, 18));
                card.issue_count = non_empty(f(238, 4));
            }
            card.id_number_valid = id_number::is_valid_gb11643(&card.id_number);
        }
        CardType::Foreign2017 => {
            card.english_name = non_empty(f(0, 120));
            card.sex = Sex::from_code(&f(120, 2));
            card.id_number = f(122, 30);
            card.nationality = non_empty(f(152, 6));
            card.name = f(158, 30);
            card.birth = parse_date(&f(220, 16));
            card.card_version = non_empty(f(236, 4));
            card.issuer = non_empty(f(240, 8));
            card.id_number_valid = id_number::is_valid_foreign_2017(&card.id_number);
        }
        CardType::Foreign2023 => {
            card.name = f(0, 30);
            card.sex = Sex::from_code(&f(30, 2));
            card.card_version = non_empty(f(32, 4));
            card.birth = parse_date(&f(36, 16));
            let english = format!("{}{}", f(52, 70), f(220, 22));
            card.english_name = non_empty(english.trim().to_owned());
            card.id_number = f(122, 36);
            card.nationality = non_empty(f(242, 6));
            card.id_number_valid =
                card.id_number.starts_with('9') && id_number::is_valid_gb11643(&card.id_number);
        }
    }
    if card.id_number.is_empty() {
        return Err(CardError::NoIdNumber);
    }
    Ok(card)
}

/// Decodes the 70-byte UTF-16LE appended address.
pub fn decode_appended_address(bytes: &[u8]) -> Option<String> {
    let len = bytes.len() - bytes.len() % 2;
    non_empty(field(bytes, 0, len))
}

fn put(text: &mut [u8], offset: usize, len: usize, value: &str) {
    let mut units: Vec<u16> = value.encode_utf16().collect();
    units.truncate(len / 2);
    units.resize(len / 2, u16::from(b' '));
    for (i, u) in units.iter().enumerate() {
        text[offset + 2 * i..offset + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
    }
}

fn date8(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y%m%d").to_string())
        .unwrap_or_default()
}

/// Writes a card into a text block, as a card would hold it (the simulator's side).
pub fn encode_text(card: &Card) -> [u8; TEXT_LEN] {
    let mut t = [0u8; TEXT_LEN];
    put(&mut t, 0, TEXT_LEN, "");
    let valid_to = match card.valid_to {
        ValidTo::Date(d) => date8(Some(d)),
        ValidTo::LongTerm => "长期".into(),
    };
    put(&mut t, 188, 16, &date8(card.valid_from));
    put(&mut t, 204, 16, &valid_to);
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    match card.card_type {
        CardType::Resident | CardType::HkMoTw => {
            put(&mut t, 0, 30, &card.name);
            put(&mut t, 30, 2, card.sex.code());
            if card.card_type == CardType::Resident {
                let code = card
                    .nation
                    .as_deref()
                    .and_then(nation::code)
                    .unwrap_or_else(|| opt(&card.nation));
                put(&mut t, 32, 4, &code);
            }
            put(&mut t, 36, 16, &date8(card.birth));
            put(&mut t, 52, 70, &opt(&card.address));
            put(&mut t, 122, 36, &card.id_number);
            put(&mut t, 158, 30, &opt(&card.issuer));
            if card.card_type == CardType::HkMoTw {
                put(&mut t, 220, 18, &opt(&card.pass_number));
                put(&mut t, 238, 4, &opt(&card.issue_count));
            }
        }
        CardType::Foreign2017 => {
            put(&mut t, 0, 120, &opt(&card.english_name));
            put(&mut t, 120, 2, card.sex.code());
            put(&mut t, 122, 30, &card.id_number);
            put(&mut t, 152, 6, &opt(&card.nationality));
            put(&mut t, 158, 30, &card.name);
            put(&mut t, 220, 16, &date8(card.birth));
            put(&mut t, 236, 4, &opt(&card.card_version));
            put(&mut t, 240, 8, &opt(&card.issuer));
        }
        CardType::Foreign2023 => {
            put(&mut t, 0, 30, &card.name);
            put(&mut t, 30, 2, card.sex.code());
            put(&mut t, 32, 4, &opt(&card.card_version));
            put(&mut t, 36, 16, &date8(card.birth));
            let english = opt(&card.english_name);
            let split = english
                .char_indices()
                .nth(35)
                .map_or(english.len(), |(i, _)| i);
            put(&mut t, 52, 70, &english[..split]);
            put(&mut t, 220, 22, &english[split..]);
            put(&mut t, 122, 36, &card.id_number);
            put(&mut t, 242, 6, &opt(&card.nationality));
        }
    }
    if let Some(m) = card.card_type.marker() {
        put(&mut t, 248, 2, &m.to_string());
    }
    t
}

/// Encodes an appended address into the 70-byte block.
pub fn encode_appended_address(address: &str) -> [u8; 70] {
    let mut b = [0u8; 70];
    put(&mut b, 0, 70, address);
    b
}
