//! The one merged form (or the two manual-entry fields), and the field being edited.

use onevisit_domain::session::Screen;
use slint::SharedString;

use super::super::app::App;
use super::super::contract::layout_to_ui;
use super::{model, tr};
use crate::kiosk::window::{FieldRow, Kiosk};

pub(super) fn show(app: &App, k: &Kiosk<'_>) {
    let (s, t) = (&app.session, tr(app.english()));
    let fields: Vec<FieldRow> = if s.screen() == Screen::ManualId {
        [
            ("name", "姓名", "Name"),
            ("id_number", "身份证号码", "ID number"),
        ]
        .iter()
        .map(|(key, zh, e)| FieldRow {
            key: (*key).into(),
            label: t(zh, e),
            value: app
                .editor
                .manual
                .get(*key)
                .cloned()
                .unwrap_or_default()
                .into(),
            error: SharedString::new(),
            prefilled: false,
        })
        .collect()
    } else {
        s.plan()
            .as_ref()
            .map(|p| {
                p.fields
                    .iter()
                    .map(|f| {
                        let value = s.form().get(&f.key).cloned().unwrap_or_default();
                        FieldRow {
                            key: f.key.as_str().into(),
                            label: t(&f.label.zh, &f.label.en),
                            prefilled: f.id_card_field.is_some() && !value.is_empty(),
                            value: value.into(),
                            error: s
                                .field_errors()
                                .get(&f.key)
                                .map(|e| t(e.zh(), e.en()))
                                .unwrap_or_default(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(f) = fields.iter().find(|f| f.key == app.editor.current_field) {
        k.set_editing(f.clone());
    }
    k.set_fields(model(fields));
    k.set_current_field(app.editor.current_field.as_str().into());
    k.set_has_next_field(app.next_empty_field().is_some());
    k.set_digit_extras(app.digit_extras().into());
    k.set_keyboard(layout_to_ui(app.editor.keyboard));
}
