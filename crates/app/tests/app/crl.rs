//! The CRL (SPEC X1) is issued once per change, also when several requests (or instances,
//! issue 7) find it stale at the same moment.

use crate::renewal::{ctx, env};
use rinnova_ca::revocation::Reason;
use rinnova_store::repo;

#[tokio::test]
async fn x1_requests_finding_the_crl_stale_at_once_issue_one_crl() {
    let e = env().await;
    let app = &e.app;
    let first = app.crl().await.unwrap();
    assert_eq!(
        app.crl().await.unwrap(),
        first,
        "served again while current"
    );

    let serial: String = sqlx::query_scalar("SELECT serial_hex FROM certificates LIMIT 1")
        .fetch_one(&mut *app.store().conn().await.unwrap())
        .await
        .unwrap();
    app.revoke(&serial, Reason::KeyCompromise, "test", &ctx())
        .await
        .unwrap();

    let (a, b, c) = tokio::join!(app.crl(), app.crl(), app.crl());
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_ne!(a, first, "the revocation is published");
    assert_eq!(a, b);
    assert_eq!(b, c);
    let stored = repo::revocation::crl(&mut app.store().conn().await.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.number, 2, "one CRL per change, not one per request");
    assert_eq!(stored.der, a);
}

/// Issue 20, one key one purpose: OCSP answers are signed by a delegated responder, not by the
/// issuing key; its short-lived certificate is issued once, reused, and renewed before its end.
#[tokio::test]
async fn x1_the_ocsp_responder_certificate_is_short_lived_and_renewed_before_its_end() {
    use der::Decode;
    let e = env().await;
    let app = &e.app;
    let first = app
        .delegate(rinnova_ca::Purpose::OcspResponder)
        .await
        .unwrap();
    let again = app
        .delegate(rinnova_ca::Purpose::OcspResponder)
        .await
        .unwrap();
    assert_eq!(first.cert_der, again.cert_der, "reused while fresh");
    let cert = x509_cert::Certificate::from_der(&first.cert_der).unwrap();
    let validity = &cert.tbs_certificate.validity;
    let days = (validity.not_after.to_unix_duration() - validity.not_before.to_unix_duration())
        .as_secs()
        / 86_400;
    assert_eq!(days, 30, "short-lived");
    let issuing = x509_cert::Certificate::from_der(&app.ca().material().issuing_cert_der).unwrap();
    assert_eq!(cert.tbs_certificate.issuer, issuing.tbs_certificate.subject);
    assert_ne!(
        cert.tbs_certificate.subject_public_key_info,
        issuing.tbs_certificate.subject_public_key_info,
        "a key of its own"
    );
    assert!(
        rinnova_ca::authority::verify_signed_by(
            &app.ca().material().issuing_cert_der,
            &der::Encode::to_der(&cert.tbs_certificate).unwrap(),
            cert.signature.raw_bytes()
        ),
        "issued by the issuing CA"
    );

    // 19 days on it is still fresh; 21 days on (less than 10 left) a new one is issued, with
    // the same key.
    e.clock.advance(jiff::SignedDuration::from_hours(24 * 19));
    assert_eq!(
        app.delegate(rinnova_ca::Purpose::OcspResponder)
            .await
            .unwrap()
            .cert_der,
        first.cert_der
    );
    e.clock.advance(jiff::SignedDuration::from_hours(24 * 2));
    let renewed = app
        .delegate(rinnova_ca::Purpose::OcspResponder)
        .await
        .unwrap();
    assert_ne!(renewed.cert_der, first.cert_der);
    let renewed_cert = x509_cert::Certificate::from_der(&renewed.cert_der).unwrap();
    assert_eq!(
        renewed_cert.tbs_certificate.subject_public_key_info,
        cert.tbs_certificate.subject_public_key_info
    );
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM delegate_certs WHERE purpose = 'ocsp-responder'")
            .fetch_one(&mut *app.store().conn().await.unwrap())
            .await
            .unwrap();
    assert_eq!(stored, 2, "every responder certificate is kept");
}
