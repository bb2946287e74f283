use std::process::ExitCode;

use anyhow::Result;
use onevisit_printer::doc::{Align, Doc, Element};
use onevisit_printer::encode::encode_segments;
use onevisit_printer::status::BitTable;
use onevisit_serial::printer::PrinterPort;
use serde::Serialize;

use super::print_json;
use super::receipt::paper_and_model;
use crate::cli::PrinterCmd;

#[derive(Serialize)]
struct StatusReport {
    ready: bool,
    problem: Option<String>,
    #[serde(flatten)]
    status: onevisit_printer::status::PrinterStatus,
}

pub fn run(cmd: PrinterCmd) -> Result<ExitCode> {
    match cmd {
        PrinterCmd::Status { port, baud, json } => {
            let mut p = PrinterPort::open(&port, baud, BitTable::EPSON)?;
            let status = p.query()?;
            let ready = status.ready();
            let report = StatusReport {
                ready: ready.is_ok(),
                problem: ready.err().map(|e| e.to_string()),
                status,
            };
            if json.json {
                print_json(&report)?;
            } else {
                let yn = |v: Option<bool>| v.map_or("unknown", |b| if b { "yes" } else { "no" });
                println!(
                    "ready           {}",
                    if report.ready { "yes" } else { "NO" }
                );
                if let Some(p) = &report.problem {
                    println!("problem         {p}");
                }
                println!("online          {}", yn(status.online));
                println!("cover open      {}", yn(status.cover_open));
                println!("paper out       {}", yn(status.paper_out));
                println!("paper near end  {}", yn(status.paper_near_end));
                println!("error           {}", yn(status.error));
            }
            Ok(
                match (
                    report.ready,
                    status.online.is_none() && status.paper_out.is_none(),
                ) {
                    (true, _) => ExitCode::SUCCESS,
                    (false, true) => ExitCode::FAILURE,
                    (false, false) => ExitCode::from(2),
                },
            )
        }
        PrinterCmd::Test {
            port,
            baud,
            paper,
            json,
        } => {
            let (width, model) = paper_and_model(&paper);
            let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
            let big = |t: &str| Element::Text {
                text: t.into(),
                width: 2,
                height: 2,
                bold: true,
                align: Align::Center,
            };
            let doc = Doc {
                paper: width,
                elements: vec![
                    big("打印测试"),
                    Element::text("OneVisit printer test · 一件事一次办"),
                    Element::text(format!("{now} · {} mm", paper.width)),
                    Element::Rule,
                    Element::text("中文：营业执照 食品经营许可证 烟草专卖零售许可证"),
                    Element::text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"),
                    Element::Qr {
                        data: "https://zwfw.example.gov.cn/t/TEST".into(),
                        module: 5,
                    },
                    Element::Barcode {
                        data: "ONEVISIT-TEST".into(),
                        height: 60,
                    },
                    Element::Feed(2),
                    Element::Cut,
                ],
            };
            let mut p = PrinterPort::open(&port, baud, BitTable::EPSON)?;
            let r = p.print(&encode_segments(&doc, model))?;
            if json.json {
                print_json(&r)?;
                return Ok(if r.printed {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                });
            }
            if r.printed {
                println!(
                    "printed{}",
                    if r.paper_near_end {
                        " (paper near end: load a new roll soon)"
                    } else {
                        ""
                    }
                );
                Ok(ExitCode::SUCCESS)
            } else {
                let why = r.problem.map_or("unknown".to_string(), |p| p.to_string());
                eprintln!("not printed: {why}");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
