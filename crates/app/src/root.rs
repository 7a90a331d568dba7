//! The root CA's operations (issue 20): its CRL and the subordinate CA certificates it signs.
//! Only `rinnova ca init`, `ca root-crl` and `ca issue-subordinate` come here; `serve` never
//! opens the root.

use crate::AppError;
use crate::audit::AuditAction;
use crate::util::{blocking, secs, ts};
use jiff::Timestamp;
use rinnova_ca::revocation::{Reason, Revoked, normalise_serial};
use rinnova_ca::root::RootCa;
use rinnova_ca::{CaKeyLocation, Hsm, IssuedCertificate};
use rinnova_domain::secret::Secret;
use rinnova_store::repo::ca::{RootCrl, SubordinateCert};
use rinnova_store::{Conn, Store, StoreError, repo};
use std::sync::Arc;

/// Why a root operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// The operator asked for something the root does not do; the words say what.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for RootError {
    fn from(e: StoreError) -> Self {
        RootError::App(e.into())
    }
}

impl From<rinnova_ca::CaError> for RootError {
    fn from(e: rinnova_ca::CaError) -> Self {
        RootError::App(e.into())
    }
}

/// What opens the root's key: its token, or — for a CA sealed in software — the passphrase.
pub enum RootKeys {
    Token(Arc<Hsm>),
    Passphrase(Secret),
}

/// Days a root CRL is valid by default, and at most (EN 319 411-1: an offline root issues its
/// CRL at least once a year).
pub const ROOT_CRL_DAYS: i64 = 365;
pub const ROOT_CRL_MAX_DAYS: i64 = 366;

/// Opens the stored CA's root with `keys`.
pub async fn open_root(store: &Store, keys: RootKeys) -> Result<Arc<RootCa>, AppError> {
    let material = crate::ca_service::material(store).await?;
    let opened = match (&material.keys, keys) {
        (CaKeyLocation::Tokens { .. }, RootKeys::Token(t)) => {
            blocking(move || RootCa::open_in_token(material, &t)).await?
        }
        (CaKeyLocation::Sealed, RootKeys::Passphrase(p)) => {
            blocking(move || RootCa::open_sealed(material, p.expose().as_bytes())).await?
        }
        (CaKeyLocation::Tokens { root_token, .. }, RootKeys::Passphrase(_)) => {
            return Err(AppError::Internal(
                format!(
                    "the root's key is in token {root_token:?}: set keys.backend = \"pkcs11\" \
                     and keys.root_user_pin"
                )
                .into(),
            ));
        }
        (CaKeyLocation::Sealed, RootKeys::Token(_)) => {
            return Err(AppError::Internal(
                "the root's key is sealed in the database: `rinnova keys migrate` moves it \
                 into its token"
                    .into(),
            ));
        }
    };
    Ok(Arc::new(opened.map_err(|e| {
        AppError::Internal(format!("cannot open the root: {e}").into())
    })?))
}

fn subordinate_row(
    der: &[u8],
    serial_hex: &str,
    issued_at: i64,
) -> Result<SubordinateCert, AppError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(SubordinateCert {
        serial_hex: serial_hex.to_owned(),
        subject: cert.subject().to_string(),
        der: der.to_vec(),
        not_after: cert.validity().not_after.timestamp(),
        issued_at,
        revoked_at: None,
        reason: None,
    })
}

/// The service's issuing CA, among the subordinates the root CRL may list.
async fn record_issuing_ca(store: &Store, c: &mut Conn) -> Result<(), AppError> {
    let material = crate::ca_service::material(store).await?;
    let (_, cert) = x509_parser::parse_x509_certificate(&material.issuing_cert_der)
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    // Lower-case hex of the serial's bytes, as every serial rinnova issues is kept.
    let serial = hex::encode(cert.raw_serial());
    let row = subordinate_row(
        &material.issuing_cert_der,
        &serial,
        cert.validity().not_before.timestamp(),
    )?;
    repo::ca::put_subordinate(c, &row).await?;
    Ok(())
}

