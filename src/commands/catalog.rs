use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use onevisit_domain::catalog::{Catalog, Obtain};
use onevisit_domain::plan::{DropReason, answer_combinations};
use onevisit_domain::stats::{change_percent, stats};
use onevisit_domain::{Answers, Plan, SourceFile, plan};
use serde::Serialize;

use super::print_json;
use crate::catalog_dir;
use crate::cli::CatalogCmd;
use crate::table::Table;

pub fn run(cmd: CatalogCmd, flag: &Option<PathBuf>) -> Result<ExitCode> {
    if let CatalogCmd::Check { dir, json } = &cmd {
        let dir = dir.clone().unwrap_or_else(|| catalog_dir::resolve(flag));
        return check(&dir, json.json);
    }
    let dir = catalog_dir::resolve(flag);
    let (catalog, _) = catalog_dir::load(&dir)?;
    match cmd {
        CatalogCmd::Check { .. } => unreachable!("handled above"),
        CatalogCmd::List(j) => list(&catalog, j.json),
        CatalogCmd::Questions { theme, json } => questions(&catalog, &theme, json.json),
        CatalogCmd::Plan {
            theme,
            answers,
            json,
        } => plan_cmd(&catalog, &theme, &answers, json.json),
        CatalogCmd::Stats(j) => stats_cmd(&catalog, j.json),
    }
}

#[derive(Serialize)]
struct CheckReport {
    ok: bool,
    problems: Vec<Problem>,
    themes: usize,
    answer_combinations: usize,
}

#[derive(Serialize)]
struct Problem {
    file: String,
    line: usize,
    column: usize,
    message: String,
}

