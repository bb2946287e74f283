//! Serial MRZ readers send the lines wrapped in vendor framing: usually `STX lines ETX` with
//! lines separated by CR (sometimes CR LF, sometimes no STX/ETX at all). The framer collects
//! one document's lines: it ends at ETX, or after an idle gap when there is no ETX.

const STX: u8 = 0x02;
const ETX: u8 = 0x03;

/// The longest line kept. MRZ lines have 30, 36 or 44 characters; a reader may add a prefix or
/// spaces, never hundreds of bytes. A longer line is noise (or a device gone mad), and the
/// document it is in is dropped rather than held in memory without end.
pub const MAX_LINE: usize = 128;
/// The most lines kept for one document (MRZs have two or three).
pub const MAX_LINES: usize = 6;

#[derive(Debug, Clone)]
pub struct Framer {
    idle_ms: u64,
    current: Vec<u8>,
    lines: Vec<String>,
    last_byte_at: Option<u64>,
    /// The current document overflowed: its bytes are skipped until STX, ETX or a pause.
    discarding: bool,
    /// Documents dropped for overflowing, for diagnostics.
    overflows: u64,
}

impl Framer {
    /// `idle_ms`: a pause this long ends a document sent without ETX.
    pub fn new(idle_ms: u64) -> Self {
        Framer {
            idle_ms,
            current: Vec::new(),
            lines: Vec::new(),
            last_byte_at: None,
            discarding: false,
            overflows: 0,
        }
    }

    /// Documents dropped so far because they exceeded [`MAX_LINE`] or [`MAX_LINES`].
    pub fn overflows(&self) -> u64 {
        self.overflows
    }

    /// Feeds bytes; returns each document (its lines) completed by an ETX.
    pub fn handle_bytes(&mut self, now: u64, bytes: &[u8]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                STX => {
                    self.current.clear();
                    self.lines.clear();
                    self.discarding = false;
                }
                ETX => {
                    self.end_line();
                    if let Some(doc) = self.take() {
                        out.push(doc);
                    }
                }
                _ if self.discarding => {}
                b'\r' | b'\n' => self.end_line(),
                _ if self.current.len() >= MAX_LINE => self.overflow(),
                _ => self.current.push(b),
            }
        }
        if !bytes.is_empty() {
            self.last_byte_at = Some(now);
        }
        out
    }

    /// Bytes held for the document being received (bounded: see [`MAX_LINE`]).
    pub fn buffered(&self) -> usize {
        self.current.len() + self.lines.iter().map(String::len).sum::<usize>()
    }

    /// When the current document will be ended by the idle gap, if one is open.
    pub fn next_deadline(&self) -> Option<u64> {
        let open = !self.current.is_empty() || !self.lines.is_empty() || self.discarding;
        self.last_byte_at.filter(|_| open).map(|t| t + self.idle_ms)
    }

    /// Ends a document sent without ETX once the line has been quiet long enough.
    pub fn handle_timeout(&mut self, now: u64) -> Option<Vec<String>> {
        if self.next_deadline().is_some_and(|d| now >= d) {
            self.end_line();
            return self.take();
        }
        None
    }

    /// Drops the document being received and skips the rest of it.
    fn overflow(&mut self) {
        if !self.discarding {
            self.overflows += 1;
        }
        self.current.clear();
        self.lines.clear();
        self.discarding = true;
    }

    fn end_line(&mut self) {
        if !self.current.is_empty() {
            let line = String::from_utf8_lossy(&self.current).trim().to_owned();
            self.current.clear();
            if !line.is_empty() {
                if self.lines.len() >= MAX_LINES {
                    self.overflow();
                } else {
                    self.lines.push(line);
                }
            }
        }
    }

    /// Ends the document: its lines, unless it overflowed (then nothing, and the next starts
    /// clean).
    fn take(&mut self) -> Option<Vec<String>> {
        let doc = std::mem::take(&mut self.lines);
        self.current.clear();
        let dropped = std::mem::replace(&mut self.discarding, false);
        (!doc.is_empty() && !dropped).then_some(doc)
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
        assert_eq!(f.handle_bytes(0, &bytes[..4]), Vec::<Vec<String>>::new());
        assert_eq!(
            f.handle_bytes(1, &bytes[4..]),
            vec![vec!["LINE1".to_string(), "LINE2".to_string()]]
        );
    }

    #[test]
    fn idle_gap_ends_an_unframed_document() {
        let mut f = Framer::new(200);
        assert!(f.handle_bytes(0, b"AAA\r\nBBB\r\n").is_empty());
        assert_eq!(f.next_deadline(), Some(200));
        assert_eq!(f.handle_timeout(100), None);
        assert_eq!(
            f.handle_timeout(200),
            Some(vec!["AAA".to_string(), "BBB".to_string()])
        );
        assert_eq!(f.next_deadline(), None);
    }

    #[test]
    fn megabytes_without_etx_hold_bounded_memory_and_the_next_document_still_reads() {
        let mut f = Framer::new(200);
        // 8 MB of junk: no ETX, no line end, then junk with line ends, all without a pause.
        let junk = vec![b'<'; 64 * 1024];
        for i in 0..64 {
            assert!(f.handle_bytes(i, &junk).is_empty());
            assert!(f.buffered() <= 1024, "{} bytes held", f.buffered());
        }
        let lines = b"P<CHNJUNK<<JUNK<<<<<<<<<<<<<<<<<<<<<<<<<<<<\r".repeat(1500);
        for i in 0..64 {
            assert!(f.handle_bytes(100 + i, &lines).is_empty());
            assert!(f.buffered() <= 1024, "{} bytes held", f.buffered());
        }
        // The runaway document is dropped, never parsed; a proper one after it reads.
        assert_eq!(f.handle_timeout(10_000), None);
        let mut doc = vec![STX];
        doc.extend_from_slice(b"LINE1\rLINE2\r");
        doc.push(ETX);
        assert_eq!(
            f.handle_bytes(10_001, &doc),
            vec![vec!["LINE1".to_string(), "LINE2".to_string()]]
        );
    }

    #[test]
    fn a_new_stx_ends_an_overflow() {
        let mut f = Framer::new(200);
        let _ = f.handle_bytes(0, &vec![b'A'; 10_000]);
        let mut doc = vec![STX];
        doc.extend_from_slice(b"LINE1\rLINE2");
        doc.push(ETX);
        assert_eq!(
            f.handle_bytes(1, &doc),
            vec![vec!["LINE1".to_string(), "LINE2".to_string()]]
        );
    }
}
