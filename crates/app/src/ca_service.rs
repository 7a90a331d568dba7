//! CA initialisation and opening (`rinnova ca init`, and implicitly `serve --demo`).

use crate::AppError;
use crate::util::secs;
use jiff::Timestamp;
use rinnova_ca::{Ca, CaConfig, CaMaterial, KdfParams};
use rinnova_store::{Store, repo};

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
    let json = serde_json::to_string(&material).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = store.begin().await?;
    if repo::ca::get(&mut tx).await?.is_some() {
        return Ok(false);
    }
    repo::ca::put(&mut tx, &json, secs(now)).await?;
    tx.commit().await.map_err(rinnova_store::StoreError::from)?;
    Ok(true)
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

/// Opens the stored CA with its passphrase.
pub async fn open(store: &Store, passphrase: &[u8]) -> Result<Ca, AppError> {
    let material = material(store).await?;
    let passphrase = passphrase.to_vec();
    crate::util::blocking(move || Ca::open(material, &passphrase))
        .await?
        .map_err(|e| AppError::Internal(format!("cannot open the CA: {e}").into()))
}
