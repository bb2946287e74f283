//! Characters outside Chinese mode: the code table `ESC t n` selects for bytes 0x80–0xFF and
//! the international character set `ESC R n` swaps into twelve ASCII positions.

use super::codepages::TABLES;

/// The code table in force: its number and name, and its upper half.
#[derive(Debug, Clone)]
pub struct CodeTable {
    pub n: u8,
    pub name: &'static str,
    upper: &'static str,
}

impl Default for CodeTable {
    fn default() -> Self {
        CodeTable::select(0).unwrap_or(CodeTable {
            n: 0,
            name: "PC437",
            upper: "",
        })
    }
}

impl CodeTable {
    /// The table `ESC t n` selects; None for one this printer does not have.
    pub fn select(n: u8) -> Option<CodeTable> {
        TABLES
            .iter()
            .find(|(k, _, _)| *k == n)
            .map(|&(n, name, upper)| CodeTable { n, name, upper })
    }

    pub fn upper(&self, b: u8) -> char {
        self.upper
            .chars()
            .nth(usize::from(b.wrapping_sub(0x80)))
            .unwrap_or('?')
    }
}

/// The twelve positions `ESC R n` changes: # $ @ [ \ ] ^ ` { | } ~.
const POSITIONS: &[u8; 12] = b"#$@[\\]^`{|}~";

/// `ESC R n`: the characters at those positions, per country (0 USA … 15 China).
const SETS: [&str; 16] = [
    "#$@[\\]^`{|}~", // 0 USA
    "#$à°ç§^`éùè¨",  // 1 France
    "#$§ÄÖÜ^`äöüß",  // 2 Germany
    "£$@[\\]^`{|}~", // 3 UK
    "#$@ÆØÅ^`æøå~",  // 4 Denmark I
    "#¤ÉÄÖÅÜéäöåü",  // 5 Sweden
    "#$@°\\é^ùàòèì", // 6 Italy
    "₧$@¡Ñ¿^`¨ñ}~",  // 7 Spain I
    "#$@[¥]^`{|}~",  // 8 Japan
    "#¤ÉÆØÅÜéæøåü",  // 9 Norway
    "#$ÉÆØÅÜéæøåü",  // 10 Denmark II
    "#$á¡Ñ¿é`íñóú",  // 11 Spain II
    "#$á¡Ñ¿éüíñóú",  // 12 Latin America
    "#$@[₩]^`{|}~",  // 13 Korea
    "#$ŽŠĐĆČžšđćč",  // 14 Slovenia/Croatia
    "#¥@[\\]^`{|}~", // 15 China
];

/// The character an ASCII byte prints as under international set `set`.
pub fn international(set: u8, b: u8) -> char {
    match (
        SETS.get(usize::from(set)),
        POSITIONS.iter().position(|&p| p == b),
    ) {
        (Some(chars), Some(i)) => chars.chars().nth(i).unwrap_or(char::from(b)),
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_128_characters_and_known_faces() {
        for (n, name, upper) in TABLES {
            assert_eq!(upper.chars().count(), 128, "{n} {name}");
        }
        assert_eq!(CodeTable::select(0).unwrap().upper(0x9C), '£');
        assert_eq!(CodeTable::select(16).unwrap().upper(0x80), '€');
        assert_eq!(CodeTable::select(17).unwrap().upper(0x8F), 'П');
        assert_eq!(CodeTable::select(19).unwrap().upper(0xD5), '€');
        assert!(CodeTable::select(200).is_none());
    }

    #[test]
    fn international_sets_swap_twelve_positions() {
        for s in SETS {
            assert_eq!(s.chars().count(), 12, "{s}");
        }
        assert_eq!(international(3, b'#'), '£');
        assert_eq!(international(2, b'['), 'Ä');
        assert_eq!(international(15, b'$'), '¥');
        assert_eq!(international(0, b'A'), 'A');
        assert_eq!(international(99, b'#'), '#');
    }
}
