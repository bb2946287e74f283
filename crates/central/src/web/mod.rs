//! The officers' workbench: server-rendered pages (Askama templates, checked when the server
//! is compiled) at `/`, beside the kiosk API under `/v1`, on the same listener and TLS.
//!
//! No JavaScript: every action is a form post carrying the session's CSRF token, answered with
//! a redirect (so a reload never posts twice). Each action goes through [`crate::workflow`],
//! which checks who may do it and writes the change and its audit row in one transaction.

pub mod data;
pub mod session;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use onevisit_domain::{Calendar, Catalog};
use rusqlite::Connection;

use crate::accounts::{self, Officer, Role};
use crate::workflow::{self, WorkError};
use session::{LOGIN_COOKIE, SESSION_COOKIE, Session};

/// What the pages need: the data folder (a connection per request, in a blocking thread), the
/// clock, and the published catalog, parsed once per version.
#[derive(Clone)]
pub struct WebState {
    pub data: PathBuf,
    pub now: fn() -> i64,
    pub catalogs: Arc<CatalogCache>,
}

impl WebState {
    pub fn new(data: PathBuf, now: fn() -> i64) -> WebState {
        WebState {
            data,
            now,
            catalogs: Arc::default(),
        }
    }
}

/// The latest published catalog and its calendar, kept while it stays the latest.
type Loaded = Arc<(Option<Catalog>, Option<Calendar>)>;

#[derive(Default)]
pub struct CatalogCache(Mutex<Option<(u64, Loaded)>>);

impl CatalogCache {
    fn get(&self, conn: &Connection, data: &std::path::Path) -> Loaded {
        let version = crate::catalog::latest(conn).unwrap_or(0);
        if let Ok(g) = self.0.lock()
            && let Some((v, l)) = g.as_ref()
            && *v == version
        {
            return l.clone();
        }
        let loaded = match crate::catalog::current(conn, data) {
            Ok(Some((c, cal))) => (Some(c), cal),
            Ok(None) => (None, None),
            Err(e) => {
                tracing::warn!("workbench: no catalog to plan cases with: {e:#}");
                (None, None)
            }
        };
        let loaded = Arc::new(loaded);
        if let Ok(mut g) = self.0.lock() {
            *g = Some((version, loaded.clone()));
        }
        loaded
    }
}

pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/inbox", get(inbox))
        .route("/tasks", get(tasks))
        .route("/fleet", get(fleet))
        .route("/fleet/{action}", post(fleet_action))
        .route("/fleet/{id}/revoke", post(revoke))
        .route("/cases/{number}", get(case_page))
        .route("/cases/{number}/reveal", post(reveal))
        .route("/cases/{number}/attachments/{idx}", get(attachment))
        .route("/cases/{number}/{action}", post(case_action))
        .route("/cases/{number}/inspection/record", post(record_inspection))
        .route("/tasks/{id}/decide", post(decide_task))
        .route("/followups", get(followups))
        .route("/figures", get(figures))
        .route("/followups/{number}/close", post(close_followup))
        .route("/static/workbench.css", get(css))
        .with_state(state)
}

/// A page's failure, shown as a page.
pub struct Problem {
    status: StatusCode,
    title: &'static str,
    detail: String,
}

impl Problem {
    fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            title,
            detail: detail.into(),
        }
    }

    fn internal(e: impl std::fmt::Display) -> Problem {
        tracing::error!("workbench: {e}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "系统出错",
            "请稍后再试；问题持续请联系系统管理员（详情在服务器日志中）。",
        )
    }

    fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "无权访问", detail)
    }
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Self {
        Problem::internal(e)
    }
}

impl From<anyhow::Error> for Problem {
    fn from(e: anyhow::Error) -> Self {
        Problem::internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Option<Nav>,
    flash: String,
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            nav: None,
            flash: String::new(),
            title: self.title,
            detail: &self.detail,
        };
        (self.status, html(page.render())).into_response()
    }
}

fn html(r: askama::Result<String>) -> Response {
    match r {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            body,
        )
            .into_response(),
        Err(e) => Problem::internal(e).into_response(),
    }
}

/// The header's links and who is signed in.
pub struct Nav {
    name: String,
    role: &'static str,
    department: String,
    csrf: String,
    links: Vec<(&'static str, &'static str, bool)>,
}

