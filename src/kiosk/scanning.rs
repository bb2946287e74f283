//! The document camera and the pages captured from it: the preview on the scan screen, and
//! each capture handed to the worker to be straightened (see `worker`).

use onevisit_capture::auto::AutoCapture;
use onevisit_capture::pdf::PdfPage;
use onevisit_capture::{Gray, Mode, ProcessedPage, Quality};
use onevisit_domain::catalog::CaptureKind;
use onevisit_domain::session::{Event, Page, Screen};

use super::app::App;
use super::frames::{Frames, Simulated};
use super::worker::Job;

pub struct Scanner {
    /// The document camera (real or simulated).
    pub frames: Box<dyn Frames>,
    /// Its latest picture, and that picture as the preview shows it (made once per frame,
    /// not per redraw).
    frame: Option<Gray>,
    pub preview: Option<slint::Image>,
    /// Frames taken so far (technician mode looks at each new one once).
    pub taken: u64,
    /// Captured pages; a session page's `capture` is its index here.
    captured: Vec<PdfPage>,
    /// Takes a page lying still by itself (the tap is the fallback).
    pub auto: AutoCapture,
}

impl Default for Scanner {
    fn default() -> Scanner {
        Scanner {
            frames: Box::new(Simulated::new()),
            frame: None,
            preview: None,
            taken: 0,
            captured: Vec::new(),
            auto: AutoCapture::default(),
        }
    }
}

impl Scanner {
    /// Takes the camera's newest frame for the preview; true if there was one.
    pub(super) fn pull(&mut self) -> bool {
        match self.frames.latest() {
            Some(frame) => {
                self.preview = Some(super::camera::to_image(&frame));
                self.frame = Some(frame);
                self.taken += 1;
                true
            }
            None => false,
        }
    }

    /// The picture the preview shows.
    pub fn frame(&self) -> Option<&Gray> {
        self.frame.as_ref()
    }

    /// A captured page, by the number the session holds.
    pub fn page(&self, capture: u64) -> Option<&PdfPage> {
        usize::try_from(capture)
            .ok()
            .and_then(|i| self.captured.get(i))
    }

    /// Keeps a page (one of a saved application's, come back); its number for the session.
    pub fn keep(&mut self, page: PdfPage) -> u64 {
        self.captured.push(page);
        self.captured.len() as u64 - 1
    }

    pub fn wipe(&mut self) {
        self.captured.clear();
        self.auto = AutoCapture::default();
        self.frame = None;
        self.preview = None;
    }
}

impl App {
    /// F5: the next sample page under the simulated camera.
    pub fn next_frame(&mut self) {
        self.scanner.frames.advance();
        self.pull_frame();
    }

    /// How the material on screen is kept: the catalog says which are photos or drawings.
    fn capture_mode(&self) -> Mode {
        let kind = match self.session.screen() {
            Screen::Scan(i) => self
                .session
                .to_scan()
                .get(i)
                .and_then(|(id, _, _)| self.catalog.materials.get(id))
                .map(|m| m.capture),
            _ => None,
        };
        match kind.unwrap_or_default() {
            CaptureKind::Text => Mode::Text,
            CaptureKind::Photo => Mode::Gray,
            CaptureKind::Colour => Mode::Colour,
        }
    }

    /// Takes the camera's newest frame, for the preview and for auto-capture to judge.
    fn pull_frame(&mut self) -> bool {
        let now = self.now();
        let pulled = self.scanner.pull();
        if pulled && let Some(f) = &self.scanner.frame {
            self.scanner.auto.handle_frame(now, f);
        }
        pulled
    }

    /// A new camera picture for the scan screen's preview; a page lying still is taken by
    /// itself.
    pub(super) fn poll_camera(&mut self) {
        if !matches!(self.session.screen(), Screen::Scan(_)) {
            return;
        }
        let now = self.now();
        if self.pull_frame() {
            self.changed();
        }
        if !self.session.capturing()
            && self.scanner.frame.is_some()
            && self.scanner.auto.poll_capture(now)
        {
            self.event(Event::AutoCapture);
        }
    }

    /// The session asked for a capture: the camera's picture goes to the worker.
    pub(super) fn start_capture(&mut self) {
        self.scanner.pull();
        // This scene is taken: the next page is taken by itself once it lies still.
        self.scanner.auto.taken();
        let Some(frame) = self.scanner.frame.take() else {
            self.event(Event::NoCameraPicture);
            self.changed();
            return;
        };
        let jpeg = self.scanner.frames.colour();
        let mode = self.capture_mode();
        self.scanner.frames.advance();
        self.changed();
        // The worker straightens it; the citizen turns to the next page meanwhile.
        self.worker.submit(Job::Capture(frame, mode, jpeg));
        self.pull_frame();
    }

    /// A page came back from the worker: kept if readable, judged either way.
    pub(super) fn captured(&mut self, page: Result<ProcessedPage, String>) {
        let (ok, (zh, en), pdf_page) = match page {
            Ok(mut p) => (
                p.quality == Quality::Ok,
                p.quality.advice(),
                p.pdf_page.take(),
            ),
            Err(e) => {
                tracing::error!("page not processed: {e}");
                (
                    false,
                    (
                        "这一页未能处理，请重拍",
                        "This page could not be processed: please capture it again",
                    ),
                    None,
                )
            }
        };
        let capture = self.scanner.captured.len() as u64;
        let kept = pdf_page.is_some();
        if let Some(p) = pdf_page {
            self.scanner.captured.push(p);
        }
        let advice = if self.english() { en } else { zh };
        self.event(Event::PageCaptured(Page {
            ok: ok && kept,
            advice: advice.to_owned(),
            capture,
        }));
    }
}
