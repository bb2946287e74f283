//! Telling the citizen once, when every item of a case is decided (多果一起出). Besides the
//! status the kiosk fetches, a text message goes to the phone number on the form through a
//! [`Notifier`]. A county plugs in its SMS gateway as a program (`serve --notify-command
//! PROGRAM`: run with the phone number as its argument and the text on standard input; exit 0
//! when sent); without one, the reference server appends each message to `notifications.log`
//! in its data folder (JSON lines, the number masked), which is also what the tests read.

use std::io::Write;
use std::path::Path;

use crate::sql::{Conn, OptionalExtension};

/// Where the reference notifier writes.
pub const LOG: &str = "notifications.log";

/// Sends one message to one phone number.
pub trait Notifier {
    fn send(&self, phone: &str, text: &str) -> Result<(), String>;
}

/// The reference notifier: a line per message in `notifications.log`.
pub struct LogNotifier<'a> {
    pub data: &'a Path,
    pub now: i64,
}

impl Notifier for LogNotifier<'_> {
    fn send(&self, phone: &str, text: &str) -> Result<(), String> {
        let line = serde_json::json!({
            "at": self.now,
            "to": mask_phone(phone),
            "text": text,
        });
        let path = self.data.join(LOG);
        let mut f = crate::private::options()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        writeln!(f, "{line}").map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The environment variable `serve --notify-command` sets for the workbench.
pub const COMMAND_ENV: &str = "ONEVISIT_NOTIFY_COMMAND";

/// A county's SMS gateway as a program: the number as its argument, the text on stdin.
pub struct CommandNotifier<'a> {
    pub program: &'a Path,
}

impl Notifier for CommandNotifier<'_> {
    fn send(&self, phone: &str, text: &str) -> Result<(), String> {
        let mut child = std::process::Command::new(self.program)
            .arg(phone)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.program.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A program that exits without reading it closes the pipe: its exit status,
            // below, says whether the message went.
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("{}: {e}", self.program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({}): {}",
                self.program.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

/// `138****8000`: enough to tell numbers apart in a log, not to call one.
pub fn mask_phone(p: &str) -> String {
    let digits: Vec<char> = p.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return "*".repeat(digits.len());
    }
    let n = digits.len();
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 7))
}

/// The one message when a case's results go out together. A failure to send is logged, not
/// raised: the decision stands and the kiosk shows it either way.
pub fn results_together(data: &Path, conn: &Conn, number: &str, status: &str, now: i64) {
    let phone: Option<String> = conn
        .query_row(
            "SELECT manifest FROM cases WHERE number = ?1",
            [number],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .ok()
        .flatten()
        .and_then(|m| serde_json::from_str::<onevisit_sync::proto::CaseManifest>(&m).ok())
        .and_then(|m| m.form.get("phone").cloned())
        .filter(|p| !p.trim().is_empty());
    let Some(phone) = phone else {
        tracing::info!(
            case = number,
            "results together: no phone number on the form"
        );
        return;
    };
    let outcome = if status == "approved" {
        "全部事项已办结，准予许可"
    } else {
        "全部事项已办结，部分事项未予许可"
    };
    let text = format!(
        "【一件事一次办】您的办件 {number} {outcome}。结果一并送达，可在自助终端“我的办件”查看或到综合窗口领取。"
    );
    let command = std::env::var_os(COMMAND_ENV).map(std::path::PathBuf::from);
    let sent = match &command {
        Some(program) => CommandNotifier { program }.send(&phone, &text),
        None => LogNotifier { data, now }.send(&phone, &text),
    };
    match sent {
        Ok(()) => tracing::info!(case = number, to = %mask_phone(&phone), "results message sent"),
        Err(e) => tracing::warn!(case = number, "the results message was not sent: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gateway_program_gets_the_number_and_the_text() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("sent");
        let script = dir.path().join("gateway");
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$1\" > {0}\ncat >> {0}\n", out.display()),
        )
        .expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        CommandNotifier { program: &script }
            .send("13800138000", "办结了")
            .expect("sent");
        assert_eq!(
            std::fs::read_to_string(&out).expect("out"),
            "13800138000\n办结了"
        );
        let failing = dir.path().join("down");
        std::fs::write(&failing, "#!/bin/sh\necho gateway down >&2\nexit 3\n").expect("script");
        std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let e = CommandNotifier { program: &failing }
            .send("1", "x")
            .expect_err("fails");
        assert!(e.contains("gateway down"), "{e}");
    }

    #[test]
    fn phone_numbers_are_masked() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("123"), "***");
    }
}