fn nav(s: &Session, here: &str, catalog: Option<&Catalog>) -> Nav {
    let o = &s.officer;
    let mut links = Vec::new();
    if matches!(o.role, Role::Window | Role::Supervisor) {
        links.push(("/inbox", "收件箱"));
        links.push(("/followups", "好差评整改"));
    }
    if o.role == Role::Department {
        links.push(("/tasks", "本部门待办"));
    }
    if matches!(o.role, Role::Admin | Role::Supervisor) {
        links.push(("/fleet", "自助终端"));
    }
    if matches!(o.role, Role::Window | Role::Supervisor | Role::Admin) {
        links.push(("/figures", "统计"));
    }
    Nav {
        name: o.name.clone(),
        role: o.role.zh(),
        department: o
            .department
            .as_deref()
            .map(|d| data::department_name(catalog, d))
            .unwrap_or_default(),
        csrf: s.csrf.clone(),
        links: links.into_iter().map(|(h, l)| (h, l, h == here)).collect(),
    }
}

fn open(data: &std::path::Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(data.join("central.db"))?;
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    Ok(c)
}

/// Runs `f` with a connection on a blocking thread.
async fn with_db<R: Send + 'static>(
    st: &WebState,
    f: impl FnOnce(&mut Connection) -> Result<R, Problem> + Send + 'static,
) -> Result<R, Problem> {
    let data = st.data.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = open(&data)?;
        f(&mut c)
    })
    .await
    .map_err(Problem::internal)?
}

fn today(now: i64) -> NaiveDate {
    data::local_date(now)
}

/// The session of a request, or a redirect to the login page.
fn session(conn: &Connection, headers: &HeaderMap, now: i64) -> Result<Option<Session>, Problem> {
    let Some(token) = session::cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(
        accounts::session(conn, token, now)?.map(|(officer, csrf)| Session {
            officer,
            csrf,
            token: token.to_owned(),
        }),
    )
}

fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

/// A parsed `application/x-www-form-urlencoded` body (repeated names kept in order).
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        let text = String::from_utf8_lossy(body);
        Form(
            text.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A signed-in officer's post: the session, and its CSRF token checked. A post without the
/// right token is refused and audited.
fn posted(
    conn: &mut Connection,
    headers: &HeaderMap,
    form: &Form,
    now: i64,
    what: &str,
) -> Result<Result<Session, Response>, Problem> {
    let Some(s) = session(conn, headers, now)? else {
        return Ok(Err(to_login()));
    };
    if !s.csrf_ok(form.get("csrf")) {
        crate::audit::record(
            conn,
            &s.officer.name,
            what,
            "csrf token missing or wrong",
            "refused",
            now,
        )?;
        return Ok(Err(Problem::forbidden(
            "表单已过期或来源不明（缺少有效的 CSRF 令牌）。请回到页面重新操作。",
        )
        .into_response()));
    }
    Ok(Ok(s))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../templates/workbench.css"),
    )
}

async fn home(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    let now = (st.now)();
    with_db(&st, move |c| {
        Ok(match session(c, &headers, now)? {
            None => to_login(),
            Some(s) => Redirect::to(match s.officer.role {
                Role::Window | Role::Supervisor => "/inbox",
                Role::Department => "/tasks",
                Role::Admin => "/fleet",
            })
            .into_response(),
        })
    })
    .await
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    flash: String,
    csrf: String,
    error: String,
}

fn login_form(error: &str, status: StatusCode) -> Response {
    let csrf = onevisit_sync::hex(&onevisit_sync::random_bytes::<16>());
    let page = LoginPage {
        nav: None,
        flash: String::new(),
        csrf: csrf.clone(),
        error: error.to_owned(),
    };
    let mut r = html(page.render());
    *r.status_mut() = status;
    r.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(LOGIN_COOKIE, &csrf, 3600),
    );
    r
}

async fn login_page() -> Response {
    login_form("", StatusCode::OK)
}

