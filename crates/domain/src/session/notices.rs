//! What the session tells the citizen when something needs doing, in both languages.

use super::Notice;

pub(super) fn id_number_invalid() -> Notice {
    Notice::new(
        "身份证号码不正确，请核对后重新输入（18位，最后一位可能是X）",
        "This ID number is not valid: check it and type it again (18 characters, the last may be X)",
    )
}

pub(super) fn document_incomplete() -> Notice {
    Notice::new(
        "证件信息读取不完整，请重新放置证件，或手动输入",
        "The document could not be read completely: place it again, or type your details",
    )
}

pub(super) fn no_camera_picture() -> Notice {
    Notice::new(
        "摄像头还没有画面，请稍候再拍",
        "The camera has no picture yet: wait a moment, then capture",
    )
}

pub(super) fn capture_first() -> Notice {
    Notice::new(
        "请先拍摄这份材料（至少一页清晰的）",
        "Please capture this material first (at least one clear page)",
    )
}

pub(super) fn commit_failed(why: &str) -> Notice {
    Notice::new(
        format!("提交未成功：{why}。您的资料仍在，请稍后再试或联系工作人员。"),
        format!(
            "The application could not be saved: {why}. Nothing is lost; try again or ask staff."
        ),
    )
}
