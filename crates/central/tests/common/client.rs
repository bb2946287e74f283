//! Talking to the central system below the kiosk's driver: signed requests of our choosing,
//! and raw TLS connections whose bytes the test paces itself.

use std::net::SocketAddr;
use std::sync::Arc;

use onevisit_sync::auth;
use onevisit_sync::driver::Identity;
use onevisit_sync::driver::http::{Endpoint, Link, Response};
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;

use super::{World, rt};

/// A provisioned kiosk's identity, sending one request at a time.
pub struct Client {
    pub link: Link,
    pub id: Identity,
    pub key: ed25519_dalek::SigningKey,
}

impl Client {
    pub fn new(w: &World) -> Client {
        let (id, key) = Identity::load(w.kiosk_dir.path()).unwrap();
        let link = Link::new(
            Endpoint::parse(&id.central).unwrap(),
            Some(id.fingerprint.clone()),
        );
        Client { link, id, key }
    }

    /// The same kiosk talking to another node (of the same county, so the same certificate).
    pub fn to(&self, url: &str) -> Client {
        Client {
            link: Link::new(
                Endpoint::parse(url).unwrap(),
                Some(self.id.fingerprint.clone()),
            ),
            id: self.id.clone(),
            key: self.key.clone(),
        }
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, String)],
        body: &[u8],
        sign: bool,
    ) -> Response {
        self.try_send(method, path, extra, body, sign).unwrap()
    }

    /// [`Client::send`], with a connection cut as an `Err`.
    pub fn try_send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, String)],
        body: &[u8],
        sign: bool,
    ) -> Result<Response, String> {
        let t = onevisit_sync::driver::wall_ms();
        let mut h: Vec<(&str, String)> = extra.to_vec();
        if sign {
            // Signed as the kiosk signs: device, time, nonce, and the upload headers too.
            h.extend(auth::auth_headers(
                &self.key,
                &self.id.device_id,
                method,
                path,
                t,
                extra,
                body,
            ));
        }
        rt().block_on(self.link.send(method, path, &h, body.to_vec()))
    }

    pub fn put_case(&mut self, id: &str, size: u64, sha: &str) -> Response {
        self.send(
            "PUT",
            &format!("/v1/cases/{id}"),
            &[],
            &manifest(size, sha),
            true,
        )
    }

    pub fn patch(&mut self, id: &str, offset: u64, chunk: &[u8]) -> Response {
        self.send(
            "PATCH",
            &format!("/v1/cases/{id}/attachments/0"),
            &patch_headers(offset, chunk),
            chunk,
            true,
        )
    }
}

pub fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

pub fn json(r: &Response) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null)
}

/// A case with one attachment.
pub fn manifest(size: u64, sha: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "theme": "open-restaurant", "submitted_at": 1, "answers": {},
        "applicant": {"name": "测试乙", "id_number": "11010519491231002X"},
        "form": {}, "attachments": [{"index": 0, "name": "租赁合同", "pages": 1, "size": size, "sha256": sha}]
    }))
    .unwrap()
}

pub fn patch_headers(offset: u64, chunk: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("tus-resumable", "1.0.0".into()),
        ("content-type", "application/offset+octet-stream".into()),
        ("upload-offset", offset.to_string()),
        (
            "upload-checksum",
            format!("sha256 {}", auth::b64(&Sha256::digest(chunk))),
        ),
    ]
}

/// Takes whatever certificate the server shows: these tests are about what happens after.
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A TLS connection to the server, for bytes written by hand.
pub async fn tls(addr: SocketAddr) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    tls_with(&any_cert(), addr).await
}

/// A client configuration that accepts any certificate (and keeps sessions to resume).
pub fn any_cert() -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth(),
    )
}

/// [`tls`] with a given configuration (a second connection with the same one may resume).
pub async fn tls_with(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    tokio_rustls::TlsConnector::from(config.clone())
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}
