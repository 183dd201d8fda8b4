//! The audit trail on both backends: appends chain per council, the database refuses updates
//! and deletes, and tampering by someone who can bypass that is found and named (R3, SEC-03).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use carepanel_store::audit::{self, NewEvent, VerifyError};
use carepanel_store::entity::council;
use carepanel_store::testing::{Backend, TestDb};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set, TransactionTrait};
use serde_json::json;

async fn council(db: &DatabaseConnection, id: &str) {
    council::ActiveModel {
        id: Set(id.into()),
        name: Set(format!("Council {id}")),
        policy_version: Set("1".into()),
        audit_seq: Set(0),
        audit_head: Set(audit::genesis()),
    }
    .insert(db)
    .await
    .unwrap();
}

async fn write(db: &DatabaseConnection, council: &str, n: usize) {
    for i in 0..n {
        let txn = db.begin().await.unwrap();
        audit::append(
            &txn,
            chrono::Utc::now(),
            NewEvent {
                council_id: council,
                actor_id: Some("u1"),
                action: "referral.create",
                entity: "referral",
                entity_id: &format!("r{i}"),
                detail: json!({"i": i, "note": "a <b> & \"c\""}),
            },
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }
}

async fn bypass_append_only(t: &TestDb) {
    let sql: &[&str] = match t.backend {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_event_no_update",
            "DROP TRIGGER audit_event_no_delete",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER audit_event_no_change ON audit_event",
            "DROP TRIGGER audit_event_no_truncate ON audit_event",
        ],
    };
    for s in sql {
        t.db.execute_unprepared(s).await.unwrap();
    }
}

