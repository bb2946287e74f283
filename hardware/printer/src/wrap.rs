//! Width-aware wrapping: on thermal printers a Chinese character takes two columns, a Latin
//! one. Lines break at spaces where possible, anywhere between Chinese characters, and never
//! inside a character.

/// Columns a string takes on the printer.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// A GB18030 printer draws every single-byte (ASCII) character in a 12-dot cell and every
/// multi-byte one — Chinese, but also “quotes” and other punctuation — in a 24-dot cell.
pub(crate) fn char_width(c: char) -> usize {
    if c.is_ascii_control() {
        0
    } else if c.is_ascii() {
        1
    } else {
        2
    }
}

/// Punctuation that may not begin a line.
const NO_LINE_START: &str = "，。、；：？！”’）》】」』…%,.;:?!)]";
/// Punctuation that may not end a line.
const NO_LINE_END: &str = "“‘（《【「『([";

/// Splits `text` into lines of at most `columns` columns (explicit newlines kept).
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(2);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut width = 0;
        // Position (in `line`) just after the last space, for breaking Latin words.
        let mut last_space: Option<usize> = None;
        for c in para.chars() {
            let w = char_width(c);
            if width + w > columns {
                match last_space.filter(|_| c != ' ' && w == 1) {
                    Some(at) if at > 0 => {
                        let rest = line.split_off(at);
                        out.push(line.trim_end().to_owned());
                        line = rest;
                        width = display_width(&line);
                    }
                    _ => {
                        // 避头尾: closing marks may not start a line, opening marks may not
                        // end one; the line's last character moves down to keep them together.
                        let keep_together = NO_LINE_START.contains(c)
                            || line.chars().last().is_some_and(|l| NO_LINE_END.contains(l));
                        let carry = if keep_together && line.chars().count() > 1 {
                            line.pop().map(String::from).unwrap_or_default()
                        } else {
                            String::new()
                        };
                        out.push(line.trim_end().to_owned());
                        width = display_width(&carry);
                        line = carry;
                    }
                }
                last_space = None;
                if c == ' ' {
                    continue;
                }
            }
            line.push(c);
            width += w;
            if c == ' ' {
                last_space = Some(line.len());
            } else if w == 2 {
                // A break is allowed after any Chinese character.
                last_space = Some(line.len());
            }
        }
        out.push(line.trim_end().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_takes_two_columns() {
        assert_eq!(display_width("营业执照"), 8);
        assert_eq!(display_width("A营"), 3);
        assert_eq!(
            wrap("营业执照食品经营许可证", 8),
            ["营业执照", "食品经营", "许可证"]
        );
    }

    #[test]
    fn odd_widths_never_split_a_character() {
        assert_eq!(wrap("营业执照", 5), ["营业", "执照"]);
    }

    #[test]
    fn latin_breaks_at_spaces() {
        assert_eq!(wrap("one visit kiosk", 10), ["one visit", "kiosk"]);
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
    }

    #[test]
    fn punctuation_stays_with_its_words() {
        // A comma would start the second line: the character before it comes down too.
        assert_eq!(wrap("一二三四，五六", 8), ["一二三", "四，五六"]);
        // An opening quote would end the first line: it moves down.
        assert_eq!(wrap("一二三“四五”", 8), ["一二三", "“四五”"]);
    }

    #[test]
    fn mixed_text() {
        for l in wrap("办件编号 2026-000123 请妥善保管本回执以便查询", 16) {
            assert!(display_width(&l) <= 16, "{l}");
        }
    }
}
