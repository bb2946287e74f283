//! Pinyin input: the engine trait, and the board that turns an engine's candidates into what
//! the keyboard shows (pages of candidates the font can draw).

use crate::ImeError;
use crate::coverage::Coverage;

/// A key of the pinyin keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `a`–`z`.
    Letter(char),
    Backspace,
    /// The syllable separator `'` (xi'an vs xian).
    Separator,
}

/// A pinyin input-method engine: letters in, candidates out.
pub trait Pinyin {
    /// The engine's name for diagnostics ("librime 1.8.5, pinyin_simp").
    fn describe(&self) -> String;
    fn press(&mut self, key: Key) -> Result<(), ImeError>;
    /// The input composed so far, as the engine segments it ("kai fan dian").
    fn preedit(&mut self) -> String;
    /// Candidates `from .. from + n` of the engine's whole list, best first.
    fn candidates(&mut self, from: usize, n: usize) -> Vec<String>;
    /// Chooses candidate `index` of the whole list. Returns the committed text once all the
    /// input is converted; `None` while some remains (the candidate covered only its start).
    fn select(&mut self, index: usize) -> Option<String>;
    /// Forgets the input (and nothing is learned from it).
    fn clear(&mut self);
}

/// What the keyboard shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub preedit: String,
    pub candidates: Vec<String>,
    pub page: usize,
    pub has_prev: bool,
    pub has_next: bool,
}

/// The candidate bar: pages of `per_page` candidates, only those the font draws.
#[derive(Debug)]
pub struct Board {
    pub per_page: usize,
    coverage: Coverage,
    page: usize,
    /// Engine indices of the drawable candidates found so far, in order.
    found: Vec<(usize, String)>,
    exhausted: bool,
}

/// How far the board looks for drawable candidates before giving up (a pathological engine
/// or font must not stall a keystroke).
const MAX_SCAN: usize = 600;
const BATCH: usize = 32;

impl Board {
    pub fn new(per_page: usize, coverage: Coverage) -> Self {
        Board {
            per_page: per_page.max(1),
            coverage,
            page: 0,
            found: Vec::new(),
            exhausted: false,
        }
    }

    /// A key: back to the first page of the new candidates.
    pub fn press(&mut self, engine: &mut dyn Pinyin, key: Key) -> Result<View, ImeError> {
        engine.press(key)?;
        self.restart();
        Ok(self.view(engine))
    }

    pub fn next_page(&mut self, engine: &mut dyn Pinyin) -> View {
        if self.ensure(engine, (self.page + 1) * self.per_page + 1) {
            self.page += 1;
        }
        self.view(engine)
    }

    pub fn prev_page(&mut self, engine: &mut dyn Pinyin) -> View {
        self.page = self.page.saturating_sub(1);
        self.view(engine)
    }

    /// Taps candidate `i` of the page shown. Returns the text to put into the field once the
    /// whole input is converted, and what the keyboard shows next.
    pub fn choose(&mut self, engine: &mut dyn Pinyin, i: usize) -> (Option<String>, View) {
        let Some((index, _)) = self.found.get(self.page * self.per_page + i).cloned() else {
            return (None, self.view(engine));
        };
        let committed = engine.select(index);
        self.restart();
        (committed, self.view(engine))
    }

    pub fn clear(&mut self, engine: &mut dyn Pinyin) {
        engine.clear();
        self.restart();
    }

    fn restart(&mut self) {
        self.page = 0;
        self.found.clear();
        self.exhausted = false;
    }

    /// Scans the engine until `want` drawable candidates are known (or it has no more).
    /// True if there are at least `want`.
    fn ensure(&mut self, engine: &mut dyn Pinyin, want: usize) -> bool {
        let mut next = self.found.last().map_or(0, |(i, _)| i + 1);
        while self.found.len() < want && !self.exhausted {
            let batch = engine.candidates(next, BATCH);
            if batch.len() < BATCH || next + BATCH >= MAX_SCAN {
                self.exhausted = true;
            }
            for (k, text) in batch.into_iter().enumerate() {
                if self.coverage.draws(&text) {
                    self.found.push((next + k, text));
                }
            }
            next += BATCH;
        }
        self.found.len() >= want
    }

