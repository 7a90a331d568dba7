//! CA initialisation and opening (`rinnova ca init`, and implicitly `serve --demo`).

use crate::AppError;
use crate::Keys;
use crate::root::RootKeys;
use crate::util::secs;
use jiff::Timestamp;
use rinnova_ca::{Ca, CaAlgorithm, CaConfig, CaKeyLocation, CaMaterial, Hsm, KdfParams, Purpose};
use rinnova_domain::secret::Secret;
use rinnova_store::{Store, repo};
use std::sync::Arc;

/// Creates the CA in the store unless it exists. Returns whether it was created.
pub async fn init(
    store: &Store,
    config: &CaConfig,
    passphrase: &Secret,
    kdf: KdfParams,
    now: Timestamp,
) -> Result<bool, AppError> {
    if repo::ca::get(&mut *store.conn().await?).await?.is_some() {
        return Ok(false);
    }
    let algorithm = config.algorithm;
    let (config, secret) = (config.clone(), passphrase.clone());
    let material =
        crate::util::blocking(move || Ca::init(&config, secret.expose().as_bytes(), kdf, now))
            .await??;
    let created = put(store, &material, now).await?;
    make_delegate_keys(store, None, Some(passphrase), algorithm, kdf, now).await?;
    Ok(created)
}

/// The delegates' keys in the service's token (no passphrase is needed there).
async fn make_delegate_keys_in_token(
    store: &Store,
    token: &Arc<Hsm>,
    algorithm: CaAlgorithm,
    now: Timestamp,
) -> Result<(), AppError> {
    make_delegate_keys(
        store,
        Some(token),
        None,
        algorithm,
        KdfParams::default(),
        now,
    )
    .await
}

/// The ceremony's last step: the delegates' keys (OCSP responder, audit seal), made once here
/// rather than by whichever instance starts first.
async fn make_delegate_keys(
    store: &Store,
    token: Option<&Arc<Hsm>>,
    passphrase: Option<&Secret>,
    algorithm: CaAlgorithm,
    kdf: KdfParams,
    now: Timestamp,
) -> Result<(), AppError> {
    let mut c = store.conn().await?;
    for purpose in Purpose::ALL {
        crate::delegates::delegate_key(
            &mut c,
            token,
            passphrase,
            algorithm,
            kdf,
            secs(now),
            purpose,
        )
        .await?;
    }
    Ok(())
}

/// Whether the CA exists.
pub async fn exists(store: &Store) -> Result<bool, AppError> {
    Ok(repo::ca::get(&mut *store.conn().await?).await?.is_some())
}

/// The stored CA material (certificates; the keys stay sealed), without the passphrase.
pub async fn material(store: &Store) -> Result<CaMaterial, AppError> {
    let json = repo::ca::get(&mut *store.conn().await?)
        .await?
        .ok_or_else(|| {
            AppError::Internal("the CA is not initialised: run `rinnova ca init`".into())
        })?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))
}

/// Creates the CA in the store unless it exists, its keys generated in tokens: the root's on
/// `root_token` (which `serve` never opens), the issuing CA's on `service_token`. Returns
/// whether it was created.
pub async fn init_in_tokens(
    store: &Store,
    config: &CaConfig,
    root_token: &Arc<Hsm>,
    service_token: &Arc<Hsm>,
    now: Timestamp,
) -> Result<bool, AppError> {
    if repo::ca::get(&mut *store.conn().await?).await?.is_some() {
        return Ok(false);
    }
    let algorithm = config.algorithm;
    let (config, root, service) = (config.clone(), root_token.clone(), service_token.clone());
    let material =
        crate::util::blocking(move || Ca::init_in_tokens(&config, &root, &service, now)).await??;
    let created = put(store, &material, now).await?;
    // No passphrase is needed: the delegates' keys are made in the service's token.
    make_delegate_keys_in_token(store, service_token, algorithm, now).await?;
    Ok(created)
}

/// The ceremony's root CRL (number 1, nothing revoked, valid from `now`), so that the issuing
/// CA's CRL distribution point answers from the first day. `op`: who runs the ceremony.
pub async fn first_root_crl(
    store: &Store,
    keys: RootKeys,
    op: &crate::Operator,
    now: Timestamp,
) -> Result<(), AppError> {
    let root = crate::root::open_root(store, keys).await?;
    match crate::root::root_crl(store, &root, None, crate::root::ROOT_CRL_DAYS, op, now).await {
        Ok(_) => Ok(()),
        Err(crate::root::RootError::App(e)) => Err(e),
        Err(crate::root::RootError::Refused(why)) => Err(AppError::Internal(why.into())),
    }
}

