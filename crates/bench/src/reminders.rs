//! `bench reminders`: a reminder sweep over many certificates.

use super::*;

pub(crate) async fn reminders(certificates: usize) -> anyhow::Result<Value> {
    const HOLDERS: usize = 10_000;
    const DAY: i64 = 86_400;
    let dir = tempfile_dir()?;
    let store = Store::open_sqlite_dir(&dir).await?;
    store.migrate().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = clock.now();
    rinnova_app::ca_service::init(
        &store,
        &CaConfig::demo("http://rinnova-bench.it"),
        &"bench".into(),
        KdfParams::default(),
        now,
    )
    .await?;

    let seeding = Instant::now();
    let mut tx = store.begin().await?;
    for i in 0..HOLDERS {
        let mut h = rinnova_app::demo::bench_holder(
            i,
            format!("h{i}").into(),
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$unused".into(),
            now.as_second(),
        )?;
        // Every fifth holder reads English: both catalogues are exercised.
        if i % 5 == 0 {
            h.lang = "en".into();
        }
        repo::holders::insert(&mut tx, &h).await?;
    }
    tx.commit().await?;
    // Expiries spread evenly from 90 days ago to three years ahead: a CA's steady state.
    let span = (3 * 365 + 90) * DAY;
    let first = now.as_second() - 90 * DAY;
    let mut batch = Vec::with_capacity(50_000);
    for i in 0..certificates {
        let offset = i64::try_from(i)? * span / i64::try_from(certificates.max(1))?;
        batch.push(CertificateRecord {
            id: format!("c{i}").into(),
            holder_id: format!("h{}", i % HOLDERS).into(),
            credential_id: None,
            kind: "remote_signature".into(),
            serial_hex: format!("{i:016x}"),
            // The sweep never reads the DER; a placeholder keeps seeding fast.
            der: vec![0x30, 0x00],
            not_before: first + offset - 3 * 365 * DAY,
            not_after: first + offset,
            status: "active".into(),
            superseded_by: None,
            status_changed_at: None,
            device_expires_at: None,
            renewals_on_device: 0,
            created_at: now.as_second(),
            distributor_id: None,
        });
        if batch.len() == 50_000 || i + 1 == certificates {
            let mut tx = store.begin().await?;
            repo::certificates::insert_many(&mut tx, &batch).await?;
            tx.commit().await?;
            batch.clear();
        }
    }
    let seeding_s = seeding.elapsed().as_secs_f64();

    let config = AppConfig::default();
    let keys = rinnova_app::Keys::software("bench".into(), config.pin_kdf);
    let app = App::open(store.clone(), config, clock, keys).await?;
    let t = Instant::now();
    let sweep = app.due_reminders().await?;
    let find_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let sent = app.send_reminders().await?;
    let send_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let again = app.due_reminders().await?;
    let again_s = t.elapsed().as_secs_f64();
    // The outbox worker's own cost: every queued e-mail claimed, handed to a transport that
    // accepts at once, and marked sent.
    let t = Instant::now();
    let delivered = rinnova_notify::deliver_due_email(
        &store,
        &rinnova_notify::OutboxOnlyMail,
        12,
        &SystemClock,
    )
    .await?;
    let deliver_s = t.elapsed().as_secs_f64();
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "certificates": certificates,
        "examined": sweep.examined,
        "due": sweep.due.len(),
        "seconds": round3(find_s),
        "sent": sent.sent,
        "send_seconds": round3(send_s),
        "second_sweep_due": again.due.len(),
        "second_sweep_seconds": round3(again_s),
        "delivered": delivered,
        "deliver_seconds": round3(deliver_s),
        "seeding_seconds": round(seeding_s),
        "database": "sqlite",
    }))
}
