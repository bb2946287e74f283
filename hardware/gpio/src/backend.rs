//! Reading and driving pins: in memory (simulated) or on a Raspberry Pi through rppal.
//! Levels here are logical (true = active); `active_low` pins are inverted at the pin.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use thiserror::Error;

use crate::profile::{BackendKind, Input, Output, Profile};

#[derive(Debug, Error)]
pub enum GpioError {
    #[error(
        "this board has no usable GPIO ({0}). On a PC cabinet use the x86-pc profile; for development the simulated one"
    )]
    NoGpio(String),
    #[error("GPIO pin {pin}: {reason}")]
    Pin { pin: u8, reason: String },
}

pub trait Backend: Send {
    /// The input's level, or None when the profile does not wire it.
    fn read(&mut self, input: Input) -> Result<Option<bool>, GpioError>;
    fn write(&mut self, output: Output, on: bool) -> Result<(), GpioError>;
}

/// In-memory pins. Clones share the same pins, so a test (or the simulator UI) can flip
/// inputs and watch outputs while the cabinet runs.
#[derive(Debug, Default)]
struct SimPins {
    inputs: HashMap<Input, bool>,
    outputs: HashMap<Output, bool>,
}

#[derive(Debug, Clone, Default)]
pub struct SimBackend {
    pins: Arc<Mutex<SimPins>>,
}

impl SimBackend {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set_input(&self, input: Input, active: bool) {
        if let Ok(mut p) = self.pins.lock() {
            p.inputs.insert(input, active);
        }
    }

    pub fn output(&self, output: Output) -> Option<bool> {
        self.pins
            .lock()
            .ok()
            .and_then(|p| p.outputs.get(&output).copied())
    }
}

impl Backend for SimBackend {
    fn read(&mut self, input: Input) -> Result<Option<bool>, GpioError> {
        Ok(Some(
            self.pins
                .lock()
                .map(|p| p.inputs.get(&input).copied().unwrap_or(false))
                .unwrap_or(false),
        ))
    }
    fn write(&mut self, output: Output, on: bool) -> Result<(), GpioError> {
        if let Ok(mut p) = self.pins.lock() {
            p.outputs.insert(output, on);
        }
        Ok(())
    }
}

/// Raspberry Pi pins through rppal.
pub struct RppalBackend {
    inputs: HashMap<Input, (rppal::gpio::InputPin, bool)>,
    outputs: HashMap<Output, (rppal::gpio::OutputPin, bool)>,
}

impl RppalBackend {
    pub fn open(profile: &Profile) -> Result<Self, GpioError> {
        let gpio = rppal::gpio::Gpio::new().map_err(|e| GpioError::NoGpio(e.to_string()))?;
        let mut inputs = HashMap::new();
        for i in Input::ALL {
            if let Some(pin) = profile.pins.input(i) {
                let p = gpio.get(pin.bcm).map_err(|e| GpioError::Pin {
                    pin: pin.bcm,
                    reason: e.to_string(),
                })?;
                let p = if pin.active_low {
                    p.into_input_pullup()
                } else {
                    p.into_input_pulldown()
                };
                inputs.insert(i, (p, pin.active_low));
            }
        }
        let mut outputs = HashMap::new();
        for o in Output::ALL {
            if let Some(pin) = profile.pins.output(o) {
                let p = gpio.get(pin.bcm).map_err(|e| GpioError::Pin {
                    pin: pin.bcm,
                    reason: e.to_string(),
                })?;
                outputs.insert(o, (p.into_output(), pin.active_low));
            }
        }
        Ok(RppalBackend { inputs, outputs })
    }
}

impl Backend for RppalBackend {
    fn read(&mut self, input: Input) -> Result<Option<bool>, GpioError> {
        Ok(self.inputs.get(&input).map(|(p, low)| p.is_high() != *low))
    }
    fn write(&mut self, output: Output, on: bool) -> Result<(), GpioError> {
        if let Some((p, low)) = self.outputs.get_mut(&output) {
            if on != *low {
                p.set_high();
            } else {
                p.set_low();
            }
        }
        Ok(())
    }
}

/// The backend a profile asks for.
pub fn open(profile: &Profile) -> Result<Box<dyn Backend>, GpioError> {
    Ok(match profile.backend {
        BackendKind::Simulated => Box::new(SimBackend::new()),
        BackendKind::Rppal => Box::new(RppalBackend::open(profile)?),
    })
}
