//! The on-screen keyboard's input method: candidates, the pinyin being composed, the
//! handwriting pad's ink, the field's common words and the date picker.

use slint::SharedString;

use super::super::app::App;
use super::super::contract::Layout;
use super::model;
use crate::kiosk::window::Ime;

pub(super) fn show(app: &App, ime: &Ime<'_>) {
    let en = app.english();
    let t = |zh: &str, e: &str| -> SharedString { if en { e.into() } else { zh.into() } };
    let input = &app.editor.input;
    let chinese = app.chinese_field(&app.editor.current_field);
    let pinyin_ok = input.pinyin_error.is_none();
    let hand_ok = input.handwriting_error.is_none();
    ime.set_chinese(chinese);
    ime.set_pinyin_ok(pinyin_ok);
    ime.set_handwriting_ok(hand_ok);
    ime.set_notice(match (chinese, pinyin_ok, hand_ok) {
        (false, _, _) | (true, true, true) => SharedString::new(),
        (true, false, true) => t(
            "拼音输入暂不可用，请用手写输入。",
            "Pinyin input is not available on this kiosk: please write the characters instead.",
        ),
        (true, true, false) => t(
            "手写输入暂不可用，请用拼音输入。",
            "Handwriting is not available on this kiosk: please type pinyin instead.",
        ),
        (true, false, false) => t(
            "中文输入暂不可用，请请工作人员协助填写。",
            "Chinese input is not available on this kiosk: please ask the staff to help.",
        ),
    });
    let handwriting = app.editor.keyboard == Layout::Handwriting;
    let candidates = if handwriting {
        &input.written
    } else {
        &input.view.candidates
    };
    ime.set_candidates(model(candidates.iter().map(SharedString::from).collect()));
    ime.set_preedit(if handwriting {
        SharedString::new()
    } else {
        input.view.preedit.as_str().into()
    });
    ime.set_has_prev(!handwriting && input.view.has_prev);
    ime.set_has_next(!handwriting && input.view.has_next);
    let words: Vec<SharedString> = app
        .session
        .plan()
        .as_ref()
        .and_then(|p| p.fields.iter().find(|f| f.key == app.editor.current_field))
        .map(|f| f.suggest.iter().map(SharedString::from).collect())
        .unwrap_or_default();
    ime.set_words(model(words));
    ime.set_ink(input.ink().into());
    ime.set_date(
        app.date_value()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
            .into(),
    );
}
