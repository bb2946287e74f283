//! A county and a kiosk on 127.0.0.1: the real central server (TLS, SQLite or PostgreSQL,
//! files), a real kiosk store, the real sync driver, and optionally the fault-injecting proxy
//! between them.

#![allow(dead_code)]

pub mod client;
pub mod pg;
pub mod swift;
pub mod webdriver;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use onevisit_central::sql::Location;
use onevisit_central::{Limits, Running, admin, db};
use onevisit_netsim::{Config, Proxy};
use onevisit_store::{Applicant, NewCase, NewMaterial, Store};
use onevisit_sync::driver::{self, SyncOptions, SyncReport, Syncer};
use tempfile::TempDir;

pub struct World {
    pub central_dir: TempDir,
    pub kiosk_dir: TempDir,
    pub central: Running,
}

/// Whether this run tests the PostgreSQL backend: `ONEVISIT_TEST_DATABASE=postgres` (`make
/// test` runs the central system's tests once on each backend).
pub fn on_postgres() -> bool {
    std::env::var("ONEVISIT_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// Where the central system under test with data folder `dir` keeps its database: SQLite in
/// the folder, or a new database of its own on this process's PostgreSQL cluster (the same
/// one for every call with the same folder).
pub fn location(dir: &Path) -> Location {
    let store = on_s3().then(|| {
        STORES
            .lock()
            .unwrap()
            .entry(dir.to_owned())
            .or_insert_with(swift::store)
            .clone()
    });
    let mut dbs = DATABASES.lock().unwrap();
    if !on_postgres() && !dbs.contains_key(dir) {
        return Location::folder(dir).with_attachments(store);
    }
    let url = dbs
        .entry(dir.to_owned())
        .or_insert_with(pg::database)
        .clone();
    Location::new(dir, Some(&url))
        .unwrap()
        .with_attachments(store)
}

/// Whether this run keeps attachments in an S3-compatible store (OpenStack Swift started
/// by the test process): `ONEVISIT_TEST_ATTACHMENTS=s3`. Tests of the folder store's own
/// layout are skipped then.
pub fn on_s3() -> bool {
    std::env::var("ONEVISIT_TEST_ATTACHMENTS").is_ok_and(|v| v == "s3")
}

/// The S3 prefix of each data folder under test.
static STORES: std::sync::Mutex<BTreeMap<PathBuf, onevisit_central::s3::Config>> =
    std::sync::Mutex::new(BTreeMap::new());

/// An attachment's bytes as the central system under test on `dir` stores them.
pub fn stored_attachment(dir: &Path, case: &str, idx: u32) -> Option<Vec<u8>> {
    let at = location(dir);
    let case = case.to_owned();
    // Off any async runtime: the store's client blocks.
    std::thread::spawn(move || {
        onevisit_central::blobs::open(&at)
            .unwrap()
            .read(&case, idx)
            .unwrap()
    })
    .join()
    .unwrap()
}

/// Gives the central system on `dir` a new PostgreSQL database, whichever backend the run
/// tests: for tests of several nodes.
pub fn use_postgres(dir: &Path) {
    DATABASES
        .lock()
        .unwrap()
        .insert(dir.to_owned(), pg::database());
}

/// The PostgreSQL database of each data folder under test.
static DATABASES: std::sync::Mutex<BTreeMap<PathBuf, String>> =
    std::sync::Mutex::new(BTreeMap::new());

/// The central system on `dir`, on the backend under test.
pub fn spawn(dir: &Path, limits: Limits) -> Running {
    onevisit_central::spawn_at(&location(dir), "127.0.0.1:0", limits).unwrap()
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub fn code(central_dir: &Path, site: &str) -> String {
    let conn = db::open(&location(central_dir)).unwrap();
    admin::enroll_code(&conn, site, onevisit_central::now_ms()).unwrap()
}

impl World {
    /// A central system and a kiosk provisioned directly against it.
    pub fn new() -> World {
        World::with_limits(Limits::default())
    }

    /// The same, with the central system's resource limits set.
    pub fn with_limits(limits: Limits) -> World {
        World::in_folder(TempDir::new().unwrap(), limits)
    }

    /// The same on PostgreSQL, whichever backend the run tests: for tests of several nodes.
    pub fn on_postgres() -> World {
        let central_dir = TempDir::new().unwrap();
        use_postgres(central_dir.path());
        World::in_folder(central_dir, Limits::default())
    }

    fn in_folder(central_dir: TempDir, limits: Limits) -> World {
        let kiosk_dir = TempDir::new().unwrap();
        let central = spawn(central_dir.path(), limits);
        let w = World {
            central_dir,
            kiosk_dir,
            central,
        };
        let code = code(w.central_dir.path(), "城关镇便民服务中心");
        rt().block_on(driver::provision(
            w.kiosk_dir.path(),
            &w.central.url(),
            &code,
            None,
            "test",
            false,
            onevisit_central::now_ms(),
        ))
        .unwrap();
        w
    }

    pub fn cert(&self) -> (PathBuf, PathBuf) {
        (
            self.central_dir.path().join("tls/cert.pem"),
            self.central_dir.path().join("tls/key.pem"),
        )
    }

    /// A proxy in front of the central system; the kiosk is pointed at it.
    pub fn proxy(&self, cfg: Config) -> Proxy {
        let (cert, key) = self.cert();
        let p = Proxy::start(self.central.addr, &cert, &key, cfg).unwrap();
        self.point_kiosk_at(&p.url());
        p
    }

    pub fn point_kiosk_at(&self, url: &str) {
        let path = self.kiosk_dir.path().join("sync/identity.json");
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["central"] = url.into();
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    }

    pub fn store(&self) -> Store {
        Store::open(self.kiosk_dir.path()).unwrap()
    }

    /// Commits synthetic cases with attachments of the given sizes.
    pub fn add_cases(&self, sizes: &[&[usize]]) -> Vec<String> {
        let mut s = self.store();
        sizes
            .iter()
            .enumerate()
            .map(|(n, atts)| s.commit(&case(n, atts), 1_000 + n as i64).unwrap())
            .collect()
    }

    pub fn sync_once(&self) -> SyncReport {
        self.sync_with(SyncOptions::new("test", true))
    }

    pub fn sync_with(&self, mut opts: SyncOptions) -> SyncReport {
        opts.config.backoff_base_ms = 50;
        let s = Syncer::open(self.kiosk_dir.path(), opts).unwrap();
        let (_tx, rx) = tokio::sync::watch::channel(false);
        rt().block_on(s.run(rx))
    }

    /// The central system's cases, read on a thread of their own (callers may be inside a
    /// runtime, where the PostgreSQL client may not block).
    pub fn central_cases(&self) -> Vec<admin::CaseRow> {
        let at = location(self.central_dir.path());
        std::thread::scope(|s| {
            s.spawn(|| admin::list_cases(&db::open(&at).unwrap()).unwrap())
                .join()
                .unwrap()
        })
    }
}

/// Deterministic bytes that do not compress away.
pub fn bytes(seed: usize, n: usize) -> Vec<u8> {
    let mut x = (seed as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

pub fn case(n: usize, sizes: &[usize]) -> NewCase {
    NewCase {
        theme: "open-restaurant".into(),
        answers: BTreeMap::from([("sells_tobacco".into(), "no".into())]),
        // The worked example of GB 11643 (a synthetic number with a valid check digit).
        applicant: Applicant {
            name: "测试甲".into(),
            id_number: "11010519491231002X".into(),
        },
        form: BTreeMap::from([("shop_name".into(), format!("测试饭店{n}"))]),
        materials: sizes
            .iter()
            .enumerate()
            .map(|(i, s)| NewMaterial {
                name: format!("材料{i}"),
                pages: 1,
                pdf: bytes(n * 100 + i, *s),
            })
            .collect(),
        signature: Some(vec![1, 2, 3]),
        rating: Some(5),
        owed: Vec::new(),
    }
}

/// Every kiosk case is at the central system exactly once, committed, with every attachment
/// complete and hashing as the kiosk recorded it.
pub fn assert_delivered_exactly_once(w: &World, ids: &[String]) {
    let central = w.central_cases();
    let store = w.store();
    for id in ids {
        let at: Vec<_> = central.iter().filter(|c| &c.id == id).collect();
        assert_eq!(at.len(), 1, "case {id} present {} times", at.len());
        let c = at[0];
        assert_eq!(c.state, "committed", "case {id}");
        let local = store.get(id).unwrap();
        assert_eq!(
            local.central_number.as_deref(),
            Some(c.case_number.as_str())
        );
        assert_eq!(local.materials.len(), c.attachments.len());
        for (m, a) in local.materials.iter().zip(&c.attachments) {
            assert_eq!(m.sha256, a.sha256);
            assert_eq!(a.received, a.size);
            let on_disk =
                stored_attachment(w.central_dir.path(), id, a.index).unwrap_or_else(|| {
                    assert_eq!(a.size, 0, "attachment {id}/{} is stored", a.index);
                    Vec::new()
                });
            assert_eq!(
                onevisit_sync::sha256_hex(&on_disk),
                a.sha256,
                "file of {id}/{}",
                a.index
            );
        }
    }
    let mut numbers: Vec<_> = central.iter().map(|c| &c.case_number).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), central.len(), "case numbers are unique");
}
