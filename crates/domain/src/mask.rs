//! Masked forms of personal data for logs: enough for a technician to tell cards apart,
//! not enough to identify anyone.

/// `370102199001011234` → `3701**********1234`.
pub fn id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// `张三丰` → `张**`.
pub fn name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks() {
        assert_eq!(super::id_number("370102199001011234"), "3701**********1234");
        assert_eq!(super::id_number("123"), "***");
        assert_eq!(super::name("张三丰"), "张**");
        assert_eq!(super::name(""), "");
    }
}
