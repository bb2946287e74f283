use serde::Serialize;

/// A piece of citizen-facing text in both of the kiosk's languages.
/// Chinese is the primary language; English is always present so the UI never shows a hole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }
}
