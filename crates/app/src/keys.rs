//! The keys the application signs with (issue 20), and where holders' keys are.

use crate::{App, AppError};
use rinnova_ca::{Hsm, SignatureDevice};
use rinnova_domain::secret::Secret;
use rinnova_store::repo;
use std::sync::Arc;

/// The keys the application signs with (issue 20): where holders' remote-signature keys live,
/// and what opens the CA's keys.
pub struct Keys {
    /// Opens the CA's keys when they are sealed in the database (made by `ca init` with
    /// software keys, or before issue 20); not needed when they are in `token`.
    pub ca_passphrase: Option<Secret>,
    /// The service's PKCS#11 token, when keys live in one: the issuing CA's key is there.
    pub token: Option<Arc<Hsm>>,
    /// The device that makes and uses holders' keys: the HSM in production, software in the
    /// demo and in tests of their own.
    pub holders: Arc<dyn SignatureDevice>,
}

impl Keys {
    /// Software keys: holders' keys sealed under their PIN with `pin_kdf`, the CA's under
    /// `ca_passphrase` (the demo's and tests' keys; in production only with
    /// `allow_software_keys`).
    pub fn software(ca_passphrase: Secret, pin_kdf: rinnova_ca::KdfParams) -> Keys {
        Keys {
            ca_passphrase: Some(ca_passphrase),
            token: None,
            holders: Arc::new(rinnova_ca::SoftwareDevice { kdf: pin_kdf }),
        }
    }

    /// Keys in the service's token: holders' keys wrapped by it, the issuing CA's key in it
    /// (or still sealed under `ca_passphrase`, for a CA made before).
    pub fn token(token: Arc<Hsm>, ca_passphrase: Option<Secret>) -> Result<Keys, AppError> {
        let holders = Arc::new(token.clone().holder_device()?);
        Ok(Keys {
            ca_passphrase,
            token: Some(token),
            holders,
        })
    }
}

/// Where holders' keys are: how many live keys the HSM wraps, how many are still sealed in
/// software (they move at their holder's next right PIN), and retired keys still stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KeyCensus {
    pub in_hsm: i64,
    pub software: i64,
    pub retired_kept: i64,
}

impl App {
    /// Where holders' keys are (`rinnova keys show`).
    pub async fn key_census(&self) -> Result<KeyCensus, AppError> {
        let (live, retired_kept) =
            repo::holders::key_census(&mut *self.store().conn().await?).await?;
        let in_hsm = live
            .iter()
            .filter(|(head, _)| rinnova_ca::hsm::is_hsm_blob(head))
            .map(|(_, n)| n)
            .sum();
        let all: i64 = live.iter().map(|(_, n)| n).sum();
        Ok(KeyCensus {
            in_hsm,
            software: all - in_hsm,
            retired_kept,
        })
    }
}
