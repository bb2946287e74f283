//! The kiosk session: the citizen's whole journey as a pure state machine.
//!
//! The UI shows [`Session`]'s state and sends it [`Event`]s; the session answers with
//! [`Action`]s for the composition root to carry out (commit the case, print, speak, wipe).
//! Time comes in as `now` (milliseconds); nothing here touches a device, file or clock. The
//! journey itself — which screen follows which, what back means, when the kiosk gives up on an
//! absent citizen — lives here and nowhere else, so it is tested without a window.

mod form;
mod notices;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{Catalog, Theme};
use crate::plan::{Answers, Plan, plan};
pub use form::{FieldError, validate_field};

pub type Millis = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// Which screen the citizen sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "screen", content = "index", rename_all = "snake_case")]
pub enum Screen {
    Attract,
    Themes,
    /// The n-th situational question.
    Question(usize),
    Materials,
    Identify,
    ManualId,
    Form,
    /// Scanning the n-th material that must be scanned.
    Scan(usize),
    Sign,
    Review,
    Receipt,
    Rate,
    Done,
    MyCases,
}

/// How the applicant was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    IdCard,
    Mrz,
    Manual,
}

/// The applicant, as read or typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub sex: Option<String>,
    pub nation: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth: Option<String>,
    pub address: Option<String>,
    pub source: IdSource,
}

/// One captured page: its quality verdict and its bytes (opaque to the session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub ok: bool,
    /// What the citizen should do if it is not ok ("hold the page flat", …).
    pub advice: String,
    /// The app's own number for the captured page (its index of the scans it holds).
    pub capture: u64,
}

/// Where the receipt stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptState {
    NotYet,
    Printing,
    Printed,
    /// The printer failed: the QR code is on screen; reprint later from "my cases".
    Failed(String),
}

/// A case earlier submitted by the person at the kiosk, for "my cases".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlierCase {
    pub case_id: String,
    pub theme: String,
    pub submitted_at: Millis,
    pub number: Option<String>,
    pub status: Option<String>,
    pub reason: Option<String>,
    /// 容缺: materials still owed, as (name, due date `YYYY-MM-DD`).
    pub owed: Vec<(String, String)>,
}

/// Where a saved application was left, so that coming back starts there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SavedStep {
    Materials,
    Form,
    Scan,
}

/// An application saved to finish later (a paper was missing): kept encrypted on the kiosk,
/// tied to the holder's ID card, until it expires or the case is submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedDraft {
    pub theme: String,
    pub answers: Answers,
    pub holder: Person,
    pub form: BTreeMap<String, String>,
    /// Pages captured so far, per material id.
    pub pages: Vec<(String, Vec<Page>)>,
    pub step: SavedStep,
}

/// A saved application found for the card on the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumed {
    pub theme: String,
    pub answers: Answers,
    pub form: BTreeMap<String, String>,
    /// Pages per material id, as the app holds them again (`capture` renumbered).
    pub pages: Vec<(String, Vec<Page>)>,
    pub step: SavedStep,
    /// When it was saved, local date (`YYYY-MM-DD`), for the welcome-back notice.
    pub saved_on: String,
}

/// A material the case was accepted without (容缺受理), on the applicant's promise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Owed {
    pub material: String,
    /// Its name in Chinese, as the receipt prints it.
    pub name: String,
    /// Working days to bring it in.
    pub days: u32,
}

/// Everything the kiosk commits for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub theme: String,
    pub answers: Answers,
    pub applicant: Person,
    pub form: BTreeMap<String, String>,
    /// Per material to scan: (material id, name in Chinese, pages).
    pub materials: Vec<(String, String, Vec<Page>)>,
    pub signature: Option<Vec<u8>>,
    /// Materials promised for later (容缺受理).
    pub owed: Vec<Owed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Any touch on the screen: the citizen is still there.
    Touch,
    Start,
    ToggleLanguage,
    ToggleElderly,
    /// The presence sensor saw someone.
    Presence,
    /// The presence sensor no longer sees anyone: after submitting, the citizen has left.
    PresenceLost,
    /// "Read this screen aloud".
    ReadAloud,
    /// A field opened or closed (a tap on it, "done with this entry", "next entry"): counted
    /// in the journey's touches; typing itself is not.
    FieldTap,
    /// "Call staff": the cabinet's help lamp lights and the county sees it.
    CallStaff,
    /// Staff came (technician mode opened, or the citizen cancelled the call).
    StaffCame,
    /// "Home": at once when nothing would be lost, else after [`Event::ConfirmHome`].
    Home,
    /// "Yes, start again" on the home confirmation.
    ConfirmHome,
    /// "No, carry on" on the home confirmation.
    CancelHome,
    ChooseTheme(String),
    Answer {
        key: String,
        value: String,
    },
    Back,
    Next,
    CardRead(Person),
    MrzRead(Person),
    UseManualEntry,
    ManualEntry {
        name: String,
        id_number: String,
    },
    SetField {
        key: String,
        value: String,
    },
    /// The capture button: the kiosk straightens the camera's picture (slow work, done off the
    /// UI thread) and answers with [`Event::PageCaptured`] or [`Event::NoCameraPicture`].
    Capture,
    PageCaptured(Page),
    /// The camera saw a page lying still and takes it by itself (no tap): as [`Event::Capture`].
    AutoCapture,
    /// The capture button was pressed before the camera gave a picture.
    NoCameraPicture,
    /// The passport reader read a zone whose check digits do not hold.
    DocumentIncomplete,
    RetakeLastPage,
    MaterialDone,
    /// 容缺: "I do not have it today; I promise to bring it" (only for a material the catalog
    /// tolerates missing).
    PromiseLater,
    Signed(Vec<u8>),
    ClearSignature,
    /// "修改" on a line of the review: straight to that field, and back to the review.
    EditField(String),
    /// "修改" on a material of the review: its scan screen, and back to the review.
    EditMaterial(usize),
    /// Submit: on the signing screen, once signed (the review comes before it).
    Submit,
    Committed {
        case_id: String,
        due_date: String,
    },
    CommitFailed(String),
    Printed,
    PrintFailed(String),
    Reprint,
    /// "Reprint receipt" on a case listed under "my cases".
    ReprintCase(String),
    Rate(u8),
    Comment(String),
    FinishRating,
    OpenMyCases,
    CasesFound(Vec<EarlierCase>),
    /// "Print this list" on the materials screen.
    PrintChecklist,
    /// The printer's answer for the list.
    ChecklistPrinted(Result<(), String>),
    /// "Save and come back later" (materials, form or scan screen).
    SaveForLater,
    /// The draft is stored until this local date (`YYYY-MM-DD`).
    DraftSaved {
        until: String,
    },
    DraftSaveFailed(String),
    /// A saved application of the card on the reader.
    DraftFound(Box<Resumed>),
    /// "Yes, I am still here" on the idle warning.
    StillHere,
    /// A tap on the final screen: finish now rather than wait (the session is wiped).
    Finish,
    /// Time passes (the UI sends this every few hundred milliseconds).
    Tick,
}

