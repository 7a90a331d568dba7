//! Smart-card renewal on the server (seed 004, SPEC C2–C5, W4): a request by a new key made on
//! the card, proven by the old key; free, prepaid (Diritti for CNS, Tariffa for the signature
//! certificate, debited only on issue) or organisation-paid, maybe approved first; the same
//! request again changes nothing; refusals leave everything as it was.

use crate::renewal::{ctx, env, holder_id};
use rcgen::{KeyPair, PublicKeyData, SigningKey};
use rinnova_app::App;
use rinnova_app::card::{CardRenewalRequest, CardRenewalView};
use rinnova_app::demo::{DEMO_CDRL, DEMO_PREPAID};
use rinnova_app::i18n::Lang;
use rinnova_app::prepaid::balances;
use rinnova_ca::request::{proof_message, request_for};
use rinnova_domain::CertificateKind;
use rinnova_store::repo;

/// A stand-in card: software keys, certificates issued by the CA for them.
struct Card {
    keys: Vec<KeyPair>,
    certs: Vec<Vec<u8>>,
}

async fn card(app: &App, user_id: &str, expires_in_days: i64) -> Card {
    let keys: Vec<KeyPair> = (0..2)
        .map(|_| KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap())
        .collect();
    let issued = app
        .provision_demo_card(
            user_id,
            &[
                (CertificateKind::CardSignature, keys[0].der_bytes().to_vec()),
                (CertificateKind::Cns, keys[1].der_bytes().to_vec()),
            ],
            expires_in_days,
        )
        .await
        .unwrap();
    Card {
        keys,
        certs: issued.into_iter().map(|(_, der)| der).collect(),
    }
}

/// The request to renew certificate `i` of the card with `new_key`.
fn request(
    card: &Card,
    i: usize,
    new_key: &KeyPair,
    prepaid: Option<(&str, &str)>,
) -> CardRenewalRequest {
    let csr = request_for(&card.certs[i], new_key).unwrap();
    CardRenewalRequest {
        certificate: card.certs[i].clone(),
        proof: card.keys[i].sign(&proof_message(&csr)).unwrap(),
        request: csr,
        prepaid: prepaid.map(|(u, p)| (u.to_owned(), p.to_owned())),
    }
}

fn new_key() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()
}

async fn renew(
    app: &App,
    r: &CardRenewalRequest,
) -> Result<CardRenewalView, rinnova_app::AppError> {
    app.request_card_renewal(r, Lang::It, &ctx()).await
}

fn der_of(v: &CardRenewalView) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(v.certificate.as_ref().unwrap())
        .unwrap()
}

async fn renewals_of_certificate(app: &App, der: &[u8]) -> usize {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(der).unwrap();
    let serial = rinnova_ca::revocation::serial_hex(&cert.tbs_certificate.serial_number);
    let mut c = app.store().conn().await.unwrap();
    let rec = repo::certificates::by_serial(&mut c, &serial)
        .await
        .unwrap()
        .unwrap();
    let holder = rec.holder_id.clone();
    repo::renewals::of_holder(&mut c, &holder)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.certificate_id == rec.id)
        .count()
}

