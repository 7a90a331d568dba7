//! rinnova's use cases: "log in", "start renewal", "sign the request", "activate"… Each is a
//! method on [`App`] that checks the rules of `rinnova-domain`, runs in one database
//! transaction, and writes its side effects (SMS, e-mail) to the outbox in that same
//! transaction. HTTP handlers, the CLI and background jobs call these; they are tested without
//! HTTP.

pub mod approval;
pub mod audit;
pub mod auth;
pub mod ca_service;
pub mod card;
pub mod clock;
pub mod config;
pub mod contact;
pub mod coupons;
pub mod csc;
mod delegates;
pub mod demo;
pub mod desk;
pub mod ending;
pub mod error;
mod evidence;
pub mod history;
pub mod home;
pub mod i18n;
mod issuance;
pub mod keys;
pub mod links;
pub mod notify;
mod ops;
pub mod otp;
pub mod payment;
pub mod payroll;
pub mod prepaid;
pub mod rao;
pub mod recovery;
pub mod reminders;
pub mod renewal;
mod renewal_view;
pub mod revocation;
pub mod root;
pub mod shop;
mod staff;
pub mod views;

pub mod tsa;
pub mod util;

pub use config::AppConfig;
pub use error::AppError;
pub use keys::Keys;

use rinnova_ca::{Ca, SignatureDevice};
use rinnova_domain::Clock;
use rinnova_pay::PaymentProvider;
use rinnova_pay::sandbox::SandboxProvider;
use rinnova_store::Store;
use std::sync::Arc;

/// Who asks, from where: written to the audit trail with every step (SPEC X2).
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// Who does an administrative action from the command line (issue 21): the audit trail's
/// actor (`admin:<name>`) and the context it records (the machine, the command's run).
#[derive(Debug, Clone, Default)]
pub struct Operator {
    pub actor: String,
    pub ctx: Ctx,
}

/// The application: the store, the CA, the signing device and the clock, shared by every use
/// case.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    ca: Ca,
    device: Arc<dyn SignatureDevice>,
    secrets: Arc<dyn rinnova_ca::SecretSealer>,
    software_secrets: Option<Arc<rinnova_ca::SoftwareSealer>>,
    provider: Arc<dyn PaymentProvider>,
    clock: Arc<dyn Clock>,
    config: AppConfig,
    /// Signs reminder links (shared by every instance through the database).
    link_key: Vec<u8>,
    /// The delegates that sign OCSP answers and audit seals.
    delegates: delegates::Delegates,
    /// Validation data every signed form shares, kept a few minutes.
    evidence: evidence::Shared,
}

impl App {
    /// Builds the application over an initialised store, with the keys of `keys`.
    pub async fn open(
        store: Store,
        config: AppConfig,
        clock: Arc<dyn Clock>,
        keys: Keys,
    ) -> Result<App, AppError> {
        // A policy OID that cannot be read stops the start, not each time-stamp.
        tsa::der_oid(&config.tsa_policy_oid)?;
        let ca = ca_service::open(&store, &keys).await?;
        let delegates = delegates::Delegates::new(keys.token.clone(), keys.ca_passphrase.clone());
        let device = keys.holders;
        let secrets = keys.secrets;
        let software_secrets = keys.software_secrets;
        // The only acquirer so far is the sandbox; a real one implements the same trait.
        let provider = Arc::new(SandboxProvider::new(
            config.shop.sandbox_secret(),
            &format!(
                "{}/sandbox/checkout",
                config.public_url.trim_end_matches('/')
            ),
        ));
        let link_key = {
            let fresh: [u8; 32] = rinnova_ca::random_bytes()?;
            let mut c = store.conn().await?;
            rinnova_store::repo::service_keys::get_or_create(
                &mut c,
                "reminder-link",
                &fresh,
                clock.now().as_second(),
            )
            .await?
        };
        let app = App {
            inner: Arc::new(Inner {
                link_key,
                delegates,
                store,
                ca,
                device,
                secrets,
                software_secrets,
                provider,
                clock,
                config,
                evidence: evidence::Shared::default(),
            }),
        };
        app.seal_token_seeds().await?;
        Ok(app)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// The card/PayPal acquirer.
    pub fn provider(&self) -> &dyn PaymentProvider {
        self.inner.provider.as_ref()
    }

    /// The CA.
    pub fn ca(&self) -> &Ca {
        &self.inner.ca
    }

    /// The device holders' keys live in.
    pub fn holder_device(&self) -> &Arc<dyn SignatureDevice> {
        &self.inner.device
    }

    /// What seals secrets kept for holders.
    pub(crate) fn inner_secrets(&self) -> &dyn rinnova_ca::SecretSealer {
        self.inner.secrets.as_ref()
    }

    /// The software sealer, when the CA passphrase is known.
    pub(crate) fn software_secrets(&self) -> Option<&rinnova_ca::SoftwareSealer> {
        self.inner.software_secrets.as_deref()
    }

    /// The key of reminder links.
    pub(crate) fn link_key(&self) -> &[u8] {
        &self.inner.link_key
    }

    /// The current instant, from the clock port.
    pub fn now(&self) -> jiff::Timestamp {
        self.inner.clock.now()
    }
}

/// For test suites (this crate's and the web layer's): a demo-mode application on a fresh store
/// in `dir` (or a PostgreSQL database of its own, see `rinnova_store::testing`), with the demo
/// CA, cheap key derivations and `clock`. Seeding the demo holders is left to the caller.
pub mod testing {
    use crate::{App, AppConfig, AppError};
    use rinnova_ca::{CaConfig, KdfParams};
    use rinnova_domain::clock::ManualClock;
    use std::sync::Arc;

    pub async fn demo_app(dir: &std::path::Path, clock: ManualClock) -> Result<App, AppError> {
        let store = rinnova_store::testing::store(dir).await?;
        store.migrate().await?;
        let kdf = KdfParams::insecure_for_tests();
        let now = rinnova_domain::Clock::now(&clock);
        crate::ca_service::init(
            &store,
            &CaConfig::demo("http://rinnova-demo.it"),
            &"pass".into(),
            kdf,
            now,
        )
        .await?;
        let config = AppConfig {
            demo: true,
            pin_kdf: kdf,
            password_kdf: kdf,
            ..AppConfig::default()
        };
        let keys = crate::Keys::software("pass".into(), kdf);
        App::open(store, config, Arc::new(clock), keys).await
    }
}
