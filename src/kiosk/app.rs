//! Carries out what the session asks, and turns what the citizen does into session events.
//! Everything here is I/O or bookkeeping around the pure session; no journey decisions.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, channel};

use onevisit_capture::pdf::{self, PdfPage};
use onevisit_capture::{Mode, Quality, process, quality::Thresholds};
use onevisit_domain::session::{
    Action, Config, Draft, EarlierCase, Event, IdSource, Page, Person, Screen, Session,
};
use onevisit_domain::{Calendar, Catalog, mask};
use onevisit_printer::encode::{self, Model};
use onevisit_printer::receipt::{MaterialLine, ReceiptData, build};
use onevisit_printer::{PaperWidth, QrMode};
use onevisit_store::{Applicant, NewCase, NewMaterial, Store};

use super::camera;
use super::contract::{Layout, Pad, UiEvent};
use super::speech::Speech;

/// Where the receipt's QR code points (the county's tracking page).
pub const TRACKING_URL: &str = "https://zwfw.example.gov.cn/onevisit/track/";

/// Printing, as the app needs it: a job in, a result later.
pub trait Printer {
    /// Starts printing; the result arrives on the returned channel.
    fn print(&mut self, job: Vec<Vec<u8>>) -> Receiver<Result<(), String>>;
}

/// A printer that always fails (none configured and no simulator).
pub struct NoPrinter;

impl Printer for NoPrinter {
    fn print(&mut self, _job: Vec<Vec<u8>>) -> Receiver<Result<(), String>> {
        let (tx, rx) = channel();
        let _ = tx.send(Err("no receipt printer".into()));
        rx
    }
}

pub struct App {
    pub session: Session,
    pub catalog: Catalog,
    pub calendar: Calendar,
    pub store: Option<Store>,
    pub site: String,
    pub printer: Box<dyn Printer>,
    pub speech: Box<dyn Speech>,
    pub simulated: bool,
    // Bookkeeping the UI needs beyond the session:
    pub category: String,
    /// What the citizen typed to find a theme.
    pub search: String,
    pub current_field: String,
    pub keyboard: Layout,
    /// Chinese input behind the on-screen keyboard (see `keys.rs`).
    pub input: crate::input::Input,
    /// The manual-entry fields (name, ID number) before they are confirmed.
    pub manual: BTreeMap<String, String>,
    /// Captured pages; a session page's data is its index here.
    pub captured: Vec<PdfPage>,
    /// The document camera (real or simulated) and its latest frame.
    pub frames: Box<dyn super::frames::Frames>,
    pub frame: Option<onevisit_capture::Gray>,
    /// The frame as the preview shows it (made once per frame, not per redraw).
    pub preview: Option<slint::Image>,
    pub receipt_png: Option<Vec<u8>>,
    printing: Option<Receiver<Result<(), String>>>,
    /// Set when the UI must re-read everything (language or mode changed, wipe).
    pub dirty: bool,
    /// Added to the clock (screenshots and tests skip ahead in time).
    pub clock_offset_ms: i64,
    idle_ms: i64,
    /// The cabinet's signals (tamper switch, technician lock), when configured.
    pub cabinet: Option<onevisit_gpio::driver::GpioDriver>,
    /// The PIN that puts the kiosk back in service (empty: none configured).
    pub technician_pin: String,
    /// Digits typed on the out-of-service PIN pad.
    pub pin_entry: String,
    /// What the PIN pad last said (zh, en).
    pub pin_message: (String, String),
    /// Devices not configured (shown for the technician; empty when all are there).
    pub setup_problem: String,
}

