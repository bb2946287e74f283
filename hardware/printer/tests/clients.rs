//! What other programs send, printed: the byte streams of two client libraries nobody here
//! wrote — python-escpos 3.1 (`tests/streams/`, recorded by `scripts/escpos-streams.py`) and
//! the JavaScript `@point-of-sale/receipt-printer-encoder` 4.0.1 (`tests/streams/js/`,
//! `scripts/escpos-streams-js.mjs`) — for every barcode symbology in both `GS k` forms, QR
//! codes native and as images, images by `GS v 0`, `GS ( L` and `ESC *`, styled and
//! code-table text, and the status, drawer and cut commands.
//!
//! Barcodes and QR codes on the printed pages are read back by a decoder nobody here wrote,
//! `zbarimg` (Debian's zbar-tools, installed by `scripts/setup-debian.sh test`), and must read
//! as the library's data; images must be the picture sent, dot for dot; symbols have the sizes
//! a printer gives them; and anything not printed as sent is in the page's log.

use std::path::{Path, PathBuf};
use std::process::Command;

use onevisit_printer::glyphs::FontGlyphs;
use onevisit_printer::interp::{Event, Interpreter, Page};
use onevisit_printer::sim::SimPrinter;
use serde::Deserialize;

const WIDTH: u32 = 576;

#[derive(Deserialize)]
struct Case {
    file: String,
    kind: String,
    symbology: Option<String>,
    expect: String,
    zbarimg: Option<String>,
    pages: usize,
}

fn streams() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/streams")
}

/// The libraries' folders under tests/streams: python-escpos, then the JavaScript encoder.
const LIBRARIES: [&str; 2] = ["", "js"];

fn manifest_in(dir: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(streams().join(dir).join("manifest.json")).unwrap();
    let mut cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    for c in &mut cases {
        c.file = Path::new(dir).join(&c.file).to_string_lossy().into_owned();
    }
    cases
}

/// Both libraries' cases, files named relative to tests/streams.
fn all_cases() -> Vec<Case> {
    LIBRARIES.iter().flat_map(|d| manifest_in(d)).collect()
}

fn case(file: &str) -> Case {
    all_cases().into_iter().find(|c| c.file == file).unwrap()
}

fn font() -> FontGlyphs {
    FontGlyphs::from_static(
        include_bytes!("../../../fonts/OneVisitSansSC-Regular.otf"),
        0,
    )
    .expect("the bundled font loads")
}

