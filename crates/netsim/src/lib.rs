//! A fault-injecting HTTPS proxy for tests and benchmarks: a bad village link on 127.0.0.1.
//!
//! It terminates TLS with the central system's own certificate (so a kiosk that pinned the
//! central system talks to it unchanged), reads each HTTP/1.1 request and response, and
//! can: limit the rate in both directions, cut every connection on a timer, cut a connection
//! after N bytes, add latency, answer 5xx itself, truncate replies, and let the server act
//! but lose its reply ("the acknowledgement was dropped after the server committed").
//! Faults are chosen per request by rules (method, path, which match).
//!
//! Test tooling only: upstream it accepts any certificate (it only ever talks to 127.0.0.1).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// What to do to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (and `Retry-After: 1`) without asking the server.
    Status(u16),
    /// Close the connection after forwarding this many bytes of the request.
    CutRequestAfter(usize),
    /// Let the server act, then close the connection without the reply.
    DropReply,
    /// Let the server act, then send only half the reply and close.
    TruncateReply,
    /// Wait this long before forwarding.
    Delay(Duration),
}

/// Applies `fault` to the `nth` request (1-based) matching `method` and `path_contains`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub method: Option<&'static str>,
    pub path_contains: Option<String>,
    pub nth: u64,
    pub fault: Fault,
    seen: u64,
}

