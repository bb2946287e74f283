//! What the officers' command line needs beyond the data: who is at the keyboard (every
//! command is audited under that name), one case in full, and text a kiosk sent made safe
//! for a terminal. A manifest is written by a kiosk, which may be stolen or tampered with:
//! an escape sequence in a form field must not clear, retitle or rewrite an officer's screen.

use std::collections::BTreeMap;

use crate::params;
use crate::sql::Conn;
use anyhow::{Result, bail};
use onevisit_sync::proto::CaseManifest;
use serde::Serialize;

use crate::admin::{self, CaseRow};

/// The environment variable that may name the officer instead of `--officer`.
pub const OFFICER_ENV: &str = "ONEVISIT_OFFICER";

/// The officer's name from `--officer` or `ONEVISIT_OFFICER`; an error saying how to give
/// it when neither does.
pub fn identity(flag: Option<&str>, env: Option<&str>) -> Result<String> {
    let Some(name) = flag.or(env).map(str::trim).filter(|n| !n.is_empty()) else {
        bail!(
            "who is running this command? Officers' commands are recorded in the audit log under a name: pass --officer NAME (e.g. --officer 王科员) or set {OFFICER_ENV}"
        );
    };
    if name.chars().count() > 64 || name.chars().any(needs_escape) {
        bail!("the officer name must be at most 64 characters, without control characters");
    }
    Ok(name.to_owned())
}

/// Characters that change a terminal rather than print: C0 and C1 controls (ESC, CR,
/// backspace…), and the invisible marks that reorder text on screen.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every such character written out as `\x1b` / `\u{202e}`: what was sent stays
/// visible, and nothing acts on the terminal.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    out
}

#[derive(Debug, Serialize)]
pub struct HistoryRow {
    pub status: String,
    pub reason: Option<String>,
    pub at: i64,
    pub actor: String,
}

/// One case as an officer reads it: the list's row, the answers and form, and the history.
#[derive(Debug, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseRow,
    pub answers: BTreeMap<String, String>,
    pub form: BTreeMap<String, String>,
    pub history: Vec<HistoryRow>,
}

pub fn show_case(conn: &Conn, id: &str) -> Result<CaseDetail> {
    let Some(case) = admin::cases_where(conn, Some(id))?.into_iter().next() else {
        bail!("no case {id}; `onevisit-central cases list` shows them");
    };
    let manifest: String = conn.query_row(
        "SELECT manifest FROM cases WHERE id = ?1",
        [&case.id],
        |r| r.get(0),
    )?;
    let m: Option<CaseManifest> = serde_json::from_str(&manifest).ok();
    let history = conn
        .prepare(
            "SELECT status, reason, at, actor FROM status_changes WHERE case_id = ?1 ORDER BY seq",
        )?
        .query_map(params![case.id], |r| {
            Ok(HistoryRow {
                status: r.get(0)?,
                reason: r.get(1)?,
                at: r.get(2)?,
                actor: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(CaseDetail {
        answers: m.as_ref().map(|m| m.answers.clone()).unwrap_or_default(),
        form: m.map(|m| m.form).unwrap_or_default(),
        case,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_written_out() {
        assert_eq!(escape("饭店\x1b[2J\r\n"), "饭店\\x1b[2J\\x0d\\x0a");
        assert_eq!(escape("a\u{202e}b\u{9b}"), "a\\u{202e}b\\x9b");
        assert_eq!(escape("测试饭店 No. 1"), "测试饭店 No. 1");
    }

    #[test]
    fn an_officer_must_be_named() {
        assert!(
            identity(None, None)
                .unwrap_err()
                .to_string()
                .contains("--officer")
        );
        assert!(identity(Some("  "), None).is_err());
        assert!(identity(Some("a\x1b"), None).is_err());
        assert_eq!(identity(None, Some("王科员")).unwrap(), "王科员");
        assert_eq!(identity(Some("李"), Some("王")).unwrap(), "李");
    }
}
