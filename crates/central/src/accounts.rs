//! Officers' accounts and browser sessions for the workbench.
//!
//! Passwords are kept only as slow salted hashes (PBKDF2-SHA256, 600,000 rounds); a session is
//! a random token in a cookie of which only the SHA-256 is stored, with its own CSRF token.
//! Failed logins lock an account with back-off: five in a row lock it for a minute, each
//! further failure doubles that, up to an hour; a right password unlocks it.

use crate::params;
use crate::sql::{Conn, OptionalExtension};
use serde::Serialize;

/// PBKDF2 rounds for officers' passwords (OWASP's figure for PBKDF2-HMAC-SHA256).
pub const ITERATIONS: u32 = 600_000;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// Failures in a row before the first lock.
const FREE_FAILURES: i64 = 5;
const MINUTE_MS: i64 = 60_000;
/// Longest lock.
const MAX_LOCK_MS: i64 = 60 * MINUTE_MS;
/// A session ends this long after login, whatever happens (a working day).
pub const SESSION_MS: i64 = 10 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 综合窗口: accepts, asks for corrections, refuses; schedules the joint inspection.
    Window,
    /// A department's reviewer: decides its department's items, records inspections.
    Department,
    /// Sees everything, closes rating follow-ups.
    Supervisor,
    /// The fleet: kiosks, enrollment codes.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Window,
        Role::Department,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Window => "window",
            Role::Department => "department",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::Window => "comprehensive window",
            Role::Department => "department reviewer",
            Role::Supervisor => "supervisor",
            Role::Admin => "administrator",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Window => "综合窗口",
            Role::Department => "部门审批",
            Role::Supervisor => "督办",
            Role::Admin => "设备管理",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Officer {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The department a reviewer decides for (only for [`Role::Department`]).
    pub department: Option<String>,
    pub disabled: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("no officer {0}; `onevisit-central officer list` shows them")]
    Unknown(String),
    #[error("there is already an officer {0}")]
    Exists(String),
    #[error("unknown role {0:?}; use window, department, supervisor or admin")]
    Role(String),
    #[error("a department reviewer needs --department ID (and only a reviewer has one)")]
    Department,
    #[error("the name must be 1 to 64 characters, without control characters")]
    Name,
    #[error("the password must be at least {MIN_PASSWORD} characters")]
    WeakPassword,
    #[error("database: {0}")]
    Db(String),
}

impl From<crate::sql::Error> for AccountError {
    fn from(e: crate::sql::Error) -> Self {
        AccountError::Db(e.to_string())
    }
}

/// TOTP (RFC 6238): 6 digits from HMAC-SHA1 of the 30-second step.
pub fn totp(secret: &[u8], step: u64) -> u32 {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = usize::from(h[19] & 0x0f);
    let bin = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]);
    bin % 1_000_000
}

/// Whether `code` is the TOTP of `secret` at `now` (one step either side, for clocks apart).
pub fn totp_ok(secret: &[u8], code: &str, now: i64) -> bool {
    let Ok(code) = code.trim().parse::<u32>() else {
        return false;
    };
    let step = (now.max(0) / 30_000) as u64;
    [step.saturating_sub(1), step, step + 1]
        .iter()
        .any(|s| totp(secret, *s) == code)
}

/// RFC 4648 base32 without padding, as authenticator apps take a secret.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(ALPHABET[((buf >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Turns TOTP on for an officer: a new secret (kept hex-encoded), returned as the
/// `otpauth://` line an authenticator app takes (shown once).
pub fn enable_totp(conn: &Conn, name: &str) -> Result<String, AccountError> {
    let o = by_name(conn, name)?;
    let secret: [u8; 20] = onevisit_sync::random_bytes();
    conn.execute(
        "UPDATE officers SET totp_secret = ?2 WHERE id = ?1",
        params![o.id, onevisit_sync::hex(&secret)],
    )?;
    Ok(format!(
        "otpauth://totp/OneVisit:{}?secret={}&issuer=OneVisit&digits=6&period=30",
        o.id,
        base32(&secret)
    ))
}

pub fn disable_totp(conn: &Conn, name: &str) -> Result<Officer, AccountError> {
    let o = by_name(conn, name)?;
    conn.execute(
        "UPDATE officers SET totp_secret = NULL WHERE id = ?1",
        [o.id],
    )?;
    Ok(o)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// Why a login was refused. The first two read the same to the person at the login page.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginError {
    #[error("wrong name or password")]
    Wrong,
    #[error("too many failed logins: try again after {until_ms}")]
    Locked { until_ms: i64 },
    #[error("this account is disabled")]
    Disabled,
    #[error("database: {0}")]
    Db(String),
}

