//! Place names and the county's own words in the pinyin dictionary. librime's small dictionary
//! does not know most counties, towns and villages: a citizen typing their own township's
//! name for an address would get homophones first. At deploy the kiosk writes a dictionary of
//! every county- and township-level name of the country (with and without 县, 市, 区, 镇, 乡,
//! 街道 …) and the county's words from its catalog, spelled from librime's own single-character
//! readings, weighted to come first for their full pinyin. Pure text in, text out.

use std::collections::HashMap;

/// County- and township-level places, `code\tname` per line (see `scripts/fetch-divisions.sh`):
/// a 4-digit code is a prefecture, 6 digits a county, 9 a township of the county its first
/// six digits name.
pub const DIVISIONS: &str = include_str!("../data/divisions.txt");

/// The places as (code, name).
pub fn divisions() -> impl Iterator<Item = (&'static str, &'static str)> {
    DIVISIONS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
}

/// The county a kiosk stands in: its division code (GB/T 2260, 6 digits) and its own words
/// (villages, roads, shop names, business scopes), from the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct County {
    pub code: Option<String>,
    pub words: Vec<String>,
}

/// The dictionary's name, as the schema's translator names it.
pub const PLACES_DICT: &str = "onevisit_places";

/// Weights: the kiosk's own county (its words, its townships) first; then by nearness (its
/// prefecture, its province, the country), counties and prefectures before townships; all
/// above common words spelled the same. Homophones (历城, 黎城, 荔城, 鲤城) thus come nearest
/// first.
const WEIGHT_OWN: u64 = 3_000_000;

fn weight(code: &str, own: Option<&str>) -> u64 {
    let county = code.len() <= 6;
    let near = |n: usize| own.is_some_and(|o| o.len() >= n && code.get(..n) == o.get(..n));
    let base = if near(6) && own.is_some_and(|o| code.starts_with(o)) {
        return WEIGHT_OWN;
    } else if near(4) {
        2_800_000
    } else if near(2) {
        2_600_000
    } else {
        2_400_000
    };
    if county { base } else { base - 200_000 }
}

/// Suffixes a place is also typed without (longest first).
const SUFFIXES: [&str; 11] = [
    "自治县",
    "自治旗",
    "街道",
    "林区",
    "特区",
    "县",
    "市",
    "区",
    "镇",
    "乡",
    "旗",
];

/// At most this many spellings of one name (characters with several readings multiply).
const MAX_SPELLINGS: usize = 4;

/// Each character's readings in a librime dictionary text (`字\tpin\tweight` lines), most
/// used first; readings rarer than a twentieth of the commonest are left out.
pub fn readings(dict: &str) -> HashMap<char, Vec<String>> {
    let mut all: HashMap<char, Vec<(String, u64)>> = HashMap::new();
    for line in dict.lines() {
        let mut cols = line.split('\t');
        let (Some(text), Some(code)) = (cols.next(), cols.next()) else {
            continue;
        };
        let mut chars = text.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            continue;
        };
        if code.is_empty() || code.contains(' ') || !code.chars().all(|c| c.is_ascii_lowercase()) {
            continue;
        }
        let weight = cols.next().and_then(|w| w.trim().parse().ok()).unwrap_or(0);
        all.entry(c).or_default().push((code.to_owned(), weight));
    }
    all.into_iter()
        .map(|(c, mut rs)| {
            rs.sort_by_key(|r| std::cmp::Reverse(r.1));
            let top = rs.first().map_or(0, |r| r.1);
            let kept = rs
                .into_iter()
                .filter(|r| r.1 * 20 >= top)
                .map(|r| r.0)
                .fold(Vec::new(), |mut v, r| {
                    if !v.contains(&r) {
                        v.push(r);
                    }
                    v
                });
            (c, kept)
        })
        .collect()
}

/// The spellings of `name` ("cheng guan zhen"), at most [`MAX_SPELLINGS`]; none when a
/// character has no reading.
pub fn spellings(name: &str, readings: &HashMap<char, Vec<String>>) -> Vec<String> {
    let mut out: Vec<Vec<&str>> = vec![Vec::new()];
    for c in name.chars() {
        let Some(rs) = readings.get(&c).filter(|r| !r.is_empty()) else {
            return Vec::new();
        };
        let mut next = Vec::new();
        for prefix in &out {
            for r in rs {
                if next.len() < MAX_SPELLINGS {
                    let mut p = prefix.clone();
                    p.push(r.as_str());
                    next.push(p);
                }
            }
        }
        out = next;
    }
    out.into_iter().map(|p| p.join(" ")).collect()
}

