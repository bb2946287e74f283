//! `onevisit input …`: what technicians (and tests) use to check a kiosk's Chinese input.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use onevisit_ime::handwriting::{self, PAD, Stroke};
use onevisit_ime::pinyin::{Board, Key, Pinyin};
use onevisit_ime::rime::{self, Rime};
use onevisit_ime::zinnia::Zinnia;
use serde::Serialize;

use crate::cli::InputCmd;
use crate::input::{coverage, rime_dirs};

#[derive(Serialize)]
struct Candidates {
    input: String,
    engine: String,
    preedit: String,
    candidates: Vec<String>,
}

pub fn run(
    cmd: InputCmd,
    data_dir: &Path,
    catalog: &Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    match cmd {
        InputCmd::Pinyin { letters, json } => pinyin(&letters, data_dir, json.json),
        InputCmd::Handwriting { strokes, json } => handwriting(&strokes, json.json),
        InputCmd::Deploy { json } => deploy(data_dir, catalog, json.json),
        InputCmd::Status { json } => status(data_dir, json.json),
    }
}

fn pinyin(letters: &str, data_dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    if letters.is_empty()
        || !letters
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '\'')
    {
        bail!("LETTERS must be pinyin letters a–z (and ' between syllables), e.g. kaifandian");
    }
    let mut rime = Rime::open(&rime_dirs(data_dir))?;
    let mut board = Board::new(20, coverage());
    let mut view = Default::default();
    for c in letters.chars() {
        let key = if c == '\'' {
            Key::Separator
        } else {
            Key::Letter(c)
        };
        view = board.press(&mut rime, key)?;
    }
    let out = Candidates {
        input: letters.to_owned(),
        engine: rime.describe(),
        preedit: view.preedit,
        candidates: view.candidates,
    };
    print(&out, json)
}

fn handwriting(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let strokes = parse_strokes(&text).with_context(|| {
        format!(
            "{}: expected an array of strokes, each an array of [x, y] points on the {PAD}×{PAD} pad",
            path.display()
        )
    })?;
    let mut z = crate::input::open_handwriting(&Zinnia::model_path())?;
    let candidates = handwriting::candidates(z.as_mut(), &strokes, 10, &coverage())?;
    let out = Candidates {
        input: format!("{} strokes", strokes.len()),
        engine: z.describe(),
        preedit: String::new(),
        candidates,
    };
    print(&out, json)
}

/// Strokes from JSON; points outside the pad are an error (a recording from another pad size).
fn parse_strokes(text: &str) -> anyhow::Result<Vec<Stroke>> {
    let raw: Vec<Vec<[f32; 2]>> = serde_json::from_str(text)?;
    if raw.is_empty() || raw.iter().any(Vec::is_empty) {
        bail!("no strokes, or an empty stroke");
    }
    for (i, s) in raw.iter().enumerate() {
        if let Some([x, y]) = s
            .iter()
            .find(|[x, y]| !(0.0..=PAD).contains(x) || !(0.0..=PAD).contains(y))
        {
            bail!("stroke {}: point [{x}, {y}] is outside the pad", i + 1);
        }
    }
    Ok(raw
        .into_iter()
        .map(|s| s.into_iter().map(|[x, y]| (x, y)).collect())
        .collect())
}

fn print(out: &Candidates, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        return super::print_json(out);
    }
    println!("{}   ({})", out.input, out.engine);
    if !out.preedit.is_empty() {
        println!("composing: {}", out.preedit);
    }
    if out.candidates.is_empty() {
        println!("no candidates");
    }
    for (i, c) in out.candidates.iter().enumerate() {
        println!("{:>2}. {c}", i + 1);
    }
    Ok(ExitCode::SUCCESS)
}

fn deploy(
    data_dir: &Path,
    catalog: &Option<std::path::PathBuf>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let t = std::time::Instant::now();
    let dirs = rime_dirs(data_dir);
    // The county's words and places come from the catalog (when there is one to read).
    match crate::catalog_dir::load(&crate::catalog_dir::resolve(catalog)) {
        Ok((cat, _)) => crate::input::set_county(&dirs, &cat),
        Err(e) => eprintln!("no catalog read ({e:#}): the county's own words are left out"),
    }
    let d = rime::deploy(&dirs)?;
    let seconds = t.elapsed().as_secs_f64();
    if json {
        return super::print_json(&serde_json::json!({
            "dir": d.dir, "librime": d.version, "schema": rime::SCHEMA, "seconds": seconds,
        }));
    }
    println!(
        "pinyin dictionaries deployed in {} (librime {}, {}) in {seconds:.1} s",
        d.dir.display(),
        d.version,
        rime::SCHEMA
    );
    Ok(ExitCode::SUCCESS)
}

fn status(data_dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let all = crate::input::status(data_dir);
    let ok = all.iter().all(|(_, r)| r.is_ok());
    if json {
        let v: serde_json::Map<String, serde_json::Value> = all
            .iter()
            .map(|(name, r)| {
                let v = match r {
                    Ok(engine) => serde_json::json!({"ok": true, "engine": engine}),
                    Err(e) => serde_json::json!({"ok": false, "problem": e.to_string()}),
                };
                ((*name).to_owned(), v)
            })
            .collect();
        super::print_json(&v)?;
    } else {
        for (name, r) in &all {
            match r {
                Ok(engine) => println!("{name:<12} ok       {engine}"),
                Err(e) => println!("{name:<12} MISSING  {e}"),
            }
        }
        if !ok {
            println!("(the kiosk offers the other method while one is missing)");
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::parse_strokes;

    #[test]
    fn bad_stroke_files_are_refused_with_a_reason() {
        assert!(parse_strokes("[[[1, 2], [3, 4]]]").is_ok());
        for bad in [
            "",
            "{}",
            "[]",
            "[[]]",
            "[[[1]]]",
            "[[[400, 2]]]",
            "[[[-1, 2]]]",
            "[[\"a\"]]",
        ] {
            assert!(parse_strokes(bad).is_err(), "{bad}");
        }
    }
}
