//! The receipt, encoded and then printed by the interpreter: the QR code decodes back to the
//! tracking link and the Chinese text survives GB18030.

use onevisit_printer::doc::{Align, Doc, Element, PaperWidth, QrMode};
use onevisit_printer::encode::{Model, encode, gb18030};
use onevisit_printer::glyphs::{FontGlyphs, Glyphs, NoGlyphs};
use onevisit_printer::interp::{Event, Interpreter, Page};
use onevisit_printer::receipt::{ReceiptData, build};

/// The sample receipt shipped in docs/ (the one the CLI examples use).
pub fn sample() -> ReceiptData {
    serde_json::from_str(include_str!("../../../docs/receipts/sample-receipt.json")).unwrap()
}

/// The project's bundled font (always there, unlike a system font), or the font file named by
/// `ONEVISIT_RECEIPT_FONT` (index 2 of a `.ttc` collection: Noto Sans CJK SC).
fn font() -> FontGlyphs {
    match std::env::var("ONEVISIT_RECEIPT_FONT") {
        Ok(path) => {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            FontGlyphs::from_bytes(bytes, 2).unwrap_or_else(|e| panic!("{path}: {e}"))
        }
        Err(_) => FontGlyphs::from_static(
            include_bytes!("../../../fonts/OneVisitSansSC-Regular.otf"),
            0,
        )
        .expect("the bundled font fonts/OneVisitSansSC-Regular.otf loads"),
    }
}

fn print(bytes: &[u8], width: u32, glyphs: &dyn Glyphs) -> Vec<Page> {
    Interpreter::new(width)
        .handle_bytes(bytes, glyphs)
        .into_iter()
        .filter_map(|e| match e {
            Event::Page(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn decode_qr(page: &Page) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(
        page.width as usize,
        page.height as usize,
        |x, y| {
            if page.is_black(x as u32, y as u32) {
                0
            } else {
                255
            }
        },
    );
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

#[test]
fn the_printed_qr_code_decodes_to_the_tracking_url() {
    let r = sample();
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        for qr in [QrMode::Native, QrMode::Raster] {
            let bytes = encode(&build(&r, paper), Model { qr });
            let pages = print(&bytes, paper.dots(), &NoGlyphs);
            assert_eq!(pages.len(), 1, "{paper:?} {qr:?}");
            // Our own encoder sends nothing the printer would not understand.
            assert!(
                pages[0].log.is_empty(),
                "{paper:?} {qr:?}: {:?}",
                pages[0].log
            );
            assert_eq!(
                decode_qr(&pages[0]),
                vec![r.tracking_url.clone()],
                "{paper:?} {qr:?}"
            );
        }
    }
}

#[test]
fn chinese_round_trips_through_gb18030() {
    let text = "一件事一次办 受理回执 𠀀 ㊣";
    let bytes = gb18030(text);
    let (back, _, errors) = encoding_rs::GB18030.decode(&bytes);
    assert!(!errors);
    assert_eq!(back, text);
}

#[test]
#[ignore = "a tool, not a test: refreshes the sample PNGs in docs/ when run by hand"]
fn write_sample_pngs_when_asked() {
    // `ONEVISIT_RECEIPT_PNG_DIR=docs cargo test -p onevisit-printer write_sample -- --ignored`
    // refreshes docs/.
    let dir = std::env::var("ONEVISIT_RECEIPT_PNG_DIR")
        .expect("set ONEVISIT_RECEIPT_PNG_DIR to the folder to write the PNGs to");
    let glyphs = font();
    for (paper, name) in [
        (PaperWidth::Mm58, "receipt-58mm.png"),
        (PaperWidth::Mm80, "receipt-80mm.png"),
    ] {
        let bytes = encode(&build(&sample(), paper), Model::default());
        let pages = print(&bytes, paper.dots(), &glyphs);
        std::fs::write(std::path::Path::new(&dir).join(name), pages[0].to_png()).unwrap();
    }
}

#[test]
fn text_is_drawn_where_the_alignment_says() {
    let glyphs = font();
    let doc = Doc {
        paper: PaperWidth::Mm58,
        elements: vec![
            Element::Text {
                text: "回执".into(),
                width: 1,
                height: 1,
                bold: false,
                align: Align::Right,
            },
            Element::Cut,
        ],
    };
    let page = &print(&encode(&doc, Model::default()), 384, &glyphs)[0];
    let dark_x: Vec<u32> = (0..page.width)
        .filter(|&x| (0..30).any(|y| page.is_black(x, y)))
        .collect();
    // Two 24-dot characters at the right edge.
    assert!(*dark_x.first().unwrap() >= 384 - 48, "{dark_x:?}");
}
