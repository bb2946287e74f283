//! The real engines: librime with Debian's pinyin_simp dictionaries, and Zinnia with the
//! Tegaki model, as the kiosk uses them. Strokes in tests/strokes/ were drawn once on the
//! 300 × 300 pad (`onevisit input handwriting` reads the same format).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use onevisit_ime::coverage::Coverage;
use onevisit_ime::handwriting::{self, Handwriting, Stroke};
use onevisit_ime::pinyin::{Board, Key};
use onevisit_ime::rare::{RareGlyphs, WithRare};
use onevisit_ime::rime::{self, Dirs, Rime};
use onevisit_ime::zinnia::Zinnia;

/// What to install when an engine or its data is missing. These tests never skip: a machine
/// without the engines fails them, saying what to install (`scripts/setup-debian.sh test`).
const RIME_PACKAGES: &str = "librime is missing or has no data: install the Debian packages librime1, rime-prelude (or librime-data, which brings it) and rime-data-pinyin-simp";
const ZINNIA_PACKAGES: &str = "Zinnia is missing or has no model: install the Debian packages libzinnia0 and tegaki-zinnia-simplified-chinese";

fn open_rime() -> Rime {
    Rime::open(dirs()).unwrap_or_else(|e| panic!("{RIME_PACKAGES}: {e}"))
}

fn open_zinnia() -> Zinnia {
    Zinnia::open(&Zinnia::model_path()).unwrap_or_else(|e| panic!("{ZINNIA_PACKAGES}: {e}"))
}

/// librime is set up once per process: every test here shares one deployed directory.
fn dirs() -> &'static Dirs {
    static DIRS: OnceLock<Dirs> = OnceLock::new();
    DIRS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rime");
        let dirs = Dirs::new(dir);
        // The kiosk's county, as its catalog names it: its townships and its own words come
        // first for their pinyin.
        dirs.set_county(&county()).expect("county words");
        let t = std::time::Instant::now();
        let d = rime::deploy(&dirs).unwrap_or_else(|e| panic!("{RIME_PACKAGES}: {e}"));
        eprintln!("deployed librime {} in {:?}", d.version, t.elapsed());
        dirs
    })
}

/// One test at a time talks to librime (as the kiosk does, from its one UI thread).
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn coverage() -> Coverage {
    Coverage::from_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fonts/OneVisitSansSC-Regular.otf"),
    )
    .expect("bundled font")
}

fn type_letters(board: &mut Board, rime: &mut Rime, s: &str) -> onevisit_ime::pinyin::View {
    let mut v = Default::default();
    for c in s.chars() {
        let key = if c == '\'' {
            Key::Separator
        } else {
            Key::Letter(c)
        };
        v = board.press(rime, key).expect("key");
    }
    v
}

#[test]
fn kaifandian_gives_kai_fan_dian_first() {
    let _one = serial();
    let mut rime = open_rime();
    let mut board = Board::new(8, coverage());
    let v = type_letters(&mut board, &mut rime, "kaifandian");
    assert_eq!(
        v.candidates.first().map(String::as_str),
        Some("开饭店"),
        "{v:?}"
    );
    assert!(v.preedit.replace(' ', "").contains("kaifandian"), "{v:?}");
    let (text, v) = board.choose(&mut rime, 0);
    assert_eq!(text.as_deref(), Some("开饭店"));
    assert!(v.candidates.is_empty() && v.preedit.is_empty(), "{v:?}");
}

#[test]
fn paging_backspace_and_partial_choice() {
    let _one = serial();
    let mut rime = open_rime();
    let mut board = Board::new(5, coverage());
    let first = type_letters(&mut board, &mut rime, "shi");
    assert_eq!(first.candidates.len(), 5);
    assert!(first.has_next);
    let second = board.next_page(&mut rime);
    assert_ne!(first.candidates, second.candidates);
    assert!(second.has_prev);
    assert_eq!(board.prev_page(&mut rime).candidates, first.candidates);
    // Backspace to nothing: no candidates, no preedit.
    for _ in 0..3 {
        board.press(&mut rime, Key::Backspace).expect("backspace");
    }
    let v = board
        .press(&mut rime, Key::Backspace)
        .expect("backspace on empty");
    assert!(v.candidates.is_empty() && v.preedit.is_empty(), "{v:?}");

    // Choosing a single character of a longer input keeps composing the rest: 开 of
    // kaifandian, then 饭店 for what is left, and only then is anything committed.
    let mut v = type_letters(&mut board, &mut rime, "kaifandian");
    let i = loop {
        if let Some(i) = v.candidates.iter().position(|c| c == "开") {
            break i;
        }
        assert!(v.has_next, "开 is never offered for kaifandian");
        v = board.next_page(&mut rime);
    };
    let (text, v) = board.choose(&mut rime, i);
    assert_eq!(text, None, "a partial choice committed text: {v:?}");
    assert!(
        v.preedit.replace(' ', "").contains("fandian"),
        "the rest is still being composed: {v:?}"
    );
    assert!(!v.candidates.iter().any(|c| c.starts_with('开')), "{v:?}");
    let j = v
        .candidates
        .iter()
        .position(|c| c == "饭店")
        .unwrap_or_else(|| panic!("饭店 offered for the rest: {v:?}"));
    let (text, v) = board.choose(&mut rime, j);
    assert_eq!(text.as_deref(), Some("开饭店"));
    assert!(v.candidates.is_empty() && v.preedit.is_empty(), "{v:?}");
    board.clear(&mut rime);
}