fn print_with(it: &mut Interpreter, file: &str) -> Vec<Page> {
    let bytes = std::fs::read(streams().join(file)).unwrap();
    it.handle_bytes(&bytes, &font())
        .into_iter()
        .filter_map(|e| match e {
            Event::Page(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn print(file: &str) -> Vec<Page> {
    print_with(&mut Interpreter::new(WIDTH), file)
}

/// What zbarimg reads on the page, laid on a white margin as paper has.
fn zbar(page: &Page, name: &str) -> Vec<String> {
    let pad = 40;
    let (w, h) = (page.width + 2 * pad, page.height + 2 * pad);
    let mut dots = vec![0u8; (w * h) as usize];
    for y in 0..page.height {
        for x in 0..page.width {
            dots[((y + pad) * w + x + pad) as usize] = page.dots[(y * page.width + x) as usize];
        }
    }
    let padded = Page {
        width: w,
        height: h,
        dots,
        partial: false,
        log: Vec::new(),
        text: Vec::new(),
    };
    let dir = std::env::temp_dir().join(format!("onevisit-zbar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join(format!("{}.png", name.replace('/', "-")));
    std::fs::write(&png, padded.to_png()).unwrap();
    let out = Command::new("zbarimg")
        .args(["-q"])
        .arg(&png)
        .output()
        .unwrap_or_else(|e| {
            panic!("zbarimg: {e}: install zbar-tools (scripts/setup-debian.sh test does)")
        });
    let _ = std::fs::remove_file(&png);
    let _ = std::fs::remove_dir(&dir);
    // zbarimg exits 4 when it finds no symbol; anything else but 0 is its own failure.
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 4)),
        "zbarimg failed ({code:?}) on {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_barcode_and_qr_code_reads_back_with_zbar() {
    let mut checked = 0;
    let readable = all_cases().iter().filter(|c| c.zbarimg.is_some()).count();
    for c in all_cases()
        .into_iter()
        .filter(|c| ["barcode", "qr", "pdf417"].contains(&c.kind.as_str()))
    {
        let pages = print(&c.file);
        assert_eq!(pages.len(), c.pages, "{}", c.file);
        let page = &pages[0];
        if c.file == "js/barcode_code39_defaults.bin" {
            // The encoder's defaults (GS w 3): 13 Code 39 characters of 45 dots are 582 dots,
            // wider than the 576-dot print area; a printer skips such a barcode, and so do we.
            assert!(
                page.log.iter().any(|l| l.contains("582 dots wide")),
                "{}: {:?}",
                c.file,
                page.log
            );
            continue;
        }
        match &c.zbarimg {
            Some(line) => {
                let read = zbar(page, &c.file);
                assert_eq!(read, vec![line.clone()], "{}", c.file);
                assert!(page.log.is_empty(), "{}: {:?}", c.file, page.log);
                checked += 1;
            }
            // GS1 DataBar and PDF417: not drawn, and said so.
            None => assert!(
                page.log
                    .iter()
                    .any(|l| l.contains("does not draw") || l.contains("not simulated")),
                "{}: {:?}",
                c.file,
                page.log
            ),
        }
    }
    assert_eq!(checked, readable - 1);
    assert!(checked >= 23 + 16);
}

/// Dark rows of the page, as (first, last) of each band of consecutive dark rows.
fn bands(page: &Page) -> Vec<(u32, u32)> {
    let dark: Vec<bool> = (0..page.height)
        .map(|y| (0..page.width).any(|x| page.is_black(x, y)))
        .collect();
    let mut out = Vec::new();
    let mut start = None;
    for (y, &d) in dark.iter().enumerate() {
        match (d, start) {
            (true, None) => start = Some(y as u32),
            (false, Some(s)) => {
                out.push((s, y as u32 - 1));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, page.height - 1));
    }
    out
}

/// The dark span of row `y`.
fn span(page: &Page, y: u32) -> (u32, u32) {
    let xs: Vec<u32> = (0..page.width).filter(|&x| page.is_black(x, y)).collect();
    (xs[0], *xs.last().unwrap())
}

#[test]
fn symbols_have_a_printers_sizes_and_hri_where_asked() {
    // EAN-13 at module width 2 (`GS w 2`), height 100: 95 modules, centred (`ESC a 1`), HRI
    // above and below (`GS H 3`).
    let page = &print("barcode_ean13_b.bin")[0];
    let b = bands(page);
    assert_eq!(b.len(), 3, "HRI, bars, HRI: {b:?}");
    let bars = b[1];
    assert_eq!(bars.1 - bars.0 + 1, 100);
    let (x0, x1) = span(page, bars.0);
    assert_eq!(x1 - x0 + 1, 95 * 2);
    assert_eq!(x0, (WIDTH - 190) / 2);
    assert_eq!(page.text, vec!["4006381333931", "4006381333931"]);
    // UPC-A with HRI above only; UPC-E 51 modules; EAN-8 67 with HRI in font B (17 dots).
    let page = &print("barcode_upca_b.bin")[0];
    assert_eq!(bands(page).len(), 2);
    assert!(bands(page)[0].1 < 30);
    for (file, modules) in [
        ("barcode_upce_a.bin", 51),
        ("barcode_ean8_b.bin", 67),
        ("barcode_upca_a.bin", 95),
    ] {
        let page = &print(file)[0];
        let bars = bands(page)[0];
        let (x0, x1) = span(page, bars.0);
        let module = (x1 - x0 + 1) / modules;
        assert_eq!((x1 - x0 + 1) % modules, 0, "{file}");
        assert!((2..=3).contains(&module), "{file}: {module}");
    }
    let page = &print("barcode_ean8_b.bin")[0];
    let hri = bands(page)[1];
    assert!(hri.1 - hri.0 < 17, "font B HRI: {hri:?}");
    // HRI off: one band.
    assert_eq!(bands(&print("barcode_code39_b.bin")[0]).len(), 1);
    // The HRI a printer prints: Code 39 with its stars, UPC-E with its number system and check.
    assert_eq!(print("barcode_code39_a.bin")[0].text, vec!["*QX7K-2M4P*"]);
    assert_eq!(print("barcode_upce_b.bin")[0].text, vec!["01234565"]);
    assert_eq!(print("barcode_code128c_b.bin")[0].text, vec!["20250430"]);
}

/// image.png's dark dots.
fn picture() -> (u32, u32, Vec<bool>) {
    let file = std::fs::File::open(streams().join("image.png")).unwrap();
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| p[0] < 128)
        .collect();
    (info.width, info.height, px)
}

#[test]
fn images_print_dot_for_dot_in_every_form() {
    let (w, h, dark) = picture();
    for (file, sx, sy) in [
        ("js/image_column.bin", 1, 1),
        ("js/image_column_generic.bin", 1, 1),
        ("js/image_raster.bin", 1, 1),
        ("js/image_raster_center.bin", 1, 1),
        ("image_raster.bin", 1, 1),
        ("image_graphics.bin", 1, 1),
        ("image_column.bin", 1, 1),
        ("image_raster_center.bin", 1, 1),
        ("image_raster_low.bin", 2, 2),
        ("image_graphics_low.bin", 2, 2),
        ("image_column_low.bin", 2, 3),
    ] {
        let page = &print(file)[0];
        assert!(page.log.is_empty(), "{file}: {:?}", page.log);
        let (top, _) = bands(page)[0];
        let left = (0..page.width)
            .find(|&x| (0..page.height).any(|y| page.is_black(x, y)))
            .unwrap();
        for y in 0..h * sy {
            for x in 0..w * sx {
                let want = dark[((y / sy) * w + x / sx) as usize];
                assert_eq!(
                    page.is_black(left + x, top + y),
                    want,
                    "{file}: dot ({x}, {y})"
                );
            }
        }
        // Nothing else on the page.
        let black = page.dots.iter().filter(|&&d| d != 0).count();
        let want = dark.iter().filter(|&&d| d).count() as u32 * sx * sy;
        assert_eq!(black as u32, want, "{file}");
    }
    // The encoder's stretched copy (200 × 360, in two GS v 0 of 255 and 105 rows): one picture
    // without a seam.
    let page = &print("js/image_raster_tall.bin")[0];
    let b = bands(page);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].1 - b[0].0 + 1, 360);
}

#[test]
fn the_javascript_encoders_text_prints_as_meant() {
    // It leaves Chinese mode (FS .) itself, so its code-table text prints right on the kiosk's
    // printers too; its italic (ESC 4, a Star command) is said, not misread.
    for file in ["js/text_codepage_auto.bin", "js/text_codepage_forced.bin"] {
        let page = &print(file)[0];
        let text = page.text.join("\n");
        assert!(text.contains("Café Ünïcödé £ ± °"), "{file}: {text}");
        assert!(text.contains("Привет"), "{file}: {text}");
        assert!(page.log.is_empty(), "{file}: {:?}", page.log);
    }
    for file in [
        "js/text_styles.bin",
        "js/text_layout.bin",
        "js/text_custom_size.bin",
        "js/misc.bin",
    ] {
        let page = &print(file)[0];
        assert!(
            page.log.iter().all(|l| l.contains("ESC 4")),
            "{file}: {:?}",
            page.log
        );
        assert!(!page.text.is_empty(), "{file}");
    }
    assert_eq!(print("js/cuts.bin").len(), case("js/cuts.bin").pages);
    let mut it = Interpreter::new(WIDTH);
    let bytes = std::fs::read(streams().join("js/cashdraw.bin")).unwrap();
    let pulses = it
        .handle_bytes(&bytes, &font())
        .into_iter()
        .filter(|e| matches!(e, Event::Pulse { .. }))
        .count();
    assert_eq!(pulses, 3);
}

#[test]
fn text_styles_and_sizes_are_drawn_and_nothing_is_dropped() {
    for file in [
        "text_styles.bin",
        "text_custom_size.bin",
        "text_smooth_density.bin",
        "text_gb18030.bin",
    ] {
        let page = &print(file)[0];
        assert!(page.log.is_empty(), "{file}: {:?}", page.log);
        assert!(!page.text.is_empty(), "{file}");
    }
    assert!(print("text_gb18030.bin")[0].text[0].contains("请到"));
    // GS ! 0x77 is 8 × 8: a 12 × 24 cell becomes 96 × 192.
    let page = &print("text_custom_size.bin")[0];
    assert!(
        bands(page).iter().any(|&(a, b)| b - a + 1 >= 120),
        "{:?}",
        bands(page)
    );
}

#[test]
fn code_tables_print_the_characters_the_client_meant() {
    // On a printer set up for code tables, ESC t selects what bytes 0x80–0xFF are.
    for file in ["text_codepage_auto.bin", "text_codepage_forced.bin"] {
        let pages = print_with(&mut Interpreter::with_chinese(WIDTH, false), file);
        let text = pages[0].text.join("\n");
        assert!(text.contains("Café Ünïcödé £ ± °"), "{file}: {text}");
        assert!(text.contains("Привет"), "{file}: {text}");
        assert!(pages[0].log.is_empty(), "{file}: {:?}", pages[0].log);
    }
    // On the kiosk's printers (Chinese mode by default) the same bytes are GB18030, as they are
    // on a real one, and the page's log says why.
    let page = &print("text_codepage_auto.bin")[0];
    assert!(!page.text.join("\n").contains("Café"));
    assert!(
        page.log
            .iter()
            .any(|l| l.contains("in Chinese mode (FS &)")),
        "{:?}",
        page.log
    );
}

#[test]
fn status_drawer_and_buzzer_commands_are_answered_or_seen() {
    let mut sim = SimPrinter::new(WIDTH, Box::new(font()));
    let bytes = std::fs::read(streams().join("status_query.bin")).unwrap();
    let out = sim.handle_bytes(&bytes);
    // DLE EOT 1 and 4, twice each: four status bytes.
    assert_eq!(out.reply.len(), 4);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    for file in ["cashdraw.bin", "buzzer.bin"] {
        let mut it = Interpreter::new(WIDTH);
        let bytes = std::fs::read(streams().join(file)).unwrap();
        let events = it.handle_bytes(&bytes, &font());
        let seen = events
            .iter()
            .filter(|e| matches!(e, Event::Pulse { .. } | Event::Beep))
            .count();
        assert!(seen >= 1, "{file}: {events:?}");
        assert!(
            !events.iter().any(|e| matches!(e, Event::Note(_))),
            "{file}"
        );
    }
}

#[test]
fn cuts_line_controls_and_a_customer_display_on_the_same_line() {
    assert_eq!(print("cuts.bin").len(), case("cuts.bin").pages);
    // Text for a customer display (between ESC = 2 and ESC = 1) is not printed.
    let page = &print("misc_rare.bin")[0];
    let text = page.text.join("\n");
    assert!(text.contains("printer again"), "{text}");
    assert!(!text.contains("DISPLAY"), "{text}");
    // Line spacing in three units, tabs, CR, FF: printed; VT has no meaning in standard mode and
    // is said, as is the slip station, and no stray bytes print as text.
    let page = &print("misc.bin")[0];
    assert!(
        page.text.iter().all(|l| !l.contains('<')),
        "{:?}",
        page.text
    );
    assert!(
        page.log.iter().all(|l| l.contains("0x0b")),
        "{:?}",
        page.log
    );
    let page = &print("slip.bin")[0];
    assert!(page.text.is_empty(), "{:?}", page.text);
    assert!(
        page.log.iter().any(|l| l.contains("slip")),
        "{:?}",
        page.log
    );
    let _ = case("slip.bin").expect;
    let _ = case("slip.bin").symbology;
}

#[test]
#[ignore = "a tool, not a test: writes every stream's pages as PNG when run by hand"]
fn write_stream_pages_when_asked() {
    // `ONEVISIT_STREAM_PNG_DIR=/tmp/x cargo test -p onevisit-printer --test clients write_stream
    // -- --ignored`
    let dir = std::env::var("ONEVISIT_STREAM_PNG_DIR").expect("set ONEVISIT_STREAM_PNG_DIR");
    std::fs::create_dir_all(&dir).unwrap();
    for c in all_cases() {
        for (i, p) in print(&c.file).iter().enumerate() {
            let name = format!(
                "{}-{i}.png",
                c.file.trim_end_matches(".bin").replace('/', "-")
            );
            std::fs::write(Path::new(&dir).join(name), p.to_png()).unwrap();
        }
    }
}
