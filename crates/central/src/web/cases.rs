//! The cases: the window's inbox, a department's tasks, one case, and every decision on it.
//! Each decision goes through [`crate::workflow`] and answers with a redirect to the case.

use crate::sql::{Conn, OptionalExtension};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::lang::{self, t};
use super::{Ctx, Nav, Problem, WebState, data, html, posting, signed_in};
use crate::accounts::Role;
use crate::workflow::{self, WorkError};

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    nav: Option<Nav>,
    en: bool,
    flash: String,
    inbox: data::Inbox,
    theme: String,
}

#[derive(serde::Deserialize)]
pub struct InboxQuery {
    theme: Option<String>,
    page: Option<i64>,
}

pub async fn inbox(
    State(st): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<InboxQuery>,
) -> Result<Response, Problem> {
    signed_in(&st, headers, move |cx| {
        if !matches!(cx.s.officer.role, Role::Window | Role::Supervisor) {
            return Err(Problem::forbidden(t(
                "收件箱只对综合窗口和督办人员开放。",
                "The inbox is for the window and supervisors.",
            )));
        }
        let l = cx.catalog();
        let (cat, cal) = (l.0.as_ref(), l.1.as_ref());
        let theme = q.theme.unwrap_or_default();
        let inbox = data::inbox(
            cx.c,
            cat,
            cal,
            Some(&theme),
            q.page.unwrap_or(1),
            cx.today(),
        )?;
        Ok(html(
            InboxPage {
                nav: cx.nav("/inbox", cat),
                en: lang::en(),
                flash: String::new(),
                inbox,
                theme,
            }
            .render(),
        ))
    })
    .await
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    nav: Option<Nav>,
    en: bool,
    flash: String,
    department: String,
    tasks: Vec<data::TaskRow>,
}

pub async fn tasks(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    signed_in(&st, headers, |cx| {
        if cx.s.officer.role != Role::Department {
            return Err(Problem::forbidden(t(
                "待办事项只对部门审批人员开放。",
                "Tasks are for department reviewers.",
            )));
        }
        let l = cx.catalog();
        let (cat, cal) = (l.0.as_ref(), l.1.as_ref());
        let tasks = data::department_tasks(cx.c, &cx.s.officer, cat, cal, cx.today())?;
        let nav = cx.nav("/tasks", cat);
        Ok(html(
            TasksPage {
                department: nav
                    .as_ref()
                    .map(|n| n.department.clone())
                    .unwrap_or_default(),
                nav,
                en: lang::en(),
                flash: String::new(),
                tasks,
            }
            .render(),
        ))
    })
    .await
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    nav: Option<Nav>,
    en: bool,
    flash: String,
    csrf: String,
    c: data::CaseView,
    window_may_decide: bool,
    window_may_schedule: bool,
}

#[derive(serde::Deserialize)]
pub struct CaseQuery {
    done: Option<String>,
}

/// Renders a case for the signed-in officer, or refuses (and audits) a department reviewer's
/// look at a case that is not theirs. `reveal` shows the citizen in full (audited).
fn render_case(
    cx: &mut Ctx,
    number: &str,
    reveal: bool,
    flash: String,
) -> Result<Response, Problem> {
    let l = cx.catalog();
    let (cat, cal) = (l.0.as_ref(), l.1.as_ref());
    let Some(view) = data::case_view(cx.c, &cx.s.officer, number, cat, cal, cx.today(), reveal)?
    else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            t("没有这个办件", "No such case"),
            format!(
                "{number}: {}",
                t(
                    "办件不存在，或尚未上传完毕。",
                    "no such case, or it has not finished arriving."
                )
            ),
        ));
    };
    if !data::may_open(cx.c, &cx.s.officer, &view.id)? {
        cx.audit("web open-case", &view.number, "refused")?;
        return Err(Problem::forbidden(t(
            "这个办件没有本部门的事项。",
            "This case has no item of your department.",
        )));
    }
    if reveal {
        cx.audit("web reveal", &view.number, "ok")?;
    }
    let role = cx.s.officer.role;
    let page = CasePage {
        window_may_decide: role == Role::Window
            && matches!(view.stage.as_str(), "new" | "correction"),
        window_may_schedule: role == Role::Window
            && view.stage == "accepted"
            && view.needs_inspection
            && !view.inspection.as_ref().is_some_and(|i| i.recorded),
        nav: cx.nav("", cat),
        en: lang::en(),
        flash,
        csrf: cx.s.csrf.clone(),
        c: view,
    };
    Ok(html(page.render()))
}