    fn view(&mut self, engine: &mut dyn Pinyin) -> View {
        let start = self.page * self.per_page;
        let has_next = self.ensure(engine, start + self.per_page + 1);
        View {
            preedit: engine.preedit(),
            candidates: self
                .found
                .iter()
                .skip(start)
                .take(self.per_page)
                .map(|(_, t)| t.clone())
                .collect(),
            page: self.page,
            has_prev: self.page > 0,
            has_next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny table engine for the board's own logic (the real engine is tested against
    /// librime in tests/engines.rs).
    #[derive(Default)]
    struct Table {
        input: String,
        done: String,
    }

    impl Table {
        fn all(&self) -> Vec<String> {
            match self.input.as_str() {
                "" => vec![],
                "shi" => (0..40)
                    .map(|i| {
                        if i == 3 {
                            "𠮷".to_owned()
                        } else {
                            format!("是{i}")
                        }
                    })
                    .collect(),
                "kaifandian" => vec!["开饭店".into(), "开".into(), "凯".into()],
                "fandian" => vec!["饭店".into(), "饭".into()],
                _ => vec![self.input.clone()],
            }
        }
    }

    impl Pinyin for Table {
        fn describe(&self) -> String {
            "table".into()
        }
        fn press(&mut self, key: Key) -> Result<(), ImeError> {
            match key {
                Key::Letter(c) => self.input.push(c),
                Key::Backspace => {
                    self.input.pop();
                }
                Key::Separator => self.input.push('\''),
            }
            Ok(())
        }
        fn preedit(&mut self) -> String {
            self.input.clone()
        }
        fn candidates(&mut self, from: usize, n: usize) -> Vec<String> {
            self.all().into_iter().skip(from).take(n).collect()
        }
        fn select(&mut self, index: usize) -> Option<String> {
            let c = self.all().get(index)?.clone();
            self.done.push_str(&c);
            if self.input == "kaifandian" && c == "开" {
                self.input = "fandian".into();
                return None;
            }
            self.input.clear();
            Some(std::mem::take(&mut self.done))
        }
        fn clear(&mut self) {
            self.input.clear();
            self.done.clear();
        }
    }

    fn typed(board: &mut Board, e: &mut Table, s: &str) -> View {
        let mut v = View::default();
        for c in s.chars() {
            v = board.press(e, Key::Letter(c)).expect("press");
        }
        v
    }

    #[test]
    fn pages_skip_what_the_font_cannot_draw() {
        let cover = Coverage::of("是0123456789".chars());
        let mut b = Board::new(5, cover);
        let mut e = Table::default();
        let v = typed(&mut b, &mut e, "shi");
        assert_eq!(v.candidates, ["是0", "是1", "是2", "是4", "是5"]);
        assert!(v.has_next && !v.has_prev);
        let v = b.next_page(&mut e);
        assert_eq!(v.candidates[0], "是6");
        assert!(v.has_prev);
        let v = b.prev_page(&mut e);
        assert_eq!(v.page, 0);
        // The 𠮷 that was skipped is never offered; choosing maps to the engine's index.
        let v = b.next_page(&mut e);
        let (text, _) = b.choose(&mut e, 0);
        assert_eq!(text.as_deref(), Some("是6"), "{v:?}");
    }

    #[test]
    fn a_partial_choice_keeps_composing_then_commits_the_whole() {
        let mut b = Board::new(5, Coverage::default());
        let mut e = Table::default();
        typed(&mut b, &mut e, "kaifandian");
        let (text, v) = b.choose(&mut e, 1);
        assert_eq!(text, None);
        assert_eq!(v.candidates[0], "饭店");
        let (text, v) = b.choose(&mut e, 0);
        assert_eq!(text.as_deref(), Some("开饭店"));
        assert!(v.candidates.is_empty());
    }

    #[test]
    fn choosing_past_the_page_does_nothing() {
        let mut b = Board::new(5, Coverage::default());
        let mut e = Table::default();
        typed(&mut b, &mut e, "kaifandian");
        let (text, v) = b.choose(&mut e, 9);
        assert_eq!(text, None);
        assert_eq!(v.candidates.len(), 3);
        assert!(!v.has_next);
    }
}
