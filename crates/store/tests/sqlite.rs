//! The SQLite connection settings the store relies on, checked on a real pooled connection.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use rinnova_store::Store;

#[tokio::test]
async fn every_pooled_connection_has_wal_normal_sync_foreign_keys_and_busy_timeout() {
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
    assert_eq!((mode.as_str(), sync, fk, busy), ("wal", 1, 1, 10_000));
}
