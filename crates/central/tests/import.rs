//! Hostile USB bundles at `onevisit-central import`: built with the kiosk's real writer, real
//! keys and real crypto, then made to lie. Each is refused with a clear error, and a refused
//! import changes nothing: no row, no file, inside or outside the data folder.

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use common::*;
use ed25519_dalek::SigningKey;
use onevisit_central::{admin, db, keys::Keys};
use onevisit_sync::auth;
use onevisit_sync::driver::Identity;
use onevisit_sync::export::ExportWriter;
use onevisit_sync::proto::{Applicant, AttachmentDecl, CaseManifest};
use sha2::{Digest, Sha256};

/// Everything an observer could see of the central system: its cases and status history, and
/// every folder and file under its data folder with each file's SHA-256.
fn snapshot(dir: &Path) -> String {
    let conn = db::open(&common::location(dir)).unwrap();
    let cases = serde_json::to_string(&admin::list_cases(&conn).unwrap()).unwrap();
    let statuses: i64 = conn
        .query_row("SELECT COUNT(*) FROM status_changes", [], |r| r.get(0))
        .unwrap();
    let mut entries = Vec::new();
    walk(dir, dir, &mut entries);
    entries.sort();
    format!("{cases}\n{statuses}\n{}", entries.join("\n"))
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let rel = p.strip_prefix(root).unwrap().display().to_string();
        if rel.starts_with("central.db") {
            continue;
        }
        if p.is_dir() {
            out.push(format!("{rel}/"));
            walk(root, &p, out);
        } else {
            let bytes = std::fs::read(&p).unwrap();
            out.push(format!("{rel} {}", onevisit_sync::sha256_hex(&bytes)));
        }
    }
}

/// No spool folder is left behind, whatever the outcome.
fn assert_spool_gone(data: &Path) {
    let spool = data.join("spool");
    if spool.exists() {
        let left: Vec<_> = std::fs::read_dir(&spool).unwrap().flatten().collect();
        assert!(left.is_empty(), "spool left behind: {left:?}");
    }
}

/// The enrolled kiosk's identity: what a bundle is signed with and encrypted to.
struct Kiosk {
    device_id: String,
    key: SigningKey,
    recipient: [u8; 32],
}