fn check(dir: &std::path::Path, json: bool) -> Result<ExitCode> {
    let sources: Vec<SourceFile> = catalog_dir::read_sources(dir)?;
    let mut errors = Vec::new();
    let catalog = match Catalog::from_sources(&sources) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    if let Err(e) = onevisit_domain::Calendar::from_sources(&sources) {
        errors.extend(e.0);
    }
    if !errors.is_empty() {
        if json {
            let problems = errors
                .iter()
                .map(|e| Problem {
                    file: e.file.clone(),
                    line: e.line,
                    column: e.column,
                    message: e.kind.to_string(),
                })
                .collect();
            let report = CheckReport {
                ok: false,
                problems,
                themes: 0,
                answer_combinations: 0,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(ExitCode::FAILURE);
        }
        for e in &errors {
            println!("{e}");
        }
        eprintln!(
            "{} problem{} in {}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            dir.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    if let Some(c) = catalog {
        // A path through a theme that cannot be planned is a catalog problem too.
        let mut paths = 0;
        for t in c.themes.iter() {
            for answers in answer_combinations(t) {
                plan(&c, &t.id, &answers)
                    .with_context(|| format!("planning theme {} with {answers:?}", t.id))?;
                paths += 1;
            }
        }
        if json {
            return print_json(&CheckReport {
                ok: true,
                problems: Vec::new(),
                themes: c.themes.len(),
                answer_combinations: paths,
            });
        }
        println!(
            "ok: {} themes ({paths} answer combinations planned), {} items, {} materials, {} departments in {}",
            c.themes.len(),
            c.items.len(),
            c.materials.len(),
            c.departments.len(),
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct ThemeRow<'a> {
    id: &'a str,
    name: &'a str,
    name_en: &'a str,
    category: &'a str,
    audience: onevisit_domain::catalog::Audience,
    items: usize,
    questions: usize,
}

fn list(catalog: &Catalog, json: bool) -> Result<ExitCode> {
    let rows: Vec<ThemeRow> = catalog
        .themes
        .iter()
        .map(|t| ThemeRow {
            id: &t.id,
            name: &t.name.zh,
            name_en: &t.name.en,
            category: &t.category.zh,
            audience: t.audience,
            items: t.items.len(),
            questions: t.questions.len(),
        })
        .collect();
    if json {
        return print_json(&rows);
    }
    let mut table = Table::new(&[
        "id",
        "主题 Theme",
        "类别 Category",
        "事项 Items",
        "问题 Questions",
    ]);
    for r in rows {
        table.row(vec![
            r.id.to_owned(),
            format!("{} {}", r.name, r.name_en),
            r.category.to_owned(),
            r.items.to_string(),
            r.questions.to_string(),
        ]);
    }
    print!("{}", table.render());
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct QuestionOut<'a> {
    key: &'a str,
    text: &'a str,
    text_en: &'a str,
    kind: onevisit_domain::catalog::QuestionKind,
    /// Allowed values, in display order.
    options: Vec<&'a str>,
    /// The same options with their labels.
    choices: Vec<ChoiceOut<'a>>,
}

#[derive(Serialize)]
struct ChoiceOut<'a> {
    value: &'a str,
    label: &'a str,
    label_en: &'a str,
}

fn theme_or_err<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c onevisit_domain::catalog::Theme> {
    catalog.theme(id).with_context(|| {
        let known: Vec<&str> = catalog.themes.iter().map(|t| t.id.as_str()).collect();
        format!("unknown theme \"{id}\"; themes are: {}", known.join(", "))
    })
}

fn questions(catalog: &Catalog, theme: &str, json: bool) -> Result<ExitCode> {
    let t = theme_or_err(catalog, theme)?;
    let out: Vec<QuestionOut> = t
        .questions
        .iter()
        .map(|q| QuestionOut {
            key: &q.key,
            text: &q.text.zh,
            text_en: &q.text.en,
            kind: q.kind,
            options: q.options.iter().map(|o| o.value.as_str()).collect(),
            choices: q
                .options
                .iter()
                .map(|o| ChoiceOut {
                    value: &o.value,
                    label: &o.label.zh,
                    label_en: &o.label.en,
                })
                .collect(),
        })
        .collect();
    if json {
        return print_json(&out);
    }
    for (i, q) in out.iter().enumerate() {
        println!("{}. {} ({})", i + 1, q.text, q.text_en);
        for c in &q.choices {
            println!(
                "     --answer {}={}   {} ({})",
                q.key, c.value, c.label, c.label_en
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn parse_answers(raw: &[String]) -> Result<Answers> {
    let mut answers = Answers::new();
    for a in raw {
        let Some((k, v)) = a.split_once('=') else {
            bail!("--answer \"{a}\" must be KEY=VALUE, e.g. --answer sells_tobacco=yes");
        };
        answers.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    Ok(answers)
}

fn plan_cmd(catalog: &Catalog, theme: &str, raw: &[String], json: bool) -> Result<ExitCode> {
    theme_or_err(catalog, theme)?;
    let answers = parse_answers(raw)?;
    let p = plan(catalog, theme, &answers)?;
    if json {
        return print_json(&p);
    }
    print_plan(catalog, &p);
    Ok(ExitCode::SUCCESS)
}

fn obtain_label(o: Obtain) -> &'static str {
    match o {
        Obtain::Paper => "请携带 bring it",
        Obtain::Kiosk => "自助机生成 made at the kiosk",
        Obtain::IdCard => "读取身份证 read from ID card",
        Obtain::Online => "网上核验 verified online",
    }
}

fn reason_label(catalog: &Catalog, r: &DropReason) -> String {
    let material = |id: &str| {
        catalog
            .materials
            .get(id)
            .map_or(id.to_owned(), |m| m.name.zh.clone())
    };
    let item = |id: &str| {
        catalog
            .items
            .get(id)
            .map_or(id.to_owned(), |i| i.name.zh.clone())
    };
    match r {
        DropReason::VerifiedOnline { source } => match source {
            Some(s) => format!("网上核验（{}） verified online ({})", s.zh, s.en),
            None => "网上核验 verified online".into(),
        },
        DropReason::ReadFromIdCard => "读取身份证 read from the ID card".into(),
        DropReason::CoveredBy { material: m } => {
            format!("由「{}」代替 covered by {m}", material(m))
        }
        DropReason::IssuedInChain { item: i } => {
            format!("本次同时办理「{}」 issued in this chain ({i})", item(i))
        }
        DropReason::NotApplicable { question, answer } => {
            format!("按您的回答无需提供 not applicable ({question}={answer})")
        }
    }
}

fn print_plan(catalog: &Catalog, p: &Plan) {
    println!("{} {}", p.theme_name.zh, p.theme_name.en);
    let answers: Vec<String> = p.answers.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("答案 Answers: {}\n", answers.join(", "));

    println!("办理事项 Items ({})", p.items.len());
    for (i, it) in p.items.iter().enumerate() {
        let dep = catalog
            .departments
            .get(&it.department)
            .map_or(it.department.as_str(), |d| d.name.zh.as_str());
        println!(
            "  {}. {}  — {}，{} 个工作日{}",
            i + 1,
            it.name.zh,
            dep,
            it.time_limit_days,
            if it.inspection {
                "，需现场核查"
            } else {
                ""
            }
        );
    }
    println!("\n一套材料 One set of materials ({})", p.materials.len());
    for m in &p.materials {
        println!("  • {}  [{}]", m.name.zh, obtain_label(m.obtain));
    }
    println!("\n无需提交 Not needed ({})", p.dropped.len());
    for d in &p.dropped {
        println!("  • {} — {}", d.name.zh, reason_label(catalog, &d.reason));
    }
    let prefilled = p.fields.iter().filter(|f| f.prefill_from_id_card).count();
    println!(
        "\n一张表单 One form: {} fields, {} filled from the ID card",
        p.fields.len(),
        prefilled
    );
    let deps: Vec<&str> = p.departments.iter().map(|d| d.name.zh.as_str()).collect();
    println!("部门 Departments ({}): {}", deps.len(), deps.join("、"));
    if let Some(ins) = &p.inspection {
        println!(
            "{} {}",
            if ins.joint {
                "联合现场核查 Joint site inspection:"
            } else {
                "现场核查 Site inspection:"
            },
            ins.items.join(", ")
        );
    }
    println!("\n办理前后 Before → after");
    let rows = [
        ("环节 steps", p.before.steps, p.after.steps),
        ("窗口 windows", p.before.windows, p.after.windows),
        ("材料 materials", p.before.materials, p.after.materials),
        ("时限 working days", p.before.days, p.after.days),
    ];
    for (label, b, a) in rows {
        println!("  {label:<18} {b:>3} → {a}");
    }
}

fn stats_cmd(catalog: &Catalog, json: bool) -> Result<ExitCode> {
    let s = stats(catalog)?;
    if json {
        return print_json(&s);
    }
    let arrow = |b: u32, a: u32| format!("{b} → {a}");
    let mut table = Table::new(&[
        "主题 Theme",
        "环节 Steps",
        "窗口 Windows",
        "材料 Materials",
        "时限 Days",
    ]);
    for r in &s.themes {
        table.row(vec![
            format!("{} {}", r.theme, r.name.zh),
            arrow(r.before.steps, r.after.steps),
            arrow(r.before.windows, r.after.windows),
            arrow(r.before.materials, r.after.materials),
            arrow(r.before.days, r.after.days),
        ]);
    }
    let (b, a) = (s.average.before, s.average.after);
    let avg = |b: f64, a: f64| format!("{b:.1} → {a:.1}");
    table.row(vec![
        "平均 Average".into(),
        avg(b.steps, a.steps),
        avg(b.windows, a.windows),
        avg(b.materials, a.materials),
        avg(b.days, a.days),
    ]);
    let pct = |b: f64, a: f64| format!("{:+.0}%", change_percent(b, a));
    table.row(vec![
        "变化 Change".into(),
        pct(b.steps, a.steps),
        pct(b.windows, a.windows),
        pct(b.materials, a.materials),
        pct(b.days, a.days),
    ]);
    print!("{}", table.render());
    println!(
        "(each theme with every question answered by its first option; days are working days)"
    );
    Ok(ExitCode::SUCCESS)
}
