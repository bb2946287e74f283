//! The receipt, encoded and then printed by the interpreter: the QR code decodes back to the
//! tracking link and the Chinese text survives GB18030.

use onevisit_printer::doc::{Align, Doc, Element, PaperWidth, QrMode};
use onevisit_printer::encode::{Model, encode, gb18030};
use onevisit_printer::glyphs::{FontGlyphs, Glyphs, NoGlyphs};
use onevisit_printer::interp::{Event, Interpreter, Page};
use onevisit_printer::receipt::{MaterialLine, ReceiptData, build};

pub fn sample() -> ReceiptData {
    ReceiptData {
        site: "样例县政务服务中心".into(),
        case_number: "YL-20261128-000123".into(),
        theme: "我要开饭店".into(),
        applicant_name: "张试民".into(),
        id_number: "110101199003071233".into(),
        materials: vec![
            MaterialLine {
                name: "房屋租赁合同".into(),
                pages: 3,
            },
            MaterialLine {
                name: "经营场所平面布局图".into(),
                pages: 1,
            },
            MaterialLine {
                name: "食品安全管理人员任命书及培训考核证明".into(),
                pages: 2,
            },
        ],
        departments: vec![
            "县市场监督管理局".into(),
            "县城市管理局".into(),
            "县消防救援大队".into(),
        ],
        due_date: "2026-12-21".into(),
        tracking_url: "https://zwfw.example.gov.cn/t/YL-20261128-000123".into(),
        issued_at: "2026-11-28 10:12".into(),
        reprint: false,
    }
}

fn font() -> Option<FontGlyphs> {
    let path = std::env::var("ONEVISIT_RECEIPT_FONT")
        .unwrap_or_else(|_| "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc".into());
    let bytes = std::fs::read(path).ok()?;
    FontGlyphs::from_bytes(bytes, 2).ok()
}

fn print(bytes: &[u8], width: u32, glyphs: &dyn Glyphs) -> Vec<Page> {
    Interpreter::new(width)
        .feed(bytes, glyphs)
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
fn write_sample_pngs_when_asked() {
    // `ONEVISIT_RECEIPT_PNG_DIR=docs cargo test -p onevisit-printer write_sample` refreshes docs/.
    let (Ok(dir), Some(glyphs)) = (std::env::var("ONEVISIT_RECEIPT_PNG_DIR"), font()) else {
        return;
    };
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
    let Some(glyphs) = font() else { return };
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
