//! After submitting: the case number, the due date, the receipt (as printed, and as a QR
//! code when it could not be), and the rating.

use onevisit_domain::session::{ReceiptState, Screen};
use slint::{Image, SharedString};

use super::super::app::{App, TRACKING_URL};
use super::{Cache, cached_png, qr_image, tr};
use crate::kiosk::window::Kiosk;

pub(super) fn show(app: &App, k: &Kiosk<'_>, cache: &mut Cache) {
    let (s, t) = (&app.session, tr(app.english()));
    if let Some(id) = &s.case_id() {
        k.set_case_number(App::case_number(id).into());
        k.set_due_date(s.due_date().unwrap_or_default().into());
        k.set_qr(qr(cache, id));
    }
    let (status, failed) = match &s.receipt() {
        ReceiptState::NotYet => (SharedString::new(), false),
        ReceiptState::Printing => (t("正在打印回执…", "Printing your receipt…"), false),
        ReceiptState::Printed => (
            t("回执已打印，请取走", "Receipt printed: please take it"),
            false,
        ),
        ReceiptState::Failed(why) => {
            let why = super::in_lang(why, app.english());
            (
                t(
                    &format!("回执未能打印（{why}）"),
                    &format!("The receipt could not be printed ({why})"),
                ),
                true,
            )
        }
    };
    k.set_receipt_status(status);
    k.set_receipt_failed(failed);
    // The preview is decoded only while the receipt screen shows it (3 MB at full size).
    k.set_receipt_preview(if s.screen() == Screen::Receipt {
        app.receipt
            .png
            .as_deref()
            .map(|png| cached_png(&mut cache.receipt, png))
            .unwrap_or_default()
    } else {
        Image::default()
    });
    k.set_rating(s.rating().map_or(0, i32::from));
    k.set_comment(s.comment().into());
}

/// The tracking QR code of a case, made once per case.
fn qr(cache: &mut Cache, case_id: &str) -> Image {
    match &cache.qr {
        Some((id, img)) if id == case_id => img.clone(),
        _ => {
            let img = qr_image(&format!("{TRACKING_URL}{case_id}"));
            cache.qr = Some((case_id.to_owned(), img.clone()));
            img
        }
    }
}