/// 堃 is in neither GB 2312 nor librime's dictionary: the kiosk's own dictionary spells it, and
/// a citizen paging through "kun" reaches it on the second page; 王堃 is then typed whole.
#[test]
fn rare_name_characters_are_typeable_by_pinyin() {
    let _one = serial();
    let mut rime = open_rime();
    let mut board = Board::new(8, coverage());
    let v = type_letters(&mut board, &mut rime, "wangkun");
    let i = v
        .candidates
        .iter()
        .position(|c| c == "王")
        .expect("王 first");
    let (_, mut v2) = board.choose(&mut rime, i);
    let mut pages = 1;
    let j = loop {
        if let Some(j) = v2.candidates.iter().position(|c| c == "堃") {
            break j;
        }
        assert!(
            v2.has_next && pages < 3,
            "堃 not within {pages} pages: {v2:?}"
        );
        v2 = board.next_page(&mut rime);
        pages += 1;
    };
    let (text, end) = board.choose(&mut rime, j);
    assert_eq!(text.as_deref(), Some("王堃"), "{end:?}");
    board.clear(&mut rime);
}

#[test]
fn nothing_is_learned_between_citizens() {
    let _one = serial();
    // The user dictionary is off: choosing a rare candidate does not promote it for the next.
    let mut rime = open_rime();
    let mut board = Board::new(8, coverage());
    let before = type_letters(&mut board, &mut rime, "zhang").candidates;
    let last = before.len() - 1;
    board.choose(&mut rime, last);
    drop(rime);
    let mut rime = open_rime();
    let after = type_letters(&mut board, &mut rime, "zhang").candidates;
    assert_eq!(before, after);
    let userdb: Vec<_> = std::fs::read_dir(&dirs().user)
        .expect("user dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("userdb"))
        .collect();
    assert!(
        userdb.is_empty(),
        "a user dictionary was created: {userdb:?}"
    );
}

#[test]
fn not_deployed_is_a_clear_error() {
    let dirs = Dirs::new(PathBuf::from("/nonexistent/onevisit-rime"));
    let err = Rime::open(&dirs).err().expect("refused");
    assert!(err.to_string().contains("onevisit input deploy"), "{err}");
}

fn strokes(name: &str) -> Vec<Stroke> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/strokes")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).expect("strokes file");
    let raw: Vec<Vec<[f32; 2]>> = serde_json::from_str(&text).expect("strokes json");
    raw.into_iter()
        .map(|s| s.into_iter().map(|[x, y]| (x, y)).collect())
        .collect()
}

#[test]
fn handwritten_characters_are_among_the_first_five() {
    let mut z = open_zinnia();
    let cover = coverage();
    for (file, want) in [
        ("shi-ten", "十"),
        ("kou-mouth", "口"),
        ("zhong-middle", "中"),
        ("da-big", "大"),
        ("wang-king", "王"),
        ("ri-sun", "日"),
    ] {
        let got = handwriting::candidates(&mut z, &strokes(file), 5, &cover).expect("recognize");
        assert!(got.iter().any(|c| c == want), "{want}: got {got:?}");
    }
    // No strokes: no candidates, and no call into the recogniser.
    assert!(
        handwriting::candidates(&mut z, &[], 5, &cover)
            .expect("empty")
            .is_empty()
    );
}

fn with_rare() -> WithRare<'static, Zinnia> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fonts/OneVisitSansSC-Regular.otf");
    let font: &'static [u8] = Box::leak(std::fs::read(path).expect("font").into_boxed_slice());
    let glyphs = Box::leak(Box::new(RareGlyphs::new(font).expect("rare glyphs")));
    WithRare::new(open_zinnia(), glyphs)
}

/// Names need characters GB 2312 lacks; Zinnia's model never offers them, the glyph matcher
/// does — within the five an elderly-mode bar shows — and common characters keep their places.
#[test]
fn rare_name_characters_are_offered_and_common_ones_keep_their_place() {
    let mut rare = with_rare();
    let mut plain = open_zinnia();
    let cover = coverage();
    for (file, want) in [("kun-rare", "堃"), ("zhe-rare", "喆"), ("yue-rare", "玥")] {
        let alone = handwriting::candidates(&mut plain, &strokes(file), 8, &cover).expect("z");
        assert!(!alone.iter().any(|c| c == want), "Zinnia knows {want} now");
        let got = handwriting::candidates(&mut rare, &strokes(file), 5, &cover).expect("rare");
        assert!(got.iter().any(|c| c == want), "{want}: got {got:?}");
    }
    for file in [
        "shi-ten",
        "kou-mouth",
        "zhong-middle",
        "da-big",
        "wang-king",
        "ri-sun",
    ] {
        let alone = handwriting::candidates(&mut plain, &strokes(file), 5, &cover).expect("z");
        let with = handwriting::candidates(&mut rare, &strokes(file), 5, &cover).expect("rare");
        assert_eq!(alone.first(), with.first(), "{file}: {alone:?} → {with:?}");
    }
}

