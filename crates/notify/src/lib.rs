//! Delivery of the messages that use cases queue in the outbox: SMS through an [`SmsGateway`],
//! e-mail through a [`Mailer`] (SMTP, or the demo's outbox page), with retries, backoff and
//! giving up on permanent refusals.

pub mod mail;

pub use mail::{Mailer, OutboxOnlyMail, OutgoingEmail, SmtpConfig, SmtpMailer, SmtpSecurity};

use rinnova_domain::Clock;
use rinnova_store::{OutboxRecord, Store, repo};
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
    /// Refused for good: retrying cannot help.
    #[error("message rejected: {0}")]
    Rejected(String),
}

impl NotifyError {
    /// Whether retrying is pointless.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Rejected(_))
    }
}

/// Something that delivers an SMS.
pub trait SmsGateway: Send + Sync {
    /// Delivers `text` to `to` (international format). `id` is the outbox message's id, the
    /// same at every attempt: a gateway that has seen it already does not send it again.
    fn send<'a>(
        &'a self,
        id: &'a str,
        to: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), NotifyError>>;

    /// Whether the outbox is where the message is read (the demo's adapter): then its text is
    /// kept as it was; otherwise, once delivered, its codes are redacted ([`redact_codes`]).
    fn outbox_is_the_phone(&self) -> bool {
        false
    }
}

/// Demo adapter: messages stay in the outbox, where the demo page shows them; delivery only
/// marks them sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxOnly;

impl SmsGateway for OutboxOnly {
    fn send<'a>(
        &'a self,
        _id: &'a str,
        _to: &'a str,
        _text: &'a str,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async { Ok(()) })
    }

    fn outbox_is_the_phone(&self) -> bool {
        true
    }
}

/// An SMS provider reached by HTTP: `POST url` with JSON `{"to": …, "text": …, "id": …}`, the
/// id also as the `Idempotency-Key` header (a retried message is recognised), and an optional
/// bearer token; any 2xx is success.
#[derive(Debug, Clone)]
pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    token: Option<rinnova_domain::secret::Secret>,
}