impl From<crate::sql::Error> for LoginError {
    fn from(e: crate::sql::Error) -> Self {
        LoginError::Db(e.to_string())
    }
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AccountError::WeakPassword);
    }
    let salt: [u8; 16] = onevisit_sync::random_bytes();
    Ok(onevisit_sync::pin::hash(password, &salt, ITERATIONS))
}

fn check_name(name: &str) -> Result<&str, AccountError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(AccountError::Name);
    }
    Ok(n)
}

fn officer_row(r: &crate::sql::Row) -> crate::sql::Result<Officer> {
    let role: String = r.get(2)?;
    Ok(Officer {
        id: r.get(0)?,
        name: r.get(1)?,
        role: Role::parse(&role)
            .ok_or_else(|| crate::sql::Error::Other(format!("unknown officer role {role:?}")))?,
        department: r.get(3)?,
        disabled: r.get::<_, Option<i64>>(4)?.is_some(),
    })
}

const OFFICER_COLUMNS: &str = "id, name, role, department, disabled_at";

pub fn add(
    conn: &Conn,
    name: &str,
    role: &str,
    department: Option<&str>,
    password: &str,
    now: i64,
) -> Result<Officer, AccountError> {
    let name = check_name(name)?;
    let role = Role::parse(role).ok_or_else(|| AccountError::Role(role.to_owned()))?;
    let department = department.map(str::trim).filter(|d| !d.is_empty());
    if (role == Role::Department) != department.is_some() {
        return Err(AccountError::Department);
    }
    let hash = hash_password(password)?;
    let exists: Option<i64> = conn
        .query_row("SELECT id FROM officers WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_some() {
        return Err(AccountError::Exists(name.to_owned()));
    }
    conn.execute(
        "INSERT INTO officers (name, role, department, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![name, role.as_str(), department, hash, now],
    )?;
    by_name(conn, name)
}

pub fn by_name(conn: &Conn, name: &str) -> Result<Officer, AccountError> {
    conn.query_row(
        &format!("SELECT {OFFICER_COLUMNS} FROM officers WHERE name = ?1"),
        [name.trim()],
        officer_row,
    )
    .optional()?
    .ok_or_else(|| AccountError::Unknown(name.to_owned()))
}

