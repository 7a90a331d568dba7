//! The keys the application signs with (issue 20), and where holders' keys are.

use crate::{App, AppError};
use rinnova_ca::SignatureDevice;
use rinnova_domain::secret::Secret;
use rinnova_store::repo;
use std::sync::Arc;

/// The keys the application signs with (issue 20): where holders' remote-signature keys live,
/// and what opens the CA's keys.
pub struct Keys {
    /// Opens the CA's keys, sealed in the database.
    pub ca_passphrase: Secret,
    /// The device that makes and uses holders' keys: the HSM in production, software in the
    /// demo and in tests of their own.
    pub holders: Arc<dyn SignatureDevice>,
}

impl Keys {
    /// Software keys: holders' keys sealed under their PIN with `pin_kdf` (the demo's and
    /// tests' device; in production only with `allow_software_keys`).
    pub fn software(ca_passphrase: Secret, pin_kdf: rinnova_ca::KdfParams) -> Keys {
        Keys {
            ca_passphrase,
            holders: Arc::new(rinnova_ca::SoftwareDevice { kdf: pin_kdf }),
        }
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
