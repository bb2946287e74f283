//! Inline validation of form fields, by kind.

use serde::Serialize;

use crate::catalog::FieldKind;

/// What is wrong with a value, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldError {
    Empty,
    NotANumber,
    BadDate,
    BadPhone,
    BadIdNumber,
    TooShort,
    BadDimension,
    /// Unusually large: shown once, accepted when the citizen goes on with it unchanged.
    Implausible,
}

impl FieldError {
    pub fn zh(self) -> &'static str {
        match self {
            FieldError::Empty => "请填写此项",
            FieldError::NotANumber => "请只填写数字",
            FieldError::BadDate => "日期格式：年-月-日，例如 2026-12-01",
            FieldError::BadPhone => "手机号码为11位数字，以1开头",
            FieldError::BadIdNumber => "身份证号码不正确，请核对",
            FieldError::TooShort => "内容太短，请填写完整",
            FieldError::BadDimension => "请按“长×高”填写，例如 3×0.8",
            FieldError::Implausible => {
                "这个数比一般情况大得多，请核对单位和位数；确认无误请再点下一步"
            }
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            FieldError::Empty => "Please fill this in",
            FieldError::NotANumber => "Digits only, please",
            FieldError::BadDate => "Date as year-month-day, e.g. 2026-12-01",
            FieldError::BadPhone => "A mobile number has 11 digits and starts with 1",
            FieldError::BadIdNumber => "This ID number is not valid; please check it",
            FieldError::TooShort => "Too short; please complete it",
            FieldError::BadDimension => "Width × height, e.g. 3×0.8",
            FieldError::Implausible => {
                "Much larger than usual: check the unit and the digits; if it is right, tap Next again"
            }
        }
    }
}

pub fn validate_field(kind: FieldKind, value: &str) -> Result<(), FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::Empty);
    }
    match kind {
        FieldKind::Text => Ok(()),
        FieldKind::Address => {
            if v.chars().count() < 4 {
                Err(FieldError::TooShort)
            } else {
                Ok(())
            }
        }
        FieldKind::Number => {
            if v.chars().all(|c| c.is_ascii_digit()) {
                Ok(())
            } else {
                Err(FieldError::NotANumber)
            }
        }
        FieldKind::Decimal => {
            if is_decimal(v) {
                Ok(())
            } else {
                Err(FieldError::NotANumber)
            }
        }
        FieldKind::Dimension => match dimension(v) {
            Some(_) => Ok(()),
            None => Err(FieldError::BadDimension),
        },
        FieldKind::Phone => {
            if v.len() == 11 && v.starts_with('1') && v.chars().all(|c| c.is_ascii_digit()) {
                Ok(())
            } else {
                Err(FieldError::BadPhone)
            }
        }
        FieldKind::IdNumber => {
            if crate::id_number::is_valid_gb11643(&v.to_ascii_uppercase()) {
                Ok(())
            } else {
                Err(FieldError::BadIdNumber)
            }
        }
        FieldKind::Date => {
            let parts: Vec<&str> = v.split('-').collect();
            let ok = parts.len() == 3
                && parts[0].len() == 4
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                && parts[1].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
                && parts[2].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
            if ok { Ok(()) } else { Err(FieldError::BadDate) }
        }
    }
}

fn is_decimal(v: &str) -> bool {
    let mut parts = v.split('.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    parts.next().is_none()
        && !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// Width and height of "3×0.8" (also typed as 3x0.8, 3*0.8, with units m/米 around).
pub fn dimension(v: &str) -> Option<(f64, f64)> {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && *c != 'm' && *c != '米')
        .map(|c| match c {
            'x' | 'X' | '*' | '＊' | '✕' => '×',
            c => c,
        })
        .collect();
    let (a, b) = v.split_once('×')?;
    if !(is_decimal(a) && is_decimal(b)) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Whether a number is beyond what the catalog calls plausible for the field.
pub fn implausible(kind: FieldKind, value: &str, max: Option<f64>) -> bool {
    let Some(max) = max else {
        return false;
    };
    let v = value.trim();
    match kind {
        FieldKind::Number | FieldKind::Decimal => v.parse::<f64>().is_ok_and(|n| n > max),
        FieldKind::Dimension => dimension(v).is_some_and(|(a, b)| a > max || b > max),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(validate_field(FieldKind::Text, " "), Err(FieldError::Empty));
        assert!(validate_field(FieldKind::Phone, "13800138000").is_ok());
        assert_eq!(
            validate_field(FieldKind::Phone, "2380013800"),
            Err(FieldError::BadPhone)
        );
        assert!(validate_field(FieldKind::IdNumber, "11010519491231002x").is_ok());
        assert_eq!(
            validate_field(FieldKind::IdNumber, "110105194912310021"),
            Err(FieldError::BadIdNumber)
        );
        assert!(validate_field(FieldKind::Date, "2026-12-01").is_ok());
        assert_eq!(
            validate_field(FieldKind::Date, "2026-13-01"),
            Err(FieldError::BadDate)
        );
        assert_eq!(
            validate_field(FieldKind::Number, "12a"),
            Err(FieldError::NotANumber)
        );
        assert!(validate_field(FieldKind::Decimal, "12.5").is_ok());
        assert!(validate_field(FieldKind::Decimal, "12").is_ok());
        for bad in ["12.", ".5", "1.2.3", "1,5"] {
            assert_eq!(
                validate_field(FieldKind::Decimal, bad),
                Err(FieldError::NotANumber)
            );
        }
        for ok in ["3×0.8", "3x0.8", "3m x 0.8m", "3 * 0.8", "3米×0.8米"] {
            assert_eq!(dimension(ok), Some((3.0, 0.8)), "{ok}");
        }
        assert_eq!(
            validate_field(FieldKind::Dimension, "3"),
            Err(FieldError::BadDimension)
        );
        assert!(implausible(FieldKind::Decimal, "50000", Some(1000.0)));
        assert!(!implausible(FieldKind::Decimal, "50", Some(1000.0)));
        assert!(implausible(FieldKind::Dimension, "30×0.8", Some(20.0)));
        assert!(!implausible(FieldKind::Text, "50000", Some(1.0)));
    }
}