async fn login(
    State(st): State<WebState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let form = Form::parse(&body);
    let cookie = session::cookie(&headers, LOGIN_COOKIE)
        .unwrap_or_default()
        .to_owned();
    if cookie.is_empty()
        || !session::same(
            form.get("csrf").unwrap_or_default().as_bytes(),
            cookie.as_bytes(),
        )
    {
        return Ok(login_form(
            "登录页已过期，请重新输入。",
            StatusCode::FORBIDDEN,
        ));
    }
    let name = form.get("username").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let code = form.get("totp").map(str::to_owned);
    with_db(&st, move |c| {
        match accounts::login(c, &name, &password, code.as_deref(), now) {
            Ok(officer) => {
                let s = accounts::start_session(c, &officer, now)?;
                crate::audit::record(c, &officer.name, "web login", "", "ok", now)?;
                let mut r = Redirect::to("/").into_response();
                r.headers_mut().append(
                    header::SET_COOKIE,
                    session::set_cookie(SESSION_COOKIE, &s.token, accounts::SESSION_MS / 1000),
                );
                r.headers_mut()
                    .append(header::SET_COOKIE, session::set_cookie(LOGIN_COOKIE, "", 0));
                Ok(r)
            }
            Err(accounts::LoginError::Db(e)) => Err(Problem::internal(e)),
            Err(e) => {
                crate::audit::record(c, name.trim(), "web login", "", "refused", now)?;
                let msg = match e {
                    accounts::LoginError::Locked { until_ms } => {
                        format!(
                            "连续输错次数过多，账号已暂时锁定，请于 {} 后再试。",
                            data::local(until_ms)
                        )
                    }
                    accounts::LoginError::Disabled => "该账号已停用，请联系管理员。".to_owned(),
                    _ => "用户名、密码或动态口令不正确。".to_owned(),
                };
                Ok(login_form(&msg, StatusCode::UNAUTHORIZED))
            }
        }
    })
    .await
}

async fn logout(
    State(st): State<WebState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let form = Form::parse(&body);
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, "web logout")? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        accounts::end_session(c, &s.token)?;
        let mut r = Redirect::to("/login").into_response();
        r.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(SESSION_COOKIE, "", 0),
        );
        Ok(r)
    })
    .await
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    nav: Option<Nav>,
    flash: String,
    inbox: data::Inbox,
    theme: String,
}

#[derive(serde::Deserialize)]
struct InboxQuery {
    theme: Option<String>,
    page: Option<i64>,
}

async fn inbox(
    State(st): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<InboxQuery>,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    with_db(&st, move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        if !matches!(s.officer.role, Role::Window | Role::Supervisor) {
            return Err(Problem::forbidden("收件箱只对综合窗口和督办人员开放。"));
        }
        let loaded = cache.get(c, &data_dir);
        let (cat, cal) = (loaded.0.as_ref(), loaded.1.as_ref());
        let theme = q.theme.unwrap_or_default();
        let inbox = data::inbox(c, cat, cal, Some(&theme), q.page.unwrap_or(1), today(now))?;
        Ok(html(
            InboxPage {
                nav: Some(nav(&s, "/inbox", cat)),
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
    flash: String,
    department: String,
    tasks: Vec<data::TaskRow>,
}

async fn tasks(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    with_db(&st, move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        if s.officer.role != Role::Department {
            return Err(Problem::forbidden("待办事项只对部门审批人员开放。"));
        }
        let loaded = cache.get(c, &data_dir);
        let (cat, cal) = (loaded.0.as_ref(), loaded.1.as_ref());
        let tasks = data::department_tasks(c, &s.officer, cat, cal, today(now))?;
        let nav = nav(&s, "/tasks", cat);
        Ok(html(
            TasksPage {
                department: nav.department.clone(),
                nav: Some(nav),
                flash: String::new(),
                tasks,
            }
            .render(),
        ))
    })
    .await
}

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
    flash: String,
    csrf: String,
    devices: Vec<data::DeviceView>,
    may_manage: bool,
    enrolled: Option<Enrolled>,
    default_url: String,
}

fn fleet_page(
    c: &Connection,
    s: &Session,
    headers: &HeaderMap,
    flash: String,
    enrolled: Option<Enrolled>,
    now: i64,
) -> Result<Response, Problem> {
    if !matches!(s.officer.role, Role::Admin | Role::Supervisor) {
        return Err(Problem::forbidden("终端管理只对管理员和督办人员开放。"));
    }
    // Kiosks usually reach the server at the address the officer's browser used.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("HOST:8443");
    let page = FleetPage {
        devices: data::fleet(c, now)?,
        may_manage: s.officer.role == Role::Admin,
        nav: Some(nav(s, "/fleet", None)),
        flash,
        csrf: s.csrf.clone(),
        enrolled,
        default_url: format!("https://{host}"),
    };
    Ok(html(page.render()))
}

async fn fleet(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    let now = (st.now)();
    with_db(&st, move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        fleet_page(c, &s, &headers, String::new(), None, now)
    })
    .await
}

async fn fleet_action(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(action): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let form = Form::parse(&body);
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, "web enroll-code")? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        if s.officer.role != Role::Admin || action != "enroll" {
            return Err(Problem::forbidden("只有管理员可以登记新终端。"));
        }
        let site = form.get("site").unwrap_or_default().trim().to_owned();
        let url = form.get("url").unwrap_or_default().trim().to_owned();
        if site.is_empty() || !url.starts_with("https://") {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "无法生成",
                "请填写受理点名称，以及以 https:// 开头的地址。",
            ));
        }
        let keys = crate::keys::Keys::load_or_create(&data_dir)?;
        let code = crate::admin::enroll_code(c, &site, now)?;
        let line = onevisit_sync::enroll::EnrollPayload {
            central: url,
            code: code.clone(),
            pin: keys.fingerprint()?,
            site: site.clone(),
        }
        .to_line();
        let png = crate::enroll_qr::Qr::new(&line)?.png_bytes()?;
        crate::audit::record(
            c,
            &s.officer.name,
            "web enroll-code",
            &format!("site={site}"),
            "ok",
            now,
        )?;
        let enrolled = Enrolled {
            site,
            code,
            line,
            qr_png: onevisit_sync::auth::b64(&png),
        };
        fleet_page(
            c,
            &s,
            &headers,
            "登记码已生成，仅显示这一次。".into(),
            Some(enrolled),
            now,
        )
    })
    .await
}

