//! Reconnection delays: doubling from a minimum to a maximum, reset on success.

#[derive(Debug, Clone)]
pub struct Backoff {
    min_ms: u64,
    max_ms: u64,
    next_ms: u64,
}

impl Backoff {
    pub fn new(min_ms: u64, max_ms: u64) -> Self {
        Backoff {
            min_ms,
            max_ms,
            next_ms: min_ms,
        }
    }

    /// The delay before the next attempt; each call doubles the following one.
    pub fn next_delay(&mut self) -> u64 {
        let d = self.next_ms;
        self.next_ms = (self.next_ms * 2).min(self.max_ms);
        d
    }

    pub fn reset(&mut self) {
        self.next_ms = self.min_ms;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn doubles_to_the_cap_and_resets() {
        let mut b = super::Backoff::new(100, 500);
        let seq: Vec<u64> = (0..5).map(|_| b.next_delay()).collect();
        assert_eq!(seq, [100, 200, 400, 500, 500]);
        b.reset();
        assert_eq!(b.next_delay(), 100);
    }
}
