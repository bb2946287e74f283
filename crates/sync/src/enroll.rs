//! The enrollment QR code: one line that tells a kiosk where its central system is, the
//! one-time code, the certificate's pin and the site, so that a technician provisions it by
//! holding a printed code under the kiosk's scanner or camera. Pure: text in, text out.
//!
//! `onevisit:enroll?v=1&central=https%3A%2F%2Fhost%3A8443&code=ABCD-EFGH&pin=<hex>&site=...`
//! Values are percent-encoded UTF-8 (a site's name is Chinese), so the line is plain ASCII
//! that every scanner sends unchanged.

/// What the line starts with.
pub const PREFIX: &str = "onevisit:enroll?";
/// The format's version; a kiosk refuses a newer one rather than guess.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollPayload {
    /// The central system's address, `https://…`.
    pub central: String,
    /// The one-time enrollment code.
    pub code: String,
    /// The SHA-256 of the central system's certificate (`onevisit-central fingerprint`).
    pub pin: String,
    /// The site the code was made for.
    pub site: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error(
        "this is not a OneVisit enrollment code (it should begin with \"onevisit:enroll?\"): ask the county for the enrollment QR code from `onevisit-central enroll-code --qr`"
    )]
    NotOurs,
    #[error(
        "this enrollment code is of a newer format ({0}) than this kiosk knows ({VERSION}): update the kiosk's software first"
    )]
    NewerVersion(u32),
    #[error(
        "the enrollment code has no {0}: it was printed or scanned incompletely; scan it again, or ask the county for a new one"
    )]
    Missing(&'static str),
    #[error(
        "the enrollment code's {0} is damaged ({1}): scan it again, or ask the county for a new one"
    )]
    Damaged(&'static str, String),
}

impl EnrollPayload {
    /// The one line the QR code holds.
    pub fn to_line(&self) -> String {
        format!(
            "{PREFIX}v={VERSION}&central={}&code={}&pin={}&site={}",
            encode(&self.central),
            encode(&self.code),
            encode(&self.pin),
            encode(&self.site)
        )
    }

    /// Reads a scanned or typed line (surrounding spaces and line ends are ignored).
    pub fn parse(line: &str) -> Result<EnrollPayload, PayloadError> {
        let line = line.trim();
        let query = line
            .strip_prefix(PREFIX)
            .or_else(|| {
                // Scanners in some keyboard modes send the scheme in capitals.
                let n = PREFIX.len();
                (line.len() >= n && line.is_char_boundary(n))
                    .then(|| &line[..n])
                    .filter(|p| p.eq_ignore_ascii_case(PREFIX))
                    .map(|_| &line[n..])
            })
            .ok_or(PayloadError::NotOurs)?;
        let mut fields: [(&'static str, Option<String>); 5] = [
            ("v", None),
            ("central", None),
            ("code", None),
            ("pin", None),
            ("site", None),
        ];
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if let Some(slot) = fields.iter_mut().find(|(k, _)| *k == key) {
                let value = decode(value).map_err(|e| PayloadError::Damaged(slot.0, e))?;
                slot.1 = Some(value);
            }
            // Unknown keys are for newer kiosks; the version says when they matter.
        }
        let [v, central, code, pin, site] = fields.map(|(name, value)| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or(PayloadError::Missing(name))
        });
        let v = v?;
        let version: u32 = v
            .parse()
            .map_err(|_| PayloadError::Damaged("version", v.clone()))?;
        if version > VERSION {
            return Err(PayloadError::NewerVersion(version));
        }
        let central = central?;
        if !central.starts_with("https://") || central.len() <= "https://".len() {
            return Err(PayloadError::Damaged(
                "address",
                format!("{central:?} is not an https:// address"),
            ));
        }
        let pin = pin?;
        if !pin.chars().all(|c| c.is_ascii_graphic()) || pin.len() > 128 {
            return Err(PayloadError::Damaged(
                "certificate pin",
                "not a SHA-256 fingerprint".into(),
            ));
        }
        Ok(EnrollPayload {
            central,
            code: code?,
            pin,
            site: site?.trim().to_owned(),
        })
    }
}

/// Percent-encodes everything but unreserved ASCII.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("a broken %-escape at character {}", i + 1))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8 text".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EnrollPayload {
        EnrollPayload {
            central: "https://zwfw.example.gov.cn:8443".into(),
            code: "K7Q2-9XMD-4TPA".into(),
            pin: "3f".repeat(32),
            site: "城关镇便民服务中心 (一楼)".into(),
        }
    }

    #[test]
    fn a_payload_survives_the_line_and_the_line_is_plain_ascii() {
        let line = sample().to_line();
        assert!(line.starts_with(PREFIX), "{line}");
        assert!(
            line.bytes().all(|b| b.is_ascii_graphic()),
            "{line}: a scanner must send it unchanged"
        );
        assert_eq!(EnrollPayload::parse(&line), Ok(sample()));
        // Line ends and a scheme in capitals (scanners in some keyboard modes) are read.
        let shouted = format!("  {}\r\n", line.replacen(PREFIX, &PREFIX.to_uppercase(), 1));
        assert_eq!(EnrollPayload::parse(&shouted), Ok(sample()));
    }

    #[test]
    fn each_bad_line_says_what_is_wrong() {
        let line = sample().to_line();
        assert_eq!(
            EnrollPayload::parse("https://example.org"),
            Err(PayloadError::NotOurs)
        );
        assert_eq!(
            EnrollPayload::parse(&line.replace("v=1", "v=2")),
            Err(PayloadError::NewerVersion(2))
        );
        let no_code = line.replace("&code=K7Q2-9XMD-4TPA", "");
        assert_eq!(
            EnrollPayload::parse(&no_code),
            Err(PayloadError::Missing("code"))
        );
        let cut = &line[..line.len() - 2];
        assert!(matches!(
            EnrollPayload::parse(cut),
            Err(PayloadError::Damaged("site", _))
        ));
        let http = line.replace("https%3A", "http%3A");
        assert!(matches!(
            EnrollPayload::parse(&http),
            Err(PayloadError::Damaged("address", _))
        ));
        for e in [PayloadError::NotOurs, PayloadError::Missing("pin")] {
            assert!(e.to_string().contains("ask the county"), "{e}");
        }
    }
}