/// The name, and the name without its suffix when two characters or more remain.
pub fn variants(name: &str) -> Vec<String> {
    let mut v = vec![name.to_owned()];
    if let Some(stem) = SUFFIXES.iter().find_map(|s| name.strip_suffix(s))
        && stem.chars().count() >= 2
    {
        v.push(stem.to_owned());
    }
    v
}

/// The dictionary file's text: the country's place names and the county's own words.
pub fn dictionary(dict_source: &str, county: &County) -> String {
    let readings = readings(dict_source);
    let mut out = format!(
        "# Written by `onevisit input deploy`: place names and the county's words.\n---\nname: {PLACES_DICT}\nversion: \"1\"\nsort: by_weight\n...\n"
    );
    let own = county.code.as_deref().filter(|c| c.len() == 6);
    let words = county
        .words
        .iter()
        .map(|w| (w.trim(), WEIGHT_OWN))
        .chain(divisions().map(|(code, name)| (name.trim(), weight(code, own))));
    // A name found several times (城关镇 is in hundreds of counties) keeps its highest weight,
    // in the order first met.
    let mut order = Vec::new();
    let mut best: HashMap<(String, String), u64> = HashMap::new();
    for (word, w) in words {
        if word.chars().count() < 2 {
            continue;
        }
        for v in variants(word) {
            for s in spellings(&v, &readings) {
                let key = (v.clone(), s);
                match best.get_mut(&key) {
                    Some(old) => *old = (*old).max(w),
                    None => {
                        best.insert(key.clone(), w);
                        order.push(key);
                    }
                }
            }
        }
    }
    for key in order {
        let w = best[&key];
        out.push_str(&format!("{}\t{}\t{w}\n", key.0, key.1));
    }
    // Rare characters names need (堃 kun) where librime's dictionary lacks them, as often as
    // the rarest characters it has that are still written.
    let known: std::collections::HashSet<(&str, &str)> = dict_source
        .lines()
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?, cols.next()?))
        })
        .collect();
    for (c, spelled) in crate::rare::chars() {
        let c = c.to_string();
        for s in spelled {
            if !known.contains(&(c.as_str(), s)) {
                out.push_str(&format!("{c}\t{s}\t{WEIGHT_RARE}\n"));
            }
        }
    }
    out
}

/// The weight of a rare character (librime's pinyin_simp gives 阃 10, 琨 142, 捆 378).
const WEIGHT_RARE: u64 = 10;

#[cfg(test)]
mod tests {
    use super::*;

    const DICT: &str = "---\nname: x\n...\n城\tcheng\t100\n关\tguan\t90\n镇\tzhen\t80\n长\tchang\t13911\n长\tzhang\t9175\n长\tzhng\t1\n乐\tle\t100\n乐\tyue\t90\n沙\tsha\t50\n人民路\tren min lu\t127\n";

    #[test]
    fn spelled_from_single_readings_with_and_without_suffix() {
        let county = County {
            code: None,
            words: vec!["长乐镇".to_owned()],
        };
        let text = dictionary(DICT, &county);
        assert!(text.contains("长乐镇\tchang le zhen\t3000000"), "{text}");
        assert!(text.contains("长乐\tzhang yue\t3000000"), "{text}");
        // A rare reading is left out; a phrase entry is not a reading.
        let r = readings(DICT);
        assert_eq!(r[&'长'], ["chang", "zhang"]);
        assert!(!r.contains_key(&'人'));
        // Unknown characters: no spelling, no entry.
        assert!(spellings("城X镇", &r).is_empty());
        assert_eq!(variants("城关镇"), ["城关镇", "城关"]);
        assert_eq!(variants("沙县"), ["沙县"], "one character left is no name");
        // Rare characters names need are spelled from their readings, unless librime's own
        // dictionary has them already.
        assert!(text.contains("\n堃\tkun\t10\n"), "{text}");
        let has_yue = dictionary(&format!("{DICT}玥\tyue\t5\n"), &county);
        assert!(text.contains("\n玥\tyue\t10\n") && !has_yue.contains("\n玥\tyue\t10\n"));
    }

    #[test]
    fn the_divisions_are_there() {
        let n = divisions().count();
        assert!(n > 40_000, "{n}");
        assert!(divisions().any(|(_, n)| n == "城关镇"));
        assert!(divisions().all(|(c, _)| matches!(c.len(), 4 | 6 | 9)));
    }
}