impl App {
    pub fn new(
        catalog: Catalog,
        calendar: Calendar,
        store: Option<Store>,
        site: String,
        input: crate::input::Input,
    ) -> App {
        App {
            session: Session::new(Config::default(), crate::runtime::now_ms()),
            catalog,
            calendar,
            store,
            site,
            printer: Box::new(NoPrinter),
            speech: Box::new(super::speech::Silent),
            simulated: true,
            category: String::new(),
            search: String::new(),
            current_field: String::new(),
            keyboard: Layout::Latin,
            input,
            manual: BTreeMap::new(),
            captured: Vec::new(),
            frames: Box::new(super::frames::Simulated::new()),
            frame: None,
            preview: None,
            receipt_png: None,
            printing: None,
            dirty: true,
            clock_offset_ms: 0,
            idle_ms: Config::default().idle_ms,
            cabinet: None,
            technician_pin: String::new(),
            pin_entry: String::new(),
            pin_message: (String::new(), String::new()),
            setup_problem: String::new(),
        }
    }

    /// The cabinet was opened and no technician PIN entered since: the screen shows "out of
    /// service" and takes nothing but the PIN.
    pub fn out_of_service(&self) -> bool {
        self.cabinet.as_ref().is_some_and(|c| c.technician_locked())
    }

