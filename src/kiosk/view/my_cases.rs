//! "My cases": the cases committed here for the card on the reader, with their status.

use super::super::app::App;
use super::{model, tr};
use crate::kiosk::window::{CaseRow, Kiosk};

pub(super) fn show(app: &App, k: &Kiosk<'_>) {
    let (s, en) = (&app.session, app.english());
    let t = tr(en);
    k.set_cases_loaded(s.my_cases().is_some());
    k.set_my_cases(model(
        s.my_cases()
            .unwrap_or_default()
            .iter()
            .map(|c| {
                let title = app
                    .catalog
                    .theme(&c.theme)
                    .map(|th| t(&th.name.zh, &th.name.en))
                    .unwrap_or_else(|| c.theme.as_str().into());
                let status = match c
                    .status
                    .as_deref()
                    .and_then(onevisit_sync::proto::CaseStatus::parse)
                {
                    Some(st) if !en => st.zh().into(),
                    Some(st) => st.as_str().replace('_', " ").into(),
                    None => t("已提交，等待上传", "submitted, waiting to be sent"),
                };
                CaseRow {
                    case_id: c.case_id.as_str().into(),
                    title,
                    number: onevisit_domain::case_number::shown(&c.case_id, c.number.as_deref())
                        .into(),
                    status,
                    reason: c.reason.clone().unwrap_or_default().into(),
                    date: chrono::DateTime::from_timestamp_millis(c.submitted_at)
                        .map(|d| {
                            d.with_timezone(&chrono::Local)
                                .format("%Y-%m-%d")
                                .to_string()
                        })
                        .unwrap_or_default()
                        .into(),
                    owed: c
                        .owed
                        .iter()
                        .map(|(name, due)| {
                            if en {
                                format!("{name} (by {due})")
                            } else {
                                format!("{name}（{due} 前）")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(if en { "; " } else { "；" })
                        .into(),
                }
            })
            .collect(),
    ));
}