pub fn list(conn: &Conn) -> Result<Vec<Officer>, AccountError> {
    let mut st = conn.prepare(&format!(
        "SELECT {OFFICER_COLUMNS} FROM officers ORDER BY role, name"
    ))?;
    let rows = st.query_map([], officer_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Disables an account and ends its sessions.
pub fn disable(conn: &Conn, name: &str, now: i64) -> Result<Officer, AccountError> {
    let o = by_name(conn, name)?;
    conn.execute(
        "UPDATE officers SET disabled_at = ?2 WHERE id = ?1",
        params![o.id, now],
    )?;
    conn.execute("DELETE FROM web_sessions WHERE officer_id = ?1", [o.id])?;
    by_name(conn, name)
}

/// A new password: the account is enabled and unlocked again, and its sessions end.
pub fn reset(conn: &Conn, name: &str, password: &str, _now: i64) -> Result<Officer, AccountError> {
    let o = by_name(conn, name)?;
    let hash = hash_password(password)?;
    conn.execute(
        "UPDATE officers SET password_hash = ?2, disabled_at = NULL, failed_logins = 0,
         locked_until = NULL WHERE id = ?1",
        params![o.id, hash],
    )?;
    conn.execute("DELETE FROM web_sessions WHERE officer_id = ?1", [o.id])?;
    by_name(conn, name)
}

/// A hash of nothing anyone knows, checked when the name is unknown so that a wrong name
/// takes as long as a wrong password.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| onevisit_sync::pin::hash("decoy", &[0u8; 16], ITERATIONS))
}

/// Checks a login; counts failures and locks with back-off.
/// A login with the password and, for an officer who turned TOTP on, the code of their
/// authenticator app (a wrong or missing code counts as a wrong password).
pub fn login(
    conn: &Conn,
    name: &str,
    password: &str,
    code: Option<&str>,
    now: i64,
) -> Result<Officer, LoginError> {
    /// id, password hash, failures in a row, locked until, disabled at, TOTP secret.
    type Row = (i64, String, i64, Option<i64>, Option<i64>, Option<String>);
    let row: Option<Row> = conn
        .query_row(
            "SELECT id, password_hash, failed_logins, locked_until, disabled_at, totp_secret
             FROM officers WHERE name = ?1",
            [name.trim()],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((id, stored, failed, locked_until, disabled, secret)) = row else {
        let _ = onevisit_sync::pin::matches(password, decoy());
        return Err(LoginError::Wrong);
    };
    if let Some(until_ms) = locked_until.filter(|u| *u > now) {
        return Err(LoginError::Locked { until_ms });
    }
    let right = onevisit_sync::pin::is_hash(&stored)
        && onevisit_sync::pin::matches(password, &stored)
        && secret
            .as_deref()
            .is_none_or(|s| unhex(s).is_some_and(|s| totp_ok(&s, code.unwrap_or_default(), now)));
    if !right {
        let failed = failed + 1;
        let lock = (failed >= FREE_FAILURES).then(|| {
            let doublings = (failed - FREE_FAILURES).min(6) as u32;
            now + (MINUTE_MS << doublings).min(MAX_LOCK_MS)
        });
        conn.execute(
            "UPDATE officers SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1",
            params![id, failed, lock],
        )?;
        return Err(match lock {
            Some(until_ms) => LoginError::Locked { until_ms },
            None => LoginError::Wrong,
        });
    }
    if disabled.is_some() {
        return Err(LoginError::Disabled);
    }
    conn.execute(
        "UPDATE officers SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(conn.query_row(
        &format!("SELECT {OFFICER_COLUMNS} FROM officers WHERE id = ?1"),
        [id],
        officer_row,
    )?)
}

/// A new session: the token for the cookie and the CSRF token for its forms.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

pub fn start_session(
    conn: &Conn,
    officer: &Officer,
    now: i64,
) -> Result<NewSession, crate::sql::Error> {
    let token = onevisit_sync::hex(&onevisit_sync::random_bytes::<32>());
    let csrf = onevisit_sync::hex(&onevisit_sync::random_bytes::<32>());
    conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?1", [now])?;
    conn.execute(
        "INSERT INTO web_sessions (token_sha256, officer_id, csrf, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            onevisit_sync::sha256_hex(token.as_bytes()),
            officer.id,
            csrf,
            now,
            now + SESSION_MS
        ],
    )?;
    Ok(NewSession { token, csrf })
}

/// The officer and CSRF token of a live session; `None` for an unknown, expired or disabled
/// one.
pub fn session(
    conn: &Conn,
    token: &str,
    now: i64,
) -> Result<Option<(Officer, String)>, crate::sql::Error> {
    conn.query_row(
        "SELECT o.id, o.name, o.role, o.department, o.disabled_at, s.csrf
         FROM web_sessions s JOIN officers o ON o.id = s.officer_id
         WHERE s.token_sha256 = ?1 AND s.expires_at > ?2 AND o.disabled_at IS NULL",
        params![onevisit_sync::sha256_hex(token.as_bytes()), now],
        |r| Ok((officer_row(r)?, r.get::<_, String>(5)?)),
    )
    .optional()
}

