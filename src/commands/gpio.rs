use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use onevisit_gpio::driver::{Command, spawn};
use onevisit_gpio::{Input, Output, Pattern, Profile};
use serde::Serialize;

use super::print_json;
use crate::cli::{GpioCmd, ProfileArg};

fn profile(arg: &ProfileArg) -> Result<Profile> {
    let name = arg
        .profile
        .clone()
        .or_else(|| std::env::var("ONEVISIT_GPIO_PROFILE").ok())
        .unwrap_or_else(|| "simulated".into());
    crate::runtime::cabinet_profile(&name)
}

#[derive(Serialize)]
struct Status {
    profile: String,
    description: String,
    backend: onevisit_gpio::profile::BackendKind,
    inputs: Vec<Signal>,
    outputs: Vec<Signal>,
}

#[derive(Serialize)]
struct Signal {
    name: &'static str,
    bcm: Option<u8>,
    active_low: bool,
    /// Inputs: the level now (active = true); outputs: not read back.
    active: Option<bool>,
}

pub fn run(cmd: GpioCmd) -> Result<ExitCode> {
    match cmd {
        GpioCmd::UdevRules {
            profile: arg,
            config,
        } => {
            let name = match config {
                Some(path) => crate::config::KioskConfig::load(&path)?.devices.gpio,
                None => arg
                    .profile
                    .or_else(|| std::env::var("ONEVISIT_GPIO_PROFILE").ok()),
            };
            match name {
                Some(name) => print!("{}", crate::runtime::cabinet_profile(&name)?.udev_rules()),
                // Nothing to name: the settings say which ports to use, as they are.
                None => println!(
                    "# No cabinet profile in the settings ([devices] gpio): no fixed USB names."
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        GpioCmd::Status { profile: arg, json } => {
            let p = profile(&arg)?;
            let mut backend = onevisit_gpio::backend::open(&p)?;
            let mut inputs = Vec::new();
            for i in Input::ALL {
                let pin = p.pins.input(i);
                inputs.push(Signal {
                    name: i.name(),
                    bcm: pin.map(|x| x.bcm),
                    active_low: pin.is_some_and(|x| x.active_low),
                    active: backend.read(i)?.filter(|_| pin.is_some()),
                });
            }
            let outputs = Output::ALL
                .into_iter()
                .map(|o| {
                    let pin = p.pins.output(o);
                    Signal {
                        name: o.name(),
                        bcm: pin.map(|x| x.bcm),
                        active_low: pin.is_some_and(|x| x.active_low),
                        active: None,
                    }
                })
                .collect();
            let s = Status {
                profile: p.name.clone(),
                description: p.description.clone(),
                backend: p.backend,
                inputs,
                outputs,
            };
            if json.json {
                return print_json(&s);
            }
            println!(
                "profile  {} — {} ({:?})",
                s.profile, s.description, s.backend
            );
            for sig in s.inputs.iter().chain(&s.outputs) {
                let pin = sig.bcm.map_or("not wired".into(), |b| {
                    format!(
                        "BCM {b}{}",
                        if sig.active_low { ", active low" } else { "" }
                    )
                });
                let level = match sig.active {
                    Some(true) => "ACTIVE",
                    Some(false) => "inactive",
                    None => "",
                };
                println!("  {:<15} {pin:<22} {level}", sig.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        GpioCmd::Set {
            name,
            value,
            seconds,
            profile: arg,
        } => {
            let p = profile(&arg)?;
            let output = Output::from_name(&name).with_context(|| {
                format!(
                    "unknown output {name:?}: status_led, reader_power, printer_power, help_lamp"
                )
            })?;
            if p.pins.output(output).is_none() {
                bail!("{name} is not wired in profile {}", p.name);
            }
            let backend = onevisit_gpio::backend::open(&p)?;
            let d = spawn(&p, backend);
            let cmd = match (output, value.as_str()) {
                (Output::StatusLed, v) => {
                    Command::SetPattern(Pattern::from_name(v).with_context(|| {
                        format!("{v:?}: on, off, idle, busy, attention or fault")
                    })?)
                }
                (Output::HelpLamp, "on") => Command::Help(true),
                (Output::HelpLamp, "off") => Command::Help(false),
                (Output::HelpLamp, v) => bail!("{v:?}: the help lamp takes on or off"),
                (_, "cycle") => Command::PowerCycle(output),
                (_, "on") => {
                    // Relays are on unless being cycled: "on" is the resting state.
                    println!("{name} on");
                    return Ok(ExitCode::SUCCESS);
                }
                (_, "off") => {
                    // A relay held off would leave a device dead after we exit: "off" is a
                    // power cycle of the profile's length.
                    println!("{name} off for {} ms, then on again", p.power_cycle_ms);
                    Command::PowerCycle(output)
                }
                (_, v) => bail!("{v:?}: relays take on, off or cycle"),
            };
            d.commands.send(cmd).context("gpio thread stopped")?;
            println!("{name} {value} for {seconds} s");
            std::thread::sleep(Duration::from_secs(seconds));
            Ok(ExitCode::SUCCESS)
        }
    }
}
