//! Byte-exact ESC/POS output.

use onevisit_printer::doc::{Align, Doc, Element, PaperWidth, QrMode};
use onevisit_printer::encode::{Model, barcode128, encode, qr_native, raster, size};

fn doc(elements: Vec<Element>) -> Doc {
    Doc {
        paper: PaperWidth::Mm58,
        elements,
    }
}

#[test]
fn init_chinese_mode_text_and_cut() {
    let d = doc(vec![
        Element::Text {
            text: "回执".into(),
            width: 2,
            height: 2,
            bold: true,
            align: Align::Center,
        },
        Element::Feed(2),
        Element::Cut,
    ]);
    let expected: Vec<u8> = [
        &[0x1B, 0x40, 0x1C, 0x26][..],         // ESC @, FS &
        &[0x1B, 0x61, 0x01],                   // centre
        &[0x1B, 0x45, 0x01],                   // bold
        &[0x1D, 0x21, 0x11],                   // double width and height
        &[0xBB, 0xD8, 0xD6, 0xB4, 0x0A],       // 回执 in GB18030, LF
        &[0x1D, 0x21, 0x00, 0x1B, 0x45, 0x00], // back to normal
        &[0x1B, 0x64, 0x02],                   // feed 2
        &[0x1D, 0x56, 0x42, 0x03],             // feed and partial cut
    ]
    .concat();
    assert_eq!(encode(&d, Model::default()), expected);
}

#[test]
fn size_byte() {
    assert_eq!(size(1, 1), [0x1D, 0x21, 0x00]);
    assert_eq!(size(2, 1), [0x1D, 0x21, 0x10]);
    assert_eq!(size(1, 3), [0x1D, 0x21, 0x02]);
    assert_eq!(size(9, 0), [0x1D, 0x21, 0x70]);
}

#[test]
fn native_qr_command_sequence() {
    let q = qr_native("AB", 6);
    assert_eq!(
        q,
        [
            &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00][..],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31],
            &[0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, b'A', b'B'],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30],
        ]
        .concat()
    );
}

#[test]
fn raster_header() {
    let r = raster(16, 2, &[0xFF, 0x00, 0x0F, 0xF0]);
    assert_eq!(
        r,
        [
            0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, 0xFF, 0x00, 0x0F, 0xF0
        ]
    );
}

#[test]
fn code128_command() {
    assert_eq!(
        barcode128("YL-1", 80),
        [
            0x1D, 0x68, 80, 0x1D, 0x77, 2, 0x1D, 0x48, 2, 0x1D, 0x6B, 73, 6, b'{', b'B', b'Y',
            b'L', b'-', b'1'
        ]
    );
}

#[test]
fn rule_fills_the_paper() {
    let bytes = encode(&doc(vec![Element::Rule]), Model::default());
    let dashes = bytes.iter().filter(|&&b| b == b'-').count();
    assert_eq!(dashes, 32);
    let bytes = encode(
        &Doc {
            paper: PaperWidth::Mm80,
            elements: vec![Element::Rule],
        },
        Model::default(),
    );
    assert_eq!(bytes.iter().filter(|&&b| b == b'-').count(), 48);
}

#[test]
fn raster_qr_mode_sends_an_image_not_gs_k() {
    let d = doc(vec![Element::Qr {
        data: "https://example.test/t/1".into(),
        module: 4,
    }]);
    let native = encode(&d, Model { qr: QrMode::Native });
    let raster = encode(&d, Model { qr: QrMode::Raster });
    assert!(native.windows(3).any(|w| w == [0x1D, 0x28, 0x6B]));
    assert!(!raster.windows(3).any(|w| w == [0x1D, 0x28, 0x6B]));
    assert!(raster.windows(3).any(|w| w == [0x1D, 0x76, 0x30]));
}
