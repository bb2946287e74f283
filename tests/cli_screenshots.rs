//! `onevisit screenshots`: every screen of the journey, headless, in three variants.

use std::process::Command;

#[test]
fn every_screen_in_chinese_english_and_elderly_mode() {
    let out = std::env::temp_dir().join(format!("onevisit-shots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_onevisit"))
        .args(["--catalog", "catalog", "screenshots", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for variant in ["zh", "en", "elderly"] {
        let mut names: Vec<String> = std::fs::read_dir(out.join(variant))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let technician = if variant == "elderly" { 0 } else { 10 };
        assert_eq!(names.len(), 23 + technician, "{variant}: {names:?}");
        for n in [
            "attract",
            "themes",
            "question",
            "materials",
            "identify",
            "manual-id",
            "form",
            "keyboard-pinyin",
            "keyboard-handwriting",
            "scan-capturing",
            "scan",
            "scan-promise",
            "review",
            "sign",
            "sign-submitting",
            "receipt",
            "rate",
            "done",
            "idle-warning",
            "my-cases",
            "staff-called",
            "home-confirm",
            "saved",
        ] {
            assert!(
                names.iter().any(|f| f.ends_with(&format!("-{n}.png"))),
                "{variant}: no {n}"
            );
        }
        // Technician mode in the kiosk's language (not the elderly variant: it is for citizens).
        let wanted = [
            "pin",
            "checklist",
            "touch-test",
            "provision",
            "typing",
            "network",
            "wifi-password",
            "queue",
            "updates",
            "locked",
        ];
        for n in wanted.iter().take(technician) {
            assert!(
                names.contains(&format!("technician-{n}.png")),
                "{variant}: no technician-{n}"
            );
        }
        let png = std::fs::read(out.join(variant).join(&names[0])).unwrap();
        let d = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        assert_eq!((d.info().width, d.info().height), (1080, 1920));
    }
    // Different languages render differently (the translation is applied).
    let zh = std::fs::read(out.join("zh/02-themes.png")).unwrap();
    let en = std::fs::read(out.join("en/02-themes.png")).unwrap();
    assert_ne!(zh, en);
    let zh = std::fs::read(out.join("zh/technician-checklist.png")).unwrap();
    let en = std::fs::read(out.join("en/technician-checklist.png")).unwrap();
    assert_ne!(zh, en, "technician mode follows the language");
    let _ = std::fs::remove_dir_all(&out);
}
