//! Smart-card certificates (seed 004, SPEC C1, W4): what the server tells the card client about
//! the certificates it read from a card, and the provisioning of demo cards.

use crate::auth::audit;
use crate::home::{facts, rome_date};
use crate::i18n::Lang;
use crate::issuance::holder_subject;
use crate::renewal::commit;
use crate::util::{new_id, secs, ts};
use crate::{App, AppError, Ctx};
use base64::Engine;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rinnova_ca::device::HolderPublicKey;
use rinnova_ca::request::RequestError;
use rinnova_domain::prepaid::Purse;
use rinnova_domain::window::assess;
use rinnova_domain::{CertificateId, CertificateKind, PaymentMode, RenewalId, RenewalStep};
use rinnova_store::{
    CardRenewalRecord, CertificateRecord, Conn, HolderRecord, RenewalRecord, StoreError, repo,
};
use serde::Serialize;
use utoipa::ToSchema;

/// A card certificate as the server knows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardCertificateStatus {
    /// Lower-case hex.
    pub serial: String,
    /// `card_signature` or `cns`; empty when the certificate is not ours.
    pub kind: String,
    pub holder: String,
    /// Expiry, a Rome date.
    pub expiry_date: String,
    pub renewable: bool,
    /// Days left to renew, when renewable.
    pub days_left: Option<i32>,
    /// Why not, when not renewable: a stable code and a translated message.
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    /// Whether renewing it asks for a prepaid account (C2: free renewals do not).
    pub paid: bool,
    /// What renewing it costs and who pays, in the holder's language.
    pub price: Option<String>,
    /// The serial (hex) of the certificate this one renewed, if it is a renewal: a card client
    /// stopped at its very end learns its work is done.
    pub renews: Option<String>,
}

/// What the card client sends to renew one certificate (SPEC C2).
#[derive(Debug, Clone)]
pub struct CardRenewalRequest {
    /// The certificate to renew, as read from the card (DER).
    pub certificate: Vec<u8>,
    /// The PKCS#10 request signed by the new key made on the card (DER).
    pub request: Vec<u8>,
    /// The old key's signature over [`rinnova_ca::request::proof_message`] of the request.
    pub proof: Vec<u8>,
    /// The prepaid account's user-id and password, for a paid renewal.
    pub prepaid: Option<(String, String)>,
}

/// A renewal requested by a card, as the card client follows it (C2, C3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardRenewalView {
    #[schema(value_type = String)]
    pub id: RenewalId,
    /// `issued` (ready to download), `approval` (the holder's organisation decides first) or
    /// `rejected` (by the organisation; nothing was charged).
    pub status: String,
    pub kind: String,
    /// The certificate renewed, lower-case hex.
    pub old_serial: String,
    /// The new certificate, once issued: serial (hex), DER in base64, expiry (a Rome date).
    pub serial: Option<String>,
    pub certificate: Option<String>,
    pub expiry_date: Option<String>,
    /// What was paid and how, in the holder's language.
    pub payment: Option<String>,
    /// The organisation's reason, when rejected.
    pub reason: Option<String>,
    /// Whether the card reported the new certificate stored.
    pub stored: bool,
}

fn serial_of(der: &[u8]) -> Option<String> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    Some(rinnova_ca::revocation::serial_hex(
        &cert.tbs_certificate.serial_number,
    ))
}

