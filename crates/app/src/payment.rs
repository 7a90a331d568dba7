//! Step 5: paying for a renewal (SPEC §5, seeds 002 and 004). A renewal is paid at most once:
//! the `payments` row is keyed by the renewal, a coupon's use is a conditional update, and the
//! workflow moves on in the same transaction.

use crate::auth::audit;
use crate::i18n::Lang;
use crate::renewal::{commit, to_domain};
use crate::util::{secs, ts};
use crate::views::{OrderView, PaidView, PaymentView, PriceView, RenewalView};
use crate::{App, AppError, Ctx};
use jiff::Timestamp;
use rinnova_domain::coupon::{Coupon, CouponCode, CouponError, CouponIssuer, CouponUse};
use rinnova_domain::{
    CertificateKind, DomainError, Event, HolderId, Money, PaymentMethod, PaymentMode, Price,
    RenewalId, RenewalStep,
};
use rinnova_store::{Conn, CouponRecord, PaymentRecord, RenewalRecord, repo};

/// The ways to pay offered at step 5.
const OFFERED: [PaymentMethod; 3] = [
    PaymentMethod::Shop,
    PaymentMethod::Coupon,
    PaymentMethod::Rao,
];

fn kind_of(stored: &str) -> Result<CertificateKind, AppError> {
    CertificateKind::parse(stored)
        .ok_or_else(|| AppError::Internal(format!("unknown certificate kind {stored:?}").into()))
}

fn coupon_of(r: &CouponRecord) -> Result<Coupon, AppError> {
    let issuer = match r.issuer_kind.as_str() {
        "organisation" => CouponIssuer::Organisation(r.issuer_id.clone()),
        "distributor" => CouponIssuer::Distributor(r.issuer_id.clone()),
        other => {
            return Err(AppError::Internal(
                format!("coupon issuer kind {other:?}").into(),
            ));
        }
    };
    Ok(Coupon {
        code: CouponCode::parse(&r.code).map_err(|_| AppError::Internal("stored coupon".into()))?,
        issuer,
        kind: kind_of(&r.kind)?,
        expires_at: ts(r.expires_at),
        used_by: r.used_by.clone(),
    })
}

/// A price as shown, in the holder's language.
pub(crate) fn price_view(p: &Price, lang: Lang) -> PriceView {
    let l = lang.code();
    PriceView {
        net_cents: p.net.cents(),
        vat_cents: p.vat.cents(),
        gross_cents: p.gross.cents(),
        vat_percent: {
            let bp = p.vat_rate.basis_points();
            let sep = if lang == Lang::En { "." } else { "," };
            match bp % 100 {
                0 => (bp / 100).to_string(),
                rest => format!(
                    "{}{sep}{}",
                    bp / 100,
                    format!("{rest:02}").trim_end_matches('0')
                ),
            }
        },
        net: p.net.display(l),
        vat: p.vat.display(l),
        gross: p.gross.display(l),
    }
}

/// Where a renewal stands for a payment attempt.
pub(crate) enum AtPayment {
    /// Paid already (or past step 5): a repeated submit answers with the renewal as it is.
    Passed(Box<RenewalView>),
    /// At step 5 with nothing paid or pending: the renewal, its holder and its certificate.
    Due(
        Box<(
            RenewalRecord,
            rinnova_store::HolderRecord,
            rinnova_store::CertificateRecord,
        )>,
    ),
}

impl App {
    /// Loads a renewal for a payment attempt: refused unless the holder pays (free and
    /// organisation-paid renewals have no step 5) and it is at step 5 with no payment pending.
    pub(crate) async fn at_payment(
        &self,
        c: &mut Conn,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
    ) -> Result<AtPayment, AppError> {
        let (rec, h, cert) = self.load(c, holder_id, renewal_id).await?;
        let d = to_domain(&rec)?;
        if d.payment_mode != PaymentMode::Holder {
            return Err(DomainError::WrongStep(d.step.as_str()).into());
        }
        if d.has_passed(RenewalStep::Payment) {
            return Ok(AtPayment::Passed(Box::new(
                self.view_with(c, &rec, &h, &cert).await?,
            )));
        }
        if d.step != RenewalStep::Payment {
            return Err(DomainError::WrongStep(d.step.as_str()).into());
        }
        if repo::payments::of_renewal(c, &rec.id).await?.is_some() {
            return Err(AppError::PaymentPending);
        }
        Ok(AtPayment::Due(Box::new((rec, h, cert))))
    }

    /// What step 5 shows: the order's price and the ways to pay, or how it was paid.
    pub(crate) async fn payment_view(
        &self,
        c: &mut Conn,
        r: &RenewalRecord,
        kind: &str,
        lang: Lang,
    ) -> Result<Option<PaymentView>, AppError> {
        if r.payment_mode != PaymentMode::Holder.as_str() {
            return Ok(None);
        }
        let price = self.config().prices.price(kind_of(kind)?);
        let paid = repo::payments::of_renewal(c, &r.id)
            .await?
            .map(|p| PaidView {
                method: p.method,
                pending: p.status == "pending",
                amount: Money::from_cents(p.amount_cents)
                    .map(|m| m.display(lang.code()))
                    .unwrap_or_default(),
                reference: p.reference,
            });
        let last_order = match repo::shop::last_order(c, &r.id).await? {
            Some(o) => {
                let transfer = o.method == "bank_transfer";
                let shop = &self.config().shop;
                let money = |c: i64| Money::from_cents(c).unwrap_or(Money::ZERO);
                let rate = rinnova_domain::VatRate::try_from(u32::try_from(o.vat_bp).unwrap_or(0))
                    .unwrap_or(rinnova_domain::VatRate::IT_STANDARD);
                let ordered = Price {
                    net: money(o.net_cents),
                    vat: money(o.vat_cents),
                    gross: money(o.gross_cents),
                    vat_rate: rate,
                };
                let received = if transfer && o.status == "pending" {
                    repo::shop::received_for(c, &o.id).await?
                } else {
                    0
                };
                let shown = |cents: i64| money(cents).display(lang.code());
                Some(OrderView {
                    received: (received > 0).then(|| shown(received)),
                    missing: (received > 0).then(|| shown(o.gross_cents - received)),
                    id: o.id,
                    method: o.method,
                    status: o.status,
                    price: price_view(&ordered, lang),
                    promo_code: o.promo_code,
                    remittance_ref: o.remittance_ref,
                    iban: transfer.then(|| shop.bank_iban.clone()),
                    beneficiary: transfer.then(|| shop.bank_beneficiary.clone()),
                })
            }
            None => None,
        };
        Ok(Some(PaymentView {
            price: price_view(&price, lang),
            methods: OFFERED.into_iter().map(|m| m.as_str().to_owned()).collect(),
            paid,
            last_order,
        }))
    }