async fn revoke(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let form = Form::parse(&body);
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, "web revoke")? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        if s.officer.role != Role::Admin {
            return Err(Problem::forbidden("只有管理员可以停用终端。"));
        }
        crate::admin::revoke(c, &id, now)?;
        crate::audit::record(
            c,
            &s.officer.name,
            "web revoke",
            &format!("device={id}"),
            "ok",
            now,
        )?;
        fleet_page(c, &s, &headers, format!("终端 {id} 已停用。"), None, now)
    })
    .await
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    nav: Option<Nav>,
    flash: String,
    csrf: String,
    c: data::CaseView,
    window_may_decide: bool,
    window_may_schedule: bool,
}

#[derive(serde::Deserialize)]
struct CaseQuery {
    done: Option<String>,
}

/// Renders a case for `who`, or refuses (and audits) a department reviewer's look at a case
/// that is not theirs.
#[allow(clippy::too_many_arguments)]
fn render_case(
    c: &mut Connection,
    data_dir: &std::path::Path,
    cache: &CatalogCache,
    s: &Session,
    number: &str,
    reveal: bool,
    flash: String,
    now: i64,
) -> Result<Response, Problem> {
    let loaded = cache.get(c, data_dir);
    let (cat, cal) = (loaded.0.as_ref(), loaded.1.as_ref());
    let Some(view) = data::case_view(c, &s.officer, number, cat, cal, today(now), reveal)? else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "没有这个办件",
            format!("办件 {number} 不存在，或尚未上传完毕。"),
        ));
    };
    if !data::may_open(c, &s.officer, &view.id)? {
        crate::audit::record(
            c,
            &s.officer.name,
            "web open-case",
            &view.number,
            "refused",
            now,
        )?;
        return Err(Problem::forbidden("这个办件没有本部门的事项。"));
    }
    if reveal {
        crate::audit::record(c, &s.officer.name, "web reveal", &view.number, "ok", now)?;
    }
    let o = &s.officer;
    let page = CasePage {
        window_may_decide: o.role == Role::Window
            && matches!(view.stage.as_str(), "new" | "correction"),
        window_may_schedule: o.role == Role::Window
            && view.stage == "accepted"
            && view.needs_inspection
            && !view.inspection.as_ref().is_some_and(|i| i.recorded),
        nav: Some(nav(s, "", cat)),
        flash,
        csrf: s.csrf.clone(),
        c: view,
    };
    Ok(html(page.render()))
}

fn flash_of(done: Option<&str>) -> String {
    match done {
        Some("accept") => "已受理：各事项已分送部门并联审批。",
        Some("correct") => "已一次性告知补正内容，申请人将在终端“我的办件”中看到。",
        Some("refuse") => "已作出不予受理决定。",
        Some("inspection") => "联合现场核查已预约，各参加部门可见。",
        Some("inspected") => "核查结论已记录，所有需要核查的事项共用这一结论。",
        Some("decided") => "审批意见已记录。",
        Some("together") => "全部事项已办结：结果已一并告知申请人。",
        _ => "",
    }
    .to_owned()
}

async fn case_page(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    with_db(&st, move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        render_case(
            c,
            &data_dir,
            &cache,
            &s,
            &number,
            false,
            flash_of(q.done.as_deref()),
            now,
        )
    })
    .await
}

