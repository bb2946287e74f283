//! An S3-compatible store of the test process's own: OpenStack Swift (Debian's
//! `python3-swift`) with its `s3api` middleware, every server on a free loopback port, rings
//! of one device in a temporary folder, no system service. Started on first use, stopped
//! when the process exits. Each call to [`store`] gives a new, empty prefix in one bucket.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use onevisit_central::s3::{Client, Config, http::Endpoint, sigv4::Credentials};

struct Swift {
    dir: PathBuf,
    port: u16,
}

static SWIFT: OnceLock<Swift> = OnceLock::new();
static SERVERS: std::sync::Mutex<Vec<std::process::Child>> = std::sync::Mutex::new(Vec::new());
static NEXT: AtomicU32 = AtomicU32::new(0);

/// Writes `swift.conf`, the four servers' configuration and the rings into `etc/`.
const SETUP: &str = r#"
import sys
from swift.common.ring import RingBuilder
d, ports = sys.argv[1], dict(zip(('proxy', 'account', 'container', 'object'), sys.argv[2:6]))
etc, srv = d + '/etc', d + '/srv'
open(etc + '/swift.conf', 'w').write('''[swift-hash]
swift_hash_path_suffix = onevisit-test
swift_hash_path_prefix = onevisit-test
[storage-policy:0]
name = only
default = yes
''')
common = '''[DEFAULT]
bind_ip = 127.0.0.1
bind_port = %s
workers = 0
swift_dir = ''' + etc + '''
devices = ''' + srv + '''
mount_check = false
log_level = WARNING
'''
for name in ('account', 'container', 'object'):
    b = RingBuilder(6, 1, 0)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1',
               'port': int(ports[name]), 'device': 'd1', 'weight': 100})
    b.rebalance()
    b.get_ring().save('%s/%s.ring.gz' % (etc, name))
    open('%s/%s-server.conf' % (etc, name), 'w').write(common % ports[name] + '''
[pipeline:main]
pipeline = %s-server
[app:%s-server]
use = egg:swift#%s
''' % (name, name, name))
open(etc + '/proxy-server.conf', 'w').write(common % ports['proxy'] + '''
[pipeline:main]
pipeline = catch_errors healthcheck proxy-logging cache s3api tempauth slo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:s3api]
use = egg:swift#s3api
[filter:cache]
use = egg:swift#memcache
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:slo]
use = egg:swift#slo
''')
"#;

/// Runs one server from its configuration, in the foreground.
const RUN: &str = "import sys; from swift.common.utils import set_swift_dir; \
    set_swift_dir(sys.argv[1]); from swift.common.wsgi import run_wsgi; \
    sys.exit(run_wsgi(sys.argv[2], sys.argv[3]))";

/// Debian's interpreter, which has Swift (not another one first on PATH).
const PYTHON: &str = "/usr/bin/python3";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn config(port: u16, prefix: &str) -> Config {
    Config {
        endpoint: Endpoint {
            tls: false,
            host: "127.0.0.1".into(),
            port,
        },
        bucket: "onevisit-test".into(),
        prefix: prefix.into(),
        credentials: Credentials {
            key: "test:tester".into(),
            secret: "testing".into(),
            region: "us-east-1".into(),
        },
        ca_bundle: None,
    }
}

impl Swift {
    fn start() -> Swift {
        let dir = std::env::temp_dir().join(format!("onevisit-swift-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("etc")).expect("swift folder");
        std::fs::create_dir_all(dir.join("srv/d1")).expect("swift device folder");
        let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
        let out = Command::new(PYTHON)
            .args(["-c", SETUP])
            .arg(&dir)
            .args(ports.iter().map(|p| p.to_string()))
            .output()
            .expect("python3 for Swift: run scripts/setup-debian.sh test");
        assert!(
            out.status.success(),
            "setting up Swift (is python3-swift installed? scripts/setup-debian.sh test): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // SAFETY: `stop` is an `extern "C" fn()` that only stops the recorded servers.
        unsafe { libc::atexit(stop) };
        for name in ["proxy", "account", "container", "object"] {
            let log = std::fs::File::create(dir.join(format!("{name}.log"))).expect("log");
            let child = Command::new(PYTHON)
                .args(["-c", RUN])
                .arg(dir.join("etc"))
                .arg(dir.join(format!("etc/{name}-server.conf")))
                .arg(format!("{name}-server"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("start a Swift server");
            SERVERS.lock().unwrap().push(child);
        }
        let swift = Swift {
            dir,
            port: ports[0],
        };
        // Up when the bucket can be made: that takes the proxy and all three servers.
        let client = Client::new(config(swift.port, "")).expect("S3 client");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match client.ensure_bucket() {
                Ok(()) => break,
                Err(e) if std::time::Instant::now() > deadline => panic!(
                    "Swift did not come up: {e}\n{}",
                    ["proxy", "account", "container", "object"]
                        .iter()
                        .map(
                            |n| std::fs::read_to_string(swift.dir.join(format!("{n}.log")))
                                .unwrap_or_default()
                        )
                        .collect::<String>()
                ),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
        swift
    }
}

extern "C" fn stop() {
    if let Ok(mut servers) = SERVERS.lock() {
        for s in servers.iter_mut() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
    if let Some(s) = SWIFT.get() {
        let _ = std::fs::remove_dir_all(&s.dir);
    }
}

/// A new, empty place for one central system's attachments.
pub fn store() -> Config {
    let swift = SWIFT.get_or_init(Swift::start);
    config(
        swift.port,
        &format!("t{}/", NEXT.fetch_add(1, Ordering::Relaxed)),
    )
}
