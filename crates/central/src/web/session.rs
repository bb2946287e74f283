//! Who is at the browser: the session cookie, the CSRF token of its forms, and the login
//! form's own token (before there is a session, a cookie and a hidden field that must agree).

use axum::http::{HeaderMap, HeaderValue, header};

use crate::accounts::Officer;

/// The session cookie: Secure (the workbench is served only over TLS), HttpOnly (no script
/// reads it), SameSite=Strict (no other site's page sends it).
pub const SESSION_COOKIE: &str = "ov_session";
/// The login form's CSRF cookie.
pub const LOGIN_COOKIE: &str = "ov_login";

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

pub fn set_cookie(name: &str, value: &str, max_age_s: i64) -> HeaderValue {
    let v =
        format!("{name}={value}; Path=/; Max-Age={max_age_s}; Secure; HttpOnly; SameSite=Strict");
    // Names and values are ours: hex tokens and ASCII names.
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The officer behind a request, with the CSRF token every form of theirs carries.
#[derive(Debug, Clone)]
pub struct Session {
    pub officer: Officer,
    pub csrf: String,
    pub token: String,
}

impl Session {
    /// Whether a posted form's token is this session's (compared in constant time).
    pub fn csrf_ok(&self, posted: Option<&str>) -> bool {
        posted.is_some_and(|p| same(p.as_bytes(), self.csrf.as_bytes()))
    }
}

pub fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; ov_session=abc"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("ov_login=def"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, LOGIN_COOKIE), Some("def"));
        assert_eq!(cookie(&h, "missing"), None);
        let v = set_cookie(SESSION_COOKIE, "abc", 60);
        let v = v.to_str().expect("ascii");
        for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(v.contains(attr), "{v}");
        }
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }
}
