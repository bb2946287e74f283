//! The kiosk app: the session (pure, in `onevisit-domain`) wired to the UI, the devices, the
//! store and sync. `app` carries out what the session asks; `view` shows its state;
//! `camera` is the simulated document camera; `speech` reads screens aloud; `screenshots`
//! renders every screen headlessly.

pub mod app;
pub mod camera;
pub mod printer;
pub mod screenshots;
pub mod speech;
pub mod view;

#[cfg(test)]
mod journey_tests;
