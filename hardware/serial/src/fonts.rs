//! Finding a CJK font for rendering receipts (simulator, previews, `receipt render`).

use std::path::PathBuf;

use onevisit_printer::glyphs::FontGlyphs;

const CANDIDATES: [(&str, u32); 3] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
        0,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
];

/// The font to draw receipts with: `ONEVISIT_RECEIPT_FONT` (face `ONEVISIT_RECEIPT_FONT_INDEX`),
/// else the first installed of Noto Sans CJK SC and WenQuanYi Micro Hei.
pub fn receipt_font() -> Result<FontGlyphs, String> {
    let (path, index) = match std::env::var_os("ONEVISIT_RECEIPT_FONT") {
        Some(p) => {
            let index = std::env::var("ONEVISIT_RECEIPT_FONT_INDEX")
                .ok()
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            (PathBuf::from(p), index)
        }
        None => CANDIDATES
            .iter()
            .map(|(p, i)| (PathBuf::from(p), *i))
            .find(|(p, _)| p.is_file())
            .ok_or_else(|| {
                "no CJK font to draw receipts with: install fonts-noto-cjk (make setup) or set ONEVISIT_RECEIPT_FONT".to_owned()
            })?,
    };
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    FontGlyphs::from_bytes(bytes, index).map_err(|e| format!("{}: {e}", path.display()))
}
