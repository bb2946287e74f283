//! The profiles' `[[usb]]` tables and the udev rules made from them.

use onevisit_gpio::Profile;
use onevisit_gpio::profile::ProfileError;

const HEAD: &str = r#"
name = "test-cabinet"
description = "a cabinet for tests"
backend = "simulated"
[pins]
"#;

fn parse(usb: &str) -> Result<Profile, ProfileError> {
    Profile::parse(&format!("{HEAD}{usb}"))
}

#[test]
fn every_cabinet_profile_names_its_four_modules() {
    for name in ["rpi4-cabinet", "rpi5-cabinet", "x86-pc"] {
        let p = Profile::builtin(name).expect("built-in profile parses");
        let rules = p.udev_rules();
        for role in ["idcard", "mrz", "printer", "camera"] {
            assert!(
                rules.contains(&format!("SYMLINK+=\"onevisit/{role}\"")),
                "{name}: {rules}"
            );
        }
    }
    // Development has no modules to name.
    let sim = Profile::builtin("simulated").expect("parses");
    assert!(sim.usb.is_empty());
    assert!(!sim.udev_rules().contains("SYMLINK"));
}

#[test]
fn a_serial_module_and_a_camera_become_rules() {
    let p = parse(
        r#"
[[usb]]
role = "idcard"
vid = "0403"
pid = "6001"
model = "reader\non two lines"
[[usb]]
role = "camera"
vid = "0C45"
pid = "6366"
"#,
    )
    .expect("parses");
    let rules = p.udev_rules();
    let lines: Vec<&str> = rules.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            r#"SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", SYMLINK+="onevisit/idcard""#,
            r#"SUBSYSTEM=="video4linux", ATTRS{idVendor}=="0c45", ATTRS{idProduct}=="6366", ATTR{index}=="0", SYMLINK+="onevisit/camera""#,
        ]
    );
    // The model is a comment, whatever it contains.
    assert!(rules.contains("# idcard: reader on two lines\n"), "{rules}");
}

#[test]
fn two_modules_on_one_chip_are_told_apart_by_their_port() {
    let twice = r#"
[[usb]]
role = "idcard"
vid = "1a86"
pid = "7523"
[[usb]]
role = "printer"
vid = "1a86"
pid = "7523"
"#;
    let e = parse(twice).expect_err("ambiguous");
    assert!(matches!(e, ProfileError::UsbAmbiguous { .. }), "{e}");
    assert!(e.to_string().contains("port"), "{e}");

    let with_ports = r#"
[[usb]]
role = "idcard"
vid = "1a86"
pid = "7523"
port = "pci-0000:00:14.0-usb-0:1:1.0"
[[usb]]
role = "printer"
vid = "1a86"
pid = "7523"
port = "pci-0000:00:14.0-usb-0:2:1.0"
"#;
    let rules = parse(with_ports).expect("parses").udev_rules();
    assert!(
        rules.contains(
            r#"ENV{ID_PATH}=="pci-0000:00:14.0-usb-0:2:1.0", SYMLINK+="onevisit/printer""#
        ),
        "{rules}"
    );
}

#[test]
fn nothing_in_a_profile_can_write_a_rule_of_its_own() {
    for (usb, what) in [
        (
            r#"[[usb]]
role = "idcard"
vid = "0403\", RUN+=\"/bin/sh"
pid = "6001""#,
            "four hexadecimal digits",
        ),
        (
            r#"[[usb]]
role = "idcard"
vid = "0403"
pid = "60g1""#,
            "four hexadecimal digits",
        ),
        (
            r#"[[usb]]
role = "idcard"
vid = "0403"
pid = "6001"
port = "usb-0:1\", RUN+=\"/bin/sh""#,
            "characters a udev port path never has",
        ),
    ] {
        let e = parse(usb).expect_err(usb);
        assert!(e.to_string().contains(what), "{e}");
    }
    let e =
        parse("[[usb]]\nrole = \"scanner\"\nvid = \"0403\"\npid = \"6001\"\n").expect_err("role");
    assert!(e.to_string().contains("role"), "{e}");
}
