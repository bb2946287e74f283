//! The citizen's journey through the pure session: every screen in order, back, the idle
//! wipe, elderly mode, failures — without a window.

mod common;

use onevisit_domain::session::{
    Action, Config, Event, IdSource, Page, Person, ReceiptState, Screen, Session,
};

fn person() -> Person {
    Person {
        name: "测试甲".into(),
        id_number: "11010519491231002X".into(),
        sex: Some("女".into()),
        nation: Some("汉".into()),
        birth: Some("1949-12-31".into()),
        address: Some("北京市朝阳区测试路1号".into()),
        source: IdSource::IdCard,
    }
}

fn page(ok: bool) -> Page {
    Page {
        ok,
        advice: if ok {
            String::new()
        } else {
            "请把材料放平".into()
        },
        capture: 7,
    }
}

struct J {
    s: Session,
    now: i64,
    cat: onevisit_domain::Catalog,
    actions: Vec<Action>,
}

impl J {
    fn new() -> J {
        J {
            s: Session::new(Config::default(), 0),
            now: 0,
            cat: common::sample(),
            actions: Vec::new(),
        }
    }
    fn ev(&mut self, e: Event) -> &mut J {
        self.now += 1_000;
        let fx = self.s.handle_event(self.now, e, &self.cat);
        self.actions.extend(fx);
        self
    }
    fn answer(&mut self, k: &str, v: &str) -> &mut J {
        self.ev(Event::Answer {
            key: k.into(),
            value: v.into(),
        })
    }
    fn field(&mut self, k: &str, v: &str) -> &mut J {
        self.ev(Event::SetField {
            key: k.into(),
            value: v.into(),
        })
    }
}

/// Through the restaurant's questions (no tobacco, rented, a signboard, a small venue) to
/// the materials.
fn to_materials(j: &mut J) {
    j.ev(Event::Start)
        .ev(Event::ChooseTheme("open-restaurant".into()))
        .answer("sells_tobacco", "no")
        .answer("premises", "rented")
        .answer("outdoor_sign", "yes")
        .answer("large_venue", "no");
}

/// Through the restaurant journey up to the form.
fn to_form(j: &mut J) {
    to_materials(j);
    assert_eq!(j.s.screen(), Screen::Materials);
    j.ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Identify);
    j.ev(Event::CardRead(person()));
    assert_eq!(j.s.screen(), Screen::Form);
}

/// The form filled and every material scanned (one clear page each): the review.
fn to_review(j: &mut J) {
    to_form(j);
    fill_form(j);
    j.ev(Event::Next);
    while let Screen::Scan(_) = j.s.screen() {
        j.ev(Event::PageCaptured(page(true)))
            .ev(Event::MaterialDone);
    }
    assert_eq!(j.s.screen(), Screen::Review);
}

fn fill_form(j: &mut J) {
    for (k, v) in [
        ("phone", "13800138000"),
        ("shop_name", "测试小馆"),
        ("business_address", "测试县城关镇人民路8号"),
        ("business_scope", "热食类食品制售"),
        ("capital", "5"),
        ("employees", "3"),
        ("floor_area", "80"),
        ("sign_size", "3米×0.8米"),
    ] {
        j.field(k, v);
    }
}

