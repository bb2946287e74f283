//! Serial barcode/QR scanners send each code followed by a configurable suffix (CR, LF, CRLF,
//! TAB, or nothing), optionally wrapped in STX/ETX and prefixed by an AIM symbology id
//! (`]Q1` QR, `]C0` Code 128, …). The splitter turns the byte stream into scans: a scan ends
//! at the terminator, or after an idle gap for scanners configured without one.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// The code's text (lossless for UTF-8; other bytes are replaced).
    pub text: String,
    /// The AIM symbology id without its `]`, e.g. `Q1`, if the scanner sent one.
    pub symbology: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Splitter {
    terminator: Vec<u8>,
    idle_ms: u64,
    strip_aim: bool,
    buf: Vec<u8>,
    last_byte_at: Option<u64>,
}

/// The longest code we accept; a scanner that never sends its terminator must not make the
/// buffer grow without bound.
pub const MAX_SCAN: usize = 8192;

impl Splitter {
    /// `terminator` may be empty (idle gap only). `idle_ms` ends a scan after a quiet gap.
    pub fn new(terminator: &[u8], idle_ms: u64, strip_aim: bool) -> Self {
        Splitter {
            terminator: terminator.to_vec(),
            idle_ms,
            strip_aim,
            buf: Vec::new(),
            last_byte_at: None,
        }
    }

    /// Parses a terminator name as written in configuration: `cr`, `lf`, `crlf`, `tab`, `none`.
    pub fn terminator_from_name(name: &str) -> Option<Vec<u8>> {
        Some(match name.to_ascii_lowercase().as_str() {
            "cr" => b"\r".to_vec(),
            "lf" => b"\n".to_vec(),
            "crlf" => b"\r\n".to_vec(),
            "tab" => b"\t".to_vec(),
            "none" => Vec::new(),
            _ => return None,
        })
    }

    pub fn handle_bytes(&mut self, now: u64, bytes: &[u8]) -> Vec<Scan> {
        let mut out = Vec::new();
        for &b in bytes {
            self.buf.push(b);
            if !self.terminator.is_empty() && self.buf.ends_with(&self.terminator) {
                let n = self.buf.len() - self.terminator.len();
                self.buf.truncate(n);
                out.extend(self.take());
            } else if self.buf.len() >= MAX_SCAN {
                out.extend(self.take());
            }
        }
        if !bytes.is_empty() {
            self.last_byte_at = Some(now);
        }
        out
    }

    pub fn next_deadline(&self) -> Option<u64> {
        self.last_byte_at
            .filter(|_| !self.buf.is_empty())
            .map(|t| t + self.idle_ms)
    }

    pub fn handle_timeout(&mut self, now: u64) -> Option<Scan> {
        if self.next_deadline().is_some_and(|d| now >= d) {
            return self.take();
        }
        None
    }

    fn take(&mut self) -> Option<Scan> {
        let raw = std::mem::take(&mut self.buf);
        let mut s: &[u8] = &raw;
        // STX/ETX wrapping and stray line ends from CRLF-configured scanners.
        s = s.strip_prefix(&[0x02]).unwrap_or(s);
        s = s.strip_suffix(&[0x03]).unwrap_or(s);
        while let Some((first, rest)) = s.split_first() {
            if matches!(first, b'\r' | b'\n') {
                s = rest;
            } else {
                break;
            }
        }
        let mut symbology = None;
        if self.strip_aim && s.len() >= 3 && s[0] == b']' && s[1].is_ascii_alphabetic() {
            symbology = Some(String::from_utf8_lossy(&s[1..3]).into_owned());
            s = &s[3..];
        }
        if s.is_empty() {
            return None;
        }
        Some(Scan {
            text: String::from_utf8_lossy(s).into_owned(),
            symbology,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_crlf_and_strips_aim() {
        let mut s = Splitter::new(b"\r\n", 100, true);
        let out = s.handle_bytes(0, b"]Q1https://example.test/c/1\r\n]C0ABC");
        assert_eq!(
            out,
            vec![Scan {
                text: "https://example.test/c/1".into(),
                symbology: Some("Q1".into())
            }]
        );
        let out = s.handle_bytes(5, b"123\r\n");
        assert_eq!(out[0].text, "ABC123");
        assert_eq!(out[0].symbology.as_deref(), Some("C0"));
    }

    #[test]
    fn idle_gap_ends_a_scan_without_terminator() {
        let mut s = Splitter::new(b"", 50, false);
        assert!(s.handle_bytes(10, "二维码".as_bytes()).is_empty());
        assert_eq!(s.handle_timeout(59), None);
        assert_eq!(
            s.handle_timeout(60).map(|x| x.text),
            Some("二维码".to_string())
        );
    }

    #[test]
    fn terminator_split_across_reads() {
        let mut s = Splitter::new(b"\r\n", 100, false);
        assert!(s.handle_bytes(0, b"AB\r").is_empty());
        assert_eq!(s.handle_bytes(1, b"\n")[0].text, "AB");
    }

    #[test]
    fn names() {
        assert_eq!(
            Splitter::terminator_from_name("CRLF"),
            Some(b"\r\n".to_vec())
        );
        assert_eq!(Splitter::terminator_from_name("x"), None);
    }
}
