//! Shows the session's state in the UI: from the app to the `Kiosk` and `Ime` globals, one
//! module per screen. Citizen-facing words come from the catalog and the session in the
//! chosen language; the .slint files translate their own fixed labels.
//!
//! What is costly to derive (the themes' figures and cards, the receipt's QR code, decoded
//! signature and receipt pictures) is kept in a [`Cache`], keyed by what it derives from,
//! and made again only when that changes: most redraws only move a countdown.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use slint::{ComponentHandle, Image, ModelRc, SharedString, VecModel};

use super::app::App;
use crate::kiosk::window::{AppWindow, Ime, Kiosk, Technician, ThemeCard};

mod choose;
mod chrome;
pub use chrome::idle_seconds;
mod done;
mod form;
mod input;
mod my_cases;
mod scan;
mod technician;

/// Derived data kept between redraws, each with the key it was made from.
#[derive(Default)]
pub struct Cache {
    /// The catalog's before/after figures (the catalog does not change while the app runs).
    stats: Option<Rc<onevisit_domain::stats::Stats>>,
    /// The theme cards and categories for (English?, category, search).
    themes: Option<(ThemesKey, ModelRc<ThemeCard>, ModelRc<SharedString>)>,
    /// The receipt's QR code, for a case id.
    qr: Option<(String, Image)>,
    /// Decoded pictures, by a hash of their PNG bytes.
    signature: Option<(u64, Image)>,
    receipt: Option<(u64, Image)>,
}

type ThemesKey = (bool, String, String);

/// Sets every property of the UI's globals (`Kiosk`, `Ime`, `Technician`) from the app's state.
pub fn show(app: &App, w: &AppWindow, now: i64) {
    let k = w.global::<Kiosk>();
    let size = w.window().size();
    k.set_landscape(size.width > size.height);
    let mut cache = app.view_cache.borrow_mut();
    chrome::show(app, &k, now);
    choose::show(app, &k, &mut cache);
    form::show(app, &k);
    scan::show(app, &k, &mut cache);
    done::show(app, &k, &mut cache);
    my_cases::show(app, &k);
    input::show(app, &w.global::<Ime>());
    technician::show(app, &w.global::<Technician>(), now);
}

/// The app's view cache (one per app: a new app, a new catalog).
pub fn new_cache() -> RefCell<Cache> {
    RefCell::new(Cache::default())
}

/// The citizen's half of a message a device gave in both languages ("中文 · English");
/// a message in one language only is shown as it is.
pub(super) fn in_lang(text: &str, en: bool) -> &str {
    match text.split_once(" · ") {
        Some((zh, e)) => {
            if en {
                e
            } else {
                zh
            }
        }
        None => text,
    }
}

/// Picks the citizen's language of a pair.
fn tr(en: bool) -> impl Fn(&str, &str) -> SharedString {
    move |zh, e| if en { e.into() } else { zh.into() }
}

fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::from(Rc::new(VecModel::from(v)))
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// A PNG decoded once and kept while its bytes stay the same.
fn cached_png(slot: &mut Option<(u64, Image)>, png: &[u8]) -> Image {
    let key = hash(png);
    match slot {
        Some((k, img)) if *k == key => img.clone(),
        _ => {
            let img = png_image(png);
            *slot = Some((key, img.clone()));
            img
        }
    }
}

/// A decoded PNG as an RGB image (the receipt preview is gray: RGB costs 3 bytes a pixel
/// where RGBA cost 4, and nothing on a receipt is transparent).
fn png_image(png: &[u8]) -> Image {
    image::load_from_memory(png)
        .map(|i| {
            let rgb = i.into_rgb8();
            let buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
                rgb.as_raw(),
                rgb.width(),
                rgb.height(),
            );
            Image::from_rgb8(buf)
        })
        .unwrap_or_default()
}

fn qr_image(data: &str) -> Image {
    let Some((w, h, bits)) = onevisit_printer::encode::qr_bitmap(data, 4) else {
        return Image::default();
    };
    let row = w.div_ceil(8);
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(w, h);
    for (i, px) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i as u32 % w, i as u32 / w);
        let dark = bits[(y * row + x / 8) as usize] & (0x80 >> (x % 8)) != 0;
        let v = if dark { 0 } else { 255 };
        *px = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    Image::from_rgb8(buf)
}
