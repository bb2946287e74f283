//! The box being edited: the form's fields, the manual-entry and search boxes and the
//! rating's comment; what each key, candidate, stroke and word does to it. The keyboard's
//! policy (which layout, which keys) is the pure `onevisit_domain::keyboard`; the input
//! engines live in `crate::input`.

use std::collections::BTreeMap;

use onevisit_domain::keyboard::{self, Engines, Slot};
use onevisit_domain::session::{Event, Screen};
use onevisit_ime::pinyin::Key;

use super::app::App;
use super::contract::{DatePart, Layout};

pub struct Editor {
    /// The box being edited ("" for none).
    pub current_field: String,
    pub keyboard: Layout,
    /// Chinese input behind the on-screen keyboard.
    pub input: crate::input::Input,
    /// The manual-entry fields (name, ID number) before they are confirmed.
    pub manual: BTreeMap<String, String>,
    /// The theme list's category, and what the citizen typed to find a theme.
    pub category: String,
    pub search: String,
}

impl Editor {
    pub fn new(input: crate::input::Input) -> Editor {
        Editor {
            current_field: String::new(),
            keyboard: Layout::Latin,
            input,
            manual: BTreeMap::new(),
            category: String::new(),
            search: String::new(),
        }
    }

    /// What the input methods can do now.
    fn engines(&mut self) -> Engines {
        Engines {
            pinyin: self.input.pinyin_ready(),
            handwriting: self.input.handwriting_available(),
        }
    }

    /// The manual entry's name and ID number, as typed; editing ends.
    pub fn take_manual(&mut self) -> (String, String) {
        self.current_field.clear();
        let get = |k: &str| self.manual.get(k).cloned().unwrap_or_default();
        (get("name"), get("id_number"))
    }

    pub fn wipe(&mut self) {
        self.current_field.clear();
        self.input.wipe();
        self.manual.clear();
        self.category.clear();
        self.search.clear();
    }
}

impl App {
    /// The box `key` as the keyboard policy sees it (with its kind in the current plan).
    fn slot(&self, key: &str) -> Slot {
        let kind = self
            .session
            .plan()
            .as_ref()
            .and_then(|p| p.fields.iter().find(|f| f.key == key))
            .map(|f| f.kind);
        Slot::named(key, kind)
    }

    /// The digits layout's extra keys for the box being typed ("." for amounts, "×" for sizes).
    pub fn digit_extras(&self) -> &'static str {
        keyboard::digit_extras(self.slot(&self.editor.current_field))
    }

    /// True when the field takes Chinese (names, addresses, shop names, search, comments).
    pub fn chinese_field(&self, key: &str) -> bool {
        !key.is_empty() && self.slot(key).chinese()
    }

    /// Starts editing a field (or stops, for ""): its layout, nothing half-composed.
    /// The form's next entry after the one being typed that is still empty (entries the ID
    /// card filled are not typed).
    pub fn next_empty_field(&self) -> Option<String> {
        if self.session.screen() != onevisit_domain::session::Screen::Form {
            return None;
        }
        let plan = self.session.plan()?;
        let current = &self.editor.current_field;
        let after = plan.fields.iter().position(|f| &f.key == current)?;
        plan.fields[after + 1..]
            .iter()
            .filter(|f| f.id_card_field.is_none())
            .find(|f| {
                self.session
                    .form()
                    .get(&f.key)
                    .is_none_or(|v| v.trim().is_empty())
            })
            .map(|f| f.key.clone())
    }

    pub fn open_field(&mut self, key: &str) {
        self.editor.current_field = key.to_owned();
        self.editor.input.reset();
        if !key.is_empty() {
            let engines = self.editor.engines();
            self.editor.keyboard =
                keyboard::layout_for(self.slot(key), self.session.elderly(), engines);
            if self.editor.keyboard == Layout::Date && self.date_value().is_none() {
                let today = self.local_time().format("%Y-%m-%d").to_string();
                self.set_current(&today);
            }
        }
    }

    /// A key of the on-screen keyboard.
    pub(super) fn key(&mut self, k: &str) {
        let pinyin = self.editor.keyboard == Layout::Pinyin && self.editor.input.pinyin_ready();
        if pinyin {
            let mut chars = k.chars();
            let key = match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => Some(Key::Letter(c)),
                (Some('\''), None) => Some(Key::Separator),
                _ if k == "⌫" && self.editor.input.composing() => Some(Key::Backspace),
                // Space while composing takes the first candidate, as on every pinyin IME.
                _ if k == " " && self.editor.input.composing() => {
                    self.candidate(0);
                    return;
                }
                _ => None,
            };
            if let Some(key) = key {
                self.editor.input.press(key);
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
        let len = self.current_value().chars().count();
        let slot = self.slot(&self.editor.current_field);
        if keyboard::accepts(self.editor.keyboard, len, k)
            || (self.editor.keyboard == Layout::Digits
                && keyboard::accepts_extra(slot, &self.current_value(), k))
        {
            self.type_text(k);
        }
    }

    /// The keyboard's layout keys: 拼音, 手写, ABC, 123.
    pub(super) fn switch_layout(&mut self, layout: Layout) {
        let engines = self.editor.engines();
        if keyboard::can_switch(self.editor.keyboard, layout, engines) {
            self.editor.input.reset();
            self.editor.keyboard = layout;
        }
        self.event(Event::Touch);
    }

    /// A tap on a candidate: pinyin (maybe only part of the input) or handwriting.
    pub(super) fn candidate(&mut self, i: usize) {
        let text = if self.editor.keyboard == Layout::Handwriting {
            self.editor.input.take_written(i)
        } else {
            self.editor.input.choose(i)
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
        match self.session.screen() {
            Screen::ManualId => self.editor.manual.get(&self.editor.current_field).cloned(),
            Screen::Form => self.session.form().get(&self.editor.current_field).cloned(),
            Screen::Themes => Some(self.editor.search.clone()),
            Screen::Rate => Some(self.session.comment().to_owned()),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn set_current(&mut self, value: &str) {
        let value = value.to_owned();
        self.edit_current(|v| *v = value);
    }

    fn edit_current(&mut self, f: impl FnOnce(&mut String)) {
        match self.session.screen() {
            Screen::ManualId if !self.editor.current_field.is_empty() => {
                f(self
                    .editor
                    .manual
                    .entry(self.editor.current_field.clone())
                    .or_default());
                self.event(Event::Touch);
            }
            Screen::Form if !self.editor.current_field.is_empty() => {
                let mut v = self.current_value();
                f(&mut v);
                self.event(Event::SetField {
                    key: self.editor.current_field.clone(),
                    value: v,
                });
            }
            Screen::Themes if self.editor.current_field == "search" => {
                f(&mut self.editor.search);
                self.event(Event::Touch);
            }
            Screen::Rate => {
                let mut v = self.session.comment().to_owned();
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
