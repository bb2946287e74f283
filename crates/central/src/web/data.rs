//! What the workbench's pages show, read from the database and the catalog: plain rows for
//! the templates, with personal data masked unless an officer asked to see it.

use std::collections::BTreeMap;

use crate::params;
use crate::sql::{Conn, OptionalExtension};
use chrono::{NaiveDate, TimeZone};
use onevisit_domain::plan::DropReason;
use onevisit_domain::{Calendar, Catalog, mask};
use onevisit_sync::proto::{CaseManifest, CaseStatus};

use super::lang::{self, t};
use crate::accounts::{Officer, Role};
use crate::workflow::{self, ItemSpec};

/// Cases per inbox page.
pub const PAGE: i64 = 50;

/// Local date and time of a Unix-ms instant, as officers read it.
pub fn local(ms: i64) -> String {
    chrono::Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn local_date(ms: i64) -> NaiveDate {
    chrono::Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// A status as officers read it: the kiosk's words, except that "received" (the citizen's
/// 已受理: it reached the county) is not yet the window's acceptance.
fn status_label(s: Option<&str>) -> String {
    match s.and_then(CaseStatus::parse) {
        None | Some(CaseStatus::Received) => t("已收到", "received").to_owned(),
        Some(s) if lang::en() => s.as_str().replace('_', " "),
        Some(s) => s.zh().to_owned(),
    }
}

pub fn stage_label(stage: &str) -> &'static str {
    match stage {
        "accepted" => t("已受理，部门审批中", "accepted, with the departments"),
        "correction" => t("待补正", "waiting for corrections"),
        "refused" => t("不予受理", "refused"),
        "done" => t("已办结", "done"),
        _ => t("新件，待受理", "new, to accept"),
    }
}

/// Theme names from the catalog (the id when the catalog lacks it).
pub fn theme_name(catalog: Option<&Catalog>, id: &str) -> String {
    catalog
        .and_then(|c| c.theme(id))
        .map_or_else(|| id.to_owned(), |t| lang::text(&t.name))
}

pub fn department_name(catalog: Option<&Catalog>, id: &str) -> String {
    catalog
        .and_then(|c| c.departments.get(id))
        .map_or_else(|| id.to_owned(), |d| lang::text(&d.name))
}

#[derive(Debug, Clone)]
pub struct InboxRow {
    pub number: String,
    pub theme: String,
    pub site: String,
    pub received: String,
    pub stage: &'static str,
    /// Working days the window has left (negative: overdue).
    pub left: i64,
    pub owed: usize,
}

pub struct Inbox {
    pub rows: Vec<InboxRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub themes: Vec<(String, String)>,
}

/// The window's inbox: committed cases it has not decided (new, or waiting for corrections),
/// oldest first, one page, optionally one theme.
pub fn inbox(
    conn: &Conn,
    catalog: Option<&Catalog>,
    calendar: Option<&Calendar>,
    theme: Option<&str>,
    page: i64,
    today: NaiveDate,
) -> crate::sql::Result<Inbox> {
    let theme = theme.filter(|t| !t.is_empty());
    // The partial indexes hold only the cases waiting for the window (`db.rs`, migration 4).
    let filter = if theme.is_some() {
        "c.window_open = 1 AND c.state = 'committed' AND c.theme = ?1"
    } else {
        "c.window_open = 1 AND c.state = 'committed' AND CAST(?1 AS TEXT) IS NULL"
    };
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM cases c WHERE {filter}"),
        params![theme],
        |r| r.get(0),
    )?;
    let pages = ((total + PAGE - 1) / PAGE).max(1);
    let page = page.clamp(1, pages);
    let mut st = conn.prepare(&format!(
        "SELECT c.number, c.theme, c.site, c.received_at, w.stage, c.manifest
         FROM cases c LEFT JOIN case_work w ON w.case_id = c.id WHERE {filter}
         ORDER BY c.received_at, c.number LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = st
        .query_map(params![theme, PAGE, (page - 1) * PAGE], |r| {
            let received: i64 = r.get(3)?;
            let stage: Option<String> = r.get(4)?;
            let manifest: String = r.get(5)?;
            let owed = serde_json::from_str::<CaseManifest>(&manifest)
                .map(|m| m.owed.len())
                .unwrap_or(0);
            let due = workflow::due(calendar, local_date(received), workflow::WINDOW_DAYS);
            Ok(InboxRow {
                number: r.get(0)?,
                theme: theme_name(catalog, &r.get::<_, String>(1)?),
                site: r.get(2)?,
                received: local(received),
                stage: stage_label(stage.as_deref().unwrap_or("new")),
                left: workflow::working_days_left(calendar, today, due),
                owed,
            })
        })?
        .collect::<Result<_, _>>()?;
    // The catalog's themes (a scan of every case's theme would cost more than the page).
    let mut themes: Vec<(String, String)> = catalog
        .map(|c| {
            c.themes
                .iter()
                .map(|t| (t.id.clone(), lang::text(&t.name)))
                .collect()
        })
        .unwrap_or_default();
    themes.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(Inbox {
        rows,
        total,
        page,
        pages,
        themes,
    })
}

#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: i64,
    pub number: String,
    pub theme: String,
    pub item: String,
    pub department: String,
    pub status: &'static str,
    pub waiting: bool,
    pub note: String,
    pub due: String,
    pub left: i64,
    pub decided_by: String,
    pub inspection: bool,
    /// The signed-in reviewer's department: they may decide it.
    pub mine: bool,
}

fn task_status(s: &str) -> &'static str {
    match s {
        "approved" => t("准予许可", "approved"),
        "refused" => t("不予许可", "refused"),
        _ => t("审批中", "in review"),
    }
}

