//! Turns catalog file texts into a checked [`Catalog`], collecting every problem with its line.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::de::DeserializeOwned;

use super::error::{CatalogError, CatalogErrorKind, CatalogErrors, line_col};
use super::files::{
    CountyFile, DepartmentsFile, FieldsFile, Id, ItemsFile, MaterialsFile, RawItem, RawMaterial,
    RawQuestion, ThemeFile,
};
use super::model::*;
use crate::Text;

/// A catalog file's path, relative to the catalog folder (`themes/open-restaurant.toml`),
/// and its text. Reading the folder is the caller's job; this crate does no I/O.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

const REQUIRED: [&str; 4] = [
    "departments.toml",
    "materials.toml",
    "fields.toml",
    "items.toml",
];

/// Where a definition or reference sits: file index and byte span.
#[derive(Clone, Copy)]
struct Pos {
    file: usize,
    start: usize,
}

struct Loader<'a> {
    files: &'a [SourceFile],
    errors: Vec<CatalogError>,
    /// Where each id was first defined, per kind, for duplicate and cycle reports.
    defined: HashMap<(&'static str, String), Pos>,
}

impl<'a> Loader<'a> {
    fn error(&mut self, pos: Pos, kind: CatalogErrorKind) {
        let file = &self.files[pos.file];
        let (line, column) = line_col(&file.text, pos.start);
        self.errors.push(CatalogError {
            file: file.path.clone(),
            line,
            column,
            kind,
        });
    }

    fn file_error(&mut self, file: usize, kind: CatalogErrorKind) {
        self.errors.push(CatalogError {
            file: self.files[file].path.clone(),
            line: 0,
            column: 0,
            kind,
        });
    }

    fn pos(file: usize, span: Range<usize>) -> Pos {
        Pos {
            file,
            start: span.start,
        }
    }

    fn parse<T: DeserializeOwned>(&mut self, file: usize) -> Option<T> {
        match toml::from_str::<T>(&self.files[file].text) {
            Ok(v) => Some(v),
            Err(e) => {
                let start = e.span().map_or(0, |s| s.start);
                let message = e.message().trim().to_owned();
                self.error(Pos { file, start }, CatalogErrorKind::Syntax(message));
                None
            }
        }
    }

    /// Records a definition; reports a duplicate and returns false if the id is taken.
    fn define(&mut self, what: &'static str, id: &Id, file: usize) -> bool {
        let key = (what, id.get_ref().clone());
        let pos = Self::pos(file, id.span());
        if let Some(first) = self.defined.get(&key).copied() {
            let first_line = line_col(&self.files[first.file].text, first.start).0;
            self.error(
                pos,
                CatalogErrorKind::Duplicate {
                    what,
                    id: id.get_ref().clone(),
                    first_line,
                },
            );
            return false;
        }
        self.defined.insert(key, pos);
        true
    }

