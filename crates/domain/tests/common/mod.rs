//! Small catalogs written inline, so each test shows exactly the data it relies on.
#![allow(dead_code)]

use std::path::Path;

use onevisit_domain::{Catalog, CatalogErrors, SourceFile};

pub fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

pub const DEPARTMENTS: &str = r#"
[[department]]
id = "amr"
name = "市场监管局"
name_en = "Market regulation"

[[department]]
id = "fire"
name = "消防"
name_en = "Fire brigade"
"#;

pub const FIELDS: &str = r#"
[[field]]
key = "name"
label = "姓名"
label_en = "Name"
kind = "text"
prefill = "name"

[[field]]
key = "shop"
label = "店名"
label_en = "Shop"
kind = "text"

[[field]]
key = "area"
label = "面积"
label_en = "Area"
kind = "number"
"#;

pub const MATERIALS: &str = r#"
[[material]]
id = "merged-form"
name = "联办申请表"
name_en = "Joint form"
obtain = "kiosk"

[[material]]
id = "form-a"
name = "A 申请书"
name_en = "Form A"
obtain = "kiosk"
covered_by = ["merged-form"]

[[material]]
id = "form-b"
name = "B 申请书"
name_en = "Form B"
obtain = "kiosk"
covered_by = ["merged-form"]

[[material]]
id = "id-copy"
name = "身份证复印件"
name_en = "ID copy"
obtain = "id_card"

[[material]]
id = "title"
name = "产权证明"
name_en = "Title"
obtain = "online"
source = "不动产登记"
source_en = "Real estate registry"

[[material]]
id = "licence-a"
name = "A 证"
name_en = "Licence A"
obtain = "online"
source = "电子证照"
source_en = "E-licence"
issued_by = "a"

[[material]]
id = "lease"
name = "租赁合同"
name_en = "Lease"
obtain = "paper"

[[material]]
id = "plan"
name = "平面图"
name_en = "Floor plan"
obtain = "paper"

[[material]]
id = "fire-plan"
name = "消防平面图"
name_en = "Fire plan"
obtain = "paper"
covered_by = ["plan"]

[[material]]
id = "only-c"
name = "C 专用材料"
name_en = "Material only C needs"
obtain = "paper"
"#;

pub const ITEMS: &str = r#"
[[item]]
id = "a"
name = "A 证"
name_en = "Licence A"
department = "amr"
time_limit_days = 3
steps = ["consult", "apply", "collect"]
fields = ["name", "shop"]
materials = ["form-a", "id-copy", "lease", "title"]

[[item]]
id = "b"
name = "B 许可"
name_en = "Permit B"
department = "amr"
time_limit_days = 10
preconditions = ["a"]
steps = ["apply", "collect"]
site_inspection = true
fields = ["name", "shop", "area"]
materials = ["form-b", "licence-a", "id-copy", "lease", "plan"]

[[item]]
id = "c"
name = "C 检查"
name_en = "Check C"
department = "fire"
time_limit_days = 5
preconditions = ["a"]
steps = ["apply", "collect"]
site_inspection = true
fields = ["name", "area"]
materials = ["licence-a", "fire-plan", "only-c"]
"#;

pub const THEME: &str = r#"
id = "shop"
name = "开店"
name_en = "Open a shop"
summary = "A、B 一次办"
summary_en = "A and B at once"
category = "开店"
category_en = "Business"
audience = "business"
items = ["a", "b"]

[[question]]
key = "needs_c"
text = "需要 C 吗？"
text_en = "Need C?"
kind = "yes_no"

[[question.option]]
value = "yes"
label = "是"
label_en = "Yes"
add_items = ["c"]

[[question.option]]
value = "no"
label = "否"
label_en = "No"

[[question]]
key = "premises"
text = "场所？"
text_en = "Premises?"
kind = "choice"

[[question.option]]
value = "rented"
label = "租用"
label_en = "Rented"

[[question.option]]
value = "owned"
label = "自有"
label_en = "Owned"
remove_materials = ["lease"]
"#;

/// The small catalog above, with one file replaced or added.
pub fn sources_with(path: &str, text: &str) -> Vec<SourceFile> {
    let mut files = vec![
        file("departments.toml", DEPARTMENTS),
        file("fields.toml", FIELDS),
        file("materials.toml", MATERIALS),
        file("items.toml", ITEMS),
        file("themes/shop.toml", THEME),
    ];
    files.retain(|f| f.path != path);
    files.push(file(path, text));
    files
}

pub fn small() -> Catalog {
    Catalog::from_sources(&sources_with("themes/shop.toml", THEME)).expect("small catalog is valid")
}

pub fn load_err(path: &str, text: &str) -> CatalogErrors {
    match Catalog::from_sources(&sources_with(path, text)) {
        Ok(_) => panic!("expected {path} to be rejected"),
        Err(e) => e,
    }
}

/// The sample catalog shipped in the repository, read as the kiosk reads it.
pub fn sample_sources() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("sample catalog folder") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let rel = path.strip_prefix(&root).expect("below root");
                out.push(SourceFile {
                    path: rel.to_string_lossy().replace('\\', "/"),
                    text: std::fs::read_to_string(&path).expect("utf-8"),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

pub fn sample() -> Catalog {
    Catalog::from_sources(&sample_sources()).expect("sample catalog is valid")
}
