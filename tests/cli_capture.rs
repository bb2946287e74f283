//! `onevisit capture …`, `onevisit sim camera` and `onevisit gpio …` as a technician uses them.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

#[path = "../hardware/capture/tests/fixtures/mod.rs"]
mod fixtures;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_onevisit"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "onevisit-cli-capture-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn save_png(g: &onevisit_capture::Gray, path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), g.width, g.height);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .unwrap()
        .write_image_data(&g.data)
        .unwrap();
}

fn photos(dir: &Path) -> (PathBuf, PathBuf) {
    let quad = fixtures::placed(640.0, 480.0, 560.0, 790.0, 6.0, 0.04);
    let good = fixtures::photograph(1280, 960, &quad, &fixtures::PageArt::a4(), 40.0);
    let (a, b) = (dir.join("a-turned.png"), dir.join("b-dark.png"));
    save_png(&good, &a);
    save_png(&fixtures::darken(&good, 0.35), &b);
    (a, b)
}

#[test]
fn process_reports_each_page_and_writes_one_pdf() {
    let dir = tmp("process");
    let (good, dark) = photos(&dir);
    let pdf = dir.join("out.pdf");
    let o = bin()
        .args(["capture", "process", "--json", "--pdf"])
        .arg(&pdf)
        .arg(&good)
        .arg(&dark)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "a page needs a retake: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let pages = v["pages"].as_array().unwrap();
    assert_eq!(pages[0]["quality"], "ok");
    assert_eq!(pages[1]["quality"], "too_dark");
    assert!(pages[1]["advice"].as_str().unwrap().contains("太暗"));
    let rot = pages[0]["rotation_degrees"].as_f64().unwrap();
    assert!((rot - 6.0).abs() < 1.0, "{rot}");
    assert_eq!(pages[0]["corners"].as_array().unwrap().len(), 4);
    assert!(pages[0]["output_bytes"].as_u64().unwrap() > 0);
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    // Not an image: a clear error.
    std::fs::write(dir.join("bad.jpg"), "not a picture").unwrap();
    let o = bin()
        .args(["capture", "process", "--pdf"])
        .arg(&pdf)
        .arg(dir.join("bad.jpg"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a readable"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn snap_from_the_simulated_camera() {
    let dir = tmp("camera");
    photos(&dir);
    let cam = dir.join("cam");
    let mut child = bin()
        .args(["sim", "camera", "--images"])
        .arg(&dir)
        .arg("--link")
        .arg(&cam)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut device = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut device)
        .unwrap();
    let out = dir.join("still.png");
    let o = bin()
        .args(["capture", "snap", "--device", device.trim(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(dir.join("a-turned.png")).unwrap()
    );
    writeln!(child.stdin.as_mut().unwrap(), "quit").unwrap();
    child.wait().unwrap();
    let o = bin()
        .args([
            "capture",
            "snap",
            "--device",
            "/dev/onevisit-no-camera",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("plugged in"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn gpio_status_and_set_with_the_simulated_profile() {
    let o = bin()
        .args(["gpio", "status", "--json", "--profile", "simulated"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["profile"], "simulated");
    assert_eq!(v["inputs"].as_array().unwrap().len(), 3);
    let o = bin()
        .args(["gpio", "set", "status_led", "attention", "--seconds", "0"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = bin()
        .args(["gpio", "set", "status_led", "sparkle", "--seconds", "0"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let o = bin()
        .args(["gpio", "status", "--profile", "rpi4-cabinet"])
        .output()
        .unwrap();
    if Path::new("/dev/gpiomem").exists() {
        // On a Raspberry Pi the cabinet's profile opens.
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        assert!(String::from_utf8_lossy(&o.stderr).contains("no usable GPIO"));
    }
}