#[test]
fn the_whole_restaurant_journey() {
    let mut j = J::new();
    to_form(&mut j);
    // Pre-filled from the card.
    assert_eq!(j.s.form()["applicant_name"], "测试甲");
    assert_eq!(j.s.form()["id_number"], "11010519491231002X");
    // Nothing typed yet: Next shows what is missing.
    j.ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Form);
    assert!(j.s.field_errors().contains_key("phone"));
    fill_form(&mut j);
    j.field("phone", "12345");
    j.ev(Event::Next);
    assert_eq!(j.s.field_errors().len(), 1, "{:?}", j.s.field_errors());
    j.field("phone", "13800138000").ev(Event::Next);
    let n = j.s.to_scan().len();
    assert_eq!(n, 9, "{:?}", j.s.to_scan());
    for i in 0..n {
        assert_eq!(j.s.screen(), Screen::Scan(i));
        if i == 0 {
            // A blurred page, retaken.
            j.ev(Event::PageCaptured(page(false)));
            assert!(j.s.notice().is_some());
            j.ev(Event::RetakeLastPage);
            j.ev(Event::MaterialDone);
            assert_eq!(j.s.screen(), Screen::Scan(0), "no clear page yet");
        }
        j.ev(Event::PageCaptured(page(true)))
            .ev(Event::MaterialDone);
    }
    // The review comes before the signature: checked first, then signed and submitted.
    assert_eq!(j.s.screen(), Screen::Review);
    j.ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Sign);
    j.ev(Event::Submit);
    assert!(
        j.actions.iter().all(|a| !matches!(a, Action::Commit(_))),
        "a signature is needed"
    );
    j.ev(Event::Signed(vec![9; 10]));
    j.ev(Event::Submit).ev(Event::Submit);
    let commits: Vec<_> = j
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Commit(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(
        commits.len(),
        1,
        "one commit however often Submit is pressed"
    );
    let d = commits[0];
    assert_eq!(d.theme, "open-restaurant");
    assert_eq!(d.materials.len(), 9);
    assert!(d.materials.iter().all(|(_, _, p)| p.len() == 1 && p[0].ok));
    assert_eq!(d.form["shop_name"], "测试小馆");
    j.ev(Event::Committed {
        case_id: "c-1".into(),
        due_date: "2026-12-18".into(),
    });
    assert_eq!(j.s.screen(), Screen::Receipt);
    assert!(j.actions.contains(&Action::Print {
        case_id: "c-1".into(),
        reprint: false
    }));
    j.ev(Event::Back);
    assert_eq!(
        j.s.screen(),
        Screen::Receipt,
        "no way back past a submission"
    );
    j.ev(Event::Printed).ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Rate);
    j.ev(Event::Rate(2))
        .ev(Event::Comment("等了很久".into()))
        .ev(Event::FinishRating);
    assert!(
        j.actions.contains(&Action::AskComment),
        "a low rating asks what went wrong"
    );
    assert!(j.actions.contains(&Action::RecordRating {
        case_id: "c-1".into(),
        rating: 2,
        comment: Some("等了很久".into())
    }));
    assert_eq!(j.s.screen(), Screen::Done);
    // The final screen goes back to the start by itself, wiping everything.
    j.now += 10_000;
    let fx = j.s.handle_event(j.now, Event::Tick, &j.cat);
    assert!(fx.contains(&Action::Wipe));
    assert_eq!(j.s.screen(), Screen::Attract);
    assert!(j.s.applicant().is_none() && j.s.form().is_empty() && j.s.case_id().is_none());
    println!("touches: {}", j.s.touches());
}

#[test]
fn touches_for_the_restaurant_journey_besides_typing_and_scanning() {
    let mut j = J::new();
    to_form(&mut j);
    fill_form(&mut j);
    j.ev(Event::Next);
    // Pages the camera takes by itself; a one-page material moves on by itself, a paper of
    // several pages waits for "done".
    let mut done_taps = 0;
    while let Screen::Scan(i) = j.s.screen() {
        j.ev(Event::AutoCapture).ev(Event::PageCaptured(page(true)));
        if j.s.screen() == Screen::Scan(i) {
            j.ev(Event::MaterialDone);
            done_taps += 1;
        }
    }
    assert_eq!(done_taps, 3, "the lease, the food safety rules, the photos");
    j.ev(Event::Next)
        .ev(Event::Signed(vec![1]))
        .ev(Event::Submit);
    j.ev(Event::Committed {
        case_id: "c".into(),
        due_date: "d".into(),
    })
    .ev(Event::Printed)
    .ev(Event::Next)
    .ev(Event::Rate(5));
    assert!(
        !j.actions.contains(&Action::AskComment),
        "a good rating asks nothing more"
    );
    assert_eq!(j.s.screen(), Screen::Done, "and is recorded at once");
    // Start, theme, 4 answers, materials → next, form → next, 3 × "material done",
    // review → next, sign and submit, receipt → next, rate. (Opening and closing the form's
    // entries comes on top: the kiosk's journey test counts those too.)
    assert_eq!(j.s.touches(), 15);
}

