//! Printer status: real-time replies to `DLE EOT n` and automatic status back (ASB, after
//! `GS a n`) arrive in one byte stream. Real-time replies have `b & 0x93 == 0x12`; an ASB
//! message is 4 bytes whose first has `b & 0x93 == 0x10`. Bit meanings vary between models,
//! so they come from a per-model [`BitTable`].

use serde::Serialize;
use thiserror::Error;

/// Which bit means what, for one printer model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitTable {
    pub rt1_offline: u8,
    pub rt2_cover_open: u8,
    pub rt2_paper_end_stop: u8,
    pub rt2_error: u8,
    pub rt3_mechanical: u8,
    pub rt3_cutter: u8,
    pub rt3_unrecoverable: u8,
    pub rt3_auto_recoverable: u8,
    pub rt4_near_end: u8,
    pub rt4_paper_out: u8,
    /// ASB byte 1.
    pub asb1_offline: u8,
    pub asb1_cover_open: u8,
    /// ASB byte 2.
    pub asb2_mechanical: u8,
    pub asb2_cutter: u8,
    pub asb2_unrecoverable: u8,
    pub asb2_auto_recoverable: u8,
    /// ASB byte 3.
    pub asb3_near_end: u8,
    pub asb3_paper_out: u8,
}

impl BitTable {
    /// Epson-compatible printers (most Chinese kiosk printers follow it).
    pub const EPSON: BitTable = BitTable {
        rt1_offline: 0x08,
        rt2_cover_open: 0x04,
        rt2_paper_end_stop: 0x20,
        rt2_error: 0x40,
        rt3_mechanical: 0x04,
        rt3_cutter: 0x08,
        rt3_unrecoverable: 0x20,
        rt3_auto_recoverable: 0x40,
        rt4_near_end: 0x0C,
        rt4_paper_out: 0x60,
        asb1_offline: 0x08,
        asb1_cover_open: 0x20,
        asb2_mechanical: 0x04,
        asb2_cutter: 0x08,
        asb2_unrecoverable: 0x20,
        asb2_auto_recoverable: 0x40,
        asb3_near_end: 0x03,
        asb3_paper_out: 0x0C,
    };

    /// A model's table by name, for configuration.
    pub fn by_name(name: &str) -> Option<BitTable> {
        match name {
            "epson" | "generic" => Some(BitTable::EPSON),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusByte {
    /// The reply to `DLE EOT n`.
    RealTime { n: u8, byte: u8 },
    /// An automatic status back message.
    Asb([u8; 4]),
    /// A byte that is neither (line noise, or a reply nobody asked for).
    Noise(u8),
}

/// Splits the printer's byte stream into real-time replies and ASB messages.
#[derive(Debug, Default, Clone)]
pub struct StatusDecoder {
    /// The `n` of each `DLE EOT n` sent and not yet answered, oldest first.
    pending: std::collections::VecDeque<u8>,
    asb: Vec<u8>,
}

impl StatusDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Call when sending `DLE EOT n`.
    pub fn expect(&mut self, n: u8) {
        self.pending.push_back(n);
    }

    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// Forget unanswered queries (after a timeout).
    pub fn clear_pending(&mut self) {
        self.pending.clear();
    }

    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Vec<StatusByte> {
        let mut out = Vec::new();
        for &b in bytes {
            if !self.asb.is_empty() {
                self.asb.push(b);
                if self.asb.len() == 4 {
                    let m = [self.asb[0], self.asb[1], self.asb[2], self.asb[3]];
                    self.asb.clear();
                    out.push(StatusByte::Asb(m));
                }
                continue;
            }
            if b & 0x93 == 0x10 {
                self.asb.push(b);
            } else if b & 0x93 == 0x12 {
                match self.pending.pop_front() {
                    Some(n) => out.push(StatusByte::RealTime { n, byte: b }),
                    None => out.push(StatusByte::Noise(b)),
                }
            } else {
                out.push(StatusByte::Noise(b));
            }
        }
        out
    }
}

/// What is known about the printer. `None` where nothing has been heard yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PrinterStatus {
    pub online: Option<bool>,
    pub cover_open: Option<bool>,
    pub paper_out: Option<bool>,
    pub paper_near_end: Option<bool>,
    /// Mechanical, cutter or unrecoverable error.
    pub error: Option<bool>,
    /// e.g. the head overheated; clears by itself.
    pub recoverable_error: Option<bool>,
}

/// Why a receipt cannot be printed now, in words for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Error)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    #[error("the printer is offline")]
    Offline,
    #[error("the printer cover is open: close it")]
    CoverOpen,
    #[error("the printer is out of paper: load a new roll")]
    PaperOut,
    #[error("the printer reports an error (mechanism or cutter): it needs service")]
    Error,
    #[error("the printer is recovering (e.g. the head is too hot): try again shortly")]
    Recovering,
    #[error("the printer does not answer: check its power and cable")]
    NoReply,
}

