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
    /// What seals secrets kept for holders (TOTP seeds, issue 21): an AES key in the token, or
    /// in software a key derived from the CA passphrase.
    pub secrets: Arc<dyn rinnova_ca::SecretSealer>,
}

impl Keys {
    /// Software keys: holders' keys sealed under their PIN with `pin_kdf`, the CA's under
    /// `ca_passphrase` (the demo's and tests' keys; in production only with
    /// `allow_software_keys`).
    pub fn software(ca_passphrase: Secret, pin_kdf: rinnova_ca::KdfParams) -> Keys {
        let secrets = Arc::new(rinnova_ca::SoftwareSealer::new(
            ca_passphrase.expose().as_bytes(),
            pin_kdf,
        ));
        Keys {
            ca_passphrase: Some(ca_passphrase),
            token: None,
            holders: Arc::new(rinnova_ca::SoftwareDevice { kdf: pin_kdf }),
            secrets,
        }
    }

    /// Keys in the service's token: holders' keys wrapped by it, the issuing CA's key in it
    /// (or still sealed under `ca_passphrase`, for a CA made before).
    pub fn token(token: Arc<Hsm>, ca_passphrase: Option<Secret>) -> Result<Keys, AppError> {
        let holders = Arc::new(token.clone().holder_device()?);
        let secrets = Arc::new(rinnova_ca::HsmSealer::new(token.clone())?);
        Ok(Keys {
            ca_passphrase,
            token: Some(token),
            holders,
            secrets,
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
    /// A token's seed, opened (sealed by the key backend, bound to its holder; a seed an
    /// earlier version stored in clear is used as it is until [`App::seal_token_seeds`]).
    pub(crate) fn token_seed(
        &self,
        t: &rinnova_store::TokenRecord,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, AppError> {
        if t.sealed == 0 {
            return Ok(zeroize::Zeroizing::new(t.secret.clone()));
        }
        Ok(self
            .inner_secrets()
            .open(&t.secret, t.holder_id.as_str().as_bytes())?)
    }

    /// A seed sealed for its holder's row.
    pub fn seal_token_seed(
        &self,
        holder_id: &rinnova_domain::HolderId,
        seed: &[u8],
    ) -> Result<Vec<u8>, AppError> {
        Ok(self
            .inner_secrets()
            .seal(seed, holder_id.as_str().as_bytes())?)
    }

    /// Seals every token seed still stored in clear (by a version before issue 21); returns
    /// how many. Run at start; each is sealed in a transaction of its own, so an interrupted
    /// run goes on at the next.
    pub async fn seal_token_seeds(&self) -> Result<usize, AppError> {
        let clear = repo::holders::unsealed_tokens(&mut *self.store().conn().await?).await?;
        let mut sealed = 0;
        for t in clear {
            let blob = self.seal_token_seed(&t.holder_id, &t.secret)?;
            let mut tx = self.store().begin().await?;
            if repo::holders::seal_token_secret(&mut tx, &t.holder_id, &blob).await? {
                sealed += 1;
            }
            tx.commit().await.map_err(rinnova_store::StoreError::from)?;
        }
        if sealed > 0 {
            tracing::info!(tokens = sealed, "token seeds sealed by the key backend");
        }
        Ok(sealed)
    }

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