#[test]
fn back_goes_one_screen_back_and_keeps_answers() {
    let mut j = J::new();
    j.ev(Event::Start)
        .ev(Event::ChooseTheme("open-restaurant".into()))
        .answer("sells_tobacco", "yes");
    assert_eq!(j.s.screen(), Screen::Question(1));
    j.ev(Event::Back);
    assert_eq!(j.s.screen(), Screen::Question(0));
    assert_eq!(j.s.answers()["sells_tobacco"], "yes");
    j.ev(Event::Back);
    assert_eq!(j.s.screen(), Screen::Themes);
    j.ev(Event::Back);
    assert_eq!(j.s.screen(), Screen::Attract);
    assert!(j.actions.contains(&Action::Wipe));
}

#[test]
fn an_absent_citizen_is_warned_then_everything_is_wiped() {
    let mut j = J::new();
    to_form(&mut j);
    j.field("shop_name", "测试小馆");
    j.now += 89_000;
    j.s.handle_event(j.now, Event::Tick, &j.cat);
    assert_eq!(j.s.countdown(j.now), None);
    j.now += 2_000;
    j.s.handle_event(j.now, Event::Tick, &j.cat);
    assert_eq!(j.s.countdown(j.now), Some(15));
    // "Still here": the countdown goes, the form stays.
    j.ev(Event::StillHere);
    assert_eq!(j.s.countdown(j.now), None);
    assert_eq!(j.s.form()["shop_name"], "测试小馆");
    j.now += 91_000;
    j.s.handle_event(j.now, Event::Tick, &j.cat);
    j.now += 15_000;
    let fx = j.s.handle_event(j.now, Event::Tick, &j.cat);
    assert_eq!(fx, vec![Action::Wipe]);
    assert_eq!(j.s.screen(), Screen::Attract);
    assert!(j.s.applicant().is_none() && j.s.form().is_empty() && j.s.plan().is_none());
}

#[test]
fn manual_entry_checks_the_id_number() {
    let mut j = J::new();
    j.ev(Event::Start)
        .ev(Event::ChooseTheme("open-restaurant".into()))
        .answer("sells_tobacco", "no")
        .answer("premises", "owned")
        .answer("outdoor_sign", "no")
        .answer("large_venue", "no")
        .ev(Event::Next)
        .ev(Event::UseManualEntry);
    assert_eq!(j.s.screen(), Screen::ManualId);
    j.ev(Event::ManualEntry {
        name: "测试乙".into(),
        id_number: "110105194912310021".into(),
    });
    assert_eq!(j.s.screen(), Screen::ManualId);
    assert!(j.s.notice().as_ref().unwrap().zh.contains("不正确"));
    j.ev(Event::ManualEntry {
        name: "测试乙".into(),
        id_number: "11010519491231002x".into(),
    });
    assert_eq!(j.s.screen(), Screen::Form);
    assert_eq!(j.s.form()["id_number"], "11010519491231002X");
    assert_eq!(j.s.applicant().as_ref().unwrap().source, IdSource::Manual);
}

#[test]
fn a_card_placed_on_the_attract_screen_starts_and_skips_identification() {
    let mut j = J::new();
    j.ev(Event::CardRead(person()));
    assert_eq!(j.s.screen(), Screen::Themes);
    j.ev(Event::ChooseTheme("open-restaurant".into()))
        .answer("sells_tobacco", "no")
        .answer("premises", "owned")
        .answer("outdoor_sign", "no")
        .answer("large_venue", "no")
        .ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Form);
}

