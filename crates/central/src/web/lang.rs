//! The workbench's language: Chinese first, English when an officer chooses it (a cookie,
//! `/lang/en` or `/lang/zh`).
//!
//! A request's pages are made on one blocking thread from start to end, so the language is
//! set there once per request ([`set`]) and read where words are chosen ([`t`], [`text`]):
//! every row builder would otherwise carry a language argument it only passes on.

use std::cell::Cell;

use axum::http::HeaderMap;
use onevisit_domain::Text;

thread_local! {
    static EN: Cell<bool> = const { Cell::new(false) };
}

/// The cookie that keeps the choice.
pub const COOKIE: &str = "ov_lang";

/// English if the request's cookie asks for it.
pub fn from_headers(headers: &HeaderMap) -> bool {
    super::session::cookie(headers, COOKIE) == Some("en")
}

pub fn set(en: bool) {
    EN.with(|e| e.set(en));
}

pub fn en() -> bool {
    EN.with(Cell::get)
}

/// The words in the request's language.
pub fn t(zh: &'static str, en_words: &'static str) -> &'static str {
    if en() { en_words } else { zh }
}

/// A catalog text in the request's language.
pub fn text(t: &Text) -> String {
    if en() { t.en.clone() } else { t.zh.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_threads_and_chinese_first() {
        assert_eq!(t("收件箱", "Inbox"), "收件箱");
        set(true);
        assert_eq!(t("收件箱", "Inbox"), "Inbox");
        let other = std::thread::spawn(|| t("收件箱", "Inbox"))
            .join()
            .expect("thread");
        assert_eq!(other, "收件箱");
        set(false);
    }
}
