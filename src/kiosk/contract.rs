//! The typed contract between the screen and the app. The UI (`ui/globals.slint`) reports what
//! the citizen did as an `Action` and an argument; [`UiEvent::from_ui`] turns that into a
//! [`UiEvent`] here and nowhere else, matching every action (a new one that Rust does not handle
//! does not compile) and refusing a malformed argument with an error for the log. The journey
//! tests, the screenshot gallery and the benchmark's scripted citizen drive the app with the
//! same events.

use crate::kiosk::window::{
    Action, KeyboardLayout, Screen as UiScreen, TechnicianAction, TechnicianSection,
};
use onevisit_domain::session::Screen;
use onevisit_domain::technician::{Corner, Section};

pub use onevisit_domain::keyboard::Layout;

/// A keyboard layout as the UI names it.
pub fn layout_to_ui(layout: Layout) -> KeyboardLayout {
    match layout {
        Layout::Latin => KeyboardLayout::Latin,
        Layout::Digits => KeyboardLayout::Digits,
        Layout::Id => KeyboardLayout::Id,
        Layout::Pinyin => KeyboardLayout::Pinyin,
        Layout::Handwriting => KeyboardLayout::Handwriting,
        Layout::Date => KeyboardLayout::Date,
    }
}

/// The layout a key of the UI's keyboard asks for.
pub fn layout_from_ui(layout: KeyboardLayout) -> Layout {
    match layout {
        KeyboardLayout::Latin => Layout::Latin,
        KeyboardLayout::Digits => Layout::Digits,
        KeyboardLayout::Id => Layout::Id,
        KeyboardLayout::Pinyin => Layout::Pinyin,
        KeyboardLayout::Handwriting => Layout::Handwriting,
        KeyboardLayout::Date => Layout::Date,
    }
}

/// The page the UI shows for a state of the session.
pub fn screen_to_ui(s: Screen) -> UiScreen {
    match s {
        Screen::Attract => UiScreen::Attract,
        Screen::Themes => UiScreen::Themes,
        Screen::Question(_) => UiScreen::Question,
        Screen::Materials => UiScreen::Materials,
        Screen::Identify => UiScreen::Identify,
        Screen::ManualId => UiScreen::ManualId,
        Screen::Form => UiScreen::Form,
        Screen::Scan(_) => UiScreen::Scan,
        Screen::Sign => UiScreen::Sign,
        Screen::Review => UiScreen::Review,
        Screen::Receipt => UiScreen::Receipt,
        Screen::Rate => UiScreen::Rate,
        Screen::Done => UiScreen::Done,
        Screen::MyCases => UiScreen::MyCases,
    }
}

/// The handwriting pad's buttons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pad {
    UndoStroke,
    Clear,
}

/// Which part of a date the picker steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatePart {
    Year,
    Month,
    Day,
}

/// What the citizen (or, out of service, the technician) did on the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiEvent {
    /// Any touch: keeps the session alive.
    Touch,
    Start,
    OpenMyCases,
    ToggleLanguage,
    ToggleElderly,
    ReadAloud,
    StillHere,
    /// A category of themes ("" for all).
    Category(String),
    Theme(String),
    /// The chosen value of the question shown.
    Answer(String),
    Back,
    Next,
    UseMrz,
    ManualEntry,
    ManualConfirm,
    /// Starts editing a field by its key ("" stops).
    Field(String),
    /// A key of the on-screen keyboard ("⌫" deletes).
    Key(String),
    SwitchLayout(Layout),
    /// A candidate of the current page, by index.
    Candidate(usize),
    /// The next or the previous page of candidates.
    CandidatePage {
        next: bool,
    },
    /// A suggested word for the field.
    Word(String),
    /// A stroke on the handwriting pad: "x y;x y;…" in its 300 × 300 box.
    Stroke(String),
    Pad(Pad),
    /// The date picker moved a part by this many steps.
    Date(DatePart, i32),
    Capture,
    Retake,
    MaterialDone,
    /// The signature's path commands.
    Signed(String),
    ClearSignature,
    Submit,
    /// "修改" on the review: a field, or a material's pages.
    EditField(String),
    EditMaterial(usize),
    Reprint,
    /// Reprints the receipt of a case in "my cases", by its id.
    ReprintCase(String),
    /// Prints the take-home list of materials.
    PrintList,
    /// Saves the application to finish later.
    SaveDraft,
    /// "Next entry": the next empty field of the form opens.
    NextField,
    /// 容缺: bring this material later, as promised.
    PromiseLater,
    Home,
    ConfirmHome,
    CancelHome,
    CallStaff,
    CancelCall,
    /// Stars, 1–5.
    Rate(u8),
    FinishRating,
    Done,
}

