//! The HTTP SMS gateway against a real HTTP server on loopback, and the outbox worker's retries.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use jiff::Timestamp;
use rinnova_domain::clock::ManualClock;
use rinnova_notify::{HttpSmsGateway, deliver_due_sms};
use rinnova_store::{OutboxRecord, repo};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Received {
    messages: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    fail_first: Arc<Mutex<u32>>,
}

async fn receive(
    State(r): State<Received>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    {
        let mut fails = r.fail_first.lock().unwrap();
        if *fails > 0 {
            *fails -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    r.messages.lock().unwrap().push((auth, body));
    StatusCode::ACCEPTED
}

#[tokio::test]
async fn sms_is_posted_to_the_gateway_and_retried_after_a_failure() {
    let received = Received::default();
    *received.fail_first.lock().unwrap() = 1;
    let app = Router::new()
        .route("/sms", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = rinnova_store::testing::store(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let clock = ManualClock::new("2026-11-23T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut tx = store.begin().await.unwrap();
    repo::outbox::push(
        &mut tx,
        &OutboxRecord {
            seq: 0,
            id: "m1".into(),
            channel: "sms".into(),
            recipient: "+393330000001".into(),
            holder_id: None,
            subject: None,
            body: "rinnova: 123456".into(),
            created_at: 0,
            attempts: 0,
            next_attempt_at: 0,
            sent_at: None,
            last_error: None,
            html: None,
            gave_up_at: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let gw = HttpSmsGateway::new(format!("http://{addr}/sms"), Some("secret".into())).unwrap();
    // First pass: the gateway answers 503, the message waits for its retry.
    assert_eq!(deliver_due_sms(&store, &gw, &clock).await.unwrap(), 0);
    let m = &repo::outbox::recent(&mut store.conn().await.unwrap(), None, 1)
        .await
        .unwrap()[0];
    assert!(m.sent_at.is_none());
    assert!(m.last_error.as_deref().unwrap().contains("503"));
    // Not due again before the backoff.
    assert_eq!(deliver_due_sms(&store, &gw, &clock).await.unwrap(), 0);
    clock.advance(jiff::SignedDuration::from_secs(11));
    assert_eq!(deliver_due_sms(&store, &gw, &clock).await.unwrap(), 1);
    let got = received.messages.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "delivered exactly once");
    assert_eq!(got[0].0, "Bearer secret");
    assert_eq!(got[0].1["to"], "+393330000001");
    assert_eq!(got[0].1["text"], "rinnova: 123456");
    // Issue 21: the code went to the phone; the outbox keeps the text without it.
    let m = &repo::outbox::recent(&mut store.conn().await.unwrap(), None, 1)
        .await
        .unwrap()[0];
    assert!(m.sent_at.is_some());
    assert_eq!(m.body, "rinnova: ••••••");
    // Nothing left to deliver.
    assert_eq!(deliver_due_sms(&store, &gw, &clock).await.unwrap(), 0);
}