fn flash_of(done: Option<&str>) -> String {
    match done {
        Some("accept") => t(
            "已受理：各事项已分送部门并联审批。",
            "Accepted: each item went to its department, to be decided in parallel.",
        ),
        Some("correct") => t(
            "已一次性告知补正内容，申请人将在终端“我的办件”中看到。",
            "The corrections were asked for; the applicant sees them under “my cases” at the kiosk.",
        ),
        Some("refuse") => t("已作出不予受理决定。", "Refused."),
        Some("inspection") => t(
            "联合现场核查已预约，各参加部门可见。",
            "The joint inspection is booked; every department taking part sees it.",
        ),
        Some("inspected") => t(
            "核查结论已记录，所有需要核查的事项共用这一结论。",
            "The conclusion is recorded, for every item that needed the inspection.",
        ),
        Some("decided") => t("审批意见已记录。", "The decision is recorded."),
        Some("together") => t(
            "全部事项已办结：结果已一并告知申请人。",
            "Every item is decided: the applicant has been told all the results at once.",
        ),
        _ => "",
    }
    .to_owned()
}

pub async fn case_page(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, Problem> {
    signed_in(&st, headers, move |cx| {
        render_case(cx, &number, false, flash_of(q.done.as_deref()))
    })
    .await
}

pub async fn reveal(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    posting(&st, headers, body, "web reveal", move |cx, _| {
        let flash = t(
            "已显示完整身份信息；此次查看已记入审计日志。",
            "Shown in full; this look is recorded in the audit log.",
        )
        .to_owned();
        render_case(cx, &number, true, flash)
    })
    .await
}

pub async fn attachment(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path((number, idx)): Path<(String, u32)>,
) -> Result<Response, Problem> {
    signed_in(&st, headers, move |cx| {
        let Some((case_id, number)) = data::attachment(cx.c, &number, idx)? else {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                t("没有这份扫描件", "No such scan"),
                t(
                    "办件或扫描件不存在。",
                    "The case or the scan does not exist.",
                ),
            ));
        };
        let what = format!("{number} #{idx}");
        if !data::may_open(cx.c, &cx.s.officer, &case_id)? {
            cx.audit("web view-scan", &what, "refused")?;
            return Err(Problem::forbidden(t(
                "这个办件没有本部门的事项。",
                "This case has no item of your department.",
            )));
        }
        let bytes = cx
            .blobs()
            .read(&case_id, idx)
            .map_err(|e| Problem::internal(format!("case {number}, scan {idx}: {e}")))?
            .unwrap_or_default();
        cx.audit("web view-scan", &what, "ok")?;
        let kind = if bytes.starts_with(b"%PDF") {
            "application/pdf"
        } else if bytes.starts_with(b"\x89PNG") {
            "image/png"
        } else if bytes.starts_with(b"\xff\xd8") {
            "image/jpeg"
        } else {
            "application/octet-stream"
        };
        Ok((
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CONTENT_DISPOSITION, "inline"),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

/// What a workflow refusal says, in the officer's language.
fn work_words(e: &WorkError) -> String {
    if lang::en() {
        return e.to_string();
    }
    match e {
        WorkError::NoCase(c) => format!("没有办件 {c}"),
        WorkError::NoTask(n) => format!("没有事项 {n}"),
        WorkError::NotArrived => "办件尚未上传完毕（扫描件仍在上传）".to_owned(),
        WorkError::NotAllowed(who) => format!("只有{}可以这样做", allowed_zh(who)),
        WorkError::Stage(s) => {
            let now = match s.as_str() {
                "inspected" => "已核查",
                "followed up already" => "整改已办结",
                "not rated poorly" => "不是差评",
                "failed its inspection" => "核查不合格",
                "waiting" | "approved" | "refused" => "已有审批意见",
                other => data::stage_label(other),
            };
            format!("办件当前：{now}，不能这样办理")
        }
        WorkError::Missing(what) => missing_zh(what).to_owned(),
        WorkError::InspectionFirst => "须先记录联合现场核查结论，才能准予这一事项".to_owned(),
        WorkError::NoInspection => "本办件没有需要现场核查的事项".to_owned(),
        WorkError::Db(_) => "数据库出错".to_owned(),
    }
}

fn allowed_zh(who: &str) -> &'static str {
    match who {
        w if w.contains("window or a supervisor") => "综合窗口或督办人员",
        w if w.contains("window") => "综合窗口",
        w if w.contains("inspects") => "参加核查的部门",
        _ => "该事项所属部门的审批人员",
    }
}

fn missing_zh(what: &str) -> &'static str {
    match what {
        w if w.contains("approval items") => "办件没有审批事项：请先发布包含该主题的事项目录",
        w if w.contains("which materials") => "请选择需要补正的材料或内容",
        w if w.contains("why they") => "请写明补正原因",
        w if w.contains("legal reason") => "不予受理须写明法律依据和理由（申请人会看到）",
        w if w.contains("when the inspection") => "请填写核查时间",
        w if w.contains("conclusion") => "请填写核查结论",
        w if w.contains("not scheduled") => "综合窗口尚未预约联合核查",
        w if w.contains("refusal needs a note") => "不予许可须写明意见（申请人会看到）",
        w if w.contains("what was done") => "请写明处理结果",
        _ => "信息不完整",
    }
}

/// A workflow refusal as the officer reads it.
pub(super) fn work_problem(e: WorkError) -> Problem {
    match e {
        WorkError::Db(d) => Problem::internal(d),
        WorkError::NotAllowed(_) => Problem::forbidden(work_words(&e)),
        WorkError::NoCase(_) | WorkError::NoTask(_) => Problem::new(
            StatusCode::NOT_FOUND,
            t("找不到", "Not found"),
            work_words(&e),
        ),
        _ => Problem::new(
            StatusCode::CONFLICT,
            t("无法办理", "Cannot be done"),
            work_words(&e),
        ),
    }
}

/// Back to the case, saying what was done.
fn to_case(number: &str, done: &str) -> Response {
    Redirect::to(&format!("/cases/{number}?done={done}")).into_response()
}

fn manifest(c: &Conn, number: &str) -> Result<Option<onevisit_sync::proto::CaseManifest>, Problem> {
    let m: Option<String> = c
        .query_row(
            "SELECT manifest FROM cases WHERE id = ?1 OR number = ?1",
            [number],
            |r| r.get(0),
        )
        .optional()?;
    Ok(m.and_then(|m| serde_json::from_str(&m).ok()))
}

/// The window's decisions: accept, corrections, refusal, the joint inspection's appointment.
pub async fn case_action(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path((number, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Problem> {
    let what = format!("web {action}");
    posting(&st, headers, body, what, move |cx, form| {
        let (o, now) = (cx.s.officer.clone(), cx.now);
        let field = |k| form.get(k).unwrap_or_default();
        let r = match action.as_str() {
            "accept" => {
                let l = cx.catalog();
                let items = manifest(cx.c, &number)?
                    .map(|m| data::items_of(l.0.as_ref(), &m))
                    .unwrap_or_default();
                workflow::accept(cx.c, &o, &number, &items, l.1.as_ref(), cx.today(), now)
            }
            "correct" => {
                workflow::ask_correction(cx.c, &o, &number, &form.all("what"), field("why"), now)
            }
            "refuse" => workflow::refuse(cx.c, &o, &number, field("reason"), now),
            "inspection" => {
                let when = field("when").replace('T', " ");
                workflow::schedule_inspection(cx.c, &o, &number, &when, now)
            }
            _ => {
                return Err(Problem::new(
                    StatusCode::NOT_FOUND,
                    t("没有这个操作", "No such action"),
                    action,
                ));
            }
        };
        Ok(to_case(&r.map_err(work_problem)?, &action))
    })
    .await
}

pub async fn record_inspection(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    posting(
        &st,
        headers,
        body,
        "web record-inspection",
        move |cx, form| {
            let passed = form.get("passed") == Some("yes");
            let conclusion = form.get("conclusion").unwrap_or_default();
            let o = cx.s.officer.clone();
            let n = workflow::record_inspection(cx.c, &o, &number, passed, conclusion, cx.now)
                .map_err(work_problem)?;
            Ok(to_case(&n, "inspected"))
        },
    )
    .await
}

pub async fn decide_task(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, Problem> {
    posting(&st, headers, body, "web decide", move |cx, form| {
        let approve = form.get("decision") == Some("approve");
        let note = form.get("note").unwrap_or_default();
        let o = cx.s.officer.clone();
        let d = workflow::decide_task(cx.c, &o, id, approve, note, cx.now).map_err(work_problem)?;
        if d.case_done {
            let result = d.result.as_deref().unwrap_or("");
            crate::notify::results_together(cx.data(), cx.c, &d.number, result, cx.now);
        }
        Ok(to_case(
            &d.number,
            if d.case_done { "together" } else { "decided" },
        ))
    })
    .await
}