impl App {
    /// The status of each certificate a card client read from a card: renewable (and for how
    /// many days), or why not (C1). Certificates this CA did not issue, or that are not card
    /// certificates, are reported as such.
    pub async fn card_status(
        &self,
        certificates: &[Vec<u8>],
        lang: Lang,
    ) -> Result<Vec<CardCertificateStatus>, AppError> {
        let now = self.now();
        let mut conn = self.store().conn().await?;
        let mut out = Vec::with_capacity(certificates.len());
        for der in certificates {
            let serial = serial_of(der).unwrap_or_default();
            let stored = repo::certificates::by_serial(&mut conn, &serial)
                .await?
                .filter(|c| &c.der == der);
            let Some(c) = stored else {
                out.push(CardCertificateStatus {
                    serial,
                    kind: String::new(),
                    holder: String::new(),
                    expiry_date: String::new(),
                    renewable: false,
                    days_left: None,
                    reason_code: Some(AppError::CardNotOurs.code().into()),
                    reason: Some(lang.error(&AppError::CardNotOurs)),
                    paid: false,
                    price: None,
                    renews: None,
                });
                continue;
            };
            let h = repo::holders::by_id(&mut conn, &c.holder_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let holder = format!("{} {}", h.given_name, h.surname);
            let verdict = if c.kind == CertificateKind::RemoteSignature.as_str() {
                Err(("RNV-CARD-001".to_owned(), lang.t("card-remote-certificate")))
            } else {
                assess(&facts(&c)?, &self.config().window, now).map_err(|r| {
                    let e = AppError::NotRenewable(r);
                    (e.code().to_owned(), lang.error(&e))
                })
            };
            let (renewable, days_left, reason_code, reason) = match verdict {
                Ok(r) => (true, Some(r.days_left), None, None),
                Err((code, text)) => (false, None, Some(code), Some(text)),
            };
            let (mode, _) = self.payment_terms(&mut conn, &h).await?;
            let price = CertificateKind::parse(&c.kind)
                .filter(|_| renewable)
                .map(|kind| self.price_text(mode, kind, lang));
            out.push(CardCertificateStatus {
                serial,
                kind: c.kind.clone(),
                holder,
                expiry_date: rome_date(ts(c.not_after)),
                renewable,
                days_left,
                reason_code,
                reason,
                paid: renewable && mode == PaymentMode::Holder,
                price,
                renews: repo::certificates::renewed_by(&mut conn, &c.id)
                    .await?
                    .map(|old| old.serial_hex),
            });
        }
        Ok(out)
    }

    /// Demo and tests: issues a card's certificates to `user_id` for public keys generated on
    /// the card, expiring in `expires_in_days`; the card itself was issued when its first
    /// certificates were, and lives 6 years (W4). Returns each kind with its certificate.
    pub async fn provision_demo_card(
        &self,
        user_id: &str,
        keys: &[(CertificateKind, Vec<u8>)],
        expires_in_days: i64,
    ) -> Result<Vec<(CertificateKind, Vec<u8>)>, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let h = repo::holders::by_user_id(&mut tx, &user_id.trim().to_ascii_uppercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let not_after = now + SignedDuration::from_hours(24 * expires_in_days);
        let not_before = not_after
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_sub(3.years())
            .map_err(|e| AppError::Internal(e.into()))?
            .timestamp();
        let device_expires = not_before
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(6.years())
            .map_err(|e| AppError::Internal(e.into()))?
            .timestamp();
        let mut out = Vec::new();
        for (kind, raw) in keys {
            let issued = self.ca().issue_qualified(
                &holder_subject(&h)?,
                *kind,
                &HolderPublicKey { raw: raw.clone() },
                not_before,
            )?;
            repo::certificates::insert(
                &mut tx,
                &CertificateRecord {
                    id: new_id(),
                    holder_id: h.id.clone(),
                    credential_id: None,
                    kind: kind.as_str().into(),
                    serial_hex: issued.serial_hex.clone(),
                    der: issued.der.clone(),
                    not_before: secs(issued.not_before),
                    not_after: secs(issued.not_after),
                    status: "active".into(),
                    superseded_by: None,
                    status_changed_at: None,
                    device_expires_at: Some(secs(device_expires)),
                    renewals_on_device: 0,
                    created_at: secs(now),
                    distributor_id: None,
                },
            )
            .await?;
            out.push((*kind, issued.der));
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(out)
    }
}

fn purse_name(purse: Purse, lang: Lang) -> String {
    lang.t(match purse {
        Purse::Diritti => "card-purse-diritti",
        Purse::Tariffa => "card-purse-tariffa",
    })
}

fn bad_request(e: RequestError) -> AppError {
    AppError::CardRequest(e)
}

impl App {
    /// Who pays a card renewal of `kind`, and how much, in words.
    fn price_text(&self, mode: PaymentMode, kind: CertificateKind, lang: Lang) -> String {
        match mode {
            PaymentMode::Free => lang.t("card-free"),
            PaymentMode::Organisation => lang.t("card-paid-by-organisation"),
            PaymentMode::Holder => lang.t_args(
                "card-paid",
                &[
                    (
                        "amount",
                        self.config().prices.price(kind).gross.display(lang.code()),
                    ),
                    ("purse", purse_name(Purse::for_kind(kind), lang)),
                ],
            ),
        }
    }

    /// A card asks to renew one of its certificates (SPEC C2): the old certificate must be ours,
    /// a card certificate and renewable (W1–W4); the request must be signed by a new P-256 key,
    /// keep the subject and be proven by the old key. A paid renewal reserves the price on the
    /// prepaid account's purse (Diritti for CNS, Tariffa for the signature certificate) and
    /// debits it when the certificate is issued — at once, or when the holder's organisation
    /// approves. The same request again (same certificate and new key) answers with the same
    /// renewal and charges nothing more (C5). Refusals change nothing.
    pub async fn request_card_renewal(
        &self,
        req: &CardRenewalRequest,
        lang: Lang,
        ctx: &Ctx,
    ) -> Result<CardRenewalView, AppError> {
        let old_serial = serial_of(&req.certificate).ok_or(bad_request(RequestError::Malformed))?;
        let mut conn = self.store().conn().await?;
        let old = repo::certificates::by_serial(&mut conn, &old_serial)
            .await?
            .filter(|c| c.der == req.certificate)
            .ok_or(AppError::CardNotOurs)?;
        let kind = CertificateKind::parse(&old.kind)
            .ok_or_else(|| AppError::Internal("certificate kind".into()))?;
        if kind == CertificateKind::RemoteSignature {
            return Err(AppError::CardRemote);
        }
        let (request, proof, old_der) = (req.request.clone(), req.proof.clone(), old.der.clone());
        let verified =
            crate::util::blocking(move || rinnova_ca::request::verify(&request, &proof, &old_der))
                .await?
                .map_err(bad_request)?;
        if let Some(done) =
            repo::card_renewals::by_key(&mut conn, &old.id, &verified.public_key).await?
        {
            return self.card_view(&mut conn, &done.renewal_id, lang).await;
        }
        let h = repo::holders::by_id(&mut conn, &old.holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        assess(&facts(&old)?, &self.config().window, self.now()).map_err(AppError::NotRenewable)?;
        let (mode, approval_required) = self.payment_terms(&mut conn, &h).await?;
        drop(conn);
        // The credentials before the transaction (Argon2id is slow), only for paid renewals.
        let account = match (mode, &req.prepaid) {
            (PaymentMode::Holder, Some((user_id, password))) => Some(
                self.verify_prepaid(user_id, password, &old.serial_hex, ctx)
                    .await?,
            ),
            (PaymentMode::Holder, None) => return Err(AppError::PrepaidRequired),
            _ => None,
        };

        let now = self.now();
        let mut tx = self.store().begin().await?;
        let old = repo::certificates::by_id(&mut tx, &old.id)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(done) =
            repo::card_renewals::by_key(&mut tx, &old.id, &verified.public_key).await?
        {
            return self.card_view(&mut tx, &done.renewal_id, lang).await;
        }
        assess(&facts(&old)?, &self.config().window, now).map_err(AppError::NotRenewable)?;
        // The card's proof by the old key stands for the activation codes of the portal: the
        // renewal waits for the organisation, or is issued now.
        let rec = crate::renewal::new_renewal(
            &h.id,
            &old.id,
            if approval_required {
                RenewalStep::Approval
            } else {
                RenewalStep::Activate
            },
            mode,
            approval_required,
            true,
            now,
        );
        match repo::renewals::insert(&mut tx, &rec).await {
            Ok(()) => {}
            // Another renewal of this certificate is open (another key, awaiting approval).
            Err(e) if e.is_unique_violation() => return Err(AppError::Conflict),
            Err(e) => return Err(e.into()),
        }
        repo::card_renewals::insert(
            &mut tx,
            &CardRenewalRecord {
                renewal_id: rec.id.clone(),
                certificate_id: old.id.clone(),
                public_key: verified.public_key.clone(),
                request: req.request.clone(),
                proof: req.proof.clone(),
                stored_at: None,
                created_at: secs(now),
            },
        )
        .await?;
        if let Some(account) = &account
            && let Err(e) = self
                .reserve_prepaid(&mut tx, account, &rec.id, kind, now)
                .await?
        {
            // Nothing of the request is kept; the refusal is.
            drop(tx);
            let mut tx = self.store().begin().await?;
            audit(
                &mut tx,
                secs(now),
                &format!("prepaid:{}", account.user_id),
                crate::audit::AuditAction::PrepaidRefused,
                None,
                ctx,
                Some(format!("card certificate {} {}", old.serial_hex, e.code())),
            )
            .await?;
            commit(tx).await?;
            return Err(AppError::Prepaid(e));
        }
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::CardRenewalRequested,
            Some(rec.id.as_str()),
            ctx,
            Some(format!("certificate {}", old.serial_hex)),
        )
        .await?;
        if approval_required {
            self.notify_cdrl(&mut tx, &rec, now).await?;
        } else {
            self.issue_card_renewal(&mut tx, &rec, &h, now, ctx).await?;
        }
        let v = self.card_view(&mut tx, &rec.id, lang).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Issues the certificate a card asked for, in the caller's transaction: same kind and
    /// subject, the device's life and one more renewal on it (W4); the old certificate is
    /// superseded, a prepaid reservation debited, an organisation charged, the holder told.
    pub(crate) async fn issue_card_renewal(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        h: &HolderRecord,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<RenewalRecord, AppError> {
        let card = repo::card_renewals::by_id(c, &rec.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let old = repo::certificates::by_id(c, &card.certificate_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let kind = CertificateKind::parse(&old.kind)
            .ok_or_else(|| AppError::Internal("certificate kind".into()))?;
        let issued = self.ca().issue_qualified(
            &holder_subject(h)?,
            kind,
            &HolderPublicKey {
                raw: card.public_key.clone(),
            },
            now,
        )?;
        if subject_der(&issued.der) != subject_der(&old.der) {
            // The holder's registered data changed since the card's certificate: the subject
            // the card asked for is no longer the one on file (an RAO issues a new one).
            return Err(bad_request(RequestError::SubjectChanged));
        }
        let new_cert_id: CertificateId = new_id();
        repo::certificates::insert(
            c,
            &CertificateRecord {
                id: new_cert_id.clone(),
                holder_id: h.id.clone(),
                credential_id: None,
                kind: old.kind.clone(),
                serial_hex: issued.serial_hex.clone(),
                der: issued.der.clone(),
                not_before: secs(issued.not_before),
                not_after: secs(issued.not_after),
                status: "active".into(),
                superseded_by: None,
                status_changed_at: None,
                device_expires_at: old.device_expires_at,
                renewals_on_device: old.renewals_on_device + 1,
                created_at: secs(now),
                distributor_id: old.distributor_id.clone(),
            },
        )
        .await?;
        let rec = self
            .complete_renewal(c, rec, h, &old, &new_cert_id, &issued, now, ctx)
            .await?;
        tracing::info!(renewal = %rec.id, serial = %issued.serial_hex, "card renewal issued");
        metrics::counter!("rinnova_renewals_total", "channel" => "card", "outcome" => "completed")
            .increment(1);
        Ok(rec)
    }

    async fn card_view(
        &self,
        c: &mut Conn,
        renewal_id: &RenewalId,
        lang: Lang,
    ) -> Result<CardRenewalView, AppError> {
        let card = repo::card_renewals::by_id(c, renewal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let rec = repo::renewals::by_id(c, renewal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let old = repo::certificates::by_id(c, &card.certificate_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let new = match &rec.new_certificate_id {
            Some(id) => repo::certificates::by_id(c, id).await?,
            None => None,
        };
        let status = match (rec.step.as_str(), &new) {
            ("completed", Some(_)) => "issued",
            ("cancelled", _) => "rejected",
            _ => "approval",
        };
        let reason = if status == "rejected" {
            repo::cdrl::decision(c, renewal_id)
                .await?
                .and_then(|d| d.reason)
        } else {
            None
        };
        let payment = repo::payments::of_renewal(c, renewal_id).await?;
        let kind = CertificateKind::parse(&old.kind);
        let payment = match (PaymentMode::parse(&rec.payment_mode), payment, kind) {
            (Some(PaymentMode::Holder), Some(p), Some(kind)) => {
                let amount = rinnova_domain::Money::from_cents(p.amount_cents)
                    .map_err(|_| AppError::Internal("payment amount".into()))?;
                Some(lang.t_args(
                    "card-paid",
                    &[
                        ("amount", amount.display(lang.code())),
                        ("purse", purse_name(Purse::for_kind(kind), lang)),
                    ],
                ))
            }
            (Some(mode), _, Some(kind)) if mode != PaymentMode::Holder => {
                Some(self.price_text(mode, kind, lang))
            }
            _ => None,
        };
        Ok(CardRenewalView {
            id: rec.id.clone(),
            status: status.into(),
            kind: old.kind.clone(),
            old_serial: old.serial_hex.clone(),
            serial: new.as_ref().map(|n| n.serial_hex.clone()),
            certificate: new
                .as_ref()
                .map(|n| base64::engine::general_purpose::STANDARD.encode(&n.der)),
            expiry_date: new.as_ref().map(|n| rome_date(ts(n.not_after))),
            payment,
            reason,
            stored: card.stored_at.is_some(),
        })
    }

    /// A card renewal, for the client that asked it (C3: download).
    pub async fn card_renewal(
        &self,
        renewal_id: &RenewalId,
        lang: Lang,
    ) -> Result<CardRenewalView, AppError> {
        let mut conn = self.store().conn().await?;
        self.card_view(&mut conn, renewal_id, lang).await
    }

    /// The card client reports the new certificate stored on the card (C3); recorded once.
    pub async fn card_renewal_stored(
        &self,
        renewal_id: &RenewalId,
        lang: Lang,
        ctx: &Ctx,
    ) -> Result<CardRenewalView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let v = self.card_view(&mut tx, renewal_id, lang).await?;
        if v.status != "issued" {
            return Err(AppError::Conflict);
        }
        if repo::card_renewals::mark_stored(&mut tx, renewal_id, secs(now)).await? {
            let rec = repo::renewals::by_id(&mut tx, renewal_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let h = repo::holders::by_id(&mut tx, &rec.holder_id)
                .await?
                .ok_or(AppError::NotFound)?;
            audit(
                &mut tx,
                secs(now),
                &h.user_id,
                crate::audit::AuditAction::CardCertificateStored,
                Some(renewal_id.as_str()),
                ctx,
                v.serial.as_ref().map(|s| format!("serial {s}")),
            )
            .await?;
        }
        let v = self.card_view(&mut tx, renewal_id, lang).await?;
        commit(tx).await?;
        Ok(v)
    }
}

fn subject_der(cert: &[u8]) -> Option<Vec<u8>> {
    use der::{Decode, Encode};
    x509_cert::Certificate::from_der(cert)
        .ok()?
        .tbs_certificate
        .subject
        .to_der()
        .ok()
}