impl Problem {
    /// The same for a citizen reading Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Problem::Offline => "打印机未连接",
            Problem::CoverOpen => "打印机盖未关",
            Problem::PaperOut => "打印机缺纸",
            Problem::Error => "打印机故障",
            Problem::Recovering => "打印机正在恢复，请稍候",
            Problem::NoReply => "打印机无响应",
        }
    }
}

impl PrinterStatus {
    pub fn apply(&mut self, s: StatusByte, t: &BitTable) {
        let has = |b: u8, mask: u8| b & mask != 0;
        match s {
            StatusByte::RealTime { n: 1, byte } => self.online = Some(!has(byte, t.rt1_offline)),
            StatusByte::RealTime { n: 2, byte } => {
                self.cover_open = Some(has(byte, t.rt2_cover_open));
                if has(byte, t.rt2_paper_end_stop) {
                    self.paper_out = Some(true);
                }
            }
            StatusByte::RealTime { n: 3, byte } => {
                self.error = Some(has(
                    byte,
                    t.rt3_mechanical | t.rt3_cutter | t.rt3_unrecoverable,
                ));
                self.recoverable_error = Some(has(byte, t.rt3_auto_recoverable));
            }
            StatusByte::RealTime { n: 4, byte } => {
                self.paper_near_end = Some(has(byte, t.rt4_near_end));
                self.paper_out = Some(has(byte, t.rt4_paper_out));
            }
            StatusByte::RealTime { .. } | StatusByte::Noise(_) => {}
            StatusByte::Asb([b1, b2, b3, _]) => {
                self.online = Some(!has(b1, t.asb1_offline));
                self.cover_open = Some(has(b1, t.asb1_cover_open));
                self.error = Some(has(
                    b2,
                    t.asb2_mechanical | t.asb2_cutter | t.asb2_unrecoverable,
                ));
                self.recoverable_error = Some(has(b2, t.asb2_auto_recoverable));
                self.paper_near_end = Some(has(b3, t.asb3_near_end));
                self.paper_out = Some(has(b3, t.asb3_paper_out));
            }
        }
    }

    /// Ready to print, or the first reason not to. Unknown counts as not ready.
    pub fn ready(&self) -> Result<(), Problem> {
        if self.online.is_none() && self.paper_out.is_none() {
            return Err(Problem::NoReply);
        }
        if self.cover_open == Some(true) {
            return Err(Problem::CoverOpen);
        }
        if self.paper_out != Some(false) {
            return Err(Problem::PaperOut);
        }
        if self.error == Some(true) {
            return Err(Problem::Error);
        }
        if self.recoverable_error == Some(true) {
            return Err(Problem::Recovering);
        }
        if self.online == Some(false) {
            return Err(Problem::Offline);
        }
        Ok(())
    }
}

/// `DLE EOT n`.
pub fn query(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// `GS a n`: enable automatic status back for online, error and paper changes.
pub const ENABLE_ASB: [u8; 3] = [0x1D, 0x61, 0x0E];

/// Epson `DLE DC4 fn=8`: clear the receive and print buffers, so nothing left from an
/// interrupted job is printed after a refill.
pub const CLEAR_BUFFERS: [u8; 10] = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_time_and_asb_are_told_apart() {
        let mut d = StatusDecoder::new();
        d.expect(4);
        d.expect(2);
        // A real-time reply, an ASB message, then the second real-time reply.
        let out = d.handle_bytes(&[0x12 | 0x60, 0x10, 0x00, 0x0C, 0x00, 0x12 | 0x04]);
        assert_eq!(
            out,
            vec![
                StatusByte::RealTime { n: 4, byte: 0x72 },
                StatusByte::Asb([0x10, 0x00, 0x0C, 0x00]),
                StatusByte::RealTime { n: 2, byte: 0x16 },
            ]
        );
        let mut s = PrinterStatus::default();
        for b in out {
            s.apply(b, &BitTable::EPSON);
        }
        assert_eq!(s.paper_out, Some(true));
        assert_eq!(s.cover_open, Some(true));
        assert_eq!(s.ready(), Err(Problem::CoverOpen));
    }

    #[test]
    fn all_clear_is_ready_and_unknown_is_not() {
        assert_eq!(PrinterStatus::default().ready(), Err(Problem::NoReply));
        let mut s = PrinterStatus::default();
        for (n, b) in [(1, 0x12), (2, 0x12), (3, 0x12), (4, 0x12)] {
            s.apply(StatusByte::RealTime { n, byte: b }, &BitTable::EPSON);
        }
        assert_eq!(s.ready(), Ok(()));
        s.apply(StatusByte::RealTime { n: 4, byte: 0x1E }, &BitTable::EPSON);
        assert_eq!(s.paper_near_end, Some(true));
        assert_eq!(s.ready(), Ok(()));
    }
}
