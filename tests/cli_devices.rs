//! The device commands of `onevisit`: the simulator process, a read through it, decoding a
//! captured frame, and MRZ parsing.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use onevisit_idcard::command::Command as SamCommand;
use onevisit_idcard::sim::SimReader;
use onevisit_serial::sim::load_cards;
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_onevisit"))
}

fn cards() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hardware/serial/tests/cards")
}

struct Sim {
    child: Child,
    path: String,
}

impl Sim {
    fn start(card: &str) -> Sim {
        let link =
            std::env::temp_dir().join(format!("onevisit-cli-sim-{}-{card}", std::process::id()));
        let mut child = bin()
            .args(["sim", "idcard", "--card"])
            .arg(cards().join(card))
            .arg("--link")
            .arg(&link)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        Sim {
            child,
            path: first.trim().to_owned(),
        }
    }

    fn say(&mut self, cmd: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{cmd}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        // The simulator answers each command with "ok" or an error on stderr.
        let stderr = self.child.stderr.as_mut().unwrap();
        let mut r = BufReader::new(stderr);
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            if line.starts_with("ok") || line.starts_with("error") {
                break;
            }
        }
        assert!(line.starts_with("ok"), "{line}");
    }

    fn read(&self) -> Output {
        bin()
            .args([
                "idcard",
                "read",
                "--timeout",
                "5",
                "--json",
                "--port",
                &self.path,
            ])
            .output()
            .unwrap()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn read_a_card_from_the_simulator_process() {
    let mut sim = Sim::start("resident.json");
    let o = sim.read();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "card_type",
        "name",
        "sex",
        "nation",
        "birth",
        "address",
        "id_number",
        "id_number_valid",
        "issuer",
        "valid_from",
        "valid_to",
        "expired",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["card_type"], "resident");
    assert_eq!(v["birth"], "1990-03-07");
    assert_eq!(v["valid_to"], "2040-05-01");
    assert_eq!(v["id_number_valid"], true);

    // The photo needs the vendor's decoder; without it, a clear message and no fake photo.
    let photo = std::env::temp_dir().join(format!("onevisit-photo-{}.bmp", std::process::id()));
    let o = bin()
        .args([
            "idcard",
            "read",
            "--timeout",
            "5",
            "--port",
            &sim.path,
            "--photo",
        ])
        .arg(&photo)
        .env("ONEVISIT_WLT_LIB", "/nonexistent/libwlt2bmp.so")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no WLT photo decoder"));
    assert!(!photo.exists());

    sim.say("remove");
    let o = sim.read();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no card"));

    sim.say(&format!(
        "place {}",
        cards().join("hk-mo-tw.json").display()
    ));
    let v: Value = serde_json::from_slice(&sim.read().stdout).unwrap();
    assert_eq!(v["card_type"], "hk_mo_tw");
    assert!(v.get("pass_number").is_some() && v.get("issue_count").is_some());
    assert!(v.get("nation").is_none());
}

#[test]
fn decode_a_captured_reply_in_hex() {
    let mut sim = SimReader::new();
    sim.card = Some(
        load_cards(&cards().join("foreign-2017.json"))
            .unwrap()
            .remove(0),
    );
    let reply = sim
        .handle_bytes(&SamCommand::ReadText.encode())
        .remove(0)
        .bytes;
    let hex: String = reply.iter().map(|b| format!("{b:02X} ")).collect();
    let file = std::env::temp_dir().join(format!("onevisit-capture-{}.hex", std::process::id()));
    std::fs::write(&file, hex).unwrap();
    let o = bin()
        .args(["idcard", "decode", "--hex", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["card_type"], "foreign_2017");
    assert_eq!(v["english_name"], "SMITH, SAMPLE JOHN");
    assert_eq!(v["nationality"], "USA");
    // Garbage is refused with a reason, not a panic.
    std::fs::write(&file, "00 11 22").unwrap();
    let o = bin()
        .args(["idcard", "decode", "--hex"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no "));
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn mrz_parse_reports_each_check() {
    let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let o = bin()
        .args(["mrz", "parse", "--json", l1, l2])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"], "td3");
    assert_eq!(v["document_number"], "L898902C3");
    assert_eq!(v["birth"], "1974-08-12");
    assert_eq!(v["checks_valid"], true);
    let bad = l2.replace("L898902C36", "L898902C37");
    let o = bin()
        .args(["mrz", "parse", "--json", l1, &bad])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["failed_checks"],
        serde_json::json!(["document_number", "composite"])
    );
    // From stdin.
    let mut child = bin()
        .args(["mrz", "parse"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{l1}\n{l2}").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("all valid"));
}

/// `onevisit gpio udev-rules --config`: the OS image names the USB modules from the profile its
/// settings file names (and names nothing when the settings name no profile).
#[test]
fn udev_rules_come_from_the_profile_the_settings_name() {
    let dir = std::env::temp_dir().join(format!("onevisit-cli-udev-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cabinet = dir.join("cabinet.toml");
    std::fs::write(
        &cabinet,
        "site = \"城关镇\"\n[devices]\ngpio = \"x86-pc\"\n",
    )
    .expect("write");
    let out = bin()
        .args(["gpio", "udev-rules", "--config"])
        .arg(&cabinet)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let rules = String::from_utf8_lossy(&out.stdout);
    assert!(rules.contains("`x86-pc` cabinet"), "{rules}");
    assert!(
        rules.contains(
            r#"ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", SYMLINK+="onevisit/idcard""#
        ),
        "{rules}"
    );

    let bare = dir.join("bare.toml");
    std::fs::write(&bare, "site = \"城关镇\"\n").expect("write");
    let out = bin()
        .args(["gpio", "udev-rules", "--config"])
        .arg(&bare)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SYMLINK"));

    // A profile that names a module twice is refused with the reason.
    let twice = dir.join("twice.toml");
    std::fs::write(
        &twice,
        "name = \"t\"\ndescription = \"t\"\nbackend = \"simulated\"\n[pins]\n\
         [[usb]]\nrole = \"idcard\"\nvid = \"1a86\"\npid = \"7523\"\n\
         [[usb]]\nrole = \"printer\"\nvid = \"1a86\"\npid = \"7523\"\n",
    )
    .expect("write");
    let out = bin()
        .args(["gpio", "udev-rules", "--profile"])
        .arg(&twice)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("port"),
        "{out:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