fn kiosk(w: &World) -> Kiosk {
    let (id, key) = Identity::load(w.kiosk_dir.path()).unwrap();
    Kiosk {
        device_id: id.device_id,
        key,
        recipient: auth::unb64(&id.export_key).unwrap().try_into().unwrap(),
    }
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn decl(i: usize, size: usize, bytes: &[u8]) -> AttachmentDecl {
    AttachmentDecl {
        index: i as u32,
        name: format!("材料{i}"),
        pages: 1,
        size: size as u64,
        sha256: onevisit_sync::hex(&Sha256::digest(bytes)),
    }
}

/// An honest manifest for these attachments.
fn manifest(atts: &[Vec<u8>]) -> CaseManifest {
    manifest_with(atts.iter().enumerate().map(|(i, a)| decl(i, a.len(), a)))
}

fn manifest_with(decls: impl Iterator<Item = AttachmentDecl>) -> CaseManifest {
    CaseManifest {
        theme: "open-restaurant".into(),
        submitted_at: 1_000,
        answers: BTreeMap::new(),
        applicant: Applicant {
            name: "测试乙".into(),
            id_number: "11010519491231002X".into(),
        },
        form: BTreeMap::new(),
        signature: None,
        rating: Some(4),
        owed: Vec::new(),
        attachments: decls.collect(),
    }
}

type Case = (String, CaseManifest, Vec<Vec<u8>>);

fn honest(n: u64, atts: &[&[u8]]) -> Case {
    let atts: Vec<Vec<u8>> = atts.iter().map(|a| a.to_vec()).collect();
    (uuid(n), manifest(&atts), atts)
}

/// A bundle from the real writer, signed by `key`; `announced` is the header's case count.
fn bundle_signed(k: &Kiosk, key: &SigningKey, cases: &[Case], announced: Option<u64>) -> Vec<u8> {
    let n = announced.unwrap_or(cases.len() as u64);
    let mut w =
        ExportWriter::new(Vec::new(), key, &k.recipient, &k.device_id, "某村", 5, n).unwrap();
    for (id, m, atts) in cases {
        w.add_case_unchecked(id, m, atts).unwrap();
    }
    w.finish().unwrap()
}

fn bundle(k: &Kiosk, cases: &[Case], announced: Option<u64>) -> Vec<u8> {
    bundle_signed(k, &k.key, cases, announced)
}

fn import(w: &World, bytes: &[u8]) -> anyhow::Result<admin::ImportReport> {
    let stick = tempfile::TempDir::new().unwrap();
    let path = stick.path().join("onevisit-export.ovx");
    std::fs::write(&path, bytes).unwrap();
    let keys = Keys::load_or_create(w.central_dir.path()).unwrap();
    let mut conn = db::open(&common::location(w.central_dir.path())).unwrap();
    admin::import_at(
        &mut conn,
        &common::location(w.central_dir.path()),
        &keys,
        &path,
        50,
    )
}

#[test]
fn hostile_case_ids_are_refused_and_write_nothing() {
    let w = World::new();
    let k = kiosk(&w);
    let data = w.central_dir.path();
    // A citizen's committed case: the file a crafted id would overwrite.
    let victim = honest(1, &[b"the citizen's own scan"]);
    let r = import(&w, &bundle(&k, std::slice::from_ref(&victim), None)).unwrap();
    assert_eq!(r.imported, 1);
    let victim_bytes = || common::stored_attachment(data, &victim.0, 0).unwrap();
    assert_eq!(victim_bytes(), victim.2[0]);

    let outside = tempfile::TempDir::new().unwrap();
    let absolute = outside.path().join("planted").display().to_string();
    let before = snapshot(data);
    for bad in [
        "../x".to_owned(),
        absolute.clone(),
        format!("x/../{}", victim.0),
        uuid(0xabc).to_uppercase(),
        String::new(),
    ] {
        let forged: Vec<Vec<u8>> = vec![b"forged bytes".to_vec()];
        // An honest case first: it must not land either.
        let b = bundle(
            &k,
            &[
                honest(2, &[b"ok"]),
                (bad.clone(), manifest(&forged), forged),
            ],
            None,
        );
        let e = format!("{:#}", import(&w, &b).unwrap_err());
        assert!(e.contains("case id"), "{bad:?}: {e}");
        assert_eq!(
            snapshot(data),
            before,
            "{bad:?}: the refused import changed nothing"
        );
        assert_spool_gone(data);
    }
    assert!(!outside.path().join("planted").exists());
    assert!(!data.join("x").exists());
    assert_eq!(victim_bytes(), victim.2[0]);
}

#[test]
fn counts_and_sizes_that_disagree_with_the_manifest_are_refused() {
    let w = World::new();
    let k = kiosk(&w);
    let data = w.central_dir.path();
    let first = || honest(10, &[b"first case, honest"]);
    let twelve = b"twelve bytes".to_vec();
    let variants: Vec<(&str, Vec<Case>, Option<u64>, &str)> = vec![
        (
            "header announces more cases than the bundle holds",
            vec![first(), honest(11, &[b"x"])],
            Some(3),
            "announces 3",
        ),
        (
            "header announces fewer cases than the bundle holds",
            vec![first(), honest(11, &[b"x"])],
            Some(1),
            "announces 1",
        ),
        (
            "manifest declares two attachments, one follows",
            vec![
                first(),
                (
                    uuid(11),
                    manifest(&[b"one".to_vec(), b"two".to_vec()]),
                    vec![b"one".to_vec()],
                ),
            ],
            None,
            "manifest",
        ),
        (
            "manifest declares one attachment, two follow",
            vec![
                first(),
                (
                    uuid(11),
                    manifest(&[b"one".to_vec()]),
                    vec![b"one".to_vec(), b"two".to_vec()],
                ),
            ],
            None,
            "manifest",
        ),
        (
            // The declared hash is of the declared prefix: only the framing can tell.
            "attachment longer than declared",
            vec![
                first(),
                (
                    uuid(11),
                    manifest_with([decl(0, 10, &twelve[..10])].into_iter()),
                    vec![twelve.clone()],
                ),
            ],
            None,
            "manifest",
        ),
        (
            "attachment shorter than declared",
            vec![
                first(),
                (
                    uuid(11),
                    manifest_with([decl(0, 14, &twelve)].into_iter()),
                    vec![twelve.clone()],
                ),
            ],
            None,
            "manifest",
        ),
        (
            "attachment bytes differ from the declared SHA-256",
            vec![
                first(),
                (
                    uuid(11),
                    manifest(&[b"declared".to_vec()]),
                    vec![b"replaced".to_vec()],
                ),
            ],
            None,
            "SHA-256",
        ),
        (
            "the same case twice in one bundle",
            vec![first(), first()],
            None,
            "twice",
        ),
    ];
    let before = snapshot(data);
    for (what, cases, announced, says) in variants {
        let e = format!(
            "{:#}",
            import(&w, &bundle(&k, &cases, announced)).unwrap_err()
        );
        assert!(e.contains(says), "{what}: {e}");
        assert_eq!(
            snapshot(data),
            before,
            "{what}: the refused import changed nothing"
        );
        assert_spool_gone(data);
    }
}

/// A USB stick that gives the honest bundle until every byte of it was read once, and another
/// file's bytes to anyone who then goes back (seeks) for a second read.
struct ChangingStick {
    first: Cursor<Vec<u8>>,
    second: Cursor<Vec<u8>>,
    read_whole: bool,
    swapped: bool,
}

impl ChangingStick {
    fn new(first: Vec<u8>, second: Vec<u8>) -> ChangingStick {
        ChangingStick {
            first: Cursor::new(first),
            second: Cursor::new(second),
            read_whole: false,
            swapped: false,
        }
    }
}

impl Read for ChangingStick {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.swapped {
            return self.second.read(buf);
        }
        let n = self.first.read(buf)?;
        if self.first.position() >= self.first.get_ref().len() as u64 {
            self.read_whole = true;
        }
        Ok(n)
    }
}