#[tokio::test]
async fn c2_a_free_card_renewal_is_issued_at_once_and_the_same_request_again_changes_nothing() {
    let e = env().await;
    let app = &e.app;
    let card = card(app, "JZLF001", 30).await;
    let status = app.card_status(&card.certs, Lang::It).await.unwrap();
    assert!(status.iter().all(|s| s.renewable && !s.paid), "{status:?}");
    assert_eq!(status[0].price.as_deref(), Some("Gratuito"));

    let key = new_key();
    let r = request(&card, 0, &key, None);
    let v = renew(app, &r).await.unwrap();
    assert_eq!(v.status, "issued");
    assert_eq!(v.kind, "card_signature");
    assert_eq!(v.payment.as_deref(), Some("Gratuito"));
    assert!(!v.stored);
    let new = der_of(&v);
    {
        use der::{Decode, Encode};
        let n = x509_cert::Certificate::from_der(&new).unwrap();
        let o = x509_cert::Certificate::from_der(&card.certs[0]).unwrap();
        assert_eq!(
            n.tbs_certificate.subject.to_der().unwrap(),
            o.tbs_certificate.subject.to_der().unwrap(),
            "the subject is unchanged"
        );
        assert_eq!(
            n.tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .as_bytes(),
            Some(key.der_bytes()),
            "the certificate is for the key made on the card"
        );
    }
    // The old certificate is superseded; the new one is on the same card (W4: its device life,
    // and renewed once, so not again).
    let mut c = app.store().conn().await.unwrap();
    let old = repo::certificates::by_serial(&mut c, &v.old_serial)
        .await
        .unwrap()
        .unwrap();
    let fresh = repo::certificates::by_serial(&mut c, v.serial.as_ref().unwrap())
        .await
        .unwrap()
        .unwrap();
    drop(c);
    assert_eq!(old.status, "superseded");
    assert_eq!(old.superseded_by.as_ref(), Some(&fresh.id));
    assert_eq!(fresh.device_expires_at, old.device_expires_at);
    assert_eq!(fresh.renewals_on_device, 1);
    assert_eq!(fresh.kind, "card_signature");

    // The same request again (a client that did not hear the answer): the same renewal.
    let again = renew(app, &r).await.unwrap();
    assert_eq!(again.id, v.id);
    assert_eq!(again.serial, v.serial);
    assert_eq!(renewals_of_certificate(app, &card.certs[0]).await, 1);
    // Another key for the renewed certificate: already renewed.
    let err = renew(app, &request(&card, 0, &new_key(), None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-WIN-006");

    // The card stores it and says so (once); the download still answers.
    assert!(
        app.card_renewal_stored(&v.id, Lang::It, &ctx())
            .await
            .unwrap()
            .stored
    );
    assert!(
        app.card_renewal_stored(&v.id, Lang::It, &ctx())
            .await
            .unwrap()
            .stored
    );
    assert_eq!(
        app.card_renewal(&v.id, Lang::En).await.unwrap().serial,
        v.serial
    );

    // The renewed certificate cannot be renewed again on this card (W4), even in its window.
    let st = app.card_status(&[new], Lang::En).await.unwrap();
    assert!(!st[0].renewable);
    assert_eq!(st[0].reason_code.as_deref(), Some("RNV-WIN-008"));
    // The holder was told by e-mail.
    let h = holder_id(app, "JZLF001").await;
    let mails = repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(&h), 20)
        .await
        .unwrap();
    assert!(
        mails
            .iter()
            .any(|m| m.channel == "email" && m.body.contains(v.serial.as_ref().unwrap())),
        "the holder is told of the new certificate"
    );
}

#[tokio::test]
async fn c2_c4_paid_card_renewals_take_diritti_for_cns_and_tariffa_for_signature_only_on_issue() {
    let e = env().await;
    let app = &e.app;
    let card = card(app, "JZLF010", 20).await;
    let status = app.card_status(&card.certs, Lang::It).await.unwrap();
    assert!(status.iter().all(|s| s.renewable && s.paid));
    assert_eq!(
        status[0].price.as_deref(),
        Some("42,70 € dal conto Tariffa")
    );
    assert_eq!(
        status[1].price.as_deref(),
        Some("30,50 € dal conto Diritti")
    );

    // No credentials, wrong ones, or too little credit: refused, nothing recorded or charged.
    let key = new_key();
    let err = renew(app, &request(&card, 1, &key, None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PRE-011");
    let err = renew(
        app,
        &request(&card, 1, &key, Some((DEMO_PREPAID.0, "wrong"))),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "RNV-PRE-010");
    crate::prepaid::prepaid_account(app, "POOR002", "Poco", 50_000, 1_000).await;
    let err = renew(
        app,
        &request(&card, 1, &key, Some(("POOR002", "twelve chars pw"))),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "RNV-PRE-001");
    let text = Lang::It.error(&err);
    assert!(
        text.contains("10,00 €") && text.contains("30,50 €"),
        "{text}"
    );
    assert_eq!(renewals_of_certificate(app, &card.certs[1]).await, 0);
    let poor = balances(app.store(), "POOR002").await.unwrap();
    assert_eq!(poor.diritti, (1_000, 1_000));
    assert_eq!(
        poor.tariffa,
        (50_000, 50_000),
        "Tariffa does not pay a CNS renewal"
    );

    // The demo account pays both: CNS from Diritti, the signature certificate from Tariffa.
    let before = balances(app.store(), DEMO_PREPAID.0).await.unwrap();
    let cns = request(&card, 1, &key, Some(DEMO_PREPAID));
    let v = renew(app, &cns).await.unwrap();
    assert_eq!(v.status, "issued");
    assert_eq!(v.payment.as_deref(), Some("30,50 € dal conto Diritti"));
    let sig = renew(app, &request(&card, 0, &new_key(), Some(DEMO_PREPAID)))
        .await
        .unwrap();
    assert_eq!(sig.status, "issued");
    let after = balances(app.store(), DEMO_PREPAID.0).await.unwrap();
    assert_eq!(after.diritti.0, before.diritti.0 - 3_050);
    assert_eq!(after.tariffa.0, before.tariffa.0 - 4_270);
    assert_eq!(after.diritti.0, after.diritti.1, "nothing left reserved");
    // Sent again: no second charge (C5).
    let again = renew(app, &cns).await.unwrap();
    assert_eq!(again.id, v.id);
    assert_eq!(balances(app.store(), DEMO_PREPAID.0).await.unwrap(), after);
}

#[tokio::test]
async fn c4_expired_foreign_remote_or_unproven_requests_are_refused_and_change_nothing() {
    let e = env().await;
    let app = &e.app;
    // Expired yesterday.
    let expired = card(app, "JZLF002", -1).await;
    let err = renew(app, &request(&expired, 0, &new_key(), None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-WIN-003");
    assert!(Lang::It.error(&err).len() > 10);

    // The card itself expired (W4: 6 years from its issue).
    let worn = card(app, "JZLF004", 30).await;
    {
        let mut c = app.store().conn().await.unwrap();
        sqlx::query("UPDATE certificates SET device_expires_at = 1000 WHERE der = $1")
            .bind(&worn.certs[1])
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let err = renew(app, &request(&worn, 1, &new_key(), None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-WIN-007");

    // Proven by the wrong key: by the card's other key.
    let ok = card(app, "JZLF005", 30).await;
    let mut r = request(&ok, 0, &new_key(), None);
    r.proof = ok.keys[1].sign(&proof_message(&r.request)).unwrap();
    let err = renew(app, &r).await.unwrap_err();
    assert_eq!(err.code(), "RNV-CARD-005");
    assert_eq!(
        Lang::It.error(&err),
        "La richiesta non è firmata con la chiave del certificato da rinnovare."
    );
    // Someone else's certificate with my request.
    let mut r = request(&ok, 0, &new_key(), None);
    r.certificate = worn.certs[0].clone();
    assert_eq!(renew(app, &r).await.unwrap_err().code(), "RNV-CARD-005");
    // A certificate we did not issue; a remote-signature certificate.
    let foreign_key = new_key();
    let foreign = rcgen::CertificateParams::new(vec!["x".into()])
        .unwrap()
        .self_signed(&foreign_key)
        .unwrap();
    let mut r = request(&ok, 0, &new_key(), None);
    r.certificate = foreign.der().to_vec();
    assert_eq!(renew(app, &r).await.unwrap_err().code(), "RNV-CARD-008");
    let h = holder_id(app, "JZLF005").await;
    let remote_id = app
        .home(&h)
        .await
        .unwrap()
        .certificates
        .iter()
        .find(|c| c.kind == "remote_signature")
        .unwrap()
        .id
        .clone();
    let remote = repo::certificates::by_id(&mut app.store().conn().await.unwrap(), &remote_id)
        .await
        .unwrap()
        .unwrap();
    let mut r = request(&ok, 0, &new_key(), None);
    r.certificate = remote.der;
    assert_eq!(renew(app, &r).await.unwrap_err().code(), "RNV-CARD-001");
    // Garbage.
    let mut r = request(&ok, 0, &new_key(), None);
    r.request = b"not a request".to_vec();
    assert_eq!(renew(app, &r).await.unwrap_err().code(), "RNV-CARD-002");

    for c in [&expired, &worn, &ok] {
        for der in &c.certs {
            assert_eq!(renewals_of_certificate(app, der).await, 0);
        }
    }
    // And the good request still goes through.
    assert_eq!(
        renew(app, &request(&ok, 0, &new_key(), None))
            .await
            .unwrap()
            .status,
        "issued"
    );
}

#[tokio::test]
async fn c2_a_card_renewal_waits_for_the_organisation_then_is_issued_or_rejected() {
    let e = env().await;
    let app = &e.app;
    let card = card(app, "JZLF011", 30).await;
    let sig = request(&card, 0, &new_key(), None);
    let v = renew(app, &sig).await.unwrap();
    assert_eq!(v.status, "approval");
    assert!(v.certificate.is_none());
    assert_eq!(renew(app, &sig).await.unwrap().id, v.id);
    let cns = renew(app, &request(&card, 1, &new_key(), None))
        .await
        .unwrap();
    assert_eq!(cns.status, "approval");

    let token = app
        .cdrl_login(DEMO_CDRL.0, DEMO_CDRL.1, Lang::It, &ctx())
        .await
        .unwrap();
    let cdrl = app.cdrl_session(&token).await.unwrap();
    let pending = app.pending_approvals(&cdrl).await.unwrap();
    assert!(pending.len() >= 2, "both card requests wait for the CDRL");
    let kinds = |id: &str| {
        pending
            .iter()
            .find(|a| a.renewal_id == id)
            .map(|a| a.certificate_kind.clone())
    };
    // The CDRL sees which are card certificates (C2).
    assert_eq!(kinds(v.id.as_str()).as_deref(), Some("card_signature"));
    assert_eq!(kinds(cns.id.as_str()).as_deref(), Some("cns"));
    app.decide(&cdrl, &v.id, true, None, &ctx()).await.unwrap();
    app.decide(&cdrl, &v.id, true, None, &ctx()).await.unwrap();
    let done = app.card_renewal(&v.id, Lang::It).await.unwrap();
    assert_eq!(done.status, "issued");
    assert!(done.certificate.is_some());

    app.decide(&cdrl, &cns.id, false, Some("carta da sostituire"), &ctx())
        .await
        .unwrap();
    let no = app.card_renewal(&cns.id, Lang::It).await.unwrap();
    assert_eq!(no.status, "rejected");
    assert_eq!(no.reason.as_deref(), Some("carta da sostituire"));
    assert!(no.certificate.is_none());
    let st = app.card_status(&card.certs, Lang::It).await.unwrap();
    assert_eq!(st[0].reason_code.as_deref(), Some("RNV-WIN-006"));
    assert!(
        st[1].renewable,
        "a rejected request leaves the CNS certificate as it was"
    );
}
