//! `GS k`: every symbology an ESC/POS printer draws, in both of the command's forms, turned into
//! bars and the human-readable (HRI) text the printer prints with them. The rules are the
//! printers' own, which differ from a general barcode library's in places that matter to a
//! client: the printer computes EAN/UPC check digits itself, adds Code 39's start and stop
//! characters, drops the last digit of an odd-length ITF, reads Code 128's `{A`/`{B`/`{C`
//! code-set escapes (with code set C as binary values 0–99), and refuses data it cannot encode
//! rather than printing something else.

use std::fmt;

use barcoders::sym::{code39::Code39, ean8::EAN8, ean13::EAN13, tf::TF};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbology {
    UpcA,
    UpcE,
    Ean13,
    Ean8,
    Code39,
    Itf,
    Codabar,
    Code93,
    Code128,
    Gs1_128,
    /// `GS k 79`: Code 128 with the printer choosing the code sets.
    Code128Auto,
}

impl Symbology {
    /// `m` of `GS k m`: 0–6 (data ended by NUL) and 65–73 (data counted by `n`).
    pub fn from_m(m: u8) -> Option<Symbology> {
        Some(match m {
            0 | 65 => Symbology::UpcA,
            1 | 66 => Symbology::UpcE,
            2 | 67 => Symbology::Ean13,
            3 | 68 => Symbology::Ean8,
            4 | 69 => Symbology::Code39,
            5 | 70 => Symbology::Itf,
            6 | 71 => Symbology::Codabar,
            72 => Symbology::Code93,
            73 => Symbology::Code128,
            74 => Symbology::Gs1_128,
            79 => Symbology::Code128Auto,
            _ => return None,
        })
    }

    /// Whether bars come in two widths (narrow and wide) rather than in modules.
    fn two_widths(self) -> bool {
        matches!(
            self,
            Symbology::Code39 | Symbology::Itf | Symbology::Codabar
        )
    }
}

impl fmt::Display for Symbology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Symbology::UpcA => "UPC-A",
            Symbology::UpcE => "UPC-E",
            Symbology::Ean13 => "EAN-13",
            Symbology::Ean8 => "EAN-8",
            Symbology::Code39 => "CODE39",
            Symbology::Itf => "ITF",
            Symbology::Codabar => "CODABAR",
            Symbology::Code93 => "CODE93",
            Symbology::Code128 => "CODE128",
            Symbology::Gs1_128 => "GS1-128",
            Symbology::Code128Auto => "CODE128 (auto)",
        })
    }
}

/// A symbol ready to draw: alternating bars and spaces (starting with a bar), each a number
/// of modules, or 1 (narrow) / 2 (wide) for the two-width symbologies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub symbology: Symbology,
    pub runs: Vec<u8>,
    /// The text printed with the symbol (HRI).
    pub hri: String,
}

impl Symbol {
    /// Each run's width in dots for the module width `n` of `GS w` (narrow : wide as printers
    /// draw them: 2:5, 3:8, 4:10, 5:13, 6:15).
    pub fn dots(&self, n: u32) -> Vec<u32> {
        let wide = match n {
            0 | 1 => 3,
            2 => 5,
            3 => 8,
            4 => 10,
            5 => 13,
            _ => 15,
        };
        let n = n.max(1);
        self.runs
            .iter()
            .map(|&r| {
                if self.symbology.two_widths() {
                    if r > 1 { wide } else { n }
                } else {
                    u32::from(r) * n
                }
            })
            .collect()
    }
}

/// Why a printer would not print the data (it skips the command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

fn refuse<T>(s: Symbology, why: impl fmt::Display) -> Result<T, Refused> {
    Err(Refused(format!("{s}: {why}")))
}

/// Bars as module bits (1 = bar) to runs.
fn runs(bits: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut last = None;
    for &b in bits {
        if Some(b) == last {
            if let Some(r) = out.last_mut() {
                *r = r.saturating_add(1);
            }
        } else {
            out.push(1);
            last = Some(b);
        }
    }
    out
}

/// Runs of a two-width pattern drawn with narrow = 1 module, wide = 2 or 3: 1 or 2.
fn narrow_wide(bits: &[u8]) -> Vec<u8> {
    runs(bits)
        .into_iter()
        .map(|r| if r > 1 { 2 } else { 1 })
        .collect()
}