async fn put(store: &Store, material: &CaMaterial, now: Timestamp) -> Result<bool, AppError> {
    let json = serde_json::to_string(material).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = store.begin().await?;
    if repo::ca::get(&mut tx).await?.is_some() {
        return Ok(false);
    }
    repo::ca::put(&mut tx, &json, secs(now)).await?;
    tx.commit().await.map_err(rinnova_store::StoreError::from)?;
    Ok(true)
}

/// Opens the stored CA: its issuing key from the service's token, or unsealed with the
/// passphrase.
pub async fn open(store: &Store, keys: &Keys) -> Result<Ca, AppError> {
    let material = material(store).await?;
    let opened = match (&material.keys, &keys.token, &keys.ca_passphrase) {
        (CaKeyLocation::Tokens { .. }, Some(token), _) => {
            let token = token.clone();
            crate::util::blocking(move || Ca::open_in_token(material, &token)).await?
        }
        (CaKeyLocation::Tokens { issuing_token, .. }, None, _) => {
            return Err(AppError::Internal(
                format!(
                    "the issuing CA's key is in token {issuing_token:?}: set keys.backend = \
                     \"pkcs11\""
                )
                .into(),
            ));
        }
        (CaKeyLocation::Sealed, _, Some(passphrase)) => {
            let passphrase = passphrase.clone();
            crate::util::blocking(move || Ca::open(material, passphrase.expose().as_bytes()))
                .await?
        }
        (CaKeyLocation::Sealed, _, None) => {
            return Err(AppError::Internal(
                "the CA's keys are sealed in the database: set ca_passphrase".into(),
            ));
        }
    };
    opened.map_err(|e| AppError::Internal(format!("cannot open the CA: {e}").into()))
}

/// What `rinnova keys migrate` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaMigration {
    /// The CA's keys moved into the tokens.
    Moved,
    /// They were in tokens already: nothing changed.
    AlreadyInTokens,
}

/// `rinnova keys migrate`: moves the keys of a CA sealed in software (made before issue 20)
/// into tokens — the root's into `root_token`, the issuing CA's into `service_token` — same
/// certificates, same keys; then forgets the sealed copies, and the delegates' software keys,
/// which new keys in the service's token replace (their certificates stay kept, so older
/// seals and answers still verify). Audited. Safe to run again after an interruption.
pub async fn migrate_to_tokens(
    store: &Store,
    passphrase: &Secret,
    root_token: &Arc<Hsm>,
    service_token: &Arc<Hsm>,
    op: &crate::Operator,
    now: Timestamp,
) -> Result<CaMigration, AppError> {
    let material = material(store).await?;
    if material.keys != CaKeyLocation::Sealed {
        return Ok(CaMigration::AlreadyInTokens);
    }
    let algorithm = material.config.algorithm;
    let (passphrase, root, service) = (
        passphrase.clone(),
        root_token.clone(),
        service_token.clone(),
    );
    let moved = crate::util::blocking(move || {
        Ca::migrate_to_tokens(&material, passphrase.expose().as_bytes(), &root, &service)
    })
    .await?
    .map_err(|e| AppError::Internal(format!("cannot move the CA's keys: {e}").into()))?;
    let json = serde_json::to_string(&moved).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = store.begin().await?;
    repo::ca::replace(&mut tx, &json).await?;
    for purpose in Purpose::ALL {
        repo::service_keys::remove(&mut tx, purpose.as_str()).await?;
    }
    crate::auth::audit(
        &mut tx,
        secs(now),
        &op.actor,
        crate::audit::AuditAction::CaKeysMovedToHsm,
        None,
        &op.ctx,
        Some(match &moved.keys {
            CaKeyLocation::Tokens {
                root_token,
                issuing_token,
            } => format!("root in {root_token}, issuing CA in {issuing_token}"),
            CaKeyLocation::Sealed => String::new(),
        }),
    )
    .await?;
    tx.commit().await.map_err(rinnova_store::StoreError::from)?;
    make_delegate_keys_in_token(store, service_token, algorithm, now).await?;
    Ok(CaMigration::Moved)
}
