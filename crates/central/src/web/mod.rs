//! The officers' workbench: server-rendered pages (Askama templates, checked when the server
//! is compiled) at `/`, beside the kiosk API under `/v1`, on the same listener and TLS.
//!
//! No JavaScript: every action is a form post carrying the session's CSRF token, answered with
//! a redirect (so a reload never posts twice). Each action goes through [`crate::workflow`],
//! which checks who may do it and writes the change and its audit row in one transaction.

mod cases;
pub mod data;
mod fleet;
mod form;
pub mod lang;
mod reports;
pub mod session;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::sql::Conn;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use onevisit_domain::{Calendar, Catalog};

use crate::accounts::{self, Role};
pub use form::Form;
use session::{LOGIN_COOKIE, SESSION_COOKIE, Session};

/// What the pages need: the data folder, the database's connections (one per request, in a
/// blocking thread), the clock, and the published catalog, parsed once per version.
#[derive(Clone)]
pub struct WebState {
    pub data: PathBuf,
    pool: Arc<crate::sql::Pool>,
    blobs: Arc<dyn crate::blobs::Blobs>,
    pub now: fn() -> i64,
    pub catalogs: Arc<CatalogCache>,
}

impl WebState {
    pub fn new(
        at: crate::sql::Location,
        blobs: Arc<dyn crate::blobs::Blobs>,
        now: fn() -> i64,
    ) -> WebState {
        WebState {
            data: at.data.clone(),
            pool: crate::sql::Pool::new(at, false),
            blobs,
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
    fn get(&self, conn: &Conn, data: &std::path::Path) -> Loaded {
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
        .route("/inbox", get(cases::inbox))
        .route("/tasks", get(cases::tasks))
        .route("/cases/{number}", get(cases::case_page))
        .route("/cases/{number}/reveal", post(cases::reveal))
        .route("/cases/{number}/attachments/{idx}", get(cases::attachment))
        .route("/cases/{number}/{action}", post(cases::case_action))
        .route(
            "/cases/{number}/inspection/record",
            post(cases::record_inspection),
        )
        .route("/tasks/{id}/decide", post(cases::decide_task))
        .route("/followups", get(reports::followups))
        .route("/followups/{number}/close", post(reports::close_followup))
        .route("/figures", get(reports::figures))
        .route("/fleet", get(fleet::fleet))
        .route("/fleet/enroll", post(fleet::enroll))
        .route("/fleet/{id}/revoke", post(fleet::revoke))
        .route("/static/workbench.css", get(css))
        .route("/lang/{code}", get(choose_language))
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
            lang::t("系统出错", "System error"),
            lang::t(
                "请稍后再试；问题持续请联系系统管理员（详情在服务器日志中）。",
                "Please try again later; if it persists, tell the administrator (details are in the server's log).",
            ),
        )
    }

    fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::FORBIDDEN,
            lang::t("无权访问", "Not allowed"),
            detail,
        )
    }
}

impl From<crate::sql::Error> for Problem {
    fn from(e: crate::sql::Error) -> Self {
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
    en: bool,
    flash: String,
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            nav: None,
            en: lang::en(),
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
        links.push(("/inbox", lang::t("收件箱", "Inbox")));
        links.push(("/followups", lang::t("好差评整改", "Rating follow-ups")));
    }
    if o.role == Role::Department {
        links.push(("/tasks", lang::t("本部门待办", "Our tasks")));
    }
    if matches!(o.role, Role::Admin | Role::Supervisor) {
        links.push(("/fleet", lang::t("自助终端", "Kiosks")));
    }
    if matches!(o.role, Role::Window | Role::Supervisor | Role::Admin) {
        links.push(("/figures", lang::t("统计", "Figures")));
    }
    Nav {
        name: o.name.clone(),
        role: if lang::en() { o.role.en() } else { o.role.zh() },
        department: o
            .department
            .as_deref()
            .map(|d| data::department_name(catalog, d))
            .unwrap_or_default(),
        csrf: s.csrf.clone(),
        links: links.into_iter().map(|(h, l)| (h, l, h == here)).collect(),
    }
}

/// Runs `f` with a connection on a blocking thread, in the request's language (`lang.rs`).
async fn with_db<R: Send + 'static>(
    st: &WebState,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Conn) -> Result<R, Problem> + Send + 'static,
) -> Result<R, Problem> {
    let pool = st.pool.clone();
    let en = lang::from_headers(headers);
    tokio::task::spawn_blocking(move || {
        lang::set(en);
        pool.with(f)
    })
    .await
    .map_err(Problem::internal)?
}

fn today(now: i64) -> NaiveDate {
    data::local_date(now)
}

/// The session of a request, or a redirect to the login page.
fn session(conn: &Conn, headers: &HeaderMap, now: i64) -> Result<Option<Session>, Problem> {
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

/// What a signed-in officer's request works with: the connection, the session, the request's
/// headers, the catalog (parsed once per version) and the time.
pub struct Ctx<'a> {
    pub c: &'a mut Conn,
    pub s: Session,
    pub headers: &'a HeaderMap,
    data: &'a std::path::Path,
    blobs: &'a dyn crate::blobs::Blobs,
    cache: &'a CatalogCache,
    pub now: i64,
}

