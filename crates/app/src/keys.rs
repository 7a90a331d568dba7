//! The keys the application signs with (issue 20), and where holders' keys are.

use crate::{App, AppError};
use rinnova_ca::{Hsm, SecretSealer, SignatureDevice};
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
    /// The software sealer under `ca_passphrase`, when there is one: it opens seeds sealed in
    /// software before the keys moved into a token.
    pub software_secrets: Option<Arc<rinnova_ca::SoftwareSealer>>,
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
            secrets: secrets.clone(),
            software_secrets: Some(secrets),
        }
    }

    /// Keys in the service's token: holders' keys wrapped by it, the issuing CA's key in it
    /// (or still sealed under `ca_passphrase`, for a CA made before).
    pub fn token(
        token: Arc<Hsm>,
        ca_passphrase: Option<Secret>,
        pin_kdf: rinnova_ca::KdfParams,
    ) -> Result<Keys, AppError> {
        let holders = Arc::new(token.clone().holder_device()?);
        let secrets = Arc::new(rinnova_ca::HsmSealer::new(token.clone())?);
        let software_secrets = ca_passphrase.as_ref().map(|p| {
            Arc::new(rinnova_ca::SoftwareSealer::new(
                p.expose().as_bytes(),
                pin_kdf,
            ))
        });
        Ok(Keys {
            ca_passphrase,
            token: Some(token),
            holders,
            secrets,
            software_secrets,
        })
    }
}

/// Counts a wrong PIN against a credential (SPEC O3), audited against `subject` (the renewal,
/// or the credential itself); at the limit the credential is blocked — for renewal and for
/// remote signing alike, its signature activation data voided — and that is audited too.
/// Returns the refusal to answer with.
pub(crate) async fn wrong_pin(
    c: &mut rinnova_store::Conn,
    app: &App,
    h: &rinnova_store::HolderRecord,
    cred: &rinnova_store::CredentialRecord,
    subject: &str,
    now: i64,
    ctx: &crate::Ctx,
) -> Result<AppError, AppError> {
    let max = app.config().max_pin_failures;
    let failures = repo::holders::pin_failed(c, &cred.id, max, now).await?;
    crate::auth::audit(
        c,
        now,
        &h.user_id,
        crate::audit::AuditAction::PinFailed,
        Some(subject),
        ctx,
        Some(format!("{failures} of {max}")),
    )
    .await?;
    if failures < max {
        return Ok(AppError::WrongPin {
            remaining: max - failures,
        });
    }
    repo::csc::void_sads_of(c, cred.id.as_str()).await?;
    crate::auth::audit(
        c,
        now,
        &h.user_id,
        crate::audit::AuditAction::CredentialBlocked,
        Some(cred.id.as_str()),
        ctx,
        None,
    )
    .await?;
    Ok(AppError::CredentialBlocked)
}

/// Stores a key the device moved into the HSM while using it (see `Signed::resealed`), in
/// place of the software-sealed one, audited.
pub(crate) async fn store_resealed(
    c: &mut rinnova_store::Conn,
    h: &rinnova_store::HolderRecord,
    cred: &rinnova_store::CredentialRecord,
    resealed: Option<Vec<u8>>,
    now: i64,
    ctx: &crate::Ctx,
) -> Result<(), AppError> {
    if let Some(blob) = resealed
        && repo::holders::reseal_credential(c, &cred.id, &cred.sealed_private, &blob).await?
    {
        crate::auth::audit(
            c,
            now,
            &h.user_id,
            crate::audit::AuditAction::KeyMovedToHsm,
            Some(cred.id.as_str()),
            ctx,
            None,
        )
        .await?;
    }
    Ok(())
}

/// `TokenRecord::sealed`: sealed in software, or by the token.
const SOFTWARE_SEALED: i64 = 1;
const TOKEN_SEALED: i64 = 2;

/// Where holders' keys are: how many live keys the HSM wraps, how many are still sealed in
/// software (they move at their holder's next right PIN), and retired keys still stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KeyCensus {
    pub in_hsm: i64,
    pub software: i64,
    pub retired_kept: i64,
}

impl App {
    /// A token's seed, opened: sealed by the key backend in use (bound to its holder), or —
    /// until [`App::seal_token_seeds`] at start seals it anew — in clear or sealed in software.
    pub(crate) fn token_seed(
        &self,
        t: &rinnova_store::TokenRecord,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, AppError> {
        let context = t.holder_id.as_str().as_bytes();
        match t.sealed {
            0 => Ok(zeroize::Zeroizing::new(t.secret.clone())),
            code if code == self.secrets_code() => {
                Ok(self.inner_secrets().open(&t.secret, context)?)
            }
            SOFTWARE_SEALED => match self.software_secrets() {
                Some(s) => Ok(s.open(&t.secret, context)?),
                None => Err(AppError::Internal(
                    "a token seed sealed in software: start once with ca_passphrase set, so that \
                     the token seals it"
                        .into(),
                )),
            },
            other => Err(AppError::Internal(
                format!("a token seed sealed by key backend {other}, not the one in use").into(),
            )),
        }
    }

    /// A seed sealed for its holder's row by the key backend in use, and that backend's code
    /// for `TokenRecord::sealed`.
    pub fn seal_token_seed(
        &self,
        holder_id: &rinnova_domain::HolderId,
        seed: &[u8],
    ) -> Result<(Vec<u8>, i64), AppError> {
        Ok((
            self.inner_secrets()
                .seal(seed, holder_id.as_str().as_bytes())?,
            self.secrets_code(),
        ))
    }

    /// The code of the key backend in use for `TokenRecord::sealed`.
    fn secrets_code(&self) -> i64 {
        match self.inner_secrets().kind() {
            "software" => SOFTWARE_SEALED,
            _ => TOKEN_SEALED,
        }
    }

    /// Seals anew, by the key backend in use, every token seed it did not seal: in clear (a
    /// version before issue 21), or sealed in software on an installation whose keys moved
    /// into a token. Returns how many. Run at start; each in a transaction of its own, so an
    /// interrupted run goes on at the next.
    pub async fn seal_token_seeds(&self) -> Result<usize, AppError> {
        let code = self.secrets_code();
        let others =
            repo::holders::tokens_not_sealed_by(&mut *self.store().conn().await?, code).await?;
        let mut sealed = 0;
        for t in others {
            let seed = match self.token_seed(&t) {
                Ok(seed) => seed,
                Err(e) => {
                    tracing::error!(holder = %t.holder_id, error = %crate::error::chain(&e), "a token seed cannot be sealed anew");
                    continue;
                }
            };
            let (blob, _) = self.seal_token_seed(&t.holder_id, &seed)?;
            let mut tx = self.store().begin().await?;
            if repo::holders::reseal_token_secret(&mut tx, &t.holder_id, t.sealed, &blob, code)
                .await?
            {
                sealed += 1;
            }
            tx.commit().await.map_err(rinnova_store::StoreError::from)?;
        }
        if sealed > 0 {
            tracing::info!(
                tokens = sealed,
                backend = self.inner_secrets().kind(),
                "token seeds sealed by the key backend"
            );
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
