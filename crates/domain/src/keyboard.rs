//! The on-screen keyboard's policy: which layout a box opens with, which layouts the citizen
//! may switch to, and which keys a layout takes. Pure: the kiosk asks, then carries it out
//! with its input methods.

use crate::catalog::FieldKind;

/// The on-screen keyboard's layouts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// QWERTY letters, digits and a few signs.
    #[default]
    Latin,
    /// Phone numbers, amounts.
    Digits,
    /// ID numbers: digits and X.
    Id,
    /// QWERTY with a candidate bar.
    Pinyin,
    /// A pad to write one character on.
    Handwriting,
    /// A date picker.
    Date,
}

/// The box being edited: a field of the form (with its kind in the plan), or one of the
/// kiosk's own boxes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Manual entry: the applicant's name.
    Name,
    /// Manual entry: the ID number.
    IdNumber,
    /// The theme search.
    Search,
    /// The comment of a low rating.
    Comment,
    /// A form field; its kind when the plan has it.
    Field(Option<FieldKind>),
}

impl Slot {
    /// The box named `key` (the manual-entry, search and comment boxes have fixed names; any
    /// other key is a form field).
    pub fn named(key: &str, kind: Option<FieldKind>) -> Slot {
        match key {
            "name" => Slot::Name,
            "id_number" => Slot::IdNumber,
            "search" => Slot::Search,
            "comment" => Slot::Comment,
            _ => Slot::Field(kind),
        }
    }

    /// True when the box takes Chinese (names, addresses, shop names, search, comments).
    pub fn chinese(self) -> bool {
        match self {
            Slot::Name | Slot::Search | Slot::Comment => true,
            Slot::IdNumber => false,
            Slot::Field(kind) => matches!(kind, Some(FieldKind::Text | FieldKind::Address)),
        }
    }
}

/// What the kiosk's input methods can do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Engines {
    pub pinyin: bool,
    pub handwriting: bool,
}

/// The layout a box opens with. Chinese: handwriting first in elderly mode (many older
/// citizens write characters but cannot type pinyin), pinyin otherwise; the other when one
/// engine is missing, Latin letters when both are.
pub fn layout_for(slot: Slot, elderly: bool, engines: Engines) -> Layout {
    match slot {
        Slot::IdNumber | Slot::Field(Some(FieldKind::IdNumber)) => Layout::Id,
        Slot::Field(Some(
            FieldKind::Number | FieldKind::Phone | FieldKind::Decimal | FieldKind::Dimension,
        )) => Layout::Digits,
        Slot::Field(Some(FieldKind::Date)) => Layout::Date,
        _ => match (elderly, engines.pinyin, engines.handwriting) {
            (true, _, true) | (false, false, true) => Layout::Handwriting,
            (_, true, _) => Layout::Pinyin,
            _ => Layout::Latin,
        },
    }
}

/// Whether the layout keys (拼音, 手写, ABC, 123) may switch from `from` to `to`. An ID number
/// stays on its own layout (nothing else can be typed into it); ID and date layouts are
/// opened by their boxes, never switched to.
pub fn can_switch(from: Layout, to: Layout, engines: Engines) -> bool {
    let available = match to {
        Layout::Pinyin => engines.pinyin,
        Layout::Handwriting => engines.handwriting,
        Layout::Latin | Layout::Digits => true,
        Layout::Id | Layout::Date => false,
    };
    available && from != Layout::Id
}

/// The longest ID number (GB 11643: 18 characters).
pub const ID_LEN: usize = 18;

/// The keys the digits layout adds for a box: a decimal point for amounts, and × for a
/// width × height.
pub fn digit_extras(slot: Slot) -> &'static str {
    match slot {
        Slot::Field(Some(FieldKind::Decimal)) => ".",
        Slot::Field(Some(FieldKind::Dimension)) => ".×",
        _ => "",
    }
}

/// Whether the digits layout's extra key `text` goes into `current` for `slot`: one point per
/// number, after a digit; one × between two numbers.
pub fn accepts_extra(slot: Slot, current: &str, text: &str) -> bool {
    if !digit_extras(slot).contains(text) || text.chars().count() != 1 {
        return false;
    }
    let part = current.rsplit('×').next().unwrap_or("");
    let after_digit = current.chars().last().is_some_and(|c| c.is_ascii_digit());
    match text {
        "." => after_digit && !part.contains('.'),
        "×" => after_digit && !current.contains('×'),
        _ => false,
    }
}

/// Whether `layout` types `text` into a box holding `len` characters: the ID layout only
/// digits and X, up to an ID number's length; the digits layout only digits.
pub fn accepts(layout: Layout, len: usize, text: &str) -> bool {
    match layout {
        Layout::Id => text.chars().all(|c| c.is_ascii_digit() || c == 'X') && len < ID_LEN,
        Layout::Digits => text.chars().all(|c| c.is_ascii_digit()),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Engines = Engines {
        pinyin: true,
        handwriting: true,
    };

    #[test]
    fn each_box_opens_its_layout() {
        let open = |key, kind| layout_for(Slot::named(key, kind), false, BOTH);
        assert_eq!(open("id_number", None), Layout::Id);
        assert_eq!(open("x", Some(FieldKind::IdNumber)), Layout::Id);
        assert_eq!(open("x", Some(FieldKind::Phone)), Layout::Digits);
        assert_eq!(open("x", Some(FieldKind::Number)), Layout::Digits);
        assert_eq!(open("x", Some(FieldKind::Date)), Layout::Date);
        assert_eq!(open("x", Some(FieldKind::Address)), Layout::Pinyin);
        assert_eq!(open("name", None), Layout::Pinyin);
        assert!(Slot::named("search", None).chinese());
        assert!(!Slot::named("id_number", None).chinese());
        assert!(!Slot::named("x", Some(FieldKind::Phone)).chinese());
    }

    #[test]
    fn chinese_falls_back_to_what_the_kiosk_can_do() {
        let slot = Slot::Comment;
        let with = |pinyin, handwriting| Engines {
            pinyin,
            handwriting,
        };
        assert_eq!(layout_for(slot, true, BOTH), Layout::Handwriting);
        assert_eq!(layout_for(slot, true, with(true, false)), Layout::Pinyin);
        assert_eq!(
            layout_for(slot, false, with(false, true)),
            Layout::Handwriting
        );
        assert_eq!(layout_for(slot, false, with(false, false)), Layout::Latin);
    }

    #[test]
    fn an_id_number_takes_only_what_an_id_number_holds() {
        assert!(accepts(Layout::Id, 17, "X"));
        assert!(!accepts(Layout::Id, 18, "1"));
        assert!(!accepts(Layout::Id, 3, "a"));
        assert!(!accepts(Layout::Digits, 0, "x"));
        assert!(accepts(Layout::Pinyin, 100, "x"));
        assert!(!can_switch(Layout::Id, Layout::Latin, BOTH));
        assert!(!can_switch(Layout::Latin, Layout::Date, BOTH));
        let none = Engines {
            pinyin: false,
            handwriting: false,
        };
        assert!(!can_switch(Layout::Latin, Layout::Pinyin, none));
        assert!(can_switch(Layout::Pinyin, Layout::Digits, none));
    }
}