fn digits(data: &[u8]) -> Option<String> {
    data.iter()
        .all(u8::is_ascii_digit)
        .then(|| data.iter().map(|&b| char::from(b)).collect())
}

fn mod10(digits: &[u8]) -> u8 {
    // Weights 3,1,3,… from the rightmost digit.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn to_digits(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b - b'0').collect()
}

pub fn encode(s: Symbology, data: &[u8]) -> Result<Symbol, Refused> {
    let done = |runs: Vec<u8>, hri: String| {
        Ok(Symbol {
            symbology: s,
            runs,
            hri,
        })
    };
    match s {
        Symbology::Ean13 | Symbology::UpcA | Symbology::Ean8 => {
            let (lo, hi) = match s {
                Symbology::Ean13 => (12, 13),
                Symbology::UpcA => (11, 12),
                _ => (7, 8),
            };
            let Some(d) = digits(data).filter(|d| (lo..=hi).contains(&d.len())) else {
                return refuse(s, format_args!("takes {lo} or {hi} digits"));
            };
            // The printer computes the check digit; a sent one is not used.
            let body = &d[..lo];
            let check = mod10(&to_digits(body));
            let full = format!("{body}{check}");
            let bits = match s {
                Symbology::Ean8 => EAN8::new(&full).map(|e| e.encode()),
                Symbology::UpcA => EAN13::new(format!("0{full}")).map(|e| e.encode()),
                _ => EAN13::new(&full).map(|e| e.encode()),
            };
            match bits {
                Ok(bits) => done(runs(&bits), full),
                Err(e) => refuse(s, e),
            }
        }
        Symbology::UpcE => upc_e(data),
        Symbology::Code39 => {
            let mut text: Vec<u8> = data.to_vec();
            // Start and stop characters are added when the host leaves them out.
            if text.first() == Some(&b'*') {
                text.remove(0);
            }
            if text.last() == Some(&b'*') {
                text.pop();
            }
            let text: String = text.iter().map(|&b| char::from(b)).collect();
            if text.is_empty() {
                return refuse(s, "no data");
            }
            match Code39::new(&text) {
                Ok(c) => done(narrow_wide(&c.encode()), format!("*{text}*")),
                Err(_) => refuse(s, "takes 0–9, A–Z, space and $ % * + - . /"),
            }
        }
        Symbology::Itf => {
            let Some(mut d) = digits(data).filter(|d| d.len() >= 2) else {
                return refuse(s, "takes two or more digits");
            };
            // An odd count: the last digit is not printed (a printer's rule, not a check digit).
            if d.len() % 2 == 1 {
                d.pop();
            }
            match TF::interleaved(&d) {
                Ok(t) => done(narrow_wide(&t.encode()), d),
                Err(e) => refuse(s, e),
            }
        }
        Symbology::Codabar => {
            let text: String = data
                .iter()
                .map(|&b| char::from(b.to_ascii_uppercase()))
                .collect();
            let ends = |c: Option<char>| matches!(c, Some('A'..='D'));
            if text.len() < 2 || !ends(text.chars().next()) || !ends(text.chars().last()) {
                return refuse(s, "starts and ends with A, B, C or D");
            }
            let mut bits = Vec::new();
            for (k, c) in text.bytes().enumerate() {
                let Some(&(_, pattern)) = CODABAR.iter().find(|(x, _)| *x == c) else {
                    return refuse(s, "takes 0–9, - $ : / . + and A–D at the ends");
                };
                if k > 0 {
                    bits.push(0);
                }
                bits.extend(pattern.bytes().map(|b| b - b'0'));
            }
            done(narrow_wide(&bits), text)
        }
        Symbology::Code93 => code93(data),
        Symbology::Code128 => code128(data),
        Symbology::Gs1_128 => gs1_128(data),
        Symbology::Code128Auto => code128_auto(data),
    }
}