impl Seek for ChangingStick {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        if self.read_whole && !self.swapped {
            self.swapped = true;
            self.second.set_position(self.first.position());
        }
        if self.swapped {
            self.second.seek(pos)
        } else {
            self.first.seek(pos)
        }
    }
}

#[test]
fn a_stick_that_returns_other_bytes_on_a_second_read_cannot_inject_cases() {
    let w = World::new();
    let k = kiosk(&w);
    let data = w.central_dir.path();
    // Larger than any read buffer: the old two-pass import read it whole before seeking back.
    let scan = bytes(20, 200_000);
    let real = honest(20, &[&scan]);
    let injected = honest(21, &[b"a case no kiosk wrote"]);
    let good = bundle(&k, std::slice::from_ref(&real), None);
    // Encrypted to the central system like any bundle, but signed by a key that is not the
    // device's: only a second, unverified read would ever accept it.
    let evil = bundle_signed(
        &k,
        &auth::new_signing_key(),
        &[real.clone(), injected.clone()],
        None,
    );
    let keys = Keys::load_or_create(data).unwrap();
    let mut conn = db::open(&common::location(data)).unwrap();
    let stick = ChangingStick::new(good.clone(), evil.clone());
    match admin::import_from(&mut conn, data, &keys, stick, 60) {
        // Whatever was verified is what is imported…
        Ok(r) => assert_eq!((r.cases, r.imported), (1, 1)),
        // …or nothing is.
        Err(e) => assert!(w.central_cases().is_empty(), "{e:#}"),
    }
    let ids: Vec<String> = w.central_cases().into_iter().map(|c| c.id).collect();
    assert!(
        !ids.contains(&injected.0),
        "the injected case landed: {ids:?}"
    );
    assert!(!data.join(format!("attachments/{}", injected.0)).exists());
    assert_spool_gone(data);

    // A stick whose bytes change in the middle of the one read: refused, nothing changes.
    let before = snapshot(data);
    let mut spliced = good[..good.len() / 2].to_vec();
    spliced.extend_from_slice(&evil[good.len() / 2..]);
    let e = import(&w, &spliced).unwrap_err();
    assert!(format!("{e:#}").contains("signature"), "{e:#}");
    assert_eq!(snapshot(data), before);
    assert_spool_gone(data);
}