    /// Checks a reference against a registry; reports it with a spelling suggestion if unknown.
    fn check_ref<T>(&mut self, what: &'static str, id: &Id, file: usize, reg: &Registry<T>) -> bool
    where
        T: HasId,
    {
        if reg.contains(id.get_ref()) {
            return true;
        }
        let suggestion = closest(id.get_ref(), reg.iter().map(HasId::id));
        self.error(
            Self::pos(file, id.span()),
            CatalogErrorKind::Unknown {
                what,
                id: id.get_ref().clone(),
                suggestion,
            },
        );
        false
    }
}

trait HasId {
    fn id(&self) -> &str;
}
impl HasId for Department {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for Material {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for Field {
    fn id(&self) -> &str {
        &self.key
    }
}
impl HasId for Item {
    fn id(&self) -> &str {
        &self.id
    }
}

/// The known id nearest to a misspelt one, if it is near enough to be a likely typo.
fn closest<'b>(wrong: &str, known: impl Iterator<Item = &'b str>) -> Option<String> {
    known
        .map(|k| (edit_distance(wrong, k), k))
        .filter(|(d, k)| *d <= 3 && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn ids(v: &[Id]) -> Vec<String> {
    v.iter().map(|i| i.get_ref().clone()).collect()
}

/// Which catalog file a path is, by its place in the folder.
enum Role {
    Departments,
    Materials,
    Fields,
    Items,
    County,
    Theme(String),
    /// Not the catalog's business (calendar data, READMEs).
    Other,
    Unknown,
}

fn role(path: &str) -> Role {
    let path = path.replace('\\', "/");
    if !path.ends_with(".toml") || path.starts_with("calendar/") {
        return Role::Other;
    }
    match path.as_str() {
        "departments.toml" => Role::Departments,
        "materials.toml" => Role::Materials,
        "fields.toml" => Role::Fields,
        "items.toml" => Role::Items,
        "county.toml" => Role::County,
        _ => match path.strip_prefix("themes/") {
            Some(name) if !name.contains('/') => {
                Role::Theme(name.trim_end_matches(".toml").to_owned())
            }
            _ => Role::Unknown,
        },
    }
}

/// Loads and checks a catalog. Every problem in every file is reported, in file order.
pub fn load(files: &[SourceFile]) -> Result<Catalog, CatalogErrors> {
    let mut l = Loader {
        files,
        errors: Vec::new(),
        defined: HashMap::new(),
    };
    let mut cat = Catalog::default();
    let mut raw = read_files(&mut l, &mut cat);
    // Materials and items are registered before references are checked, so files may refer
    // forwards and to each other.
    register(&mut cat, &raw);
    check_references(&mut l, &cat, &raw);
    raw.themes
        .sort_by(|a, b| (a.2.order, &a.1).cmp(&(b.2.order, &b.1)));
    for (f, stem, t) in raw.themes {
        if let Some(theme) = load_theme(&mut l, &cat, f, &stem, t) {
            let id = theme.id.clone();
            cat.themes.insert(&id, theme);
        }
    }
    if l.errors.is_empty() {
        Ok(cat)
    } else {
        Err(CatalogErrors(l.errors))
    }
}

/// What the files define before it is checked: materials, items and themes, with the index
/// of the file each comes from.
struct Raw {
    materials: Vec<(usize, RawMaterial)>,
    items: Vec<(usize, RawItem)>,
    themes: Vec<(usize, String, ThemeFile)>,
}

/// Parses every file (shared files first), defining departments and fields at once and
/// keeping materials, items and themes for the checks; reports unknown and missing files.
fn read_files(l: &mut Loader, cat: &mut Catalog) -> Raw {
    let files = l.files;
    let mut present = HashSet::new();
    // Order matters for error order and display order: shared files first, themes by name.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| {
        let rank = match role(&files[i].path) {
            Role::Departments => 0,
            Role::Materials => 1,
            Role::Fields => 2,
            Role::Items => 3,
            _ => 4,
        };
        (rank, files[i].path.clone())
    });

    let mut raw = Raw {
        materials: Vec::new(),
        items: Vec::new(),
        themes: Vec::new(),
    };
    for f in order {
        read_file(l, cat, f, &mut raw, &mut present);
    }
    for name in REQUIRED {
        if !present.contains(name) {
            l.errors.push(CatalogError {
                file: name.to_owned(),
                line: 0,
                column: 0,
                kind: CatalogErrorKind::MissingFile(name.to_owned()),
            });
        }
    }

    raw
}

/// One file, by its role: departments and fields are defined at once, materials, items and
/// themes kept in `raw` for the checks.
fn read_file(
    l: &mut Loader,
    cat: &mut Catalog,
    f: usize,
    raw: &mut Raw,
    present: &mut HashSet<&'static str>,
) {
    match role(&l.files[f].path) {
        Role::Departments => {
            present.insert("departments.toml");
            let Some(parsed) = l.parse::<DepartmentsFile>(f) else {
                return;
            };
            for d in parsed.department {
                if l.define("department", &d.id, f) {
                    let id = d.id.into_inner();
                    let dep = Department {
                        id: id.clone(),
                        name: Text::new(d.name, d.name_en),
                    };
                    cat.departments.insert(&id, dep);
                }
            }
        }
        Role::Materials => {
            present.insert("materials.toml");
            let Some(parsed) = l.parse::<MaterialsFile>(f) else {
                return;
            };
            for m in parsed.material {
                if l.define("material", &m.id, f) {
                    raw.materials.push((f, m));
                }
            }
        }
        Role::Fields => {
            present.insert("fields.toml");
            let Some(parsed) = l.parse::<FieldsFile>(f) else {
                return;
            };
            for fd in parsed.field {
                if l.define("field", &fd.key, f) {
                    let key = fd.key.into_inner();
                    let field = Field {
                        key: key.clone(),
                        label: Text::new(fd.label, fd.label_en),
                        kind: fd.kind,
                        prefill: fd.prefill,
                        suggest: fd.suggest,
                        plausible_max: fd.plausible_max,
                    };
                    cat.fields.insert(&key, field);
                }
            }
        }
        Role::Items => {
            present.insert("items.toml");
            let Some(parsed) = l.parse::<ItemsFile>(f) else {
                return;
            };
            for it in parsed.item {
                if l.define("item", &it.id, f) {
                    raw.items.push((f, it));
                }
            }
        }
        Role::County => {
            let Some(c) = l.parse::<CountyFile>(f) else {
                return;
            };
            let d = County::default();
            cat.county = County {
                office_hours: match (c.office_hours, c.office_hours_en) {
                    (Some(zh), en) => {
                        let en = en.unwrap_or_else(|| zh.clone());
                        Text::new(zh, en)
                    }
                    (None, _) => d.office_hours,
                },
                draft_days: c.draft_days.unwrap_or(d.draft_days),
                followup_days: c.followup_days.unwrap_or(d.followup_days),
                guide_url: c.guide_url.unwrap_or(d.guide_url),
                division_code: c
                    .division_code
                    .filter(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit())),
                words: c.words,
            };
        }
        Role::Theme(stem) => {
            if let Some(t) = l.parse::<ThemeFile>(f) {
                raw.themes.push((f, stem, t));
            }
        }
        Role::Other => {}
        Role::Unknown => l.file_error(f, CatalogErrorKind::UnknownFile),
    }
}

fn register(cat: &mut Catalog, raw: &Raw) {
    for (_, m) in &raw.materials {
        let material = Material {
            id: m.id.get_ref().clone(),
            name: Text::new(&m.name, &m.name_en),
            description: match (&m.description, &m.description_en) {
                (Some(zh), Some(en)) => Some(Text::new(zh, en)),
                (Some(zh), None) => Some(Text::new(zh, zh)),
                _ => None,
            },
            obtain: *m.obtain.get_ref(),
            source: m
                .source
                .as_ref()
                .map(|s| Text::new(s, m.source_en.as_deref().unwrap_or(s))),
            commitment: m
                .commitment
                .as_ref()
                .map(|c| Text::new(c, m.commitment_en.as_deref().unwrap_or(c))),
            multi_page: m.multi_page,
            capture: m.capture,
            tolerate_days: m.tolerate_days,
            covered_by: ids(&m.covered_by),
            issued_by: m.issued_by.as_ref().map(|i| i.get_ref().clone()),
        };
        cat.materials.insert(m.id.get_ref(), material);
    }
    for (_, it) in &raw.items {
        let item = Item {
            id: it.id.get_ref().clone(),
            name: Text::new(&it.name, &it.name_en),
            department: it.department.get_ref().clone(),
            time_limit_days: it.time_limit_days,
            preconditions: ids(&it.preconditions),
            steps: it.steps.get_ref().clone(),
            site_inspection: it.site_inspection,
            fields: ids(&it.fields),
            materials: ids(&it.materials),
        };
        cat.items.insert(it.id.get_ref(), item);
    }
}

/// Every reference names something defined, online materials say where they are checked,
/// items have steps, and neither preconditions nor covers go round in a circle.
fn check_references(l: &mut Loader, cat: &Catalog, raw: &Raw) {
    for (f, m) in &raw.materials {
        let f = *f;
        for c in &m.covered_by {
            l.check_ref("material", c, f, &cat.materials);
        }
        if let Some(i) = &m.issued_by {
            l.check_ref("item", i, f, &cat.items);
        }
        if *m.obtain.get_ref() == Obtain::Online && m.source.is_none() {
            let pos = Loader::pos(f, m.obtain.span());
            l.error(
                pos,
                CatalogErrorKind::OnlineWithoutSource(m.id.get_ref().clone()),
            );
        }
    }
    for (f, it) in &raw.items {
        let f = *f;
        l.check_ref("department", &it.department, f, &cat.departments);
        for p in &it.preconditions {
            l.check_ref("item", p, f, &cat.items);
        }
        for fd in &it.fields {
            l.check_ref("field", fd, f, &cat.fields);
        }
        for m in &it.materials {
            l.check_ref("material", m, f, &cat.materials);
        }
        if it.steps.get_ref().is_empty() {
            let pos = Loader::pos(f, it.steps.span());
            l.error(pos, CatalogErrorKind::NoSteps(it.id.get_ref().clone()));
        }
    }
    check_cycles(
        l,
        raw.items
            .iter()
            .map(|(f, it)| (*f, &it.id, &it.preconditions)),
        CatalogErrorKind::PreconditionCycle,
    );
    check_cycles(
        l,
        raw.materials
            .iter()
            .map(|(f, m)| (*f, &m.id, &m.covered_by)),
        CatalogErrorKind::CoverCycle,
    );
}

/// Reports each cycle in a "depends on" relation once, at the first record in it.
fn check_cycles<'r>(
    l: &mut Loader<'_>,
    records: impl Iterator<Item = (usize, &'r Id, &'r Vec<Id>)>,
    make: fn(Vec<String>) -> CatalogErrorKind,
) {
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut order = Vec::new();
    for (f, id, deps) in records {
        edges.insert(
            id.get_ref(),
            deps.iter().map(|d| d.get_ref().as_str()).collect(),
        );
        order.push((f, id));
    }
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state: HashMap<&str, u8> = HashMap::new();
    for (f, id) in order {
        let mut path = Vec::new();
        if let Some(cycle) = dfs(id.get_ref(), &edges, &mut state, &mut path) {
            let pos = Loader::pos(f, id.span());
            l.error(pos, make(cycle));
        }
    }
}

