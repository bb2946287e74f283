//! The proxy's faults against a tiny HTTPS server on 127.0.0.1: each fault is checked from
//! both ends (what the client got, what the server saw).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use onevisit_netsim::{Config, Fault, Proxy, Rule};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A deadline for something that should happen soon, not a timing requirement.
const WAIT: Duration = Duration::from_secs(60);

/// Waits until `cond` holds, polling; fails at `deadline`.
fn wait_until(deadline: Instant, what: &str, mut cond: impl FnMut() -> bool) {
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Tls {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    cert_pem: PathBuf,
    key_pem: PathBuf,
}

fn tls(name: &str) -> Tls {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("netsim-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_pem, key_pem) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_pem, ck.cert.pem()).unwrap();
    std::fs::write(&key_pem, ck.signing_key.serialize_pem()).unwrap();
    Tls {
        cert: ck.cert.der().clone(),
        key: PrivateKeyDer::try_from(ck.signing_key.serialize_der()).unwrap(),
        cert_pem,
        key_pem,
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The upstream: answers every request `200` with `body_len` bytes of `x`, counting the
/// requests it read whole (what "the server acted" means here).
struct Upstream {
    addr: SocketAddr,
    seen: Arc<AtomicU64>,
    _rt: tokio::runtime::Runtime,
}

fn upstream(t: &Tls, body_len: usize) -> Upstream {
    let server = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![t.cert.clone()], t.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicU64::new(0));
    let seen2 = seen.clone();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), seen2.clone());
            tokio::spawn(async move {
                let Ok(mut s) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = Vec::new();
                loop {
                    // Head, then a content-length body.
                    let end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut tmp = [0u8; 4096];
                        match s.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < end + len {
                        let mut tmp = [0u8; 4096];
                        match s.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    }
                    buf.drain(..end + len);
                    seen.fetch_add(1, Ordering::SeqCst);
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {body_len}\r\n\r\n{}",
                        "x".repeat(body_len)
                    );
                    if s.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = s.flush().await;
                }
            });
        }
    });
    Upstream {
        addr,
        seen,
        _rt: rt,
    }
}

type Client = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A TLS client that trusts only the test certificate, as a pinned kiosk would.
fn connect(t: &Tls, proxy: &Proxy) -> Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(t.cert.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let tcp = TcpStream::connect(proxy.addr).unwrap();
    tcp.set_read_timeout(Some(WAIT)).unwrap();
    let mut c = rustls::StreamOwned::new(conn, tcp);
    // Finish the handshake now, so the proxy holds the connection from here on.
    while c.conn.is_handshaking() {
        c.conn.complete_io(&mut c.sock).unwrap();
    }
    c
}

fn request(c: &mut Client, method: &str, path: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(head.as_bytes())?;
    c.write_all(body)?;
    c.flush()
}

/// Reads one response: status, headers (lower case) and body; or what came before the
/// connection ended, as an error message.
fn response(c: &mut Client) -> Result<(u16, String, Vec<u8>), String> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let mut read_more = |buf: &mut Vec<u8>| match c.read(&mut tmp) {
        Ok(0) => Err(format!("closed after {} bytes", buf.len())),
        Ok(n) => {
            buf.extend_from_slice(&tmp[..n]);
            Ok(())
        }
        Err(e) => Err(format!("{e} after {} bytes", buf.len())),
    };
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        read_more(&mut buf)?;
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        read_more(&mut buf)?;
    }
    Ok((status, head, buf[end..end + len].to_vec()))
}

fn proxy(t: &Tls, up: &Upstream, cfg: Config) -> Proxy {
    Proxy::start(up.addr, &t.cert_pem, &t.key_pem, cfg).unwrap()
}

