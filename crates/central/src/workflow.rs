//! The rules of a case after it arrives, shared by every way officers act on it (the
//! workbench, the command line): one window decides (受理, 补正, 不予受理); an accepted case
//! becomes one task per approval item for its department, decided in parallel; one joint
//! inspection serves every item that needs one; the case is done only when every item is, and
//! the citizen is told once (多果一起出).
//!
//! Every change is one immediate transaction with its audit row and, where the citizen must
//! know, a status change the kiosk fetches. Who may do what is checked here, not in the pages.

use crate::params;
use crate::sql::{Conn, OptionalExtension, TransactionBehavior};
use chrono::NaiveDate;
use onevisit_domain::Calendar;
use serde::Serialize;

use crate::accounts::{Officer, Role};

/// Working days the window has to decide on a new case (行政许可法 art. 32: accept, or say at
/// once and in full what must be corrected, within five days).
pub const WINDOW_DAYS: u32 = 5;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkError {
    #[error("no case {0}")]
    NoCase(String),
    #[error("no task {0}")]
    NoTask(i64),
    #[error("the case has not finished arriving (attachments still uploading)")]
    NotArrived,
    #[error("only {0} may do this")]
    NotAllowed(&'static str),
    #[error("the case is {0}: this cannot be done now")]
    Stage(String),
    #[error("{0}")]
    Missing(&'static str),
    #[error("the joint site inspection must be recorded before this item is approved")]
    InspectionFirst,
    #[error("no item of this case needs a site inspection")]
    NoInspection,
    #[error("database: {0}")]
    Db(String),
}

impl From<crate::sql::Error> for WorkError {
    fn from(e: crate::sql::Error) -> Self {
        WorkError::Db(e.to_string())
    }
}

/// An approval item of the case's plan, as the window accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSpec {
    pub id: String,
    pub name: String,
    pub department: String,
    pub days: u32,
    pub inspection: bool,
}

/// The date `days` working days after `start`: by the county's calendar, or counting Monday to
/// Friday for a year the calendar does not hold yet.
pub fn due(calendar: Option<&Calendar>, start: NaiveDate, days: u32) -> NaiveDate {
    if let Some(d) = calendar.and_then(|c| c.add_working_days(start, days).ok()) {
        return d;
    }
    let mut d = start;
    let mut left = days;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if chrono::Datelike::weekday(&d).number_from_monday() <= 5 {
            left -= 1;
        }
    }
    d
}

/// Working days from `today` to `due` (negative when overdue).
pub fn working_days_left(calendar: Option<&Calendar>, today: NaiveDate, due: NaiveDate) -> i64 {
    let working = |d: NaiveDate| match calendar.and_then(|c| c.is_working_day(d).ok()) {
        Some(w) => w,
        None => chrono::Datelike::weekday(&d).number_from_monday() <= 5,
    };
    let (from, to, sign) = if due >= today {
        (today, due, 1)
    } else {
        (due, today, -1)
    };
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.succ_opt().unwrap_or(to);
        if working(d) {
            n += 1;
        }
    }
    sign * n
}

fn immediate(conn: &mut Conn) -> Result<crate::sql::Transaction<'_>, WorkError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// A case's id, number, device and stage (`new` before the window decides).
struct CaseRef {
    id: String,
    number: String,
    device: String,
    stage: String,
}

