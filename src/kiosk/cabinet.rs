//! The cabinet: its tamper switch, service key and presence sensor (GPIO). What they mean
//! for technician mode (the PIN, the tamper lock) is decided in `technician`.

use onevisit_domain::technician::Event as TechSignal;
use onevisit_gpio::Pattern;
use onevisit_gpio::driver::{Command, GpioDriver};

use super::app::App;

#[derive(Default)]
pub struct Cabinet {
    /// The cabinet's signals (tamper switch, service key, presence), when configured.
    pub driver: Option<GpioDriver>,
}

impl Cabinet {
    /// The status LED: double blink while out of service, steady when ready.
    fn set_led(&self, p: Pattern) {
        if let Some(c) = &self.driver {
            let _ = c.commands.send(Command::SetPattern(p));
        }
    }

    /// Technician mode's LED test: fast blink until `led_normal`.
    pub fn led_test(&self) {
        self.set_led(Pattern::Attention);
    }

    /// The LED back to what the kiosk's state says.
    pub fn led_normal(&self, out_of_service: bool) {
        self.set_led(if out_of_service {
            Pattern::Fault
        } else {
            Pattern::Idle
        });
    }

    /// Switches the card reader's power off and on (its relay).
    pub fn power_cycle_reader(&self) {
        if let Some(c) = &self.driver {
            let _ = c.commands.send(Command::PowerCycle(
                onevisit_gpio::profile::Output::ReaderPower,
            ));
        }
    }

    /// The help lamp on the cabinet's top ("call staff").
    pub fn help_lamp(&self, on: bool) {
        if let Some(c) = &self.driver {
            let _ = c.commands.send(Command::Help(on));
        }
    }

    /// Out of service: the status LED says so.
    pub fn fault_led(&self) {
        self.set_led(Pattern::Fault);
    }

    /// A technician's PIN was accepted: the cabinet's own lock opens (its LED, and the tamper
    /// state the heartbeat reports).
    pub fn unlock(&self) {
        if let Some(c) = &self.driver
            && c.technician_locked()
        {
            c.unlock();
            self.set_led(Pattern::Idle);
        }
    }
}

impl App {
    /// The tamper switch for the heartbeat: the cabinet's state, or `missing`.
    pub fn tamper_state(&self) -> &'static str {
        self.cabinet
            .driver
            .as_ref()
            .map_or("missing", |c| c.tamper_state())
    }

    /// Cabinet events: the door and the service key go to technician mode (an opened door
    /// without a technician ends the citizen's session and locks the screen); presence wakes
    /// the attract screen.
    pub(super) fn poll_cabinet(&mut self) {
        let Some(c) = &self.cabinet.driver else {
            return;
        };
        let events: Vec<onevisit_gpio::Event> = c.events.try_iter().collect();
        for e in events {
            match e {
                onevisit_gpio::Event::TamperOpened => {
                    tracing::warn!("cabinet opened");
                    self.technician_signal(TechSignal::TamperOpened);
                }
                onevisit_gpio::Event::TamperClosed => {
                    tracing::info!("cabinet closed");
                    self.technician_signal(TechSignal::TamperClosed);
                }
                onevisit_gpio::Event::ServiceButtonPressed => {
                    self.technician_signal(TechSignal::ServiceKey)
                }
                onevisit_gpio::Event::PresenceDetected if !self.technician_active() => {
                    self.event(onevisit_domain::session::Event::Presence)
                }
                onevisit_gpio::Event::PresenceDetected => {
                    self.tech.seen.presence = true;
                    self.changed();
                }
                onevisit_gpio::Event::PowerCycleFinished(_) => {
                    self.tech.seen.power_cycled = true;
                    self.changed();
                }
                _ => {}
            }
        }
    }
}