fn task_row(
    r: &crate::sql::Row,
    catalog: Option<&Catalog>,
    calendar: Option<&Calendar>,
    today: NaiveDate,
    who: &Officer,
) -> crate::sql::Result<TaskRow> {
    let status: String = r.get(5)?;
    let due: String = r.get(7)?;
    let department: String = r.get(4)?;
    let left = NaiveDate::parse_from_str(&due, "%Y-%m-%d")
        .map(|d| workflow::working_days_left(calendar, today, d))
        .unwrap_or(0);
    Ok(TaskRow {
        id: r.get(0)?,
        number: r.get(1)?,
        theme: theme_name(catalog, &r.get::<_, String>(2)?),
        item: {
            let (id, name): (String, String) = (r.get(10)?, r.get(3)?);
            catalog
                .and_then(|c| c.items.get(&id))
                .map_or(name, |i| lang::text(&i.name))
        },
        mine: who.role == Role::Department && who.department.as_deref() == Some(&department),
        department: department_name(catalog, &department),
        waiting: status == "waiting",
        status: task_status(&status),
        note: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        due,
        left,
        decided_by: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        inspection: r.get(9)?,
    })
}

const TASK_COLUMNS: &str = "t.id, c.number, c.theme, t.item_name, t.department, t.status, t.note,
     t.due, t.decided_by, t.needs_inspection, t.item";

/// A department's tasks still waiting, the nearest deadline first.
pub fn department_tasks(
    conn: &Conn,
    who: &Officer,
    catalog: Option<&Catalog>,
    calendar: Option<&Calendar>,
    today: NaiveDate,
) -> crate::sql::Result<Vec<TaskRow>> {
    let Some(dep) = who.department.as_deref() else {
        return Ok(Vec::new());
    };
    conn.prepare(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks t JOIN cases c ON c.id = t.case_id
         WHERE t.department = ?1 AND t.status = 'waiting' ORDER BY t.due, t.id LIMIT 500"
    ))?
    .query_map([dep], |r| task_row(r, catalog, calendar, today, who))?
    .collect()
}

