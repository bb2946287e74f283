//! One HTTPS connection to the central system, kept open between requests and opened again
//! after any failure. The server certificate is checked against the pins from provisioning
//! (or, while enrolling, recorded so the enrollment proof can bind it). A pin is a SHA-256 in
//! hex, of either the whole certificate or its public key (SPKI): public-key pins let the
//! county renew its certificate, or switch to its backup key, without touching the kiosks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::auth::{cert_fingerprint, spki_pin};

/// What the server presented last: its certificate's SHA-256 and its public key's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    pub fingerprint: String,
    pub spki: Option<String>,
}

/// Accepts a certificate whose own hash or public-key hash is pinned; with no pins, accepts
/// any and remembers it.
#[derive(Debug)]
struct Pinned {
    pins: Mutex<Vec<String>>,
    seen: Mutex<Option<Seen>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fp = cert_fingerprint(end_entity);
        let spki = spki_pin(end_entity);
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(Seen {
                fingerprint: fp.clone(),
                spki: spki.clone(),
            });
        }
        let pins = self.pins.lock().map(|p| p.clone()).unwrap_or_default();
        let pinned = |h: &str| pins.iter().any(|p| p == h);
        if pins.is_empty() || pinned(&fp) || spki.as_deref().is_some_and(pinned) {
            return Ok(ServerCertVerified::assertion());
        }
        Err(rustls::Error::General(format!(
            "the central system's certificate ({}…, key {}…) is not the one this kiosk was provisioned with, nor for a key it was told to accept ({}): a different server, or someone in between. If the county replaced its certificate with a key it did not announce, provision the kiosk again",
            &fp[..16],
            spki.as_deref().map_or("unreadable", |s| &s[..16]),
            pins.iter()
                .map(|p| format!("{}…", &p[..p.len().min(16)]))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client that checks the pins, with a new session cache (rustls keeps TLS 1.3
/// tickets for resumption in memory, per config).
fn connector(verifier: &Arc<Pinned>) -> TlsConnector {
    let config = rustls::ClientConfig::builder_with_provider(verifier.provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// `https://host[:port][/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub prefix: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let rest = url.strip_prefix("https://").ok_or_else(|| {
            format!("{url}: the central system's address must start with https://")
        })?;
        let (hostport, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            // [v6]:port
            let (h, p) = h
                .split_once(']')
                .ok_or_else(|| format!("{url}: bad IPv6 address"))?;
            (h, p.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        let port = match port {
            Some(p) => p.parse().map_err(|_| format!("{url}: bad port {p:?}"))?,
            None => 443,
        };
        if host.is_empty() {
            return Err(format!("{url}: no host name"));
        }
        Ok(Endpoint {
            host: host.to_owned(),
            port,
            prefix: prefix.to_owned(),
        })
    }
}

pub struct Response {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
}

pub struct Link {
    endpoint: Endpoint,
    connector: TlsConnector,
    verifier: Arc<Pinned>,
    sender: Option<SendRequest<Full<Bytes>>>,
    /// Connections opened (the first, and one after each failure).
    pub connects: u64,
    /// Of those, how many resumed an earlier TLS session: a reconnect over a slow link then
    /// carries no certificate. The session was checked against the pins when it was made.
    pub resumed: u64,
}

impl Link {
    /// A link that accepts only `pin` (certificate or public-key SHA-256), or, with `None`,
    /// any certificate (enrollment, where the proof binds what was seen).
    pub fn new(endpoint: Endpoint, pin: Option<String>) -> Link {
        Link::pinned(endpoint, pin.into_iter().collect())
    }

    /// A link that accepts a certificate whose hash or public-key hash is one of `pins`.
    pub fn pinned(endpoint: Endpoint, pins: Vec<String>) -> Link {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(Pinned {
            pins: Mutex::new(pins),
            seen: Mutex::new(None),
            provider: provider.clone(),
        });
        Link {
            endpoint,
            connector: connector(&verifier),
            verifier,
            sender: None,
            connects: 0,
            resumed: 0,
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The fingerprint of the certificate the server presented last.
    pub fn seen_fingerprint(&self) -> Option<String> {
        self.seen().map(|s| s.fingerprint)
    }

    /// Replaces the pins for the connections opened from now on. Sessions kept for
    /// resumption are dropped: one made with a key no longer pinned must not be resumed.
    pub fn set_pins(&mut self, pins: Vec<String>) {
        if let Ok(mut p) = self.verifier.pins.lock() {
            *p = pins;
        }
        self.connector = connector(&self.verifier);
    }

    /// The certificate and public-key hashes the server presented last.
    pub fn seen(&self) -> Option<Seen> {
        self.verifier.seen.lock().ok().and_then(|s| s.clone())
    }

    /// Opens the connection now (enrollment needs the certificate before its first request).
    pub async fn connect(&mut self) -> Result<(), String> {
        if self.sender.as_ref().is_some_and(|s| !s.is_closed()) {
            return Ok(());
        }
        self.sender = None;
        let ep = &self.endpoint;
        let tcp = tokio::time::timeout(
            Duration::from_secs(15),
            TcpStream::connect((ep.host.as_str(), ep.port)),
        )
        .await
        .map_err(|_| format!("connecting to {}:{} timed out", ep.host, ep.port))?
        .map_err(|e| format!("cannot connect to {}:{}: {e}", ep.host, ep.port))?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(ep.host.clone())
            .map_err(|_| format!("{} is not a valid host name", ep.host))?;
        let tls = tokio::time::timeout(Duration::from_secs(30), self.connector.connect(name, tcp))
            .await
            .map_err(|_| "the TLS handshake timed out".to_owned())?
            .map_err(|e| format!("TLS: {e}"))?;
        if tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed) {
            self.resumed += 1;
        }
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.connects += 1;
        self.sender = Some(sender);
        Ok(())
    }

    /// Sends one request. Any failure closes the connection; the next request opens a new one.
    pub async fn send(
        &mut self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Response, String> {
        // A slow link still gets its time: 20 s, plus a second per KB of body.
        let limit = Duration::from_secs(20 + body.len() as u64 / 1000);
        let result =
            tokio::time::timeout(limit, self.exchange(method, path_and_query, headers, body))
                .await
                .unwrap_or_else(|_| Err("the central system did not answer in time".into()));
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Response, String> {
        self.connect().await?;
        let sender = self.sender.as_mut().ok_or("not connected")?;
        sender
            .ready()
            .await
            .map_err(|e| format!("connection lost: {e}"))?;
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(
                "host",
                format!("{}:{}", self.endpoint.host, self.endpoint.port),
            )
            .header(
                "user-agent",
                concat!("onevisit/", env!("CARGO_PKG_VERSION")),
            );
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("building the request: {e}"))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| format!("connection lost: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reply cut short: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::parse("https://127.0.0.1:8443").unwrap(),
            Endpoint {
                host: "127.0.0.1".into(),
                port: 8443,
                prefix: String::new()
            }
        );
        let e = Endpoint::parse("https://zw.example.cn/onevisit/").unwrap();
        assert_eq!((e.port, e.prefix.as_str()), (443, "/onevisit"));
        assert_eq!(Endpoint::parse("https://[::1]:9/").unwrap().host, "::1");
        assert!(Endpoint::parse("http://x").is_err());
        assert!(Endpoint::parse("https://x:abc").is_err());
    }
}