pub fn end_session(conn: &Conn, token: &str) -> Result<(), crate::sql::Error> {
    conn.execute(
        "DELETE FROM web_sessions WHERE token_sha256 = ?1",
        [onevisit_sync::sha256_hex(token.as_bytes())],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Conn) {
        let dir = tempfile::tempdir().expect("tmp");
        let conn = crate::db::open(&crate::sql::Location::folder(dir.path())).expect("db");
        (dir, conn)
    }

    fn login_pw(c: &Conn, name: &str, pw: &str, now: i64) -> Result<Officer, LoginError> {
        login(c, name, pw, None, now)
    }

    #[test]
    fn totp_follows_rfc_6238_and_guards_the_login() {
        // RFC 6238's SHA-1 vector: T = 59 s → 94287082, whose last six digits are the code.
        assert_eq!(totp(b"12345678901234567890", 1), 287_082);
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let (_d, c) = db();
        add(&c, "王窗口", "window", None, "correct horse 1", 0).expect("add");
        let line = enable_totp(&c, "王窗口").expect("totp");
        assert!(line.starts_with("otpauth://totp/OneVisit:"), "{line}");
        let hexed: String = c
            .query_row("SELECT totp_secret FROM officers", [], |r| r.get(0))
            .expect("secret");
        let secret = unhex(&hexed).expect("hex");
        let now = 1_800_000_000_000;
        let code = format!("{:06}", totp(&secret, (now / 30_000) as u64));
        assert_eq!(
            login_pw(&c, "王窗口", "correct horse 1", now),
            Err(LoginError::Wrong)
        );
        assert!(login(&c, "王窗口", "correct horse 1", Some(&code), now).is_ok());
        assert!(login(&c, "王窗口", "correct horse 1", Some(&code), now + 30_000).is_ok());
        assert_eq!(
            login(&c, "王窗口", "correct horse 1", Some(&code), now + 120_000),
            Err(LoginError::Wrong)
        );
        disable_totp(&c, "王窗口").expect("off");
        assert!(login_pw(&c, "王窗口", "correct horse 1", now).is_ok());
    }

    #[test]
    fn accounts_with_roles_and_departments() {
        let (_d, c) = db();
        let w = add(&c, "王窗口", "window", None, "correct horse 1", 0).expect("add");
        assert_eq!(w.role, Role::Window);
        assert_eq!(
            add(&c, "王窗口", "window", None, "correct horse 1", 0),
            Err(AccountError::Exists("王窗口".into()))
        );
        assert_eq!(
            add(&c, "李审批", "department", None, "correct horse 1", 0),
            Err(AccountError::Department)
        );
        assert_eq!(
            add(&c, "李审批", "window", Some("market"), "correct horse 1", 0),
            Err(AccountError::Department)
        );
        assert_eq!(
            add(&c, "李审批", "boss", None, "correct horse 1", 0),
            Err(AccountError::Role("boss".into()))
        );
        assert_eq!(
            add(&c, "李审批", "department", Some("market"), "short", 0),
            Err(AccountError::WeakPassword)
        );
        let d = add(
            &c,
            "李审批",
            "department",
            Some("market"),
            "correct horse 2",
            0,
        )
        .expect("d");
        assert_eq!(d.department.as_deref(), Some("market"));
        assert_eq!(list(&c).expect("list").len(), 2);
    }

    #[test]
    fn login_locks_with_back_off_and_a_reset_unlocks() {
        let (_d, c) = db();
        add(&c, "王窗口", "window", None, "correct horse 1", 0).expect("add");
        assert_eq!(login_pw(&c, "nobody", "x", 0), Err(LoginError::Wrong));
        for _ in 0..4 {
            assert_eq!(login_pw(&c, "王窗口", "wrong", 0), Err(LoginError::Wrong));
        }
        // The fifth failure locks for a minute; even the right password waits.
        assert_eq!(
            login_pw(&c, "王窗口", "wrong", 0),
            Err(LoginError::Locked {
                until_ms: MINUTE_MS
            })
        );
        assert!(matches!(
            login_pw(&c, "王窗口", "correct horse 1", 1000),
            Err(LoginError::Locked { .. })
        ));
        // After it, one more failure locks for two minutes.
        assert_eq!(
            login_pw(&c, "王窗口", "wrong", MINUTE_MS),
            Err(LoginError::Locked {
                until_ms: 3 * MINUTE_MS
            })
        );
        let o = login_pw(&c, "王窗口", "correct horse 1", 3 * MINUTE_MS).expect("in");
        assert_eq!(o.name, "王窗口");
        // Sessions: a token works until logout, disable or reset.
        let s = start_session(&c, &o, 0).expect("session");
        assert_eq!(
            session(&c, &s.token, 1).expect("q").map(|x| x.1),
            Some(s.csrf.clone())
        );
        assert_eq!(
            session(&c, &s.token, SESSION_MS).expect("q"),
            None,
            "expired"
        );
        assert_eq!(session(&c, "forged", 1).expect("q"), None);
        disable(&c, "王窗口", 2).expect("disable");
        assert_eq!(session(&c, &s.token, 3).expect("q"), None);
        assert_eq!(
            login_pw(&c, "王窗口", "correct horse 1", 4),
            Err(LoginError::Disabled)
        );
        reset(&c, "王窗口", "another horse 1", 5).expect("reset");
        assert!(login_pw(&c, "王窗口", "another horse 1", 6).is_ok());
    }
}