#[test]
fn an_honest_bundle_imports_idempotently_and_leaves_no_spool() {
    let w = World::new();
    let k = kiosk(&w);
    let data = w.central_dir.path();
    let big = bytes(7, 300_000);
    let cases = vec![
        honest(30, &[&big, b"", b"3"]),
        honest(31, &[]),
        honest(32, &[b"one more"]),
    ];
    let b = bundle(&k, &cases, None);
    let r = import(&w, &b).unwrap();
    assert_eq!((r.cases, r.imported, r.already), (3, 3, 0));
    assert_eq!(r.device_id, k.device_id);
    assert_spool_gone(data);
    for (id, _, atts) in &cases {
        for (i, a) in atts.iter().enumerate() {
            let stored = common::stored_attachment(data, id, i as u32).unwrap_or_default();
            assert_eq!(&stored, a, "{id}/{i}");
        }
    }
    let all = w.central_cases();
    assert!(
        all.iter()
            .all(|c| c.state == "committed" && c.source == "usb")
    );
    let before = snapshot(data);
    let r = import(&w, &b).unwrap();
    assert_eq!((r.cases, r.imported, r.already), (3, 0, 3));
    assert_eq!(snapshot(data), before, "importing again changes nothing");
    assert_spool_gone(data);
}

#[test]
fn a_case_that_conflicts_with_one_here_refuses_the_whole_bundle() {
    let w = World::new();
    let k = kiosk(&w);
    let data = w.central_dir.path();
    let victim = honest(50, &[b"as first received"]);
    import(&w, &bundle(&k, std::slice::from_ref(&victim), None)).unwrap();
    let before = snapshot(data);
    let changed = honest(50, &[b"changed afterwards"]);
    let e = import(&w, &bundle(&k, &[honest(51, &[b"new"]), changed], None)).unwrap_err();
    assert!(format!("{e:#}").contains("different content"), "{e:#}");
    assert_eq!(snapshot(data), before, "the new case did not land either");
    assert_spool_gone(data);
}

#[test]
fn a_link_planted_in_the_attachments_folder_is_not_followed() {
    if common::on_s3() {
        return; // The folder store's own defence: an S3 store has no links to follow.
    }
    let w = World::new();
    let k = kiosk(&w);
    let data = w.central_dir.path();
    let outside = tempfile::TempDir::new().unwrap();
    let planted = honest(60, &[b"goes nowhere but attachments/"]);
    std::fs::create_dir_all(data.join("attachments")).unwrap();
    std::os::unix::fs::symlink(outside.path(), data.join("attachments").join(&planted.0)).unwrap();
    let before = snapshot(data);
    let e = import(&w, &bundle(&k, &[honest(61, &[b"first"]), planted], None)).unwrap_err();
    assert!(format!("{e:#}").contains("link"), "{e:#}");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert_eq!(snapshot(data), before);
    assert_spool_gone(data);
}
