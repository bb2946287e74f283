//! The engine against an in-memory model of the central system, with faults injected at
//! every request: whatever is lost, every case arrives exactly once, all of it.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::*;
use crate::proto::{CaseReceipt, HeartbeatReply, IntakeState, StatusPage, UploadState};

#[derive(Default)]
struct Model {
    /// Attachment lengths of the cases the kiosk has.
    lengths: HashMap<String, Vec<u64>>,
    cases: BTreeMap<String, (String, Vec<u64>, bool)>,
    creates: u32,
    commits_applied: u32,
    status: Vec<StatusChange>,
    catalog: Option<u64>,
}

impl Model {
    fn receipt(&self, id: &str) -> Reply {
        let (number, offsets, committed) = &self.cases[id];
        let r = CaseReceipt {
            case_number: number.clone(),
            state: if *committed {
                IntakeState::Committed
            } else {
                IntakeState::Receiving
            },
            attachments: offsets
                .iter()
                .zip(&self.lengths[id])
                .enumerate()
                .map(|(i, (o, l))| UploadState {
                    index: i as u32,
                    offset: *o,
                    length: *l,
                })
                .collect(),
        };
        Reply {
            status: 200,
            body: serde_json::to_vec(&r).unwrap(),
            ..Reply::default()
        }
    }