#[test]
fn printer_failure_keeps_the_receipt_on_screen_and_offers_a_reprint() {
    let mut j = J::new();
    to_review(&mut j);
    j.ev(Event::Next)
        .ev(Event::Signed(vec![1]))
        .ev(Event::Submit);
    j.ev(Event::CommitFailed("磁盘已满".into()));
    assert_eq!(j.s.screen(), Screen::Sign);
    assert!(j.s.notice().as_ref().unwrap().zh.contains("磁盘已满"));
    j.ev(Event::Submit).ev(Event::Committed {
        case_id: "c-9".into(),
        due_date: "d".into(),
    });
    j.ev(Event::PrintFailed("缺纸".into()));
    assert_eq!(*j.s.receipt(), ReceiptState::Failed("缺纸".into()));
    j.ev(Event::Reprint);
    assert!(j.actions.contains(&Action::Print {
        case_id: "c-9".into(),
        reprint: true
    }));
}

#[test]
fn elderly_mode_reads_each_new_screen_aloud() {
    let mut j = J::new();
    j.ev(Event::ToggleElderly);
    assert!(matches!(j.actions.last(), Some(Action::Speak(t)) if t.contains("欢迎")));
    j.ev(Event::Start);
    assert!(matches!(j.actions.last(), Some(Action::Speak(t)) if t.contains("选择")));
    j.ev(Event::ToggleLanguage).ev(Event::ReadAloud);
    assert!(matches!(j.actions.last(), Some(Action::Speak(t)) if t.contains("choose")));
}

#[test]
fn my_cases_looks_up_by_the_card() {
    let mut j = J::new();
    j.ev(Event::OpenMyCases);
    assert_eq!(j.s.screen(), Screen::MyCases);
    j.ev(Event::CardRead(person()));
    assert!(j.actions.contains(&Action::LookupCases {
        id_number: "11010519491231002X".into()
    }));
    j.ev(Event::CasesFound(vec![]));
    assert_eq!(j.s.my_cases(), Some(&[][..]));
    j.ev(Event::Back);
    assert_eq!(j.s.screen(), Screen::Attract);
    assert!(j.s.applicant().is_none());
}

#[test]
fn a_card_placed_while_answering_is_used_when_identification_comes() {
    let mut j = J::new();
    j.ev(Event::Start)
        .ev(Event::ChooseTheme("open-restaurant".into()))
        .ev(Event::CardRead(person()));
    assert_eq!(j.s.screen(), Screen::Question(0));
    j.answer("sells_tobacco", "no")
        .answer("premises", "owned")
        .answer("outdoor_sign", "no")
        .answer("large_venue", "no")
        .ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Form);
    assert_eq!(j.s.form()["applicant_name"], "测试甲");
}

#[test]
fn a_passport_number_stands_in_the_id_field() {
    let mut j = J::new();
    j.ev(Event::Start)
        .ev(Event::ChooseTheme("open-restaurant".into()))
        .answer("sells_tobacco", "no")
        .answer("premises", "owned")
        .answer("outdoor_sign", "no")
        .answer("large_venue", "no")
        .ev(Event::Next)
        .ev(Event::MrzRead(Person {
            name: "CESHI DING".into(),
            id_number: "E12345678".into(),
            sex: Some("男".into()),
            nation: None,
            birth: Some("1980-01-01".into()),
            address: None,
            source: IdSource::Mrz,
        }));
    assert_eq!(j.s.screen(), Screen::Form);
    j.ev(Event::Next);
    assert!(
        !j.s.field_errors().contains_key("id_number"),
        "{:?}",
        j.s.field_errors()
    );
    j.field("id_number", "E1234567X").ev(Event::Next);
    assert!(
        j.s.field_errors().contains_key("id_number"),
        "another number is checked as usual"
    );
}

fn earlier(case_id: &str) -> onevisit_domain::session::EarlierCase {
    onevisit_domain::session::EarlierCase {
        case_id: case_id.into(),
        theme: "open-restaurant".into(),
        submitted_at: 0,
        number: None,
        status: None,
        reason: None,
        owed: Vec::new(),
    }
}

/// A passport's or permit's MRZ: printed text with public check digits, proving nothing.
fn passport_holder() -> Person {
    Person {
        source: IdSource::Mrz,
        ..person()
    }
}