/// An action whose argument the app cannot use: a bug in a page, for the log.
#[derive(Debug, PartialEq, Eq)]
pub struct BadArgument {
    pub action: &'static str,
}

impl std::fmt::Display for BadArgument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the UI sent {} with an argument the app cannot use",
            self.action
        )
    }
}

impl std::error::Error for BadArgument {}

impl UiEvent {
    /// The one place where what the screen sends becomes an event.
    pub fn from_ui(action: Action, arg: &str) -> Result<UiEvent, BadArgument> {
        let text = || arg.to_owned();
        Ok(match action {
            Action::Touch => UiEvent::Touch,
            Action::Start => UiEvent::Start,
            Action::MyCases => UiEvent::OpenMyCases,
            Action::Language => UiEvent::ToggleLanguage,
            Action::Elderly => UiEvent::ToggleElderly,
            Action::ReadAloud => UiEvent::ReadAloud,
            Action::StillHere => UiEvent::StillHere,
            Action::Category => UiEvent::Category(text()),
            Action::Theme => UiEvent::Theme(text()),
            Action::Answer => UiEvent::Answer(text()),
            Action::Back => UiEvent::Back,
            Action::Next => UiEvent::Next,
            Action::UseMrz => UiEvent::UseMrz,
            Action::Manual => UiEvent::ManualEntry,
            Action::ManualConfirm => UiEvent::ManualConfirm,
            Action::Field => UiEvent::Field(text()),
            Action::Key => UiEvent::Key(text()),
            Action::Candidate => UiEvent::Candidate(arg.parse().map_err(|_| BadArgument {
                action: "candidate",
            })?),
            Action::Page => UiEvent::CandidatePage {
                next: match arg {
                    "next" => true,
                    "prev" => false,
                    _ => return Err(BadArgument { action: "page" }),
                },
            },
            Action::Word => UiEvent::Word(text()),
            Action::Stroke => UiEvent::Stroke(text()),
            Action::Pad => UiEvent::Pad(match arg {
                "undo" => Pad::UndoStroke,
                "clear" => Pad::Clear,
                _ => return Err(BadArgument { action: "pad" }),
            }),
            Action::Date => {
                let (part, n) = arg.split_at(arg.len().min(1));
                let part = match part {
                    "y" => DatePart::Year,
                    "m" => DatePart::Month,
                    "d" => DatePart::Day,
                    _ => return Err(BadArgument { action: "date" }),
                };
                UiEvent::Date(part, n.parse().map_err(|_| BadArgument { action: "date" })?)
            }
            Action::Capture => UiEvent::Capture,
            Action::Retake => UiEvent::Retake,
            Action::MaterialDone => UiEvent::MaterialDone,
            Action::Signed => UiEvent::Signed(text()),
            Action::ClearSignature => UiEvent::ClearSignature,
            Action::Submit => UiEvent::Submit,
            Action::Edit => match arg.split_once(':') {
                Some(("field", key)) if !key.is_empty() => UiEvent::EditField(key.into()),
                Some(("material", n)) => {
                    UiEvent::EditMaterial(n.parse().map_err(|_| BadArgument { action: "edit" })?)
                }
                _ => return Err(BadArgument { action: "edit" }),
            },
            Action::Reprint => UiEvent::Reprint,
            Action::ReprintCase => UiEvent::ReprintCase(text()),
            Action::PrintList => UiEvent::PrintList,
            Action::SaveDraft => UiEvent::SaveDraft,
            Action::NextField => UiEvent::NextField,
            Action::PromiseLater => UiEvent::PromiseLater,
            Action::Home => UiEvent::Home,
            Action::ConfirmHome => UiEvent::ConfirmHome,
            Action::CancelHome => UiEvent::CancelHome,
            Action::CallStaff => UiEvent::CallStaff,
            Action::CancelCall => UiEvent::CancelCall,
            Action::Rate => match arg.parse() {
                Ok(n @ 1..=5) => UiEvent::Rate(n),
                _ => return Err(BadArgument { action: "rate" }),
            },
            Action::Finish => UiEvent::FinishRating,
            Action::Done => UiEvent::Done,
        })
    }

