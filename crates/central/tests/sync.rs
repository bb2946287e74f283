//! Kiosk and central system for real on 127.0.0.1, with a fault-injecting proxy between them.

mod common;

use std::time::{Duration, Instant};

use common::*;
use onevisit_netsim::{Config, Fault, Rule};
use onevisit_store::SyncState;
use onevisit_sync::driver::SyncOptions;

#[test]
fn clean_link_delivers_every_case_once_and_status_comes_back() {
    let w = World::new();
    let ids = w.add_cases(&[&[300_000, 10], &[], &[70_000]]);
    let r = w.sync_once();
    assert_eq!(r.delivered.len(), 3, "{r:?}");
    assert_eq!((r.stats.failures, r.stats.bytes_resent), (0, 0));
    assert_delivered_exactly_once(&w, &ids);
    // Nothing twice: a second run sends nothing and the central system still has three.
    let again = w.sync_once();
    assert!(again.delivered.is_empty());
    assert_eq!(w.central_cases().len(), 3);

    // An officer decides; the kiosk learns it at the next sync.
    let mut conn = onevisit_central::db::open(&common::location(w.central_dir.path())).unwrap();
    let number = w.store().get(&ids[0]).unwrap().central_number.unwrap();
    onevisit_central::admin::set_status(
        &mut conn,
        &number,
        "rejected",
        Some("缺少租赁合同"),
        5,
        "officer",
    )
    .unwrap();
    onevisit_central::admin::set_status(&mut conn, &ids[1], "ready_for_pickup", None, 6, "officer")
        .unwrap();
    let r = w.sync_once();
    assert!(r.status_updates >= 2);
    let s = w.store();
    let c0 = s.get(&ids[0]).unwrap();
    assert_eq!(c0.remote_status.as_deref(), Some("rejected"));
    assert_eq!(c0.remote_reason.as_deref(), Some("缺少租赁合同"));
    assert_eq!(
        s.get(&ids[1]).unwrap().remote_status.as_deref(),
        Some("ready_for_pickup")
    );
    assert_eq!(
        s.get(&ids[2]).unwrap().remote_status.as_deref(),
        Some("received")
    );

    // The heartbeat reached the county.
    let devices = onevisit_central::admin::devices(&conn).unwrap();
    let hb = devices[0].heartbeat.as_ref().unwrap();
    assert_eq!(hb["queue_depth"], 0);
    assert!(hb["disk_free_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn every_fault_the_link_can_produce_still_gives_exactly_once() {
    let w = World::new();
    let ids = w.add_cases(&[&[200_000, 90_000], &[150_000], &[], &[5]]);
    let p = w.proxy(Config {
        unavailable_every: Some(9),
        ..Config::default()
    });
    for (method, path, nth, fault) in [
        (Some("PUT"), None, 1, Fault::Status(503)),
        (Some("PUT"), None, 3, Fault::DropReply),
        (Some("PATCH"), None, 2, Fault::CutRequestAfter(20_000)),
        (Some("PATCH"), None, 3, Fault::TruncateReply),
        (Some("PATCH"), None, 5, Fault::DropReply),
        (Some("PATCH"), None, 6, Fault::Status(500)),
        (
            Some("PATCH"),
            None,
            8,
            Fault::Delay(Duration::from_millis(300)),
        ),
        (Some("HEAD"), None, 1, Fault::DropReply),
        // The server commits, the kiosk never hears: it must ask again, not duplicate.
        (Some("POST"), Some("/commit"), 1, Fault::DropReply),
        (Some("POST"), Some("/commit"), 3, Fault::TruncateReply),
        (Some("POST"), Some("/heartbeat"), 1, Fault::Status(502)),
    ] {
        p.add_rule(Rule::new(method, path, nth, fault));
    }
    let mut delivered = 0;
    for _ in 0..5 {
        delivered += w.sync_once().delivered.len();
        if w.store().pending().unwrap().is_empty() {
            break;
        }
    }
    assert_eq!(delivered, 4);
    assert!(
        p.get(|c| &c.faults) >= 10,
        "faults injected: {}",
        p.get(|c| &c.faults)
    );
    assert_delivered_exactly_once(&w, &ids);
}

#[test]
fn cuts_every_few_hundred_milliseconds_resend_at_most_one_chunk_each() {
    let w = World::new();
    let ids = w.add_cases(&[&[600_000], &[400_000]]);
    let p = w.proxy(Config {
        rate: Some(1_000_000),
        cut_every: Some(Duration::from_millis(250)),
        ..Config::default()
    });
    let mut opts = SyncOptions::new("test", true);
    opts.config.chunk_size = 32 * 1024;
    opts.config.once = Some(50);
    let r = w.sync_with(opts);
    assert_eq!(r.delivered.len(), 2, "{r:?}");
    assert_delivered_exactly_once(&w, &ids);
    let cuts = p.get(|c| &c.cuts);
    let resent = p.get(|c| &c.patch_body_bytes).saturating_sub(1_000_000);
    assert!(cuts >= 2, "cuts: {cuts}");
    assert!(
        resent <= cuts * 32 * 1024,
        "{resent} bytes sent again over {cuts} cuts"
    );
}

/// Cut in the middle of every chunk: the server keeps what crossed (`Upload-Staged`) and the
/// kiosk sends only the rest, so a cut costs next to nothing, not the chunk.
#[test]
fn a_chunk_cut_half_way_is_not_sent_again() {
    let w = World::new();
    let ids = w.add_cases(&[&[1_000_000]]);
    let p = w.proxy(Config {
        rate: Some(200_000),
        cut_every: Some(Duration::from_millis(700)),
        ..Config::default()
    });
    let mut opts = SyncOptions::new("test", true);
    // 1.3 s per chunk on this link: every cut falls inside one.
    opts.config.chunk_size = 256 * 1024;
    opts.config.once = Some(50);
    let r = w.sync_with(opts);
    assert_eq!(r.delivered.len(), 1, "{r:?}");
    assert_delivered_exactly_once(&w, &ids);
    let cuts = p.get(|c| &c.cuts);
    let resent = p.get(|c| &c.patch_body_bytes).saturating_sub(1_000_000);
    assert!(cuts >= 4, "cuts: {cuts}");
    // What was in the proxy's and sockets' buffers at the cut, not a chunk.
    assert!(
        resent <= cuts * 16 * 1024,
        "{resent} bytes sent again over {cuts} cuts"
    );
    assert!(r.stats.bytes_resent <= cuts * 16 * 1024, "{:?}", r.stats);
}

#[test]
fn a_kiosk_restart_mid_upload_resumes_where_it_stopped() {
    let w = World::new();
    let ids = w.add_cases(&[&[1_500_000]]);
    let p = w.proxy(Config {
        rate: Some(400_000),
        ..Config::default()
    });
    // "Power cut": the sync future is dropped mid-request, as a killed process would be.
    let opts = SyncOptions::new("test", true);
    let s = onevisit_sync::driver::Syncer::open(w.kiosk_dir.path(), opts).unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    // Cut once the central system has a good part of the attachment (observed, not timed:
    // a slow machine just takes longer to get there).
    let deadline = Instant::now() + Duration::from_secs(120);
    let received = || {
        w.central_cases()
            .first()
            .and_then(|c| c.attachments.first())
            .map_or(0, |a| a.received)
    };
    let cut = rt().block_on(async {
        let progress = async {
            while received() <= 200_000 {
                assert!(Instant::now() < deadline, "the upload never got going");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::select! {
            r = s.run(rx) => Some(r),
            () = progress => None,
        }
    });
    assert!(cut.is_none(), "the upload should still be running: {cut:?}");
    let before = w.central_cases()[0].attachments[0].received;
    assert!(
        before > 200_000 && before < 1_500_000,
        "received before the restart: {before}"
    );
    assert_eq!(
        w.store().get(&ids[0]).unwrap().summary.state,
        SyncState::Uploading
    );

    let sent_before = p.get(|c| &c.patch_body_bytes);
    let r = w.sync_once();
    assert_eq!(r.delivered.len(), 1);
    let sent_after = p.get(|c| &c.patch_body_bytes) - sent_before;
    // Resumed: only what the server did not have (plus at most the chunk cut by the restart).
    assert!(
        sent_after <= 1_500_000 - before + onevisit_sync::engine::Config::default().chunk_size,
        "sent {sent_after} after the restart; server had {before}"
    );
    assert_delivered_exactly_once(&w, &ids);
}

#[test]
fn connections_that_die_after_a_few_kilobytes_still_deliver_everything() {
    let w = World::new();
    let ids = w.add_cases(&[&[250_000, 1_000], &[80_000]]);
    let p = w.proxy(Config {
        cut_after_bytes: Some(90_000),
        latency: Some(Duration::from_millis(5)),
        ..Config::default()
    });
    let mut opts = SyncOptions::new("test", true);
    opts.config.once = Some(50);
    let r = w.sync_with(opts);
    assert_eq!(r.delivered.len(), 2, "{r:?}");
    assert!(
        p.get(|c| &c.connections) >= 4,
        "each connection carried at most 90 kB"
    );
    // Each reconnect resumed the TLS session: no certificate over the link again.
    assert!(r.connections >= 4, "{r:?}");
    assert_eq!(r.resumed, r.connections - 1, "{r:?}");
    assert_delivered_exactly_once(&w, &ids);
}

#[test]
fn the_central_system_lets_a_kiosk_resume_its_tls_session() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let w = World::new();
    let config = common::client::any_cert();
    let kinds = rt().block_on(async {
        let mut kinds = Vec::new();
        for _ in 0..3 {
            let mut tls = common::client::tls_with(&config, w.central.addr)
                .await
                .unwrap();
            // The server sends its session tickets after the handshake; a request and its
            // answer make sure they have arrived before the connection closes.
            tls.write_all(b"GET /v1/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut reply = Vec::new();
            let _ = tls.read_to_end(&mut reply).await;
            assert!(
                reply.starts_with(b"HTTP/1.1 200"),
                "{}",
                String::from_utf8_lossy(&reply)
            );
            kinds.push(tls.get_ref().1.handshake_kind());
        }
        kinds
    });
    assert_eq!(
        kinds,
        [
            Some(rustls::HandshakeKind::Full),
            Some(rustls::HandshakeKind::Resumed),
            Some(rustls::HandshakeKind::Resumed)
        ]
    );
}

#[test]
fn personal_data_is_purged_once_delivered_and_retention_ends() {
    let w = World::new();
    let ids = w.add_cases(&[&[1_000]]);
    let mut opts = SyncOptions::new("test", true);
    opts.retention_ms = 0;
    assert_eq!(w.sync_with(opts.clone()).delivered.len(), 1);
    // The next run (here at once; on a kiosk after 7 days) purges it.
    w.sync_with(opts);
    let s = w.store();
    let c = s.get(&ids[0]).unwrap();
    assert_eq!(c.summary.state, SyncState::Purged);
    assert!(c.summary.applicant.is_none());
    assert!(s.attachment(&ids[0], 0).is_err());
    // The central system still has it.
    assert_eq!(w.central_cases()[0].state, "committed");
}
