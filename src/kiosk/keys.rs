//! The on-screen keyboard: which layout a field opens, and what each key, candidate, stroke
//! and word does to the field being edited. The input engines live in `crate::input`.

use onevisit_domain::catalog::FieldKind;
use onevisit_domain::session::{Event, Screen};
use onevisit_ime::pinyin::Key;

use super::app::App;
use super::contract::{DatePart, Layout};

/// The longest ID number (GB 11643: 18 characters).
const ID_LEN: usize = 18;

impl App {
    /// The field's kind in the current plan (none for the manual-entry, search and comment
    /// boxes).
    fn field_kind(&self, key: &str) -> Option<FieldKind> {
        self.session
            .plan
            .as_ref()
            .and_then(|p| p.fields.iter().find(|f| f.key == key))
            .map(|f| f.kind)
    }

    /// True when the field takes Chinese (names, addresses, shop names, search, comments).
    pub fn chinese_field(&self, key: &str) -> bool {
        match key {
            "" | "id_number" => false,
            "name" | "search" | "comment" => true,
            _ => matches!(
                self.field_kind(key),
                Some(FieldKind::Text | FieldKind::Address)
            ),
        }
    }

    /// The first Chinese method to offer: handwriting first in elderly mode (many older
    /// citizens write characters but cannot type pinyin), pinyin otherwise; the other when
    /// one engine is missing, Latin letters when both are.
    fn chinese_layout(&mut self) -> Layout {
        let (pinyin, hand) = (
            self.input.pinyin_ready(),
            self.input.handwriting_available(),
        );
        match (self.session.elderly, pinyin, hand) {
            (true, _, true) | (false, false, true) => Layout::Handwriting,
            (_, true, _) => Layout::Pinyin,
            _ => Layout::Latin,
        }
    }

    fn layout_for(&mut self, key: &str) -> Layout {
        if key == "id_number" {
            return Layout::Id;
        }
        match self.field_kind(key) {
            Some(FieldKind::IdNumber) => Layout::Id,
            Some(FieldKind::Number | FieldKind::Phone) => Layout::Digits,
            Some(FieldKind::Date) => Layout::Date,
            _ => self.chinese_layout(),
        }
    }

    /// Starts editing a field (or stops, for ""): its layout, nothing half-composed.
    pub fn open_field(&mut self, key: &str) {
        self.current_field = key.to_owned();
        self.input.reset();
        if !key.is_empty() {
            self.keyboard = self.layout_for(key);
            if self.keyboard == Layout::Date && self.date_value().is_none() {
                let today = self.local_time().format("%Y-%m-%d").to_string();
                self.set_current(&today);
            }
        }
    }

    /// A key of the on-screen keyboard.
    pub(super) fn key(&mut self, k: &str) {
        let pinyin = self.keyboard == Layout::Pinyin && self.input.pinyin_ready();
        if pinyin {
            let mut chars = k.chars();
            let key = match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => Some(Key::Letter(c)),
                (Some('\''), None) => Some(Key::Separator),
                _ if k == "⌫" && self.input.composing() => Some(Key::Backspace),
                // Space while composing takes the first candidate, as on every pinyin IME.
                _ if k == " " && self.input.composing() => {
                    self.candidate(0);
                    return;
                }
                _ => None,
            };
            if let Some(key) = key {
                self.input.press(key);
                self.event(Event::Touch);
                return;
            }
        }
        if k == "⌫" {
            self.edit_current(|v| {
                v.pop();
            });
            return;
        }
        // The ID layout only ever produces digits and X, and no more than an ID number holds;
        // the digits layout only digits.
        let allowed = match self.keyboard {
            Layout::Id => {
                k.chars().all(|c| c.is_ascii_digit() || c == 'X')
                    && self.current_value().chars().count() < ID_LEN
            }
            Layout::Digits => k.chars().all(|c| c.is_ascii_digit()),
            _ => true,
        };
        if allowed {
            self.type_text(k);
        }
    }

    /// The keyboard's layout keys: 拼音, 手写, ABC, 123.
    pub(super) fn switch_layout(&mut self, layout: Layout) {
        let ok = match layout {
            Layout::Pinyin => self.input.pinyin_ready(),
            Layout::Handwriting => self.input.handwriting_available(),
            Layout::Latin | Layout::Digits => true,
            // ID numbers and dates have their own layouts, opened by their fields.
            Layout::Id | Layout::Date => false,
        };
        // An ID number stays on its own layout: nothing else can be typed into it.
        if ok && self.keyboard != Layout::Id {
            self.input.reset();
            self.keyboard = layout;
        }
        self.event(Event::Touch);
    }

    /// A tap on a candidate: pinyin (maybe only part of the input) or handwriting.
    pub(super) fn candidate(&mut self, i: usize) {
        let text = if self.keyboard == Layout::Handwriting {
            self.input.take_written(i)
        } else {
            self.input.choose(i)
        };
        match text {
            Some(t) => self.type_text(&t),
            None => self.event(Event::Touch),
        }
    }

    /// Puts text at the end of the field being edited.
    pub(super) fn type_text(&mut self, text: &str) {
        self.edit_current(|v| v.push_str(text));
    }

    fn current_value(&self) -> String {
        match self.session.screen {
            Screen::ManualId => self.manual.get(&self.current_field).cloned(),
            Screen::Form => self.session.form.get(&self.current_field).cloned(),
            Screen::Themes => Some(self.search.clone()),
            Screen::Rate => Some(self.session.comment.clone()),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn set_current(&mut self, value: &str) {
        let value = value.to_owned();
        self.edit_current(|v| *v = value);
    }

    fn edit_current(&mut self, f: impl FnOnce(&mut String)) {
        match self.session.screen {
            Screen::ManualId if !self.current_field.is_empty() => {
                f(self.manual.entry(self.current_field.clone()).or_default());
                self.event(Event::Touch);
            }
            Screen::Form if !self.current_field.is_empty() => {
                let mut v = self.current_value();
                f(&mut v);
                self.event(Event::SetField {
                    key: self.current_field.clone(),
                    value: v,
                });
            }
            Screen::Themes if self.current_field == "search" => {
                f(&mut self.search);
                self.event(Event::Touch);
            }
            Screen::Rate => {
                let mut v = self.session.comment.clone();
                f(&mut v);
                self.event(Event::Comment(v));
            }
            _ => {}
        }
    }

    /// The date field's value, if it holds a date.
    pub fn date_value(&self) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::parse_from_str(&self.current_value(), "%Y-%m-%d").ok()
    }

    /// A step of the date picker: a year, month or day on or back.
    pub(super) fn step_date(&mut self, part: DatePart, n: i32) {
        use chrono::{Datelike, Months};
        let today = self.local_time().date_naive();
        let d = self.date_value().unwrap_or(today);
        let months = |m: i32| {
            if m >= 0 {
                d.checked_add_months(Months::new(m.unsigned_abs()))
            } else {
                d.checked_sub_months(Months::new(m.unsigned_abs()))
            }
        };
        let next = match part {
            DatePart::Year => months(n.saturating_mul(12)),
            DatePart::Month => months(n),
            DatePart::Day => d.checked_add_signed(chrono::Duration::days(i64::from(n))),
        };
        if let Some(next) = next.filter(|x| x.year() >= 1900 && x.year() <= today.year() + 50) {
            self.set_current(&next.format("%Y-%m-%d").to_string());
        }
    }
}
