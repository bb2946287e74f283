//! The number a citizen reads off the receipt and says over the phone: eight symbols from an
//! alphabet with no look-alikes (no 0/O/D/Q, 1/I/L/J, 2/Z, 5/S, 8/B, U/V), in two groups of
//! four. It comes from the case's UUID, so the kiosk knows it before any network does; the
//! central system's own number replaces it once that is known.

/// Symbols that cannot be mistaken for one another when read aloud or copied by hand.
const ALPHABET: &[u8; 20] = b"34679ACEFGHKMNPRTWXY";

/// Shown until the central system has given its number, e.g. `7KM3-XE9A`.
pub fn local(case_id: &str) -> String {
    // The UUID's hex digits as a number (dashes and anything else skipped); 60 bits is more
    // than eight symbols use.
    let bits = case_id
        .chars()
        .filter_map(|c| c.to_digit(16))
        .take(15)
        .fold(0u64, |n, d| (n << 4) | u64::from(d));
    let base = ALPHABET.len() as u64;
    let mut n = bits;
    let mut out = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[(n % base) as usize]));
        n /= base;
    }
    out
}

/// The number to show: the central system's once it is known, else the local one.
pub fn shown(case_id: &str, central: Option<&str>) -> String {
    match central {
        Some(n) if !n.trim().is_empty() => n.to_owned(),
        _ => local(case_id),
    }
}

/// Says a case number symbol by symbol, for reading aloud (a TTS reads "7KM3" as a word).
pub fn spelled(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_look_alikes_and_stable() {
        let n = local("e0cafe5a-1234-4abc-8def-0123456789ab");
        assert_eq!(n, local("e0cafe5a-1234-4abc-8def-0123456789ab"));
        assert_eq!(n.len(), 9);
        assert_eq!(&n[4..5], "-");
        for c in n.chars().filter(|c| *c != '-') {
            assert!(!"0OD Q1IL J2Z5S8BUV".contains(c), "{c} in {n}");
        }
        assert_ne!(n, local("e0cafe5b-1234-4abc-8def-0123456789ab"));
    }

    #[test]
    fn the_central_number_wins_once_known() {
        let id = "e0cafe5a-1234-4abc-8def-0123456789ab";
        assert_eq!(shown(id, Some("2026-000042")), "2026-000042");
        assert_eq!(shown(id, None), local(id));
        assert_eq!(shown(id, Some(" ")), local(id));
        assert_eq!(spelled("7KM3-XE9A"), "7 K M 3 X E 9 A");
    }

    #[test]
    fn garbage_ids_still_give_a_number() {
        assert_eq!(local("").len(), 9);
        assert_eq!(local("不是编号").len(), 9);
    }
}