fn dfs<'e>(
    node: &'e str,
    edges: &HashMap<&'e str, Vec<&'e str>>,
    state: &mut HashMap<&'e str, u8>,
    path: &mut Vec<&'e str>,
) -> Option<Vec<String>> {
    match state.get(node).copied().unwrap_or(0) {
        2 => return None,
        1 => {
            let start = path.iter().position(|n| *n == node).unwrap_or(0);
            let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        _ => {}
    }
    state.insert(node, 1);
    path.push(node);
    for next in edges.get(node).into_iter().flatten() {
        if let Some(c) = dfs(next, edges, state, path) {
            // Mark the rest done so one cycle is reported once.
            for n in path.iter() {
                state.insert(n, 2);
            }
            return Some(c);
        }
    }
    path.pop();
    state.insert(node, 2);
    None
}

fn load_theme(
    l: &mut Loader<'_>,
    cat: &Catalog,
    f: usize,
    stem: &str,
    t: ThemeFile,
) -> Option<Theme> {
    if !l.define("theme", &t.id, f) {
        return None;
    }
    if t.id.get_ref() != stem {
        let pos = Loader::pos(f, t.id.span());
        l.error(
            pos,
            CatalogErrorKind::ThemeFileName {
                id: t.id.get_ref().clone(),
                expected: stem.to_owned(),
            },
        );
    }
    if t.items.get_ref().is_empty() {
        let pos = Loader::pos(f, t.items.span());
        l.error(pos, CatalogErrorKind::EmptyTheme(t.id.get_ref().clone()));
    }
    for i in t.items.get_ref() {
        l.check_ref("item", i, f, &cat.items);
    }
    // Items a theme can ever contain: its own list and whatever any answer adds.
    let mut possible: HashSet<&str> = t
        .items
        .get_ref()
        .iter()
        .map(|i| i.get_ref().as_str())
        .collect();
    for q in &t.question {
        for o in &q.option {
            possible.extend(o.add_items.iter().map(|i| i.get_ref().as_str()));
        }
    }
    let mut seen_keys: HashMap<String, usize> = HashMap::new();
    let mut questions = Vec::new();
    for q in &t.question {
        let pos = Loader::pos(f, q.key.span());
        if let Some(&first) = seen_keys.get(q.key.get_ref()) {
            l.error(
                pos,
                CatalogErrorKind::Duplicate {
                    what: "question",
                    id: q.key.get_ref().clone(),
                    first_line: first,
                },
            );
            continue;
        }
        seen_keys.insert(
            q.key.get_ref().clone(),
            line_col(&l.files[f].text, pos.start).0,
        );
        questions.push(load_question(l, cat, f, q, &possible));
    }
    Some(Theme {
        id: t.id.get_ref().clone(),
        name: Text::new(t.name, t.name_en),
        summary: Text::new(t.summary, t.summary_en),
        category: Text::new(t.category, t.category_en),
        audience: t.audience,
        items: ids(t.items.get_ref()),
        questions,
    })
}

fn load_question(
    l: &mut Loader<'_>,
    cat: &Catalog,
    f: usize,
    q: &RawQuestion,
    possible: &HashSet<&str>,
) -> Question {
    let key = q.key.get_ref().clone();
    let pos = Loader::pos(f, q.key.span());
    let values: Vec<&str> = q
        .option
        .iter()
        .map(|o| o.value.get_ref().as_str())
        .collect();
    match q.kind {
        QuestionKind::YesNo if values != ["yes", "no"] && values != ["no", "yes"] => {
            l.error(pos, CatalogErrorKind::YesNoOptions(key.clone()));
        }
        QuestionKind::Choice if values.len() < 2 => {
            l.error(pos, CatalogErrorKind::TooFewOptions(key.clone()));
        }
        _ => {}
    }
    let mut seen = HashSet::new();
    let mut options = Vec::new();
    for o in &q.option {
        if !seen.insert(o.value.get_ref().as_str()) {
            l.error(
                Loader::pos(f, o.value.span()),
                CatalogErrorKind::Duplicate {
                    what: "option",
                    id: o.value.get_ref().clone(),
                    first_line: line_col(&l.files[f].text, pos.start).0,
                },
            );
            continue;
        }
        let switched = o
            .add_items
            .iter()
            .chain(&o.remove_items)
            .chain(o.add_materials.iter().map(|m| &m.item));
        for i in switched {
            if l.check_ref("item", i, f, &cat.items) && !possible.contains(i.get_ref().as_str()) {
                l.error(
                    Loader::pos(f, i.span()),
                    CatalogErrorKind::SwitchesMissingItem {
                        question: key.clone(),
                        item: i.get_ref().clone(),
                    },
                );
            }
        }
        let materials = o
            .remove_materials
            .iter()
            .chain(o.add_materials.iter().map(|m| &m.material));
        for m in materials {
            l.check_ref("material", m, f, &cat.materials);
        }
        options.push(AnswerOption {
            value: o.value.get_ref().clone(),
            label: Text::new(&o.label, &o.label_en),
            add_items: ids(&o.add_items),
            remove_items: ids(&o.remove_items),
            add_materials: o
                .add_materials
                .iter()
                .map(|m| ItemMaterial {
                    item: m.item.get_ref().clone(),
                    material: m.material.get_ref().clone(),
                })
                .collect(),
            remove_materials: ids(&o.remove_materials),
        });
    }
    Question {
        key,
        text: Text::new(&q.text, &q.text_en),
        kind: q.kind,
        options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let known = ["business-licence", "food-permit"];
        assert_eq!(
            closest("busines-licence", known.iter().copied()),
            Some("business-licence".into())
        );
        assert_eq!(closest("tobacco", known.iter().copied()), None);
    }
}
