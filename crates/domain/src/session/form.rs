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
    }
}