    /// Its name for the log (the argument may be personal: it is never logged).
    pub fn name(&self) -> &'static str {
        match self {
            UiEvent::Touch => "touch",
            UiEvent::Start => "start",
            UiEvent::OpenMyCases => "my-cases",
            UiEvent::ToggleLanguage => "language",
            UiEvent::ToggleElderly => "elderly",
            UiEvent::ReadAloud => "read-aloud",
            UiEvent::StillHere => "still-here",
            UiEvent::Category(_) => "category",
            UiEvent::Theme(_) => "theme",
            UiEvent::Answer(_) => "answer",
            UiEvent::Back => "back",
            UiEvent::Next => "next",
            UiEvent::UseMrz => "use-mrz",
            UiEvent::ManualEntry => "manual",
            UiEvent::ManualConfirm => "manual-confirm",
            UiEvent::Field(_) => "field",
            UiEvent::Key(_) => "key",
            UiEvent::SwitchLayout(_) => "switch-layout",
            UiEvent::Candidate(_) => "candidate",
            UiEvent::CandidatePage { .. } => "page",
            UiEvent::Word(_) => "word",
            UiEvent::Stroke(_) => "stroke",
            UiEvent::Pad(_) => "pad",
            UiEvent::Date(..) => "date",
            UiEvent::Capture => "capture",
            UiEvent::Retake => "retake",
            UiEvent::MaterialDone => "material-done",
            UiEvent::Signed(_) => "signed",
            UiEvent::ClearSignature => "clear-signature",
            UiEvent::Submit => "submit",
            UiEvent::EditField(_) => "edit-field",
            UiEvent::EditMaterial(_) => "edit-material",
            UiEvent::Reprint => "reprint",
            UiEvent::ReprintCase(_) => "reprint-case",
            UiEvent::PrintList => "print-list",
            UiEvent::SaveDraft => "save-draft",
            UiEvent::NextField => "next-field",
            UiEvent::PromiseLater => "promise-later",
            UiEvent::Home => "home",
            UiEvent::ConfirmHome => "confirm-home",
            UiEvent::CancelHome => "cancel-home",
            UiEvent::CallStaff => "call-staff",
            UiEvent::CancelCall => "cancel-call",
            UiEvent::Rate(_) => "rate",
            UiEvent::FinishRating => "finish",
            UiEvent::Done => "done",
        }
    }
}

/// A key of the PIN pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinKey {
    Digit(char),
    Clear,
    Enter,
}

/// Typing the enrollment line on the screen's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKey {
    Open,
    Cancel,
    Done,
    Char(char),
    Delete,
    Clear,
}

