//! Serial MRZ readers send the lines wrapped in vendor framing: usually `STX lines ETX` with
//! lines separated by CR (sometimes CR LF, sometimes no STX/ETX at all). The framer collects
//! one document's lines: it ends at ETX, or after an idle gap when there is no ETX.

const STX: u8 = 0x02;
const ETX: u8 = 0x03;

#[derive(Debug, Clone)]
pub struct Framer {
    idle_ms: u64,
    current: Vec<u8>,
    lines: Vec<String>,
    last_byte_at: Option<u64>,
}

impl Framer {
    /// `idle_ms`: a pause this long ends a document sent without ETX.
    pub fn new(idle_ms: u64) -> Self {
        Framer {
            idle_ms,
            current: Vec::new(),
            lines: Vec::new(),
            last_byte_at: None,
        }
    }

    /// Feeds bytes; returns each document (its lines) completed by an ETX.
    pub fn feed(&mut self, now: u64, bytes: &[u8]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                STX => {
                    self.current.clear();
                    self.lines.clear();
                }
                ETX => {
                    self.end_line();
                    if let Some(doc) = self.take() {
                        out.push(doc);
                    }
                }
                b'\r' | b'\n' => self.end_line(),
                _ => self.current.push(b),
            }
        }
        if !bytes.is_empty() {
            self.last_byte_at = Some(now);
        }
        out
    }

    /// When the current document will be ended by the idle gap, if one is open.
    pub fn deadline(&self) -> Option<u64> {
        let open = !self.current.is_empty() || !self.lines.is_empty();
        self.last_byte_at.filter(|_| open).map(|t| t + self.idle_ms)
    }

    /// Ends a document sent without ETX once the line has been quiet long enough.
    pub fn on_tick(&mut self, now: u64) -> Option<Vec<String>> {
        if self.deadline().is_some_and(|d| now >= d) {
            self.end_line();
            return self.take();
        }
        None
    }

    fn end_line(&mut self) {
        if !self.current.is_empty() {
            let line = String::from_utf8_lossy(&self.current).trim().to_owned();
            if !line.is_empty() {
                self.lines.push(line);
            }
            self.current.clear();
        }
    }

    fn take(&mut self) -> Option<Vec<String>> {
        let doc = std::mem::take(&mut self.lines);
        (!doc.is_empty()).then_some(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stx_etx_with_cr() {
        let mut f = Framer::new(200);
        let mut bytes = vec![STX];
        bytes.extend_from_slice(b"LINE1\rLINE2\r");
        bytes.push(ETX);
        assert_eq!(f.feed(0, &bytes[..4]), Vec::<Vec<String>>::new());
        assert_eq!(
            f.feed(1, &bytes[4..]),
            vec![vec!["LINE1".to_string(), "LINE2".to_string()]]
        );
    }

    #[test]
    fn idle_gap_ends_an_unframed_document() {
        let mut f = Framer::new(200);
        assert!(f.feed(0, b"AAA\r\nBBB\r\n").is_empty());
        assert_eq!(f.deadline(), Some(200));
        assert_eq!(f.on_tick(100), None);
        assert_eq!(
            f.on_tick(200),
            Some(vec!["AAA".to_string(), "BBB".to_string()])
        );
        assert_eq!(f.deadline(), None);
    }
}
