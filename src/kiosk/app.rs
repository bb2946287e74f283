//! Carries out what the session asks, and turns what the citizen does into session events.
//! Everything here is I/O or bookkeeping around the pure session; no journey decisions.
//!
//! The app's state is split by concern, each with its own module: `editor` (the field being
//! edited, the keyboards and the input methods), `scanning` (the camera and captured pages),
//! `receipt` (printing and the preview), `cabinet` (tamper switch, service key, presence),
//! `technician` (technician mode: PIN, tamper lock, audit, its sections' work),
//! `readers` (the ID-card and passport readers), `cases` (the store), and `worker` (slow work
//! off the UI thread).

use onevisit_domain::session::{Action, Config, Event, Session};
use onevisit_domain::{Calendar, Catalog, mask};
use onevisit_store::Store;

use super::cabinet::Cabinet;
use super::cases::Cases;
use super::contract::{Pad, UiEvent};
use super::editor::Editor;
use super::receipt::Receipts;
use super::scanning::Scanner;
use super::speech::Speech;
use super::worker::{Done, Worker};

pub use super::receipt::{Printer, TRACKING_URL};

/// The app's clock. Everything the app dates reads it, never the system's clock directly,
/// so that tests and the screenshot gallery can move or fix it.
#[derive(Debug, Default, Clone)]
pub struct Clock {
    /// A fixed instant instead of the system clock (the screenshot gallery).
    pub fixed_ms: Option<i64>,
    /// Added to the time (tests and screenshots skip ahead).
    pub offset_ms: i64,
}

impl Clock {
    pub fn now(&self) -> i64 {
        self.fixed_ms.unwrap_or_else(crate::runtime::now_ms) + self.offset_ms
    }
}

pub struct App {
    pub session: Session,
    pub catalog: Catalog,
    pub calendar: Calendar,
    pub site: String,
    pub speech: Box<dyn Speech>,
    pub simulated: bool,
    /// Devices not configured (shown for the technician; empty when all are there).
    pub setup_problem: String,
    /// Counts changes a citizen could see: the kiosk redraws when it moves (see `changed`).
    version: u64,
    pub clock: Clock,
    idle_ms: i64,
    pub editor: Editor,
    pub scanner: Scanner,
    pub receipt: Receipts,
    pub cabinet: Cabinet,
    pub tech: super::technician::Tech,
    pub cases: Cases,
    pub(super) worker: Worker,
    /// What the view derived and keeps between redraws (see `view`).
    pub(super) view_cache: std::cell::RefCell<super::view::Cache>,
}

impl App {
    pub fn new(
        catalog: Catalog,
        calendar: Calendar,
        store: Option<Store>,
        site: String,
        input: crate::input::Input,
    ) -> App {
        let cases = Cases::new(store);
        let worker = Worker::start(cases.shared());
        App {
            session: Session::new(Config::default(), crate::runtime::now_ms()),
            catalog,
            calendar,
            site,
            speech: Box::new(super::speech::Silent),
            simulated: true,
            setup_problem: String::new(),
            version: 0,
            clock: Clock::default(),
            idle_ms: Config::default().idle_ms,
            editor: Editor::new(input),
            scanner: Scanner::default(),
            receipt: Receipts::default(),
            cabinet: Cabinet::default(),
            tech: Default::default(),
            cases,
            worker,
            view_cache: super::view::new_cache(),
        }
    }

    /// Seconds without a touch before "are you still there?" (the kiosk's settings).
    pub fn set_idle_seconds(&mut self, s: u32) {
        self.idle_ms = i64::from(s.max(10)) * 1000;
        self.restart_session();
    }

    /// Fixes the clock at `ms` (the screenshot gallery: the same dates on every run).
    pub fn fix_clock(&mut self, ms: i64) {
        self.clock = Clock {
            fixed_ms: Some(ms),
            offset_ms: 0,
        };
        self.restart_session();
    }

    fn restart_session(&mut self) {
        let cfg = Config {
            idle_ms: self.idle_ms,
            ..Config::default()
        };
        self.session = Session::new(cfg, self.now());
    }

