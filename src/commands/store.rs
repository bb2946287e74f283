use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use onevisit_capture::pdf::{self, PageImage, PdfPage};
use onevisit_domain::{default_answers, plan};
use onevisit_idcard::id_number::check_char;
use onevisit_store::{Applicant, NewCase, NewMaterial, Store};

use super::print_json;
use crate::catalog_dir;
use crate::cli::{CaseCmd, QueueCmd, StoreCmd};
use crate::runtime::{data_dir, now_ms};

fn open(flag: &Option<PathBuf>) -> Result<Store> {
    let dir = data_dir(flag);
    Store::open(&dir).with_context(|| format!("opening the case store in {}", dir.display()))
}

pub fn queue(cmd: QueueCmd, flag: &Option<PathBuf>) -> Result<ExitCode> {
    let s = open(flag)?;
    match cmd {
        QueueCmd::List(j) => {
            let list = s.list()?;
            if j.json {
                return print_json(&list);
            }
            let mut t = crate::table::Table::new(&[
                "case",
                "theme",
                "state",
                "attempts",
                "applicant",
                "last error",
            ]);
            for c in &list {
                t.row(vec![
                    c.id.clone(),
                    c.theme.clone(),
                    format!("{:?}", c.state).to_lowercase(),
                    c.attempts.to_string(),
                    format!(
                        "{} {}",
                        c.applicant.as_deref().unwrap_or("-"),
                        c.id_number.as_deref().unwrap_or("")
                    ),
                    c.last_error.clone().unwrap_or_default(),
                ]);
            }
            print!("{}", t.render());
            println!("{} cases", list.len());
            Ok(ExitCode::SUCCESS)
        }
        QueueCmd::Export { dir, json } => {
            drop(s);
            super::sync::export(flag, &dir, json.json)
        }
        QueueCmd::Show { case_id, json } => {
            let c = s.get(&case_id)?;
            if json.json {
                return print_json(&c);
            }
            println!("case        {}", c.summary.id);
            println!("theme       {}", c.summary.theme);
            println!(
                "state       {:?} ({} attempts)",
                c.summary.state, c.summary.attempts
            );
            if let Some(e) = &c.summary.last_error {
                println!("last error  {e}");
            }
            if let Some(n) = &c.central_number {
                println!("central no. {n}");
            }
            if let Some(st) = &c.remote_status {
                match &c.remote_reason {
                    Some(r) => println!("status      {st} ({r})"),
                    None => println!("status      {st}"),
                }
            }
            if c.exported_at.is_some() {
                println!("exported    to a USB bundle (waiting for the online acknowledgement)");
            }
            println!(
                "applicant   {} {}",
                c.summary.applicant.as_deref().unwrap_or("-"),
                c.summary.id_number.as_deref().unwrap_or("")
            );
            println!("receipt     {}", c.receipt);
            for m in &c.materials {
                println!(
                    "material    {} ({} pages, {} bytes, sha256 {})",
                    m.name, m.pages, m.size, m.sha256
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn store(cmd: StoreCmd, flag: &Option<PathBuf>) -> Result<ExitCode> {
    let StoreCmd::Check = cmd;
    let s = open(flag)?;
    match s.check() {
        Ok(n) => {
            let (committed, present) = s.counts()?;
            println!("ok: {present} cases ({committed} committed), {n} attachments verified");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("store check failed: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

const SURNAMES: [&str; 8] = ["张", "王", "李", "赵", "陈", "刘", "杨", "黄"];
const GIVEN: [&str; 8] = [
    "试民", "样芳", "例华", "测强", "模丽", "拟军", "虚敏", "构伟",
];

/// An invented person: a name from the lists above and an ID number with a valid check
/// character (region 110101, born 1960–1999).
fn synthetic_person(n: u32) -> Applicant {
    let name = format!(
        "{}{}",
        SURNAMES[(n % 8) as usize],
        GIVEN[(n / 8 % 8) as usize]
    );
    let first17 = format!(
        "110101{}{:02}{:02}{:03}",
        1960 + n % 40,
        1 + n % 12,
        1 + n % 28,
        n % 1000
    );
    let check = check_char(&first17).unwrap_or('0');
    Applicant {
        name,
        id_number: format!("{first17}{check}"),
    }
}

/// A synthetic scanned material: `pages` A4 pages of a simple 1-bit pattern, as capture
/// would store them.
fn synthetic_pdf(pages: u32, seed: u32) -> Vec<u8> {
    let (w, h) = (1654u32, 2339u32);
    let row = w.div_ceil(8) as usize;
    let pages: Vec<PdfPage> = (0..pages)
        .map(|p| {
            let mut bits = vec![0u8; row * h as usize];
            for y in (200..h as usize - 200).step_by(48) {
                for x in 20..row - 20 {
                    if !(x + y / 48 + (seed + p) as usize).is_multiple_of(7) {
                        bits[y * row + x] = 0xFF;
                    }
                }
            }
            PdfPage {
                image: PageImage::Bilevel {
                    width: w,
                    height: h,
                    deflated: miniz_oxide::deflate::compress_to_vec_zlib(&bits, 6),
                },
                width_mm: 210.0,
                height_mm: 297.0,
            }
        })
        .collect();
    pdf::write(&pages).bytes
}

pub fn case(cmd: CaseCmd, flag: &Option<PathBuf>, catalog: &Option<PathBuf>) -> Result<ExitCode> {
    let CaseCmd::SubmitSample { count, pages } = cmd;
    let (cat, _) = catalog_dir::load(&catalog_dir::resolve(catalog))?;
    let theme = cat
        .theme("open-restaurant")
        .context("the catalog has no open-restaurant theme")?;
    let answers = default_answers(theme);
    let p = plan(&cat, &theme.id, &answers)?;
    let mut s = open(flag)?;
    for n in 0..count {
        let applicant = synthetic_person(n);
        let mut form = BTreeMap::new();
        for f in &p.fields {
            form.insert(f.key.clone(), format!("样例{}", f.label.zh));
        }
        let materials = p
            .materials
            .iter()
            .filter(|m| onevisit_domain::plan::must_bring(m.obtain))
            .enumerate()
            .map(|(i, m)| NewMaterial {
                name: m.name.zh.clone(),
                pages,
                pdf: synthetic_pdf(pages, n + i as u32),
            })
            .collect();
        let case = NewCase {
            theme: theme.id.clone(),
            answers: answers.clone(),
            applicant,
            form,
            materials,
            signature: Some(vec![0u8; 64]),
            rating: Some(5),
            owed: Vec::new(),
        };
        let id = s.commit(&case, now_ms())?;
        println!("{id}");
    }
    Ok(ExitCode::SUCCESS)
}
