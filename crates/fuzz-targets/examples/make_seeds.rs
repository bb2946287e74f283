//! Writes seed inputs for every fuzz target into `fuzz/corpus/<target>/seed-*`, made from the
//! repository's real samples (catalog files, test cards, the sample receipt) and from what our
//! own encoders write. Run once before a first fuzzing run; `cargo fuzz cmin` keeps what adds
//! coverage.
//!
//!     cargo run -p onevisit-fuzz-targets --example make_seeds

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use onevisit_fuzz_targets::{NOW, join_files, keys, request};
use onevisit_idcard::command::Command;
use onevisit_idcard::sim::{SimCard, SimReader};
use onevisit_printer::doc::{PaperWidth, QrMode};
use onevisit_printer::encode::{Model, encode};
use onevisit_printer::receipt::{ReceiptData, build};
use onevisit_sync::auth::{self, b64};
use onevisit_sync::bundle;
use onevisit_sync::export::ExportWriter;
use onevisit_sync::export::x25519::PublicKey;
use onevisit_sync::proto::{Applicant, AttachmentDecl, CaseManifest, Heartbeat, header};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir).expect("create corpus folder");
    std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn sam_frames() {
    for name in ["expired", "foreign-2017", "foreign-2023"] {
        let card: SimCard =
            serde_json::from_str(&read(&format!("hardware/serial/tests/cards/{name}.json")))
                .expect("card JSON");
        let mut sim = SimReader::new();
        sim.card = Some(card);
        let mut stream = Vec::new();
        for cmd in [
            Command::SamStatus,
            Command::FindCard,
            Command::SelectCard,
            Command::ReadText,
            Command::ReadAppendedAddress,
        ] {
            for r in sim.handle_bytes(&cmd.encode()) {
                stream.extend_from_slice(&r.bytes);
            }
        }
        let mut seed = vec![40u8];
        seed.extend_from_slice(&stream);
        write("sam_frames", name, &seed);
    }
}

fn mrz_parse() {
    let td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\rL898902C36UTO7408122F1204159ZE184226B<<<<<10\r";
    write("mrz_parse", "td3", format!("\x02{td3}\x03").as_bytes());
    write(
        "mrz_parse",
        "td1",
        b"\x02I<UTOD231458907<<<<<<<<<<<<<<<\r\n7408122F3404159UTO<<<<<<<<<<<6\r\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\r\n\x03",
    );
    write("mrz_parse", "cs", b"CSC123456784<3001016<9002151<4\r");
}

fn scanner_lines() {
    write(
        "scanner_lines",
        "qr-crlf",
        b"\x82]Q1https://zwfw.example.gov.cn/t/YL-20261128-000123\r\n]C0ABC123\r\n",
    );
    write(
        "scanner_lines",
        "stx-etx-cr",
        "\x00\x02二维码123\x03\r".as_bytes(),
    );
    write("scanner_lines", "idle", b"\x04110101199003071233");
}

fn printer_status() {
    // Queries for statuses 1..4 and their replies, then an ASB message.
    write(
        "printer_status",
        "replies",
        &[
            0xF9, 0xFA, 0xFB, 0xFC, 0x12, 0x16, 0x12, 0x72, 0x10, 0x00, 0x0C, 0x00, 0xF8, 0x12,
        ],
    );
}

fn escpos() {
    let data: ReceiptData =
        serde_json::from_str(&read("docs/receipts/sample-receipt.json")).expect("receipt JSON");
    for (paper, cfg) in [(PaperWidth::Mm58, 0u8), (PaperWidth::Mm80, 1)] {
        for qr in [QrMode::Native, QrMode::Raster] {
            let mut seed = vec![cfg | 0x40];
            seed.extend_from_slice(&encode(&build(&data, paper), Model { qr }));
            write("escpos", &format!("receipt-{}-{qr:?}", paper.dots()), &seed);
        }
    }
}

fn manifest(sizes: &[usize]) -> CaseManifest {
    CaseManifest {
        theme: "open-restaurant".into(),
        submitted_at: NOW,
        answers: BTreeMap::from([("seats".into(), "lt50".into())]),
        applicant: Applicant {
            name: "张试民".into(),
            id_number: "110101199003071233".into(),
        },
        form: BTreeMap::from([("shop_name".into(), "样例饭店".into())]),
        signature: None,
        rating: Some(5),
        owed: Vec::new(),
        attachments: sizes
            .iter()
            .enumerate()
            .map(|(i, s)| AttachmentDecl {
                index: i as u32,
                name: format!("m{i}"),
                pages: 1,
                size: *s as u64,
                sha256: "0".repeat(64),
            })
            .collect(),
    }
}