    /// The app's clock (ms).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The app's clock as local time (receipt times, due dates, the date picker's today).
    pub fn local_time(&self) -> chrono::DateTime<chrono::Local> {
        chrono::DateTime::from_timestamp_millis(self.now())
            .map(|t| t.with_timezone(&chrono::Local))
            .unwrap_or_default()
    }

    pub fn english(&self) -> bool {
        self.session.lang() == onevisit_domain::session::Lang::En
    }

    pub(super) fn event(&mut self, e: Event) {
        let now = self.now();
        // Time passing changes the screen only when it moves the page or asks for something
        // (a wipe); the countdown's seconds are the redraw's own check (`ui::pump`). Anything
        // else the session hears may change what it shows.
        let tick = e == Event::Tick;
        let before = (self.session.screen(), self.session.warning_since());
        let fx = self.session.handle_event(now, e, &self.catalog);
        if !tick
            || !fx.is_empty()
            || before != (self.session.screen(), self.session.warning_since())
        {
            self.changed();
        }
        self.perform(fx);
    }

    /// Something on screen may have changed: the next redraw shows it.
    pub(super) fn changed(&mut self) {
        self.version = self.version.wrapping_add(1);
    }

    /// Moves whenever something a citizen could see changed; the kiosk redraws only then
    /// (most ticks change nothing).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Time passes: idle countdown, cabinet signals, finished work, printing, camera frames.
    pub fn tick(&mut self) {
        self.poll_cabinet();
        self.poll_camera();
        while let Some(done) = self.worker.poll() {
            self.finished(done);
        }
        self.poll_printer();
        self.technician_tick();
        self.event(Event::Tick);
    }

    /// Waits for the work under way (a page being straightened, a case being committed) and
    /// takes its results, as the next ticks would. For tests, the screenshot gallery and the
    /// benchmark script, which walk the journey step by step; the kiosk itself never waits.
    pub fn settle(&mut self) {
        while let Some(done) = self.worker.wait() {
            self.finished(done);
        }
    }

    fn finished(&mut self, done: Done) {
        match done {
            Done::Captured(page) => self.captured(page),
            Done::Committed(Ok(case_id)) => {
                self.forget_draft();
                let due_date = self.due_date();
                self.event(Event::Committed { case_id, due_date });
            }
            Done::Committed(Err(e)) => {
                tracing::warn!("case not committed: {e}");
                self.event(Event::CommitFailed(e));
            }
            Done::DraftSaved(Ok(until)) => {
                // The list goes home with the citizen, saying until when the draft is kept.
                self.print_checklist(Some(until.clone()));
                self.event(Event::DraftSaved { until });
            }
            Done::DraftSaved(Err(e)) => {
                tracing::warn!("application not saved for later: {e}");
                self.event(Event::DraftSaveFailed(e));
            }
        }
        self.changed();
    }

    /// A person identified by any means (sample data, tests).
    pub fn person_read(&mut self, p: onevisit_domain::session::Person) {
        self.event(Event::CardRead(p));
    }

    /// Sets a form field directly (sample data for screenshots).
    pub fn set_field(&mut self, key: &str, value: &str) {
        self.event(Event::SetField {
            key: key.to_owned(),
            value: value.to_owned(),
        });
    }

    /// Moves the idle clock so the "still there?" warning shows (screenshots, tests).
    pub fn force_idle(&mut self) {
        self.clock.offset_ms += 91_000;
        self.event(Event::Tick);
    }

