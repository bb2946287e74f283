//! The cabinet: its tamper switch and presence sensor (GPIO), and the technician's PIN that
//! puts an opened kiosk back in service.

use onevisit_gpio::driver::{Command, GpioDriver};
use onevisit_gpio::{Pattern, Unlock};

use super::app::App;

#[derive(Default)]
pub struct Cabinet {
    /// The cabinet's signals (tamper switch, technician lock), when configured.
    pub driver: Option<GpioDriver>,
    /// The PIN that puts the kiosk back in service (empty: none configured).
    pub technician_pin: String,
    /// Digits typed on the out-of-service PIN pad.
    pub pin_entry: String,
    /// What the PIN pad last said (zh, en).
    pub pin_message: (String, String),
}

impl Cabinet {
    /// The status LED: double blink while out of service, steady when ready.
    fn set_led(&self, p: Pattern) {
        if let Some(c) = &self.driver {
            let _ = c.commands.send(Command::SetPattern(p));
        }
    }

    /// What the PIN pad says to `entered` (zh, en).
    fn try_pin(&self, entered: &str) -> (String, String) {
        let Some(c) = &self.driver else {
            return Default::default();
        };
        match c.try_unlock(entered, &self.technician_pin) {
            Unlock::Unlocked => {
                tracing::info!("technician PIN accepted: back in service");
                self.set_led(Pattern::Idle);
                (String::new(), String::new())
            }
            Unlock::Wrong { attempts_left } => {
                tracing::warn!(attempts_left, "wrong technician PIN");
                (
                    format!("PIN 不正确，还可再试 {attempts_left} 次"),
                    format!("Wrong PIN: {attempts_left} more tries"),
                )
            }
            Unlock::LockedOut { until } => {
                let min = c.ms_until(until).div_ceil(60_000);
                tracing::warn!(minutes = min, "technician PIN pad locked out");
                (
                    format!("错误次数过多，请 {min} 分钟后再试"),
                    format!("Too many wrong PINs: try again in {min} min"),
                )
            }
            Unlock::NoPin => (
                "未设置技术人员 PIN：请关闭机柜后重启（设置 technician_pin）".into(),
                "No technician PIN is set: close the cabinet and restart (set technician_pin)"
                    .into(),
            ),
        }
    }
}

impl App {
    /// The cabinet was opened and no technician PIN entered since: the screen shows "out of
    /// service" and takes nothing but the PIN.
    pub fn out_of_service(&self) -> bool {
        self.cabinet
            .driver
            .as_ref()
            .is_some_and(|c| c.technician_locked())
    }

    /// The tamper switch for the heartbeat: the cabinet's state, or `missing`.
    pub fn tamper_state(&self) -> &'static str {
        self.cabinet
            .driver
            .as_ref()
            .map_or("missing", |c| c.tamper_state())
    }

    /// Cabinet events: an opened cabinet ends the citizen's session at once (whatever was on
    /// screen is wiped) and locks the screen until a technician's PIN.
    pub(super) fn poll_cabinet(&mut self) {
        let Some(c) = &self.cabinet.driver else {
            return;
        };
        let events: Vec<onevisit_gpio::Event> = c.events.try_iter().collect();
        for e in events {
            match e {
                onevisit_gpio::Event::TamperOpened => {
                    tracing::warn!("cabinet opened: out of service until a technician's PIN");
                    self.cabinet.set_led(Pattern::Fault);
                    let fx = self.session.abandon(self.now());
                    self.perform(fx);
                    self.cabinet.pin_entry.clear();
                    self.cabinet.pin_message = Default::default();
                    self.changed();
                }
                onevisit_gpio::Event::TamperClosed => {
                    tracing::info!("cabinet closed");
                    self.changed();
                }
                onevisit_gpio::Event::PresenceDetected if !self.out_of_service() => {
                    self.event(onevisit_domain::session::Event::Presence)
                }
                _ => {}
            }
        }
    }

    /// The out-of-service PIN pad: a digit, `clear`, or `enter`.
    pub(super) fn pin_key(&mut self, key: &str) {
        self.changed();
        let cab = &mut self.cabinet;
        match key {
            "clear" => cab.pin_entry.clear(),
            "enter" => {
                let entered = std::mem::take(&mut cab.pin_entry);
                cab.pin_message = cab.try_pin(&entered);
            }
            d if d.len() == 1
                && d.bytes().all(|b| b.is_ascii_digit())
                && cab.pin_entry.len() < 12 =>
            {
                cab.pin_entry.push_str(d)
            }
            _ => {}
        }
    }
}
