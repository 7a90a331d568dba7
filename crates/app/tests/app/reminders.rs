//! Renewal reminders and their links (SPEC N1–N2) over the demo holders: who is due what, each
//! reminder exactly once (also with two sweeps at once), none after renewal, the last notice
//! when the window has closed, and the signed link that opens the renewal.

use crate::renewal::{ctx, env, holder_id};
use jiff::SignedDuration;
use rinnova_app::{App, AppError};
use rinnova_domain::CertificateId;
use rinnova_domain::RenewalStep;
use rinnova_store::{OutboxRecord, repo};
use std::collections::BTreeMap;

/// user-id → reminder key of what is due now.
async fn due_by_user(app: &App) -> BTreeMap<String, String> {
    let sweep = app.due_reminders().await.unwrap();
    let mut c = app.store().conn().await.unwrap();
    let mut out = BTreeMap::new();
    for d in sweep.due {
        let h = repo::holders::by_id(&mut c, &d.certificate.holder_id)
            .await
            .unwrap()
            .unwrap();
        out.insert(h.user_id, d.send.key());
    }
    out
}

async fn emails(app: &App, user: &str) -> Vec<OutboxRecord> {
    let h = holder_id(app, user).await;
    repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(&h), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.channel == "email")
        .collect()
}

fn link_token(body: &str) -> String {
    body.split_whitespace()
        .find_map(|w| w.split("/r/").nth(1))
        .expect("a reminder link")
        .to_owned()
}

async fn certificate_of(app: &App, user: &str) -> CertificateId {
    let h = holder_id(app, user).await;
    repo::certificates::of_holder(&mut app.store().conn().await.unwrap(), &h)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.status == "active")
        .unwrap()
        .id
}

#[tokio::test]
async fn n1_each_due_reminder_is_sent_once_with_its_e_mail() {
    let e = env().await;
    let due = due_by_user(&e.app).await;
    let expected: BTreeMap<String, String> = [
        ("JZLF001", "days-60"), // 45 days left
        ("JZLF002", "days-1"),  // last day
        ("JZLF003", "closed"),  // window closed today
        ("JZLF004", "closed"),  // expired ten days ago
        ("JZLF006", "days-60"),
        ("JZLF008", "days-30"),
        ("JZLF009", "days-60"),
        ("JZLF010", "days-60"),
        ("JZLF011", "days-60"),
    ]
    .into_iter()
    .map(|(u, k)| (u.to_owned(), k.to_owned()))
    .collect();
    // JZLF005 renewed already, JZLF007 has 200 days left: nothing.
    assert_eq!(due, expected);

    let r = e.app.send_reminders().await.unwrap();
    assert_eq!((r.due, r.sent), (9, 9));
    // Exactly once: a second sweep finds nothing.
    assert_eq!(e.app.send_reminders().await.unwrap().sent, 0);
    assert!(due_by_user(&e.app).await.is_empty());

    let mail = emails(&e.app, "JZLF002").await;
    assert_eq!(mail.len(), 1, "skipped thresholds send nothing");
    let m = &mail[0];
    let h = repo::holders::by_user_id(&mut e.app.store().conn().await.unwrap(), "JZLF002")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.recipient, h.email);
    assert_eq!(
        m.subject.as_deref(),
        Some("Il tuo certificato di firma scade domani: rinnovalo oggi")
    );
    assert!(m.body.contains("/r/"), "{}", m.body);
    let html = m.html.as_deref().unwrap();
    assert!(html.contains("<a href=\"http://"), "{html}");
    // The reminder row names its outbox message (same transaction).
    let cert = certificate_of(&e.app, "JZLF002").await;
    let recorded = repo::reminders::of_certificate(&mut e.app.store().conn().await.unwrap(), &cert)
        .await
        .unwrap();
    assert_eq!(
        recorded.len(),
        5,
        "days-1 sent, 60/30/15/7 skipped: {recorded:?}"
    );
    let named: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT reminder, outbox_id FROM reminders WHERE certificate_id = $1 \
         AND outbox_id IS NOT NULL",
    )
    .bind(&cert)
    .fetch_all(&mut *e.app.store().conn().await.unwrap())
    .await
    .unwrap();
    assert_eq!(named, vec![("days-1".to_owned(), Some(m.id.clone()))]);

    let closed = emails(&e.app, "JZLF004").await;
    assert_eq!(
        closed[0].subject.as_deref(),
        Some("Il tuo certificato di firma non è più rinnovabile")
    );
    assert!(
        !closed[0].body.contains("/r/"),
        "no renewal link once closed"
    );

    // Fifteen days on: JZLF001 has 30 days left, JZLF008 15; JZLF011 20 (days-30).
    e.clock.advance(SignedDuration::from_hours(24 * 15));
    let due = due_by_user(&e.app).await;
    assert_eq!(due.get("JZLF001").map(String::as_str), Some("days-30"));
    assert_eq!(due.get("JZLF008").map(String::as_str), Some("days-15"));
    assert_eq!(due.get("JZLF011").map(String::as_str), Some("days-30"));
    assert_eq!(due.get("JZLF004"), None, "the last notice went once");
    e.app.send_reminders().await.unwrap();
    let subjects: Vec<_> = emails(&e.app, "JZLF001")
        .await
        .into_iter()
        .map(|m| m.subject.unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "Il tuo certificato di firma scade tra 30 giorni",
            "Il tuo certificato di firma scade tra 45 giorni"
        ]
    );
}

