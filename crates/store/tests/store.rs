//! The case store on real SQLite files in a temporary folder.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use onevisit_store::{Applicant, NewCase, NewMaterial, Store, StoreError, SyncState};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("onevisit-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A synthetic applicant (valid check digit) and two small "PDFs".
fn case() -> NewCase {
    let mut answers = BTreeMap::new();
    answers.insert("sells_tobacco".to_string(), "yes".to_string());
    let mut form = BTreeMap::new();
    form.insert("shop_name".to_string(), "样例小饭馆".to_string());
    form.insert("phone".to_string(), "13800000000".to_string());
    NewCase {
        theme: "open-restaurant".into(),
        answers,
        applicant: Applicant {
            name: "张试民".into(),
            id_number: "110101199003071233".into(),
        },
        form,
        materials: vec![
            NewMaterial {
                name: "房屋租赁合同".into(),
                pages: 3,
                pdf: "%PDF-1.4 lease contract of 张试民 110101199003071233 %%EOF"
                    .as_bytes()
                    .to_vec(),
            },
            NewMaterial {
                name: "经营场所平面布局图".into(),
                pages: 1,
                pdf: b"%PDF-1.4 floor plan %%EOF".to_vec(),
            },
        ],
        signature: Some(vec![1, 2, 3]),
        rating: Some(5),
        owed: Vec::new(),
    }
}

