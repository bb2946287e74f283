//! The take-home list: what a citizen still has to bring for a theme, printed at the kiosk
//! so that missing one paper does not mean asking again. Nothing personal is on it.

use serde::{Deserialize, Serialize};

use crate::doc::{Align, Doc, Element, PaperWidth};

/// One material to bring: its name and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistLine {
    pub name: String,
    /// What it is and where it comes from (the catalog's description), if any.
    pub what: Option<String>,
}

/// What the list says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistData {
    pub site: String,
    /// The theme's name, e.g. 我要开饭店.
    pub theme: String,
    /// The paper to bring.
    pub bring: Vec<ChecklistLine>,
    /// What nobody needs to bring (checked online, read from the ID card, made at the kiosk).
    pub not_needed: Vec<String>,
    pub office_hours: String,
    /// The county's guide to the theme (the QR code).
    pub guide_url: String,
    /// Until when an application saved at the kiosk is kept, if one was saved.
    pub kept_until: Option<String>,
    /// Local date and time, e.g. `2026-11-28 10:12`.
    pub issued_at: String,
}

fn text(s: impl Into<String>, bold: bool) -> Element {
    Element::Text {
        text: s.into(),
        width: 1,
        height: 1,
        bold,
        align: Align::Left,
    }
}

pub fn build(c: &ChecklistData, paper: PaperWidth) -> Doc {
    let center = |s: &str, bold| Element::Text {
        text: s.to_owned(),
        width: 1,
        height: 1,
        bold,
        align: Align::Center,
    };
    let mut e = vec![
        Element::Text {
            text: c.site.clone(),
            width: 1,
            height: 2,
            bold: true,
            align: Align::Center,
        },
        center("“一件事一次办” 材料清单", true),
        Element::Rule,
        Element::Text {
            text: c.theme.clone(),
            width: 1,
            height: 2,
            bold: true,
            align: Align::Left,
        },
        text(
            format!("请带齐以下 {} 份材料（原件）：", c.bring.len()),
            true,
        ),
    ];
    for (i, m) in c.bring.iter().enumerate() {
        e.push(text(format!("□ {}. {}", i + 1, m.name), true));
        if let Some(w) = &m.what {
            e.push(text(format!("   {w}"), false));
        }
    }
    if !c.not_needed.is_empty() {
        e.push(Element::Rule);
        e.push(text("无需准备（部门在线核验，或从身份证读取）：", true));
        e.push(text(c.not_needed.join("、"), false));
    }
    e.push(Element::Rule);
    if let Some(until) = &c.kept_until {
        e.push(text(
            format!("您的申请已保存至 {until}。带齐材料后，在自助机放置同一张身份证即可接着办。"),
            true,
        ));
    } else {
        e.push(text(
            "带齐材料后，到任一自助机或窗口办理，一次办完。",
            false,
        ));
    }
    e.push(text(format!("窗口办公时间：{}", c.office_hours), false));
    e.push(Element::Rule);
    e.push(Element::Qr {
        data: c.guide_url.clone(),
        module: if paper == PaperWidth::Mm58 { 5 } else { 6 },
    });
    e.push(center("手机扫码，查看办事指南和材料样本", false));
    e.push(Element::Rule);
    e.push(text(format!("打印时间：{}", c.issued_at), false));
    e.push(Element::Feed(2));
    e.push(Element::Cut);
    Doc { paper, elements: e }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::display_width;

    fn sample() -> ChecklistData {
        ChecklistData {
            site: "样例县政务服务中心".into(),
            theme: "我要开饭店".into(),
            bring: vec![ChecklistLine {
                name: "房屋租赁合同".into(),
                what: Some("经营场所的租赁合同，租期一年以上".into()),
            }],
            not_needed: vec!["营业执照（电子证照）".into()],
            office_hours: "周一至周五 9:00–17:00".into(),
            guide_url: "https://zwfw.example.gov.cn/onevisit/guide/open-restaurant".into(),
            kept_until: Some("2026-12-09".into()),
            issued_at: "2026-12-02 10:12".into(),
        }
    }

    #[test]
    fn lists_each_material_with_what_it_is_and_fits_the_paper() {
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let doc = build(&sample(), paper);
            let texts: Vec<String> = doc
                .elements
                .iter()
                .filter_map(|e| match e {
                    Element::Text { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect();
            let all = texts.join("\n");
            assert!(all.contains("房屋租赁合同") && all.contains("租期一年以上"));
            assert!(all.contains("2026-12-09") && all.contains("9:00"));
            let wrapped = texts.iter().flat_map(|t| crate::wrap(t, paper.columns()));
            for line in wrapped {
                assert!(display_width(&line) <= paper.columns(), "{line}");
            }
            assert!(doc.elements.iter().any(|e| matches!(e, Element::Qr { .. })));
        }
    }
}
