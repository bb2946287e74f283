//! Ethnic groups by their GB 3304 code, as printed on the card (without 族).

const NATIONS: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// The name for a two-digit code ("01" → 汉), or None for an unknown code.
pub fn name(code: &str) -> Option<&'static str> {
    match code {
        "97" => Some("其他"),
        "98" => Some("外国血统"),
        _ => {
            let n: usize = code.parse().ok()?;
            if code.len() != 2 {
                return None;
            }
            NATIONS.get(n.checked_sub(1)?).copied()
        }
    }
}

/// The code for a name (the simulator writes codes).
pub fn code(name: &str) -> Option<String> {
    match name {
        "其他" => Some("97".into()),
        "外国血统" => Some("98".into()),
        _ => NATIONS
            .iter()
            .position(|n| *n == name.trim_end_matches('族'))
            .map(|i| format!("{:02}", i + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(name("01"), Some("汉"));
        assert_eq!(name("46"), Some("德昂"));
        assert_eq!(name("56"), Some("基诺"));
        assert_eq!(name("98"), Some("外国血统"));
        assert_eq!(name("00"), None);
        assert_eq!(name("57"), None);
        assert_eq!(name("1"), None);
        assert_eq!(code("蒙古族").as_deref(), Some("02"));
    }
}