    /// Step 5 with a coupon (seed 002): the code must exist, be unused and unexpired, and be
    /// valid for this kind of certificate and for the holder's organisation or the distributor
    /// that sold it. It is used exactly once, even under concurrent submits; submitting it
    /// again for the same renewal answers with the renewal as it is.
    pub async fn pay_with_coupon(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        typed: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = match self.at_payment(&mut tx, holder_id, renewal_id).await? {
            AtPayment::Passed(v) => return Ok(*v),
            AtPayment::Due(due) => *due,
        };
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        // Guesses are throttled per holder (and per client address), like passwords.
        let guesses = format!("coupon:{}", h.id);
        if let crate::auth::Throttle::Locked { minutes } =
            self.throttle(&mut tx, &guesses, ctx, secs(now)).await?
        {
            return Err(AppError::CouponLocked { minutes });
        }
        let checked = async {
            let code = CouponCode::parse(typed)?;
            let stored = repo::coupons::by_code(&mut tx, code.as_str())
                .await?
                .ok_or(CouponError::Unknown)?;
            coupon_of(&stored)?.check(
                &CouponUse {
                    kind: kind_of(&cert.kind)?,
                    organisation: h.organisation_id.as_deref(),
                    distributor: cert.distributor_id.as_deref(),
                    renewal: rec.id.as_str(),
                },
                now,
            )?;
            if !repo::coupons::mark_used(&mut tx, code.as_str(), &rec.id, secs(now)).await? {
                return Err(CouponError::AlreadyUsed.into());
            }
            Ok::<_, AppError>(code)
        }
        .await;
        let code = match checked {
            Ok(code) => code,
            Err(AppError::Coupon(e)) => {
                // Refusals are audited (a run of them from one holder is worth a look), and
                // leave the renewal at step 5. A code that does not exist is a guess: counted.
                if matches!(e, CouponError::Unknown | CouponError::Malformed) {
                    self.count_failure(&mut tx, &guesses, ctx, secs(now))
                        .await?;
                }
                audit(
                    &mut tx,
                    secs(now),
                    &h.user_id,
                    crate::audit::AuditAction::CouponRefused,
                    Some(rec.id.as_str()),
                    ctx,
                    Some(e.code().to_owned()),
                )
                .await?;
                commit(tx).await?;
                return Err(AppError::Coupon(e));
            }
            Err(e) => return Err(e),
        };
        let price = self.config().prices.price(kind_of(&cert.kind)?);
        self.settle(
            &mut tx,
            &rec,
            &h.user_id,
            PaymentMethod::Coupon,
            price.gross,
            code.as_str(),
            true,
            now,
            ctx,
        )
        .await?;
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        let v = self.view_with(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Records a settled payment (or settles the pending one of `reference`) and moves the
    /// renewal on (to approval or activation), with the audit row, in the caller's
    /// transaction. The first activation code is sent now only if `holder_here` (the holder is
    /// at the page); otherwise, when they reach the step (issue 18 item 4: a code sent when a
    /// bank statement is imported expires before the holder logs in).
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per payment method"
    )]
    pub(crate) async fn settle(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        actor: &str,
        method: PaymentMethod,
        amount: Money,
        reference: &str,
        holder_here: bool,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        // A bank transfer's payment was recorded as pending when it was asked for.
        let pending = repo::payments::of_renewal(c, &rec.id)
            .await?
            .is_some_and(|p| p.status == "pending" && p.reference == reference);
        if pending {
            repo::payments::settle(c, &rec.id, secs(now)).await?;
        } else {
            repo::payments::insert(
                c,
                &PaymentRecord {
                    renewal_id: rec.id.clone(),
                    method: method.as_str().into(),
                    status: "settled".into(),
                    amount_cents: amount.cents(),
                    reference: reference.into(),
                    created_at: secs(now),
                    settled_at: Some(secs(now)),
                },
            )
            .await?;
        }
        if method != PaymentMethod::Shop {
            // Paid another way: a promo code's use held by an unpaid order goes back.
            repo::shop::release_promos(c, &rec.id, None).await?;
        }
        let rec = self.transition(c, rec, &Event::Paid, now, |_| {}).await?;
        audit(
            c,
            secs(now),
            actor,
            crate::audit::AuditAction::PaymentSettled,
            Some(rec.id.as_str()),
            ctx,
            Some(format!(
                "{} {} cents, {reference}",
                method.as_str(),
                amount.cents()
            )),
        )
        .await?;
        let h = repo::holders::by_id(c, &rec.holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if holder_here {
            self.send_expected_code(c, &h, &rec, now).await
        } else {
            self.notify_expected(c, &rec, now).await
        }
    }
}