/// Code 128 with code sets chosen here: C for runs of four or more digits (two a symbol), A for
/// control characters, B otherwise. The HRI is the data.
fn code128_auto(data: &[u8]) -> Result<Symbol, Refused> {
    let s = Symbology::Code128Auto;
    if data.is_empty() || data.iter().any(|&b| b >= 0x80) {
        return refuse(s, "takes 1 to 255 ASCII bytes");
    }
    let mut escaped = Vec::with_capacity(data.len() + 8);
    let mut set = 0u8;
    let mut i = 0;
    while i < data.len() {
        let digits = data[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let want = if digits >= 4 || (digits >= 2 && i + digits == data.len() && i == 0) {
            b'C'
        } else if data[i] < 0x20 {
            b'A'
        } else {
            b'B'
        };
        if want != set {
            escaped.extend_from_slice(&[b'{', want]);
            set = want;
        }
        if want == b'C' {
            // Whole pairs in C; an odd digit left over goes on in A or B.
            let pairs = digits / 2;
            for k in 0..pairs {
                let (a, b) = (data[i + 2 * k] - b'0', data[i + 2 * k + 1] - b'0');
                escaped.push(a * 10 + b);
            }
            i += pairs * 2;
            continue;
        }
        if data[i] == b'{' {
            escaped.push(b'{');
        }
        escaped.push(data[i]);
        i += 1;
    }
    let mut symbol = code128(&escaped)
        .map_err(|Refused(why)| Refused(why.replace("CODE128", "CODE128 (auto)")))?;
    symbol.symbology = s;
    symbol.hri = data
        .iter()
        .map(|&b| if b < 0x20 { ' ' } else { char::from(b) })
        .collect();
    Ok(symbol)
}

/// Lengths of the GS1 application identifiers whose data has a fixed length (by their first
/// two digits); the others end with FNC1 unless last.
fn gs1_fixed_length(ai: &str) -> Option<usize> {
    Some(match ai.get(..2)? {
        "00" => 18,
        "01" | "02" | "03" => 14,
        "04" => 16,
        "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" => 6,
        "20" => 2,
        "31" | "32" | "33" | "34" | "35" | "36" => 6,
        "41" => 13,
        _ => return None,
    })
}

/// GS1-128 in the printers' syntax: FNC1 first; `(AI)` marks an application identifier (the
/// parentheses print in the HRI only), and before a new `(AI)` FNC1 ends a variable-length
/// field unless the data already did; `{1` is an explicit FNC1; `{(`, `{)`, `{*` and `{{` are
/// those characters as data; `*` asks for the field's check digit (mod 10 of its digits so
/// far); a space is printed in the HRI but not encoded. Digit pairs go in code set C.
fn gs1_128(data: &[u8]) -> Result<Symbol, Refused> {
    let s = Symbology::Gs1_128;
    if data.is_empty() || !data.iter().all(|&b| (0x20..0x7F).contains(&b)) {
        return refuse(s, "takes printable ASCII");
    }
    // The element string (None: FNC1) and the HRI.
    let mut chars: Vec<Option<u8>> = vec![None];
    let mut hri = String::new();
    // The current field: its AI (when in parentheses) and its data's digits so far.
    let mut ai = String::new();
    let mut field: Vec<u8> = Vec::new();
    let mut in_ai = false;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        i += 1;
        match b {
            b'{' => {
                let Some(&next) = data.get(i) else {
                    return refuse(s, "ends in the middle of a {x escape");
                };
                i += 1;
                match next {
                    b'1' => chars.push(None),
                    b'(' | b')' | b'*' | b'{' => {
                        chars.push(Some(next));
                        hri.push(char::from(next));
                        field.push(next);
                    }
                    _ => return refuse(s, format_args!("{{{} is not an escape", char::from(next))),
                }
            }
            b'(' => {
                // A new field: end the last one with FNC1 if it was of variable length.
                let fixed = gs1_fixed_length(&ai).is_some_and(|n| n == field.len());
                if !ai.is_empty() && !fixed && chars.last() != Some(&None) {
                    chars.push(None);
                }
                ai.clear();
                field.clear();
                in_ai = true;
                hri.push('(');
            }
            b')' if in_ai => {
                if ai.len() < 2 {
                    return refuse(s, format_args!("({ai}) is not an application identifier"));
                }
                in_ai = false;
                hri.push(')');
            }
            b'*' => {
                let digits: Vec<u8> = field
                    .iter()
                    .filter(|d| d.is_ascii_digit())
                    .map(|d| d - b'0')
                    .collect();
                let check = b'0' + mod10(&digits);
                chars.push(Some(check));
                hri.push(char::from(check));
                field.push(check);
            }
            b' ' => hri.push(' '),
            _ if in_ai => {
                if !b.is_ascii_digit() {
                    return refuse(s, "an application identifier is digits");
                }
                ai.push(char::from(b));
                chars.push(Some(b));
                hri.push(char::from(b));
            }
            _ => {
                chars.push(Some(b));
                hri.push(char::from(b));
                field.push(b);
            }
        }
    }
    if in_ai {
        return refuse(s, "an AI's parenthesis is not closed");
    }
    if chars.len() < 2 {
        return refuse(s, "no data");
    }
    // To code sets: digit pairs in C, FNC1 in either, the rest in B.
    let mut escaped = Vec::new();
    let mut set = 0u8;
    let mut k = 0;
    while k < chars.len() {
        let pair = match (chars[k], chars.get(k + 1).copied().flatten()) {
            (Some(a), Some(b)) if a.is_ascii_digit() && b.is_ascii_digit() => Some((a, b)),
            _ => None,
        };
        let want = match (chars[k], pair) {
            (_, Some(_)) => b'C',
            (None, _) if set != 0 => set,
            (None, _) => {
                // Start in C if digits follow the leading FNC1, as they nearly always do.
                let digits = chars[k + 1..]
                    .iter()
                    .take(2)
                    .all(|c| c.is_some_and(|c| c.is_ascii_digit()));
                if digits { b'C' } else { b'B' }
            }
            (Some(_), None) => b'B',
        };
        if want != set {
            escaped.extend_from_slice(&[b'{', want]);
            set = want;
        }
        match (chars[k], pair) {
            (_, Some((a, b))) => {
                escaped.push((a - b'0') * 10 + (b - b'0'));
                k += 2;
            }
            (None, _) => {
                escaped.extend_from_slice(b"{1");
                k += 1;
            }
            (Some(c), None) => {
                if c == b'{' {
                    escaped.push(b'{');
                }
                escaped.push(c);
                k += 1;
            }
        }
    }
    let mut symbol =
        code128(&escaped).map_err(|Refused(why)| Refused(why.replace("CODE128", "GS1-128")))?;
    symbol.symbology = s;
    symbol.hri = hri;
    Ok(symbol)
}

