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

pub(super) fn checklist_printing() -> Notice {
    Notice::new("正在打印材料清单…", "Printing the list of materials…")
}

pub(super) fn checklist_printed() -> Notice {
    Notice::new(
        "材料清单已打印，请取走。备齐后再来，放身份证即可接着办。",
        "The list is printed: please take it. Come back with everything and place your ID card to carry on.",
    )
}

pub(super) fn checklist_failed(why: &str) -> Notice {
    Notice::new(
        format!("清单未能打印（{why}）。可用手机拍下本屏，或请工作人员协助。"),
        format!(
            "The list could not be printed ({why}). Take a photo of this screen, or ask staff."
        ),
    )
}

pub(super) fn card_to_save() -> Notice {
    Notice::new(
        "保存需要您的居民身份证：请将身份证放在读卡区。下次放同一张身份证即可接着办。",
        "Saving needs your resident ID card: place it on the reader. The same card resumes it next time.",
    )
}

pub(super) fn another_card() -> Notice {
    Notice::new(
        "这不是申请人的身份证：申请只能保存在申请人本人的身份证下。",
        "This is not the applicant's ID card: an application is saved only under the applicant's own card.",
    )
}

pub(super) fn draft_not_saved(why: &str) -> Notice {
    Notice::new(
        format!("未能保存（{why}）。您的资料仍在屏幕上，请联系工作人员。"),
        format!("It could not be saved ({why}). Everything is still here; please ask staff."),
    )
}

pub(super) fn welcome_back(saved_on: &str) -> Notice {
    Notice::new(
        format!("欢迎回来：已恢复您 {saved_on} 保存的申请，请从这里接着办。"),
        format!(
            "Welcome back: your application saved on {saved_on} is restored. Carry on from here."
        ),
    )
}
