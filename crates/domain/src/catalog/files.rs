//! The on-disk shape of catalog files, as written by the county's editors.
//! Ids are kept with their byte spans so every error can name a line.

use serde::Deserialize;
use toml::Spanned;

use super::model::{Audience, CaptureKind, FieldKind, IdCardField, Obtain, QuestionKind, StepKind};

pub type Id = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentsFile {
    #[serde(default)]
    pub department: Vec<RawDepartment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDepartment {
    pub id: Id,
    pub name: String,
    pub name_en: String,
}

/// `county.toml` (optional): what is the county's, not any one theme's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountyFile {
    /// When the service hall's windows are open, printed on the take-home list.
    pub office_hours: Option<String>,
    pub office_hours_en: Option<String>,
    /// How many days a saved, unfinished application is kept for its holder to come back.
    pub draft_days: Option<u32>,
    /// Working days within which a poor rating (2 stars or fewer) must be followed up.
    pub followup_days: Option<u32>,
    /// Where the take-home list's QR code points: the county's guide to a theme (the theme's
    /// id is appended).
    pub guide_url: Option<String>,
    /// The county's division code (GB/T 2260, six digits): its townships come first in the
    /// pinyin candidates, then its prefecture's and province's places.
    pub division_code: Option<String>,
    /// The county's own words for the pinyin keyboard: villages, roads, common shop names,
    /// business scopes. A new road needs only a new catalog, not a new release.
    #[serde(default)]
    pub words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialsFile {
    #[serde(default)]
    pub material: Vec<RawMaterial>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMaterial {
    pub id: Id,
    pub name: String,
    pub name_en: String,
    pub description: Option<String>,
    pub description_en: Option<String>,
    pub obtain: Spanned<Obtain>,
    pub source: Option<String>,
    pub source_en: Option<String>,
    /// For a commitment letter: what the applicant promises, as merged into the one letter
    /// they read before signing.
    pub commitment: Option<String>,
    pub commitment_en: Option<String>,
    /// A paper of several pages (a contract, a set of rules): the scan screen waits for
    /// "done" rather than moving on after the first page.
    #[serde(default)]
    pub multi_page: bool,
    /// `text` (default), `photo` or `colour`.
    #[serde(default)]
    pub capture: CaptureKind,
    /// 容缺受理: the case may be accepted without it, on the applicant's promise to bring
    /// it within this many working days.
    pub tolerate_days: Option<u32>,
    #[serde(default)]
    pub covered_by: Vec<Id>,
    pub issued_by: Option<Id>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsFile {
    #[serde(default)]
    pub field: Vec<RawField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub key: Id,
    pub label: String,
    pub label_en: String,
    pub kind: FieldKind,
    pub prefill: Option<IdCardField>,
    /// Common words offered first on the keyboard (e.g. 饭店, 有限公司 for a shop name).
    #[serde(default)]
    pub suggest: Vec<String>,
    /// Numbers above this are asked again ("please check: is it really …?").
    pub plausible_max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemsFile {
    #[serde(default)]
    pub item: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub id: Id,
    pub name: String,
    pub name_en: String,
    pub department: Id,
    pub time_limit_days: u32,
    #[serde(default)]
    pub preconditions: Vec<Id>,
    pub steps: Spanned<Vec<StepKind>>,
    #[serde(default)]
    pub site_inspection: bool,
    #[serde(default)]
    pub fields: Vec<Id>,
    #[serde(default)]
    pub materials: Vec<Id>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub id: Id,
    pub name: String,
    pub name_en: String,
    pub summary: String,
    pub summary_en: String,
    pub category: String,
    pub category_en: String,
    pub audience: Audience,
    /// Display order on the kiosk, most used first; ties by id.
    #[serde(default = "default_order")]
    pub order: u32,
    pub items: Spanned<Vec<Id>>,
    #[serde(default)]
    pub question: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub key: Id,
    pub text: String,
    pub text_en: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub option: Vec<RawOption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub value: Id,
    pub label: String,
    pub label_en: String,
    #[serde(default)]
    pub add_items: Vec<Id>,
    #[serde(default)]
    pub remove_items: Vec<Id>,
    #[serde(default)]
    pub add_materials: Vec<RawItemMaterial>,
    #[serde(default)]
    pub remove_materials: Vec<Id>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItemMaterial {
    pub item: Id,
    pub material: Id,
}

fn default_order() -> u32 {
    1000
}
