//! Form bodies as browsers post them (`application/x-www-form-urlencoded`), with repeated
//! names kept (the corrections' check boxes). Malformed escapes are kept as they came.

/// A parsed `application/x-www-form-urlencoded` body (repeated names kept in order).
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        let text = String::from_utf8_lossy(body);
        Form(
            text.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_repeated_names_and_escapes() {
        let f = Form::parse(b"csrf=ab&what=%E8%90%A5%E4%B8%9A&what=a+b&why=%ZZ&empty=");
        assert_eq!(f.get("csrf"), Some("ab"));
        assert_eq!(f.all("what"), vec!["营业".to_owned(), "a b".to_owned()]);
        assert_eq!(f.get("why"), Some("%ZZ"));
        assert_eq!(f.get("empty"), Some(""));
        assert_eq!(f.get("missing"), None);
        assert_eq!(Form::parse(b"x=%4").get("x"), Some("%4"));
        // A % before a multi-byte character is kept, not a panic.
        assert_eq!(Form::parse("x=%营".as_bytes()).get("x"), Some("%营"));
    }
}