fn usb_export() {
    let recipient = PublicKey::from(&keys::export_secret());
    let mut w = ExportWriter::new(
        Vec::new(),
        &keys::device_key(),
        recipient.as_bytes(),
        "kiosk-0001",
        "样例乡",
        NOW,
        2,
    )
    .expect("writer");
    w.add_case(
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        &manifest(&[40, 3]),
        &[vec![7u8; 40], vec![1, 2, 3]],
    )
    .expect("case");
    w.add_case("7c9e6679-7425-40de-944b-e07fc1f90ae7", &manifest(&[]), &[])
        .expect("case");
    write("usb_export", "two-cases", &w.finish().expect("finish"));
}

fn catalog_sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for rel in [
        "catalog/departments.toml",
        "catalog/materials.toml",
        "catalog/fields.toml",
        "catalog/items.toml",
        "catalog/themes/open-restaurant.toml",
        "catalog/themes/newborn.toml",
        "catalog/calendar/cn-2026.toml",
    ] {
        files.push((rel.trim_start_matches("catalog/").to_owned(), read(rel)));
    }
    files
}

fn signed_envelope() {
    let env = bundle::seal(&keys::catalog_key(), b"{\"hello\":1}");
    write(
        "signed_envelope",
        "sealed",
        &serde_json::to_vec(&env).expect("json"),
    );
}

fn catalog_bundle() {
    let files: Vec<(String, Vec<u8>)> = catalog_sources()
        .into_iter()
        .filter(|(p, _)| p.starts_with("themes/") || p.starts_with("calendar/"))
        .map(|(p, t)| (p, t.into_bytes()))
        .collect();
    // Published a day before NOW, valid for thirty days after it.
    let day = 24 * 3_600_000;
    let signed = bundle::sign_catalog(
        &keys::catalog_key(),
        3,
        NOW - day,
        NOW + 30 * day,
        &files,
        &[],
    )
    .expect("sign");
    let mut seed = vec![0u8];
    seed.extend_from_slice(&signed);
    write("catalog_bundle", "signed", &seed);
    // The same files as a bare payload (byte 0 bit 0: sealed by the target).
    let env: bundle::Envelope = serde_json::from_slice(&signed).expect("envelope");
    let mut seed = vec![1u8 | 2 | (2 << 2)];
    seed.extend_from_slice(&auth::unb64(&env.payload).expect("payload"));
    write("catalog_bundle", "payload", &seed);
}

fn catalog_load() {
    let files = catalog_sources();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write("catalog_load", "sample", &join_files(&refs));
    for (p, t) in &refs {
        write("catalog_load", &p.replace('/', "-"), &join_files(&[(p, t)]));
    }
}

fn central_request() {
    let key = keys::device_key();
    let signed = |method: &str, path: &str, body: &[u8], extra: &[(&str, &str)]| {
        let owned: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let auth = auth::auth_headers(&key, "kiosk-0001", method, path, NOW, &owned, body);
        let mut headers: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
        headers.extend_from_slice(extra);
        request(&format!("{method} {path}"), &headers, body)
    };
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let m = serde_json::to_vec(&manifest(&[3])).expect("json");
    write(
        "central_request",
        "create",
        &signed("PUT", &format!("/v1/cases/{id}"), &m, &[]),
    );
    let chunk = b"abc";
    let sum = format!("sha256 {}", b64(&sha256(chunk)));
    write(
        "central_request",
        "patch",
        &signed(
            "PATCH",
            &format!("/v1/cases/{id}/attachments/0"),
            chunk,
            &[
                (header::TUS_RESUMABLE, "1.0.0"),
                ("content-type", header::OFFSET_CONTENT_TYPE),
                (header::UPLOAD_OFFSET, "0"),
                (header::UPLOAD_CHECKSUM, &sum),
            ],
        ),
    );
    let hb = serde_json::to_vec(&Heartbeat {
        app_version: "0.1.0".into(),
        devices: BTreeMap::from([("printer".into(), "ok".into())]),
        queue_depth: 2,
        disk_free_bytes: 1 << 30,
        catalog_version: Some(3),
        ..Heartbeat::default()
    })
    .expect("json");
    write(
        "central_request",
        "heartbeat",
        &signed("POST", "/v1/heartbeat", &hb, &[]),
    );
    write(
        "central_request",
        "status",
        &signed("GET", "/v1/status?after=17", b"", &[]),
    );
    let dk = auth::public_b64(&key);
    let enroll = serde_json::json!({
        "code_id": auth::code_id("ABCD-EFGH-JKMN-PQRS"),
        "device_key": dk,
        "proof": auth::enroll_proof("ABCD-EFGH-JKMN-PQRS", "00", &dk),
        "app_version": "0.1.0",
    });
    write(
        "central_request",
        "enroll",
        &request("POST /v1/enroll", &[], enroll.to_string().as_bytes()),
    );
}

fn sha256(b: &[u8]) -> Vec<u8> {
    let hex = onevisit_sync::sha256_hex(b);
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect()
}

fn main() {
    sam_frames();
    mrz_parse();
    scanner_lines();
    printer_status();
    escpos();
    usb_export();
    signed_envelope();
    catalog_bundle();
    catalog_load();
    central_request();
    println!(
        "seeds written under {}",
        root().join("fuzz/corpus").display()
    );
}
