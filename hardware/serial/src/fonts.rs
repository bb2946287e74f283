//! Finding a CJK font for rendering receipts (simulator, previews, `receipt render`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use onevisit_printer::glyphs::FontGlyphs;

const CANDIDATES: [(&str, u32); 3] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
        0,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
];

/// The kiosk's bundled font file (Noto Sans CJK SC cut to GB 2312 and the general standard
/// characters), where it is installed: `ONEVISIT_FONT_DIR`, `/usr/share/onevisit/fonts`, or
/// the source tree.
pub fn bundled_path() -> Option<PathBuf> {
    let dirs = [
        std::env::var_os("ONEVISIT_FONT_DIR").map(PathBuf::from),
        Some(PathBuf::from("/usr/share/onevisit/fonts")),
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fonts"
        ))),
    ];
    dirs.into_iter()
        .flatten()
        .map(|d| d.join("OneVisitSansSC-Regular.otf"))
        .find(|p| p.is_file())
}

/// The bundled font's bytes (the installed file, mapped once for the program's life).
pub fn bundled_bytes() -> Option<&'static [u8]> {
    mapped(&bundled_path()?).ok()
}

fn bundled() -> Option<FontGlyphs> {
    FontGlyphs::from_static(bundled_bytes()?, 0).ok()
}

/// The font to draw receipts with: `ONEVISIT_RECEIPT_FONT` (face `ONEVISIT_RECEIPT_FONT_INDEX`),
/// else the bundled font with the first installed of Noto Sans CJK SC and WenQuanYi Micro Hei
/// behind it for rarer characters.
pub fn receipt_font() -> Result<FontGlyphs, String> {
    match bundled() {
        // The system font (20 MB) is mapped only if a receipt ever needs a character the
        // bundled font lacks.
        Some(b) if std::env::var_os("ONEVISIT_RECEIPT_FONT").is_none() => {
            Ok(b.with_lazy_fallback(|| system_font().ok()))
        }
        _ => system_font(),
    }
}

fn system_font() -> Result<FontGlyphs, String> {
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
    let bytes = mapped(&path)?;
    FontGlyphs::from_static(bytes, index).map_err(|e| format!("{}: {e}", path.display()))
}

/// A font file mapped once for the life of the program. CJK fonts are 20 MB; reading one into
/// memory for every receipt cost a kiosk that much per copy, where a mapping costs only the
/// pages of the glyphs actually drawn.
fn mapped(path: &std::path::Path) -> Result<&'static [u8], String> {
    static MAPS: OnceLock<Mutex<HashMap<PathBuf, &'static [u8]>>> = OnceLock::new();
    let maps = MAPS.get_or_init(Mutex::default);
    let mut maps = maps.lock().map_err(|_| "font cache poisoned".to_owned())?;
    if let Some(b) = maps.get(path) {
        return Ok(b);
    }
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // SAFETY: a read-only private mapping of an installed font file, which the system does
    // not rewrite while programs use it (package upgrades replace files by rename).
    let map =
        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("{}: {e}", path.display()))?;
    // Glyphs are read here and there: on a cold start this stops the kernel reading ahead
    // 128 KiB from flash for every glyph a receipt touches.
    let _ = map.advise(memmap2::Advice::Random);
    let bytes: &'static [u8] = Box::leak(Box::new(map));
    maps.insert(path.to_owned(), bytes);
    Ok(bytes)
}