impl Event {
    /// A tap of the citizen's, counted in the journey's cost in touches (typing, scanning,
    /// devices and the kiosk's own answers are not).
    fn is_tap(&self) -> bool {
        !matches!(
            self,
            Event::Tick
                | Event::Presence
                | Event::CardRead(_)
                | Event::MrzRead(_)
                | Event::Capture
                | Event::AutoCapture
                | Event::PageCaptured(_)
                | Event::NoCameraPicture
                | Event::Signed(_)
                | Event::SetField { .. }
                | Event::ManualEntry { .. }
                | Event::Comment(_)
                | Event::Committed { .. }
                | Event::CommitFailed(_)
                | Event::Printed
                | Event::PrintFailed(_)
                | Event::CasesFound(_)
                | Event::ChecklistPrinted(_)
                | Event::DraftSaved { .. }
                | Event::DraftSaveFailed(_)
                | Event::DraftFound(_)
                | Event::PresenceLost
                | Event::StaffCame
                | Event::Touch
        )
    }

    /// Something the citizen did (so they are here), not time passing or the kiosk's own
    /// answers.
    fn shows_presence(&self) -> bool {
        !matches!(
            self,
            Event::Tick
                | Event::Committed { .. }
                | Event::CommitFailed(_)
                | Event::Printed
                | Event::PrintFailed(_)
                | Event::CasesFound(_)
                | Event::ChecklistPrinted(_)
                | Event::DraftSaved { .. }
                | Event::DraftSaveFailed(_)
                | Event::DraftFound(_)
                | Event::PresenceLost
        )
    }
}

/// Ratings up to this many stars ask for a comment (好差评: a 差评 must say why, so that the
/// bureau can act on it).
pub const LOW_RATING: u8 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Take the camera's picture as the next page of the material on screen.
    Capture,
    Commit(Box<Draft>),
    Print {
        case_id: String,
        reprint: bool,
    },
    RecordRating {
        case_id: String,
        rating: u8,
        comment: Option<String>,
    },
    LookupCases {
        id_number: String,
    },
    /// Print the theme's list of materials for these answers (to take home).
    PrintChecklist {
        theme: String,
        answers: Answers,
    },
    /// Keep this unfinished application for its holder (answers with
    /// [`Event::DraftSaved`] or [`Event::DraftSaveFailed`]).
    SaveDraft(Box<SavedDraft>),
    /// Look for a saved application of this ID card (answers with [`Event::DraftFound`], or
    /// nothing).
    LookupDraft {
        id_number: String,
    },
    /// A low rating: open the comment box, so the citizen can say what went wrong.
    AskComment,
    /// Read this text aloud (elderly mode, or on request).
    Speak(String),
    /// Light (true) or put out the help lamp; the heartbeat says so.
    HelpLamp(bool),
    /// Forget everything personal, in memory and on screen.
    Wipe,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// No touch for this long → "are you still there?".
    pub idle_ms: Millis,
    /// The warning's countdown before the session is wiped.
    pub countdown_ms: Millis,
    /// How long the final screen stays.
    pub done_ms: Millis,
    /// No touch for this long on the receipt or rating screen: the citizen has walked away
    /// with the receipt, and the screen clears before the next person could rate for them.
    pub after_submit_ms: Millis,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            idle_ms: 90_000,
            countdown_ms: 15_000,
            done_ms: 10_000,
            after_submit_ms: 30_000,
        }
    }
}

/// A notice for the citizen, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub zh: String,
    pub en: String,
}

