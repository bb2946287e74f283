//! The window's inbox with 100,000 cases in the database: time for the whole page (TLS,
//! session, query, template) as the browser gets it, first page, a deep page, one theme.
//!
//! `cargo bench -p onevisit-central --bench inbox` (ONEVISIT_BENCH_CASES, default 100000).

use std::time::Instant;

use onevisit_sync::driver::http::{Endpoint, Link};

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[(v.len() - 1) * 99 / 100])
}

fn main() {
    let total: usize = std::env::var("ONEVISIT_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::TempDir::new().expect("tmp");
    let data = dir.path();
    let central = onevisit_central::spawn(data, "127.0.0.1:0").expect("central");
    let t = Instant::now();
    {
        let mut conn =
            onevisit_central::db::open(&onevisit_central::sql::Location::folder(data)).expect("db");
        let keys = onevisit_central::keys::Keys::load_or_create(data).expect("keys");
        let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
        onevisit_central::catalog::publish_dir(&conn, data, &keys, &catalog, 0, 365)
            .expect("catalog");
        onevisit_central::accounts::add(&conn, "窗口", "window", None, "bench-password", 0)
            .expect("officer");
        let tx = conn.transaction().expect("tx");
        tx.execute(
            "INSERT INTO devices (id, site, public_key, enrolled_at) VALUES ('d1', '城关镇', 'k', 0)",
            [],
        )
        .expect("device");
        let themes = [
            "open-restaurant",
            "open-fruit-shop",
            "open-hotel",
            "newborn",
            "retirement",
        ];
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO cases (id, number, device_id, site, theme, manifest, manifest_sha256,
                     state, submitted_at, received_at, committed_at, source)
                     VALUES (?1, ?2, 'd1', '城关镇便民服务中心', ?3, ?4, '', 'committed', ?5, ?5, ?5, 'online')",
                )
                .expect("insert");
            let mut work = tx
                .prepare(
                    "INSERT INTO case_work (case_id, stage, decided_by, decided_at) VALUES (?1, 'done', 'x', 0)",
                )
                .expect("work");
            let mut close = tx
                .prepare("UPDATE cases SET window_open = 0 WHERE id = ?1")
                .expect("close");
            for i in 0..total {
                let theme = themes[i % themes.len()];
                let manifest = serde_json::json!({
                    "theme": theme, "submitted_at": i, "answers": {"sells_tobacco": "no"},
                    "applicant": {"name": "测试甲", "id_number": "11010519491231002X"},
                    "form": {"shop_name": format!("测试饭店{i}"), "phone": "13800138000"},
                    "attachments": []
                })
                .to_string();
                let id = format!("{i:08x}-0000-4000-8000-000000000000");
                let at = 1_764_000_000_000i64 + i as i64 * 60_000;
                ins.execute(onevisit_central::params![
                    id,
                    format!("2026-{i:06}"),
                    theme,
                    manifest,
                    at
                ])
                .expect("case");
                // Four in five already decided: the inbox holds the rest.
                if i % 5 != 0 {
                    work.execute([&id]).expect("work");
                    close.execute([&id]).expect("close");
                }
            }
        }
        tx.commit().expect("commit");
    }
    println!(
        "{total} cases written in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let mut link = Link::new(
        Endpoint::parse(&central.url()).expect("url"),
        Some(central.fingerprint.clone()),
    );
    // Sign in as a browser does: the login form's token in a cookie and a field.
    let login = rt
        .block_on(link.send(
            "POST",
            "/login",
            &[
                ("cookie", "ov_login=abc".into()),
                ("content-type", "application/x-www-form-urlencoded".into()),
            ],
            "csrf=abc&username=%E7%AA%97%E5%8F%A3&password=bench-password".into(),
        ))
        .expect("login");
    let session = login
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("ov_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let pages = total.div_ceil(5).div_ceil(50);
    for (what, path) in [
        ("first page", "/inbox".to_owned()),
        ("a deep page", format!("/inbox?page={}", pages / 2)),
        (
            "one theme, deep",
            format!("/inbox?theme=open-restaurant&page={}", pages / 10),
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let r = rt
                .block_on(link.send(
                    "GET",
                    &path,
                    &[("cookie", format!("ov_session={session}"))],
                    Vec::new(),
                ))
                .expect("page");
            times.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        }
        let (p50, p99) = percentiles(times);
        println!("inbox, {what} ({path}): p50 {p50:.1} ms, p99 {p99:.1} ms");
    }
}
