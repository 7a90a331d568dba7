//! The remote-signature renewal, step by step (SPEC §5). Every step is one transaction that
//! persists the new state before answering; a repeated submit of a step already passed answers
//! with the state reached (never a second signature or certificate); a failed code or PIN is
//! recorded even though the step fails.

use crate::auth::audit;
use crate::i18n::Lang;
use crate::util::{blocking, new_id, secs, sha256, ts};
use crate::views::RenewalView;
use crate::{App, AppError, Ctx};
use jiff::Timestamp;
use rinnova_ca::DeviceError;
use rinnova_ca::device::{HolderPublicKey, Signed};
use rinnova_docs::{Lang as DocLang, RenewalForm};
use rinnova_domain::window::{self, ca_time_zone};
use rinnova_domain::{
    CertificateId, CertificateKind, DomainError, Event, HolderId, PaymentMode, Pin, Renewal,
    RenewalId, RenewalStep,
};
use rinnova_store::{
    CertificateRecord, Conn, CredentialRecord, DocumentRecord, HolderRecord, RenewalRecord,
    SignAttemptRecord, StoreError, Tx, repo,
};

/// Names of the documents shown at step 3.
pub const FORM: &str = "renewal-form";
pub const CONDITIONS: &str = "conditions";
/// The form as signed at step 4 (PAdES), available once signed.
pub const SIGNED_FORM: &str = "signed-renewal-form";

pub(crate) fn to_domain(r: &RenewalRecord) -> Result<Renewal, AppError> {
    let bad = |what: &str| AppError::Internal(format!("renewal {} has a bad {what}", r.id).into());
    Ok(Renewal {
        step: RenewalStep::parse(&r.step).ok_or_else(|| bad("step"))?,
        payment_mode: PaymentMode::parse(&r.payment_mode).ok_or_else(|| bad("payment mode"))?,
        approval_required: r.approval_required != 0,
        documents_hash: match &r.documents_hash {
            Some(h) => Some(h.as_slice().try_into().map_err(|_| bad("documents hash"))?),
            None => None,
        },
        activation_otp_verified: r.activation_otp_verified != 0,
    })
}

/// The OTP operation expected at this point of the renewal, if any.
pub(crate) fn code_step(d: &Renewal) -> Option<&'static str> {
    match d.step {
        RenewalStep::Sign => Some("sign"),
        RenewalStep::Activate if !d.activation_otp_verified => Some("activate-1"),
        RenewalStep::Activate => Some("activate-2"),
        _ => None,
    }
}

/// Records a refused code (the attempt is already counted in `tx`), commits, and answers the
/// refusal.
async fn code_failed<T>(
    mut tx: Tx,
    h: &HolderRecord,
    rec: &RenewalRecord,
    step: &str,
    e: AppError,
    now: Timestamp,
    ctx: &Ctx,
) -> Result<T, AppError> {
    let detail = format!("{step} {}", e.code());
    metrics::counter!("rinnova_otp_failures_total", "step" => step.to_owned()).increment(1);
    audit(
        &mut tx,
        secs(now),
        &h.user_id,
        crate::audit::AuditAction::OtpFailed,
        Some(rec.id.as_str()),
        ctx,
        Some(detail),
    )
    .await?;
    commit(tx).await?;
    Err(e)
}