impl Notice {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Notice {
        Notice {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

pub struct Session {
    cfg: Config,
    screen: Screen,
    history: Vec<Screen>,
    lang: Lang,
    elderly: bool,
    theme: Option<String>,
    answers: Answers,
    plan: Option<Plan>,
    applicant: Option<Person>,
    form: BTreeMap<String, String>,
    field_errors: BTreeMap<String, FieldError>,
    /// Pages per material to scan, in the order of [`Session::to_scan`].
    pages: Vec<Vec<Page>>,
    signature: Option<Vec<u8>>,
    submitting: bool,
    /// A page is being straightened: the scan screen waits for it.
    capturing: bool,
    case_id: Option<String>,
    due_date: Option<String>,
    receipt: ReceiptState,
    rating: Option<u8>,
    comment: String,
    my_cases: Option<Vec<EarlierCase>>,
    notice: Option<Notice>,
    last_touch: Millis,
    /// When the "still there?" countdown started.
    warning_since: Option<Millis>,
    done_since: Option<Millis>,
    /// Taps the citizen made (not typing or scanning): the journey's cost in touches.
    touches: u32,
    /// The draft is being stored: the screen waits.
    saving: bool,
    /// "Save" was asked before the ID card was read: saving waits for it.
    save_pending: bool,
    /// The saved draft is kept until this date (the final screen says so).
    saved_until: Option<String>,
    /// When the citizen called staff (the help lamp is lit).
    staff_called: Option<Millis>,
    /// Editing one thing from the review: done, the review comes back.
    return_to_review: bool,
    /// Unusual values the citizen was asked about once, by field: the same value again is
    /// taken as confirmed.
    questioned: BTreeMap<String, String>,
    /// Materials (by their place in [`Session::to_scan`]) promised for later.
    promised: std::collections::BTreeSet<usize>,
    /// "Home" was tapped with something to lose: the screen asks first.
    confirm_home: bool,
}

impl Session {
    pub fn new(cfg: Config, now: Millis) -> Session {
        Session {
            cfg,
            screen: Screen::Attract,
            history: Vec::new(),
            lang: Lang::Zh,
            elderly: false,
            theme: None,
            answers: Answers::new(),
            plan: None,
            applicant: None,
            form: BTreeMap::new(),
            field_errors: BTreeMap::new(),
            pages: Vec::new(),
            signature: None,
            submitting: false,
            capturing: false,
            case_id: None,
            due_date: None,
            receipt: ReceiptState::NotYet,
            rating: None,
            comment: String::new(),
            my_cases: None,
            notice: None,
            last_touch: now,
            warning_since: None,
            done_since: None,
            touches: 0,
            saving: false,
            save_pending: false,
            saved_until: None,
            staff_called: None,
            confirm_home: false,
            return_to_review: false,
            promised: Default::default(),
            questioned: BTreeMap::new(),
        }
    }

    // What the screen shows, read-only: the session changes only through `handle_event`.

    pub fn screen(&self) -> Screen {
        self.screen
    }
    pub fn lang(&self) -> Lang {
        self.lang
    }
    pub fn elderly(&self) -> bool {
        self.elderly
    }
    /// The theme chosen.
    pub fn theme(&self) -> Option<&str> {
        self.theme.as_deref()
    }
    pub fn answers(&self) -> &Answers {
        &self.answers
    }
    /// The plan for the theme and answers (once every question is answered).
    pub fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }
    pub fn applicant(&self) -> Option<&Person> {
        self.applicant.as_ref()
    }
    pub fn form(&self) -> &BTreeMap<String, String> {
        &self.form
    }
    pub fn field_errors(&self) -> &BTreeMap<String, FieldError> {
        &self.field_errors
    }
    /// Pages per material to scan, in the order of [`Session::to_scan`].
    pub fn pages(&self) -> &[Vec<Page>] {
        &self.pages
    }
    pub fn signature(&self) -> Option<&[u8]> {
        self.signature.as_deref()
    }
    /// The case is being committed: the review page waits.
    pub fn submitting(&self) -> bool {
        self.submitting
    }
    /// A page is being straightened: the scan page waits.
    pub fn capturing(&self) -> bool {
        self.capturing
    }
    pub fn case_id(&self) -> Option<&str> {
        self.case_id.as_deref()
    }
    pub fn due_date(&self) -> Option<&str> {
        self.due_date.as_deref()
    }
    pub fn receipt(&self) -> &ReceiptState {
        &self.receipt
    }
    pub fn rating(&self) -> Option<u8> {
        self.rating
    }
    pub fn comment(&self) -> &str {
        &self.comment
    }
    /// The earlier cases of the card on the reader, once looked up.
    pub fn my_cases(&self) -> Option<&[EarlierCase]> {
        self.my_cases.as_deref()
    }
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }
    /// When the "still there?" countdown started.
    pub fn warning_since(&self) -> Option<Millis> {
        self.warning_since
    }
    /// Taps the citizen made (not typing or scanning): the journey's cost in touches.
    pub fn touches(&self) -> u32 {
        self.touches
    }

    /// Materials promised for later (容缺), by their place in [`Session::to_scan`].
    pub fn promised(&self) -> &std::collections::BTreeSet<usize> {
        &self.promised
    }

    /// The working days the catalog gives to bring the `i`-th material later, if it may be
    /// missing at submission (容缺受理).
    pub fn tolerated_days(&self, i: usize, catalog: &Catalog) -> Option<u32> {
        let (id, _, _) = self.to_scan().get(i)?.clone();
        catalog.materials.get(&id)?.tolerate_days
    }

    /// The unfinished application is being stored.
    pub fn saving(&self) -> bool {
        self.saving
    }
    /// When the citizen called staff, if they did (the screen says someone is coming).
    pub fn staff_called(&self) -> Option<Millis> {
        self.staff_called
    }
    /// "Home" asks first: what was entered would be lost.
    pub fn confirm_home(&self) -> bool {
        self.confirm_home
    }
    /// Whether going home now would lose something the citizen did (answers, the card read,
    /// the form, pages): then home asks first. After submitting nothing is lost.
    pub fn has_work(&self) -> bool {
        !matches!(
            self.screen,
            Screen::Attract | Screen::Receipt | Screen::Rate | Screen::Done
        ) && (self.theme.is_some()
            || self.applicant.is_some()
            || !self.form.is_empty()
            || self.pages.iter().any(|p| !p.is_empty()))
    }
    /// Milliseconds until the "still there?" warning, counted from the last touch.
    pub fn idle_left(&self, now: Millis) -> Option<Millis> {
        (self.screen != Screen::Attract && self.warning_since.is_none() && !self.submitting)
            .then(|| (self.cfg.idle_ms - (now - self.last_touch)).max(0))
    }

    /// The application was saved for later, until this date.
    pub fn saved_until(&self) -> Option<&str> {
        self.saved_until.as_deref()
    }

    /// Seconds left on the idle countdown, if it is showing.
    pub fn countdown(&self, now: Millis) -> Option<u32> {
        self.warning_since
            .map(|t| ((self.cfg.countdown_ms - (now - t)).max(0) as f64 / 1000.0).ceil() as u32)
    }