#[test]
fn my_cases_refuses_an_mrz_and_asks_for_the_id_card() {
    let mut j = J::new();
    j.ev(Event::OpenMyCases)
        .ev(Event::MrzRead(passport_holder()));
    assert!(
        !j.actions
            .iter()
            .any(|a| matches!(a, Action::LookupCases { .. })),
        "no lookup from an MRZ: {:?}",
        j.actions
    );
    assert!(j.s.applicant().is_none());
    assert!(j.s.my_cases().is_none());
    let notice = j.s.notice().cloned().expect("a notice says what to do");
    assert!(notice.zh.contains("身份证") && notice.zh.contains("工作人员"));
    assert!(notice.en.contains("ID card") && notice.en.contains("staff"));
    // The card, placed next, is what opens the list.
    j.ev(Event::CardRead(person()));
    assert!(j.actions.contains(&Action::LookupCases {
        id_number: "11010519491231002X".into()
    }));
}

#[test]
fn a_receipt_is_reprinted_only_for_a_case_listed_for_the_card() {
    let mut j = J::new();
    j.ev(Event::OpenMyCases);
    // Nobody identified yet: a reprint (whatever the page sent) prints nothing.
    j.ev(Event::ReprintCase("case-a".into()));
    assert!(!j.actions.iter().any(|a| matches!(a, Action::Print { .. })));
    assert!(j.s.notice().is_some());
    j.ev(Event::CardRead(person()))
        .ev(Event::CasesFound(vec![earlier("case-a")]));
    j.ev(Event::ReprintCase("case-b".into()));
    assert!(
        !j.actions.iter().any(|a| matches!(a, Action::Print { .. })),
        "a case not listed for this card"
    );
    j.ev(Event::ReprintCase("case-a".into()));
    assert_eq!(
        j.actions.last(),
        Some(&Action::Print {
            case_id: "case-a".into(),
            reprint: true
        })
    );
}

#[test]
fn an_mrz_still_starts_a_new_application() {
    let mut j = J::new();
    j.ev(Event::Start)
        .ev(Event::ChooseTheme("open-restaurant".into()))
        .answer("sells_tobacco", "no")
        .answer("premises", "owned")
        .answer("outdoor_sign", "no")
        .answer("large_venue", "no")
        .ev(Event::Next)
        .ev(Event::MrzRead(passport_holder()));
    assert_eq!(j.s.screen(), Screen::Form);
}

#[test]
fn a_tap_on_the_final_screen_finishes_and_wipes() {
    let mut j = J::new();
    to_review(&mut j);
    j.ev(Event::Next)
        .ev(Event::Signed(vec![1]))
        .ev(Event::Submit)
        .ev(Event::Committed {
            case_id: "c1".into(),
            due_date: "2026-12-21".into(),
        })
        .ev(Event::Printed)
        .ev(Event::Next)
        .ev(Event::Rate(5))
        .ev(Event::FinishRating);
    assert_eq!(j.s.screen(), Screen::Done);
    j.ev(Event::Finish);
    assert_eq!(j.s.screen(), Screen::Attract);
    assert!(j.s.applicant().is_none() && j.s.case_id().is_none());
    assert_eq!(j.actions.last(), Some(&Action::Wipe));
}

#[test]
fn device_problems_are_told_by_the_session_in_both_languages() {
    let mut j = J::new();
    j.ev(Event::NoCameraPicture);
    let n = j.s.notice().cloned().expect("a notice");
    assert!(n.zh.contains("摄像头") && n.en.contains("camera"), "{n:?}");
    j.ev(Event::DocumentIncomplete);
    let n = j.s.notice().cloned().expect("a notice");
    assert!(n.zh.contains("证件") && n.en.contains("document"), "{n:?}");
}