pub(crate) async fn commit(tx: Tx) -> Result<(), AppError> {
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

impl App {
    pub(crate) async fn load(
        &self,
        c: &mut Conn,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
    ) -> Result<(RenewalRecord, HolderRecord, CertificateRecord), AppError> {
        repo::renewals::for_step(c, renewal_id, holder_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// How a holder's renewal is paid, and whether their organisation approves it: the
    /// holder's contract first, then the organisation's terms, then the CA's default.
    pub(crate) async fn payment_terms(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
    ) -> Result<(PaymentMode, bool), AppError> {
        let organisation = match &h.organisation_id {
            Some(id) => repo::holders::organisation(c, id).await?,
            None => None,
        };
        let payment_mode = h
            .payment_mode
            .as_deref()
            .or(organisation.as_ref().map(|o| o.payment_mode.as_str()))
            .map(|m| {
                PaymentMode::parse(m)
                    .ok_or_else(|| AppError::Internal(format!("unknown payment mode {m:?}").into()))
            })
            .transpose()?
            .unwrap_or(self.config().private_payment_mode);
        let approval_required = organisation.is_some_and(|o| o.approval_required != 0);
        Ok((payment_mode, approval_required))
    }

    /// Applies `event` to a stored renewal, with optimistic concurrency on its version.
    pub(crate) async fn transition(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        event: &Event,
        now: Timestamp,
        fill: impl FnOnce(&mut RenewalRecord),
    ) -> Result<RenewalRecord, AppError> {
        let next = to_domain(rec)?.apply(event)?;
        let mut new = rec.clone();
        new.step = next.step.as_str().into();
        new.documents_hash = next.documents_hash.map(|h| h.to_vec());
        new.activation_otp_verified = i64::from(next.activation_otp_verified);
        new.version += 1;
        new.updated_at = secs(now);
        fill(&mut new);
        if !repo::renewals::update(c, &new).await? {
            return Err(AppError::Conflict);
        }
        Ok(new)
    }

    /// Sends what the new state expects, in the same transaction: the holder's next code (SMS
    /// holders), or the organisation managers' notice of a request to approve.
    pub(crate) async fn send_expected_code(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        rec: &RenewalRecord,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let d = to_domain(rec)?;
        if let Some(step) = code_step(&d) {
            self.send_code(c, h, &rec.id, step, false, now).await?;
        }
        if d.step == RenewalStep::Approval {
            self.notify_cdrl(c, rec, now).await?;
        }
        Ok(())
    }

    /// What the new state expects when the holder is not at the page: the organisation
    /// managers' notice of a request to approve. The holder's code is sent when they come back
    /// and ask for it (a code sent now would expire before they log in).
    pub(crate) async fn notify_expected(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        now: Timestamp,
    ) -> Result<(), AppError> {
        if to_domain(rec)?.step == RenewalStep::Approval {
            self.notify_cdrl(c, rec, now).await?;
        }
        Ok(())
    }

    /// Step 1: "Rinnova" — only inside the window (W1–W4). Starting twice returns the renewal
    /// already in progress.
    pub async fn start_renewal(
        &self,
        holder_id: &HolderId,
        certificate_id: &CertificateId,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let cert = repo::certificates::by_id(&mut tx, certificate_id)
            .await?
            .filter(|c| c.holder_id == holder_id)
            .ok_or(AppError::NotFound)?;
        let h = repo::holders::by_id(&mut tx, holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(open) = repo::renewals::open_for_certificate(&mut tx, certificate_id).await? {
            if let Some(reason) = self.stopped_by(&open, &cert, now)? {
                return self.end_renewal(tx, &open, reason, now, ctx).await;
            }
            let v = self.view_with(&mut tx, &open, &h, &cert).await?;
            commit(tx).await?;
            return Ok(v);
        }
        if cert.kind != CertificateKind::RemoteSignature.as_str() {
            // Smart-card certificates renew through the card client.
            return Err(
                DomainError::WrongStep("card certificates renew with the card client").into(),
            );
        }
        window::assess(&crate::home::facts(&cert)?, &self.config().window, now)
            .map_err(AppError::NotRenewable)?;
        let (payment_mode, approval_required) = self.payment_terms(&mut tx, &h).await?;
        let d = Renewal::start(payment_mode, approval_required);
        let rec = new_renewal(
            holder_id,
            certificate_id,
            d.step,
            payment_mode,
            approval_required,
            false,
            now,
        );
        match repo::renewals::insert(&mut tx, &rec).await {
            Ok(()) => {}
            Err(e) if e.is_unique_violation() => {
                // A concurrent "Rinnova" won: answer with its renewal.
                drop(tx);
                let mut conn = self.store().conn().await?;
                let open = repo::renewals::open_for_certificate(&mut conn, certificate_id)
                    .await?
                    .ok_or(AppError::Conflict)?;
                return self.view_with(&mut conn, &open, &h, &cert).await;
            }
            Err(e) => return Err(e.into()),
        }
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::RenewalStarted,
            Some(rec.id.as_str()),
            ctx,
            Some(format!("certificate {}", cert.serial_hex)),
        )
        .await?;
        let v = self.view_with(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Step 2: the holder confirms their data; the documents of step 3 are produced from it.
    pub async fn confirm_data(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        // The documents are made from the data read outside any write transaction (rendering
        // PDFs takes milliseconds, and writers are serialised); the transaction then checks
        // that nothing they show changed meanwhile.
        let mut conn = self.store().conn().await?;
        let (rec, h, cert) = self.load(&mut conn, holder_id, renewal_id).await?;
        if to_domain(&rec)?.has_passed(RenewalStep::CheckData) {
            return self.view_with(&mut conn, &rec, &h, &cert).await;
        }
        // A contact conflict is checked once, in the transaction below.
        let lang = Lang::parse(&h.lang);
        drop(conn);
        let form = RenewalForm {
            renewal_id: rec.id.to_string(),
            given_name: h.given_name.clone(),
            surname: h.surname.clone(),
            codice_fiscale: h.codice_fiscale.clone(),
            iut: h.iut.clone(),
            email: h.email.clone(),
            mobile: h.mobile.clone(),
            residence: h.residence.clone(),
            role: h.role_title.clone(),
            organisation: h.organisation_name.clone(),
            certificate_serial: cert.serial_hex.clone(),
            current_expiry: lang.date(ts(cert.not_after).to_zoned(ca_time_zone()).date()),
            payment: lang.t(&format!("payment-{}", rec.payment_mode)),
            date: lang.date(now.to_zoned(ca_time_zone()).date()),
        };
        let doc_lang = DocLang::parse(lang.code());
        let (form_pdf, conditions_pdf) = blocking(move || {
            (
                rinnova_docs::renewal_form(&form, doc_lang),
                conditions_pdf(doc_lang),
            )
        })
        .await?;
        let (form_hash, conditions_hash) = (sha256(&form_pdf), sha256(&conditions_pdf));
        let documents_hash = sha256(&[form_hash, conditions_hash].concat());

        let mut tx = self.store().begin().await?;
        let (rec, h2, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        if to_domain(&rec)?.has_passed(RenewalStep::CheckData) {
            return self.view_with(&mut tx, &rec, &h2, &cert).await;
        }
        if h2 != h {
            // The holder's data (or their organisation's name, read with them) changed while
            // the documents were made: confirm again.
            return Err(AppError::Conflict);
        }
        if let Some(e) = self.contact_conflict(&mut tx, &h2).await? {
            return Err(e);
        }
        for (name, pdf, hash) in [
            (FORM, form_pdf, form_hash),
            (CONDITIONS, conditions_pdf, conditions_hash),
        ] {
            repo::renewals::put_document(
                &mut tx,
                &DocumentRecord {
                    renewal_id: rec.id.clone(),
                    name: name.into(),
                    lang: lang.code().into(),
                    sha256: hash.to_vec(),
                    pdf,
                    created_at: secs(now),
                },
            )
            .await?;
        }
        let rec = self
            .transition(
                &mut tx,
                &rec,
                &Event::DataConfirmed { documents_hash },
                now,
                |_| {},
            )
            .await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::DataConfirmed,
            Some(rec.id.as_str()),
            ctx,
            Some(format!("documents {}", hex::encode(documents_hash))),
        )
        .await?;
        let v = self.view_with(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// A document of step 3, as PDF bytes.
    pub async fn document(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        name: &str,
    ) -> Result<Vec<u8>, AppError> {
        let mut conn = self.store().conn().await?;
        self.load(&mut conn, holder_id, renewal_id).await?;
        if name == SIGNED_FORM {
            return repo::renewals::signed_form(&mut conn, renewal_id)
                .await?
                .ok_or(AppError::NotFound);
        }
        let d = repo::renewals::document(&mut conn, renewal_id, name)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(d.pdf)
    }

    /// Step 3: both consents, on exactly the documents shown (identified by their hash).
    pub async fn accept_documents(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        shown_hash_hex: &str,
        accept_terms: bool,
        confirm_data: bool,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        if to_domain(&rec)?.has_passed(RenewalStep::Documents) {
            return self.view_with(&mut tx, &rec, &h, &cert).await;
        }
        // An unreadable hash cannot match the documents shown: the domain then says which rule
        // failed first (missing consents before changed documents).
        let shown_hash: [u8; 32] = hex::decode(shown_hash_hex.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; 32]);
        let event = Event::DocumentsAccepted {
            shown_hash,
            accept_terms,
            confirm_data,
        };
        let rec = self
            .transition(&mut tx, &rec, &event, now, |r| {
                r.consented_at = Some(secs(now))
            })
            .await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::DocumentsAccepted,
            Some(rec.id.as_str()),
            ctx,
            Some(format!("documents {}", shown_hash_hex.trim())),
        )
        .await?;
        self.send_expected_code(&mut tx, &h, &rec, now).await?;
        let v = self.view_after_send(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Sends a new SMS code for the operation the renewal expects now (SPEC O1 resend limits).
    pub async fn resend_code(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        let step = code_step(&to_domain(&rec)?)
            .ok_or(DomainError::WrongStep("no code is expected now"))?;
        self.send_code(&mut tx, &h, &rec.id, step, true, now)
            .await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::OtpSent,
            Some(rec.id.as_str()),
            ctx,
            Some(step.into()),
        )
        .await?;
        let v = self.view_after_send(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Step 4, first part: checks the code and holds it for one PIN try (see [`App::sign`]).
    async fn sign_begin(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        code: &str,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<SignBegun, AppError> {
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        let d = to_domain(&rec)?;
        if d.has_passed(RenewalStep::Sign) {
            return Ok(SignBegun::Done(Box::new(
                self.view_with(&mut tx, &rec, &h, &cert).await?,
            )));
        }
        if d.step != RenewalStep::Sign {
            return Err(DomainError::WrongStep(d.step.as_str()).into());
        }
        let cred = self.credential_of(&mut tx, &cert).await?;
        if cred.blocked_at.is_some() {
            return Err(AppError::CredentialBlocked);
        }
        let code_hash = sign_code_hash(&rec.id, code);
        let held = repo::renewals::sign_attempt(&mut tx, &rec.id)
            .await?
            .filter(|a| a.code_hash == code_hash && a.valid_until > secs(now));
        match held {
            // The same code is being tried with a PIN right now: wait for that outcome.
            Some(a) if a.held_until > secs(now) => return Ok(SignBegun::Wait),
            // The same code, spent for a try whose outcome was never recorded (the server
            // stopped meanwhile): this request finishes the step with it.
            Some(_) => {}
            None => {
                if let Err(e) = self
                    .check_code(&mut tx, &h, &rec.id, "sign", code, now)
                    .await?
                {
                    return code_failed(tx, &h, &rec, "sign", e, now, ctx).await;
                }
            }
        }
        let ttl = self.config().sms_otp.ttl_seconds;
        repo::renewals::put_sign_attempt(
            &mut tx,
            &SignAttemptRecord {
                renewal_id: rec.id.clone(),
                code_hash,
                valid_until: held.map_or(secs(now) + ttl, |a| a.valid_until),
                held_until: secs(now) + SIGN_HOLD_SECONDS,
            },
        )
        .await?;
        commit(tx).await?;
        Ok(SignBegun::Proceed(Box::new((rec, h, cert, cred))))
    }

    /// Step 4: the holder signs the renewal form with the current key: OTP first, then PIN.
    /// The OTP is spent before the PIN is tried, so each PIN guess costs a fresh code (a wrong
    /// PIN voids it). The code is held for this one try: if the server stops before the outcome
    /// is recorded, the same request with the same code finishes the step; a second request
    /// with it meanwhile waits for the first and answers as it did.
    pub async fn sign(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        pin: &str,
        code: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let pin = Pin::parse(pin)?;

        // 1. Check and spend the code, holding it for this try.
        let mut waits = 0;
        let (now, (rec, h, cert, cred)) = loop {
            let now = self.now();
            match self
                .sign_begin(holder_id, renewal_id, code, now, ctx)
                .await?
            {
                SignBegun::Proceed(b) => break (now, *b),
                SignBegun::Done(v) => return Ok(*v),
                // Checked again every 100 ms, for a little longer than a hold lasts.
                SignBegun::Wait => {
                    waits += 1;
                    if waits > SIGN_HOLD_SECONDS * 12 {
                        return Err(AppError::Conflict);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        };

        // 2. Use the key with the PIN, outside any transaction (Argon2id takes a while): a
        //    PAdES B-B signature of the form shown at step 3, which stays the first revision.
        // (The renewal is the holder's: checked in 1.)
        let form = repo::renewals::document(&mut *self.store().conn().await?, renewal_id, FORM)
            .await?
            .ok_or(AppError::NotFound)?
            .pdf;
        let when = now.strftime("D:%Y%m%d%H%M%SZ").to_string();
        let prepared =
            rinnova_docs::pades::prepare(&form, &when).map_err(|e| AppError::Internal(e.into()))?;
        let attrs = rinnova_ca::pades::signed_attributes(&prepared.digest(), &cert.der)?;
        let device_sealed = cred.sealed_private.clone();
        let device = self.inner.device.clone();
        let to_sign = attrs.clone();
        let signed = blocking(move || device.sign(&device_sealed, &pin, &to_sign)).await?;

        // PAdES B-T (issue 21): trusted time over the signature value, from the CA's
        // time-stamping unit (or the configured outside TSA); then B-LT and B-LTA: the status
        // of the certificate now, and a document time-stamp. All before the transaction.
        let signed_pdf = match &signed {
            Ok(s) => {
                let stamp = rinnova_ca::tsa::token_of(
                    &self
                        .time_stamp_sha256(&crate::util::sha256(&s.signature))
                        .await?,
                )?;
                let cms = rinnova_ca::pades::signed_data_timestamped(
                    &cert.der,
                    &[self.ca().material().issuing_cert_der.as_slice()],
                    &attrs,
                    &s.signature,
                    Some(&stamp),
                )?;
                let pdf = prepared
                    .finish(&cms)
                    .map_err(|e| AppError::Internal(e.into()))?;
                Some(self.long_term(pdf, &cert.der, &stamp).await?)
            }
            Err(_) => None,
        };

        // 3. Record the outcome.
        let mut tx = self.store().begin().await?;
        match signed {
            Err(DeviceError::WrongPin) => {
                // The code is void: the next try needs a new one.
                repo::renewals::clear_sign_attempt(&mut tx, &rec.id).await?;
                let refusal = crate::keys::wrong_pin(
                    &mut tx,
                    self,
                    &h,
                    &cred,
                    rec.id.as_str(),
                    secs(now),
                    ctx,
                )
                .await?;
                commit(tx).await?;
                Err(refusal)
            }
            Err(DeviceError::Ca(e)) => Err(e.into()),
            Ok(Signed {
                signature,
                resealed,
            }) => {
                crate::keys::store_resealed(&mut tx, &h, &cred, resealed, secs(now), ctx).await?;
                let (signed_pdf, lta_until) =
                    signed_pdf.ok_or_else(|| AppError::Internal("signed form missing".into()))?;
                // A right PIN clears the failures counted before it (one counted while this
                // PIN was being checked stays: the safer side).
                if cred.failed_pins > 0 {
                    repo::holders::pin_ok(&mut tx, &cred.id).await?;
                }
                // The renewal moves on from its state in 1 only if nothing moved it meanwhile
                // (its version); if something did, the answer is the renewal as it is now.
                repo::renewals::clear_sign_attempt(&mut tx, &rec.id).await?;
                let rec = match self
                    .transition(&mut tx, &rec, &Event::Signed, now, |r| {
                        r.signature = Some(signature);
                        r.signed_at = Some(secs(now));
                    })
                    .await
                {
                    Err(AppError::Conflict) => {
                        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
                        if to_domain(&rec)?.has_passed(RenewalStep::Sign) {
                            return self.view_with(&mut tx, &rec, &h, &cert).await;
                        }
                        return Err(AppError::Conflict);
                    }
                    r => r?,
                };
                repo::renewals::put_signed_form(
                    &mut tx,
                    &rec.id,
                    &signed_pdf,
                    secs(now),
                    lta_until,
                )
                .await?;
                audit(
                    &mut tx,
                    secs(now),
                    &h.user_id,
                    crate::audit::AuditAction::RequestSigned,
                    Some(rec.id.as_str()),
                    ctx,
                    Some(format!("with certificate {}", cert.serial_hex)),
                )
                .await?;
                self.send_expected_code(&mut tx, &h, &rec, now).await?;
                let v = self.view_after_send(&mut tx, &rec, &h, &cert).await?;
                commit(tx).await?;
                Ok(v)
            }
        }
    }

    async fn credential_of(
        &self,
        c: &mut Conn,
        cert: &CertificateRecord,
    ) -> Result<CredentialRecord, AppError> {
        let id = cert
            .credential_id
            .as_ref()
            .ok_or_else(|| AppError::Internal("certificate without credential".into()))?;
        repo::holders::credential(c, id)
            .await?
            .ok_or_else(|| AppError::Internal("credential missing".into()))
    }

    /// Step 7, first half: the first OTP.
    pub async fn activation_code(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        code: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        let d = to_domain(&rec)?;
        if d.has_passed(RenewalStep::Activate)
            || (d.step == RenewalStep::Activate && d.activation_otp_verified)
        {
            return self.view_with(&mut tx, &rec, &h, &cert).await;
        }
        if d.step != RenewalStep::Activate {
            return Err(DomainError::WrongStep(d.step.as_str()).into());
        }
        if let Err(e) = self
            .check_code(&mut tx, &h, &rec.id, "activate-1", code, now)
            .await?
        {
            return code_failed(tx, &h, &rec, "activate-1", e, now, ctx).await;
        }
        let rec = self
            .transition(&mut tx, &rec, &Event::ActivationOtpVerified, now, |_| {})
            .await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::ActivationOtpVerified,
            Some(rec.id.as_str()),
            ctx,
            None,
        )
        .await?;
        self.send_expected_code(&mut tx, &h, &rec, now).await?;
        let v = self.view_after_send(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Step 7, second half: PIN twice and the second OTP; a new key is made under that PIN, the
    /// new 3-year certificate is issued and the old one superseded — all in one transaction.
    pub async fn activate(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        pin: &str,
        pin_again: &str,
        code: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let pin = Pin::parse_twice(pin, pin_again)?;
        {
            let mut conn = self.store().conn().await?;
            let (rec, h, cert) = self.load(&mut conn, holder_id, renewal_id).await?;
            let d = to_domain(&rec)?;
            if d.step == RenewalStep::Completed {
                return self.view_with(&mut conn, &rec, &h, &cert).await;
            }
            if d.step != RenewalStep::Activate || !d.activation_otp_verified {
                return Err(DomainError::WrongStep(d.step.as_str()).into());
            }
        }
        // The new key, sealed under the chosen PIN, before the transaction (Argon2id is slow).
        let device = self.inner.device.clone();
        let key = blocking(move || device.create_key(&pin)).await??;

        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, old) = self.load(&mut tx, holder_id, renewal_id).await?;
        if let Some(reason) = self.stopped_by(&rec, &old, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        let d = to_domain(&rec)?;
        if d.step == RenewalStep::Completed {
            return self.view_with(&mut tx, &rec, &h, &old).await;
        }
        if d.step != RenewalStep::Activate || !d.activation_otp_verified {
            return Err(DomainError::WrongStep(d.step.as_str()).into());
        }
        if let Err(e) = self
            .check_code(&mut tx, &h, &rec.id, "activate-2", code, now)
            .await?
        {
            return code_failed(tx, &h, &rec, "activate-2", e, now, ctx).await;
        }
        let (new, issued) = self
            .issue_and_store(&mut tx, &h, &key, old.distributor_id.as_deref(), now, now)
            .await?;
        if let Some(old_cred) = &old.credential_id {
            repo::holders::retire_credential(&mut tx, old_cred, secs(now)).await?;
        }
        let rec = self
            .complete_renewal(&mut tx, &rec, &h, &old, &new.id, &issued, now, ctx)
            .await?;
        let old = old.superseded(&new.id, secs(now));
        let v = self.view_completed(&mut tx, &rec, &h, &old, &new).await?;
        commit(tx).await?;
        tracing::info!(renewal = %rec.id, serial = %issued.serial_hex, "renewal completed");
        metrics::counter!("rinnova_renewals_total", "channel" => "portal", "outcome" => "completed")
            .increment(1);
        Ok(v)
    }

    /// The signed form of any renewal, for the RAO and the administrator.
    pub async fn evidence(&self, renewal_id: &RenewalId) -> Result<Vec<u8>, AppError> {
        let mut conn = self.store().conn().await?;
        repo::renewals::signed_form(&mut conn, renewal_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The public key of a stored certificate's credential (checks of the signed request).
    pub async fn signer_key(
        &self,
        renewal_id: &RenewalId,
    ) -> Result<Option<(HolderPublicKey, Vec<u8>)>, AppError> {
        let mut conn = self.store().conn().await?;
        let Some(r) = repo::renewals::by_id(&mut conn, renewal_id).await? else {
            return Ok(None);
        };
        let Some(sig) = r.signature else {
            return Ok(None);
        };
        let cert = repo::certificates::by_id(&mut conn, &r.certificate_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let cred = self.credential_of(&mut conn, &cert).await?;
        Ok(Some((
            HolderPublicKey {
                raw: cred.public_key,
            },
            sig,
        )))
    }
}

/// How long a code is held for one PIN try (a signature takes well under a second).
const SIGN_HOLD_SECONDS: i64 = 10;

/// What the first part of step 4 found.
enum SignBegun {
    /// The code is held for this request's PIN try.
    Proceed(
        Box<(
            RenewalRecord,
            HolderRecord,
            CertificateRecord,
            CredentialRecord,
        )>,
    ),
    /// The request was signed already: the renewal as it is.
    Done(Box<RenewalView>),
    /// Another request is trying a PIN with this code right now.
    Wait,
}

/// What identifies a code held for a signature: it was spent already, and is bound to the
/// renewal.
pub fn sign_code_hash(renewal_id: &RenewalId, code: &str) -> Vec<u8> {
    sha256(format!("rinnova sign attempt\0{renewal_id}\0{}", code.trim()).as_bytes()).to_vec()
}

/// The conditions of contract in a language: the same document every time, made once.
fn conditions_pdf(lang: DocLang) -> Vec<u8> {
    static IT: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    static EN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    match lang {
        DocLang::It => IT
            .get_or_init(|| rinnova_docs::conditions(DocLang::It))
            .clone(),
        DocLang::En => EN
            .get_or_init(|| rinnova_docs::conditions(DocLang::En))
            .clone(),
    }
}

/// A renewal record as it starts: at `step`, nothing done yet but (for a card's request, whose
/// proof stands for them) perhaps the activation codes.
pub(crate) fn new_renewal(
    holder_id: &HolderId,
    certificate_id: &CertificateId,
    step: RenewalStep,
    payment_mode: PaymentMode,
    approval_required: bool,
    activation_otp_verified: bool,
    now: Timestamp,
) -> RenewalRecord {
    RenewalRecord {
        id: new_id(),
        holder_id: holder_id.into(),
        certificate_id: certificate_id.into(),
        step: step.as_str().into(),
        payment_mode: payment_mode.as_str().into(),
        approval_required: i64::from(approval_required),
        documents_hash: None,
        activation_otp_verified: i64::from(activation_otp_verified),
        version: 0,
        consented_at: None,
        signature: None,
        signed_at: None,
        new_certificate_id: None,
        created_at: secs(now),
        updated_at: secs(now),
    }
}