async fn reveal(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    let form = Form::parse(&body);
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, "web reveal")? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        render_case(
            c,
            &data_dir,
            &cache,
            &s,
            &number,
            true,
            "已显示完整身份信息；此次查看已记入审计日志。".into(),
            now,
        )
    })
    .await
}

async fn attachment(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path((number, idx)): Path<(String, u32)>,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    with_db(&st, move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        let Some((case_id, number, name)) = data::attachment(c, &number, idx)? else {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "没有这份扫描件",
                "办件或扫描件不存在。",
            ));
        };
        if !data::may_open(c, &s.officer, &case_id)? {
            crate::audit::record(
                c,
                &s.officer.name,
                "web view-scan",
                &format!("{number} #{idx}"),
                "refused",
                now,
            )?;
            return Err(Problem::forbidden("这个办件没有本部门的事项。"));
        }
        let path = crate::intake::attachment_path(&data_dir, &case_id, idx);
        let bytes = std::fs::read(&path)
            .map_err(|e| Problem::internal(format!("{}: {e}", path.display())))?;
        crate::audit::record(
            c,
            &s.officer.name,
            "web view-scan",
            &format!("{number} #{idx}"),
            "ok",
            now,
        )?;
        let kind = if bytes.starts_with(b"%PDF") {
            "application/pdf"
        } else if bytes.starts_with(b"\x89PNG") {
            "image/png"
        } else if bytes.starts_with(b"\xff\xd8") {
            "image/jpeg"
        } else {
            "application/octet-stream"
        };
        let _ = name;
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

/// A workflow refusal as the officer reads it.
fn work_problem(e: WorkError) -> Problem {
    match e {
        WorkError::Db(d) => Problem::internal(d),
        WorkError::NotAllowed(_) => Problem::forbidden(e.to_string()),
        WorkError::NoCase(_) | WorkError::NoTask(_) => {
            Problem::new(StatusCode::NOT_FOUND, "找不到", e.to_string())
        }
        _ => Problem::new(StatusCode::CONFLICT, "无法办理", e.to_string()),
    }
}

async fn case_action(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path((number, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    let form = Form::parse(&body);
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, &format!("web {action}"))? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        let o: &Officer = &s.officer;
        let r = match action.as_str() {
            "accept" => {
                let loaded = cache.get(c, &data_dir);
                let (cat, cal) = (loaded.0.as_ref(), loaded.1.as_ref());
                let m = manifest(c, &number)?;
                let items = m.map(|m| data::items_of(cat, &m)).unwrap_or_default();
                workflow::accept(c, o, &number, &items, cal, today(now), now)
            }
            "correct" => workflow::ask_correction(
                c,
                o,
                &number,
                &form.all("what"),
                form.get("why").unwrap_or_default(),
                now,
            ),
            "refuse" => {
                workflow::refuse(c, o, &number, form.get("reason").unwrap_or_default(), now)
            }
            "inspection" => workflow::schedule_inspection(
                c,
                o,
                &number,
                &form.get("when").unwrap_or_default().replace('T', " "),
                now,
            ),
            _ => return Err(Problem::new(StatusCode::NOT_FOUND, "没有这个操作", action)),
        };
        let n = r.map_err(work_problem)?;
        Ok(Redirect::to(&format!("/cases/{n}?done={action}")).into_response())
    })
    .await
}

fn manifest(
    c: &Connection,
    number: &str,
) -> Result<Option<onevisit_sync::proto::CaseManifest>, Problem> {
    use rusqlite::OptionalExtension;
    let m: Option<String> = c
        .query_row(
            "SELECT manifest FROM cases WHERE id = ?1 OR number = ?1",
            [number],
            |r| r.get(0),
        )
        .optional()?;
    Ok(m.and_then(|m| serde_json::from_str(&m).ok()))
}

async fn record_inspection(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let form = Form::parse(&body);
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, "web record-inspection")? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        let passed = form.get("passed") == Some("yes");
        let n = workflow::record_inspection(
            c,
            &s.officer,
            &number,
            passed,
            form.get("conclusion").unwrap_or_default(),
            now,
        )
        .map_err(work_problem)?;
        Ok(Redirect::to(&format!("/cases/{n}?done=inspected")).into_response())
    })
    .await
}