#[test]
fn a_page_being_straightened_holds_the_material_until_it_arrives() {
    let mut j = J::new();
    to_form(&mut j);
    fill_form(&mut j);
    j.ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Scan(0));
    let fx = j.s.handle_event(j.now, Event::Capture, &j.cat);
    assert_eq!(fx, vec![Action::Capture]);
    assert!(j.s.capturing());
    // A second tap while the first page is on its way asks for nothing more.
    assert!(j.s.handle_event(j.now, Event::Capture, &j.cat).is_empty());
    // Done, retake and back wait for the page: it would land out of place.
    j.ev(Event::MaterialDone)
        .ev(Event::RetakeLastPage)
        .ev(Event::Back);
    assert_eq!(j.s.screen(), Screen::Scan(0));
    j.ev(Event::PageCaptured(page(true)));
    assert!(!j.s.capturing());
    assert_eq!(j.s.pages()[0].len(), 1);
    j.ev(Event::MaterialDone);
    assert_eq!(j.s.screen(), Screen::Scan(1));
    // No picture from the camera: the citizen is told, and may capture again.
    j.ev(Event::Capture).ev(Event::NoCameraPicture);
    assert!(!j.s.capturing());
    assert!(j.s.notice().is_some());
    assert_eq!(
        j.s.handle_event(j.now, Event::Capture, &j.cat),
        vec![Action::Capture]
    );
}

/// Up to the second material of the restaurant journey, one clear page of the first taken.
fn to_second_material(j: &mut J) {
    to_form(j);
    fill_form(j);
    j.ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Scan(0));
    j.ev(Event::PageCaptured(page(true)))
        .ev(Event::MaterialDone);
    assert_eq!(j.s.screen(), Screen::Scan(1));
}

fn saved(j: &J) -> onevisit_domain::session::SavedDraft {
    j.actions
        .iter()
        .find_map(|a| match a {
            Action::SaveDraft(d) => Some((**d).clone()),
            _ => None,
        })
        .expect("a draft to save")
}

#[test]
fn a_missing_paper_saves_the_application_and_the_same_card_resumes_it_days_later() {
    use onevisit_domain::session::{Resumed, SavedStep};
    let mut j = J::new();
    to_second_material(&mut j);
    j.ev(Event::SaveForLater);
    assert!(j.s.saving());
    let d = saved(&j);
    assert_eq!(d.step, SavedStep::Scan);
    assert_eq!(d.holder.id_number, person().id_number);
    assert_eq!(d.form["shop_name"], "测试小馆");
    assert_eq!(d.pages[0].1.len(), 1, "the page taken goes with it");
    assert!(d.pages[1].1.is_empty());
    j.ev(Event::DraftSaved {
        until: "2026-12-09".into(),
    });
    assert_eq!(j.s.screen(), Screen::Done);
    assert_eq!(j.s.saved_until(), Some("2026-12-09"));
    // The final screen clears itself; nothing personal stays in memory.
    j.now += 60_000;
    j.ev(Event::Tick);
    assert_eq!(j.s.screen(), Screen::Attract);
    assert!(j.s.applicant().is_none() && j.s.form().is_empty());

    // Days later, the same card on the attract screen: the kiosk looks for the draft…
    j.now += 3 * 86_400_000;
    j.actions.clear();
    j.ev(Event::CardRead(person()));
    assert!(j.actions.contains(&Action::LookupDraft {
        id_number: person().id_number
    }));
    // …and the journey carries on at the material still missing, form and page restored.
    j.ev(Event::DraftFound(Box::new(Resumed {
        theme: d.theme.clone(),
        answers: d.answers.clone(),
        form: d.form.clone(),
        pages: d.pages.clone(),
        step: d.step,
        saved_on: "2026-12-02".into(),
    })));
    assert_eq!(j.s.screen(), Screen::Scan(1));
    assert_eq!(j.s.form()["shop_name"], "测试小馆");
    assert_eq!(j.s.pages()[0].len(), 1);
    assert!(j.s.notice().unwrap().zh.contains("2026-12-02"));
    // Back still goes back through what was done before.
    j.ev(Event::Back);
    assert_eq!(j.s.screen(), Screen::Scan(0));
}