impl HttpSmsGateway {
    /// A gateway at `url`.
    pub fn new(
        url: impl Into<String>,
        token: Option<rinnova_domain::secret::Secret>,
    ) -> Result<Self, NotifyError> {
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
    id: &'a str,
}

impl SmsGateway for HttpSmsGateway {
    fn send<'a>(
        &'a self,
        id: &'a str,
        to: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move {
            let mut req = self
                .client
                .post(&self.url)
                .header("Idempotency-Key", id)
                .json(&SmsBody { to, text, id });
            if let Some(t) = &self.token {
                req = req.bearer_auth(t.expose());
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

/// How long a claimed message is reserved for the worker that claimed it. The worker renews
/// the lease every third of it while a send is under way, so a message outlives a slow relay,
/// and one claimed by a worker that died is sent again within this long.
const LEASE_SECONDS: i64 = 30;

/// Delay before retry number `attempt` (1, 2, …): 10 s doubling, at most an hour.
pub fn backoff_seconds(attempt: i64) -> i64 {
    let exp = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    10i64.saturating_mul(2i64.saturating_pow(exp)).min(3600)
}

/// Where messages go out.
#[derive(Clone)]
pub struct Channels {
    pub sms: Arc<dyn SmsGateway>,
    pub mail: Arc<dyn Mailer>,
    /// Attempts after which a message is given up (with the doubling backoff, 12 attempts span
    /// about five hours).
    pub max_attempts: i64,
}

impl Channels {
    /// The demo: every message stays on the outbox page.
    pub fn outbox_only() -> Self {
        Self {
            sms: Arc::new(OutboxOnly),
            mail: Arc::new(OutboxOnlyMail),
            max_attempts: 12,
        }
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sms: usize,
    pub email: usize,
}

/// Delivers every due SMS once; returns how many were delivered.
pub async fn deliver_due_sms(
    store: &Store,
    gateway: &dyn SmsGateway,
    clock: &dyn Clock,
) -> Result<usize, rinnova_store::StoreError> {
    let redact = (!gateway.outbox_is_the_phone()).then_some(redact_codes as fn(&str) -> String);
    deliver_channel(store, "sms", 12, redact, clock, |m| {
        Box::pin(async move { gateway.send(&m.id, &m.recipient, &m.body).await })
    })
    .await
}

/// An SMS's text as kept once it is delivered or given up: every run of four or more digits
/// (the one-time codes) replaced by as many `•` — the code was for the holder's phone only, and
/// a copy of the database must not hold codes that may still be valid (issue 21).
pub fn redact_codes(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 4 {
            out.extend(std::iter::repeat_n('•', run.chars().count()));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in body.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The paths of one-time links (account recovery) whose last segment is the token.
const ONE_TIME_PATHS: [&str; 1] = ["/recover/"];

/// An e-mail's text (or HTML) as kept once it is delivered or given up: the token of every
/// one-time link replaced by `•`s — the link was for the holder's mailbox only (issue 21).
pub fn redact_links(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some((at, path)) = ONE_TIME_PATHS
        .iter()
        .filter_map(|p| rest.find(p).map(|at| (at, *p)))
        .min()
    {
        let start = at + path.len();
        out.push_str(&rest[..start]);
        let len = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len() - start);
        out.extend(std::iter::repeat_n('•', len.min(8)));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod redaction_tests {
    #[test]
    fn one_time_link_tokens_are_redacted_and_the_rest_kept() {
        assert_eq!(
            super::redact_links(
                "open https://x.it/recover/AbC-12_z within 30 minutes\n<a href=\"https://x.it/recover/QQ\">"
            ),
            "open https://x.it/recover/•••••••• within 30 minutes\n<a href=\"https://x.it/recover/••\">"
        );
        assert_eq!(
            super::redact_links("https://x.it/r/abc"),
            "https://x.it/r/abc"
        );
        assert_eq!(super::redact_links("ends /recover/"), "ends /recover/");
    }

    #[test]
    fn codes_of_four_or_more_digits_are_redacted_and_the_rest_kept() {
        assert_eq!(
            super::redact_codes("rinnova: codice 123456 per firmare (JZLF001), valido 5 min"),
            "rinnova: codice •••••• per firmare (JZLF001), valido 5 min"
        );
        assert_eq!(super::redact_codes("9876"), "••••");
        assert_eq!(super::redact_codes("no code"), "no code");
    }
}

/// Delivers every due e-mail once; returns how many were delivered.
pub async fn deliver_due_email(
    store: &Store,
    mailer: &dyn Mailer,
    max_attempts: i64,
    clock: &dyn Clock,
) -> Result<usize, rinnova_store::StoreError> {
    let redact = (!mailer.outbox_is_the_inbox()).then_some(redact_links as fn(&str) -> String);
    deliver_channel(store, "email", max_attempts, redact, clock, |m| {
        Box::pin(async move {
            let email = OutgoingEmail {
                id: &m.id,
                to: &m.recipient,
                subject: m.subject.as_deref().unwrap_or(""),
                text: &m.body,
                html: m.html.as_deref(),
            };
            mailer.send(&email).await
        })
    })
    .await
}

/// Delivers every due message of every channel once.
pub async fn deliver_due(
    store: &Store,
    channels: &Channels,
    clock: &dyn Clock,
) -> Result<Delivered, rinnova_store::StoreError> {
    Ok(Delivered {
        sms: deliver_due_sms(store, channels.sms.as_ref(), clock).await?,
        email: deliver_due_email(store, channels.mail.as_ref(), channels.max_attempts, clock)
            .await?,
    })
}

/// Messages claimed and sent together (concurrently: an SMTP pool, an HTTP client). Few, so
/// that a worker that dies leaves few to send again.
const BATCH: i64 = 8;

/// Claims due messages of `channel` in small batches (a lease keeps other workers and
/// instances off them, renewed while their sends are under way), hands each to `send`, and
/// records each outcome as soon as its send returns — sent, retried after a backoff, or given
/// up after a permanent refusal or `max_attempts` — so that a crash repeats at most the
/// messages still in flight (issue 18 item 7: a batch of 32 marked together after the slowest
/// sent 35 of 300 SMS twice after a kill -9).
async fn deliver_channel<'g, F>(
    store: &Store,
    channel: &str,
    max_attempts: i64,
    redact: Option<fn(&str) -> String>,
    clock: &dyn Clock,
    send: F,
) -> Result<usize, rinnova_store::StoreError>
where
    F: Fn(OutboxRecord) -> BoxFuture<'g, Result<(), NotifyError>>,
{
    use futures_util::StreamExt;
    let mut delivered = 0;
    loop {
        let now = clock.now().as_second();
        let claimed = {
            let mut tx = store.begin().await?;
            let m =
                repo::outbox::claim_due_batch(&mut tx, channel, now, now + LEASE_SECONDS, BATCH)
                    .await?;
            tx.commit().await?;
            m
        };
        if claimed.is_empty() {
            return Ok(delivered);
        }
        let mut in_flight: Vec<String> = claimed.iter().map(|m| m.id.clone()).collect();
        // What each message's text becomes once it has left (or never will).
        let mut redacted = std::collections::HashMap::new();
        if let Some(r) = redact {
            for m in &claimed {
                let body = r(&m.body);
                let html = m.html.as_deref().map(r);
                if body != m.body || html != m.html {
                    redacted.insert(m.id.clone(), (body, html));
                }
            }
        }
        let mut sends: futures_util::stream::FuturesUnordered<_> = claimed
            .into_iter()
            .map(|m| {
                let (id, attempts) = (m.id.clone(), m.attempts);
                let fut = send(m);
                async move { (id, attempts, fut.await) }
            })
            .collect();
        let mut renew = tokio::time::interval(Duration::from_secs(
            u64::try_from(LEASE_SECONDS / 3).unwrap_or(10),
        ));
        renew.tick().await;
        loop {
            tokio::select! {
                done = sends.next() => {
                    let Some((id, attempts, outcome)) = done else { break };
                    in_flight.retain(|m| *m != id);
                    let now = clock.now().as_second();
                    let mut tx = store.begin().await?;
                    match outcome {
                        Ok(()) => {
                            repo::outbox::mark_sent(&mut tx, std::slice::from_ref(&id), now).await?;
                            if let Some((body, html)) = redacted.remove(&id) {
                                repo::outbox::redact_body(&mut tx, &id, &body, html.as_deref()).await?;
                            }
                            delivered += 1;
                        }
                        Err(e) if e.is_permanent() || attempts >= max_attempts => {
                            tracing::error!(message = %id, channel, attempt = attempts, error = %e, "delivery given up");
                            repo::outbox::give_up(&mut tx, &id, &e.to_string(), now).await?;
                            if let Some((body, html)) = redacted.remove(&id) {
                                repo::outbox::redact_body(&mut tx, &id, &body, html.as_deref()).await?;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(message = %id, channel, attempt = attempts, error = %e, "delivery failed; will retry");
                            let retry = now + backoff_seconds(attempts);
                            repo::outbox::mark_failed(&mut tx, &id, &e.to_string(), retry).await?;
                        }
                    }
                    tx.commit().await?;
                }
                _ = renew.tick() => {
                    let until = clock.now().as_second() + LEASE_SECONDS;
                    let mut tx = store.begin().await?;
                    repo::outbox::extend_lease(&mut tx, &in_flight, until).await?;
                    tx.commit().await?;
                }
            }
        }
        tokio::task::yield_now().await;
        // A failed message is not due again within this pass (its retry is in the future).
    }
}

/// Runs delivery every `every` until `stop` resolves.
pub async fn run_worker(
    store: Store,
    channels: Channels,
    clock: Arc<dyn Clock>,
    every: Duration,
    stop: impl Future<Output = ()> + Send,
) {
    tokio::pin!(stop);
    loop {
        if let Err(e) = deliver_due(&store, &channels, clock.as_ref()).await {
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