fn case_ref(tx: &Conn, id: &str) -> Result<CaseRef, WorkError> {
    let row: Option<(String, String, String, String, Option<String>)> = tx
        .query_row(
            "SELECT c.id, c.number, c.device_id, c.state, w.stage FROM cases c
             LEFT JOIN case_work w ON w.case_id = c.id WHERE c.id = ?1 OR c.number = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((id, number, device, state, stage)) = row else {
        return Err(WorkError::NoCase(id.to_owned()));
    };
    if state != "committed" {
        return Err(WorkError::NotArrived);
    }
    Ok(CaseRef {
        id,
        number,
        device,
        stage: stage.unwrap_or_else(|| "new".to_owned()),
    })
}

/// What the citizen's kiosk shows: a status and why.
fn tell(
    tx: &Conn,
    c: &CaseRef,
    status: &str,
    reason: Option<&str>,
    now: i64,
    actor: &str,
) -> Result<(), WorkError> {
    tx.execute(
        "UPDATE cases SET status = ?2, reason = ?3 WHERE id = ?1",
        params![c.id, status, reason],
    )?;
    tx.execute(
        "INSERT INTO status_changes (case_id, device_id, status, reason, at, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![c.id, c.device, status, reason, now, actor],
    )?;
    Ok(())
}

fn require(who: &Officer, role: Role, what: &'static str) -> Result<(), WorkError> {
    if who.role != role {
        return Err(WorkError::NotAllowed(what));
    }
    Ok(())
}

fn open_to_window(c: &CaseRef) -> Result<(), WorkError> {
    if c.stage != "new" && c.stage != "correction" {
        return Err(WorkError::Stage(c.stage.clone()));
    }
    Ok(())
}

/// The window's decision on a case it has not decided yet (new, or back with corrections):
/// `apply` makes the change, then the audit row, all in one immediate transaction.
fn window_decides(
    conn: &mut Conn,
    who: &Officer,
    case: &str,
    command: &str,
    now: i64,
    apply: impl FnOnce(&Conn, &CaseRef) -> Result<(), WorkError>,
) -> Result<String, WorkError> {
    require(who, Role::Window, "the comprehensive window (综合窗口)")?;
    let tx = immediate(conn)?;
    let c = case_ref(&tx, case)?;
    open_to_window(&c)?;
    apply(&tx, &c)?;
    crate::audit::append(&tx, &who.name, command, &c.number, "ok", now)?;
    tx.commit()?;
    Ok(c.number)
}

/// The window's decision on record: its stage and note, who and when, the due date, and
/// whether the case waits for the window again (only after a request for corrections).
struct Stage<'a> {
    stage: &'a str,
    note: Option<&'a str>,
    due: Option<String>,
    finished: bool,
}

fn set_stage(tx: &Conn, c: &CaseRef, st: Stage, who: &Officer, now: i64) -> Result<(), WorkError> {
    tx.upsert(
        "UPDATE case_work SET stage = ?2, note = ?3, decided_by = ?4, decided_at = ?5,
           due = COALESCE(?6, due), finished_at = ?7 WHERE case_id = ?1",
        "INSERT INTO case_work (case_id, stage, note, decided_by, decided_at, due, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            c.id,
            st.stage,
            st.note,
            who.name,
            now,
            st.due,
            st.finished.then_some(now)
        ],
    )?;
    tx.execute(
        "UPDATE cases SET window_open = ?2 WHERE id = ?1",
        params![c.id, st.stage == "correction"],
    )?;
    Ok(())
}

/// 受理: the window accepts the whole theme; each item becomes a task for its department, due
/// by its time limit; the case is due when its last item is.
pub fn accept(
    conn: &mut Conn,
    who: &Officer,
    case: &str,
    items: &[ItemSpec],
    calendar: Option<&Calendar>,
    today: NaiveDate,
    now: i64,
) -> Result<String, WorkError> {
    if items.is_empty() {
        return Err(WorkError::Missing(
            "the case has no approval items: publish the catalog its theme is in",
        ));
    }
    window_decides(conn, who, case, "web accept", now, |tx, c| {
        let mut last = today;
        for it in items {
            let d = due(calendar, today, it.days);
            last = last.max(d);
            tx.execute(
                "INSERT INTO tasks (case_id, item, item_name, department, needs_inspection, status, due)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'waiting', ?6)",
                params![c.id, it.id, it.name, it.department, it.inspection, d.to_string()],
            )?;
        }
        let st = Stage {
            stage: "accepted",
            note: None,
            due: Some(last.to_string()),
            finished: false,
        };
        set_stage(tx, c, st, who, now)?;
        tell(
            tx,
            c,
            "in_review",
            Some(&format!("已受理，{last} 前办结")),
            now,
            &who.name,
        )
    })
}