    fn apply(&mut self, r: &Request) -> Reply {
        match r {
            Request::Heartbeat => Reply {
                status: 200,
                body: serde_json::to_vec(&HeartbeatReply {
                    server_time: 0,
                    catalog_version: self.catalog,
                    status_seq: self.status.last().map_or(0, |s| s.seq),
                    ..HeartbeatReply::default()
                })
                .unwrap(),
                ..Reply::default()
            },
            Request::Create { case_id } => {
                if !self.cases.contains_key(case_id) {
                    self.creates += 1;
                    let n = format!("C{}", self.creates);
                    let zeros = vec![0; self.lengths[case_id].len()];
                    self.cases.insert(case_id.clone(), (n, zeros, false));
                }
                self.receipt(case_id)
            }
            Request::Head { case_id, index } => match self.cases.get(case_id) {
                Some((_, offsets, _)) => Reply {
                    status: 200,
                    upload_offset: Some(offsets[*index as usize]),
                    ..Reply::default()
                },
                None => Reply::new(404),
            },
            Request::Patch {
                case_id,
                index,
                offset,
                len,
                ..
            } => {
                let Some((_, offsets, _)) = self.cases.get_mut(case_id) else {
                    return Reply::new(404);
                };
                let cur = &mut offsets[*index as usize];
                if *cur != *offset {
                    return Reply {
                        status: 409,
                        upload_offset: Some(*cur),
                        ..Reply::default()
                    };
                }
                assert!(*offset + *len <= self.lengths[case_id][*index as usize]);
                *cur += len;
                Reply {
                    status: 204,
                    upload_offset: Some(*cur),
                    ..Reply::default()
                }
            }
            Request::Commit { case_id } => {
                let lengths = self.lengths[case_id].clone();
                let Some((_, offsets, committed)) = self.cases.get_mut(case_id) else {
                    return Reply::new(404);
                };
                if *offsets != lengths {
                    return Reply::new(409);
                }
                if !*committed {
                    self.commits_applied += 1;
                }
                *committed = true;
                self.receipt(case_id)
            }
            Request::Status { after } => {
                let changes: Vec<_> = self
                    .status
                    .iter()
                    .filter(|s| s.seq > *after)
                    .take(2)
                    .cloned()
                    .collect();
                let more = self.status.iter().filter(|s| s.seq > *after).count() > 2;
                Reply {
                    status: 200,
                    body: serde_json::to_vec(&StatusPage { changes, more }).unwrap(),
                    ..Reply::default()
                }
            }
            Request::Catalog { version } => Reply {
                status: 200,
                body: format!("bundle {version}").into_bytes(),
                ..Reply::default()
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    /// Lost before the server saw it.
    Cut,
    /// The server did it; the reply was lost.
    LoseReply,
    Unavailable,
}

struct Run {
    acked: Vec<(String, String)>,
    statuses: Vec<u64>,
    catalogs: Vec<u64>,
    now: Millis,
}

fn drive(engine: &mut Engine, model: &mut Model, mut fault: impl FnMut(&Request) -> Fault) -> Run {
    let mut run = Run {
        acked: Vec::new(),
        statuses: Vec::new(),
        catalogs: Vec::new(),
        now: 1_000_000,
    };
    for _ in 0..100_000 {
        match engine.poll_action(run.now) {
            Action::Done => return run,
            Action::WaitUntil(t) => {
                assert!(t > run.now, "waits must move time forward");
                run.now = t;
            }
            Action::Send(r) => {
                run.now += 10;
                let result = match fault(&r) {
                    Fault::None => Ok(model.apply(&r)),
                    Fault::Cut => Err(Failure::Transport("connection reset".into())),
                    Fault::LoseReply => {
                        model.apply(&r);
                        Err(Failure::Transport("reply truncated".into()))
                    }
                    Fault::Unavailable => Ok(Reply {
                        status: 503,
                        retry_after_ms: Some(2_000),
                        ..Reply::default()
                    }),
                };
                for e in engine.handle_reply(run.now, result) {
                    match e {
                        Effect::Acknowledged {
                            case_id,
                            case_number,
                        } => run.acked.push((case_id, case_number)),
                        Effect::StatusChanges(c) => run.statuses.extend(c.iter().map(|c| c.seq)),
                        Effect::Catalog { version, .. } => {
                            run.catalogs.push(version);
                            engine.catalog_result(version, true);
                        }
                        Effect::Retrying { .. } | Effect::ServerTime(_) => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
            }
        }
    }
    panic!("the engine did not finish");
}

fn once() -> Config {
    Config {
        chunk_size: 1000,
        once: Some(1000),
        ..Config::default()
    }
}

fn status(seq: u64) -> StatusChange {
    StatusChange {
        seq,
        case_id: "x".into(),
        case_number: "C1".into(),
        status: crate::proto::CaseStatus::InReview,
        reason: None,
        at: 0,
    }
}

#[test]
fn clean_link_delivers_everything_in_order_with_minimal_requests() {
    let mut model = Model::default();
    model.lengths.insert("a".into(), vec![2500, 0]);
    model.lengths.insert("b".into(), vec![]);
    model.status = vec![status(1), status(2), status(3)];
    model.catalog = Some(7);
    let mut e = Engine::new(once(), 1, 0, Some(6));
    e.enqueue("a");
    e.enqueue("b");
    e.enqueue("a");
    let run = drive(&mut e, &mut model, |_| Fault::None);
    assert_eq!(
        run.acked,
        vec![("a".into(), "C1".into()), ("b".into(), "C2".into())]
    );
    assert_eq!(run.statuses, vec![1, 2, 3]);
    assert_eq!(run.catalogs, vec![7]);
    let s = e.stats();
    // heartbeat, a: create + 3 patches + commit, b: create + commit, 2 status pages, catalog.
    assert_eq!(s.requests, 1 + 5 + 2 + 2 + 1);
    assert_eq!((s.bytes_sent, s.bytes_resent, s.failures), (2500, 0, 0));
}

#[test]
fn a_lost_commit_reply_is_asked_again_and_the_case_is_not_duplicated() {
    let mut model = Model::default();
    model.lengths.insert("a".into(), vec![10]);
    let mut e = Engine::new(once(), 1, 0, None);
    e.enqueue("a");
    let mut lost = false;
    let run = drive(&mut e, &mut model, |r| match r {
        Request::Commit { .. } if !lost => {
            lost = true;
            Fault::LoseReply
        }
        _ => Fault::None,
    });
    assert_eq!(run.acked, vec![("a".into(), "C1".into())]);
    assert_eq!((model.creates, model.commits_applied), (1, 1));
}

#[test]
fn a_cut_mid_chunk_resumes_from_the_servers_offset_with_head() {
    let mut model = Model::default();
    model.lengths.insert("a".into(), vec![5000]);
    let mut e = Engine::new(once(), 1, 0, None);
    e.enqueue("a");
    let mut n = 0;
    let mut seen = Vec::new();
    let run = drive(&mut e, &mut model, |r| {
        seen.push(r.clone());
        if let Request::Patch { offset: 2000, .. } = r {
            n += 1;
            if n == 1 {
                return Fault::Cut;
            }
        }
        Fault::None
    });
    assert_eq!(run.acked.len(), 1);
    assert!(seen.contains(&Request::Head {
        case_id: "a".into(),
        index: 0
    }));
    assert_eq!(e.stats().bytes_resent, 1000, "exactly the chunk in flight");
}

#[test]
fn a_lost_patch_reply_costs_no_bytes() {
    let mut model = Model::default();
    model.lengths.insert("a".into(), vec![3000]);
    let mut e = Engine::new(once(), 1, 0, None);
    e.enqueue("a");
    let run = drive(&mut e, &mut model, |r| match r {
        Request::Patch { offset: 1000, .. } => Fault::LoseReply,
        _ => Fault::None,
    });
    assert_eq!(run.acked.len(), 1);
    assert_eq!(e.stats().bytes_resent, 0);
    assert_eq!(e.stats().bytes_sent, 3000);
}

#[test]
fn backoff_grows_with_jitter_and_honours_retry_after() {
    let mut e = Engine::new(Config::default(), 7, 0, None);
    let mut now = 0;
    let mut delays = Vec::new();
    for _ in 0..12 {
        let Action::Send(_) = e.poll_action(now) else {
            panic!()
        };
        e.handle_reply(now, Err(Failure::Transport("down".into())));
        let Action::WaitUntil(t) = e.poll_action(now) else {
            panic!()
        };
        delays.push(t - now);
        now = t;
    }
    // A lost link is tried again at once the first time; then the backoff grows.
    assert!(delays[0] <= 50, "first retry after {} ms", delays[0]);
    for (i, d) in delays.iter().enumerate().skip(1) {
        let exp = (500i64 << i).min(300_000);
        assert!(*d >= exp / 2 && *d <= exp, "delay {i}: {d} for {exp}");
    }
    let Action::Send(_) = e.poll_action(now) else {
        panic!()
    };
    e.handle_reply(
        now,
        Ok(Reply {
            status: 503,
            retry_after_ms: Some(600_000),
            ..Reply::default()
        }),
    );
    assert_eq!(e.poll_action(now), Action::WaitUntil(now + 600_000));
}

#[test]
fn sync_now_ends_the_backoff() {
    let mut e = Engine::new(Config::default(), 7, 0, None);
    let mut now = 0;
    for _ in 0..8 {
        let Action::Send(_) = e.poll_action(now) else {
            panic!()
        };
        e.handle_reply(now, Err(Failure::Transport("down".into())));
        let Action::WaitUntil(t) = e.poll_action(now) else {
            panic!()
        };
        now = t;
    }
    let Action::Send(_) = e.poll_action(now) else {
        panic!()
    };
    e.handle_reply(now, Err(Failure::Transport("down".into())));
    let Action::WaitUntil(t) = e.poll_action(now) else {
        panic!()
    };
    assert!(
        t > now + 10_000,
        "a long wait after eight failures: {}",
        t - now
    );
    e.handle_sync_now(now);
    assert!(
        matches!(e.poll_action(now), Action::Send(_)),
        "a technician does not wait"
    );
}

#[test]
fn refused_case_does_not_block_the_queue() {
    let mut model = Model::default();
    model.lengths.insert("bad".into(), vec![]);
    model.lengths.insert("good".into(), vec![]);
    let mut e = Engine::new(once(), 1, 0, None);
    e.enqueue("bad");
    e.enqueue("good");
    let mut refused = Vec::new();
    let mut now = 0;
    loop {
        match e.poll_action(now) {
            Action::Done => break,
            Action::WaitUntil(t) => now = t,
            Action::Send(r) => {
                let reply = match &r {
                    Request::Create { case_id } if case_id == "bad" => Reply {
                        status: 422,
                        body: br#"{"error":"invalid_case","message":"theme unknown"}"#.to_vec(),
                        ..Reply::default()
                    },
                    _ => model.apply(&r),
                };
                for fx in e.handle_reply(now, Ok(reply)) {
                    if let Effect::Refused { case_id, reason } = fx {
                        refused.push((case_id, reason));
                    }
                }
            }
        }
    }
    assert_eq!(refused, vec![("bad".into(), "theme unknown".into())]);
    assert_eq!(e.stats().acknowledged, 1);
}

#[test]
fn a_case_the_store_cannot_read_is_set_aside_not_blamed_on_the_central_system() {
    let mut model = Model::default();
    model.lengths.insert("damaged".into(), vec![10]);
    model.lengths.insert("good".into(), vec![10]);
    let mut e = Engine::new(once(), 1, 0, None);
    e.enqueue("damaged");
    e.enqueue("good");
    let (mut unreadable, mut refused) = (Vec::new(), 0);
    let mut now = 0;
    loop {
        match e.poll_action(now) {
            Action::Done => break,
            Action::WaitUntil(t) => now = t,
            Action::Send(r) => {
                let result = match &r {
                    // The driver could not read the case: nothing reached the central system.
                    Request::Create { case_id } if case_id == "damaged" => Err(Failure::Store(
                        "cannot read an attachment: file missing".into(),
                    )),
                    _ => Ok(model.apply(&r)),
                };
                for fx in e.handle_reply(now, result) {
                    match fx {
                        Effect::Unreadable { case_id, reason } => {
                            unreadable.push((case_id, reason))
                        }
                        Effect::Refused { .. } => refused += 1,
                        _ => {}
                    }
                }
            }
        }
    }
    assert_eq!(
        unreadable,
        vec![(
            "damaged".into(),
            "cannot read an attachment: file missing".into()
        )]
    );
    assert_eq!(refused, 0, "the central system refused nothing");
    assert_eq!((e.stats().acknowledged, e.stats().unreadable), (1, 1));
    assert!(
        !model.cases.contains_key("damaged"),
        "nothing was sent for it"
    );
}

#[test]
fn revoked_device_stops() {
    let mut e = Engine::new(Config::default(), 1, 0, None);
    let Action::Send(_) = e.poll_action(0) else {
        panic!()
    };
    let fx = e.handle_reply(
        0,
        Ok(Reply {
            status: 403,
            body: br#"{"error":"device_revoked","message":"this kiosk was revoked"}"#.to_vec(),
            ..Reply::default()
        }),
    );
    assert_eq!(
        fx,
        vec![Effect::Revoked {
            reason: "this kiosk was revoked".into()
        }]
    );
    assert_eq!(e.poll_action(10), Action::Done);
}

#[test]
fn once_mode_gives_up_when_the_central_system_is_unreachable() {
    let mut model = Model::default();
    model.lengths.insert("a".into(), vec![]);
    let mut e = Engine::new(
        Config {
            once: Some(5),
            ..Config::default()
        },
        1,
        0,
        None,
    );
    e.enqueue("a");
    let run = drive(&mut e, &mut model, |_| Fault::Cut);
    assert!(run.acked.is_empty());
    assert!(e.stats().gave_up);
    assert_eq!(e.stats().failures, 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn every_case_arrives_exactly_once_whatever_is_lost(
        sizes in prop::collection::vec(prop::collection::vec(0u64..6000, 0..3), 1..5),
        fail_percent in 0u64..80,
        seed in any::<u64>(),
    ) {
        let mut model = Model::default();
        let mut e = Engine::new(once(), seed, 0, None);
        for (i, s) in sizes.iter().enumerate() {
            let id = format!("case-{i}");
            model.lengths.insert(id.clone(), s.clone());
            e.enqueue(&id);
        }
        let mut rng = seed | 1;
        let run = drive(&mut e, &mut model, |_| {
            rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let r = (rng >> 33) % 100;
            if r >= fail_percent {
                Fault::None
            } else {
                match r % 3 {
                    0 => Fault::Cut,
                    1 => Fault::LoseReply,
                    _ => Fault::Unavailable,
                }
            }
        });
        {
            let mut ids: Vec<_> = run.acked.iter().map(|(c, _)| c.clone()).collect();
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), run.acked.len(), "acknowledged twice");
            prop_assert_eq!(run.acked.len(), sizes.len());
            for (id, number) in &run.acked {
                let (n, offsets, committed) = &model.cases[id];
                prop_assert_eq!(n, number);
                prop_assert!(*committed);
                prop_assert_eq!(offsets, &model.lengths[id]);
            }
            prop_assert_eq!(model.creates as usize, sizes.len());
            let s = e.stats();
            prop_assert!(s.bytes_resent <= s.failures * 1000);
        }
    }
}

/// An engine with 64 KiB chunks past heartbeat and create, at time 0: case "a" is being
/// received, its one attachment of 100,000 bytes at offset 0.
fn receiving_one_attachment() -> Engine {
    let cfg = Config {
        chunk_size: 65_536,
        ..Config::default()
    };
    let mut e = Engine::new(cfg, 7, 0, None);
    e.enqueue("a");
    let now = 0;
    let Action::Send(Request::Heartbeat) = e.poll_action(now) else {
        panic!()
    };
    e.handle_reply(
        now,
        Ok(Reply {
            status: 200,
            body: serde_json::to_vec(&HeartbeatReply::default()).unwrap(),
            ..Reply::default()
        }),
    );
    let Action::Send(Request::Create { .. }) = e.poll_action(now) else {
        panic!()
    };
    e.handle_reply(
        now,
        Ok(Reply {
            status: 201,
            body: serde_json::to_vec(&CaseReceipt {
                case_number: "2026-000001".into(),
                state: IntakeState::Receiving,
                attachments: vec![UploadState {
                    index: 0,
                    offset: 0,
                    length: 100_000,
                }],
            })
            .unwrap(),
            ..Reply::default()
        }),
    );
    e
}

#[test]
fn bytes_the_server_kept_from_a_cut_chunk_are_not_sent_again() {
    let mut e = receiving_one_attachment();
    let now = 0;
    let Action::Send(first) = e.poll_action(now) else {
        panic!()
    };
    assert!(matches!(
        first,
        Request::Patch {
            offset: 0,
            len: 65_536,
            staged: 0,
            ..
        }
    ));
    // Cut after 40 000 bytes; the server kept them.
    e.handle_reply(now, Err(Failure::Transport("cut".into())));
    let Action::WaitUntil(t) = e.poll_action(now) else {
        panic!()
    };
    let Action::Send(Request::Head { .. }) = e.poll_action(t) else {
        panic!()
    };
    e.handle_reply(
        t,
        Ok(Reply {
            status: 200,
            upload_offset: Some(0),
            upload_staged: Some(40_000),
            ..Reply::default()
        }),
    );
    let Action::Send(next) = e.poll_action(t) else {
        panic!()
    };
    assert_eq!(
        next,
        Request::Patch {
            case_id: "a".into(),
            index: 0,
            offset: 0,
            len: 65_536,
            staged: 40_000
        }
    );
    e.handle_reply(
        t,
        Ok(Reply {
            status: 204,
            upload_offset: Some(65_536),
            ..Reply::default()
        }),
    );
    // The kept bytes were not sent again; the rest went once.
    assert_eq!((e.stats().bytes_sent, e.stats().bytes_resent), (65_536, 0));
    let Action::Send(Request::Patch {
        offset: 65_536,
        staged: 0,
        len: 34_464,
        ..
    }) = e.poll_action(t)
    else {
        panic!()
    };
}

/// On a link cut more often than a chunk can cross, the offset stands still while the kept
/// part grows: that is progress, so the kiosk keeps coming back at once.
#[test]
fn kept_bytes_growing_count_as_progress() {
    let mut e = receiving_one_attachment();
    let mut now = 0;
    for kept in [20_000u64, 40_000, 60_000] {
        let Action::Send(Request::Patch { .. }) = e.poll_action(now) else {
            panic!()
        };
        e.handle_reply(now, Err(Failure::Transport("cut".into())));
        let t = match e.poll_action(now) {
            Action::WaitUntil(t) => t,
            a => panic!("{a:?}"),
        };
        assert!(
            t - now <= 50,
            "back at once after a cut with progress: {} ms",
            t - now
        );
        now = t;
        let Action::Send(Request::Head { .. }) = e.poll_action(now) else {
            panic!()
        };
        e.handle_reply(
            now,
            Ok(Reply {
                status: 200,
                upload_offset: Some(0),
                upload_staged: Some(kept),
                ..Reply::default()
            }),
        );
    }
    let Action::Send(Request::Patch {
        staged: 60_000,
        len: 65_536,
        ..
    }) = e.poll_action(now)
    else {
        panic!()
    };
}