fn all_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn commit_list_show_and_read_back() {
    let d = dir("roundtrip");
    let mut s = Store::open(&d).unwrap();
    let id = s.commit(&case(), 1_700_000_000_000).unwrap();
    let list = s.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].state, SyncState::Queued);
    assert_eq!(list[0].applicant.as_deref(), Some("张**"));
    assert_eq!(list[0].id_number.as_deref(), Some("1101**********1233"));
    let detail = s.get(&id).unwrap();
    assert_eq!(detail.materials.len(), 2);
    assert_eq!(detail.materials[0].pages, 3);
    assert_eq!(detail.answers["sells_tobacco"], "yes");
    assert_eq!(s.attachment(&id, 1).unwrap(), b"%PDF-1.4 floor plan %%EOF");
    assert_eq!(s.check().unwrap(), 2);
    drop(s);
    // Reopening finds it all again.
    let s = Store::open(&d).unwrap();
    assert_eq!(s.list().unwrap().len(), 1);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn no_personal_data_or_scan_in_clear_in_any_file() {
    let d = dir("clear");
    let mut s = Store::open(&d).unwrap();
    s.commit(&case(), 1).unwrap();
    drop(s);
    let needles: [&[u8]; 5] = [
        "张试民".as_bytes(),
        b"110101199003071233",
        "样例小饭馆".as_bytes(),
        b"13800000000",
        b"%PDF",
    ];
    for (path, bytes) in all_bytes(&d) {
        for n in needles {
            assert!(
                !contains(&bytes, n),
                "{} contains {:?} in clear",
                path.display(),
                String::from_utf8_lossy(n)
            );
        }
    }
    let key = std::fs::metadata(d.join("data.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(key, 0o600);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn an_altered_attachment_is_detected() {
    let d = dir("tamper");
    let mut s = Store::open(&d).unwrap();
    let id = s.commit(&case(), 1).unwrap();
    let file = d.join("attachments").join(format!("{id}-0.bin"));
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    assert!(matches!(s.attachment(&id, 0), Err(StoreError::Tampered)));
    assert!(s.check().is_err());
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn a_damaged_database_is_refused_and_kept() {
    let d = dir("corrupt");
    {
        let mut s = Store::open(&d).unwrap();
        for i in 0..20 {
            s.commit(&case(), i).unwrap();
        }
    }
    let db = d.join("cases.db");
    let _ = std::fs::remove_file(d.join("cases.db-wal"));
    let _ = std::fs::remove_file(d.join("cases.db-shm"));
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() >= 3 * 4096, "{} bytes", bytes.len());
    // Scribble over the b-tree page headers of pages 2 and 3, as a torn write would.
    for page in [1usize, 2] {
        for b in &mut bytes[page * 4096..page * 4096 + 64] {
            *b = 0xA5;
        }
    }
    std::fs::write(&db, &bytes).unwrap();
    let err = Store::open(&d).err().expect("damage found");
    assert!(
        matches!(err, StoreError::Corrupt(..) | StoreError::Sql(_)),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "the damaged file is kept as it was"
    );
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn migrations_run_from_an_empty_database_and_a_newer_one_is_refused() {
    let d = dir("migrate");
    {
        // An empty database at version 0, as a very first start leaves it.
        let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 0);
    }
    let mut s = Store::open(&d).unwrap();
    s.commit(&case(), 1).unwrap();
    drop(s);
    {
        let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    assert!(matches!(Store::open(&d), Err(StoreError::TooNew(99, _))));
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn files_of_an_interrupted_commit_are_cleaned_up() {
    let d = dir("orphans");
    Store::open(&d).unwrap();
    std::fs::write(d.join("attachments").join(".tmp-x-0.bin"), b"half").unwrap();
    std::fs::write(d.join("attachments").join("dead-0.bin"), b"never committed").unwrap();
    Store::open(&d).unwrap();
    assert_eq!(std::fs::read_dir(d.join("attachments")).unwrap().count(), 0);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn a_key_readable_by_others_is_refused() {
    let d = dir("keyperm");
    Store::open(&d).unwrap();
    std::fs::set_permissions(d.join("data.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(
        Store::open(&d),
        Err(StoreError::KeyPermissions(..))
    ));
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn every_earlier_schema_version_migrates_with_its_data() {
    use onevisit_store::schema::MIGRATIONS;
    for from in 1..MIGRATIONS.len() {
        let d = dir(&format!("from-v{from}"));
        {
            let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
            for (i, sql) in MIGRATIONS.iter().enumerate().take(from) {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", (i + 1) as u32)
                    .unwrap();
            }
            conn.execute(
                "INSERT INTO cases (id, theme, answers, created_at) VALUES ('old-case', 'newborn', '{}', 5)",
                [],
            )
            .unwrap();
        }
        let s = Store::open(&d).unwrap();
        let list = s.list().unwrap();
        assert_eq!(list.len(), 1, "from v{from}");
        assert_eq!(list[0].id, "old-case");
        drop(s);
        let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
        let v: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn sync_states_attempts_errors_and_acknowledgement() {
    let d = dir("states");
    let mut s = Store::open(&d).unwrap();
    let id = s.commit(&case(), 1).unwrap();
    s.mark_uploading(&id, 2).unwrap();
    s.mark_failed(&id, "connection reset after 512 KiB", 3)
        .unwrap();
    s.mark_uploading(&id, 4).unwrap();
    let c = &s.list().unwrap()[0];
    assert_eq!((c.state, c.attempts), (SyncState::Uploading, 2));
    assert_eq!(
        c.last_error.as_deref(),
        Some("connection reset after 512 KiB")
    );
    s.mark_acknowledged(&id, "YL-2026-000123", 5).unwrap();
    // A duplicate acknowledgement (e.g. after an export and the online one) changes nothing.
    s.mark_acknowledged(&id, "YL-2026-000123", 6).unwrap();
    let detail = s.get(&id).unwrap();
    assert_eq!(detail.summary.state, SyncState::Acknowledged);
    assert_eq!(detail.central_number.as_deref(), Some("YL-2026-000123"));
    assert!(matches!(
        s.mark_uploading(&id, 7),
        Err(StoreError::BadTransition(..))
    ));
    s.set_receipt(&id, "reprinted", 8).unwrap();
    assert_eq!(s.get(&id).unwrap().receipt, "reprinted");
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn personal_data_is_purged_after_retention_and_a_record_remains() {
    let d = dir("purge");
    let mut s = Store::open(&d).unwrap();
    let day = 86_400_000;
    let old = s.commit(&case(), 0).unwrap();
    let young = s.commit(&case(), 0).unwrap();
    let queued = s.commit(&case(), 0).unwrap();
    s.mark_acknowledged(&old, "A-1", 0).unwrap();
    s.mark_acknowledged(&young, "A-2", 6 * day).unwrap();
    assert_eq!(s.purge(8 * day, 7 * day).unwrap(), 1);
    let old_case = s.get(&old).unwrap();
    assert_eq!(old_case.summary.state, SyncState::Purged);
    assert_eq!(old_case.summary.applicant, None);
    assert!(old_case.materials.is_empty());
    assert_eq!(old_case.summary.theme, "open-restaurant");
    assert!(s.attachment(&young, 0).is_ok());
    assert!(
        s.attachment(&queued, 0).is_ok(),
        "unsent cases are never purged"
    );
    // Only the two unpurged cases' files are left.
    assert_eq!(std::fs::read_dir(d.join("attachments")).unwrap().count(), 4);
    assert_eq!(s.check().unwrap(), 4);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn a_too_full_disk_refuses_the_submission_and_changes_nothing() {
    let d = dir("full");
    let mut s = Store::open(&d).unwrap();
    s.reserve_bytes = u64::MAX / 4;
    let err = s.commit(&case(), 1).unwrap_err();
    assert!(matches!(err, StoreError::DiskFull { .. }));
    assert!(
        err.to_string().contains("cannot accept new applications"),
        "{err}"
    );
    assert!(s.list().unwrap().is_empty());
    assert_eq!(std::fs::read_dir(d.join("attachments")).unwrap().count(), 0);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn key_value_state() {
    let d = dir("kv");
    let mut s = Store::open(&d).unwrap();
    assert_eq!(s.kv_get("catalog_version").unwrap(), None);
    s.kv_set("catalog_version", "2026.11.1").unwrap();
    s.kv_set("catalog_version", "2026.11.2").unwrap();
    assert_eq!(
        s.kv_get("catalog_version").unwrap().as_deref(),
        Some("2026.11.2")
    );
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn the_audit_log_is_append_only_and_names_who() {
    let d = dir("audit");
    let mut s = Store::open(&d).unwrap();
    let id = s.commit(&case(), 1).unwrap();
    s.mark_uploading(&id, 2).unwrap();
    s.mark_acknowledged(&id, "A-1", 3).unwrap();
    drop(s);
    let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT action, actor FROM audit ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expect = [
        ("committed", "kiosk"),
        ("uploading", "sync"),
        ("acknowledged", "sync"),
    ];
    assert_eq!(rows.len(), 3);
    for ((a, w), (ea, ew)) in rows.iter().zip(expect) {
        assert_eq!((a.as_str(), w.as_str()), (ea, ew));
    }
    assert!(conn.execute("DELETE FROM audit", []).is_err());
    assert!(conn.execute("UPDATE audit SET action = 'x'", []).is_err());
    std::fs::remove_dir_all(d).unwrap();
}

/// A theme's answers can say more than a form: a disability, a death in the family.
fn sensitive_case() -> NewCase {
    let mut c = case();
    c.theme = "disability-services".into();
    c.answers.insert(
        "disability_kind".into(),
        "visual_grade_two_synthetic".into(),
    );
    c.materials[0].name = "残疾人证样例材料".into();
    c
}

#[test]
fn answers_and_rating_comments_are_not_stored_in_clear() {
    let d = dir("answers-sealed");
    let mut s = Store::open(&d).unwrap();
    let id = s.commit(&sensitive_case(), 1).unwrap();
    s.record_rating(&id, 2, Some("等候太久样例评论"), 2)
        .unwrap();
    assert_eq!(
        s.get(&id).unwrap().answers["disability_kind"],
        "visual_grade_two_synthetic"
    );
    assert_eq!(
        s.payload(&id).unwrap().answers["disability_kind"],
        "visual_grade_two_synthetic"
    );
    assert_eq!(
        s.rating(&id).unwrap(),
        Some((2, Some("等候太久样例评论".to_string())))
    );
    drop(s);
    for (path, bytes) in all_bytes(&d) {
        for n in ["visual_grade_two_synthetic", "等候太久样例评论"] {
            assert!(
                !contains(&bytes, n.as_bytes()),
                "{} contains {n:?} in clear",
                path.display()
            );
        }
    }
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn a_database_from_before_sealed_answers_is_sealed_by_its_migration() {
    use onevisit_store::schema::MIGRATIONS;
    let d = dir("seal-migration");
    {
        let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
        for (i, sql) in MIGRATIONS.iter().enumerate().take(5) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", (i + 1) as u32)
                .unwrap();
        }
        conn.execute(
            "INSERT INTO cases (id, theme, answers, created_at)
             VALUES ('old-case', 'after-a-death', '{\"relation\":\"spouse_synthetic_answer\"}', 5)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO ratings (case_id, rating, comment, at) VALUES ('old-case', 1, '旧版样例评论', 6)",
            [],
        )
        .unwrap();
    }
    let s = Store::open(&d).unwrap();
    assert_eq!(
        s.get("old-case").unwrap().answers["relation"],
        "spouse_synthetic_answer"
    );
    assert_eq!(
        s.rating("old-case").unwrap(),
        Some((1, Some("旧版样例评论".to_string())))
    );
    drop(s);
    for (path, bytes) in all_bytes(&d) {
        for n in ["spouse_synthetic_answer", "旧版样例评论"] {
            assert!(
                !contains(&bytes, n.as_bytes()),
                "{} still holds {n:?} in clear after the migration",
                path.display()
            );
        }
    }
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn every_kind_of_personal_data_has_a_maximum_age() {
    let d = dir("max-age");
    let mut s = Store::open(&d).unwrap();
    let day = 86_400_000;
    // 2026-01-01: kiosk timestamps are wall-clock times.
    let t0 = 1_767_225_600_000;
    // A kiosk revoked (or never reconnected): its queue can never leave.
    let stranded = s.commit(&sensitive_case(), t0).unwrap();
    let recent = s.commit(&case(), t0 + 50 * day).unwrap();
    // Stamped while the clock was not set (1970): misdated, not old.
    let misdated = s.commit(&case(), 5_000).unwrap();
    s.record_rating(&stranded, 1, Some("样例评论甲"), t0)
        .unwrap();
    s.record_rating(&recent, 2, Some("样例评论乙"), t0 + 50 * day)
        .unwrap();
    let limits = onevisit_store::Retention {
        delivered_ms: 7 * day,
        undelivered_ms: 60 * day,
        comment_ms: 20 * day,
    };
    let p = s.purge_expired(t0 + 61 * day, &limits).unwrap();
    assert_eq!((p.delivered, p.undelivered, p.comments), (0, 1, 1));
    let gone = s.get(&stranded).unwrap();
    assert_eq!(gone.summary.state, SyncState::Purged);
    assert_eq!(gone.summary.applicant, None);
    assert!(gone.answers.is_empty() && gone.materials.is_empty());
    assert!(s.payload(&stranded).is_err());
    assert_eq!(
        s.rating(&stranded).unwrap(),
        Some((1, None)),
        "the score stays"
    );
    assert!(!s.pending().unwrap().contains(&stranded));
    // The younger case and its comment are untouched.
    assert_eq!(
        s.attachment(&recent, 0).unwrap().len(),
        case().materials[0].pdf.len()
    );
    assert_eq!(
        s.rating(&recent).unwrap(),
        Some((2, Some("样例评论乙".to_string())))
    );
    // The defaults apply to the plain `purge` too (here 7 days delivered, 90 undelivered).
    assert_eq!(s.purge(t0 + 141 * day, 7 * day).unwrap(), 1);
    assert_eq!(s.get(&recent).unwrap().summary.state, SyncState::Purged);
    assert!(
        s.pending().unwrap().contains(&misdated),
        "a case from a clock not yet set is never given up by age"
    );
    drop(s);
    let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
    let expired: u32 = conn
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE action = 'expired' AND actor = 'retention'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(expired, 2);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn purged_rows_are_overwritten_not_left_in_free_space() {
    let d = dir("secure-delete");
    let mut s = Store::open(&d).unwrap();
    let id = s.commit(&sensitive_case(), 0).unwrap();
    s.mark_acknowledged(&id, "A-1", 0).unwrap();
    drop(s);
    let before = all_bytes(&d);
    assert!(
        before
            .iter()
            .any(|(_, b)| contains(b, "残疾人证样例材料".as_bytes())),
        "the material's name is stored (in clear) until the purge"
    );
    let mut s = Store::open(&d).unwrap();
    assert_eq!(s.purge(8 * 86_400_000, 7 * 86_400_000).unwrap(), 1);
    drop(s);
    for (path, bytes) in all_bytes(&d) {
        assert!(
            !contains(&bytes, "残疾人证样例材料".as_bytes()),
            "{} keeps a purged row's bytes",
            path.display()
        );
    }
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn a_chosen_case_id_is_used_once_and_never_writes_over_another_case() {
    let d = dir("chosen-id");
    let mut s = Store::open(&d).unwrap();
    let id = "6f1c2a4e-8d3b-4e5f-9a7c-0b1d2e3f4a5b";
    s.commit_with_id(id, &case(), 1_000).unwrap();
    assert_eq!(s.get(id).unwrap().summary.id, id);
    let before = all_bytes(&d.join("attachments"));
    let mut other = case();
    other.materials[0].pdf = b"%PDF-1.4 something else %%EOF".to_vec();
    assert!(matches!(
        s.commit_with_id(id, &other, 2_000),
        Err(StoreError::CaseIdTaken(_))
    ));
    assert_eq!(
        all_bytes(&d.join("attachments")),
        before,
        "nothing written over"
    );
    assert!(matches!(
        s.commit_with_id("not-a-uuid", &case(), 3_000),
        Err(StoreError::BadCaseId(_))
    ));
    assert_eq!(s.list().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_draft_is_kept_for_its_card_until_it_expires_and_never_in_clear() {
    let d = dir("drafts");
    const DAY: i64 = 86_400_000;
    let id = "110101199003071233";
    let body = "张试民 110101199003071233 样例小饭馆 lease page".as_bytes();
    {
        let mut s = Store::open(&d).unwrap();
        s.save_draft(id, "open-restaurant", body, 0, 7 * DAY)
            .unwrap();
        // Saving again replaces: one draft per holder.
        s.save_draft(id, "open-restaurant", body, DAY, 8 * DAY)
            .unwrap();
        assert_eq!(s.draft_count().unwrap(), 1);
    }
    for (path, bytes) in all_bytes(&d) {
        assert!(!contains(&bytes, id.as_bytes()), "{}", path.display());
        assert!(
            !contains(&bytes, "样例小饭馆".as_bytes()),
            "{}",
            path.display()
        );
    }
    let mut s = Store::open(&d).unwrap();
    // Found by the same card (any case of the X), not by another.
    let got = s.find_draft(&id.to_lowercase(), 2 * DAY).unwrap().unwrap();
    assert_eq!(got.body, body);
    assert_eq!((got.saved_at, got.expires_at), (DAY, 8 * DAY));
    assert_eq!(got.theme, "open-restaurant");
    assert!(
        s.find_draft("11010519491231002X", 2 * DAY)
            .unwrap()
            .is_none()
    );
    // Past its day it is not found, and the purge deletes it.
    assert!(s.find_draft(id, 8 * DAY).unwrap().is_none());
    let purged = s
        .purge_expired(8 * DAY, &onevisit_store::Retention::default())
        .unwrap();
    assert_eq!(purged.drafts, 1);
    assert_eq!(s.draft_count().unwrap(), 0);
    // Submitting deletes it at once.
    s.save_draft(id, "open-restaurant", body, 9 * DAY, 16 * DAY)
        .unwrap();
    assert!(s.delete_draft(id).unwrap());
    assert!(s.find_draft(id, 9 * DAY).unwrap().is_none());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_draft_moved_to_another_holder_does_not_open() {
    let d = dir("draft-swap");
    let mut s = Store::open(&d).unwrap();
    s.save_draft("110101199003071233", "open-restaurant", b"mine", 0, 1000)
        .unwrap();
    s.save_draft("11010519491231002X", "newborn", b"theirs", 0, 1000)
        .unwrap();
    drop(s);
    let conn = rusqlite::Connection::open(d.join("cases.db")).unwrap();
    // Someone with the database file swaps the two bodies.
    conn.execute_batch(
        "UPDATE drafts SET body = (SELECT body FROM drafts d2 WHERE d2.holder <> drafts.holder)",
    )
    .unwrap();
    drop(conn);
    let s = Store::open(&d).unwrap();
    assert!(matches!(
        s.find_draft("110101199003071233", 1),
        Err(StoreError::Tampered)
    ));
    let _ = std::fs::remove_dir_all(&d);
}