#[test]
fn a_missing_model_says_which_package() {
    let err = Zinnia::open(Path::new("/nonexistent/model"))
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("tegaki-zinnia-simplified-chinese"),
        "{err}"
    );
    // The real model opens and says what it is.
    assert!(!open_zinnia().describe().is_empty());
}

/// A sample county (晋江市) with two words of its own: a village and a road.
fn county() -> onevisit_ime::places::County {
    onevisit_ime::places::County {
        code: Some("350582".into()),
        words: vec!["五店市".into(), "梅岭路".into()],
    }
}

/// Full pinyin of a name as a citizen types it: the first spelling, with the separator
/// before a syllable that starts with a vowel (xi'an, ji'an), as pinyin is written.
fn typed(name: &str, readings: &std::collections::HashMap<char, Vec<String>>) -> Option<String> {
    let s = onevisit_ime::places::spellings(name, readings)
        .into_iter()
        .next()?;
    let mut out = String::new();
    for (i, syl) in s.split(' ').enumerate() {
        if i > 0 && syl.starts_with(['a', 'e', 'o']) {
            out.push('\'');
        }
        out.push_str(syl);
    }
    Some(out)
}

/// Types each name's full pinyin; the names (of those the font draws) not at a place `<= top`.
fn misplaced(names: &[String], top: usize) -> (usize, Vec<String>) {
    let mut rime = open_rime();
    let cover = coverage();
    let base = std::fs::read_to_string(dirs().shared.join("pinyin_simp.dict.yaml")).unwrap();
    let readings = onevisit_ime::places::readings(&base);
    let (mut tried, mut missed) = (0, Vec::new());
    for v in names {
        if !cover.draws(v) {
            continue;
        }
        let Some(letters) = typed(v, &readings) else {
            continue;
        };
        let mut board = Board::new(8, cover.clone());
        let view = type_letters(&mut board, &mut rime, &letters);
        tried += 1;
        if !view.candidates.iter().take(top).any(|c| c == v) {
            missed.push(format!(
                "{v} ({letters}): {:?}",
                &view.candidates[..view.candidates.len().min(3)]
            ));
        }
        board.clear(&mut rime);
    }
    (tried, missed)
}

/// Every name of `places` with and without its suffix.
fn with_variants<'a>(places: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    places
        .flat_map(|(_, n)| onevisit_ime::places::variants(n))
        .collect()
}

#[test]
fn every_county_of_china_is_among_the_first_three_for_its_pinyin() {
    let _one = serial();
    // The kiosk's province (Fujian): every county and city, with and without its suffix.
    let names = with_variants(
        onevisit_ime::places::divisions().filter(|(c, _)| c.len() <= 6 && c.starts_with("35")),
    );
    let (tried, missed) = misplaced(&names, 3);
    assert!(tried > 100, "{tried}");
    assert!(missed.is_empty(), "{missed:#?}");
    // The whole country: only homophones of equal nearness (four 历城/黎城/荔城/鲤城 for three
    // places) can push one out.
    let names = with_variants(onevisit_ime::places::divisions().filter(|(c, _)| c.len() <= 6));
    let (tried, missed) = misplaced(&names, 3);
    let share = 100.0 * (tried - missed.len()) as f64 / tried as f64;
    eprintln!("{tried} county-level names typed: {share:.2}% among the first three");
    assert!(tried > 5_000, "{tried}");
    assert!(
        share >= 99.5,
        "{share:.2}%: {:#?}",
        &missed[..missed.len().min(20)]
    );
}

#[test]
fn the_kiosks_own_townships_and_words_come_first() {
    let _one = serial();
    let mut names = with_variants(
        onevisit_ime::places::divisions().filter(|(c, _)| c.len() == 9 && c.starts_with("350582")),
    );
    names.extend(county().words);
    let (tried, missed) = misplaced(&names, 1);
    assert!(tried > 20, "{tried}");
    assert!(missed.is_empty(), "{missed:#?}");
}

#[test]
fn townships_elsewhere_are_nearly_all_among_the_first_three() {
    let _one = serial();
    // Homophones among the country's 40,000 townships (合市/河市/何市) cannot all come
    // first; a spread sample says how many do.
    let names = with_variants(
        onevisit_ime::places::divisions()
            .filter(|(c, _)| c.len() == 9)
            .step_by(97),
    );
    let (tried, missed) = misplaced(&names, 3);
    let share = 100.0 * (tried - missed.len()) as f64 / tried as f64;
    eprintln!("{tried} township names typed: {share:.1}% among the first three");
    assert!(
        share >= 95.0,
        "{share:.1}%: {:#?}",
        &missed[..missed.len().min(20)]
    );
}