#[test]
fn requests_pass_through_unchanged() {
    let t = tls("pass");
    let up = upstream(&t, 5);
    let p = proxy(&t, &up, Config::default());
    let mut c = connect(&t, &p);
    for _ in 0..2 {
        request(&mut c, "POST", "/v1/cases", b"{\"a\":1}").unwrap();
        let (status, _, body) = response(&mut c).unwrap();
        assert_eq!((status, body.as_slice()), (200, &b"xxxxx"[..]));
    }
    assert_eq!(up.seen.load(Ordering::SeqCst), 2);
    assert_eq!(p.get(|c| &c.requests), 2);
    assert_eq!(p.get(|c| &c.faults), 0);
}

#[test]
fn an_injected_5xx_never_reaches_the_server() {
    let t = tls("5xx");
    let up = upstream(&t, 5);
    let p = proxy(&t, &up, Config::default());
    p.add_rule(Rule::new(
        Some("POST"),
        Some("/commit"),
        2,
        Fault::Status(503),
    ));
    let mut c = connect(&t, &p);
    // The first matching request passes; the second is answered by the proxy.
    request(&mut c, "POST", "/v1/cases/1/commit", b"{}").unwrap();
    assert_eq!(response(&mut c).unwrap().0, 200);
    request(&mut c, "GET", "/v1/cases/1/commit", b"").unwrap();
    assert_eq!(response(&mut c).unwrap().0, 200, "another method: no match");
    request(&mut c, "POST", "/v1/cases/1/commit", b"{}").unwrap();
    let (status, head, body) = response(&mut c).unwrap();
    assert_eq!(status, 503);
    assert!(head.contains("retry-after: 1"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("injected"));
    assert_eq!(up.seen.load(Ordering::SeqCst), 2, "the 503 was the proxy's");
    assert_eq!(p.get(|c| &c.faults), 1);
    // The connection stays usable, and the rule has fired.
    request(&mut c, "POST", "/v1/cases/1/commit", b"{}").unwrap();
    assert_eq!(response(&mut c).unwrap().0, 200);
    assert_eq!(up.seen.load(Ordering::SeqCst), 3);
}

#[test]
fn every_nth_request_is_unavailable() {
    let t = tls("every");
    let up = upstream(&t, 1);
    let p = proxy(
        &t,
        &up,
        Config {
            unavailable_every: Some(3),
            ..Config::default()
        },
    );
    let mut c = connect(&t, &p);
    let statuses: Vec<u16> = (0..6)
        .map(|_| {
            request(&mut c, "GET", "/v1/heartbeat", b"").unwrap();
            response(&mut c).unwrap().0
        })
        .collect();
    assert_eq!(statuses, [200, 200, 503, 200, 200, 503]);
    assert_eq!(up.seen.load(Ordering::SeqCst), 4);
}

#[test]
fn a_truncated_reply_arrives_half_after_the_server_acted() {
    let t = tls("truncate");
    let up = upstream(&t, 1000);
    let p = proxy(&t, &up, Config::default());
    p.add_rule(Rule::new(None, Some("/files/"), 1, Fault::TruncateReply));
    let mut c = connect(&t, &p);
    request(&mut c, "PATCH", "/files/abc", &[7u8; 100]).unwrap();
    let err = response(&mut c).unwrap_err();
    // Head and part of the 1000-byte body, then the end of the connection.
    let got: usize = err
        .rsplit(" after ")
        .next()
        .and_then(|n| n.trim_end_matches(" bytes").parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(got > 0 && got < 1000, "{err}");
    assert_eq!(up.seen.load(Ordering::SeqCst), 1, "the server acted");
    assert_eq!(p.get(|c| &c.faults), 1);
    assert_eq!(p.get(|c| &c.patch_body_bytes), 100);
}

#[test]
fn a_dropped_reply_is_lost_after_the_server_acted() {
    let t = tls("drop");
    let up = upstream(&t, 10);
    let p = proxy(&t, &up, Config::default());
    p.add_rule(Rule::new(Some("POST"), None, 1, Fault::DropReply));
    let mut c = connect(&t, &p);
    request(&mut c, "POST", "/v1/cases/1/commit", b"{}").unwrap();
    let err = response(&mut c).unwrap_err();
    assert!(err.contains("after 0 bytes"), "{err}");
    assert_eq!(up.seen.load(Ordering::SeqCst), 1);
}

#[test]
fn a_request_cut_after_n_bytes_never_reaches_the_server() {
    let t = tls("cut");
    let up = upstream(&t, 10);
    let p = proxy(&t, &up, Config::default());
    p.add_rule(Rule::new(
        Some("PATCH"),
        None,
        1,
        Fault::CutRequestAfter(40),
    ));
    let mut c = connect(&t, &p);
    request(&mut c, "PATCH", "/files/abc", &[1u8; 100]).unwrap();
    let err = response(&mut c).unwrap_err();
    assert!(err.contains("after 0 bytes"), "{err}");
    assert_eq!(up.seen.load(Ordering::SeqCst), 0);
    assert_eq!(p.get(|c| &c.cuts), 1);
    assert_eq!(p.get(|c| &c.patch_body_bytes), 40);
}

#[test]
fn a_connection_is_cut_after_its_byte_budget() {
    let t = tls("budget");
    let up = upstream(&t, 10);
    let p = proxy(
        &t,
        &up,
        Config {
            cut_after_bytes: Some(300),
            ..Config::default()
        },
    );
    let mut c = connect(&t, &p);
    // About 90 bytes of head and 100 of body: the first fits in 300 bytes, the second not.
    request(&mut c, "PATCH", "/files/abc", &[1u8; 100]).unwrap();
    assert_eq!(response(&mut c).unwrap().0, 200);
    request(&mut c, "PATCH", "/files/abc", &[1u8; 100]).unwrap();
    assert!(response(&mut c).is_err());
    assert_eq!(up.seen.load(Ordering::SeqCst), 1);
    assert_eq!(p.get(|c| &c.cuts), 1);
}

#[test]
fn open_connections_are_cut_on_the_timer() {
    let t = tls("timer");
    let up = upstream(&t, 10);
    let p = proxy(
        &t,
        &up,
        Config {
            cut_every: Some(Duration::from_millis(100)),
            ..Config::default()
        },
    );
    // A connection open when the timer fires is closed: wait for a cut counted after the
    // handshake, then the next request finds the connection gone.
    let mut c = connect(&t, &p);
    let before = p.get(|c| &c.cuts);
    wait_until(Instant::now() + WAIT, "a timed cut", || {
        p.get(|c| &c.cuts) > before
    });
    let sent = request(&mut c, "GET", "/v1/heartbeat", b"");
    assert!(
        sent.is_err() || response(&mut c).is_err(),
        "a connection survived a timed cut"
    );
    assert_eq!(up.seen.load(Ordering::SeqCst), 0);
}

#[test]
fn the_rate_limit_paces_the_reply() {
    let t = tls("rate");
    let body = 30_000;
    let up = upstream(&t, body);
    let rate = 20_000;
    let p = proxy(
        &t,
        &up,
        Config {
            rate: Some(rate),
            ..Config::default()
        },
    );
    let mut c = connect(&t, &p);
    let start = Instant::now();
    request(&mut c, "GET", "/v1/catalog", b"").unwrap();
    let (status, _, got) = response(&mut c).unwrap();
    let took = start.elapsed();
    assert_eq!((status, got.len()), (200, body));
    // Counted just after each write: the client may have the bytes a moment before.
    wait_until(Instant::now() + WAIT, "the reply counted", || {
        p.get(|c| &c.down_bytes) >= body as u64
    });
    // A lower bound only: a slow machine makes this longer, never shorter. 30,000 bytes at
    // 20,000 bytes a second cannot arrive in under 1.5 s (less a little for the first chunk).
    let floor = Duration::from_secs_f64((body - 4096) as f64 / rate as f64);
    assert!(took >= floor, "{body} bytes came in {took:?} at {rate} B/s");
}
