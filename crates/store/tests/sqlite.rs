//! The SQLite connection settings the store relies on, checked on a real pooled connection.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use rinnova_store::{CertificateRecord, HolderRecord, Store, repo};

#[tokio::test]
async fn every_pooled_connection_has_wal_full_sync_foreign_keys_busy_timeout_and_long_checkpoints()
{
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_dir(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let checkpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    // synchronous: 2 = FULL (the WAL is synced at every commit).
    assert_eq!(
        (mode.as_str(), sync, fk, busy, checkpoint),
        ("wal", 2, 1, 10_000, 8192)
    );
}

fn holder(id: &str) -> HolderRecord {
    HolderRecord {
        id: id.into(),
        user_id: format!("U{id}"),
        password_hash: "-".into(),
        given_name: "Mario".into(),
        surname: "Rossi".into(),
        codice_fiscale: "RSSMRA85T10A562S".into(),
        iut: format!("IUT-{id}"),
        email: "m@example.it".into(),
        mobile: "+393330000000".into(),
        residence: "-".into(),
        role_title: None,
        organisation_id: None,
        lang: "it".into(),
        created_at: 0,
        payment_mode: None,
    }
}

fn cert(i: usize) -> CertificateRecord {
    CertificateRecord {
        id: format!("c{i}"),
        holder_id: "h".into(),
        credential_id: None,
        kind: "remote_signature".into(),
        serial_hex: format!("{i:032x}"),
        der: vec![u8::try_from(i % 256).unwrap(); 700],
        not_before: i64::try_from(i).unwrap(),
        not_after: 94_608_000,
        status: "active".into(),
        superseded_by: None,
        status_changed_at: None,
        device_expires_at: None,
        renewals_on_device: 0,
        created_at: 0,
        distributor_id: None,
    }
}

/// A batch spans several multi-row statements (64 rows each) and is all-or-nothing in its
/// transaction.
#[tokio::test]
async fn insert_many_writes_every_row_across_statements_and_rolls_back_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_dir(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    repo::holders::insert(&mut tx, &holder("h")).await.unwrap();
    let rows: Vec<_> = (0..130).map(cert).collect();
    repo::certificates::insert_many(&mut tx, &rows)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    let stored = repo::certificates::by_id(&mut c, "c129")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, rows[129]);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(count, 130);
    drop(c);

    // The second statement of this batch repeats a serial: nothing of the batch stays.
    let mut again: Vec<_> = (200..300).map(cert).collect();
    again[80].serial_hex = rows[3].serial_hex.clone();
    let mut tx = store.begin().await.unwrap();
    let err = repo::certificates::insert_many(&mut tx, &again)
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    drop(tx);
    let mut c = store.conn().await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(count, 130);
}