async fn decide_task(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let form = Form::parse(&body);
    let data_dir = st.data.clone();
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, "web decide")? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        let approve = form.get("decision") == Some("approve");
        let d = workflow::decide_task(
            c,
            &s.officer,
            id,
            approve,
            form.get("note").unwrap_or_default(),
            now,
        )
        .map_err(work_problem)?;
        if d.case_done {
            crate::notify::results_together(
                &data_dir,
                c,
                &d.number,
                d.result.as_deref().unwrap_or(""),
                now,
            );
        }
        Ok(Redirect::to(&format!(
            "/cases/{}?done={}",
            d.number,
            if d.case_done { "together" } else { "decided" }
        ))
        .into_response())
    })
    .await
}

#[derive(Template)]
#[template(path = "followups.html")]
struct FollowupsPage {
    nav: Option<Nav>,
    flash: String,
    csrf: String,
    open: Vec<data::FollowupRow>,
    closed: Vec<data::FollowupRow>,
}

fn followups_page(
    c: &Connection,
    data_dir: &std::path::Path,
    cache: &CatalogCache,
    s: &Session,
    flash: String,
    now: i64,
) -> Result<Response, Problem> {
    if !matches!(s.officer.role, Role::Window | Role::Supervisor) {
        return Err(Problem::forbidden("差评整改只对综合窗口和督办人员开放。"));
    }
    let loaded = cache.get(c, data_dir);
    let (cat, cal) = (loaded.0.as_ref(), loaded.1.as_ref());
    let page = FollowupsPage {
        open: data::followups(c, cat, cal, today(now), true)?,
        closed: data::followups(c, cat, cal, today(now), false)?,
        nav: Some(nav(s, "/followups", cat)),
        flash,
        csrf: s.csrf.clone(),
    };
    Ok(html(page.render()))
}

async fn followups(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    with_db(&st, move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        followups_page(c, &data_dir, &cache, &s, String::new(), now)
    })
    .await
}

async fn close_followup(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    let form = Form::parse(&body);
    with_db(&st, move |c| {
        let s = match posted(c, &headers, &form, now, "web close-followup")? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        let n = workflow::close_followup(
            c,
            &s.officer,
            &number,
            form.get("action").unwrap_or_default(),
            now,
        )
        .map_err(work_problem)?;
        followups_page(
            c,
            &data_dir,
            &cache,
            &s,
            format!("办件 {n} 的差评整改已办结。"),
            now,
        )
    })
    .await
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    nav: Option<Nav>,
    flash: String,
    f: data::Figures,
}

async fn figures(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    let now = (st.now)();
    let data_dir = st.data.clone();
    let cache = st.catalogs.clone();
    with_db(&st, move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        if s.officer.role == Role::Department {
            return Err(Problem::forbidden("统计只对综合窗口、督办和管理人员开放。"));
        }
        let loaded = cache.get(c, &data_dir);
        let (cat, cal) = (loaded.0.as_ref(), loaded.1.as_ref());
        let f = data::figures(c, cat, cal, now)?;
        Ok(html(
            FiguresPage {
                nav: Some(nav(&s, "/figures", cat)),
                flash: String::new(),
                f,
            }
            .render(),
        ))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_repeated_names_and_escapes() {
        let f = Form::parse(b"csrf=ab&what=%E8%90%A5%E4%B8%9A&what=a+b&why=%ZZ&empty=");
        assert_eq!(f.get("csrf"), Some("ab"));
        assert_eq!(f.all("what"), vec!["营业".to_owned(), "a b".to_owned()]);
        assert_eq!(f.get("why"), Some("%ZZ"));
        assert_eq!(f.get("empty"), Some(""));
        assert_eq!(f.get("missing"), None);
        assert_eq!(Form::parse(b"x=%4").get("x"), Some("%4"));
        // A % before a multi-byte character is kept, not a panic.
        assert_eq!(Form::parse("x=%营".as_bytes()).get("x"), Some("%营"));
    }
}

#[cfg(test)]
mod invariants {
    /// The workbench runs no script: not one template holds a `<script` (the CSP allows none
    /// either, so one added by mistake would not run but would fail here first).
    #[test]
    fn no_template_holds_a_script() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).expect("templates") {
            let p = e.expect("entry").path();
            let text = std::fs::read_to_string(&p).expect("template");
            assert!(!text.to_lowercase().contains("<script"), "{}", p.display());
            assert!(
                !text.contains(" onclick=") && !text.contains(" onsubmit="),
                "{}",
                p.display()
            );
            n += 1;
        }
        assert!(n >= 6);
    }
}
