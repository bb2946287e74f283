//! `onevisit receipt …`, `onevisit printer …` and `onevisit sim printer` as a technician uses
//! them.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_onevisit"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/receipts/sample-receipt.json")
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "onevisit-cli-printer-{}-{name}",
        std::process::id()
    ))
}

/// Decodes every QR code in a PNG file.
fn qr_codes(png_path: &Path) -> Vec<String> {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

#[test]
fn render_makes_a_png_whose_qr_is_the_tracking_link() {
    for (width, qr) in [("58", "native"), ("80", "raster")] {
        let out = tmp(&format!("{width}-{qr}.png"));
        let o = bin()
            .args(["receipt", "render"])
            .arg(sample())
            .args(["--width", width, "--qr", qr, "--png"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            qr_codes(&out),
            ["https://zwfw.example.gov.cn/t/YL-20261128-000123"]
        );
        std::fs::remove_file(out).unwrap();
    }
}

#[test]
fn escpos_writes_the_job_and_bad_input_is_explained() {
    let o = bin()
        .args(["receipt", "escpos"])
        .arg(sample())
        .args(["--width", "58"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(o.stdout.starts_with(&[0x1B, 0x40, 0x1C, 0x26]));
    assert!(o.stdout.ends_with(&[0x1D, 0x56, 0x42, 0x03]));
    let bad = tmp("bad.json");
    std::fs::write(&bad, "{\"site\": 1}").unwrap();
    let o = bin()
        .args(["receipt", "escpos"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a receipt"));
    std::fs::remove_file(bad).unwrap();
}

struct Sim(Child, String, PathBuf);

impl Sim {
    fn start(name: &str) -> Sim {
        let out = tmp(name);
        let _ = std::fs::remove_dir_all(&out);
        let mut child = bin()
            .args(["sim", "printer", "--width", "58", "--out"])
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut path = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut path)
            .unwrap();
        Sim(child, path.trim().to_owned(), out)
    }
    /// Types a command into the simulator (it does not answer: callers wait for its effect).
    fn say(&mut self, cmd: &str) {
        writeln!(self.0.stdin.as_mut().unwrap(), "{cmd}").unwrap();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.2);
    }
}

#[test]
fn status_and_test_page_through_the_simulated_printer() {
    let mut sim = Sim::start("sim");
    let o = bin()
        .args(["printer", "status", "--json", "--port", &sim.1])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ready"], true);
    let o = bin()
        .args(["printer", "test", "--width", "58", "--port", &sim.1])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Deadlines for a stuck test, not timing requirements.
    let until = Instant::now() + Duration::from_secs(120);
    while !sim.2.join("job-0001.png").exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(sim.2.join("job-0001.png").exists());

    sim.say("paper-out");
    // Asks until the simulator has taken the command in (observed, not a fixed sleep).
    let until = Instant::now() + Duration::from_secs(120);
    let o = loop {
        let o = bin()
            .args(["printer", "status", "--port", &sim.1])
            .output()
            .unwrap();
        if o.status.code() != Some(0) || Instant::now() >= until {
            break o;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("out of paper"));
    let o = bin()
        .args(["printer", "test", "--port", &sim.1])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not printed"));
}

#[test]
fn the_take_home_list_renders_through_the_interpreter_with_its_guide_qr() {
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog");
    for width in ["58", "80"] {
        let out = tmp(&format!("checklist-{width}.png"));
        let o = bin()
            .arg("--catalog")
            .arg(&catalog)
            .args(["receipt", "checklist", "open-restaurant"])
            .args([
                "--answer",
                "sells_tobacco=no",
                "--answer",
                "premises=rented",
            ])
            .args(["--answer", "outdoor_sign=yes", "--answer", "large_venue=no"])
            .args(["--width", width, "--png"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            qr_codes(&out),
            ["https://zwfw.example.gov.cn/onevisit/guide/open-restaurant"]
        );
        std::fs::remove_file(out).unwrap();
    }
    // A theme that does not exist, or a missing answer: said plainly, nothing written.
    let out = tmp("checklist-bad.png");
    let o = bin()
        .arg("--catalog")
        .arg(&catalog)
        .args(["receipt", "checklist", "open-noodle-bar", "--png"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("open-restaurant"));
    let o = bin()
        .arg("--catalog")
        .arg(&catalog)
        .args(["receipt", "checklist", "open-restaurant", "--png"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("sells_tobacco"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists());
}