/// 补正: what must be corrected (materials or fields) and why, said once and in full; the
/// citizen sees it at the kiosk and on a reprinted receipt.
pub fn ask_correction(
    conn: &mut Conn,
    who: &Officer,
    case: &str,
    what: &[String],
    why: &str,
    now: i64,
) -> Result<String, WorkError> {
    let what: Vec<&str> = what
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if what.is_empty() {
        return Err(WorkError::Missing(
            "say which materials or fields must be corrected",
        ));
    }
    if why.trim().is_empty() {
        return Err(WorkError::Missing("say why they must be corrected"));
    }
    let note = format!("请补正：{}。{}", what.join("、"), why.trim());
    window_decides(conn, who, case, "web correction", now, |tx, c| {
        let st = Stage {
            stage: "correction",
            note: Some(&note),
            due: None,
            finished: false,
        };
        set_stage(tx, c, st, who, now)?;
        tell(tx, c, "needs_correction", Some(&note), now, &who.name)
    })
}

/// 不予受理, with the legal reason the citizen is given.
pub fn refuse(
    conn: &mut Conn,
    who: &Officer,
    case: &str,
    legal_reason: &str,
    now: i64,
) -> Result<String, WorkError> {
    let reason = legal_reason.trim();
    if reason.is_empty() {
        return Err(WorkError::Missing(
            "a refusal needs its legal reason: the citizen is told it",
        ));
    }
    window_decides(conn, who, case, "web refuse", now, |tx, c| {
        let st = Stage {
            stage: "refused",
            note: Some(reason),
            due: None,
            finished: true,
        };
        set_stage(tx, c, st, who, now)?;
        tell(
            tx,
            c,
            "rejected",
            Some(&format!("不予受理：{reason}")),
            now,
            &who.name,
        )
    })
}

