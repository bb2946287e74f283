//! A PostgreSQL cluster of the test process's own: `initdb` in a temporary folder, the server
//! on a free loopback port (and its socket in that folder), no system service. Started on
//! first use, stopped when the process exits. Each call to [`database`] gives a new, empty
//! database on it.
//!
//! Debian's `postgresql` package provides the programs (`scripts/setup-debian.sh test`).
//! PostgreSQL refuses to run as root; as root, the cluster runs as the `postgres` user the
//! package creates.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    user: Option<(u32, u32)>,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
/// One that syncs to disk, for benchmarks that compare with SQLite's `synchronous=FULL`.
static DURABLE: OnceLock<Cluster> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// The newest PostgreSQL's programs installed.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: run scripts/setup-debian.sh test")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, b)| b.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("no initdb under /usr/lib/postgresql: run scripts/setup-debian.sh test")
        .1
}

/// Uid and gid of a user, from /etc/passwd.
fn user(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.first() == Some(&name))
            .then(|| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))?
    })
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(self.bin.join(program));
        if let Some((uid, gid)) = self.user {
            c.uid(uid).gid(gid);
        }
        c.env("LC_ALL", "C.UTF-8");
        c
    }

    fn start(durable: bool) -> Cluster {
        let dir = std::env::temp_dir().join(format!(
            "onevisit-pg-{}{}",
            std::process::id(),
            if durable { "-durable" } else { "" }
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cluster folder");
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let user = if root {
            Some(
                user("postgres")
                    .or_else(|| user("nobody"))
                    .expect("a user to run PostgreSQL as"),
            )
        } else {
            None
        };
        if let Some((uid, gid)) = user {
            let c = std::ffi::CString::new(dir.to_str().expect("utf-8 path")).expect("path");
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(
                unsafe { libc::chown(c.as_ptr(), uid, gid) },
                0,
                "chown {}",
                dir.display()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Cluster {
            dir,
            bin: bin_dir(),
            port,
            user,
        };
        let data = cluster.dir.join("data");
        let out = cluster
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "onevisit",
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
            ])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Tests need no fsync (`-F`): a power cut is not what they test.
        let options = format!(
            "-h 127.0.0.1 -p {port} -k {} {} -c max_connections=300 -c shared_buffers=64MB",
            cluster.dir.display(),
            if durable { "" } else { "-F" }
        );
        let out = cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(cluster.dir.join("log"))
            .args(["-w", "start"])
            .output()
            .expect("run pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(cluster.dir.join("log")).unwrap_or_default()
        );
        // SAFETY: `stop` is an `extern "C" fn()` that only reads the initialised clusters.
        unsafe { libc::atexit(stop) };
        cluster
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://onevisit@127.0.0.1:{}/{db}", self.port)
    }
}

extern "C" fn stop() {
    for c in [CLUSTER.get(), DURABLE.get()].into_iter().flatten() {
        let _ = c
            .command("pg_ctl")
            .arg("-D")
            .arg(c.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&c.dir);
    }
}

/// A new, empty database on this process's cluster: its URL.
pub fn database() -> String {
    create(CLUSTER.get_or_init(|| Cluster::start(false)))
}

/// The same on a cluster that syncs every commit to disk.
pub fn durable_database() -> String {
    create(DURABLE.get_or_init(|| Cluster::start(true)))
}

fn create(c: &Cluster) -> String {
    let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let mut admin = postgres::Client::connect(&c.url("postgres"), postgres::NoTls)
        .expect("connect to the test cluster");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    c.url(&name)
}
