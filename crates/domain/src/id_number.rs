//! Citizen ID numbers (GB 11643) and the numbers on foreigners' permanent-residence cards.

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// The GB 11643 check character for the first 17 digits, or None if they are not 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

/// An 18-character number whose last character is its GB 11643 check character
/// (resident ID cards, HK/Macau/Taiwan residence permits, 2023 permanent-residence cards).
pub fn is_valid_gb11643(id: &str) -> bool {
    id.len() == 18
        && id.is_ascii()
        && check_char(&id[..17]).is_some_and(|c| id[17..].eq_ignore_ascii_case(&c.to_string()))
}

/// The 2017 foreign permanent-residence card number: three letters (nationality) and twelve
/// digits. Its check rule is not published in our sources, so only the form is checked.
pub fn is_valid_foreign_2017(number: &str) -> bool {
    let b = number.as_bytes();
    b.len() == 15
        && b[..3].iter().all(u8::is_ascii_uppercase)
        && b[3..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_is_valid() {
        assert!(is_valid_gb11643("110101202311012176"));
        assert!(!is_valid_gb11643("110101202311012177"));
        assert!(!is_valid_gb11643("11010120231101217"));
        assert!(!is_valid_gb11643("11010120231101217Ｘ"));
    }

    #[test]
    fn x_is_accepted_either_case() {
        // Find a number whose check character is X and test both cases.
        let base = (0..1000)
            .map(|n| format!("11010119900101{n:03}"))
            .find(|b| check_char(b) == Some('X'))
            .expect("some number has check X");
        assert!(is_valid_gb11643(&format!("{base}X")));
        assert!(is_valid_gb11643(&format!("{base}x")));
    }

    #[test]
    fn foreign_2017_form() {
        assert!(is_valid_foreign_2017("USA123456789012"));
        assert!(!is_valid_foreign_2017("US1123456789012"));
    }
}