/// UPC-E from 6 digits (number system 0), 7 (with its number system), 8 (with the check
/// digit, recomputed) or a UPC-A number of 11 or 12 digits that zero-suppresses.
fn upc_e(data: &[u8]) -> Result<Symbol, Refused> {
    let s = Symbology::UpcE;
    let Some(d) = digits(data) else {
        return refuse(s, "takes digits only");
    };
    let d = to_digits(&d);
    let (ns, six): (u8, Vec<u8>) = match d.len() {
        6 => (0, d.clone()),
        7 | 8 => (d[0], d[1..7].to_vec()),
        11 | 12 => match compress(&d[..11]) {
            Some(six) => (d[0], six),
            None => return refuse(s, "this UPC-A number has no zero-suppressed form"),
        },
        _ => return refuse(s, "takes 6, 7, 8, 11 or 12 digits"),
    };
    if ns > 1 {
        return refuse(s, "the number system is 0 or 1");
    }
    let check = mod10(&expand(ns, &six));
    // Parity of the six digits by check digit, number system 0 (E even, O odd); system 1 is
    // the mirror.
    const PARITY: [&[u8; 6]; 10] = [
        b"EEEOOO", b"EEOEOO", b"EEOOEO", b"EEOOOE", b"EOEEOO", b"EOOEEO", b"EOOOEE", b"EOEOEO",
        b"EOEOOE", b"EOOEOE",
    ];
    let mut bits = vec![1, 0, 1];
    for (k, &digit) in six.iter().enumerate() {
        let even = (PARITY[usize::from(check)][k] == b'E') ^ (ns == 1);
        bits.extend_from_slice(
            &barcoders::sym::ean13::ENCODINGS[usize::from(even)][usize::from(digit)],
        );
    }
    bits.extend_from_slice(&[0, 1, 0, 1, 0, 1]);
    let hri = std::iter::once(ns)
        .chain(six.iter().copied())
        .chain(std::iter::once(check))
        .map(|d| char::from(b'0' + d))
        .collect();
    Ok(Symbol {
        symbology: s,
        runs: runs(&bits),
        hri,
    })
}

/// The UPC-A number (11 digits, no check) a UPC-E body stands for.
fn expand(ns: u8, e: &[u8]) -> Vec<u8> {
    let mut a = vec![ns];
    match e[5] {
        0..=2 => a.extend([e[0], e[1], e[5], 0, 0, 0, 0, e[2], e[3], e[4]]),
        3 => a.extend([e[0], e[1], e[2], 0, 0, 0, 0, 0, e[3], e[4]]),
        4 => a.extend([e[0], e[1], e[2], e[3], 0, 0, 0, 0, 0, e[4]]),
        _ => a.extend([e[0], e[1], e[2], e[3], e[4], 0, 0, 0, 0, e[5]]),
    }
    a
}