/// Whether `who` may open the case: the window, supervisors and administrators may; a
/// department reviewer only a case with a task of their department.
pub fn may_open(conn: &Conn, who: &Officer, case_id: &str) -> crate::sql::Result<bool> {
    if who.role != Role::Department {
        return Ok(true);
    }
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM tasks WHERE case_id = ?1 AND department = ?2",
        params![case_id, who.department],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

pub struct Labeled {
    pub label: String,
    pub value: String,
}

pub struct Attachment {
    pub index: u32,
    pub name: String,
    pub pages: u32,
    pub kb: u64,
}

pub struct InspectionView {
    pub when: String,
    pub departments: String,
    pub recorded: bool,
    pub passed: bool,
    pub conclusion: String,
    pub recorded_by: String,
    /// The signed-in reviewer's department takes part: they may record it.
    pub mine: bool,
}

pub struct HistoryRow {
    pub at: String,
    pub status: String,
    pub reason: String,
    pub actor: String,
}

pub struct CaseView {
    pub id: String,
    pub number: String,
    pub theme: String,
    pub site: String,
    pub received: String,
    pub stage: String,
    pub stage_label: &'static str,
    pub status: String,
    pub note: String,
    pub due: String,
    pub left: i64,
    pub applicant: String,
    pub id_number: String,
    pub revealed: bool,
    pub items: Vec<ItemSpec>,
    pub item_departments: Vec<String>,
    pub materials: Vec<String>,
    pub dropped: Vec<Labeled>,
    pub form: Vec<Labeled>,
    pub answers: Vec<Labeled>,
    pub attachments: Vec<Attachment>,
    pub signature: Option<String>,
    pub owed: Vec<Labeled>,
    pub tasks: Vec<TaskRow>,
    pub waiting_on: Vec<String>,
    pub inspection: Option<InspectionView>,
    pub needs_inspection: bool,
    pub history: Vec<HistoryRow>,
    pub rating: Option<u8>,
}

/// The approval items the case's theme and answers give, from the catalog.
pub fn items_of(catalog: Option<&Catalog>, m: &CaseManifest) -> Vec<ItemSpec> {
    let Some(c) = catalog else {
        return Vec::new();
    };
    match onevisit_domain::plan::plan(c, &m.theme, &m.answers) {
        Ok(p) => p
            .items
            .iter()
            .map(|i| ItemSpec {
                id: i.id.clone(),
                name: i.name.zh.clone(),
                department: i.department.clone(),
                days: i.time_limit_days,
                inspection: i.inspection,
            })
            .collect(),
        Err(e) => {
            tracing::warn!("a case's plan cannot be made from the catalog: {e}");
            Vec::new()
        }
    }
}

fn drop_reason(catalog: &Catalog, r: &DropReason) -> String {
    match r {
        DropReason::VerifiedOnline { source } => match source {
            Some(s) => format!(
                "{}（{}）",
                t("部门在线核验", "verified online"),
                lang::text(s)
            ),
            None => t("部门在线核验", "verified online").to_owned(),
        },
        DropReason::ReadFromIdCard => t("读取身份证，无需提交", "read from the ID card").to_owned(),
        DropReason::CoveredBy { material } => {
            let name = catalog
                .materials
                .get(material)
                .map_or_else(|| material.clone(), |m| lang::text(&m.name));
            if lang::en() {
                format!("covered by “{name}”")
            } else {
                format!("已由“{name}”代替")
            }
        }
        DropReason::IssuedInChain { item } => {
            let name = catalog
                .items
                .get(item)
                .map_or_else(|| item.clone(), |i| lang::text(&i.name));
            if lang::en() {
                format!("issued by “{name}” in this theme")
            } else {
                format!("由本主题内“{name}”的结果提供")
            }
        }
        DropReason::NotApplicable { .. } => {
            t("按情形无需提交", "not needed in this situation").to_owned()
        }
    }
}

/// One case as an officer opens it. `reveal` shows the name and ID number in full.
#[allow(clippy::too_many_arguments)]
pub fn case_view(
    conn: &Conn,
    who: &Officer,
    case: &str,
    catalog: Option<&Catalog>,
    calendar: Option<&Calendar>,
    today: NaiveDate,
    reveal: bool,
) -> crate::sql::Result<Option<CaseView>> {
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT c.id, c.number, c.theme, c.site, c.received_at, c.manifest, c.status, w.stage
             FROM cases c LEFT JOIN case_work w ON w.case_id = c.id
             WHERE (c.id = ?1 OR c.number = ?1) AND c.state = 'committed'",
            [case],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((id, number, theme, site, received, manifest, status, stage)) = row else {
        return Ok(None);
    };
    let m: Option<CaseManifest> = serde_json::from_str(&manifest).ok();
    let work: Option<(Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT note, due FROM case_work WHERE case_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (note, due) = work.unwrap_or_default();
    let stage = stage.unwrap_or_else(|| "new".to_owned());
    let due = match due
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        Some(d) => d,
        None => workflow::due(calendar, local_date(received), workflow::WINDOW_DAYS),
    };
    let tasks: Vec<TaskRow> = conn
        .prepare(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks t JOIN cases c ON c.id = t.case_id
             WHERE t.case_id = ?1 ORDER BY t.id"
        ))?
        .query_map([&id], |r| task_row(r, catalog, calendar, today, who))?
        .collect::<Result<_, _>>()?;
    let mut waiting_on: Vec<String> = tasks
        .iter()
        .filter(|t| t.waiting)
        .map(|t| t.department.clone())
        .collect();
    waiting_on.dedup();
    let inspection = conn
        .query_row(
            "SELECT scheduled_for, departments, passed, conclusion, recorded_by
             FROM inspections WHERE case_id = ?1",
            [&id],
            |r| {
                let deps: String = r.get(1)?;
                let passed: Option<bool> = r.get(2)?;
                Ok(InspectionView {
                    when: r.get(0)?,
                    mine: who.role == Role::Department
                        && deps
                            .split(',')
                            .any(|d| Some(d) == who.department.as_deref()),
                    departments: deps
                        .split(',')
                        .map(|d| department_name(catalog, d))
                        .collect::<Vec<_>>()
                        .join("、"),
                    recorded: passed.is_some(),
                    passed: passed.unwrap_or(false),
                    conclusion: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    recorded_by: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                })
            },
        )
        .optional()?;
    let history = conn
        .prepare(
            "SELECT at, status, reason, actor FROM status_changes WHERE case_id = ?1 ORDER BY seq",
        )?
        .query_map([&id], |r| {
            Ok(HistoryRow {
                at: local(r.get(0)?),
                status: status_label(Some(&r.get::<_, String>(1)?)),
                reason: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                actor: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let attachments = conn
        .prepare("SELECT idx, name, size FROM attachments WHERE case_id = ?1 ORDER BY idx")?
        .query_map([&id], |r| {
            Ok(Attachment {
                index: r.get(0)?,
                name: r.get(1)?,
                pages: 0,
                kb: r.get::<_, i64>(2)?.max(0) as u64 / 1024,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut v = CaseView {
        id,
        number,
        theme: theme_name(catalog, &theme),
        site,
        received: local(received),
        stage_label: stage_label(&stage),
        stage,
        status: status_label(status.as_deref()),
        note: note.unwrap_or_default(),
        due: due.to_string(),
        left: workflow::working_days_left(calendar, today, due),
        applicant: String::new(),
        id_number: String::new(),
        revealed: reveal,
        items: Vec::new(),
        item_departments: Vec::new(),
        materials: Vec::new(),
        dropped: Vec::new(),
        form: Vec::new(),
        answers: Vec::new(),
        attachments,
        signature: None,
        owed: Vec::new(),
        needs_inspection: tasks.iter().any(|t| t.inspection),
        tasks,
        waiting_on,
        inspection,
        history,
        rating: None,
    };
    let Some(m) = m else {
        return Ok(Some(v));
    };
    v.applicant = if reveal {
        m.applicant.name.clone()
    } else {
        mask::name(&m.applicant.name)
    };
    v.id_number = if reveal {
        m.applicant.id_number.clone()
    } else {
        mask::id_number(&m.applicant.id_number)
    };
    v.signature = m.signature.clone();
    v.rating = m.rating;
    for a in v.attachments.iter_mut() {
        if let Some(d) = m.attachments.iter().find(|d| d.index == a.index) {
            a.pages = d.pages;
        }
    }
    v.owed = m
        .owed
        .iter()
        .map(|o| Labeled {
            label: o.name.clone(),
            value: o.due.clone(),
        })
        .collect();
    v.items = items_of(catalog, &m);
    for i in v.items.iter_mut() {
        if let Some(it) = catalog.and_then(|c| c.items.get(&i.id)) {
            i.name = lang::text(&it.name);
        }
    }
    v.item_departments = v
        .items
        .iter()
        .map(|i| department_name(catalog, &i.department))
        .collect();
    let labels: BTreeMap<&str, String> = catalog
        .map(|c| {
            c.fields
                .iter()
                .map(|f| (f.key.as_str(), lang::text(&f.label)))
                .collect()
        })
        .unwrap_or_default();
    v.form = m
        .form
        .iter()
        .map(|(k, val)| Labeled {
            label: labels.get(k.as_str()).cloned().unwrap_or_else(|| k.clone()),
            value: val.clone(),
        })
        .collect();
    let questions = catalog.and_then(|c| c.theme(&m.theme));
    v.answers = m
        .answers
        .iter()
        .map(|(k, a)| {
            let q = questions.and_then(|t| t.questions.iter().find(|q| &q.key == k));
            Labeled {
                label: q.map_or(k.clone(), |q| lang::text(&q.text)),
                value: q
                    .and_then(|q| q.option(a))
                    .map_or(a.clone(), |o| lang::text(&o.label)),
            }
        })
        .collect();
    if let Some(c) = catalog
        && let Ok(p) = onevisit_domain::plan::plan(c, &m.theme, &m.answers)
    {
        v.materials = p.materials.iter().map(|x| lang::text(&x.name)).collect();
        v.dropped = p
            .dropped
            .iter()
            .map(|d| Labeled {
                label: lang::text(&d.name),
                value: drop_reason(c, &d.reason),
            })
            .collect();
    }
    Ok(Some(v))
}

/// The id and number of the case that has attachment `idx`, if it has it.
pub fn attachment(
    conn: &Conn,
    case: &str,
    idx: u32,
) -> crate::sql::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT c.id, c.number FROM attachments a JOIN cases c ON c.id = a.case_id
         WHERE (c.id = ?1 OR c.number = ?1) AND a.idx = ?2 AND c.state = 'committed'",
        params![case, idx],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

pub struct DeviceView {
    pub id: String,
    pub site: String,
    pub last_seen: String,
    /// No heartbeat for an hour (kiosks send one every few minutes when they have a link).
    pub silent: bool,
    pub version: String,
    pub queue: String,
    /// Devices not `ok`, paper low, the cabinet opened, a citizen waiting for staff.
    pub problems: Vec<String>,
    pub revoked: bool,
}

/// Every kiosk with what its last heartbeat said.
pub fn fleet(conn: &Conn, now: i64) -> anyhow::Result<Vec<DeviceView>> {
    Ok(crate::admin::devices(conn)?
        .into_iter()
        .map(|d| {
            let hb: Option<onevisit_sync::proto::Heartbeat> =
                d.heartbeat.and_then(|v| serde_json::from_value(v).ok());
            let mut problems = Vec::new();
            if let Some(h) = &hb {
                for (dev, state) in &h.devices {
                    if state != "ok" {
                        problems.push(format!("{dev}：{state}"));
                    }
                }
                if h.paper_near_end {
                    problems.push(t("打印纸将用完", "paper low").into());
                }
                match h.tamper.as_deref() {
                    None | Some("closed") | Some("missing") => {}
                    Some(state) => problems.push(format!("{}{state}", t("机柜：", "cabinet: "))),
                }
                if let Some(at) = h.help_requested_at {
                    problems.push(format!(
                        "{}（{}）",
                        t("群众呼叫工作人员", "a citizen called staff"),
                        local(at)
                    ));
                }
            }
            DeviceView {
                id: d.id,
                site: d.site,
                silent: d.revoked_at.is_none() && d.last_seen.is_none_or(|t| now - t > 3_600_000),
                last_seen: d
                    .last_seen
                    .map(local)
                    .unwrap_or_else(|| t("从未", "never").into()),
                version: hb
                    .as_ref()
                    .map(|h| h.app_version.clone())
                    .unwrap_or_default(),
                queue: hb
                    .as_ref()
                    .map(|h| h.queue_depth.to_string())
                    .unwrap_or_default(),
                problems,
                revoked: d.revoked_at.is_some(),
            }
        })
        .collect())
}

pub struct FollowupRow {
    pub number: String,
    pub theme: String,
    pub site: String,
    pub rating: i64,
    pub received: String,
    pub due: String,
    pub left: i64,
    pub action: String,
    pub closed_by: String,
}

/// Poor ratings: the open follow-ups (oldest first), or the latest closed ones.
pub fn followups(
    conn: &Conn,
    catalog: Option<&Catalog>,
    calendar: Option<&Calendar>,
    today: NaiveDate,
    open: bool,
) -> crate::sql::Result<Vec<FollowupRow>> {
    let days = catalog.map_or(5, |c| c.county.followup_days);
    let rating = conn.json_field("c.manifest", "rating", true);
    let sql = format!(
        "SELECT c.number, c.theme, c.site, {rating}, c.received_at,
                f.action, f.closed_by
         FROM cases c LEFT JOIN followups f ON f.case_id = c.id
         WHERE {rating} <= {} AND c.state = 'committed'
           AND f.case_id IS {} NULL
         ORDER BY {} LIMIT 200",
        workflow::POOR_RATING,
        if open { "" } else { "NOT" },
        if open {
            "c.received_at"
        } else {
            "f.closed_at DESC"
        },
    );
    conn.prepare(&sql)?
        .query_map([], |r| {
            let received: i64 = r.get(4)?;
            let due = workflow::due(calendar, local_date(received), days);
            Ok(FollowupRow {
                number: r.get(0)?,
                theme: theme_name(catalog, &r.get::<_, String>(1)?),
                site: r.get(2)?,
                rating: r.get(3)?,
                received: local(received),
                due: due.to_string(),
                left: workflow::working_days_left(calendar, today, due),
                action: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                closed_by: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            })
        })?
        .collect()
}

/// One theme in one month, as a county reports it upward.
pub struct FigureRow {
    pub theme: String,
    pub month: String,
    pub cases: usize,
    pub done: usize,
    /// Average working days from arrival to results together, over the cases done.
    pub days: String,
    /// Average materials handed in per case (scans).
    pub materials: String,
    /// The catalog's computed figures for the cases' situations: before (each item on its own,
    /// one after another) and after (one application, in parallel).
    pub before_days: String,
    pub after_days: String,
    pub before_materials: String,
    pub after_materials: String,
}

/// A bar of a chart, in the chart's own units (the template scales nothing).
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub label: String,
    pub value: String,
    pub class: &'static str,
}

pub struct Figures {
    pub rows: Vec<FigureRow>,
    /// Cases received per month, the last twelve.
    pub monthly: Vec<Bar>,
    /// Per theme: computed before, computed after and realised working days.
    pub days: Vec<Bar>,
    pub days_labels: Vec<(u32, String)>,
}

fn avg(sum: f64, n: usize) -> String {
    if n == 0 {
        "—".to_owned()
    } else {
        format!("{:.1}", sum / n as f64)
    }
}

/// Figures of the last twelve months of cases, per theme and month.
pub fn figures(
    conn: &Conn,
    catalog: Option<&Catalog>,
    calendar: Option<&Calendar>,
    now: i64,
) -> crate::sql::Result<Figures> {
    use std::collections::HashMap;
    let since = now - 366 * 86_400_000;
    #[derive(Default)]
    struct Acc {
        cases: usize,
        done: usize,
        days: f64,
        materials: f64,
        before_days: f64,
        after_days: f64,
        before_materials: f64,
        after_materials: f64,
        planned: usize,
    }
    let mut acc: BTreeMap<(String, String), Acc> = BTreeMap::new();
    /// Computed days and materials, before and after, per (theme, answers).
    type Computed = Option<(f64, f64, f64, f64)>;
    let mut plans: HashMap<(String, String), Computed> = HashMap::new();
    let mut st = conn.prepare(&format!(
        "SELECT c.theme, c.received_at, {},
                (SELECT COUNT(*) FROM attachments a WHERE a.case_id = c.id), w.finished_at, w.stage
         FROM cases c LEFT JOIN case_work w ON w.case_id = c.id
         WHERE c.state = 'committed' AND c.received_at >= ?1",
        conn.json_field("c.manifest", "answers", false)
    ))?;
    let mut rows = st.query([since])?;
    while let Some(r) = rows.next()? {
        let theme: String = r.get(0)?;
        let received: i64 = r.get(1)?;
        let answers: Option<String> = r.get(2)?;
        let scans: i64 = r.get(3)?;
        let finished: Option<i64> = r.get(4)?;
        let stage: Option<String> = r.get(5)?;
        let month = local_date(received).format("%Y-%m").to_string();
        let a = acc.entry((theme.clone(), month)).or_default();
        a.cases += 1;
        a.materials += scans as f64;
        if let (Some(f), Some("done")) = (finished, stage.as_deref()) {
            a.done += 1;
            a.days += workflow::working_days_left(calendar, local_date(received), local_date(f))
                .max(0) as f64;
        }
        let answers = answers.unwrap_or_default();
        let planned = plans
            .entry((theme.clone(), answers.clone()))
            .or_insert_with(|| {
                let c = catalog?;
                let ans: onevisit_domain::Answers = serde_json::from_str(&answers).ok()?;
                let p = onevisit_domain::plan::plan(c, &theme, &ans).ok()?;
                Some((
                    f64::from(p.before.days),
                    f64::from(p.after.days),
                    f64::from(p.before.materials),
                    f64::from(p.after.materials),
                ))
            });
        if let Some((bd, ad, bm, am)) = *planned {
            a.planned += 1;
            a.before_days += bd;
            a.after_days += ad;
            a.before_materials += bm;
            a.after_materials += am;
        }
    }
    let out_rows: Vec<FigureRow> = acc
        .iter()
        .map(|((theme, month), a)| FigureRow {
            theme: theme_name(catalog, theme),
            month: month.clone(),
            cases: a.cases,
            done: a.done,
            days: avg(a.days, a.done),
            materials: avg(a.materials, a.cases),
            before_days: avg(a.before_days, a.planned),
            after_days: avg(a.after_days, a.planned),
            before_materials: avg(a.before_materials, a.planned),
            after_materials: avg(a.after_materials, a.planned),
        })
        .collect();
    // Cases per month, the last twelve (a column chart 600 × 160).
    let mut per_month: BTreeMap<String, usize> = BTreeMap::new();
    for ((_, m), a) in &acc {
        *per_month.entry(m.clone()).or_default() += a.cases;
    }
    let months: Vec<(String, usize)> = per_month.into_iter().rev().take(12).rev().collect();
    let top = months.iter().map(|m| m.1).max().unwrap_or(1).max(1);
    let monthly = months
        .iter()
        .enumerate()
        .map(|(i, (m, n))| {
            let h = (*n as f64 / top as f64 * 130.0).round() as u32;
            Bar {
                x: 10 + i as u32 * 48,
                y: 140 - h,
                w: 36,
                h,
                label: m.clone(),
                value: n.to_string(),
                class: "bar",
            }
        })
        .collect();
    // Per theme: before, after (computed) and realised days (horizontal bars, 600 wide).
    let mut per_theme: BTreeMap<String, (f64, f64, f64, usize, usize)> = BTreeMap::new();
    for ((t, _), a) in &acc {
        let e = per_theme.entry(t.clone()).or_default();
        e.0 += a.before_days;
        e.1 += a.after_days;
        e.2 += a.days;
        e.3 += a.planned;
        e.4 += a.done;
    }
    let widest = per_theme
        .values()
        .map(|v| if v.3 > 0 { v.0 / v.3 as f64 } else { 0.0 })
        .fold(1.0, f64::max);
    let mut days = Vec::new();
    let mut days_labels = Vec::new();
    for (i, (theme, v)) in per_theme.iter().enumerate() {
        let y0 = i as u32 * 66;
        days_labels.push((y0 + 14, theme_name(catalog, theme)));
        let bars = [
            (
                "before",
                t("改革前（计算）", "before (computed)"),
                if v.3 > 0 { v.0 / v.3 as f64 } else { 0.0 },
            ),
            (
                "after",
                t("改革后（计算）", "after (computed)"),
                if v.3 > 0 { v.1 / v.3 as f64 } else { 0.0 },
            ),
            (
                "real",
                t("实际", "realised"),
                if v.4 > 0 { v.2 / v.4 as f64 } else { 0.0 },
            ),
        ];
        for (j, (class, label, d)) in bars.into_iter().enumerate() {
            days.push(Bar {
                x: 160,
                y: y0 + 20 + j as u32 * 14,
                w: ((d / widest) * 320.0).round() as u32,
                h: 11,
                label: label.to_owned(),
                value: format!("{d:.1} {}", t("个工作日", "working days")),
                class,
            });
        }
    }
    Ok(Figures {
        rows: out_rows,
        monthly,
        days,
        days_labels,
    })
}
