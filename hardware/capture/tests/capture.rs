//! Pages photographed in the fixtures' conditions: corners within a few pixels, rotation
//! within a degree, and every fault reported with the right reason.

mod fixtures;

use fixtures::{PageArt, box_blur, darken, glare, photograph, placed};
use onevisit_capture::detect::{Quad, detect};
use onevisit_capture::pdf::{self, PdfPage};
use onevisit_capture::quality::Thresholds;
use onevisit_capture::{Gray, Mode, Quality, process};

const FW: u32 = 1600;
const FH: u32 = 1200;

fn page_quad(deg: f32, keystone: f32) -> Quad {
    // An A4 page 720 × 1018 pixels, turned, in the middle of the frame.
    placed(800.0, 600.0, 720.0, 1018.0 * 0.98, deg, keystone)
}

fn frame(quad: &Quad) -> Gray {
    photograph(FW, FH, quad, &PageArt::a4(), 40.0)
}

fn max_corner_error(a: &Quad, b: &Quad) -> f32 {
    a.0.iter()
        .zip(b.0.iter())
        .map(|(p, q)| ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt())
        .fold(0.0, f32::max)
}

#[test]
fn corners_and_rotation_of_a_turned_page_in_perspective() {
    for (deg, keystone) in [(0.0, 0.0), (7.0, 0.04), (-12.0, 0.06), (3.5, 0.0)] {
        let truth = page_quad(deg, keystone);
        let d = detect(&frame(&truth)).expect("page found");
        let err = max_corner_error(&d.quad, &truth);
        assert!(
            err < 4.0,
            "deg {deg}: corners off by {err:.1} px: {:?} vs {:?}",
            d.quad,
            truth
        );
        let rot = d.quad.rotation_degrees();
        assert!(
            (rot - truth.rotation_degrees()).abs() < 1.0,
            "deg {deg}: rotation {rot}"
        );
        assert!(!d.touches_border);
    }
}

#[test]
fn a_good_page_is_ok_a4_and_straight() {
    let truth = page_quad(8.0, 0.05);
    let p = process(&frame(&truth), None, Mode::Text, &Thresholds::default());
    assert_eq!(p.quality, Quality::Ok);
    assert_eq!((p.width_mm, p.height_mm), (210.0, 297.0));
    assert!(p.output_bytes > 0);
}

#[test]
fn faults_are_reported_with_the_right_reason() {
    let truth = page_quad(5.0, 0.03);
    let good = frame(&truth);
    let t = Thresholds::default();
    let verdict = |g: &Gray| process(g, None, Mode::Text, &t).quality;
    assert_eq!(verdict(&box_blur(&good, 4, 2)), Quality::Blurred);
    assert_eq!(verdict(&darken(&good, 0.35)), Quality::TooDark);
    assert_eq!(verdict(&glare(&good, 800.0, 500.0, 120.0)), Quality::Glare);
    assert_eq!(verdict(&Gray::new(FW, FH, 40)), Quality::NoDocument);
    let off = placed(1250.0, 600.0, 720.0, 1000.0, 4.0, 0.0);
    assert_eq!(verdict(&frame(&off)), Quality::CutOff);
}

#[test]
fn pages_become_one_pdf_with_its_sha256() {
    let t = Thresholds::default();
    let pages: Vec<PdfPage> = [0.0, 6.0]
        .iter()
        .filter_map(|&deg| process(&frame(&page_quad(deg, 0.02)), None, Mode::Text, &t).pdf_page)
        .collect();
    assert_eq!(pages.len(), 2);
    let pdf = pdf::write(&pages);
    assert!(pdf.bytes.starts_with(b"%PDF-1.4"));
    assert!(pdf.bytes.ends_with(b"%%EOF\n"));
    let text = String::from_utf8_lossy(&pdf.bytes);
    assert_eq!(text.matches("/Type /Page ").count(), 2);
    assert!(
        text.contains("/MediaBox [0 0 595.28 841.89]"),
        "A4 in points"
    );
    assert_eq!(pdf.sha256.len(), 64);
    // The xref offsets point at the objects they name.
    let bytes = &pdf.bytes;
    let xref = bytes.windows(6).position(|w| w == b"\nxref\n").unwrap() + 1;
    let tail = String::from_utf8_lossy(&bytes[xref..]).into_owned();
    let first = tail.lines().nth(3).unwrap();
    let off: usize = first[..10].parse().unwrap();
    assert!(pdf.bytes[off..].starts_with(b"1 0 obj"));
}

#[test]
fn grey_and_colour_modes_embed_jpeg() {
    let truth = page_quad(3.0, 0.0);
    let g = frame(&truth);
    let rgb: Vec<u8> = g.data.iter().flat_map(|&v| [v, v, v]).collect();
    let t = Thresholds::default();
    for mode in [Mode::Gray, Mode::Colour] {
        let p = process(&g, Some(&rgb), mode, &t);
        let pdf = pdf::write(&[p.pdf_page.unwrap()]);
        assert!(String::from_utf8_lossy(&pdf.bytes).contains("/DCTDecode"));
    }
}

#[test]
#[ignore = "a tool, not a test: writes the generated photographs as PNG when run by hand"]
fn write_fixture_photos_when_asked() {
    // `ONEVISIT_CAPTURE_FIXTURE_DIR=/tmp/x cargo test -p onevisit-capture write_fixture --
    // --ignored` writes the generated photographs as PNG, for trying `onevisit capture
    // process` by hand.
    let dir = std::env::var("ONEVISIT_CAPTURE_FIXTURE_DIR")
        .expect("set ONEVISIT_CAPTURE_FIXTURE_DIR to the folder to write the photographs to");
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let good = frame(&page_quad(8.0, 0.05));
    for (name, g) in [
        ("turned.png", good.clone()),
        ("blurred.png", box_blur(&good, 4, 2)),
        ("dark.png", darken(&good, 0.35)),
    ] {
        let img = image::GrayImage::from_raw(g.width, g.height, g.data).unwrap();
        img.save(dir.join(name)).unwrap();
    }
}

/// The kiosk decodes camera stills with libjpeg-turbo where it is installed, else with the
/// pure-Rust decoder: both give the same luminance.
#[test]
fn both_jpeg_decoders_agree() {
    let quad = page_quad(6.0, 0.04);
    let g = frame(&quad);
    let small = g.downscale(4);
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 92)
        .encode(
            &small.data,
            small.width,
            small.height,
            image::ExtendedColorType::L8,
        )
        .unwrap();
    let ours = onevisit_capture::decode::luma_from_jpeg(&bytes).unwrap();
    assert_eq!((ours.width, ours.height), (small.width, small.height));
    let Some(turbo) = onevisit_camera::jpeg::luma(&bytes) else {
        eprintln!("libjpeg-turbo is not installed here: only the pure-Rust decoder checked");
        return;
    };
    let turbo = turbo.unwrap();
    assert_eq!((turbo.width, turbo.height), (ours.width, ours.height));
    let worst = turbo
        .data
        .iter()
        .zip(&ours.data)
        .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
        .max()
        .unwrap();
    assert!(worst <= 2, "the decoders differ by {worst} grey levels");
}