/// What the technician did (`Technician.send`), parsed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TechEvent {
    /// A corner held down (the hidden way in).
    Corner(Corner),
    Pin(PinKey),
    Exit,
    Section(Section),
    /// A touch anywhere in technician mode (keeps it open).
    Touch,
    RunChecks,
    PrintTicket,
    TouchTest,
    /// A touch-test target, by its index in [`super::technician::TARGETS`].
    Tap(usize),
    Speak,
    LedTest,
    PowerCycle,
    ReadBootFile,
    Provision,
    TestConnection,
    TypeLine(LineKey),
    ScanWifi,
    /// A Wi-Fi network from the list, by its place in it.
    ChooseWifi(usize),
    SyncNow,
    ExportUsb,
    Diagnostics,
    InstallUpdate,
    Reboot,
}

impl TechEvent {
    pub fn from_ui(action: TechnicianAction, arg: &str) -> Result<TechEvent, BadArgument> {
        Ok(match action {
            TechnicianAction::Corner => TechEvent::Corner(
                super::technician::corner(arg).ok_or(BadArgument { action: "corner" })?,
            ),
            TechnicianAction::Pin => TechEvent::Pin(match arg {
                "clear" => PinKey::Clear,
                "enter" => PinKey::Enter,
                d if d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()) => {
                    PinKey::Digit(char::from(d.as_bytes()[0]))
                }
                _ => return Err(BadArgument { action: "pin" }),
            }),
            TechnicianAction::Exit => TechEvent::Exit,
            TechnicianAction::Section => TechEvent::Section(match arg {
                "checklist" => Section::Checklist,
                "provision" => Section::Provision,
                "network" => Section::Network,
                "queue" => Section::Queue,
                "updates" => Section::Updates,
                _ => return Err(BadArgument { action: "section" }),
            }),
            TechnicianAction::Touch => TechEvent::Touch,
            TechnicianAction::RunChecks => TechEvent::RunChecks,
            TechnicianAction::PrintTicket => TechEvent::PrintTicket,
            TechnicianAction::TouchTest => TechEvent::TouchTest,
            TechnicianAction::Tap => TechEvent::Tap(
                super::technician::TARGETS
                    .iter()
                    .position(|t| *t == arg)
                    .ok_or(BadArgument { action: "tap" })?,
            ),
            TechnicianAction::Speak => TechEvent::Speak,
            TechnicianAction::LedTest => TechEvent::LedTest,
            TechnicianAction::PowerCycle => TechEvent::PowerCycle,
            TechnicianAction::ReadBootFile => TechEvent::ReadBootFile,
            TechnicianAction::Provision => TechEvent::Provision,
            TechnicianAction::TestConnection => TechEvent::TestConnection,
            TechnicianAction::TypeLine => TechEvent::TypeLine(match arg {
                "open" => LineKey::Open,
                "cancel" => LineKey::Cancel,
                "done" => LineKey::Done,
                _ => {
                    return Err(BadArgument {
                        action: "type-line",
                    });
                }
            }),
            TechnicianAction::ScanWifi => TechEvent::ScanWifi,
            TechnicianAction::ChooseWifi => {
                TechEvent::ChooseWifi(arg.parse().map_err(|_| BadArgument {
                    action: "choose-wifi",
                })?)
            }
            TechnicianAction::LineKey => TechEvent::TypeLine(match arg {
                "⌫" => LineKey::Delete,
                "clear" => LineKey::Clear,
                k => {
                    let mut chars = k.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) if c.is_ascii_graphic() => LineKey::Char(c),
                        _ => return Err(BadArgument { action: "line-key" }),
                    }
                }
            }),
            TechnicianAction::SyncNow => TechEvent::SyncNow,
            TechnicianAction::ExportUsb => TechEvent::ExportUsb,
            TechnicianAction::Diagnostics => TechEvent::Diagnostics,
            TechnicianAction::InstallUpdate => TechEvent::InstallUpdate,
            TechnicianAction::Reboot => TechEvent::Reboot,
        })
    }

    /// Its name for the log and the audit (a PIN digit is never logged).
    pub fn name(&self) -> &'static str {
        match self {
            TechEvent::Corner(_) => "corner",
            TechEvent::Pin(_) => "pin",
            TechEvent::Exit => "exit",
            TechEvent::Section(_) => "section",
            TechEvent::Touch => "touch",
            TechEvent::RunChecks => "run_selftest",
            TechEvent::PrintTicket => "print_service_ticket",
            TechEvent::TouchTest => "touch_test",
            TechEvent::Tap(_) => "tap",
            TechEvent::Speak => "speak",
            TechEvent::LedTest => "led_test",
            TechEvent::PowerCycle => "power_cycle_reader",
            TechEvent::ReadBootFile => "read_boot_file",
            TechEvent::Provision => "enroll",
            TechEvent::TestConnection => "test_connection",
            TechEvent::TypeLine(_) => "type_line",
            TechEvent::ScanWifi => "wifi_scan",
            TechEvent::ChooseWifi(_) => "wifi_choose",
            TechEvent::SyncNow => "sync_now",
            TechEvent::ExportUsb => "export_usb",
            TechEvent::Diagnostics => "diagnostics",
            TechEvent::InstallUpdate => "install_update",
            TechEvent::Reboot => "reboot",
        }
    }
}