/// `ca root-crl`: revokes the subordinate `revoke` names (if any), then signs the root's next
/// CRL, valid for `days` days, listing every subordinate it revoked. Audited.
pub async fn root_crl(
    store: &Store,
    root: &Arc<RootCa>,
    revoke: Option<(&str, Reason)>,
    days: i64,
    op: &crate::Operator,
    now: Timestamp,
) -> Result<RootCrl, RootError> {
    if !(1..=ROOT_CRL_MAX_DAYS).contains(&days) {
        return Err(RootError::Refused(format!(
            "a root CRL is valid for 1 to {ROOT_CRL_MAX_DAYS} days"
        )));
    }
    let at = secs(now);
    let mut tx = store.begin().await?;
    record_issuing_ca(store, &mut tx).await?;
    if let Some((serial, reason)) = revoke {
        let serial = normalise_serial(serial);
        if !repo::ca::revoke_subordinate(&mut tx, &serial, at, reason.as_str()).await? {
            return Err(RootError::Refused(format!(
                "the root issued no subordinate CA certificate {serial} that is not revoked already"
            )));
        }
        crate::auth::audit(
            &mut tx,
            at,
            &op.actor,
            AuditAction::SubordinateRevoked,
            Some(&serial),
            &op.ctx,
            Some(reason.as_str().to_owned()),
        )
        .await?;
    }
    let revoked = repo::ca::subordinates(&mut tx)
        .await?
        .into_iter()
        .filter_map(|s| {
            let at = s.revoked_at?;
            Some(Revoked {
                serial_hex: s.serial_hex,
                at: ts(at),
                reason: s
                    .reason
                    .as_deref()
                    .and_then(Reason::parse)
                    .unwrap_or(Reason::Unspecified),
            })
        })
        .collect::<Vec<_>>();
    let number = repo::ca::latest_root_crl(&mut tx)
        .await?
        .map_or(1, |c| c.number + 1);
    let next = at + days * 86_400;
    let signer = root.clone();
    let der = blocking(move || signer.crl(number as u64, ts(at), ts(next), &revoked)).await??;
    let row = RootCrl {
        number,
        der,
        this_update: at,
        next_update: next,
    };
    repo::ca::put_root_crl(&mut tx, &row).await?;
    crate::auth::audit(
        &mut tx,
        at,
        &op.actor,
        AuditAction::RootCrlIssued,
        None,
        &op.ctx,
        Some(format!("number {number}, valid {days} days")),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// `ca issue-subordinate`: the root certifies the subordinate CA that signed `csr_der` for
/// `years` years; kept (so the root CRL can revoke it) and audited.
pub async fn issue_subordinate(
    store: &Store,
    root: &Arc<RootCa>,
    csr_der: Vec<u8>,
    years: i64,
    op: &crate::Operator,
    now: Timestamp,
) -> Result<IssuedCertificate, RootError> {
    if !(1..=10).contains(&years) {
        return Err(RootError::Refused(
            "a subordinate CA is certified for 1 to 10 years".into(),
        ));
    }
    let signer = root.clone();
    let issued = blocking(move || signer.issue_subordinate(&csr_der, now, years))
        .await?
        .map_err(|e| match e {
            rinnova_ca::CaError::Certificate(why) => RootError::Refused(why),
            other => RootError::App(other.into()),
        })?;
    let row = subordinate_row(&issued.der, &issued.serial_hex, secs(now))?;
    let mut tx = store.begin().await?;
    repo::ca::put_subordinate(&mut tx, &row).await?;
    crate::auth::audit(
        &mut tx,
        secs(now),
        &op.actor,
        AuditAction::SubordinateIssued,
        Some(&issued.serial_hex),
        &op.ctx,
        Some(row.subject.clone()),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(issued)
}

/// The newest root CRL (DER), for `/ca/root-crl.der`.
pub async fn latest_root_crl(store: &Store) -> Result<Option<Vec<u8>>, AppError> {
    Ok(repo::ca::latest_root_crl(&mut *store.conn().await?)
        .await?
        .map(|c| c.der))
}