/// The zero-suppressed body of an 11-digit UPC-A number, if it has one.
fn compress(a: &[u8]) -> Option<Vec<u8>> {
    let (m, p) = (&a[1..6], &a[6..11]);
    let body = if m[2] <= 2 && m[3..] == [0, 0] && p[..2] == [0, 0] {
        vec![m[0], m[1], p[2], p[3], p[4], m[2]]
    } else if m[3..] == [0, 0] && p[..3] == [0, 0, 0] {
        vec![m[0], m[1], m[2], p[3], p[4], 3]
    } else if m[4] == 0 && p[..4] == [0, 0, 0, 0] {
        vec![m[0], m[1], m[2], m[3], p[4], 4]
    } else if m[4] != 0 && p[..4] == [0, 0, 0, 0] && p[4] >= 5 {
        vec![m[0], m[1], m[2], m[3], m[4], p[4]]
    } else {
        return None;
    };
    (expand(a[0], &body) == a).then_some(body)
}

/// Codabar's characters as modules (1 bar, wide elements two modules), the standard table.
/// (barcoders' table has B and C the wrong way round.)
const CODABAR: [(u8, &str); 20] = [
    (b'0', "101010011"),
    (b'1', "101011001"),
    (b'2', "101001011"),
    (b'3', "110010101"),
    (b'4', "101101001"),
    (b'5', "110101001"),
    (b'6', "100101011"),
    (b'7', "100101101"),
    (b'8', "100110101"),
    (b'9', "110100101"),
    (b'-', "101001101"),
    (b'$', "101100101"),
    (b':', "1101011011"),
    (b'/', "1101101011"),
    (b'.', "1101101101"),
    (b'+', "1011011011"),
    (b'A', "1011001001"),
    (b'B', "1001001011"),
    (b'C', "1010010011"),
    (b'D', "1010011001"),
];

/// Code 93's 47 characters (0–9, A–Z, - . space $ / + %, then the shifts ($) (%) (/) (+)),
/// as 9 modules each.
const C93: [u16; 47] = [
    0b100010100,
    0b101001000,
    0b101000100,
    0b101000010,
    0b100101000,
    0b100100100,
    0b100100010,
    0b101010000,
    0b100010010,
    0b100001010,
    0b110101000,
    0b110100100,
    0b110100010,
    0b110010100,
    0b110010010,
    0b110001010,
    0b101101000,
    0b101100100,
    0b101100010,
    0b100110100,
    0b100011010,
    0b101011000,
    0b101001100,
    0b101000110,
    0b100101100,
    0b100010110,
    0b110110100,
    0b110110010,
    0b110101100,
    0b110100110,
    0b110010110,
    0b110011010,
    0b101101100,
    0b101100110,
    0b100110110,
    0b100111010,
    0b100101110,
    0b111010100,
    0b111010010,
    0b111001010,
    0b101101110,
    0b101110110,
    0b110101110,
    0b100100110,
    0b111011010,
    0b111010110,
    0b100110010,
];
const C93_START: u16 = 0b101011110;
const C93_CHARS: &[u8; 43] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";
const SHIFT_DOLLAR: u8 = 43;
const SHIFT_PERCENT: u8 = 44;
const SHIFT_SLASH: u8 = 45;
const SHIFT_PLUS: u8 = 46;

