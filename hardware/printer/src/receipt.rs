//! The kiosk's receipt: the citizen's proof that the case exists.

use onevisit_domain::mask;
use serde::{Deserialize, Serialize};

use crate::doc::{Align, Doc, Element, PaperWidth};
use crate::encode::two_columns;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialLine {
    pub name: String,
    pub pages: u32,
}

/// What a receipt says; the JSON of `onevisit receipt …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptData {
    /// The kiosk's site, e.g. 样例县政务服务中心.
    pub site: String,
    pub case_number: String,
    /// The theme's name, e.g. 我要开饭店.
    pub theme: String,
    pub applicant_name: String,
    /// Printed masked.
    pub id_number: String,
    pub materials: Vec<MaterialLine>,
    pub departments: Vec<String>,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub tracking_url: String,
    /// Local date and time, e.g. `2026-11-28 10:12`.
    pub issued_at: String,
    /// Marks a reprint, so two slips for one case are told apart.
    #[serde(default)]
    pub reprint: bool,
    /// 容缺受理: materials still owed, each with the date promised.
    #[serde(default)]
    pub owed: Vec<OwedLine>,
    /// 补正: what the window asked to be corrected, and why (on a reprint after it asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedLine {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub due: String,
}

fn text(s: impl Into<String>, align: Align, bold: bool) -> Element {
    Element::Text {
        text: s.into(),
        width: 1,
        height: 1,
        bold,
        align,
    }
}

pub fn build(r: &ReceiptData, paper: PaperWidth) -> Doc {
    let cols = paper.columns();
    let mut e = vec![
        Element::Text {
            text: r.site.clone(),
            width: 1,
            height: 2,
            bold: true,
            align: Align::Center,
        },
        text("“一件事一次办” 受理回执", Align::Center, true),
    ];
    if r.reprint {
        e.push(text("（补打）", Align::Center, false));
    }
    e.push(Element::Rule);
    e.push(text(
        format!("办件编号：{}", r.case_number),
        Align::Left,
        true,
    ));
    e.push(text(format!("办理事项：{}", r.theme), Align::Left, false));
    e.push(text(
        format!("申 请 人：{}", r.applicant_name),
        Align::Left,
        false,
    ));
    e.push(text(
        format!("证件号码：{}", mask::id_number(&r.id_number)),
        Align::Left,
        false,
    ));
    e.push(Element::Rule);
    let total: u32 = r.materials.iter().map(|m| m.pages).sum();
    e.push(text(
        format!("已收材料（{} 份，共 {} 页）", r.materials.len(), total),
        Align::Left,
        true,
    ));
    for (i, m) in r.materials.iter().enumerate() {
        let left = format!("{}. {}", i + 1, m.name);
        e.push(text(
            two_columns(&left, &format!("{}页", m.pages), cols),
            Align::Left,
            false,
        ));
    }
    if !r.owed.is_empty() {
        e.push(Element::Rule);
        e.push(text("容缺受理 — 请按承诺补交：", Align::Left, true));
        for o in &r.owed {
            e.push(text(
                format!("□ {}（{} 前）", o.name, o.due),
                Align::Left,
                false,
            ));
        }
        e.push(text(
            "请凭本回执带原件到任一窗口补交。逾期未补交的，审批部门可依法撤销决定。",
            Align::Left,
            false,
        ));
    }
    if let Some(c) = &r.correction {
        e.push(Element::Rule);
        e.push(text("窗口一次性告知 — 请补正：", Align::Left, true));
        e.push(text(c.clone(), Align::Left, false));
        e.push(text(
            "补正后请带本回执到综合窗口，或在自助终端“我的办件”中查看进度。",
            Align::Left,
            false,
        ));
    }
    e.push(Element::Rule);
    e.push(text("承办部门：", Align::Left, true));
    e.push(text(r.departments.join("、"), Align::Left, false));
    e.push(Element::Text {
        text: format!("预计办结：{}", r.due_date),
        width: 1,
        height: 2,
        bold: true,
        align: Align::Left,
    });
    e.push(Element::Rule);
    e.push(Element::Qr {
        data: r.tracking_url.clone(),
        module: if paper == PaperWidth::Mm58 { 5 } else { 6 },
    });
    e.push(text("微信或手机扫码，查询办理进度", Align::Center, false));
    e.push(text(r.case_number.clone(), Align::Center, false));
    e.push(Element::Rule);
    e.push(text("接下来：", Align::Left, true));
    e.push(text(
        "1. 各部门同时审核，需现场核查的将一次联合上门，工作人员会提前电话联系您。",
        Align::Left,
        false,
    ));
    e.push(text(
        "2. 审核结果一并通知，证照在一个窗口统一领取或免费邮寄。",
        Align::Left,
        false,
    ));
    e.push(text(
        "3. 进度可扫码查询，或在本机“我的办件”放置身份证查询。",
        Align::Left,
        false,
    ));
    e.push(Element::Rule);
    e.push(text(
        format!("受理时间：{}", r.issued_at),
        Align::Left,
        false,
    ));
    e.push(text("请妥善保管本回执", Align::Center, false));
    e.push(Element::Feed(2));
    e.push(Element::Cut);
    Doc { paper, elements: e }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::display_width;

    pub fn sample() -> ReceiptData {
        ReceiptData {
            site: "样例县政务服务中心".into(),
            case_number: "YL-20261128-000123".into(),
            theme: "我要开饭店".into(),
            applicant_name: "张试民".into(),
            id_number: "110101199003071233".into(),
            materials: vec![MaterialLine {
                name: "食品安全管理人员任命书及培训考核证明".into(),
                pages: 2,
            }],
            departments: vec!["县市场监督管理局".into(), "县消防救援大队".into()],
            due_date: "2026-12-21".into(),
            tracking_url: "https://zwfw.example.gov.cn/t/YL-20261128-000123".into(),
            issued_at: "2026-11-28 10:12".into(),
            reprint: false,
            owed: vec![OwedLine {
                name: "招牌结构安全说明".into(),
                due: "2026-12-09".into(),
            }],
            correction: None,
        }
    }

    #[test]
    fn a_reprint_after_a_request_for_corrections_says_what_and_why() {
        let mut r = sample();
        r.reprint = true;
        r.correction = Some("请补正：房屋租赁合同。合同缺少出租方签字。".into());
        let doc = build(&r, PaperWidth::Mm80);
        let all: String = doc
            .elements
            .iter()
            .filter_map(|e| match e {
                Element::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(
            all.contains("请补正") && all.contains("出租方签字"),
            "{all}"
        );
        assert!(
            !build(&sample(), PaperWidth::Mm80)
                .elements
                .iter()
                .any(|e| matches!(e, Element::Text { text, .. } if text.contains("一次性告知")))
        );
    }

    #[test]
    fn id_number_is_masked_and_lines_fit() {
        let doc = build(&sample(), PaperWidth::Mm58);
        let texts: Vec<&String> = doc
            .elements
            .iter()
            .filter_map(|e| match e {
                Element::Text { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        assert!(texts.iter().any(|t| t.contains("1101**********1233")));
        assert!(!texts.iter().any(|t| t.contains("110101199003071233")));
        let material = texts.iter().find(|t| t.contains("任命书")).unwrap();
        for line in material.lines() {
            assert!(display_width(line) <= 32, "{line}");
        }
        assert!(material.ends_with("2页"));
    }
}