    /// Something the citizen did on screen (`Kiosk.send`, parsed in `contract.rs`).
    pub fn send(&mut self, ev: UiEvent) {
        if self.technician_active() {
            // Technician mode (or the tamper lock) covers the citizen's screens: only its
            // language follows the technician.
            if ev == UiEvent::ToggleLanguage {
                self.event(Event::ToggleLanguage);
                self.changed();
            }
            return;
        }
        match ev {
            ev @ (UiEvent::Key(_)
            | UiEvent::SwitchLayout(_)
            | UiEvent::Candidate(_)
            | UiEvent::CandidatePage { .. }
            | UiEvent::Word(_)
            | UiEvent::Stroke(_)
            | UiEvent::Pad(_)
            | UiEvent::Date(..)
            | UiEvent::Field(_)
            | UiEvent::NextField
            | UiEvent::ManualEntry
            | UiEvent::ManualConfirm
            | UiEvent::Category(_)) => self.edit(ev),
            UiEvent::Touch => self.event(Event::Touch),
            UiEvent::Start => self.event(Event::Start),
            UiEvent::OpenMyCases => self.event(Event::OpenMyCases),
            UiEvent::ToggleLanguage => {
                self.event(Event::ToggleLanguage);
                self.changed();
            }
            UiEvent::ToggleElderly => {
                self.event(Event::ToggleElderly);
                self.editor.input.set_elderly(self.session.elderly());
            }
            UiEvent::ReadAloud => self.event(Event::ReadAloud),
            UiEvent::Theme(id) => self.event(Event::ChooseTheme(id)),
            UiEvent::Answer(value) => self.answer(value),
            UiEvent::Back => {
                self.editor.current_field.clear();
                self.event(Event::Back);
            }
            UiEvent::Next => {
                self.editor.current_field.clear();
                self.event(Event::Next);
            }
            UiEvent::UseMrz => self.use_mrz(),
            UiEvent::Capture => self.event(Event::Capture),
            UiEvent::Retake => self.event(Event::RetakeLastPage),
            UiEvent::MaterialDone => self.event(Event::MaterialDone),
            UiEvent::PromiseLater => self.event(Event::PromiseLater),
            UiEvent::Signed(path) => {
                let png = signature_png(&path);
                self.event(Event::Signed(png));
            }
            UiEvent::ClearSignature => self.event(Event::ClearSignature),
            UiEvent::Submit => self.event(Event::Submit),
            UiEvent::EditField(key) => {
                self.event(Event::EditField(key.clone()));
                // Straight into the field: its keyboard opens at once.
                if self.session.screen() == onevisit_domain::session::Screen::Form {
                    self.open_field(&key);
                }
            }
            UiEvent::EditMaterial(i) => self.event(Event::EditMaterial(i)),
            UiEvent::Reprint => self.event(Event::Reprint),
            UiEvent::ReprintCase(id) => self.event(Event::ReprintCase(id)),
            UiEvent::PrintList => self.event(Event::PrintChecklist),
            UiEvent::Home => {
                self.editor.current_field.clear();
                self.event(Event::Home);
            }
            UiEvent::ConfirmHome => self.event(Event::ConfirmHome),
            UiEvent::CancelHome => self.event(Event::CancelHome),
            UiEvent::CallStaff => self.event(Event::CallStaff),
            UiEvent::CancelCall => self.event(Event::StaffCame),
            UiEvent::SaveDraft => {
                self.editor.current_field.clear();
                self.event(Event::SaveForLater);
            }
            UiEvent::Rate(n) => self.event(Event::Rate(n)),
            UiEvent::FinishRating => self.event(Event::FinishRating),
            UiEvent::StillHere => self.event(Event::StillHere),
            UiEvent::Done => self.event(Event::Finish),
        }
    }

    /// The keyboard, the fields and the theme list's filters.
    fn edit(&mut self, ev: UiEvent) {
        match ev {
            UiEvent::Category(c) => self.editor.category = c,
            UiEvent::ManualEntry => {
                self.editor.manual.clear();
                self.event(Event::UseManualEntry);
                self.open_field("name");
            }
            UiEvent::ManualConfirm => {
                let (name, id_number) = self.editor.take_manual();
                self.event(Event::ManualEntry { name, id_number });
            }
            UiEvent::Field(key) => {
                self.open_field(&key);
                self.event(Event::FieldTap);
            }
            UiEvent::NextField => {
                let next = self.next_empty_field().unwrap_or_default();
                self.open_field(&next);
                self.event(Event::FieldTap);
            }
            UiEvent::Key(k) => self.key(&k),
            UiEvent::SwitchLayout(layout) => self.switch_layout(layout),
            UiEvent::Candidate(i) => self.candidate(i),
            UiEvent::CandidatePage { next } => {
                self.editor.input.page(next);
                self.event(Event::Touch);
            }
            UiEvent::Word(w) => self.type_text(&w),
            UiEvent::Stroke(points) => {
                self.editor
                    .input
                    .stroke(crate::input::parse_stroke(&points));
                self.event(Event::Touch);
            }
            UiEvent::Pad(pad) => {
                match pad {
                    Pad::UndoStroke => self.editor.input.undo_stroke(),
                    Pad::Clear => self.editor.input.clear_pad(),
                }
                self.event(Event::Touch);
            }
            UiEvent::Date(part, n) => self.step_date(part, n),
            // Not an editing event: `send` passes only those here.
            _ => {}
        }
    }

