//! Enrolling the kiosk from the county's QR code (scanner, document camera, or the boot
//! partition's `onevisit.toml`), and the connection test.

use onevisit_domain::technician::Mode;
use onevisit_sync::enroll::EnrollPayload;

use super::super::app::App;
use super::super::contract::LineKey;
use super::{Done, Said, Typing};

/// The longest line the keys take (a county's line is about 170 characters, with a long
/// Chinese site name a little over 300).
const MAX_LINE: usize = 600;

impl App {
    /// An enrollment line from the kiosk's scanner or the document camera.
    pub fn scanned(&mut self, text: &str) {
        if !matches!(self.tech.core.mode(), Mode::Open(_)) {
            return;
        }
        self.tech.message = Some(match EnrollPayload::parse(text.trim()) {
            Ok(p) => {
                let said = Said::good(
                    format!("已读取 {} 的开通码，请点“开通本机”", p.site),
                    format!(
                        "enrollment code for {} read: tap “Enroll this kiosk”",
                        p.site
                    ),
                );
                self.tech.payload = Some(p);
                said
            }
            Err(e) => Said::bad(
                format!("这不是开通二维码：{e}"),
                format!("not an enrollment QR code: {e}"),
            ),
        });
        self.changed();
    }

    /// A key of the enrollment line's keyboard. "Done" reads the line as a scanned one would
    /// be; a line that does not read stays on the keys to be corrected.
    pub(super) fn line_key(&mut self, key: LineKey) {
        if !matches!(self.tech.core.mode(), Mode::Open(_)) {
            return;
        }
        let Some(typed) = self.tech.typing.as_mut() else {
            return;
        };
        match key {
            LineKey::Char(c) if typed.len() < MAX_LINE => typed.push(c),
            LineKey::Char(_) | LineKey::Open => {}
            LineKey::Delete => {
                typed.pop();
            }
            LineKey::Clear => typed.clear(),
            LineKey::Cancel => {
                self.tech.typing = None;
                self.tech.message = None;
            }
            LineKey::Done => {
                let line = typed.clone();
                match self.tech.typing_for.clone() {
                    Typing::Enrollment => {
                        self.scanned(&line);
                        if self.tech.message.as_ref().is_some_and(|m| !m.bad) {
                            self.tech.typing = None;
                        }
                    }
                    Typing::WifiPassword(ssid) => match super::wifi::password_problem(&line) {
                        Some(said) => self.tech.message = Some(said),
                        None => {
                            self.tech.typing = None;
                            self.join_wifi(ssid, Some(line));
                        }
                    },
                }
            }
        }
        self.changed();
    }

    pub(super) fn read_boot_file(&mut self) {
        let path = self.tech.boot_file.clone();
        let line = crate::config::KioskConfig::load(&path)
            .map_err(|e| format!("{e:#}"))
            .and_then(|c| {
                c.central
                    .and_then(|c| c.enrollment_qr)
                    .ok_or_else(|| format!("{}: no [central] enrollment_qr", path.display()))
            });
        match line {
            Ok(l) => self.scanned(&l),
            Err(e) => {
                self.tech.message = Some(Said::bad(format!("未能读取：{e}"), e));
            }
        }
    }

    pub(super) fn enroll(&mut self) {
        let (Some(p), Some(data)) = (self.tech.payload.clone(), self.tech.data.clone()) else {
            return;
        };
        if self.tech.busy() {
            return;
        }
        let site = self.tech.site_setting.clone();
        let now = self.now();
        self.tech.message = Some(Said::good("正在开通…", "enrolling…"));
        self.tech.start(move || {
            Done::Enrolled(
                crate::runtime::enroll(&data, &p, site.as_deref(), now)
                    .map_err(|e| format!("{e:#}")),
            )
        });
    }

    pub(super) fn test_connection(&mut self) {
        if self.tech.busy() {
            return;
        }
        let Some(data) = self.tech.data.clone() else {
            return;
        };
        self.tech.connection.clear();
        self.tech
            .start(move || Done::Connection(crate::selftest::connection(&data)));
    }
}

/// The first QR code in a camera frame whose text is an enrollment line.
pub(super) fn find_qr(frame: &onevisit_capture::Gray) -> Option<String> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        frame.data.get(y * w + x).copied().unwrap_or(255)
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .find(|t| t.starts_with(onevisit_sync::enroll::PREFIX))
}
