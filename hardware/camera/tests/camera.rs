//! What can be tested without a camera plugged in: choosing the MJPEG frame size, the error
//! for a device path that is not there, and the simulated camera.

use std::path::PathBuf;

use onevisit_camera::{CameraError, Still, choose_size, open};

/// Sizes a typical UVC document camera offers for MJPEG, in its own (unsorted) order.
const OFFERED: [(u32, u32); 5] = [
    (640, 480),
    (3264, 2448),
    (320, 240),
    (1920, 1080),
    (1280, 720),
];

#[test]
fn a_still_uses_the_largest_mjpeg_size() {
    assert_eq!(choose_size(&OFFERED, None), Some((3264, 2448)));
}

#[test]
fn a_preview_uses_the_smallest_size_wide_enough() {
    assert_eq!(choose_size(&OFFERED, Some(600)), Some((640, 480)));
    assert_eq!(choose_size(&OFFERED, Some(640)), Some((640, 480)));
    assert_eq!(choose_size(&OFFERED, Some(641)), Some((1280, 720)));
    assert_eq!(choose_size(&OFFERED, Some(1)), Some((320, 240)));
    // Nothing that wide: the largest there is.
    assert_eq!(choose_size(&OFFERED, Some(5000)), Some((3264, 2448)));
}

#[test]
fn no_mjpeg_size_means_no_choice() {
    assert_eq!(choose_size(&[], None), None);
    assert_eq!(choose_size(&[], Some(640)), None);
}

#[test]
fn a_missing_device_says_what_to_check() {
    let path = "/dev/onevisit-no-such-video9";
    let err = match open(path) {
        Err(e) => e,
        Ok(_) => panic!("{path} opened"),
    };
    assert!(matches!(err, CameraError::Open { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(path), "{msg}");
    assert!(msg.contains("plugged in"), "{msg}");
    assert!(msg.contains("/dev/video"), "{msg}");
}

fn folder(name: &str, files: &[&str]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("camera-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in files {
        // Each file holds its own name, so a still says which file it came from.
        std::fs::write(dir.join(f), f.as_bytes()).unwrap();
    }
    dir
}

fn name(s: &Still) -> String {
    String::from_utf8(s.bytes.clone()).unwrap()
}

#[test]
fn the_simulated_camera_shows_the_folder_in_name_order_and_wraps() {
    let dir = folder("order", &["b.JPG", "a.png", "notes.txt", "c.jpeg"]);
    let mut cam = open(&format!("sim:{}", dir.display())).unwrap();
    let got: Vec<(String, &str)> = (0..4)
        .map(|_| {
            let s = cam.still().unwrap();
            (name(&s), s.extension)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a.png".to_owned(), "png"),
            ("b.JPG".to_owned(), "jpg"),
            ("c.jpeg".to_owned(), "jpg"),
            ("a.png".to_owned(), "png"),
        ]
    );
}

#[test]
fn a_preview_does_not_turn_the_page() {
    let dir = folder("preview", &["1.png", "2.png"]);
    let mut cam = open(&format!("sim:{}", dir.display())).unwrap();
    assert_eq!(name(&cam.preview(640).unwrap()), "1.png");
    assert_eq!(name(&cam.preview(640).unwrap()), "1.png");
    assert_eq!(name(&cam.still().unwrap()), "1.png");
    assert_eq!(name(&cam.preview(640).unwrap()), "2.png");
}

#[test]
fn current_is_what_lies_under_the_camera() {
    let dir = folder("current", &["1.png", "current.jpg"]);
    let mut cam = open(&format!("sim:{}", dir.display())).unwrap();
    for _ in 0..2 {
        let s = cam.still().unwrap();
        assert_eq!((name(&s).as_str(), s.extension), ("current.jpg", "jpg"));
    }
    std::fs::remove_file(dir.join("current.jpg")).unwrap();
    assert_eq!(name(&cam.still().unwrap()), "1.png");
}

#[test]
fn an_empty_simulated_camera_says_what_to_do() {
    let dir = folder("empty", &["readme.txt"]);
    let mut cam = open(&format!("sim:{}", dir.display())).unwrap();
    let err = cam.still().unwrap_err();
    assert!(matches!(err, CameraError::Empty(_)), "{err}");
    assert!(err.to_string().contains("add images"), "{err}");
    let err = open("sim:/nonexistent/onevisit-camera")
        .unwrap()
        .still()
        .unwrap_err();
    assert!(matches!(err, CameraError::Empty(_)), "{err}");
}