impl Ctx<'_> {
    fn catalog(&self) -> Loaded {
        self.cache.get(self.c, self.data)
    }

    fn today(&self) -> NaiveDate {
        today(self.now)
    }

    fn data(&self) -> &std::path::Path {
        self.data
    }

    fn blobs(&self) -> &dyn crate::blobs::Blobs {
        self.blobs
    }

    /// An audit row under the signed-in officer's name.
    fn audit(&mut self, command: &str, args: &str, outcome: &str) -> Result<(), Problem> {
        crate::audit::record(
            self.c,
            &self.s.officer.name,
            command,
            args,
            outcome,
            self.now,
        )?;
        Ok(())
    }

    /// A change and its audit row, in one immediate transaction: both or neither.
    fn changing<R>(
        &mut self,
        command: &str,
        args: &str,
        change: impl FnOnce(&Conn) -> Result<R, Problem>,
    ) -> Result<R, Problem> {
        let tx = self
            .c
            .transaction_with_behavior(crate::sql::TransactionBehavior::Immediate)?;
        let r = change(&tx)?;
        crate::audit::append(&tx, &self.s.officer.name, command, args, "ok", self.now)?;
        tx.commit()?;
        Ok(r)
    }

    fn nav(&self, here: &str, catalog: Option<&Catalog>) -> Option<Nav> {
        Some(nav(&self.s, here, catalog))
    }
}

/// A page for a signed-in officer; the login page for anyone else.
async fn signed_in(
    st: &WebState,
    headers: HeaderMap,
    f: impl FnOnce(&mut Ctx) -> Result<Response, Problem> + Send + 'static,
) -> Result<Response, Problem> {
    let (now, data, cache) = ((st.now)(), st.data.clone(), st.catalogs.clone());
    let blobs = st.blobs.clone();
    with_db(st, &headers.clone(), move |c| {
        let Some(s) = session(c, &headers, now)? else {
            return Ok(to_login());
        };
        f(&mut Ctx {
            c,
            s,
            headers: &headers,
            data: &data,
            blobs: &*blobs,
            cache: &cache,
            now,
        })
    })
    .await
}

/// A form posted by a signed-in officer, its CSRF token checked first: a post without the
/// session's token changes nothing and is audited as refused (under `what`).
async fn posting(
    st: &WebState,
    headers: HeaderMap,
    body: Bytes,
    what: impl Into<String>,
    f: impl FnOnce(&mut Ctx, &Form) -> Result<Response, Problem> + Send + 'static,
) -> Result<Response, Problem> {
    let form = Form::parse(&body);
    let what = what.into();
    signed_in(st, headers, move |cx| {
        if !cx.s.csrf_ok(form.get("csrf")) {
            cx.audit(&what, "csrf token missing or wrong", "refused")?;
            return Err(Problem::forbidden(
                lang::t(
                    "表单已过期或来源不明（缺少有效的 CSRF 令牌）。请回到页面重新操作。",
                    "The form has expired or did not come from this site (no valid CSRF token). Go back to the page and try again.",
                ),
            ));
        }
        f(cx, &form)
    })
    .await
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

/// The officer's choice of language, kept in a cookie for a year.
async fn choose_language(axum::extract::Path(code): axum::extract::Path<String>) -> Response {
    let en = code == "en";
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(lang::COOKIE, if en { "en" } else { "zh" }, 365 * 86_400),
    );
    r
}

async fn home(State(st): State<WebState>, headers: HeaderMap) -> Result<Response, Problem> {
    signed_in(&st, headers, |cx| {
        Ok(Redirect::to(match cx.s.officer.role {
            Role::Window | Role::Supervisor => "/inbox",
            Role::Department => "/tasks",
            Role::Admin => "/fleet",
        })
        .into_response())
    })
    .await
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    en: bool,
    flash: String,
    csrf: String,
    error: String,
}

fn login_form(error: &str, status: StatusCode) -> Response {
    let csrf = onevisit_sync::hex(&onevisit_sync::random_bytes::<16>());
    let page = LoginPage {
        nav: None,
        en: lang::en(),
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

async fn login_page(headers: HeaderMap) -> Response {
    let en = lang::from_headers(&headers);
    tokio::task::spawn_blocking(move || {
        lang::set(en);
        login_form("", StatusCode::OK)
    })
    .await
    .unwrap_or_else(|e| Problem::internal(e).into_response())
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
    let name = form.get("username").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let code = form.get("totp").map(str::to_owned);
    let posted_csrf = form.get("csrf").unwrap_or_default().to_owned();
    with_db(&st, &headers, move |c| {
        if cookie.is_empty() || !session::same(posted_csrf.as_bytes(), cookie.as_bytes()) {
            return Ok(login_form(
                lang::t(
                    "登录页已过期，请重新输入。",
                    "The sign-in page had expired; please sign in again.",
                ),
                StatusCode::FORBIDDEN,
            ));
        }
        match accounts::login(c, &name, &password, code.as_deref(), now) {
            Ok(officer) => {
                let tx = c.transaction_with_behavior(crate::sql::TransactionBehavior::Immediate)?;
                let s = accounts::start_session(&tx, &officer, now)?;
                crate::audit::append(&tx, &officer.name, "web login", "", "ok", now)?;
                tx.commit()?;
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
                    accounts::LoginError::Disabled => lang::t(
                        "该账号已停用，请联系管理员。",
                        "This account is disabled; ask the administrator.",
                    )
                    .to_owned(),
                    _ => lang::t(
                        "用户名、密码或动态口令不正确。",
                        "Wrong name, password or code.",
                    )
                    .to_owned(),
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
    posting(&st, headers, body, "web logout", |cx, _| {
        accounts::end_session(cx.c, &cx.s.token)?;
        let mut r = Redirect::to("/login").into_response();
        r.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(SESSION_COOKIE, "", 0),
        );
        Ok(r)
    })
    .await
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