/// One joint inspection for every department whose item needs one: scheduled by the window.
pub fn schedule_inspection(
    conn: &mut Conn,
    who: &Officer,
    case: &str,
    when: &str,
    now: i64,
) -> Result<String, WorkError> {
    require(who, Role::Window, "the comprehensive window (综合窗口)")?;
    let when = when.trim();
    if when.is_empty() {
        return Err(WorkError::Missing("say when the inspection is"));
    }
    let tx = immediate(conn)?;
    let c = case_ref(&tx, case)?;
    if c.stage != "accepted" {
        return Err(WorkError::Stage(c.stage));
    }
    let departments: Vec<String> = tx
        .prepare(
            "SELECT DISTINCT department FROM tasks WHERE case_id = ?1 AND needs_inspection = 1
             ORDER BY department",
        )?
        .query_map([&c.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if departments.is_empty() {
        return Err(WorkError::NoInspection);
    }
    let recorded: Option<Option<i64>> = tx
        .query_row(
            "SELECT passed FROM inspections WHERE case_id = ?1",
            [&c.id],
            |r| r.get(0),
        )
        .optional()?;
    if recorded.flatten().is_some() {
        return Err(WorkError::Stage("inspected".into()));
    }
    tx.upsert(
        "UPDATE inspections SET scheduled_for = ?2, departments = ?3, scheduled_by = ?4
         WHERE case_id = ?1",
        "INSERT INTO inspections (case_id, scheduled_for, departments, scheduled_by)
         VALUES (?1, ?2, ?3, ?4)",
        params![c.id, when, departments.join(","), who.name],
    )?;
    crate::audit::append(
        &tx,
        &who.name,
        "web schedule-inspection",
        &c.number,
        "ok",
        now,
    )?;
    tx.commit()?;
    Ok(c.number)
}

/// The inspection's conclusion, recorded once by one of its departments and reused by every
/// item that needed it.
pub fn record_inspection(
    conn: &mut Conn,
    who: &Officer,
    case: &str,
    passed: bool,
    conclusion: &str,
    now: i64,
) -> Result<String, WorkError> {
    require(
        who,
        Role::Department,
        "a reviewer of a department that inspects",
    )?;
    if conclusion.trim().is_empty() {
        return Err(WorkError::Missing("write the inspection's conclusion"));
    }
    let tx = immediate(conn)?;
    let c = case_ref(&tx, case)?;
    let row: Option<(String, Option<i64>)> = tx
        .query_row(
            "SELECT departments, passed FROM inspections WHERE case_id = ?1",
            [&c.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((departments, done)) = row else {
        return Err(WorkError::Missing(
            "the window has not scheduled the inspection yet",
        ));
    };
    let mine = who.department.as_deref().unwrap_or_default();
    if !departments.split(',').any(|d| d == mine) {
        return Err(WorkError::NotAllowed(
            "a reviewer of a department that inspects",
        ));
    }
    if done.is_some() {
        return Err(WorkError::Stage("inspected".into()));
    }
    tx.execute(
        "UPDATE inspections SET passed = ?2, conclusion = ?3, recorded_by = ?4, recorded_at = ?5
         WHERE case_id = ?1",
        params![c.id, passed, conclusion.trim(), who.name, now],
    )?;
    crate::audit::append(
        &tx,
        &who.name,
        "web record-inspection",
        &c.number,
        "ok",
        now,
    )?;
    tx.commit()?;
    Ok(c.number)
}

/// Ratings at or below this open a follow-up (好差评: 差评 must be followed up).
pub const POOR_RATING: i64 = 2;

/// Closes the follow-up of a poor rating with what was done about it.
pub fn close_followup(
    conn: &mut Conn,
    who: &Officer,
    case: &str,
    action: &str,
    now: i64,
) -> Result<String, WorkError> {
    if !matches!(who.role, Role::Window | Role::Supervisor) {
        return Err(WorkError::NotAllowed("the window or a supervisor"));
    }
    let action = action.trim();
    if action.is_empty() {
        return Err(WorkError::Missing(
            "write down what was done about the rating",
        ));
    }
    let tx = immediate(conn)?;
    let c = case_ref(&tx, case)?;
    let rating: Option<i64> = tx.query_row(
        &format!(
            "SELECT {} FROM cases WHERE id = ?1",
            tx.json_field("manifest", "rating", true)
        ),
        [&c.id],
        |r| r.get(0),
    )?;
    if rating.is_none_or(|r| r > POOR_RATING) {
        return Err(WorkError::Stage("not rated poorly".into()));
    }
    let closed = tx.insert_or_ignore(
        "INSERT INTO followups (case_id, action, closed_by, closed_at) VALUES (?1, ?2, ?3, ?4)",
        params![c.id, action, who.name, now],
    )?;
    if !closed {
        return Err(WorkError::Stage("followed up already".into()));
    }
    crate::audit::append(&tx, &who.name, "web close-followup", &c.number, "ok", now)?;
    tx.commit()?;
    Ok(c.number)
}

/// What came of deciding a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decided {
    pub number: String,
    /// True when this was the last item: the results went out together.
    pub case_done: bool,
    /// The status the citizen was told, when the case is done.
    pub result: Option<String>,
}

/// A department decides its item. When it is the last, every result goes out at once.
pub fn decide_task(
    conn: &mut Conn,
    who: &Officer,
    task: i64,
    approve: bool,
    note: &str,
    now: i64,
) -> Result<Decided, WorkError> {
    require(who, Role::Department, "a reviewer of the item's department")?;
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(WorkError::Missing(
            "a refusal needs a note: the citizen is told it",
        ));
    }
    let tx = immediate(conn)?;
    let row: Option<(String, String, bool, String)> = tx
        .query_row(
            "SELECT case_id, department, needs_inspection, status FROM tasks WHERE id = ?1",
            [task],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((case_id, department, inspection, status)) = row else {
        return Err(WorkError::NoTask(task));
    };
    if who.department.as_deref() != Some(department.as_str()) {
        return Err(WorkError::NotAllowed("a reviewer of the item's department"));
    }
    if status != "waiting" {
        return Err(WorkError::Stage(status));
    }
    let c = case_ref(&tx, &case_id)?;
    if c.stage != "accepted" {
        return Err(WorkError::Stage(c.stage));
    }
    if approve && inspection {
        let passed: Option<Option<bool>> = tx
            .query_row(
                "SELECT passed FROM inspections WHERE case_id = ?1",
                [&c.id],
                |r| r.get(0),
            )
            .optional()?;
        match passed.flatten() {
            Some(true) => {}
            Some(false) => return Err(WorkError::Stage("failed its inspection".into())),
            None => return Err(WorkError::InspectionFirst),
        }
    }
    tx.execute(
        "UPDATE tasks SET status = ?2, note = ?3, decided_by = ?4, decided_at = ?5 WHERE id = ?1",
        params![
            task,
            if approve { "approved" } else { "refused" },
            (!note.is_empty()).then_some(note),
            who.name,
            now
        ],
    )?;
    crate::audit::append(
        &tx,
        &who.name,
        if approve {
            "web approve"
        } else {
            "web refuse-item"
        },
        &format!("{} task {task}", c.number),
        "ok",
        now,
    )?;
    let waiting: i64 = tx.query_row(
        "SELECT COUNT(*) FROM tasks WHERE case_id = ?1 AND status = 'waiting'",
        [&c.id],
        |r| r.get(0),
    )?;
    let mut result = None;
    if waiting == 0 {
        let refused: Vec<(String, Option<String>)> = tx
            .prepare(
                "SELECT item_name, note FROM tasks WHERE case_id = ?1 AND status = 'refused'
                 ORDER BY id",
            )?
            .query_map([&c.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let (status, reason) = if refused.is_empty() {
            ("approved", "全部事项已办结，结果一并送达".to_owned())
        } else {
            let list: Vec<String> = refused
                .iter()
                .map(|(n, why)| format!("{n}：{}", why.as_deref().unwrap_or("")))
                .collect();
            ("rejected", format!("未予许可的事项 — {}", list.join("；")))
        };
        tx.execute(
            "UPDATE case_work SET stage = 'done', finished_at = ?2 WHERE case_id = ?1",
            params![c.id, now],
        )?;
        tell(&tx, &c, status, Some(&reason), now, &who.name)?;
        crate::audit::append(
            &tx,
            &who.name,
            "web results-together",
            &c.number,
            status,
            now,
        )?;
        result = Some(status.to_owned());
    }
    tx.commit()?;
    Ok(Decided {
        number: c.number,
        case_done: result.is_some(),
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts;

    fn world() -> (tempfile::TempDir, Conn) {
        let dir = tempfile::tempdir().expect("tmp");
        let c = crate::db::open(&crate::sql::Location::folder(dir.path())).expect("db");
        c.execute_batch(
            "INSERT INTO devices (id, site, public_key, enrolled_at) VALUES ('d', 's', 'k', 0);
             INSERT INTO cases (id, number, device_id, site, theme, manifest, manifest_sha256,
               state, submitted_at, received_at, source)
             VALUES ('c1', '2026-000001', 'd', 's', 't', '{}', '', 'committed', 0, 0, 'online');",
        )
        .expect("case");
        (dir, c)
    }

    fn officer(c: &Conn, name: &str, role: &str, dep: Option<&str>) -> Officer {
        accounts::add(c, name, role, dep, "a long password", 0).expect("officer")
    }

    #[test]
    fn each_does_only_their_part() {
        let (_d, mut c) = world();
        let window = officer(&c, "窗口", "window", None);
        let amr = officer(&c, "市监", "department", Some("amr"));
        let fire = officer(&c, "消防", "department", Some("fire"));
        let items = [
            ItemSpec {
                id: "permit".into(),
                name: "许可".into(),
                department: "amr".into(),
                days: 3,
                inspection: true,
            },
            ItemSpec {
                id: "check".into(),
                name: "检查".into(),
                department: "fire".into(),
                days: 5,
                inspection: true,
            },
        ];
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        assert_eq!(
            accept(&mut c, &amr, "c1", &items, None, today, 1),
            Err(WorkError::NotAllowed("the comprehensive window (综合窗口)"))
        );
        assert!(matches!(
            refuse(&mut c, &window, "c1", " ", 1),
            Err(WorkError::Missing(_))
        ));
        assert_eq!(
            accept(&mut c, &window, "c1", &items, None, today, 1).as_deref(),
            Ok("2026-000001")
        );
        // Nor can the command line decide around the workbench; it records only pickup.
        let e = crate::admin::set_status(&mut c, "c1", "rejected", Some("x"), 2, "cli")
            .expect_err("the workbench decides");
        assert!(e.to_string().contains("workbench"), "{e}");
        // Once accepted, the window cannot decide again.
        assert!(matches!(
            refuse(&mut c, &window, "c1", "x", 2),
            Err(WorkError::Stage(_))
        ));
        let task = |dep: &str| -> i64 {
            c.query_row("SELECT id FROM tasks WHERE department = ?1", [dep], |r| {
                r.get(0)
            })
            .expect("task")
        };
        let (t_amr, t_fire) = (task("amr"), task("fire"));
        // Another department's task, or the window deciding one: refused.
        assert!(matches!(
            decide_task(&mut c, &fire, t_amr, true, "", 3),
            Err(WorkError::NotAllowed(_))
        ));
        assert!(matches!(
            decide_task(&mut c, &window, t_amr, true, "", 3),
            Err(WorkError::NotAllowed(_))
        ));
        // Not before the one inspection; recorded once, by a department taking part.
        assert_eq!(
            decide_task(&mut c, &amr, t_amr, true, "", 3),
            Err(WorkError::InspectionFirst)
        );
        assert!(matches!(
            record_inspection(&mut c, &amr, "c1", true, "ok", 3),
            Err(WorkError::Missing(_))
        ));
        schedule_inspection(&mut c, &window, "c1", "2026-12-10 09:30", 3).expect("schedule");
        record_inspection(&mut c, &fire, "c1", true, "符合", 4).expect("record");
        assert!(matches!(
            record_inspection(&mut c, &amr, "c1", true, "again", 4),
            Err(WorkError::Stage(_))
        ));
        let d = decide_task(&mut c, &amr, t_amr, true, "准予", 5).expect("amr");
        assert!(!d.case_done);
        assert!(matches!(
            decide_task(&mut c, &fire, t_fire, false, "", 6),
            Err(WorkError::Missing(_))
        ));
        let d = decide_task(&mut c, &fire, t_fire, false, "疏散通道不足", 6).expect("fire");
        assert_eq!(d.result.as_deref(), Some("rejected"));
        let reason: String = c
            .query_row("SELECT reason FROM cases WHERE id = 'c1'", [], |r| r.get(0))
            .expect("reason");
        assert!(reason.contains("检查：疏散通道不足"), "{reason}");
        assert!(matches!(crate::audit::verify(&c).expect("audit"), Ok(n) if n >= 6));
    }

    #[test]
    fn due_dates_count_working_days() {
        let fri = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        // Without a calendar: Monday to Friday.
        assert_eq!(
            due(None, fri, 1),
            NaiveDate::from_ymd_opt(2026, 12, 7).expect("d")
        );
        assert_eq!(
            due(None, fri, 5),
            NaiveDate::from_ymd_opt(2026, 12, 11).expect("d")
        );
        assert_eq!(due(None, fri, 0), fri);
        let mon = NaiveDate::from_ymd_opt(2026, 12, 7).expect("d");
        assert_eq!(working_days_left(None, fri, mon), 1);
        assert_eq!(working_days_left(None, mon, fri), -1);
        assert_eq!(working_days_left(None, fri, fri), 0);
    }
}