/// Code 93 values for one ASCII byte (full ASCII through the shift characters).
fn c93_values(b: u8) -> Option<Vec<u8>> {
    let direct = |c: u8| C93_CHARS.iter().position(|&x| x == c).map(|i| i as u8);
    let letter = |c: u8| direct(c);
    Some(match b {
        b'0'..=b'9' | b'A'..=b'Z' | b'-' | b'.' | b' ' | b'$' | b'/' | b'+' | b'%' => {
            vec![direct(b)?]
        }
        0 => vec![SHIFT_PERCENT, letter(b'U')?],
        1..=26 => vec![SHIFT_DOLLAR, letter(b'A' + b - 1)?],
        27..=31 => vec![SHIFT_PERCENT, letter(b'A' + b - 27)?],
        b'!'..=b',' => vec![SHIFT_SLASH, letter(b'A' + b - b'!')?],
        b':' => vec![SHIFT_SLASH, letter(b'Z')?],
        b';'..=b'?' => vec![SHIFT_PERCENT, letter(b'F' + b - b';')?],
        b'@' => vec![SHIFT_PERCENT, letter(b'V')?],
        b'['..=b'_' => vec![SHIFT_PERCENT, letter(b'K' + b - b'[')?],
        b'`' => vec![SHIFT_PERCENT, letter(b'W')?],
        b'a'..=b'z' => vec![SHIFT_PLUS, letter(b - 32)?],
        b'{'..=0x7F => vec![SHIFT_PERCENT, letter(b'P' + b - b'{')?],
        _ => return None,
    })
}

fn code93(data: &[u8]) -> Result<Symbol, Refused> {
    let s = Symbology::Code93;
    if data.is_empty() {
        return refuse(s, "no data");
    }
    let mut values = Vec::new();
    for &b in data {
        match c93_values(b) {
            Some(v) => values.extend(v),
            None => return refuse(s, format_args!("byte {b:#04x} is not ASCII")),
        }
    }
    let check = |vals: &[u8], max_weight: usize| -> u8 {
        let sum: usize = vals
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &v)| (i % max_weight + 1) * usize::from(v))
            .sum();
        (sum % 47) as u8
    };
    let c = check(&values, 20);
    values.push(c);
    let k = check(&values, 15);
    values.push(k);
    let mut bits = Vec::new();
    let mut push = |pattern: u16| {
        for i in (0..9).rev() {
            bits.push(((pattern >> i) & 1) as u8);
        }
    };
    push(C93_START);
    for &v in &values {
        push(C93[usize::from(v)]);
    }
    push(C93_START);
    bits.push(1);
    // Control characters have no face: printers show them as spaces in the HRI.
    let hri = data
        .iter()
        .map(|&b| if b < 0x20 { ' ' } else { char::from(b) })
        .collect();
    Ok(Symbol {
        symbology: s,
        runs: runs(&bits),
        hri,
    })
}

