//! A small blocking HTTP/1.1 client for the S3 store: one request at a time per connection,
//! idle connections kept for the next request, TLS by rustls for `https` endpoints. The store
//! runs on blocking threads, so a blocking client needs no runtime of its own.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A reply larger than this is refused (an attachment is at most 64 MiB).
const MAX_BODY: u64 = 80 * 1024 * 1024;
/// Connections kept open between requests.
const MAX_IDLE: usize = 16;
/// How long a connect, a read or a write may stall before the request fails.
const TIMEOUT: Duration = Duration::from_secs(30);
/// An idle connection older than this is not used again (servers close theirs after a while).
const MAX_IDLE_AGE: Duration = Duration::from_secs(10);

/// Where the requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub tls: bool,
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// `http://host[:port]` or `https://host[:port]`, nothing after but an optional `/`.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!("{url:?} is not an http:// or https:// URL"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(format!(
                "{url:?}: give the endpoint as scheme://host[:port] only"
            ));
        }
        let default = if tls { 443 } else { 80 };
        let port_of = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| format!("{url:?}: {p:?} is not a port"))
        };
        let (host, port) = if rest.starts_with('[') {
            // [v6] or [v6]:port
            let end = rest
                .find(']')
                .ok_or_else(|| format!("{url:?}: bad IPv6 address"))?;
            match &rest[end + 1..] {
                "" => (&rest[..=end], default),
                p => (&rest[..=end], port_of(p.strip_prefix(':').unwrap_or(p))?),
            }
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, port_of(p)?),
                None => (rest, default),
            }
        };
        Ok(Endpoint {
            tls,
            host: host.to_owned(),
            port,
        })
    }

    /// The `Host` header: the port only when it is not the scheme's.
    pub fn authority(&self) -> String {
        if self.port == if self.tls { 443 } else { 80 } {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

pub struct Client {
    endpoint: Endpoint,
    tls: Option<Arc<rustls::ClientConfig>>,
    idle: Mutex<Vec<(std::time::Instant, Stream)>>,
}

impl Client {
    /// `ca_bundle`: PEM certificates to trust for `https` (the system's when `None`).
    pub fn new(endpoint: Endpoint, ca_bundle: Option<&std::path::Path>) -> io::Result<Client> {
        let tls = if endpoint.tls {
            Some(tls_config(ca_bundle)?)
        } else {
            None
        };
        Ok(Client {
            endpoint,
            tls,
            idle: Mutex::new(Vec::new()),
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Sends one request. `target` is the path and query as they go on the request line;
    /// `headers` must not include `Host` or `Content-Length`. A kept-open connection that the
    /// server has closed meanwhile is dropped and the request sent once more on a new one.
    pub fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        let reused = self
            .idle
            .lock()
            .map(|mut v| {
                v.retain(|(t, _)| t.elapsed() < MAX_IDLE_AGE);
                v.pop()
            })
            .unwrap_or(None);
        if let Some((_, stream)) = reused {
            match self.exchange(stream, method, target, headers, body) {
                Ok(r) => return Ok(r),
                // The server closed it while it was idle: nothing was done, so try again.
                Err(Failure::Stale(_)) => {}
                Err(Failure::Other(e)) => return Err(e),
            }
        }
        let stream = self.connect()?;
        self.exchange(stream, method, target, headers, body)
            .map_err(Failure::into_io)
    }

    fn connect(&self) -> io::Result<Stream> {
        let addr = (
            self.endpoint.host.trim_matches(['[', ']']),
            self.endpoint.port,
        );
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for a in std::net::ToSocketAddrs::to_socket_addrs(&addr)? {
            match TcpStream::connect_timeout(&a, TIMEOUT) {
                Ok(tcp) => {
                    tcp.set_read_timeout(Some(TIMEOUT))?;
                    tcp.set_write_timeout(Some(TIMEOUT))?;
                    tcp.set_nodelay(true)?;
                    return match &self.tls {
                        None => Ok(Stream::Plain(tcp)),
                        Some(cfg) => {
                            let name = rustls::pki_types::ServerName::try_from(
                                self.endpoint.host.trim_matches(['[', ']']).to_owned(),
                            )
                            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                            let conn = rustls::ClientConnection::new(cfg.clone(), name)
                                .map_err(io::Error::other)?;
                            Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
                        }
                    };
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn exchange(
        &self,
        mut stream: Stream,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, Failure> {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n",
            self.endpoint.authority(),
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let sent = stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body))
            .and_then(|()| stream.flush());
        if let Err(e) = sent {
            return Err(Failure::Stale(e));
        }
        let mut reader = BufReader::new(&mut stream);
        let mut status_line = String::new();
        match reader.read_line(&mut status_line) {
            Ok(0) => {
                return Err(Failure::Stale(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection was closed",
                )));
            }
            Ok(_) => {}
            // A server that closed an idle TLS connection without close_notify shows as an
            // unexpected end here.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::BrokenPipe
                        | io::ErrorKind::ConnectionAborted
                ) =>
            {
                return Err(Failure::Stale(e));
            }
            Err(e) => return Err(Failure::Other(e)),
        }
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| bad(format!("not an HTTP status line: {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Err(bad("the reply ended inside its headers").into());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let mut r = Response {
            status,
            headers,
            body: Vec::new(),
        };
        let mut reusable = !r
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if method == "HEAD" || status == 204 || status == 304 {
        } else if r
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            r.body = read_chunked(&mut reader)?;
        } else if let Some(len) = r.header("content-length") {
            let len: u64 = len
                .parse()
                .map_err(|_| bad(format!("content-length {len:?}")))?;
            if len > MAX_BODY {
                return Err(bad(format!("a reply of {len} bytes is too large")).into());
            }
            r.body = vec![0; len as usize];
            reader.read_exact(&mut r.body)?;
        } else {
            (&mut reader).take(MAX_BODY).read_to_end(&mut r.body)?;
            reusable = false;
        }
        if reusable
            && reader.buffer().is_empty()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            drop(reader);
            idle.push((std::time::Instant::now(), stream));
        }
        Ok(r)
    }
}

/// A failed exchange: `Stale` when nothing came back on a connection that may have been
/// closed while idle (safe to send again: the server did not act on it).
enum Failure {
    Stale(io::Error),
    Other(io::Error),
}

impl Failure {
    fn into_io(self) -> io::Error {
        match self {
            Failure::Stale(e) | Failure::Other(e) => e,
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Other(e)
    }
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size =
            u64::from_str_radix(size, 16).map_err(|_| bad(format!("chunk size {size:?}")))?;
        if size > MAX_BODY - body.len() as u64 {
            return Err(bad("the reply is too large"));
        }
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                let mut t = String::new();
                if reader.read_line(&mut t)? == 0 || t.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size as usize, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
    }
}

/// Trusts `ca_bundle`'s certificates, or the system's (`ca-certificates`).
fn tls_config(ca_bundle: Option<&std::path::Path>) -> io::Result<Arc<rustls::ClientConfig>> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let path = ca_bundle.unwrap_or(std::path::Path::new("/etc/ssl/certs/ca-certificates.crt"));
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
        io::Error::other(format!(
            "reading the CA certificates {}: {e}",
            path.display()
        ))
    })?;
    for cert in certs {
        let cert = cert.map_err(|e| {
            io::Error::other(format!(
                "reading the CA certificates {}: {e}",
                path.display()
            ))
        })?;
        // A bundle may hold certificates rustls cannot use; the others still count.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(io::Error::other(format!(
            "no usable CA certificate in {}",
            path.display()
        )));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        assert_eq!((e.tls, e.host.as_str(), e.port), (false, "127.0.0.1", 9000));
        assert_eq!(e.authority(), "127.0.0.1:9000");
        let e = Endpoint::parse("https://oss-cn-hangzhou.aliyuncs.com/").unwrap();
        assert_eq!((e.tls, e.port), (true, 443));
        assert_eq!(e.authority(), "oss-cn-hangzhou.aliyuncs.com");
        assert!(Endpoint::parse("ftp://x").is_err());
        assert!(Endpoint::parse("http://h:port").is_err());
        assert!(Endpoint::parse("http://h/bucket").is_err());
        let e = Endpoint::parse("https://[::1]").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("[::1]", 443));
        assert_eq!(Endpoint::parse("http://[::1]:9000").unwrap().port, 9000);
    }

    #[test]
    fn chunked_bodies() {
        let mut r = io::Cursor::new(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n".to_vec());
        assert_eq!(read_chunked(&mut r).unwrap(), b"Wikipedia");
        let mut r = io::Cursor::new(b"zz\r\n".to_vec());
        assert!(read_chunked(&mut r).is_err());
        let mut r = io::Cursor::new(b"ffffffffffffffff\r\n".to_vec());
        assert!(read_chunked(&mut r).is_err(), "a size near u64::MAX");
    }
}