impl Rule {
    pub fn new(
        method: Option<&'static str>,
        path_contains: Option<&str>,
        nth: u64,
        fault: Fault,
    ) -> Rule {
        Rule {
            method,
            path_contains: path_contains.map(str::to_owned),
            nth,
            fault,
            seen: 0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Bytes per second in each direction (a link's speed), shared by all connections.
    pub rate: Option<u64>,
    /// Cut every open connection this often.
    pub cut_every: Option<Duration>,
    /// Cut each connection after this many bytes from the client (counted over its life).
    pub cut_after_bytes: Option<u64>,
    /// Added before every request is forwarded.
    pub latency: Option<Duration>,
    /// Every `n`th request (across all) is answered 503 by the proxy.
    pub unavailable_every: Option<u64>,
}

/// What went through, for reports and assertions.
#[derive(Debug, Default)]
pub struct Counters {
    pub connections: AtomicU64,
    pub requests: AtomicU64,
    /// Bytes read from clients (requests, with headers and TLS overhead removed).
    pub up_bytes: AtomicU64,
    pub down_bytes: AtomicU64,
    /// Bytes of PATCH bodies read from clients, including ones cut short.
    pub patch_body_bytes: AtomicU64,
    pub cuts: AtomicU64,
    pub faults: AtomicU64,
}

struct Shared {
    cfg: Config,
    upstream: SocketAddr,
    rules: Mutex<Vec<Rule>>,
    counters: Arc<Counters>,
    pace_up: Mutex<Instant>,
    pace_down: Mutex<Instant>,
    cut_gen: tokio::sync::watch::Receiver<u64>,
}

pub struct Proxy {
    pub addr: SocketAddr,
    pub counters: Arc<Counters>,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy on 127.0.0.1 (own thread and runtime) in front of `upstream`, presenting
    /// the certificate and key in the given PEM files.
    pub fn start(
        upstream: SocketAddr,
        cert_pem: &Path,
        key_pem: &Path,
        cfg: Config,
    ) -> std::io::Result<Proxy> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_pem)
            .map_err(std::io::Error::other)?
            .collect::<Result<_, _>>()
            .map_err(std::io::Error::other)?;
        let key = PrivateKeyDer::from_pem_file(key_pem).map_err(std::io::Error::other)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(std::io::Error::other)?;
        let client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (gen_tx, gen_rx) = tokio::sync::watch::channel(0u64);
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            cfg,
            upstream,
            rules: Mutex::new(Vec::new()),
            counters: counters.clone(),
            pace_up: Mutex::new(Instant::now()),
            pace_down: Mutex::new(Instant::now()),
            cut_gen: gen_rx,
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let sh = shared.clone();
        let acceptor = TlsAcceptor::from(Arc::new(server));
        let connector = TlsConnector::from(Arc::new(client));
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                if let Some(every) = sh.cfg.cut_every {
                    let sh2 = sh.clone();
                    tokio::spawn(async move {
                        let mut n = 0;
                        loop {
                            tokio::time::sleep(every).await;
                            n += 1;
                            let _ = gen_tx.send(n);
                            sh2.counters.cuts.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
                let accept = async {
                    loop {
                        let Ok((tcp, _)) = listener.accept().await else {
                            continue;
                        };
                        let _ = tcp.set_nodelay(true);
                        let (sh, acc, con) = (sh.clone(), acceptor.clone(), connector.clone());
                        tokio::spawn(async move {
                            sh.counters.connections.fetch_add(1, Ordering::Relaxed);
                            let mut cut = sh.cut_gen.clone();
                            cut.mark_unchanged();
                            let inner = cut.clone();
                            let mid_body = Arc::new(AtomicBool::new(false));
                            tokio::select! {
                                biased;
                                _ = connection(sh.clone(), acc, con, tcp, inner, mid_body.clone()) => {}
                                // Mid-body, `connection` handles the cut itself (the server
                                // gets what crossed, then it ends); anywhere else the cut ends
                                // the connection at once, as a real link's would.
                                _ = async {
                                    let _ = cut.changed().await;
                                    if mid_body.load(Ordering::SeqCst) {
                                        std::future::pending::<()>().await;
                                    }
                                } => {}
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop_rx => {}
                }
            });
            rt.shutdown_timeout(Duration::from_millis(200));
        });
        Ok(Proxy {
            addr,
            counters,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn add_rule(&self, rule: Rule) {
        if let Ok(mut r) = self.shared.rules.lock() {
            r.push(rule);
        }
    }

    pub fn get(&self, c: fn(&Counters) -> &AtomicU64) -> u64 {
        c(&self.counters).load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn pace(slot: &Mutex<Instant>, rate: Option<u64>, n: usize) {
    let Some(rate) = rate else { return };
    let until = {
        let Ok(mut next) = slot.lock() else { return };
        let start = (*next).max(Instant::now());
        *next = start + Duration::from_secs_f64(n as f64 / rate as f64);
        *next
    };
    tokio::time::sleep_until(until.into()).await;
}

/// Reads one HTTP message head (through the blank line); `None` at a clean end.
async fn read_head<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Vec<u8>>> {
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = buf[..i + 4].to_vec();
            buf.drain(..i + 4);
            return Ok(Some(head));
        }
        if buf.len() > 64 * 1024 {
            return Err(std::io::Error::other("header too long"));
        }
        let mut tmp = [0u8; 4096];
        let n = r.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    }
}

fn header_value(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head).lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// Reads exactly `n` body bytes (some may already be in `buf`) into `out`, pacing as it
/// goes: if the future is dropped half-way, `out` holds what crossed the link.
async fn read_body<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    n: usize,
    pace_slot: Option<(&Mutex<Instant>, Option<u64>)>,
    counters: &[&AtomicU64],
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    // Counted as they arrive, so a body cut short still counts what came through. Bytes that
    // came in with the head are paced now: the link must not carry them for free.
    let early = buf.len().min(n);
    for c in counters {
        c.fetch_add(early as u64, Ordering::Relaxed);
    }
    if let Some((slot, rate)) = pace_slot {
        pace(slot, rate, early).await;
    }
    out.extend(buf.drain(..early));
    while out.len() < n {
        let mut tmp = [0u8; 4096];
        let want = (n - out.len()).min(tmp.len());
        let k = r.read(&mut tmp[..want]).await?;
        if k == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if let Some((slot, rate)) = pace_slot {
            pace(slot, rate, k).await;
        }
        for c in counters {
            c.fetch_add(k as u64, Ordering::Relaxed);
        }
        out.extend_from_slice(&tmp[..k]);
    }
    Ok(())
}

async fn write_paced<W: AsyncWrite + Unpin>(
    w: &mut W,
    bytes: &[u8],
    sh: &Shared,
) -> std::io::Result<()> {
    for part in bytes.chunks(4096) {
        pace(&sh.pace_down, sh.cfg.rate, part.len()).await;
        w.write_all(part).await?;
        sh.counters
            .down_bytes
            .fetch_add(part.len() as u64, Ordering::Relaxed);
    }
    w.flush().await
}

fn choose_fault(sh: &Shared, method: &str, path: &str) -> Option<Fault> {
    let n = sh.counters.requests.fetch_add(1, Ordering::Relaxed) + 1;
    if let Some(every) = sh.cfg.unavailable_every
        && n.is_multiple_of(every)
    {
        return Some(Fault::Status(503));
    }
    let mut rules = sh.rules.lock().ok()?;
    for r in rules.iter_mut() {
        let m = r.method.is_none_or(|x| x == method)
            && r.path_contains.as_deref().is_none_or(|p| path.contains(p));
        if m {
            r.seen += 1;
            if r.seen == r.nth {
                return Some(r.fault.clone());
            }
        }
    }
    None
}

async fn connection(
    sh: Arc<Shared>,
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    tcp: TcpStream,
    mut cut: tokio::sync::watch::Receiver<u64>,
    mid_body: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let mut client = acceptor.accept(tcp).await?;
    let up_tcp = TcpStream::connect(sh.upstream).await?;
    let _ = up_tcp.set_nodelay(true);
    let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
    let mut server = connector.connect(name, up_tcp).await?;
    let (mut cbuf, mut sbuf) = (Vec::new(), Vec::new());
    let mut from_client = 0u64;
    loop {
        let Some(head) = read_head(&mut client, &mut cbuf).await? else {
            return Ok(());
        };
        pace(&sh.pace_up, sh.cfg.rate, head.len()).await;
        from_client += head.len() as u64;
        sh.counters
            .up_bytes
            .fetch_add(head.len() as u64, Ordering::Relaxed);
        let line = String::from_utf8_lossy(&head)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let len: usize = header_value(&head, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let fault = choose_fault(&sh, &method, &path);
        if fault.is_some() {
            sh.counters.faults.fetch_add(1, Ordering::Relaxed);
        }
        // The body, cut where a cut falls.
        let limit = match (&fault, sh.cfg.cut_after_bytes) {
            (Some(Fault::CutRequestAfter(n)), _) => Some(*n as u64),
            (_, Some(total)) => Some(total.saturating_sub(from_client)),
            _ => None,
        };
        let take = limit.map_or(len, |l| (l as usize).min(len));
        let counters: &[&AtomicU64] = if method == "PATCH" {
            &[&sh.counters.up_bytes, &sh.counters.patch_body_bytes]
        } else {
            &[&sh.counters.up_bytes]
        };
        let mut body = Vec::new();
        // Whole, or cut: by the timer, by a fault, or by the kiosk going away mid-body.
        mid_body.store(true, Ordering::SeqCst);
        let whole = tokio::select! {
            r = read_body(
                &mut client,
                &mut cbuf,
                take,
                Some((&sh.pace_up, sh.cfg.rate)),
                counters,
                &mut body,
            ) => r.is_ok(),
            _ = cut.changed() => false,
        };
        from_client += body.len() as u64;
        if whole {
            mid_body.store(false, Ordering::SeqCst);
        }
        if !whole || take < len {
            if whole {
                sh.counters.cuts.fetch_add(1, Ordering::Relaxed);
            }
            // The kiosk sees the cut at once.
            drop(client);
            // What crossed the link before the cut reaches the server, as on a real link;
            // then both connections close.
            let _ = server.write_all(&head).await;
            let _ = server.write_all(&body).await;
            let _ = server.flush().await;
            return Ok(());
        }
        if let Some(d) = sh.cfg.latency {
            tokio::time::sleep(d).await;
        }
        if let Some(Fault::Delay(d)) = &fault {
            tokio::time::sleep(*d).await;
        }
        if let Some(Fault::Status(code)) = fault {
            let msg = format!(
                "{{\"error\":\"injected\",\"message\":\"the link returned HTTP {code} (injected by the test proxy)\"}}"
            );
            let resp = format!(
                "HTTP/1.1 {code} Injected\r\ncontent-type: application/json\r\nretry-after: 1\r\ncontent-length: {}\r\n\r\n{msg}",
                msg.len()
            );
            write_paced(&mut client, resp.as_bytes(), &sh).await?;
            continue;
        }
        server.write_all(&head).await?;
        server.write_all(&body).await?;
        server.flush().await?;
        let Some(rhead) = read_head(&mut server, &mut sbuf).await? else {
            return Ok(());
        };
        let status: u16 = String::from_utf8_lossy(&rhead)
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let no_body =
            method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status);
        let rbody = if no_body {
            Vec::new()
        } else if header_value(&rhead, "transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            read_chunked(&mut server, &mut sbuf).await?
        } else {
            let n: usize = header_value(&rhead, "content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut b = Vec::new();
            read_body(&mut server, &mut sbuf, n, None, &[], &mut b).await?;
            b
        };
        let mut resp = rhead;
        resp.extend_from_slice(&rbody);
        match fault {
            Some(Fault::DropReply) => return Ok(()),
            Some(Fault::TruncateReply) => {
                let half = resp.len() / 2;
                write_paced(&mut client, &resp[..half], &sh).await?;
                return Ok(());
            }
            _ => write_paced(&mut client, &resp, &sh).await?,
        }
    }
}

/// A chunked body, returned raw (chunk framing included) so it is forwarded unchanged.
async fn read_chunked<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break buf.drain(..i + 2).collect::<Vec<u8>>();
            }
            let mut tmp = [0u8; 4096];
            let n = r.read(&mut tmp).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&tmp[..n]);
        };
        out.extend_from_slice(&line);
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&line)
                .trim()
                .split(';')
                .next()
                .unwrap_or("0"),
            16,
        )
        .map_err(std::io::Error::other)?;
        read_body(r, buf, size + 2, None, &[], &mut out).await?;
        if size == 0 {
            return Ok(out);
        }
    }
}
