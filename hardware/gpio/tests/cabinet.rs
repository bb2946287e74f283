//! The cabinet state machine with the simulated backend: debounce, LED patterns, relay power
//! cycles, tamper lock.

use onevisit_gpio::backend::{Backend, SimBackend};
use onevisit_gpio::{Cabinet, Event, Input, Output, Pattern, Profile};

fn profile() -> Profile {
    Profile::builtin("simulated").expect("simulated profile")
}

/// Runs the cabinet against the simulated pins from `from` to `to` ms, sampling every ms.
fn run(c: &mut Cabinet, pins: &mut SimBackend, from: u64, to: u64) -> Vec<Event> {
    let mut events = Vec::new();
    for now in from..to {
        for i in Input::ALL {
            if let Ok(Some(level)) = pins.read(i) {
                events.extend(c.handle_input(now, i, level));
            }
        }
        let (ev, changes) = c.handle_timeout(now);
        events.extend(ev);
        for (o, level) in changes {
            pins.write(o, level).unwrap();
        }
    }
    events
}

#[test]
fn a_bouncing_button_is_one_press() {
    let mut c = Cabinet::new(&profile());
    let mut pins = SimBackend::new();
    // Contact bounce: 5 ms on, 3 ms off, 4 ms on… then held.
    let mut events = Vec::new();
    let mut t = 0;
    for (level, ms) in [(true, 5), (false, 3), (true, 4), (false, 2), (true, 60)] {
        pins.set_input(Input::ServiceButton, level);
        events.extend(run(&mut c, &mut pins, t, t + ms));
        t += ms;
    }
    assert_eq!(events, [Event::ServiceButtonPressed]);
    pins.set_input(Input::ServiceButton, false);
    assert_eq!(
        run(&mut c, &mut pins, t, t + 50),
        [Event::ServiceButtonReleased]
    );
}

#[test]
fn a_flicker_shorter_than_the_debounce_is_ignored() {
    let mut c = Cabinet::new(&profile());
    let mut pins = SimBackend::new();
    pins.set_input(Input::Presence, true);
    let mut events = run(&mut c, &mut pins, 0, 20);
    pins.set_input(Input::Presence, false);
    events.extend(run(&mut c, &mut pins, 20, 100));
    assert!(events.is_empty(), "{events:?}");
    pins.set_input(Input::Presence, true);
    assert_eq!(run(&mut c, &mut pins, 100, 200), [Event::PresenceDetected]);
    assert!(c.input(Input::Presence));
}

#[test]
fn led_patterns() {
    assert!(Pattern::Idle.level(12345));
    assert!(!Pattern::Off.level(0));
    assert_eq!(
        (Pattern::Busy.level(100), Pattern::Busy.level(600)),
        (true, false)
    );
    assert_eq!(
        (Pattern::Attention.level(100), Pattern::Attention.level(200)),
        (true, false)
    );
    let fault: Vec<bool> = [0, 200, 350, 500, 1500]
        .iter()
        .map(|&t| Pattern::Fault.level(t))
        .collect();
    assert_eq!(fault, [true, false, true, false, false]);
    // The pin follows the pattern.
    let mut c = Cabinet::new(&profile());
    let mut pins = SimBackend::new();
    c.set_pattern(0, Pattern::Busy);
    run(&mut c, &mut pins, 0, 100);
    assert_eq!(pins.output(Output::StatusLed), Some(true));
    run(&mut c, &mut pins, 100, 700);
    assert_eq!(pins.output(Output::StatusLed), Some(false));
}