#[test]
fn saving_needs_the_holders_id_card() {
    let mut j = J::new();
    to_materials(&mut j);
    j.ev(Event::SaveForLater);
    assert!(j.actions.iter().all(|a| !matches!(a, Action::SaveDraft(_))));
    assert!(j.s.notice().unwrap().zh.contains("身份证"));
    // A passport proves nothing: still waiting for the card.
    let mut passport = person();
    passport.source = IdSource::Mrz;
    j.ev(Event::MrzRead(passport));
    assert!(j.actions.iter().all(|a| !matches!(a, Action::SaveDraft(_))));
    j.ev(Event::CardRead(person()));
    assert_eq!(
        saved(&j).step,
        onevisit_domain::session::SavedStep::Materials
    );
    // A failure says so and keeps everything on screen.
    j.ev(Event::DraftSaveFailed("磁盘已满".into()));
    assert_eq!(j.s.screen(), Screen::Materials);
    assert!(j.s.notice().unwrap().zh.contains("磁盘已满"));
}

#[test]
fn the_take_home_list_is_printed_from_the_materials_screen() {
    let mut j = J::new();
    to_materials(&mut j);
    j.ev(Event::PrintChecklist);
    assert!(
        j.actions.iter().any(
            |a| matches!(a, Action::PrintChecklist { theme, .. } if theme == "open-restaurant")
        )
    );
    j.ev(Event::ChecklistPrinted(Err("缺纸".into())));
    assert!(j.s.notice().unwrap().zh.contains("缺纸"));
}

/// Submitted, receipt printed, on the rating screen.
fn to_rating(j: &mut J) {
    to_review(j);
    j.ev(Event::Next)
        .ev(Event::Signed(vec![1]))
        .ev(Event::Submit)
        .ev(Event::Committed {
            case_id: "e0cafe5a-1234-4abc-8def-0123456789ab".into(),
            due_date: "2026-12-21".into(),
        })
        .ev(Event::Printed);
    assert_eq!(j.s.screen(), Screen::Receipt);
}

#[test]
fn a_citizen_who_walks_away_after_the_receipt_leaves_nothing_for_the_next_to_rate() {
    let mut j = J::new();
    to_rating(&mut j);
    j.now += 31_000;
    j.ev(Event::Tick);
    assert_eq!(j.s.screen(), Screen::Attract);
    assert!(j.actions.contains(&Action::Wipe));
    assert!(
        !j.actions
            .iter()
            .any(|a| matches!(a, Action::RecordRating { .. }))
    );

    // A rating given counts when the sensor sees them go.
    let mut j = J::new();
    to_rating(&mut j);
    j.ev(Event::Next).ev(Event::Rate(2));
    j.ev(Event::PresenceLost);
    assert!(j.actions.contains(&Action::RecordRating {
        case_id: "e0cafe5a-1234-4abc-8def-0123456789ab".into(),
        rating: 2,
        comment: None,
    }));
    assert_eq!(j.s.screen(), Screen::Attract);
}

#[test]
fn the_receipt_is_read_aloud_with_the_case_number_symbol_by_symbol() {
    let mut j = J::new();
    to_rating(&mut j);
    let spoken = j.s.spoken(&j.cat);
    let number = onevisit_domain::case_number::local("e0cafe5a-1234-4abc-8def-0123456789ab");
    assert!(
        spoken.contains(&onevisit_domain::case_number::spelled(&number)),
        "{spoken}"
    );
    assert!(spoken.contains("2026年12月21日"), "{spoken}");
    // The materials screen reads the list itself, not one sentence.
    let mut j = J::new();
    to_materials(&mut j);
    let spoken = j.s.spoken(&j.cat);
    assert!(spoken.contains("房屋租赁合同"), "{spoken}");
}