#[tokio::test]
async fn n1_two_sweeps_at_once_send_each_reminder_once() {
    let e = env().await;
    let (a, b, c) = tokio::join!(
        e.app.send_reminders(),
        e.app.send_reminders(),
        e.app.send_reminders()
    );
    let sent = a.unwrap().sent + b.unwrap().sent + c.unwrap().sent;
    assert_eq!(sent, 9);
    for user in ["JZLF001", "JZLF002", "JZLF003", "JZLF004", "JZLF008"] {
        assert_eq!(emails(&e.app, user).await.len(), 1, "{user}");
    }
}

#[tokio::test]
async fn n1_no_reminder_after_renewal_and_english_for_english_holders() {
    let e = env().await;
    // JZLF001's certificate is superseded (renewed): nothing is due for it any more.
    let old = certificate_of(&e.app, "JZLF001").await;
    let other = certificate_of(&e.app, "JZLF007").await;
    {
        let mut tx = e.app.store().begin().await.unwrap();
        repo::certificates::supersede(&mut tx, &old, &other, 0)
            .await
            .unwrap();
        repo::holders::set_lang(&mut tx, &holder_id(&e.app, "JZLF008").await, "en")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let due = due_by_user(&e.app).await;
    assert!(!due.contains_key("JZLF001"), "{due:?}");
    e.app.send_reminders().await.unwrap();
    assert!(emails(&e.app, "JZLF001").await.is_empty());
    let en = emails(&e.app, "JZLF008").await;
    assert_eq!(
        en[0].subject.as_deref(),
        Some("Your signature certificate expires in 30 days")
    );
    assert!(en[0].body.starts_with("Dear "), "{}", en[0].body);
    assert!(en[0].html.as_deref().unwrap().contains("lang=\"en\""));
}

#[tokio::test]
async fn n2_the_link_opens_that_certificates_renewal_after_login() {
    let e = env().await;
    e.app.send_reminders().await.unwrap();
    let token = link_token(&emails(&e.app, "JZLF001").await[0].body);
    let owner = holder_id(&e.app, "JZLF001").await;
    let cert = certificate_of(&e.app, "JZLF001").await;

    let r = e
        .app
        .open_reminder_link(&owner, &token, &ctx())
        .await
        .unwrap();
    assert_eq!(r.step, RenewalStep::CheckData);
    assert_eq!(r.certificate.id, cert);
    // Opened again: the same renewal, not a second one.
    let again = e
        .app
        .open_reminder_link(&owner, &token, &ctx())
        .await
        .unwrap();
    assert_eq!(again.id, r.id);

    // Another holder logged in: refused, and nothing started for them.
    let other = holder_id(&e.app, "JZLF006").await;
    assert!(matches!(
        e.app.open_reminder_link(&other, &token, &ctx()).await,
        Err(AppError::LinkOtherAccount)
    ));
    // A tampered link, or one past its certificate's expiry: refused.
    let tampered = token.replacen('.', "0.", 1);
    assert!(matches!(
        e.app.open_reminder_link(&owner, &tampered, &ctx()).await,
        Err(AppError::LinkInvalid)
    ));
    e.clock.advance(SignedDuration::from_hours(24 * 46));
    assert!(matches!(
        e.app.open_reminder_link(&owner, &token, &ctx()).await,
        Err(AppError::LinkInvalid)
    ));
}

#[tokio::test]
async fn n1_a_card_certificate_reminder_points_to_the_card_client_not_the_portal() {
    let e = env().await;
    let h = holder_id(&e.app, "JZLF007").await;
    let now = e.app.now().as_second();
    {
        let mut tx = e.app.store().begin().await.unwrap();
        repo::certificates::insert(
            &mut tx,
            &rinnova_store::CertificateRecord {
                id: "card-cert".into(),
                holder_id: h.clone(),
                credential_id: None,
                kind: "card_signature".into(),
                serial_hex: "4c00000000000000000000000000000a".into(),
                der: vec![0x30, 0x00],
                not_before: now - 1000 * 86_400,
                not_after: now + 20 * 86_400,
                status: "active".into(),
                superseded_by: None,
                status_changed_at: None,
                device_expires_at: Some(now + 1000 * 86_400),
                renewals_on_device: 0,
                created_at: now,
                distributor_id: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    e.app.send_reminders().await.unwrap();
    let mail = emails(&e.app, "JZLF007").await;
    assert_eq!(mail.len(), 1, "only the card certificate is near expiry");
    assert!(mail[0].body.contains("rinnova card"), "{}", mail[0].body);
    assert!(
        !mail[0].body.contains("/r/"),
        "no portal link: {}",
        mail[0].body
    );
}