#[test]
fn relay_power_cycle() {
    let p = profile();
    let mut c = Cabinet::new(&p);
    let mut pins = SimBackend::new();
    run(&mut c, &mut pins, 0, 10);
    assert_eq!(pins.output(Output::ReaderPower), Some(true));
    assert_eq!(
        c.power_cycle(10, Output::ReaderPower),
        [Event::PowerCycleStarted(Output::ReaderPower)]
    );
    run(&mut c, &mut pins, 10, 20);
    assert_eq!(pins.output(Output::ReaderPower), Some(false));
    assert_eq!(
        pins.output(Output::PrinterPower),
        Some(true),
        "only the reader is cycled"
    );
    let events = run(&mut c, &mut pins, 20, 10 + p.power_cycle_ms + 5);
    assert_eq!(events, [Event::PowerCycleFinished(Output::ReaderPower)]);
    assert_eq!(pins.output(Output::ReaderPower), Some(true));
}

#[test]
fn opening_the_cabinet_locks_technician_functions_until_the_pin() {
    let mut c = Cabinet::new(&profile());
    let mut pins = SimBackend::new();
    assert!(!c.technician_locked());
    pins.set_input(Input::Tamper, true);
    assert_eq!(run(&mut c, &mut pins, 0, 50), [Event::TamperOpened]);
    assert!(c.technician_locked());
    pins.set_input(Input::Tamper, false);
    assert_eq!(run(&mut c, &mut pins, 50, 100), [Event::TamperClosed]);
    assert!(c.technician_locked(), "closing the door is not enough");
    // Technician mode checked the PIN.
    c.unlock();
    assert!(!c.technician_locked());
}

#[test]
fn shipped_profiles_parse_and_bad_ones_are_explained() {
    for name in Profile::BUILTIN {
        assert!(Profile::builtin(name).is_some(), "{name}");
    }
    let twice = "name='x'\ndescription='x'\nbackend='rppal'\n[pins]\nstatus_led={bcm=5}\npresence={bcm=5}\n";
    assert_eq!(
        Profile::parse(twice).unwrap_err().to_string(),
        "pin 5 is used twice"
    );
    let bad = "name='x'\ndescription='x'\nbackend='rppal'\n[pins]\ntamper={bcm=40}\n";
    assert!(
        Profile::parse(bad)
            .unwrap_err()
            .to_string()
            .contains("0–27")
    );
}

#[test]
fn rppal_opens_on_a_pi_and_explains_a_board_without_gpio() {
    let p = Profile::builtin("rpi4-cabinet").unwrap();
    let opened = onevisit_gpio::backend::open(&p);
    if std::path::Path::new("/dev/gpiomem").exists() {
        // On a Raspberry Pi the cabinet's own profile must open.
        if let Err(e) = opened {
            panic!("this board has /dev/gpiomem, yet the rpi4-cabinet profile did not open: {e}");
        }
    } else {
        // Elsewhere (CI, a PC) an error with advice, not a panic.
        match opened {
            Err(e) => assert!(e.to_string().contains("x86-pc"), "{e}"),
            Ok(_) => panic!("a board without GPIO opened"),
        }
    }
}

#[test]
fn the_driver_thread_sends_typed_events() {
    use onevisit_gpio::driver::{Command, spawn};
    use std::time::Duration;
    let pins = SimBackend::new();
    let d = spawn(&profile(), Box::new(pins.clone()));
    pins.set_input(Input::Presence, true);
    assert_eq!(
        d.events.recv_timeout(Duration::from_secs(30)).unwrap(),
        Event::PresenceDetected
    );
    // Waits for the driver to set the LED (no fixed sleep: a loaded machine may take longer).
    let led_becomes = |on: bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while pins.output(Output::StatusLed) != Some(on) {
            assert!(
                std::time::Instant::now() < deadline,
                "the status LED never became {on}: {:?}",
                pins.output(Output::StatusLed)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    // Idle is steady on; then off on command.
    led_becomes(true);
    d.commands.send(Command::SetPattern(Pattern::Off)).unwrap();
    led_becomes(false);
    d.commands
        .send(Command::PowerCycle(Output::PrinterPower))
        .unwrap();
    assert_eq!(
        d.events.recv_timeout(Duration::from_secs(30)).unwrap(),
        Event::PowerCycleStarted(Output::PrinterPower)
    );
}
