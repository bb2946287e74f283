//! The fleet, for administrators (supervisors may look): every kiosk with its last heartbeat,
//! enrollment codes with their QR codes, and revoking a kiosk.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::lang::{self, t};
use super::{Ctx, Nav, Problem, WebState, data, html, posting, signed_in};
use crate::accounts::Role;

/// A new enrollment code, shown once.
pub struct Enrolled {
    site: String,
    code: String,
    line: String,
    qr_png: String,
}

#[derive(Template)]
#[template(path = "fleet.html")]
struct FleetPage {
    nav: Option<Nav>,
    en: bool,
    flash: String,
    csrf: String,
    devices: Vec<data::DeviceView>,
    may_manage: bool,
    enrolled: Option<Enrolled>,
    default_url: String,
}

fn fleet_page(cx: &Ctx, flash: String, enrolled: Option<Enrolled>) -> Result<Response, Problem> {
    if !matches!(cx.s.officer.role, Role::Admin | Role::Supervisor) {
        return Err(Problem::forbidden(t(
            "终端管理只对管理员和督办人员开放。",
            "Kiosks are for administrators and supervisors.",
        )));
    }
    // Kiosks usually reach the server at the address the officer's browser used.
    let host = cx
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("HOST:8443");
    let page = FleetPage {
        devices: data::fleet(cx.c, cx.now)?,
        may_manage: cx.s.officer.role == Role::Admin,
        nav: cx.nav("/fleet", None),
        en: lang::en(),
        flash,
        csrf: cx.s.csrf.clone(),
        enrolled,
        default_url: format!("https://{host}"),
    };
    Ok(html(page.render()))
}

fn admin_only(cx: &Ctx, what: &'static str) -> Result<(), Problem> {
    if cx.s.officer.role != Role::Admin {
        return Err(Problem::forbidden(what));
    }
    Ok(())
}

pub async fn fleet(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    signed_in(&st, headers, |cx| fleet_page(cx, String::new(), None)).await
}

pub async fn enroll(
    State(st): State<WebState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    posting(&st, headers, body, "web enroll-code", |cx, form| {
        admin_only(
            cx,
            t(
                "只有管理员可以登记新终端。",
                "Only administrators enroll kiosks.",
            ),
        )?;
        let site = form.get("site").unwrap_or_default().trim().to_owned();
        let url = form.get("url").unwrap_or_default().trim().to_owned();
        if site.is_empty() || !url.starts_with("https://") {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                t("无法生成", "Not made"),
                t(
                    "请填写受理点名称，以及以 https:// 开头的地址。",
                    "Give the site's name and an address starting with https://.",
                ),
            ));
        }
        let keys = crate::keys::Keys::load_or_create(cx.data())?;
        let now = cx.now;
        let code = cx.changing("web enroll-code", &format!("site={site}"), |tx| {
            Ok(crate::admin::enroll_code(tx, &site, now)?)
        })?;
        let line = onevisit_sync::enroll::EnrollPayload {
            central: url,
            code: code.clone(),
            pin: keys.fingerprint()?,
            site: site.clone(),
        }
        .to_line();
        let png = crate::enroll_qr::Qr::new(&line)?.png_bytes()?;
        let enrolled = Enrolled {
            site,
            code,
            line,
            qr_png: onevisit_sync::auth::b64(&png),
        };
        let flash = t(
            "登记码已生成，仅显示这一次。",
            "The code is made; it is shown this once.",
        );
        fleet_page(cx, flash.into(), Some(enrolled))
    })
    .await
}

pub async fn revoke(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    posting(&st, headers, body, "web revoke", move |cx, _| {
        admin_only(
            cx,
            t(
                "只有管理员可以停用终端。",
                "Only administrators revoke kiosks.",
            ),
        )?;
        let now = cx.now;
        cx.changing("web revoke", &format!("device={id}"), |tx| {
            Ok(crate::admin::revoke(tx, &id, now)?)
        })?;
        let flash = format!("{id}: {}", t("终端已停用。", "revoked."));
        fleet_page(cx, flash, None)
    })
    .await
}
