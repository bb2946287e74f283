//! What supervisors watch: the follow-ups of poor ratings (好差评), and the figures a county
//! reports upward.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::lang::{self, t};
use super::{Ctx, Nav, Problem, WebState, data, html, posting, signed_in};
use crate::accounts::Role;
use crate::workflow;

#[derive(Template)]
#[template(path = "followups.html")]
struct FollowupsPage {
    nav: Option<Nav>,
    en: bool,
    flash: String,
    csrf: String,
    open: Vec<data::FollowupRow>,
    closed: Vec<data::FollowupRow>,
}

fn followups_page(cx: &Ctx, flash: String) -> Result<Response, Problem> {
    if !matches!(cx.s.officer.role, Role::Window | Role::Supervisor) {
        return Err(Problem::forbidden(t(
            "差评整改只对综合窗口和督办人员开放。",
            "Rating follow-ups are for the window and supervisors.",
        )));
    }
    let l = cx.catalog();
    let (cat, cal) = (l.0.as_ref(), l.1.as_ref());
    let page = FollowupsPage {
        open: data::followups(cx.c, cat, cal, cx.today(), true)?,
        closed: data::followups(cx.c, cat, cal, cx.today(), false)?,
        nav: cx.nav("/followups", cat),
        en: lang::en(),
        flash,
        csrf: cx.s.csrf.clone(),
    };
    Ok(html(page.render()))
}

pub async fn followups(
    State(st): State<WebState>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    signed_in(&st, headers, |cx| followups_page(cx, String::new())).await
}

pub async fn close_followup(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    posting(&st, headers, body, "web close-followup", move |cx, form| {
        let o = cx.s.officer.clone();
        let action = form.get("action").unwrap_or_default();
        let n = workflow::close_followup(cx.c, &o, &number, action, cx.now)
            .map_err(super::cases::work_problem)?;
        let flash = format!("{n}: {}", t("差评整改已办结。", "the follow-up is closed."));
        followups_page(cx, flash)
    })
    .await
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    nav: Option<Nav>,
    en: bool,
    flash: String,
    f: data::Figures,
}

pub async fn figures(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    signed_in(&st, headers, |cx| {
        if cx.s.officer.role == Role::Department {
            return Err(Problem::forbidden(t(
                "统计只对综合窗口、督办和管理人员开放。",
                "Figures are for the window, supervisors and administrators.",
            )));
        }
        let l = cx.catalog();
        let (cat, cal) = (l.0.as_ref(), l.1.as_ref());
        let f = data::figures(cx.c, cat, cal, cx.now)?;
        Ok(html(
            FiguresPage {
                nav: cx.nav("/figures", cat),
                en: lang::en(),
                flash: String::new(),
                f,
            }
            .render(),
        ))
    })
    .await
}