#[test]
fn a_change_from_the_review_goes_straight_to_the_field_and_back() {
    let mut j = J::new();
    to_review(&mut j);
    assert_eq!(j.s.screen(), Screen::Review);
    j.ev(Event::EditField("shop_name".into()));
    assert_eq!(j.s.screen(), Screen::Form);
    j.field("shop_name", "测试大饭店").ev(Event::Next);
    assert_eq!(
        j.s.screen(),
        Screen::Review,
        "back to the review, not the scans"
    );
    assert_eq!(j.s.form()["shop_name"], "测试大饭店");
    // A material retaken from the review comes back too, pages kept for the others.
    j.ev(Event::EditMaterial(2));
    assert_eq!(j.s.screen(), Screen::Scan(2));
    j.ev(Event::RetakeLastPage)
        .ev(Event::PageCaptured(page(true)))
        .ev(Event::MaterialDone);
    assert_eq!(j.s.screen(), Screen::Review);
    // Back from a change also returns to the review; a field not in the form opens nothing.
    j.ev(Event::EditField("phone".into())).ev(Event::Back);
    assert_eq!(j.s.screen(), Screen::Review);
    j.ev(Event::EditField("no_such_field".into()));
    assert_eq!(j.s.screen(), Screen::Review);
    j.ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Sign);
    let letter = onevisit_domain::plan::commitment_letter(&j.cat, j.s.plan().unwrap()).unwrap();
    assert!(
        letter.zh.contains("食品安全法") && letter.zh.contains("招牌"),
        "{}",
        letter.zh
    );
}

#[test]
fn a_tolerated_material_may_be_promised_for_later_and_the_case_carries_the_promise() {
    let mut j = J::new();
    to_form(&mut j);
    fill_form(&mut j);
    j.ev(Event::Next);
    let mut promised = Vec::new();
    while let Screen::Scan(i) = j.s.screen() {
        if j.s.tolerated_days(i, &j.cat).is_some() {
            j.ev(Event::PromiseLater);
            promised.push(i);
        } else {
            // Not tolerated: the promise is refused, the material still wanted.
            j.ev(Event::PromiseLater);
            assert_eq!(j.s.screen(), Screen::Scan(i));
            j.ev(Event::PageCaptured(page(true)));
            if j.s.screen() == Screen::Scan(i) {
                j.ev(Event::MaterialDone);
            }
        }
    }
    assert_eq!(
        promised.len(),
        2,
        "the manager's certificate and the sign's safety note"
    );
    assert_eq!(j.s.screen(), Screen::Review);
    j.ev(Event::Next)
        .ev(Event::Signed(vec![1]))
        .ev(Event::Submit);
    let d = j
        .actions
        .iter()
        .find_map(|a| match a {
            Action::Commit(d) => Some(d.clone()),
            _ => None,
        })
        .unwrap();
    let owed: Vec<(&str, u32)> = d
        .owed
        .iter()
        .map(|o| (o.material.as_str(), o.days))
        .collect();
    assert_eq!(owed, [("food-safety-manager", 10), ("sign-structure", 5)]);
    // Promised materials are owed, not attached.
    assert_eq!(d.materials.len(), j.s.to_scan().len() - promised.len());
    assert!(d.materials.iter().all(|(_, _, pages)| !pages.is_empty()));
}

#[test]
fn an_unusual_amount_is_asked_again_once_then_taken() {
    let mut j = J::new();
    to_form(&mut j);
    fill_form(&mut j);
    // 50,000 万元 for a small restaurant: surely a slip of the unit.
    j.field("capital", "50000").ev(Event::Next);
    assert_eq!(j.s.screen(), Screen::Form);
    assert_eq!(
        j.s.field_errors().get("capital"),
        Some(&onevisit_domain::session::FieldError::Implausible)
    );
    // Corrected: on it goes.
    j.field("capital", "5").ev(Event::Next);
    assert!(matches!(j.s.screen(), Screen::Scan(0)));
    // Or confirmed: the same value, Next again, is taken.
    let mut j = J::new();
    to_form(&mut j);
    fill_form(&mut j);
    j.field("capital", "50000").ev(Event::Next).ev(Event::Next);
    assert!(matches!(j.s.screen(), Screen::Scan(0)));
    assert_eq!(j.s.form()["capital"], "50000");
}
