//! The resolved catalog: every reference checked, ready for the engine.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::Text;

/// An ordered set of records addressable by id. Order is the order of the catalog files,
/// which is the order citizens see.
#[derive(Debug, Clone)]
pub struct Registry<T> {
    records: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            records: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Registry<T> {
    /// Adds a record; returns false (and keeps the first) when the id is taken.
    pub fn insert(&mut self, id: &str, record: T) -> bool {
        if self.index.contains_key(id) {
            return false;
        }
        self.index.insert(id.to_owned(), self.records.len());
        self.records.push(record);
        true
    }
    pub fn get(&self, id: &str) -> Option<&T> {
        self.index.get(id).map(|&i| &self.records[i])
    }
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.records.iter()
    }
    pub fn len(&self) -> usize {
        self.records.len()
    }
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub departments: Registry<Department>,
    pub materials: Registry<Material>,
    pub fields: Registry<Field>,
    pub items: Registry<Item>,
    pub themes: Registry<Theme>,
    pub county: County,
}

/// What is the county's rather than any theme's (`county.toml`; every part has a default).
#[derive(Debug, Clone, Serialize)]
pub struct County {
    pub office_hours: Text,
    /// How many days a saved, unfinished application is kept.
    pub draft_days: u32,
    /// Working days within which a poor rating (2 stars or fewer) must be followed up (好差评
    /// 整改: the officers' workbench opens a follow-up for each).
    pub followup_days: u32,
    /// The county's guide to a theme, the theme's id appended (the take-home list's QR code).
    pub guide_url: String,
    /// GB/T 2260 code of the county (six digits), if the catalog says.
    pub division_code: Option<String>,
    /// The county's own words for the pinyin keyboard.
    pub words: Vec<String>,
}

impl Default for County {
    fn default() -> County {
        County {
            office_hours: Text::new(
                "周一至周五 9:00–12:00，13:30–17:00（法定节假日除外）",
                "Mon–Fri 9:00–12:00 and 13:30–17:00 (closed on public holidays)",
            ),
            draft_days: 7,
            followup_days: 5,
            guide_url: "https://zwfw.example.gov.cn/onevisit/guide/".into(),
            division_code: None,
            words: Vec::new(),
        }
    }
}

impl Catalog {
    pub fn theme(&self, id: &str) -> Option<&Theme> {
        self.themes.get(id)
    }
}

impl Theme {
    /// What a citizen's search finds: every typed word (Chinese or English, any case) is in
    /// the theme's id, names or summary. An empty search finds every theme.
    pub fn matches_search(&self, search: &str) -> bool {
        let hay = format!(
            "{} {} {} {} {}",
            self.id, self.name.en, self.name.zh, self.summary.en, self.summary.zh
        )
        .to_lowercase();
        search
            .split_whitespace()
            .all(|w| hay.contains(&w.to_lowercase()))
    }

    /// Whether the theme is in the chosen category ("" for all), by its name in either
    /// language.
    pub fn in_category(&self, category: &str) -> bool {
        category.is_empty() || category == self.category.zh || category == self.category.en
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Department {
    pub id: String,
    pub name: Text,
}

/// How the applicant comes to hold a material, which decides whether they must bring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Obtain {
    /// A paper document the applicant brings; scanned on the document camera.
    Paper,
    /// Read from the resident ID card on the card reader (copies of the ID card).
    IdCard,
    /// The government can verify it itself: an e-licence or shared government data.
    Online,
    /// Made at the kiosk: the application form, the signature.
    Kiosk,
}

#[derive(Debug, Clone, Serialize)]
pub struct Material {
    pub id: String,
    pub name: Text,
    pub description: Option<Text>,
    pub obtain: Obtain,
    /// For `online` materials: the system the government checks instead.
    pub source: Option<Text>,
    /// For a commitment letter: the promise, as the merged letter shows it in full.
    pub commitment: Option<Text>,
    /// Several pages: the scan screen waits for "done" instead of moving on by itself.
    pub multi_page: bool,
    /// How its pages are kept (photos and drawings are not turned into black and white).
    pub capture: CaptureKind,
    /// 容缺受理: may be missing at submission, promised within this many working days.
    pub tolerate_days: Option<u32>,
    /// Materials that stand in for this one; the first that is already in the set wins,
    /// otherwise the first listed is added in its place.
    pub covered_by: Vec<String>,
    /// The approval item whose result this material is (a licence a later item needs).
    /// When that item is in the same chain, nobody needs to bring it.
    pub issued_by: Option<String>,
}

/// How a material's pages are kept: crisp black-and-white for text, grey for photos, colour
/// where colour carries meaning (drawings, red seals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureKind {
    #[default]
    Text,
    Photo,
    Colour,
}

/// Form field types; the UI picks its keyboard from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    /// A whole number (people, rooms).
    Number,
    /// An amount that may need decimals (capital in 万元, an area).
    Decimal,
    /// Width × height, e.g. 3×0.8 (a signboard, in metres).
    Dimension,
    Date,
    Phone,
    IdNumber,
    Address,
}

/// What the resident ID card can fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdCardField {
    Name,
    Sex,
    Nation,
    Birth,
    Address,
    IdNumber,
    Issuer,
    ValidTo,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub key: String,
    pub label: Text,
    pub kind: FieldKind,
    pub prefill: Option<IdCardField>,
    /// Common words the keyboard offers first for this field.
    pub suggest: Vec<String>,
    /// Above this a number is unusual enough to ask again (50,000 万元 for a noodle shop).
    pub plausible_max: Option<f64>,
}

/// A step the applicant takes for one approval item when applying for it on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Ask the department what is needed (replaced by the kiosk's situational questions).
    Consult,
    /// Hand in the application at the department's window.
    Apply,
    /// Collect the result (licence, certificate).
    Collect,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub name: Text,
    pub department: String,
    /// The legal (or promised) time limit, in working days.
    pub time_limit_days: u32,
    /// Items whose result this one needs before it can be decided.
    pub preconditions: Vec<String>,
    pub steps: Vec<StepKind>,
    /// Whether the department inspects the premises before deciding.
    pub site_inspection: bool,
    pub fields: Vec<String>,
    pub materials: Vec<String>,
}

impl Item {
    pub fn needs_inspection(&self) -> bool {
        self.site_inspection
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Business,
    Individual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    YesNo,
    Choice,
}

#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub id: String,
    pub name: Text,
    pub summary: Text,
    pub category: Text,
    pub audience: Audience,
    pub items: Vec<String>,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub key: String,
    pub text: Text,
    pub kind: QuestionKind,
    pub options: Vec<AnswerOption>,
}

impl Question {
    pub fn option(&self, value: &str) -> Option<&AnswerOption> {
        self.options.iter().find(|o| o.value == value)
    }
    pub fn allowed_values(&self) -> Vec<String> {
        self.options.iter().map(|o| o.value.clone()).collect()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerOption {
    pub value: String,
    pub label: Text,
    pub add_items: Vec<String>,
    pub remove_items: Vec<String>,
    pub add_materials: Vec<ItemMaterial>,
    pub remove_materials: Vec<String>,
}

/// A material that an answer adds to one item's requirements.
#[derive(Debug, Clone, Serialize)]
pub struct ItemMaterial {
    pub item: String,
    pub material: String,
}