/// The section as the UI names it.
pub fn section_to_ui(s: Section) -> TechnicianSection {
    match s {
        Section::Checklist => TechnicianSection::Checklist,
        Section::Provision => TechnicianSection::Provision,
        Section::Network => TechnicianSection::Network,
        Section::Queue => TechnicianSection::Queue,
        Section::Updates => TechnicianSection::Updates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_parsed_once_and_malformed_ones_refused() {
        assert_eq!(
            UiEvent::from_ui(Action::Candidate, "2"),
            Ok(UiEvent::Candidate(2))
        );
        assert_eq!(
            UiEvent::from_ui(Action::Page, "prev"),
            Ok(UiEvent::CandidatePage { next: false })
        );
        assert_eq!(
            UiEvent::from_ui(Action::Date, "y-10"),
            Ok(UiEvent::Date(DatePart::Year, -10))
        );
        assert_eq!(UiEvent::from_ui(Action::Rate, "5"), Ok(UiEvent::Rate(5)));
        assert_eq!(
            UiEvent::from_ui(Action::Done, ""),
            Ok(UiEvent::Done),
            "the rating page's 'done' is an event of its own, not a touch"
        );
        assert_eq!(
            TechEvent::from_ui(TechnicianAction::Pin, "7"),
            Ok(TechEvent::Pin(PinKey::Digit('7')))
        );
        assert_eq!(
            TechEvent::from_ui(TechnicianAction::Tap, "centre"),
            Ok(TechEvent::Tap(4))
        );
        for (action, arg) in [
            (TechnicianAction::Pin, "12"),
            (TechnicianAction::Pin, "x"),
            (TechnicianAction::Corner, "bottom"),
            (TechnicianAction::Section, "secret"),
            (TechnicianAction::Tap, "middle"),
        ] {
            assert!(
                TechEvent::from_ui(action, arg).is_err(),
                "{action:?} {arg:?}"
            );
        }
        for (action, arg) in [
            (Action::Candidate, "-1"),
            (Action::Page, "up"),
            (Action::Pad, ""),
            (Action::Date, "x+1"),
            (Action::Date, "m+"),
            (Action::Rate, "0"),
            (Action::Rate, "6"),
        ] {
            assert!(UiEvent::from_ui(action, arg).is_err(), "{action:?} {arg:?}");
        }
    }

    #[test]
    fn layouts_round_trip_through_the_ui() {
        for l in [
            Layout::Latin,
            Layout::Digits,
            Layout::Id,
            Layout::Pinyin,
            Layout::Handwriting,
            Layout::Date,
        ] {
            assert_eq!(layout_from_ui(layout_to_ui(l)), l);
        }
    }
}