    fn theme_of<'c>(&self, catalog: &'c Catalog) -> Option<&'c Theme> {
        catalog.theme(self.theme.as_deref()?)
    }

    /// The materials the citizen scans here (paper they bring), as (id, zh name, en name).
    pub fn to_scan(&self) -> Vec<(String, String, String)> {
        self.plan
            .as_ref()
            .map(|p| {
                p.materials
                    .iter()
                    .filter(|m| crate::plan::must_bring(m.obtain))
                    .map(|m| (m.id.clone(), m.name.zh.clone(), m.name.en.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn go(&mut self, to: Screen) {
        if to != self.screen {
            self.history.push(self.screen);
            self.screen = to;
        }
        self.notice = None;
        self.save_pending = false;
    }

    fn wipe(&mut self, now: Millis, fx: &mut Vec<Action>) {
        if self.staff_called.is_some() {
            fx.push(Action::HelpLamp(false));
        }
        let (lang, cfg) = (Lang::Zh, self.cfg.clone());
        *self = Session::new(cfg, now);
        self.lang = lang;
        fx.push(Action::Wipe);
    }

    /// Ends the session at once, whatever it was doing (the kiosk goes out of service): the
    /// same wipe as an idle timeout.
    pub fn abandon(&mut self, now: Millis) -> Vec<Action> {
        let mut fx = Vec::new();
        self.wipe(now, &mut fx);
        fx
    }

    /// Handles one event at `now`.
    pub fn handle_event(&mut self, now: Millis, event: Event, catalog: &Catalog) -> Vec<Action> {
        let mut fx = Vec::new();
        let (before, was_elderly) = (self.screen, self.elderly);
        if event.shows_presence() {
            // The citizen did something: they are here.
            self.last_touch = now;
            self.warning_since = None;
        }
        if event.is_tap() {
            self.touches += 1;
        }
        match event {
            Event::Tick => self.time_passes(now, &mut fx),
            // While a page is being straightened the material is not done and no page can be
            // retaken: the page on its way would land out of place.
            Event::MaterialDone | Event::RetakeLastPage | Event::Back if self.capturing => {}
            Event::Touch | Event::StillHere | Event::Presence | Event::FieldTap => {}
            Event::PresenceLost => self.left(now, &mut fx),
            Event::PrintChecklist if self.screen == Screen::Materials => {
                if let (Some(theme), Some(_)) = (&self.theme, &self.plan) {
                    fx.push(Action::PrintChecklist {
                        theme: theme.clone(),
                        answers: self.answers.clone(),
                    });
                    self.notice = Some(notices::checklist_printing());
                }
            }
            Event::ChecklistPrinted(r) => {
                self.notice = Some(match r {
                    Ok(()) => notices::checklist_printed(),
                    Err(why) => notices::checklist_failed(&why),
                })
            }
            Event::SaveForLater
                if matches!(
                    self.screen,
                    Screen::Materials
                        | Screen::Identify
                        | Screen::Form
                        | Screen::Scan(_)
                        | Screen::Review
                ) && !self.saving
                    && !self.capturing =>
            {
                self.save_for_later(&mut fx)
            }
            Event::DraftSaved { until } if self.saving => {
                self.saving = false;
                self.save_pending = false;
                self.saved_until = Some(until);
                self.history.clear();
                self.screen = Screen::Done;
                self.notice = None;
                self.done_since = Some(now);
            }
            Event::DraftSaveFailed(why) => {
                self.saving = false;
                self.notice = Some(notices::draft_not_saved(&why));
            }
            Event::DraftFound(r) => self.resume(*r, catalog),
            Event::ToggleLanguage => self.lang = self.lang.other(),
            // Turning elderly mode on reads the screen at once.
            Event::ToggleElderly => self.elderly = !self.elderly,
            Event::ReadAloud => fx.push(Action::Speak(self.spoken(catalog))),
            Event::CallStaff if self.staff_called.is_none() && self.screen != Screen::Attract => {
                self.staff_called = Some(now);
                fx.push(Action::HelpLamp(true));
            }
            Event::StaffCame if self.staff_called.is_some() => {
                self.staff_called = None;
                fx.push(Action::HelpLamp(false));
            }
            Event::Home if self.has_work() && !self.submitting => self.confirm_home = true,
            Event::Home if !self.submitting && self.screen != Screen::Attract => {
                self.left_home(now, &mut fx)
            }
            Event::ConfirmHome if self.confirm_home => self.left_home(now, &mut fx),
            Event::CancelHome => self.confirm_home = false,
            Event::Start if self.screen == Screen::Attract => self.go(Screen::Themes),
            Event::OpenMyCases if self.screen == Screen::Attract => self.go(Screen::MyCases),
            Event::ChooseTheme(id) if self.screen == Screen::Themes => {
                self.choose_theme(&id, catalog)
            }
            Event::Answer { key, value } => self.answer(key, value, catalog),
            Event::Back => self.back(now, &mut fx),
            Event::Next => self.next(),
            Event::CardRead(p) | Event::MrzRead(p) if self.save_pending => {
                self.card_for_saving(p, &mut fx)
            }
            Event::CardRead(p) | Event::MrzRead(p) => self.identified(p, &mut fx),
            Event::UseManualEntry if self.screen == Screen::Identify => self.go(Screen::ManualId),
            Event::ManualEntry { name, id_number } if self.screen == Screen::ManualId => {
                self.manual_entry(&name, &id_number, &mut fx)
            }
            Event::DocumentIncomplete => self.notice = Some(notices::document_incomplete()),
            Event::SetField { key, value } if self.screen == Screen::Form => {
                self.field_errors.remove(&key);
                self.form.insert(key, value);
            }
            Event::Capture | Event::AutoCapture
                if matches!(self.screen, Screen::Scan(_)) && !self.capturing =>
            {
                self.capturing = true;
                fx.push(Action::Capture);
            }
            Event::PageCaptured(page) => self.page_captured(page, catalog),
            Event::NoCameraPicture => {
                self.capturing = false;
                self.notice = Some(notices::no_camera_picture());
            }
            Event::RetakeLastPage => self.retake(),
            Event::MaterialDone => self.material_done(),
            Event::PromiseLater => {
                if let Screen::Scan(i) = self.screen
                    && self.tolerated_days(i, catalog).is_some()
                {
                    self.promised.insert(i);
                    self.material_done();
                }
            }
            Event::Signed(png) if self.screen == Screen::Sign => self.signature = Some(png),
            Event::ClearSignature => self.signature = None,
            Event::EditField(key) if self.screen == Screen::Review => {
                let editable = self
                    .plan
                    .as_ref()
                    .is_some_and(|p| p.fields.iter().any(|f| f.key == key));
                if editable {
                    self.return_to_review = true;
                    self.go(Screen::Form);
                }
            }
            Event::EditMaterial(i) if self.screen == Screen::Review && i < self.pages.len() => {
                self.return_to_review = true;
                self.go(Screen::Scan(i));
            }
            Event::Submit if self.screen == Screen::Sign && !self.submitting => {
                if self.signature.is_some() {
                    self.submit(catalog, &mut fx)
                } else {
                    self.notice = Some(Notice::new("请在框内签名", "Please sign in the box"));
                }
            }
            Event::Committed { case_id, due_date } if self.submitting => {
                self.committed(case_id, due_date, &mut fx)
            }
            Event::CommitFailed(msg) => self.commit_failed(&msg),
            Event::Printed => self.receipt = ReceiptState::Printed,
            Event::PrintFailed(why) => self.receipt = ReceiptState::Failed(why),
            Event::Reprint => self.reprint(&mut fx),
            Event::ReprintCase(case_id) if self.screen == Screen::MyCases => {
                self.reprint_case(case_id, &mut fx)
            }
            Event::Rate(n) if self.screen == Screen::Rate && (1..=5).contains(&n) => {
                self.rate(n, now, &mut fx)
            }
            Event::Comment(c) => self.comment = c,
            Event::FinishRating if self.screen == Screen::Rate => self.finish_rating(now, &mut fx),
            Event::CasesFound(list) if self.screen == Screen::MyCases => self.my_cases = Some(list),
            Event::Finish if self.screen == Screen::Done => self.wipe(now, &mut fx),
            // Anything else does not apply on this screen, or in this state.
            _ => {}
        }
        // Elderly mode reads each new screen aloud.
        if self.elderly && (self.screen != before || !was_elderly) {
            fx.push(Action::Speak(self.spoken(catalog)));
        }
        fx
    }

    fn choose_theme(&mut self, id: &str, catalog: &Catalog) {
        if let Some(theme) = catalog.theme(id) {
            self.theme = Some(theme.id.clone());
            self.answers.clear();
            self.plan = None;
            if theme.questions.is_empty() {
                self.make_plan(catalog);
                self.go(Screen::Materials);
            } else {
                self.go(Screen::Question(0));
            }
        }
    }

    /// An answer to the question on screen: the next question, or the plan once all are in.
    fn answer(&mut self, key: String, value: String, catalog: &Catalog) {
        if let Screen::Question(i) = self.screen
            && let Some(theme) = self.theme_of(catalog)
            && let Some(q) = theme.questions.get(i)
            && q.key == key
            && q.option(&value).is_some()
        {
            let n = theme.questions.len();
            self.answers.insert(key, value);
            if i + 1 < n {
                self.go(Screen::Question(i + 1));
            } else {
                self.make_plan(catalog);
                self.go(Screen::Materials);
            }
        }
    }

    /// A name and ID number typed by hand: checked, then the applicant as a card would give.
    fn manual_entry(&mut self, name: &str, id_number: &str, fx: &mut Vec<Action>) {
        let name = name.trim().to_owned();
        let id = id_number.trim().to_ascii_uppercase();
        if name.chars().count() < 2 {
            self.notice = Some(Notice::new("请输入姓名", "Please enter your name"));
        } else if !crate::id_number::is_valid_gb11643(&id) {
            self.notice = Some(notices::id_number_invalid());
        } else {
            let birth = format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]);
            // GB 11643: the 17th digit is odd for men, even for women.
            let sex = if id.as_bytes()[16] % 2 == 1 {
                "男"
            } else {
                "女"
            };
            let person = Person {
                name,
                sex: Some(sex.into()),
                birth: Some(birth),
                id_number: id,
                nation: None,
                address: None,
                source: IdSource::Manual,
            };
            self.identified(person, fx);
        }
    }

    /// A page back from straightening. A good page of a one-page material finishes it: the
    /// next material comes up by itself (a paper of several pages waits for "done").
    fn page_captured(&mut self, page: Page, catalog: &Catalog) {
        self.capturing = false;
        if let Screen::Scan(i) = self.screen
            && let Some(pages) = self.pages.get_mut(i)
        {
            let ok = page.ok;
            if !ok {
                self.notice = Some(Notice::new(page.advice.clone(), page.advice.clone()));
            }
            pages.push(page);
            let one_page = self
                .to_scan()
                .get(i)
                .and_then(|(id, _, _)| catalog.materials.get(id))
                .is_some_and(|m| !m.multi_page);
            if ok && one_page {
                self.material_done();
            }
        }
    }

    fn retake(&mut self) {
        if let Screen::Scan(i) = self.screen
            && let Some(pages) = self.pages.get_mut(i)
        {
            pages.pop();
        }
    }

    /// The material on screen is done: the next one, or signing after the last.
    fn material_done(&mut self) {
        if let Screen::Scan(i) = self.screen {
            let good = self.pages.get(i).is_some_and(|p| p.iter().any(|p| p.ok));
            if good {
                // Brought after all: no longer owed.
                self.promised.remove(&i);
            }
            let good = good || self.promised.contains(&i);
            if !good {
                self.notice = Some(notices::capture_first());
            } else if std::mem::take(&mut self.return_to_review) {
                self.go(Screen::Review);
            } else if i + 1 < self.pages.len() {
                self.go(Screen::Scan(i + 1));
            } else {
                self.go(Screen::Review);
            }
        }
    }

    fn submit(&mut self, catalog: &Catalog, fx: &mut Vec<Action>) {
        if let Some(d) = self.draft(catalog) {
            self.submitting = true;
            fx.push(Action::Commit(Box::new(d)));
        }
    }

    fn committed(&mut self, case_id: String, due_date: String, fx: &mut Vec<Action>) {
        self.submitting = false;
        self.case_id = Some(case_id.clone());
        self.due_date = Some(due_date);
        self.receipt = ReceiptState::Printing;
        // Submitted: back can no longer undo it.
        self.history.clear();
        self.screen = Screen::Receipt;
        fx.push(Action::Print {
            case_id,
            reprint: false,
        });
    }

    /// Nothing was saved: the review page again, saying why; the citizen may submit again.
    fn commit_failed(&mut self, why: &str) {
        self.submitting = false;
        self.notice = Some(notices::commit_failed(why));
    }

    fn reprint(&mut self, fx: &mut Vec<Action>) {
        if let Some(id) = &self.case_id {
            self.receipt = ReceiptState::Printing;
            fx.push(Action::Print {
                case_id: id.clone(),
                reprint: true,
            });
        }
    }

    /// 好差评: a low rating asks what went wrong.
    fn rate(&mut self, n: u8, now: Millis, fx: &mut Vec<Action>) {
        self.rating = Some(n);
        if n <= LOW_RATING {
            fx.push(Action::AskComment);
        } else {
            // Nothing more to ask: a good rating is recorded at once.
            self.finish_rating(now, fx);
        }
    }

    fn finish_rating(&mut self, now: Millis, fx: &mut Vec<Action>) {
        self.record_rating(fx);
        self.screen = Screen::Done;
        self.done_since = Some(now);
    }

    /// The rating given, if any, with its comment: recorded.
    fn record_rating(&self, fx: &mut Vec<Action>) {
        if let (Some(id), Some(r)) = (&self.case_id, self.rating) {
            let comment = self.comment.trim();
            fx.push(Action::RecordRating {
                case_id: id.clone(),
                rating: r,
                comment: (!comment.is_empty()).then(|| comment.to_owned()),
            });
        }
    }

    fn time_passes(&mut self, now: Millis, fx: &mut Vec<Action>) {
        if self.screen == Screen::Attract {
            return;
        }
        if let Some(t) = self.done_since
            && now - t >= self.cfg.done_ms
        {
            self.wipe(now, fx);
            return;
        }
        if matches!(self.screen, Screen::Receipt | Screen::Rate)
            && now - self.last_touch >= self.cfg.after_submit_ms
        {
            self.left(now, fx);
            return;
        }
        match self.warning_since {
            None if now - self.last_touch >= self.cfg.idle_ms && !self.submitting => {
                self.warning_since = Some(now);
            }
            Some(t) if now - t >= self.cfg.countdown_ms => self.wipe(now, fx),
            _ => {}
        }
    }

    /// Home: everything goes (a rating given counts), the lamp goes out.
    fn left_home(&mut self, now: Millis, fx: &mut Vec<Action>) {
        if matches!(self.screen, Screen::Receipt | Screen::Rate) {
            self.record_rating(fx);
        }
        self.wipe(now, fx);
    }

    /// The citizen has gone after submitting (the sensor sees nobody, or nobody touched the
    /// receipt or rating screen for a while): a rating given counts, nothing more is asked,
    /// and the screen clears before the next person could rate for them.
    fn left(&mut self, now: Millis, fx: &mut Vec<Action>) {
        let printing = self.receipt == ReceiptState::Printing;
        match self.screen {
            Screen::Receipt | Screen::Rate if !printing => {
                self.record_rating(fx);
                self.wipe(now, fx);
            }
            Screen::Done => self.wipe(now, fx),
            _ => {}
        }
    }

    /// "Save and come back": needs the holder's resident ID card, whose chip the reader's
    /// security module verified (the draft holds personal data and only that card resumes it).
    fn save_for_later(&mut self, fx: &mut Vec<Action>) {
        match &self.applicant {
            Some(p) if p.source == IdSource::IdCard => self.save_now(fx),
            _ => {
                self.save_pending = true;
                self.notice = Some(notices::card_to_save());
            }
        }
    }

    fn card_for_saving(&mut self, p: Person, fx: &mut Vec<Action>) {
        let same = self
            .applicant
            .as_ref()
            .is_none_or(|a| a.id_number.eq_ignore_ascii_case(&p.id_number));
        if p.source != IdSource::IdCard {
            self.notice = Some(notices::card_to_save());
        } else if !same {
            self.save_pending = false;
            self.notice = Some(notices::another_card());
        } else {
            if self
                .applicant
                .as_ref()
                .is_none_or(|a| a.source != IdSource::IdCard)
            {
                self.applicant = Some(p);
            }
            self.save_now(fx);
        }
    }

    fn save_now(&mut self, fx: &mut Vec<Action>) {
        let (Some(theme), Some(holder)) = (self.theme.clone(), self.applicant.clone()) else {
            return;
        };
        let step = match self.screen {
            Screen::Form => SavedStep::Form,
            Screen::Scan(_) | Screen::Review => SavedStep::Scan,
            _ => SavedStep::Materials,
        };
        let pages = self
            .to_scan()
            .into_iter()
            .zip(&self.pages)
            .map(|((id, _, _), pages)| (id, pages.iter().filter(|p| p.ok).cloned().collect()))
            .collect();
        self.saving = true;
        self.save_pending = false;
        fx.push(Action::SaveDraft(Box::new(SavedDraft {
            theme,
            answers: self.answers.clone(),
            holder,
            form: self.form.clone(),
            pages,
            step,
        })));
    }

    /// A saved application of the card just read. From the start (themes): the journey
    /// resumes where it was saved. Part-way through the same theme (the citizen began again
    /// before placing the card): what was saved fills in what is still empty.
    fn resume(&mut self, r: Resumed, catalog: &Catalog) {
        let fresh = matches!(self.screen, Screen::Attract | Screen::Themes);
        let same_theme = self.theme.as_deref() == Some(r.theme.as_str());
        if !fresh && !same_theme {
            return;
        }
        if fresh {
            if catalog.theme(&r.theme).is_none() {
                return;
            }
            self.theme = Some(r.theme.clone());
            self.answers = r.answers.clone();
            self.make_plan(catalog);
            if self.plan.is_none() {
                // The catalog changed its questions since: the citizen answers again.
                self.theme = None;
                self.answers.clear();
                return;
            }
        }
        for (k, v) in r.form {
            self.form.entry(k).or_insert(v);
        }
        let to_scan = self.to_scan();
        self.pages = to_scan
            .iter()
            .map(|(id, _, _)| {
                r.pages
                    .iter()
                    .find(|(m, _)| m == id)
                    .map(|(_, p)| p.clone())
                    .unwrap_or_default()
            })
            .collect();
        self.notice = None;
        if fresh {
            self.history = vec![Screen::Attract, Screen::Themes];
            self.screen = Screen::Materials;
            match r.step {
                SavedStep::Materials => {}
                SavedStep::Form => self.enter_form(),
                SavedStep::Scan => {
                    self.enter_form();
                    self.history.push(Screen::Form);
                    let first = self
                        .pages
                        .iter()
                        .position(|p| !p.iter().any(|p| p.ok))
                        .unwrap_or(self.pages.len().saturating_sub(1));
                    for i in 0..first {
                        self.history.push(Screen::Scan(i));
                    }
                    self.screen = if self.pages.is_empty() {
                        Screen::Review
                    } else {
                        Screen::Scan(first)
                    };
                }
            }
        }
        self.notice = Some(notices::welcome_back(&r.saved_on));
    }

    fn back(&mut self, now: Millis, fx: &mut Vec<Action>) {
        match self.screen {
            Screen::Receipt | Screen::Rate | Screen::Done => {}
            _ if self.submitting => {}
            Screen::Themes | Screen::MyCases => self.wipe(now, fx),
            _ => {
                if let Some(prev) = self.history.pop() {
                    self.screen = prev;
                    self.notice = None;
                    if prev == Screen::Review {
                        self.return_to_review = false;
                    }
                    if prev == Screen::Attract {
                        self.wipe(now, fx);
                    }
                }
            }
        }
    }

    fn next(&mut self) {
        match self.screen {
            Screen::Materials => {
                if self.applicant.is_some() {
                    self.enter_form();
                } else {
                    self.go(Screen::Identify);
                }
            }
            Screen::Form => {
                let fields = self
                    .plan
                    .as_ref()
                    .map(|p| p.fields.clone())
                    .unwrap_or_default();
                self.field_errors.clear();
                // A passport or permit number is not a GB 11643 number: the document's own
                // number stands where the ID number goes.
                let document = self
                    .applicant
                    .as_ref()
                    .filter(|p| p.source == IdSource::Mrz)
                    .map(|p| p.id_number.clone());
                for f in &fields {
                    let v = self.form.get(&f.key).map(String::as_str).unwrap_or("");
                    if f.kind == crate::catalog::FieldKind::IdNumber
                        && document.as_deref() == Some(v)
                    {
                        continue;
                    }
                    if let Err(e) = validate_field(f.kind, v) {
                        self.field_errors.insert(f.key.clone(), e);
                    } else if form::implausible(f.kind, v, f.plausible_max)
                        && self.questioned.get(&f.key).map(String::as_str) != Some(v)
                    {
                        // Asked once; going on with the same value confirms it.
                        self.questioned.insert(f.key.clone(), v.to_owned());
                        self.field_errors
                            .insert(f.key.clone(), FieldError::Implausible);
                    }
                }
                if self.field_errors.is_empty() {
                    let n = self.to_scan().len();
                    self.pages.resize(n, Vec::new());
                    if std::mem::take(&mut self.return_to_review) {
                        self.go(Screen::Review);
                    } else {
                        self.go(if n > 0 {
                            Screen::Scan(0)
                        } else {
                            Screen::Review
                        });
                    }
                } else {
                    self.notice = Some(Notice::new(
                        "有几项需要补充或更正，已用红色标出",
                        "Some entries need completing or correcting (marked in red)",
                    ));
                }
            }
            // Checked: the letter and the signature come last.
            Screen::Review => self.go(Screen::Sign),
            Screen::Receipt => self.go(Screen::Rate),
            _ => {}
        }
    }

    fn make_plan(&mut self, catalog: &Catalog) {
        if let Some(t) = &self.theme {
            self.plan = plan(catalog, t, &self.answers).ok();
        }
    }

    fn identified(&mut self, p: Person, fx: &mut Vec<Action>) {
        match self.screen {
            // Placing the card to start: remembered, the journey begins.
            Screen::Attract => {
                if p.source == IdSource::IdCard {
                    fx.push(Action::LookupDraft {
                        id_number: p.id_number.clone(),
                    });
                }
                self.applicant = Some(p);
                self.go(Screen::Themes);
            }
            Screen::Identify | Screen::ManualId => {
                if p.source == IdSource::IdCard {
                    fx.push(Action::LookupDraft {
                        id_number: p.id_number.clone(),
                    });
                }
                self.applicant = Some(p);
                self.enter_form();
            }
            // Placed early (while choosing or answering): remembered, so identifying later
            // needs nothing more (a card left on the reader is not read twice).
            Screen::Themes | Screen::Question(_) | Screen::Materials => {
                self.applicant = Some(p);
            }
            // Earlier cases (with full names, and receipts to reprint) only for the chip of a
            // card the reader's security module verified: a passport's or permit's MRZ is
            // printed text whose check digits anyone can compute, so it proves nothing.
            Screen::MyCases if p.source == IdSource::IdCard => {
                fx.push(Action::LookupCases {
                    id_number: p.id_number.clone(),
                });
                self.applicant = Some(p);
                self.my_cases = None;
            }
            Screen::MyCases => {
                self.applicant = None;
                self.my_cases = None;
                self.notice = Some(Notice::new(
                    "查看和补打以往的办件需要读取居民身份证：请将身份证放在读卡区，或请工作人员协助",
                    "Your earlier cases need your resident ID card: place it on the reader, or ask staff for help",
                ));
            }
            _ => {}
        }
    }

    /// A receipt again for a case of "my cases": only one listed for the card on the reader.
    fn reprint_case(&mut self, case_id: String, fx: &mut Vec<Action>) {
        let verified = self
            .applicant
            .as_ref()
            .is_some_and(|p| p.source == IdSource::IdCard);
        let listed = self
            .my_cases
            .as_ref()
            .is_some_and(|l| l.iter().any(|c| c.case_id == case_id));
        if verified && listed {
            fx.push(Action::Print {
                case_id,
                reprint: true,
            });
        } else {
            self.notice = Some(Notice::new(
                "补打回执需要读取居民身份证：请将身份证放在读卡区，或请工作人员协助",
                "Reprinting a receipt needs your resident ID card: place it on the reader, or ask staff for help",
            ));
        }
    }

    /// The form, pre-filled from the applicant where the plan says so.
    fn enter_form(&mut self) {
        if let (Some(plan), Some(p)) = (&self.plan, &self.applicant) {
            for f in &plan.fields {
                if self.form.contains_key(&f.key) {
                    continue;
                }
                let v = match f.id_card_field {
                    Some(crate::catalog::IdCardField::Name) => Some(p.name.clone()),
                    Some(crate::catalog::IdCardField::IdNumber) => Some(p.id_number.clone()),
                    Some(crate::catalog::IdCardField::Sex) => p.sex.clone(),
                    Some(crate::catalog::IdCardField::Nation) => p.nation.clone(),
                    Some(crate::catalog::IdCardField::Birth) => p.birth.clone(),
                    Some(crate::catalog::IdCardField::Address) => p.address.clone(),
                    _ => None,
                };
                if let Some(v) = v {
                    self.form.insert(f.key.clone(), v);
                }
            }
        }
        self.go(Screen::Form);
    }

    fn draft(&self, catalog: &Catalog) -> Option<Draft> {
        let theme = self.theme_of(catalog)?;
        let applicant = self.applicant.clone()?;
        let materials = self
            .to_scan()
            .into_iter()
            .zip(&self.pages)
            .map(|((id, zh, _), pages)| (id, zh, pages.iter().filter(|p| p.ok).cloned().collect()))
            // A material promised for later (容缺) has no pages: it is owed, not attached.
            .filter(|(_, _, pages): &(String, String, Vec<Page>)| !pages.is_empty())
            .collect();
        let owed = self
            .promised
            .iter()
            .filter_map(|&i| {
                let (id, zh, _) = self.to_scan().get(i)?.clone();
                let days = catalog.materials.get(&id)?.tolerate_days?;
                Some(Owed {
                    material: id,
                    name: zh,
                    days,
                })
            })
            .collect();
        Some(Draft {
            theme: theme.id.clone(),
            answers: self.answers.clone(),
            applicant,
            form: self.form.clone(),
            materials,
            signature: self.signature.clone(),
            owed,
        })
    }

    /// The materials screen read aloud: what to bring, one by one, and what the kiosk makes.
    fn spoken_materials(&self, zh: bool) -> String {
        let bring = self.to_scan();
        let made = self.plan.as_ref().map_or(0, |p| {
            p.materials
                .iter()
                .filter(|m| !crate::plan::must_bring(m.obtain))
                .count()
        });
        let names: Vec<String> = bring
            .iter()
            .enumerate()
            .map(|(i, (_, z, e))| format!("{}、{}", i + 1, if zh { z } else { e }))
            .collect();
        if zh {
            format!(
                "请带齐 {} 份材料：{}。另有 {made} 份由本机生成，您只需签名。",
                bring.len(),
                names.join("；")
            )
        } else {
            format!(
                "Bring {} materials: {}. This kiosk makes {made} more; you only sign.",
                bring.len(),
                names.join("; ")
            )
        }
    }

    /// The receipt screen read aloud: the case number symbol by symbol, and the due date.
    fn spoken_receipt(&self, zh: bool) -> String {
        let number = self
            .case_id
            .as_deref()
            .map(|id| crate::case_number::spelled(&crate::case_number::local(id)))
            .unwrap_or_default();
        let due = self
            .due_date
            .as_deref()
            .map(|d| spoken_date(d, zh))
            .unwrap_or_default();
        if zh {
            format!("已提交。办件编号：{number}。预计 {due} 办结。请取走回执。")
        } else {
            format!(
                "Submitted. Your case number is {number}. Results are due on {due}. Please take your receipt."
            )
        }
    }

    /// The main text of the current screen, for reading aloud.
    pub fn spoken(&self, catalog: &Catalog) -> String {
        let zh = self.lang == Lang::Zh;
        let pick = |z: &str, e: &str| if zh { z.to_owned() } else { e.to_owned() };
        match self.screen {
            Screen::Attract => pick(
                "欢迎。请放置身份证，或轻触屏幕开始。",
                "Welcome. Place your ID card or touch the screen to start.",
            ),
            Screen::Themes => pick("请选择您要办的事。", "Please choose what you want to do."),
            Screen::Question(i) => self
                .theme_of(catalog)
                .and_then(|t| t.questions.get(i))
                .map(|q| {
                    if zh {
                        q.text.zh.clone()
                    } else {
                        q.text.en.clone()
                    }
                })
                .unwrap_or_default(),
            Screen::Materials => self.spoken_materials(zh),
            Screen::Identify | Screen::MyCases => pick(
                "请将身份证放在读卡区。",
                "Please place your ID card on the reader.",
            ),
            Screen::ManualId => pick(
                "请输入姓名和身份证号码。",
                "Please type your name and ID number.",
            ),
            Screen::Form => pick("请核对并填写表格。", "Please check and complete the form."),
            Screen::Scan(i) => match self.to_scan().get(i) {
                Some((_, name_zh, _)) if zh => {
                    format!("第 {} 份，{name_zh}。请将它平放在拍摄区。", i + 1)
                }
                Some((_, _, name_en)) => format!(
                    "Material {}, {name_en}. Please lay it flat under the camera.",
                    i + 1
                ),
                None => pick(
                    "请将材料平放在拍摄区。",
                    "Please lay the document flat under the camera.",
                ),
            },
            Screen::Sign => pick(
                "请阅读承诺书，在框内签名，然后提交。",
                "Please read the commitment letter, sign in the box, then submit.",
            ),
            Screen::Review => pick(
                "请核对您填写的内容和拍摄的材料。需要修改的，点该行的修改。无误后点下一步签名。",
                "Please check what you entered and scanned. Tap Change on a line to correct it, then go on to sign.",
            ),
            Screen::Receipt => self.spoken_receipt(zh),
            Screen::Rate => pick("请为本次服务评价。", "Please rate this service."),
            Screen::Done => match &self.saved_until {
                Some(d) if zh => format!(
                    "已保存，保留到{}。带齐材料后，放同一张身份证即可接着办。谢谢，再见。",
                    spoken_date(d, true)
                ),
                Some(d) => format!(
                    "Saved until {}. Come back with everything and place the same ID card. Goodbye.",
                    spoken_date(d, false)
                ),
                None => pick("谢谢，再见。", "Thank you, goodbye."),
            },
        }
    }
}

/// `2026-12-21` as it is said: 2026年12月21日, or December 21, 2026.
fn spoken_date(d: &str, zh: bool) -> String {
    let parts: Vec<u32> = d.split('-').filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [y, m, day] if zh => format!("{y}年{m}月{day}日"),
        [y, m @ 1..=12, day] => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{} {day}, {y}", MONTHS[(*m - 1) as usize])
        }
        _ => d.to_owned(),
    }
}