    /// An answer to the question on screen (the page knows the option, not the question).
    fn answer(&mut self, value: String) {
        if let onevisit_domain::session::Screen::Question(i) = self.session.screen()
            && let Some(key) = self
                .session
                .theme()
                .and_then(|t| self.catalog.theme(t))
                .and_then(|t| t.questions.get(i))
                .map(|q| q.key.clone())
        {
            self.event(Event::Answer { key, value });
        }
    }

    pub(super) fn perform(&mut self, fx: Vec<Action>) {
        for a in fx {
            match a {
                Action::Capture => self.start_capture(),
                Action::Commit(d) => {
                    let job = self.commit_job(&d);
                    self.worker
                        .submit(super::worker::Job::Commit(Box::new(job)));
                }
                Action::Print { case_id, reprint } => self.print(&case_id, reprint),
                Action::RecordRating {
                    case_id,
                    rating,
                    comment,
                } => {
                    let now = self.now();
                    self.cases.record_rating(&case_id, rating, comment, now);
                }
                Action::PrintChecklist { .. } => self.print_checklist(None),
                Action::SaveDraft(d) => self.save_draft(&d),
                Action::LookupDraft { id_number } => self.look_up_draft(&id_number),
                Action::LookupCases { id_number } => {
                    let found = self.cases.earlier(&id_number);
                    self.event(Event::CasesFound(found));
                }
                // The comment box, typed in Chinese first.
                Action::AskComment => self.open_field("comment"),
                Action::Speak(text) => {
                    let zh = !self.english();
                    self.speech.say(&text, zh);
                }
                Action::HelpLamp(on) => {
                    tracing::info!(on, "help lamp (a citizen called staff)");
                    self.cabinet.help_lamp(on);
                }
                Action::Wipe => {
                    self.editor.wipe();
                    self.scanner.wipe();
                    self.receipt.wipe();
                    self.changed();
                    tracing::info!("session wiped");
                }
            }
        }
    }

    /// The applicant's name as the review screen shows it.
    pub fn masked_applicant(&self) -> String {
        self.session
            .applicant()
            .as_ref()
            .map(|p| format!("{}  {}", mask::name(&p.name), mask::id_number(&p.id_number)))
            .unwrap_or_default()
    }
}

/// The finger signature's path commands ("M x y L x y …") drawn into a PNG.
pub fn signature_png(commands: &str) -> Vec<u8> {
    let (w, h) = (900u32, 360u32);
    let mut img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let mut last: Option<(f32, f32)> = None;
    let mut it = commands.split_whitespace();
    while let Some(cmd) = it.next() {
        let (Some(x), Some(y)) = (
            it.next().and_then(|v| v.parse::<f32>().ok()),
            it.next().and_then(|v| v.parse::<f32>().ok()),
        ) else {
            break;
        };
        if cmd == "L"
            && let Some((x0, y0)) = last
        {
            let steps = ((x - x0).abs().max((y - y0).abs()) as u32).max(1);
            for i in 0..=steps {
                let t = i as f32 / steps as f32;
                let (px, py) = (x0 + (x - x0) * t, y0 + (y - y0) * t);
                for dx in -2i32..=2 {
                    for dy in -2i32..=2 {
                        let (qx, qy) = (px as i32 + dx, py as i32 + dy);
                        if qx >= 0 && qy >= 0 && (qx as u32) < w && (qy as u32) < h {
                            img.put_pixel(qx as u32, qy as u32, image::Luma([0]));
                        }
                    }
                }
            }
        }
        last = Some((x, y));
    }
    let mut out = Vec::new();
    let _ = image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}
