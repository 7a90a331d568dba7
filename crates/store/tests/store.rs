//! The store on a real database: SQLite settings, batch inserts, the audit chain, writers of
//! several instances (on PostgreSQL too with RINNOVA_TEST_POSTGRES).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use rinnova_domain::HolderId;
use rinnova_store::{CertificateRecord, DocumentRecord, HolderRecord, RenewalRecord, Store, repo};
use sha2::{Digest, Sha256};

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

/// The write transactions' own connection commits with NORMAL and `Tx::commit` syncs the WAL
/// itself before it returns (group commit); what is committed is read back on the others.
#[tokio::test]
async fn write_transactions_run_on_one_connection_that_commits_then_syncs_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_dir(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    // synchronous: 1 = NORMAL on the writer.
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(sync, 1);
    repo::holders::insert(&mut tx, &holder("g1")).await.unwrap();
    tx.commit().await.unwrap();
    assert!(dir.path().join("rinnova.sqlite3-wal").exists());
    let mut c = store.conn().await.unwrap();
    let found = repo::holders::by_user_id(&mut c, "Ug1").await.unwrap();
    assert_eq!(found.map(|h| h.iut), Some("IUT-g1".to_owned()));
}

/// An in-memory SQLite database is refused with a reason: through the pool each connection
/// would open one of its own, and the migrations and the queries would land in different ones.
#[tokio::test]
async fn an_in_memory_database_is_refused() {
    for url in ["sqlite::memory:", "sqlite://x.db?mode=memory"] {
        let e = Store::connect(url, 2).await.unwrap_err();
        assert!(e.to_string().contains("in-memory"), "{url}: {e}");
    }
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
        organisation_name: None,
        tokens: 0,
    }
}

