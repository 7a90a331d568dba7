//! Delivery of the messages that use cases queue in the outbox: SMS through an [`SmsGateway`]
//! (e-mail over SMTP comes with the access and reminders work; until then e-mails stay in the
//! outbox, where the demo page shows them).

use rinnova_domain::Clock;
use rinnova_store::{Store, repo};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A boxed future, for dyn-compatible async traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a message could not be delivered (it will be retried).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("gateway unreachable: {0}")]
    Unreachable(String),
    #[error("gateway refused the message: HTTP {0}")]
    Refused(u16),
}

/// Something that delivers an SMS.
pub trait SmsGateway: Send + Sync {
    /// Delivers `text` to `to` (international format).
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), NotifyError>>;
}

/// Demo adapter: messages stay in the outbox, where the demo page shows them; delivery only
/// marks them sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxOnly;

impl SmsGateway for OutboxOnly {
    fn send<'a>(&'a self, _to: &'a str, _text: &'a str) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async { Ok(()) })
    }
}

/// An SMS provider reached by HTTP: `POST url` with JSON `{"to": …, "text": …}` and an optional
/// bearer token; any 2xx is success.
#[derive(Debug, Clone)]
pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl HttpSmsGateway {
    /// A gateway at `url`.
    pub fn new(url: impl Into<String>, token: Option<String>) -> Result<Self, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| NotifyError::Unreachable(e.to_string()))?;
        Ok(Self {
            client,
            url: url.into(),
            token,
        })
    }
}

#[derive(serde::Serialize)]
struct SmsBody<'a> {
    to: &'a str,
    text: &'a str,
}

impl SmsGateway for HttpSmsGateway {
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move {
            let mut req = self.client.post(&self.url).json(&SmsBody { to, text });
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| NotifyError::Unreachable(e.to_string()))?;
            if resp.status().is_success() {
                Ok(())
            } else {
                Err(NotifyError::Refused(resp.status().as_u16()))
            }
        })
    }
}

/// How long a claimed message is reserved for the worker that claimed it.
const LEASE_SECONDS: i64 = 60;

/// Delay before retry number `attempt` (1, 2, …): 10 s doubling, at most an hour.
pub fn backoff_seconds(attempt: i64) -> i64 {
    let exp = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    10i64.saturating_mul(2i64.saturating_pow(exp)).min(3600)
}

/// Delivers every due SMS once; returns how many were delivered.
pub async fn deliver_due_sms(
    store: &Store,
    gateway: &dyn SmsGateway,
    clock: &dyn Clock,
) -> Result<usize, rinnova_store::StoreError> {
    let mut delivered = 0;
    loop {
        let now = clock.now().as_second();
        let claimed = {
            let mut tx = store.begin().await?;
            let m = repo::outbox::claim_due(&mut tx, "sms", now, now + LEASE_SECONDS).await?;
            tx.commit().await?;
            m
        };
        let Some(m) = claimed else {
            return Ok(delivered);
        };
        let outcome = gateway.send(&m.recipient, &m.body).await;
        let mut tx = store.begin().await?;
        match outcome {
            Ok(()) => {
                repo::outbox::mark_sent(&mut tx, &m.id, clock.now().as_second()).await?;
                delivered += 1;
            }
            Err(e) => {
                tracing::warn!(message = %m.id, attempt = m.attempts, error = %e, "SMS delivery failed; will retry");
                let retry = clock.now().as_second() + backoff_seconds(m.attempts);
                repo::outbox::mark_failed(&mut tx, &m.id, &e.to_string(), retry).await?;
            }
        }
        tx.commit().await?;
        if delivered > 0 && delivered % 100 == 0 {
            tokio::task::yield_now().await;
        }
        // A failed message is not due again within this pass (its retry is in the future).
    }
}

/// Runs SMS delivery every `every` until `stop` resolves.
pub async fn run_worker(
    store: Store,
    gateway: Arc<dyn SmsGateway>,
    clock: Arc<dyn Clock>,
    every: Duration,
    stop: impl Future<Output = ()> + Send,
) {
    tokio::pin!(stop);
    loop {
        if let Err(e) = deliver_due_sms(&store, gateway.as_ref(), clock.as_ref()).await {
            tracing::error!(error = %e, "outbox worker pass failed");
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(super::backoff_seconds(1), 10);
        assert_eq!(super::backoff_seconds(2), 20);
        assert_eq!(super::backoff_seconds(4), 80);
        assert_eq!(super::backoff_seconds(30), 3600);
    }
}