    /// The tamper switch for the heartbeat: the cabinet's state, or `missing`.
    pub fn tamper_state(&self) -> &'static str {
        self.cabinet
            .as_ref()
            .map_or("missing", |c| c.tamper_state())
    }

    /// Cabinet events: an opened cabinet ends the citizen's session at once (whatever was on
    /// screen is wiped) and locks the screen until a technician's PIN.
    fn poll_cabinet(&mut self) {
        let Some(c) = &self.cabinet else { return };
        let events: Vec<onevisit_gpio::Event> = c.events.try_iter().collect();
        for e in events {
            match e {
                onevisit_gpio::Event::TamperOpened => {
                    tracing::warn!("cabinet opened: out of service until a technician's PIN");
                    self.set_led(onevisit_gpio::Pattern::Fault);
                    let fx = self.session.abandon(self.now());
                    self.perform(fx);
                    self.pin_entry.clear();
                    self.pin_message = (String::new(), String::new());
                    self.dirty = true;
                }
                onevisit_gpio::Event::TamperClosed => {
                    tracing::info!("cabinet closed");
                    self.dirty = true;
                }
                onevisit_gpio::Event::PresenceDetected if !self.out_of_service() => {
                    self.event(Event::Presence)
                }
                _ => {}
            }
        }
    }

    /// The status LED: double blink while out of service, steady when ready.
    fn set_led(&self, p: onevisit_gpio::Pattern) {
        if let Some(c) = &self.cabinet {
            let _ = c
                .commands
                .send(onevisit_gpio::driver::Command::SetPattern(p));
        }
    }

    /// The out-of-service PIN pad: a digit, `clear`, or `enter`.
    fn pin_key(&mut self, key: &str) {
        self.dirty = true;
        match key {
            "clear" => self.pin_entry.clear(),
            "enter" => {
                let entered = std::mem::take(&mut self.pin_entry);
                let Some(c) = &self.cabinet else { return };
                let msg = match c.try_unlock(&entered, &self.technician_pin) {
                    onevisit_gpio::Unlock::Unlocked => {
                        tracing::info!("technician PIN accepted: back in service");
                        let _ = c.commands.send(onevisit_gpio::driver::Command::SetPattern(
                            onevisit_gpio::Pattern::Idle,
                        ));
                        (String::new(), String::new())
                    }
                    onevisit_gpio::Unlock::Wrong { attempts_left } => {
                        tracing::warn!(attempts_left, "wrong technician PIN");
                        (
                            format!("PIN 不正确，还可再试 {attempts_left} 次"),
                            format!("Wrong PIN: {attempts_left} more tries"),
                        )
                    }
                    onevisit_gpio::Unlock::LockedOut { until } => {
                        let min = c.ms_until(until).div_ceil(60_000);
                        tracing::warn!(minutes = min, "technician PIN pad locked out");
                        (
                            format!("错误次数过多，请 {min} 分钟后再试"),
                            format!("Too many wrong PINs: try again in {min} min"),
                        )
                    }
                    onevisit_gpio::Unlock::NoPin => (
                        "未设置技术人员 PIN：请关闭机柜后重启（设置 technician_pin）".into(),
                        "No technician PIN is set: close the cabinet and restart (set technician_pin)".into(),
                    ),
                };
                self.pin_message = msg;
            }
            d if d.len() == 1
                && d.bytes().all(|b| b.is_ascii_digit())
                && self.pin_entry.len() < 12 =>
            {
                self.pin_entry.push_str(d);
            }
            _ => {}
        }
    }

    /// Seconds without a touch before "are you still there?" (the kiosk's settings).
    pub fn set_idle_seconds(&mut self, s: u32) {
        self.idle_ms = i64::from(s.max(10)) * 1000;
        self.session = Session::new(self.session_config(), self.now());
    }

    fn session_config(&self) -> Config {
        Config {
            idle_ms: self.idle_ms,
            ..Config::default()
        }
    }

    /// The app's clock (ms). Everything the app dates reads this clock, never the system's
    /// directly, so that tests and the screenshot gallery can move it.
    pub fn now(&self) -> i64 {
        crate::runtime::now_ms() + self.clock_offset_ms
    }

    /// The app's clock as local time (receipt times, due dates, the date picker's today).
    pub fn local_time(&self) -> chrono::DateTime<chrono::Local> {
        chrono::DateTime::from_timestamp_millis(self.now())
            .map(|t| t.with_timezone(&chrono::Local))
            .unwrap_or_default()
    }

    pub fn english(&self) -> bool {
        self.session.lang == onevisit_domain::session::Lang::En
    }

    pub(super) fn event(&mut self, e: Event) {
        let now = self.now();
        let fx = self.session.handle(now, e, &self.catalog);
        self.perform(fx);
    }

    /// Time passes: idle countdown, printing results, camera frames.
    pub fn tick(&mut self) {
        self.poll_cabinet();
        if matches!(self.session.screen, Screen::Scan(_)) && self.pull_frame() {
            self.dirty = true;
        }
        if let Some(rx) = &self.printing
            && let Ok(r) = rx.try_recv()
        {
            self.printing = None;
            match r {
                Ok(()) => self.event(Event::Printed),
                Err(e) => self.event(Event::PrintFailed(e)),
            }
        }
        self.event(Event::Tick);
    }

    /// An ID card was read by the reader.
    pub fn card(&mut self, card: &onevisit_idcard::card::Card) {
        if self.out_of_service() {
            return;
        }
        let p = Person {
            name: card.name.clone(),
            id_number: card.id_number.clone(),
            sex: match card.sex {
                onevisit_idcard::card::Sex::Male => Some("男".into()),
                onevisit_idcard::card::Sex::Female => Some("女".into()),
                _ => None,
            },
            nation: card.nation.clone(),
            birth: card.birth.map(|d| d.format("%Y-%m-%d").to_string()),
            address: card.address.clone(),
            source: IdSource::IdCard,
        };
        self.event(Event::CardRead(p));
    }

    /// A person identified by any means (sample data, tests).
    pub fn person_read(&mut self, p: Person) {
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
        self.clock_offset_ms += 91_000;
        self.event(Event::Tick);
    }

    /// Something the citizen did on screen (`Kiosk.send`, parsed in `contract.rs`).
    pub fn send(&mut self, ev: UiEvent) {
        if self.out_of_service() {
            // Out of service: the screen takes only the technician's PIN.
            if let UiEvent::Pin(key) = &ev {
                self.pin_key(key);
            }
            return;
        }
        match ev {
            UiEvent::Touch => self.event(Event::Touch),
            UiEvent::Start => self.event(Event::Start),
            UiEvent::OpenMyCases => self.event(Event::OpenMyCases),
            UiEvent::ToggleLanguage => {
                self.event(Event::ToggleLanguage);
                self.dirty = true;
            }
            UiEvent::ToggleElderly => {
                self.event(Event::ToggleElderly);
                self.input.set_elderly(self.session.elderly);
            }
            UiEvent::ReadAloud => self.event(Event::ReadAloud),
            UiEvent::Category(c) => self.category = c,
            UiEvent::Theme(id) => self.event(Event::ChooseTheme(id)),
            UiEvent::Answer(value) => {
                if let Screen::Question(i) = self.session.screen
                    && let Some(key) = self
                        .session
                        .theme
                        .as_deref()
                        .and_then(|t| self.catalog.theme(t))
                        .and_then(|t| t.questions.get(i))
                        .map(|q| q.key.clone())
                {
                    self.event(Event::Answer { key, value });
                }
            }
            UiEvent::Back => {
                self.current_field.clear();
                self.event(Event::Back);
            }
            UiEvent::Next => {
                self.current_field.clear();
                self.event(Event::Next);
            }
            UiEvent::UseMrz => self.mrz(),
            UiEvent::ManualEntry => {
                self.manual.clear();
                self.event(Event::UseManualEntry);
                self.open_field("name");
            }
            UiEvent::ManualConfirm => {
                let name = self.manual.get("name").cloned().unwrap_or_default();
                let id_number = self.manual.get("id_number").cloned().unwrap_or_default();
                self.current_field.clear();
                self.event(Event::ManualEntry { name, id_number });
            }
            UiEvent::Field(key) => {
                self.open_field(&key);
                self.event(Event::Touch);
            }
            UiEvent::Key(k) => self.key(&k),
            UiEvent::SwitchLayout(layout) => self.switch_layout(layout),
            UiEvent::Candidate(i) => self.candidate(i),
            UiEvent::CandidatePage { next } => {
                self.input.page(next);
                self.event(Event::Touch);
            }
            UiEvent::Word(w) => self.type_text(&w),
            UiEvent::Stroke(points) => {
                self.input.stroke(crate::input::parse_stroke(&points));
                self.event(Event::Touch);
            }
            UiEvent::Pad(pad) => {
                match pad {
                    Pad::UndoStroke => self.input.undo_stroke(),
                    Pad::Clear => self.input.clear_pad(),
                }
                self.event(Event::Touch);
            }
            UiEvent::Date(part, n) => self.step_date(part, n),
            UiEvent::Capture => self.capture(),
            UiEvent::Retake => self.event(Event::RetakeLastPage),
            UiEvent::MaterialDone => self.event(Event::MaterialDone),
            UiEvent::Signed(path) => {
                let png = signature_png(&path);
                self.event(Event::Signed(png));
            }
            UiEvent::ClearSignature => self.event(Event::ClearSignature),
            UiEvent::Submit => self.event(Event::Submit),
            UiEvent::Reprint => self.event(Event::Reprint),
            UiEvent::ReprintCase(id) => self.event(Event::ReprintCase(id)),
            UiEvent::Rate(n) => self.event(Event::Rate(n)),
            UiEvent::FinishRating => self.event(Event::FinishRating),
            UiEvent::StillHere => self.event(Event::StillHere),
            UiEvent::Done => self.event(Event::Finish),
            // The PIN pad is shown only out of service (handled above).
            UiEvent::Pin(_) => {}
        }
    }

    /// The passport / permit reader. In simulation, a sample permit's zone is read at once.
    fn mrz(&mut self) {
        if !self.simulated {
            self.event(Event::Touch);
            return;
        }
        let p = Person {
            name: "测试丙".into(),
            id_number: "11010519491231002X".into(),
            sex: Some("男".into()),
            nation: None,
            birth: Some("1949-12-31".into()),
            address: None,
            source: IdSource::Mrz,
        };
        self.event(Event::MrzRead(p));
    }

    /// F5: the next sample page under the simulated camera.
    pub fn next_frame(&mut self) {
        self.frames.advance();
        self.pull_frame();
    }

    /// Takes the camera's newest frame for the preview; true if there was one.
    pub fn pull_frame(&mut self) -> bool {
        match self.frames.latest() {
            Some(frame) => {
                self.preview = Some(camera::to_image(&frame));
                self.frame = Some(frame);
                true
            }
            None => false,
        }
    }

    /// A passport's or travel permit's machine-readable zone, from the MRZ reader.
    pub fn mrz_read(&mut self, m: &onevisit_mrz::Mrz) {
        if self.out_of_service() {
            return;
        }
        if !m.checks_valid {
            self.event(Event::DocumentIncomplete);
            self.dirty = true;
            return;
        }
        let p = Person {
            name: m.names.join(" "),
            id_number: m.document_number.clone(),
            sex: match m.sex.as_str() {
                "M" => Some("男".into()),
                "F" => Some("女".into()),
                _ => None,
            },
            nation: None,
            birth: m.birth.clone(),
            address: None,
            source: IdSource::Mrz,
        };
        self.event(Event::MrzRead(p));
    }

    fn capture(&mut self) {
        self.pull_frame();
        let Some(frame) = self.frame.clone() else {
            self.event(Event::NoCameraPicture);
            self.dirty = true;
            return;
        };
        let mut page = process(&frame, None, Mode::Text, &Thresholds::default());
        let ok = page.quality == Quality::Ok;
        let (zh, en) = page.quality.advice();
        let id = self.captured.len() as u64;
        if let Some(p) = page.pdf_page.take() {
            self.captured.push(p);
        }
        let advice = if self.english() { en } else { zh };
        self.event(Event::PageCaptured(Page {
            ok: ok && (id as usize) < self.captured.len(),
            advice: advice.to_owned(),
            capture: id,
        }));
        // The citizen turns to the next page.
        self.frame = None;
        self.next_frame();
        super::release_memory();
    }

    fn perform(&mut self, fx: Vec<Action>) {
        for a in fx {
            match a {
                Action::Commit(d) => {
                    let r = self.commit(&d);
                    match r {
                        Ok((case_id, due)) => self.event(Event::Committed {
                            case_id,
                            due_date: due,
                        }),
                        Err(e) => self.event(Event::CommitFailed(e)),
                    }
                }
                Action::Print { case_id, reprint } => match self.receipt_job(&case_id, reprint) {
                    Some(job) => self.printing = Some(self.printer.print(job)),
                    None => self.event(Event::PrintFailed("receipt data missing".into())),
                },
                Action::RecordRating {
                    case_id,
                    rating,
                    comment,
                } => {
                    let now = self.now();
                    if let Some(s) = &mut self.store
                        && let Err(e) = s.record_rating(&case_id, rating, comment.as_deref(), now)
                    {
                        tracing::warn!("rating not recorded: {e}");
                    }
                }
                Action::LookupCases { id_number } => {
                    let found = self.earlier_cases(&id_number);
                    self.event(Event::CasesFound(found));
                }
                // The comment box, typed in Chinese first.
                Action::AskComment => self.open_field("comment"),
                Action::Speak(text) => {
                    let zh = !self.english();
                    self.speech.say(&text, zh);
                }
                Action::Wipe => {
                    self.current_field.clear();
                    self.input.wipe();
                    self.manual.clear();
                    self.captured.clear();
                    self.frame = None;
                    self.preview = None;
                    self.receipt_png = None;
                    self.category.clear();
                    self.search.clear();
                    self.printing = None;
                    self.dirty = true;
                    tracing::info!("session wiped");
                }
            }
        }
    }

    fn commit(&mut self, d: &Draft) -> Result<(String, String), String> {
        let (now, today) = (self.now(), self.local_time().date_naive());
        let store = self
            .store
            .as_mut()
            .ok_or("the case store is not available")?;
        let materials = d
            .materials
            .iter()
            .map(|(_, name, pages)| {
                let pdf_pages: Vec<PdfPage> = pages
                    .iter()
                    .filter_map(|p| self.captured.get(p.capture as usize).cloned())
                    .collect();
                NewMaterial {
                    name: name.clone(),
                    pages: pdf_pages.len() as u32,
                    pdf: pdf::write(&pdf_pages).bytes,
                }
            })
            .collect();
        let case = NewCase {
            theme: d.theme.clone(),
            answers: d.answers.clone(),
            applicant: Applicant {
                name: d.applicant.name.clone(),
                id_number: d.applicant.id_number.clone(),
            },
            form: d.form.clone(),
            materials,
            signature: d.signature.clone(),
            rating: None,
        };
        let id = store.commit(&case, now).map_err(|e| e.to_string())?;
        let days = self.session.plan.as_ref().map_or(0, |p| p.after.days);
        let due = self
            .calendar
            .add_working_days(today, days)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|_| "—".into());
        tracing::info!(case = %id, "case committed");
        Ok((id, due))
    }

    /// The local case number printed on the receipt (the central system's number comes later
    /// and shows under "my cases").
    pub fn case_number(case_id: &str) -> String {
        format!("OV-{}", case_id[..8.min(case_id.len())].to_uppercase())
    }

    pub fn receipt_data(&self, case_id: &str, reprint: bool) -> Option<ReceiptData> {
        let store = self.store.as_ref()?;
        let detail = store.get(case_id).ok()?;
        let payload = store.payload(case_id).ok()?;
        let theme = self.catalog.theme(&detail.summary.theme)?;
        let plan = onevisit_domain::plan(&self.catalog, &theme.id, &detail.answers).ok();
        let due = self
            .session
            .due_date
            .clone()
            .filter(|_| self.session.case_id.as_deref() == Some(case_id))
            .unwrap_or_else(|| "—".into());
        Some(ReceiptData {
            site: self.site.clone(),
            case_number: Self::case_number(case_id),
            theme: theme.name.zh.clone(),
            applicant_name: payload.applicant.name.clone(),
            id_number: payload.applicant.id_number.clone(),
            materials: detail
                .materials
                .iter()
                .map(|m| MaterialLine {
                    name: m.name.clone(),
                    pages: m.pages,
                })
                .collect(),
            departments: plan
                .map(|p| p.departments.iter().map(|d| d.name.zh.clone()).collect())
                .unwrap_or_default(),
            due_date: due,
            tracking_url: format!("{TRACKING_URL}{case_id}"),
            issued_at: self.local_time().format("%Y-%m-%d %H:%M").to_string(),
            reprint,
        })
    }

    fn receipt_job(&mut self, case_id: &str, reprint: bool) -> Option<Vec<Vec<u8>>> {
        let data = self.receipt_data(case_id, reprint)?;
        let doc = build(&data, PaperWidth::Mm80);
        let model = Model { qr: QrMode::Native };
        let bytes = encode::encode(&doc, model);
        // The preview is the printed bytes, interpreted.
        if let Ok(glyphs) = onevisit_serial::fonts::receipt_font() {
            let page = onevisit_printer::interp::Interpreter::new(PaperWidth::Mm80.dots())
                .feed(&bytes, &glyphs)
                .into_iter()
                .find_map(|e| match e {
                    onevisit_printer::interp::Event::Page(p) => Some(p),
                    _ => None,
                });
            self.receipt_png = page.map(|p| p.to_png());
        }
        Some(encode::encode_segments(&doc, model))
    }

    fn earlier_cases(&self, id_number: &str) -> Vec<EarlierCase> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        store
            .find_by_id_number(id_number)
            .unwrap_or_default()
            .into_iter()
            .map(|c| EarlierCase {
                case_id: c.summary.id.clone(),
                theme: c.summary.theme.clone(),
                submitted_at: c.summary.created_at,
                number: c.central_number.clone(),
                status: c.remote_status.clone(),
                reason: c.remote_reason.clone(),
            })
            .collect()
    }

    /// The applicant's name as the review screen shows it.
    pub fn masked_applicant(&self) -> String {
        self.session
            .applicant
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