fn cert(i: usize) -> CertificateRecord {
    CertificateRecord {
        id: format!("c{i}").into(),
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
    let store = rinnova_store::testing::store(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    repo::holders::insert(&mut tx, &holder("h")).await.unwrap();
    let rows: Vec<_> = (0..130).map(cert).collect();
    repo::certificates::insert_many(&mut tx, &rows)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    let stored = repo::certificates::by_id(&mut c, &"c129".into())
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

fn renewal(i: usize) -> RenewalRecord {
    RenewalRecord {
        id: format!("r{i}").into(),
        holder_id: "h".into(),
        certificate_id: format!("c{i}").into(),
        step: "documents".into(),
        payment_mode: "free".into(),
        approval_required: 0,
        documents_hash: None,
        activation_otp_verified: 0,
        version: 1,
        consented_at: None,
        signature: None,
        signed_at: None,
        new_certificate_id: None,
        created_at: 0,
        updated_at: 0,
    }
}

fn document(renewal_id: &str, name: &str, pdf: &[u8]) -> DocumentRecord {
    DocumentRecord {
        renewal_id: renewal_id.into(),
        name: name.into(),
        lang: "it".into(),
        sha256: Sha256::digest(pdf).to_vec(),
        pdf: pdf.to_vec(),
        created_at: 7,
    }
}

/// Step 3's documents (issue 7): each renewal reads back its own, a document made again
/// replaces the old one, and a PDF shown by many renewals is stored once.
#[tokio::test]
async fn documents_read_back_per_renewal_and_the_same_content_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = rinnova_store::testing::store(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let conditions = b"%PDF-1.7 the same conditions for everyone".to_vec();
    let mut tx = store.begin().await.unwrap();
    repo::holders::insert(&mut tx, &holder("h")).await.unwrap();
    repo::certificates::insert_many(&mut tx, &(0..3).map(cert).collect::<Vec<_>>())
        .await
        .unwrap();
    for i in 0..3 {
        let r = renewal(i);
        repo::renewals::insert(&mut tx, &r).await.unwrap();
        let form = format!("%PDF-1.7 the form of {}", r.id).into_bytes();
        repo::renewals::put_document(&mut tx, &document(r.id.as_str(), "form", &form))
            .await
            .unwrap();
        repo::renewals::put_document(&mut tx, &document(r.id.as_str(), "conditions", &conditions))
            .await
            .unwrap();
    }
    // The holder's data changed: r1's form is made again.
    repo::renewals::put_document(&mut tx, &document("r1", "form", b"%PDF-1.7 new form"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    for (r, name, pdf) in [
        ("r0", "form", b"%PDF-1.7 the form of r0".to_vec()),
        ("r1", "form", b"%PDF-1.7 new form".to_vec()),
        ("r2", "form", b"%PDF-1.7 the form of r2".to_vec()),
        ("r2", "conditions", conditions.clone()),
    ] {
        let stored = repo::renewals::document(&mut c, &r.into(), name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, document(r, name, &pdf), "{r} {name}");
    }
    assert_eq!(
        repo::renewals::document(&mut c, &"r0".into(), "other")
            .await
            .unwrap(),
        None
    );
    let (rows, blobs): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM renewal_documents), (SELECT COUNT(*) FROM document_blobs)",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    // Three forms, the replaced one and the conditions once.
    assert_eq!((rows, blobs), (6, 5));
}

/// A renewal is read with its holder (and what is read with them) and its certificate in one
/// statement, every column in its place, and only for its own holder.
#[tokio::test]
async fn a_renewal_is_read_with_its_holder_and_only_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = rinnova_store::testing::store(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let mut h = holder("h");
    h.role_title = Some("Ingegnere".into());
    h.payment_mode = Some("holder".into());
    h.lang = "en".into();
    h.created_at = 11;
    h.organisation_id = Some("o".into());
    let mut r = renewal(0);
    r.payment_mode = "organisation".into();
    r.created_at = 22;
    r.new_certificate_id = Some("c1".into());
    let mut tx = store.begin().await.unwrap();
    repo::holders::insert_organisation(
        &mut tx,
        &rinnova_store::OrganisationRecord {
            id: "o".into(),
            name: "Comune di Roma".into(),
            payment_mode: "holder".into(),
            approval_required: 0,
        },
    )
    .await
    .unwrap();
    repo::holders::insert(&mut tx, &h).await.unwrap();
    repo::holders::insert_token(
        &mut tx,
        &rinnova_store::TokenRecord {
            holder_id: "h".into(),
            kind: "totp".into(),
            algorithm: "SHA1".into(),
            digits: 6,
            step_seconds: 30,
            secret: vec![1; 20],
            last_counter: None,
            drift_steps: 0,
            sealed: 0,
        },
    )
    .await
    .unwrap();
    repo::holders::insert(&mut tx, &holder("other"))
        .await
        .unwrap();
    repo::certificates::insert_many(&mut tx, &(0..2).map(cert).collect::<Vec<_>>())
        .await
        .unwrap();
    repo::renewals::insert(&mut tx, &r).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    let stored_h = repo::holders::by_id(&mut c, &"h".into())
        .await
        .unwrap()
        .unwrap();
    let stored_r = repo::renewals::by_id(&mut c, &"r0".into())
        .await
        .unwrap()
        .unwrap();
    // What is read with a holder (not stored with them): the organisation's name, the tokens.
    assert_eq!(
        stored_h.organisation_name.as_deref(),
        Some("Comune di Roma")
    );
    assert!(stored_h.has_token());
    assert_eq!(
        stored_h,
        HolderRecord {
            organisation_name: Some("Comune di Roma".into()),
            tokens: 1,
            ..h
        }
    );
    // Several at once (a batch of reminders): the same rows, unknown ids left out.
    let ids: [HolderId; 3] = ["other".into(), "h".into(), "nobody".into()];
    let mut several = repo::holders::by_ids(&mut c, &ids.iter().collect::<Vec<_>>())
        .await
        .unwrap();
    several.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(
        several,
        vec![
            stored_h.clone(),
            repo::holders::by_id(&mut c, &"other".into())
                .await
                .unwrap()
                .unwrap()
        ]
    );
    assert!(repo::holders::by_ids(&mut c, &[]).await.unwrap().is_empty());
    let stored_c = repo::certificates::by_id(&mut c, &r.certificate_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        repo::renewals::for_step(&mut c, &"r0".into(), &"h".into())
            .await
            .unwrap(),
        Some((stored_r, stored_h, stored_c))
    );
    assert_eq!(
        repo::renewals::for_step(&mut c, &"r0".into(), &"other".into())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        repo::renewals::for_step(&mut c, &"r9".into(), &"h".into())
            .await
            .unwrap(),
        None
    );
}

async fn audit_store(n: i64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = rinnova_store::testing::store(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    for i in 0..n {
        let mut tx = store.begin().await.unwrap();
        repo::audit::append(
            &mut tx,
            &repo::audit::NewAudit {
                at: 1_800_000_000 + i,
                actor: "JZLF001",
                action: "login",
                subject: (i % 2 == 0).then_some("renewal-1"),
                ip: Some("127.0.0.1"),
                request_id: Some("r"),
                detail: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    (dir, store)
}

async fn verify(store: &Store) -> Option<repo::audit::ChainBreak> {
    let mut c = store.conn().await.unwrap();
    repo::audit::verify_chain(&mut c).await.unwrap().first_break
}

async fn exec(store: &Store, sql: &str) {
    let mut c = store.conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut *c)
        .await
        .unwrap();
}

#[tokio::test]
async fn x2_the_audit_chain_names_the_first_row_edited_removed_or_cut_behind_our_back() {
    use repo::audit::ChainBreak;
    let (_d, store) = audit_store(6).await;
    {
        let mut c = store.conn().await.unwrap();
        let r = repo::audit::verify_chain(&mut c).await.unwrap();
        assert_eq!((r.rows, r.last_seq, r.first_break), (6, 6, None));
    }
    // An edited field.
    exec(&store, "UPDATE audit SET actor = 'someone' WHERE seq = 3").await;
    assert_eq!(verify(&store).await, Some(ChainBreak::Edited { seq: 3 }));
    exec(&store, "UPDATE audit SET actor = 'JZLF001' WHERE seq = 3").await;
    assert_eq!(verify(&store).await, None, "put back, it verifies again");
    // An edited detail that was NULL, and a re-hashed row (its successor no longer links).
    exec(&store, "UPDATE audit SET detail = 'x' WHERE seq = 2").await;
    assert_eq!(verify(&store).await, Some(ChainBreak::Edited { seq: 2 }));
    exec(&store, "UPDATE audit SET detail = NULL WHERE seq = 2").await;
    sqlx::query("UPDATE audit SET row_hash = $1 WHERE seq = 4")
        .bind(vec![0u8; 32])
        .execute(&mut *store.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(verify(&store).await, Some(ChainBreak::Edited { seq: 4 }));
}

/// Rewrites rows `seqs` (and the head) as an earlier version chained them: v1 hashes.
async fn rechain_as_v1(store: &Store, seqs: std::ops::RangeInclusive<i64>) {
    let mut c = store.conn().await.unwrap();
    let rows: Vec<rinnova_store::AuditRecord> = sqlx::query_as("SELECT * FROM audit ORDER BY seq")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    let mut prev = repo::audit::GENESIS.to_vec();
    for r in &rows {
        let hash = if seqs.contains(&r.seq) {
            repo::audit::row_hash_v1(&prev, r.seq, &r.as_new())
        } else {
            repo::audit::row_hash(&prev, r.seq, &r.as_new())
        };
        sqlx::query("UPDATE audit SET prev_hash = $1, row_hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(hash.as_slice())
            .bind(r.seq)
            .execute(&mut *c)
            .await
            .unwrap();
        prev = hash.to_vec();
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *c)
        .await
        .unwrap();
}

#[tokio::test]
async fn x2_each_backend_chains_rows_with_the_same_hash_and_older_v1_rows_still_verify() {
    use repo::audit::ChainBreak;
    let (_d, store) = audit_store(5).await;
    {
        // What the database stored (on PostgreSQL, hashed by the database) is the v2 formula.
        let mut c = store.conn().await.unwrap();
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> =
            sqlx::query_as("SELECT seq, prev_hash, row_hash FROM audit ORDER BY seq")
                .fetch_all(&mut *c)
                .await
                .unwrap();
        let records: Vec<rinnova_store::AuditRecord> =
            sqlx::query_as("SELECT * FROM audit ORDER BY seq")
                .fetch_all(&mut *c)
                .await
                .unwrap();
        let mut prev = repo::audit::GENESIS.to_vec();
        for ((seq, stored_prev, stored), r) in rows.into_iter().zip(&records) {
            assert_eq!(stored_prev, prev, "row {seq} links to the one before");
            let expected = repo::audit::row_hash(&prev, seq, &r.as_new());
            assert_eq!(stored, expected.to_vec(), "row {seq}");
            prev = stored;
        }
    }
    // A database from an earlier version: its first rows carry v1 hashes, then v2 rows follow.
    rechain_as_v1(&store, 1..=3).await;
    assert_eq!(verify(&store).await, None);
    // But a v1 row after a v2 row is not how any version wrote the chain.
    rechain_as_v1(&store, 5..=5).await;
    assert_eq!(verify(&store).await, Some(ChainBreak::Edited { seq: 5 }));
}

/// Issue 21: a row appended with NULL hashes behind the application's back is named — and not
/// chained by the next start (`migrate` chains rows only in the run that brings the chain to an
/// older database), nor by reading it through a connection that cannot write.
#[tokio::test]
async fn x2_a_forged_row_without_hashes_is_named_and_never_chained() {
    use repo::audit::ChainBreak;
    let (_d, store) = audit_store(3).await;
    exec(
        &store,
        "INSERT INTO audit (seq, at, actor, action) VALUES (4, 1800000100, 'admin', 'login')",
    )
    .await;
    assert_eq!(verify(&store).await, Some(ChainBreak::Unhashed { seq: 4 }));
    store.migrate().await.unwrap();
    assert_eq!(
        verify(&store).await,
        Some(ChainBreak::Unhashed { seq: 4 }),
        "a later start does not chain it"
    );
    assert!(store.is_migrated().await.unwrap());
    // A read-only connection cannot write.
    let mut ro = store.read_only_conn().await.unwrap();
    assert_eq!(
        repo::audit::verify_chain(&mut ro)
            .await
            .unwrap()
            .first_break,
        Some(ChainBreak::Unhashed { seq: 4 })
    );
    assert!(
        sqlx::query("DELETE FROM audit WHERE seq = 4")
            .execute(&mut ro)
            .await
            .is_err(),
        "the read-only connection wrote"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit")
        .fetch_one(&mut *store.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(rows, 4);
}

/// Rows written before the chain existed (a database older than migration 11) join the chain
/// in the run that migrates it, once.
#[tokio::test]
async fn x2_rows_from_before_the_chain_are_chained_by_the_migration_that_brings_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = rinnova_store::testing::store(dir.path()).await.unwrap();
    rinnova_store::testing::migrate_to(&store, 10)
        .await
        .unwrap();
    // A database from before migration 11 (the chain): rows without hashes.
    exec(
        &store,
        "INSERT INTO audit (at, actor, action) VALUES (1700000000, 'JZLF001', 'login'), \
         (1700000001, 'JZLF001', 'logout')",
    )
    .await;
    assert!(!store.is_migrated().await.unwrap());
    store.migrate().await.unwrap();
    assert!(store.is_migrated().await.unwrap());
    let r = repo::audit::verify_chain(&mut store.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        (r.rows, r.first_break),
        (2, None),
        "chained by the migration"
    );
    assert_eq!(
        repo::audit::head(&mut store.conn().await.unwrap())
            .await
            .unwrap()
            .0,
        r.last_seq
    );
}

#[tokio::test]
async fn x2_a_removed_row_or_a_cut_tail_breaks_the_chain() {
    use repo::audit::ChainBreak;
    let (_d, store) = audit_store(6).await;
    exec(&store, "DELETE FROM audit WHERE seq = 4").await;
    assert_eq!(verify(&store).await, Some(ChainBreak::Unlinked { seq: 5 }));
    let (_d, store) = audit_store(6).await;
    exec(&store, "DELETE FROM audit WHERE seq = 6").await;
    assert_eq!(
        verify(&store).await,
        Some(ChainBreak::Truncated {
            head_seq: 6,
            last_seq: 5
        })
    );
}

/// Two instances (two pools) on one database: write transactions that read, check and write
/// never interleave, so no update is lost — BEGIN IMMEDIATE on SQLite, the advisory write lock
/// on PostgreSQL (issue 7: several instances behave as one service).
#[tokio::test]
async fn write_transactions_of_two_instances_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let url = rinnova_store::testing::database_url(dir.path())
        .await
        .unwrap();
    let a = Store::connect(&url, 4).await.unwrap();
    let b = Store::connect(&url, 4).await.unwrap();
    sqlx::query("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(a.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO counter (id, n) VALUES (1, 0)")
        .execute(a.pool())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT n FROM counter WHERE id = 1")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            // Another writer would read the same n here if writers interleaved.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            sqlx::query("UPDATE counter SET n = $1 WHERE id = 1")
                .bind(n + 1)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n: i64 = sqlx::query_scalar("SELECT n FROM counter WHERE id = 1")
        .fetch_one(b.pool())
        .await
        .unwrap();
    assert_eq!(n, 40, "no increment lost");
}