#[tokio::test]
async fn sec_03_audit_chain_on_both_backends() {
    for backend in Backend::ALL {
        let t = TestDb::new(backend).await.unwrap();
        council(&t.db, "a").await;
        council(&t.db, "b").await;
        write(&t.db, "a", 5).await;
        write(&t.db, "b", 3).await;
        let ok = audit::verify(&t.db).await.unwrap();
        assert_eq!((ok.councils, ok.events), (2, 8), "{backend:?}");

        // The application cannot change or remove history.
        for sql in [
            "UPDATE audit_event SET detail = '{}' WHERE seq = 2",
            "DELETE FROM audit_event WHERE seq = 2",
        ] {
            let err = t.db.execute_unprepared(sql).await.unwrap_err();
            assert!(
                err.to_string().contains("append-only"),
                "{backend:?}: {err}"
            );
        }

        // Someone who bypasses that is still found out, at the right event.
        bypass_append_only(&t).await;
        t.db.execute_unprepared(
            "UPDATE audit_event SET detail = '{\"i\":99}' WHERE council_id = 'a' AND seq = 3",
        )
        .await
        .unwrap();
        match audit::verify(&t.db).await {
            Err(VerifyError::Broken(b)) => {
                assert_eq!((b.council_id.as_str(), b.seq), ("a", 3), "{backend:?}");
                assert!(b.to_string().contains("changed"), "{b}");
            }
            other => panic!("{backend:?}: tampering not found: {other:?}"),
        }
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn sec_03_truncation_and_deletion_are_found() {
    for backend in Backend::ALL {
        let t = TestDb::new(backend).await.unwrap();
        council(&t.db, "a").await;
        write(&t.db, "a", 6).await;
        bypass_append_only(&t).await;
        t.db.execute_unprepared("DELETE FROM audit_event WHERE seq = 6")
            .await
            .unwrap();
        let Err(VerifyError::Broken(b)) = audit::verify(&t.db).await else {
            panic!("{backend:?}: truncation not found");
        };
        assert_eq!(b.seq, 6, "{b}");
        t.db.execute_unprepared("DELETE FROM audit_event WHERE seq = 2")
            .await
            .unwrap();
        let Err(VerifyError::Broken(b)) = audit::verify(&t.db).await else {
            panic!("{backend:?}: deletion not found");
        };
        assert_eq!(b.seq, 2, "{b}");
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn concurrent_appends_from_two_instances_keep_one_chain() {
    for backend in Backend::ALL {
        let t = TestDb::new(backend).await.unwrap();
        council(&t.db, "a").await;
        let other = t.reconnect().await.unwrap();
        let mut tasks = Vec::new();
        for (n, db) in [t.db.clone(), other.clone()].into_iter().enumerate() {
            for k in 0..10 {
                let db = db.clone();
                tasks.push(tokio::spawn(async move {
                    let txn = db.begin().await.unwrap();
                    audit::append(
                        &txn,
                        chrono::Utc::now(),
                        NewEvent {
                            council_id: "a",
                            actor_id: None,
                            action: "test",
                            entity: "x",
                            entity_id: &format!("{n}-{k}"),
                            detail: json!({}),
                        },
                    )
                    .await
                    .unwrap();
                    txn.commit().await.unwrap();
                }));
            }
        }
        for task in tasks {
            task.await.unwrap();
        }
        let ok = audit::verify(&t.db).await.unwrap();
        assert_eq!(ok.events, 20, "{backend:?}");
        t.drop_schema().await;
    }
}

/// A group of events (the reads of P4) appended at once: sequence numbers run on from each
/// council's last in the order given, councils mixed in one group chain apart, groups and a
/// use case's own appends (one council each) from two instances interleave without deadlock,
/// and every chain verifies.
#[tokio::test]
async fn groups_of_events_chain_like_single_appends() {
    for backend in Backend::ALL {
        let t = TestDb::new(backend).await.unwrap();
        council(&t.db, "a").await;
        council(&t.db, "b").await;
        write(&t.db, "a", 2).await;
        let ids: Vec<String> = (0..7).map(|i| format!("g{i}")).collect();
        fn group(ids: &[String]) -> Vec<(chrono::DateTime<chrono::Utc>, NewEvent<'_>)> {
            ids.iter()
                .enumerate()
                .map(|(i, id)| {
                    (
                        chrono::Utc::now(),
                        NewEvent {
                            council_id: if i % 3 == 0 { "b" } else { "a" },
                            actor_id: Some("u1"),
                            action: "child.read",
                            entity: "child",
                            entity_id: id.as_str(),
                            detail: json!({"i": i}),
                        },
                    )
                })
                .collect()
        }
        let txn = t.db.begin().await.unwrap();
        let seqs = audit::append_many(&txn, group(&ids)).await.unwrap();
        txn.commit().await.unwrap();
        // b holds items 0, 3, 6; a held 2 events and takes 1, 2, 4, 5.
        assert_eq!(seqs, vec![1, 3, 4, 2, 5, 6, 3], "{backend:?}");
        let ok = audit::verify(&t.db).await.unwrap();
        assert_eq!((ok.councils, ok.events), (2, 9), "{backend:?}");

        let other = t.reconnect().await.unwrap();
        let mut tasks = Vec::new();
        for (n, db) in [t.db.clone(), other.clone()].into_iter().enumerate() {
            for k in 0..6 {
                let db = db.clone();
                let ids: Vec<String> = (0..5).map(|i| format!("{n}-{k}-{i}")).collect();
                tasks.push(tokio::spawn(async move {
                    let events = group(&ids);
                    let txn = db.begin().await.unwrap();
                    if k % 2 == 0 {
                        audit::append_many(&txn, events).await.unwrap();
                    } else {
                        // A use case's own events, all of one council, one by one.
                        for (at, e) in events {
                            let e = NewEvent {
                                council_id: if k % 4 == 1 { "a" } else { "b" },
                                ..e
                            };
                            audit::append(&txn, at, e).await.unwrap();
                        }
                    }
                    txn.commit().await.unwrap();
                }));
            }
        }
        for task in tasks {
            task.await.unwrap();
        }
        let ok = audit::verify(&t.db).await.unwrap();
        assert_eq!(ok.events, 9 + 2 * 6 * 5, "{backend:?}");
        t.drop_schema().await;
    }
}

/// R3 at the database: random tampering (change, delete, reorder, insert, truncate) by someone
/// who can bypass the append-only triggers is always found, and the first bad event is named.
#[tokio::test]
async fn r3_random_tampering_in_the_database_is_always_found() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut cases = 0;
    for backend in Backend::ALL {
        for _ in 0..12 {
            let t = TestDb::new(backend).await.unwrap();
            council(&t.db, "a").await;
            let n = 5 + (next() % 10) as i64;
            write(&t.db, "a", n as usize).await;
            bypass_append_only(&t).await;
            let k = 1 + (next() % n as u64) as i64;
            let kind = next() % 5;
            let (sqls, first_bad): (Vec<String>, i64) = match kind {
                0 => (
                    vec![format!(
                        "UPDATE audit_event SET entity_id = entity_id || 'x' WHERE seq = {k}"
                    )],
                    k,
                ),
                1 => (vec![format!("DELETE FROM audit_event WHERE seq = {k}")], k),
                2 => {
                    // Reorder: swap two neighbouring events' positions.
                    let j = if k == n { k - 1 } else { k + 1 };
                    let (lo, hi) = (k.min(j), k.max(j));
                    (
                        vec![
                            format!("UPDATE audit_event SET seq = -1 WHERE seq = {lo}"),
                            format!("UPDATE audit_event SET seq = {lo} WHERE seq = {hi}"),
                            format!("UPDATE audit_event SET seq = {hi} WHERE seq = -1"),
                        ],
                        lo,
                    )
                }
                3 => (
                    // Insert a forged copy at position k, shifting the later events up.
                    vec![
                        format!("UPDATE audit_event SET seq = seq + 1000 WHERE seq >= {k}"),
                        "UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1000".to_string(),
                        format!(
                            "INSERT INTO audit_event (id, council_id, seq, at, actor_id, action, entity, entity_id, detail, prev_hash, hash) \
                             SELECT 'forged', council_id, {k}, at, actor_id, 'decision.record', entity, entity_id, detail, prev_hash, hash \
                             FROM audit_event WHERE seq = {}",
                            k + 1
                        ),
                    ],
                    k,
                ),
                _ => (vec![format!("DELETE FROM audit_event WHERE seq >= {k}")], k),
            };
            for sql in &sqls {
                t.db.execute_unprepared(sql).await.unwrap();
            }
            match audit::verify(&t.db).await {
                Err(VerifyError::Broken(b)) => {
                    assert_eq!(b.seq, first_bad, "{backend:?} kind {kind} k {k} n {n}: {b}")
                }
                other => {
                    panic!("{backend:?}: tampering kind {kind} at {k} of {n} not found: {other:?}")
                }
            }
            cases += 1;
            t.drop_schema().await;
        }
    }
    assert_eq!(cases, 24);
}
