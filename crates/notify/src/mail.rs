//! E-mail delivery: a [`Mailer`] port, the SMTP adapter over lettre (STARTTLS or implicit TLS
//! with rustls, optional authentication) and the demo adapter that leaves messages in the
//! outbox page.

use crate::{BoxFuture, NotifyError};
use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::response::Category;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// One e-mail to deliver.
#[derive(Debug, Clone)]
pub struct OutgoingEmail<'a> {
    /// The outbox id: becomes the Message-ID, so a retried delivery is recognisable.
    pub id: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
}

/// Something that delivers e-mail.
pub trait Mailer: Send + Sync {
    /// Delivers one message.
    fn send<'a>(&'a self, m: &'a OutgoingEmail<'a>) -> BoxFuture<'a, Result<(), NotifyError>>;

    /// Whether the outbox is where the messages are read (the demo's page): their one-time
    /// links then stay; otherwise, once delivered, they are redacted
    /// ([`crate::redact_links`]).
    fn outbox_is_the_inbox(&self) -> bool {
        false
    }
}

/// Demo adapter: e-mails stay in the outbox, where the demo page shows them.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxOnlyMail;

impl Mailer for OutboxOnlyMail {
    fn send<'a>(&'a self, _m: &'a OutgoingEmail<'a>) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async { Ok(()) })
    }

    fn outbox_is_the_inbox(&self) -> bool {
        true
    }
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host.
    None,
}

/// The SMTP relay.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<rinnova_domain::secret::Secret>,
    /// The sender, e.g. `rinnova <noreply@ca.example>`.
    pub from: String,
    /// A PEM file of extra trusted roots (a private relay's CA); the system roots stay trusted.
    pub ca_file: Option<PathBuf>,
    pub timeout_seconds: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from: "rinnova <noreply@localhost>".into(),
            ca_file: None,
            timeout_seconds: 30,
        }
    }
}

/// Delivery over SMTP.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of Message-IDs.
    domain: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("SMTP settings: {0}")]
pub struct SmtpConfigError(String);

impl SmtpMailer {
    /// A mailer for `cfg`; fails on a bad sender, CA file or TLS setting.
    pub fn new(cfg: &SmtpConfig) -> Result<Self, SmtpConfigError> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| SmtpConfigError(format!("from {:?}: {e}", cfg.from)))?;
        let tls = match cfg.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Starttls => Tls::Required(tls_parameters(cfg)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(cfg)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
            .port(cfg.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(cfg.timeout_seconds.max(1))));
        match (&cfg.username, &cfg.password) {
            (Some(u), Some(p)) => {
                builder = builder.credentials(Credentials::new(u.clone(), p.expose().to_owned()));
            }
            (None, None) => {}
            _ => {
                return Err(SmtpConfigError("username and password go together".into()));
            }
        }
        let domain = from.email.domain().to_owned();
        Ok(Self {
            transport: builder.build(),
            from,
            domain,
        })
    }

    fn message(&self, m: &OutgoingEmail<'_>) -> Result<Message, NotifyError> {
        let to: Mailbox =
            m.to.parse()
                .map_err(|e| NotifyError::Rejected(format!("recipient {:?}: {e}", m.to)))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject)
            .message_id(Some(format!("<{}@{}>", m.id, self.domain)));
        let text = SinglePart::builder()
            .header(header::ContentType::TEXT_PLAIN)
            .body(m.text.to_owned());
        let built = match m.html {
            Some(html) => builder.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(html.to_owned()),
                ),
            ),
            None => builder.singlepart(text),
        };
        built.map_err(|e| NotifyError::Rejected(e.to_string()))
    }
}

fn tls_parameters(cfg: &SmtpConfig) -> Result<TlsParameters, SmtpConfigError> {
    let mut b = TlsParameters::builder(cfg.host.clone());
    if let Some(path) = &cfg.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| SmtpConfigError(format!("reading {}: {e}", path.display())))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| SmtpConfigError(format!("{}: {e}", path.display())))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls()
        .map_err(|e| SmtpConfigError(format!("TLS: {e}")))
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, m: &'a OutgoingEmail<'a>) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move {
            let message = self.message(m)?;
            match self.transport.send(message).await {
                Ok(_) => Ok(()),
                // 5xx: the relay will never take this message (bad address, policy); but a
                // refused login (53x) is the relay's settings, not the message: retried once
                // they are mended. Anything else (4xx, connection, TLS, timeout) is retried.
                Err(e)
                    if e.is_permanent()
                        && e.status()
                            .is_none_or(|c| c.category != Category::Unspecified3) =>
                {
                    Err(NotifyError::Rejected(e.to_string()))
                }
                Err(e) => Err(NotifyError::Unreachable(e.to_string())),
            }
        })
    }
}
