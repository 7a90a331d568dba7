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
