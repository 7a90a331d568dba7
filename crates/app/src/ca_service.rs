//! CA initialisation and opening (`rinnova ca init`, and implicitly `serve --demo`).

use crate::AppError;
use crate::Keys;
use crate::util::secs;
use jiff::Timestamp;
use rinnova_ca::ca_key::{CaKey, RESPONDER_KEY_LABEL};
use rinnova_ca::{Ca, CaConfig, CaKeyLocation, CaMaterial, Hsm, KdfParams};
use rinnova_store::{Store, repo};
use std::sync::Arc;

/// Creates the CA in the store unless it exists. Returns whether it was created.
pub async fn init(
    store: &Store,
    config: &CaConfig,
    passphrase: &[u8],
    kdf: KdfParams,
    now: Timestamp,
) -> Result<bool, AppError> {
    if repo::ca::get(&mut *store.conn().await?).await?.is_some() {
        return Ok(false);
    }
    let (config, passphrase) = (config.clone(), passphrase.to_vec());
    let material =
        crate::util::blocking(move || Ca::init(&config, &passphrase, kdf, now)).await??;
    put(store, &material, now).await
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
    let (config, root, service) = (config.clone(), root_token.clone(), service_token.clone());
    let material =
        crate::util::blocking(move || Ca::init_in_tokens(&config, &root, &service, now)).await??;
    put(store, &material, now).await
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

/// The delegated OCSP responder's key (one key, one purpose: the issuing key signs
/// certificates and CRLs only). In the service's token when there is one — made there the
/// first time — else a software key sealed under the CA passphrase and shared by every
/// instance through the database.
pub async fn responder_key(
    store: &Store,
    keys: &Keys,
    ca: &Ca,
    kdf: KdfParams,
    now: Timestamp,
) -> Result<CaKey, AppError> {
    let algorithm = ca.material().config.algorithm;
    if let Some(token) = &keys.token {
        let token = token.clone();
        return Ok(crate::util::blocking(move || {
            match token.ca_key(RESPONDER_KEY_LABEL, algorithm) {
                Ok(k) => Ok(CaKey::Token(k)),
                Err(_) => token
                    .generate_ca_key(RESPONDER_KEY_LABEL, algorithm)
                    .map(CaKey::Token),
            }
        })
        .await??);
    }
    let passphrase = keys
        .ca_passphrase
        .clone()
        .ok_or_else(|| AppError::Internal("software keys need ca_passphrase".into()))?;
    let fresh = {
        let passphrase = passphrase.clone();
        crate::util::blocking(move || -> Result<Vec<u8>, rinnova_ca::CaError> {
            let key = CaKey::generate_software(algorithm)?;
            let pkcs8 = key.software_pkcs8().ok_or(rinnova_ca::CaError::Malformed)?;
            rinnova_ca::seal::seal(&pkcs8, passphrase.expose().as_bytes(), kdf)
        })
        .await??
    };
    let sealed = {
        let mut c = store.conn().await?;
        repo::service_keys::get_or_create(&mut c, "ocsp-responder", &fresh, secs(now)).await?
    };
    Ok(
        crate::util::blocking(move || -> Result<CaKey, rinnova_ca::CaError> {
            let pkcs8 = rinnova_ca::seal::open(&sealed, passphrase.expose().as_bytes())?;
            CaKey::software_from_pkcs8(&pkcs8, algorithm)
        })
        .await??,
    )
}
