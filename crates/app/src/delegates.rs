//! The delegates (issue 20, one key one purpose): the OCSP responder and the audit seal, each a
//! key of its own — in the service's token, or sealed under the CA passphrase and shared by
//! every instance through the database — with a short-lived certificate from the issuing CA,
//! renewed before it ends.

use crate::util::{blocking, secs, ts};
use crate::{App, AppError};
use rinnova_ca::ca_key::CaKey;
use rinnova_ca::{CaAlgorithm, Delegate, Hsm, KdfParams, Purpose};
use rinnova_domain::secret::Secret;
use rinnova_store::{Conn, StoreError, repo};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// What opens the delegates' keys, and each delegate once known.
pub(crate) struct Delegates {
    token: Option<Arc<Hsm>>,
    passphrase: Option<Secret>,
    slots: [Slot; 3],
}

#[derive(Default)]
struct Slot {
    /// Opened at first use, so that commands which never sign pay nothing for it.
    key: OnceCell<Arc<CaKey>>,
    current: std::sync::Mutex<Option<Current>>,
    /// Held while a certificate is looked up or issued, so that the requests arriving at the
    /// turn wait for one certificate rather than each issuing its own.
    renewing: tokio::sync::Mutex<()>,
}

/// The delegate in use and its certificate's validity.
struct Current {
    delegate: Arc<Delegate>,
    not_before: i64,
    not_after: i64,
}

impl Delegates {
    pub(crate) fn new(token: Option<Arc<Hsm>>, passphrase: Option<Secret>) -> Delegates {
        Delegates {
            token,
            passphrase,
            slots: Default::default(),
        }
    }

    fn slot(&self, purpose: Purpose) -> &Slot {
        &self.slots[match purpose {
            Purpose::OcspResponder => 0,
            Purpose::AuditSeal => 1,
            Purpose::TimeStamping => 2,
        }]
    }
}

/// The delegate key for `purpose`: in `token` when there is one — made there if missing (the
/// key ceremony makes it; a CA made before it did gets it at first use) — else a software key
/// sealed under `passphrase` in the database, made by whichever instance comes first.
pub(crate) async fn delegate_key(
    c: &mut Conn,
    token: Option<&Arc<Hsm>>,
    passphrase: Option<&Secret>,
    algorithm: CaAlgorithm,
    kdf: KdfParams,
    now: i64,
    purpose: Purpose,
) -> Result<CaKey, AppError> {
    if let Some(token) = token {
        let token = token.clone();
        return Ok(
            blocking(move || match token.ca_key(purpose.key_label(), algorithm) {
                Ok(k) => Ok(CaKey::Token(k)),
                Err(_) => token
                    .generate_ca_key(purpose.key_label(), algorithm)
                    .map(CaKey::Token),
            })
            .await??,
        );
    }
    let passphrase = passphrase
        .cloned()
        .ok_or_else(|| AppError::Internal("software keys need ca_passphrase".into()))?;
    let fresh = {
        let passphrase = passphrase.clone();
        blocking(move || -> Result<Vec<u8>, rinnova_ca::CaError> {
            let key = CaKey::generate_software(algorithm)?;
            let pkcs8 = key.software_pkcs8().ok_or(rinnova_ca::CaError::Malformed)?;
            rinnova_ca::seal::seal(&pkcs8, passphrase.expose().as_bytes(), kdf)
        })
        .await??
    };
    let sealed = repo::service_keys::get_or_create(c, purpose.as_str(), &fresh, now).await?;
    Ok(blocking(move || -> Result<CaKey, rinnova_ca::CaError> {
        let pkcs8 = rinnova_ca::seal::open(&sealed, passphrase.expose().as_bytes())?;
        CaKey::software_from_pkcs8(&pkcs8, algorithm)
    })
    .await??)
}

impl App {
    /// The delegate for `purpose` with a certificate valid now and for a while yet: the cached
    /// one, or the newest stored for its key, or — when that one is near its end — a new one
    /// the issuing CA signs (one per instance at the turn; several instances may each issue
    /// one: every one of them is valid).
    pub async fn delegate(&self, purpose: Purpose) -> Result<Arc<Delegate>, AppError> {
        let now = secs(self.now());
        let (days, renew_days) = purpose.validity_days();
        let fresh = |not_before: i64, not_after: i64| {
            not_before <= now && not_after - now > renew_days * 86_400
        };
        let slot = self.inner.delegates.slot(purpose);
        if let Ok(cached) = slot.current.lock()
            && let Some(c) = cached.as_ref()
            && fresh(c.not_before, c.not_after)
        {
            return Ok(c.delegate.clone());
        }
        let _renewing = slot.renewing.lock().await;
        // Another request may have put a fresh one in while this one waited.
        if let Ok(cached) = slot.current.lock()
            && let Some(c) = cached.as_ref()
            && fresh(c.not_before, c.not_after)
        {
            return Ok(c.delegate.clone());
        }
        let key = slot
            .key
            .get_or_try_init(|| async {
                let d = &self.inner.delegates;
                let mut c = self.store().conn().await?;
                delegate_key(
                    &mut c,
                    d.token.as_ref(),
                    d.passphrase.as_ref(),
                    self.ca().material().config.algorithm,
                    self.config().pin_kdf,
                    now,
                    purpose,
                )
                .await
                .map(Arc::new)
            })
            .await?
            .clone();
        let public = key.public_key_bytes().to_vec();
        let stored =
            repo::ca::delegate_cert(&mut *self.store().conn().await?, purpose.as_str(), &public)
                .await?;
        let row = match stored {
            Some(r) if fresh(r.not_before, r.not_after) => r,
            _ => {
                let app = self.clone();
                let signer = key.clone();
                // A little in the past, for relying parties whose clock runs behind.
                let from = ts(now - 3600);
                let issued =
                    blocking(move || app.ca().issue_delegate(purpose, &signer, from, days))
                        .await??;
                let row = repo::ca::DelegateCert {
                    serial_hex: issued.serial_hex,
                    purpose: purpose.as_str().to_owned(),
                    der: issued.der,
                    public_key: public,
                    not_before: secs(issued.not_before),
                    not_after: secs(issued.not_after),
                    created_at: now,
                };
                let mut tx = self.store().begin().await?;
                repo::ca::put_delegate_cert(&mut tx, &row).await?;
                tx.commit().await.map_err(StoreError::from)?;
                tracing::info!(%purpose, serial = %row.serial_hex, "delegate certificate issued");
                row
            }
        };
        let current = Current {
            delegate: Arc::new(Delegate {
                purpose,
                key,
                cert_der: row.der,
                serial_hex: row.serial_hex,
            }),
            not_before: row.not_before,
            not_after: row.not_after,
        };
        let delegate = current.delegate.clone();
        if let Ok(mut cached) = slot.current.lock() {
            *cached = Some(current);
        }
        Ok(delegate)
    }
}
