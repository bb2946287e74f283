//! The two attachment stores behave the same through `Blobs`: the data folder, and an
//! S3-compatible bucket (OpenStack Swift, started by the test) — whatever backend the run
//! tests otherwise.

mod common;

use onevisit_central::blobs::{Blobs, Folder, Objects};
use onevisit_central::hashstate::Resumable;
use onevisit_central::s3::Client;
use onevisit_sync::sha256_hex;

const CASE: &str = "3f6c2b1e-8d4a-4c7b-9e21-5a0f1d2c3b4e";
const OTHER: &str = "9b1d7e44-2c3a-4f5e-8a6b-0c1d2e3f4a5b";

fn both(check: impl Fn(&dyn Blobs)) {
    let dir = tempfile::TempDir::new().unwrap();
    check(&Folder::new(dir.path()));
    let s3 = Objects::new(Client::new(common::swift::store()).unwrap());
    s3.ready().unwrap();
    check(&s3);
}

fn hash_of(bytes: &[u8]) -> Resumable {
    let mut h = Resumable::default();
    h.update(bytes);
    h
}

#[test]
fn chunks_read_back_whole_however_they_were_cut_and_retried() {
    both(|store| {
        let data = common::bytes(11, 700_000);
        assert_eq!(store.read(CASE, 0).unwrap(), None, "{}", store.describe());
        assert!(
            store.verify(CASE, 1, 0, &sha256_hex(b"")).unwrap(),
            "an empty one"
        );

        // 0..300000 lands; a retry of 300000.. in a bigger chunk is cut before it is
        // recorded, then sent again smaller, then the rest.
        let h = store
            .write_chunk(CASE, 0, 0, &data[..300_000], None)
            .unwrap();
        store
            .write_chunk(CASE, 0, 300_000, &data[300_000..650_000], Some(h.clone()))
            .unwrap();
        let h = store
            .write_chunk(CASE, 0, 300_000, &data[300_000..400_000], Some(h))
            .unwrap();
        assert_eq!(h, hash_of(&data[..400_000]));
        // Without a saved state the store hashes what it holds before the offset.
        let h = store
            .write_chunk(CASE, 0, 400_000, &data[400_000..], None)
            .unwrap();
        assert_eq!(h, hash_of(&data));

        assert_eq!(store.read(CASE, 0).unwrap().as_deref(), Some(&data[..]));
        assert!(
            store
                .verify(CASE, 0, data.len() as u64, &sha256_hex(&data))
                .unwrap()
        );
        let shorter = &data[..data.len() - 1];
        assert!(
            !store
                .verify(CASE, 0, shorter.len() as u64, &sha256_hex(shorter))
                .unwrap(),
            "a longer attachment does not pass as its beginning"
        );
        assert!(
            !store
                .verify(CASE, 0, data.len() as u64, &sha256_hex(b"x"))
                .unwrap()
        );
    });
}

#[test]
fn cases_are_listed_and_removed_one_by_one() {
    both(|store| {
        store.write_chunk(CASE, 0, 0, b"scan", None).unwrap();
        store.write_chunk(CASE, 1, 0, b"form", None).unwrap();
        store.write_chunk(OTHER, 0, 0, b"id card", None).unwrap();
        let mut cases: Vec<String> = store.cases().unwrap().into_iter().map(|c| c.0).collect();
        cases.sort();
        assert_eq!(cases, [CASE, OTHER]);
        assert!(store.remove_case(CASE));
        assert!(!store.remove_case(CASE), "nothing left to remove");
        assert_eq!(store.read(CASE, 1).unwrap(), None);
        assert_eq!(
            store.read(OTHER, 0).unwrap().as_deref(),
            Some(&b"id card"[..])
        );
        assert_eq!(store.cases().unwrap().len(), 1);
    });
}

#[test]
fn an_imported_file_is_taken_in() {
    both(|store| {
        let spool = tempfile::TempDir::new().unwrap();
        let file = spool.path().join("0");
        std::fs::write(&file, b"carried on a USB stick").unwrap();
        store.check_case(CASE).unwrap();
        store.adopt(CASE, 0, &file).unwrap();
        store.sync_case(CASE).unwrap();
        assert_eq!(
            store.read(CASE, 0).unwrap().as_deref(),
            Some(&b"carried on a USB stick"[..])
        );
        assert!(store.check_case("../etc").is_err(), "ids are checked");
    });
}

#[test]
fn a_store_out_of_reach_or_a_wrong_key_is_said_plainly() {
    let mut cfg = common::swift::store();
    cfg.credentials.secret = "not the secret".into();
    let e = Objects::new(Client::new(cfg.clone()).unwrap())
        .ready()
        .unwrap_err();
    assert!(e.to_string().contains("403"), "{e}");
    cfg.endpoint.port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = Objects::new(Client::new(cfg).unwrap());
    let e = store.ready().unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");
    assert!(
        store.cases().is_err(),
        "an unreachable store is not an empty one"
    );
}

/// Over `https`, trusting a private CA given as the store's CA bundle (as `AWS_CA_BUNDLE`
/// does): a TLS front that a test CA certified for `localhost`, before Swift.
#[test]
fn an_https_endpoint_is_trusted_through_the_given_ca_bundle() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, ca.pem()).unwrap();

    let mut cfg = common::swift::store();
    let plain = format!("127.0.0.1:{}", cfg.endpoint.port);
    let tls = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let front = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    cfg.endpoint.port = front.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(tls));
    rt.spawn(async move {
        while let Ok((tcp, _)) = front.accept().await {
            let (acceptor, plain) = (acceptor.clone(), plain.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut back) = tokio::net::TcpStream::connect(&plain).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut back).await;
            });
        }
    });

    cfg.endpoint.tls = true;
    cfg.endpoint.host = "localhost".into();
    // The system's roots do not know the test CA.
    let untrusted = Objects::new(Client::new(cfg.clone()).unwrap());
    let e = untrusted.ready().unwrap_err();
    assert!(e.to_string().contains("certificate"), "{e}");

    cfg.ca_bundle = Some(bundle);
    let store = Objects::new(Client::new(cfg).unwrap());
    store.ready().unwrap();
    store.write_chunk(CASE, 0, 0, b"over TLS", None).unwrap();
    assert_eq!(
        store.read(CASE, 0).unwrap().as_deref(),
        Some(&b"over TLS"[..])
    );
}