/// Code 128 in the printers' syntax: `{A`, `{B`, `{C` choose a code set (the data must start
/// with one), `{S` shifts one character to the other of A/B, `{1`–`{4` are FNC1–4 and `{{` is
/// a `{`. In code set C each byte is a value 0–99.
fn code128(data: &[u8]) -> Result<Symbol, Refused> {
    let s = Symbology::Code128;
    #[derive(Clone, Copy, PartialEq)]
    enum Set {
        A,
        B,
        C,
    }
    let set_char = |set: Set| match set {
        Set::A => 'À',
        Set::B => 'Ɓ',
        Set::C => 'Ć',
    };
    // The character barcoders looks up for value `v` of code set A or B.
    let char_of = |set: Set, v: u8| -> char {
        match (set, v) {
            (Set::A, 0..=63) | (Set::B, 0..=94) => char::from(v + 32),
            (Set::A, _) => char::from(v - 64),
            (Set::B, _) => '\u{00F7}',
            (Set::C, _) => ' ',
        }
    };
    let value_of = |set: Set, b: u8| -> Option<u8> {
        match set {
            Set::A if b < 0x20 => Some(b + 64),
            Set::A if b < 0x60 => Some(b - 32),
            Set::B if (0x20..0x80).contains(&b) => Some(b - 32),
            _ => None,
        }
    };
    let (Some(b'{'), Some(first)) = (data.first(), data.get(1)) else {
        return refuse(s, "the data must start with {A, {B or {C");
    };
    let mut set = match first {
        b'A' => Set::A,
        b'B' => Set::B,
        b'C' => Set::C,
        _ => return refuse(s, "the data must start with {A, {B or {C"),
    };
    let mut text = String::new();
    text.push(set_char(set));
    let mut hri = String::new();
    let mut i = 2;
    while i < data.len() {
        let b = data[i];
        if b == b'{' {
            let Some(&c) = data.get(i + 1) else {
                return refuse(s, "ends in the middle of a {x escape");
            };
            i += 2;
            match c {
                b'A' | b'B' | b'C' => {
                    let next = match c {
                        b'A' => Set::A,
                        b'B' => Set::B,
                        _ => Set::C,
                    };
                    if next != set {
                        text.push(set_char(next));
                        set = next;
                    }
                }
                b'1' => text.push('\u{0179}'),
                b'2' => text.push('\u{017A}'),
                b'3' => text.push('\u{017B}'),
                b'4' => text.push('\u{017C}'),
                b'S' if set != Set::C => {
                    let other = if set == Set::A { Set::B } else { Set::A };
                    let Some(v) = data.get(i).and_then(|&x| value_of(other, x)) else {
                        return refuse(
                            s,
                            "{S is not followed by a character of the other code set",
                        );
                    };
                    text.push('\u{017D}');
                    // Bars go by value: the shifted character is looked up in the current set
                    // at the other set's value.
                    text.push(char_of(set, v));
                    hri.push(if data[i] < 0x20 {
                        ' '
                    } else {
                        char::from(data[i])
                    });
                    i += 1;
                }
                b'{' if set != Set::C => {
                    text.push('{');
                    hri.push('{');
                }
                _ => {
                    return refuse(
                        s,
                        format_args!("{{{} is not a Code 128 escape", char::from(c)),
                    );
                }
            }
            continue;
        }
        match set {
            Set::C => {
                if b > 99 {
                    return refuse(s, format_args!("code set C takes values 0–99, not {b}"));
                }
                text.push_str(&format!("{b:02}"));
                hri.push_str(&format!("{b:02}"));
            }
            _ => {
                let Some(v) = value_of(set, b) else {
                    return refuse(
                        s,
                        format_args!(
                            "byte {b:#04x} is not in code set {}",
                            if set == Set::A { 'A' } else { 'B' }
                        ),
                    );
                };
                text.push(char_of(set, v));
                hri.push(if b < 0x20 { ' ' } else { char::from(b) });
            }
        }
        i += 1;
    }
    match barcoders::sym::code128::Code128::new(&text) {
        Ok(c) => Ok(Symbol {
            symbology: s,
            runs: runs(&c.encode()),
            hri,
        }),
        Err(e) => refuse(s, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(sym: &Symbol) -> u32 {
        sym.runs.iter().map(|&r| u32::from(r)).sum()
    }

    #[test]
    fn ean_and_upc_get_their_check_digit_and_standard_widths() {
        let e = encode(Symbology::Ean13, b"692012345678").unwrap();
        assert_eq!(e.hri, "6920123456789");
        assert_eq!(width(&e), 95);
        // A wrong check digit sent is replaced, as printers do.
        assert_eq!(
            encode(Symbology::Ean13, b"6920123456780").unwrap().hri,
            "6920123456789"
        );
        let a = encode(Symbology::UpcA, b"03600029145").unwrap();
        assert_eq!(a.hri, "036000291452");
        assert_eq!(width(&a), 95);
        let e8 = encode(Symbology::Ean8, b"9638507").unwrap();
        assert_eq!(e8.hri, "96385074");
        assert_eq!(width(&e8), 67);
    }

    #[test]
    fn upc_e_from_its_short_and_long_forms() {
        // 0 425261 4 is the zero-suppressed 04210000526 (check 4).
        let e = encode(Symbology::UpcE, b"425261").unwrap();
        assert_eq!(e.hri, "04252614");
        assert_eq!(width(&e), 51);
        assert_eq!(
            encode(Symbology::UpcE, b"04252614").unwrap().hri,
            "04252614"
        );
        assert_eq!(
            encode(Symbology::UpcE, b"04210000526").unwrap().hri,
            "04252614"
        );
        assert_eq!(
            encode(Symbology::UpcE, b"04252600006").unwrap().hri,
            "04252665"
        );
        assert!(encode(Symbology::UpcE, b"12345678901").is_err());
    }

    #[test]
    fn code39_adds_its_stars_and_itf_drops_an_odd_digit() {
        let c = encode(Symbology::Code39, b"ONEVISIT-42").unwrap();
        assert_eq!(c.hri, "*ONEVISIT-42*");
        assert!(encode(Symbology::Code39, b"lower").is_err());
        assert_eq!(encode(Symbology::Itf, b"12345").unwrap().hri, "1234");
        assert!(encode(Symbology::Codabar, b"12345").is_err());
        assert_eq!(
            encode(Symbology::Codabar, b"a40156b").unwrap().hri,
            "A40156B"
        );
    }

    #[test]
    fn code93_checks_follow_the_standard() {
        // "TEST93" has check characters + (41) and 6 by the standard's worked example.
        let c = encode(Symbology::Code93, b"TEST93").unwrap();
        // 1 start + 6 + 2 checks + stop = 10 characters of 9 modules and a bar.
        assert_eq!(width(&c), 91);
        assert!(encode(Symbology::Code93, b"lower case!").is_ok());
        assert!(encode(Symbology::Code93, &[0xC8]).is_err());
    }

    #[test]
    fn code128_code_sets_escapes_and_binary_code_c() {
        let b = encode(Symbology::Code128, b"{BQX7K-2M4P").unwrap();
        assert_eq!(b.hri, "QX7K-2M4P");
        let c = encode(Symbology::Code128, &[b'{', b'C', 12, 34, 56]).unwrap();
        assert_eq!(c.hri, "123456");
        let mixed = encode(Symbology::Code128, b"{BNo.{C\x01\x02").unwrap();
        assert_eq!(mixed.hri, "No.0102");
        assert!(encode(Symbology::Code128, b"no code set").is_err());
        assert!(encode(Symbology::Code128, &[b'{', b'C', 100]).is_err());
        assert!(encode(Symbology::Code128, b"{Ba{Sb").is_err());
        assert_eq!(
            encode(Symbology::Code128, b"{Ba{S\x06b").unwrap().hri,
            "a b"
        );
    }

    #[test]
    fn two_width_symbols_use_the_printers_ratios() {
        let c = encode(Symbology::Code39, b"A").unwrap();
        let d = c.dots(2);
        assert!(d.iter().all(|&w| w == 2 || w == 5), "{d:?}");
        let e = encode(Symbology::Ean8, b"1234567").unwrap();
        assert_eq!(e.dots(3).iter().sum::<u32>(), 67 * 3);
    }

    #[test]
    fn code128_auto_chooses_code_sets() {
        let a = encode(Symbology::Code128Auto, b"QX7K-2M4P").unwrap();
        assert_eq!(a.hri, "QX7K-2M4P");
        // Digits in pairs: fewer symbols than the same data in code set B.
        let digits = encode(Symbology::Code128Auto, b"20250430").unwrap();
        let b = encode(Symbology::Code128, b"{B20250430").unwrap();
        assert!(digits.runs.len() < b.runs.len());
        assert!(encode(Symbology::Code128Auto, b"a{b\x01c12345").is_ok());
        assert!(encode(Symbology::Code128Auto, &[0xC8]).is_err());
    }

    #[test]
    fn gs1_128_puts_fnc1_where_fields_end() {
        let g = encode(Symbology::Gs1_128, b"(01)09501101530003(17)261231(10)AB12").unwrap();
        assert_eq!(g.hri, "(01)09501101530003(17)261231(10)AB12");
        // Without parentheses: FNC1 and the element string as sent.
        let plain = encode(Symbology::Gs1_128, b"01095011015300031726123110AB12").unwrap();
        assert_eq!(plain.hri, "01095011015300031726123110AB12");
        assert!(encode(Symbology::Gs1_128, b"").is_err());
        assert!(encode(Symbology::Gs1_128, b"(01").is_err());
        // Epson's own example: a check digit asked for, a space for the eye, an explicit FNC1.
        let e = encode(Symbology::Gs1_128, b"(01)9501234567890* {1(3102)000400").unwrap();
        assert_eq!(e.hri, "(01)95012345678903 (3102)000400");
        // The same with the digit and without the space: the same bars.
        let same = encode(Symbology::Gs1_128, b"(01)95012345678903{1(3102)000400").unwrap();
        assert_eq!(e.runs, same.runs);
        // A variable-length field before another gets its FNC1 without being asked.
        let auto = encode(Symbology::Gs1_128, b"(10)AB12(17)261231").unwrap();
        let asked = encode(Symbology::Gs1_128, b"(10)AB12{1(17)261231").unwrap();
        assert_eq!(auto.runs, asked.runs);
    }

    #[test]
    fn no_data_panics() {
        for m in [0u8, 1, 2, 3, 4, 5, 6, 72, 73, 74, 79] {
            let s = Symbology::from_m(m).unwrap();
            for data in [
                &b""[..],
                b"{",
                b"{C",
                b"\xff\xfe",
                b"0",
                b"{S",
                b"{B{",
                b"()",
                b"(1)",
                b"(10)\x01",
            ] {
                let _ = encode(s, data);
            }
        }
    }
}
