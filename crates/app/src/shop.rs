//! The shop (SPEC §5 step 5, seed 002): an order already set to the certificate's product and
//! price, an optional promo code, then card or PayPal at the acquirer (settled by its signed
//! notification) or a bank transfer (pending until a CAMT.053 statement shows the money).

use crate::auth::audit;
use crate::i18n::Lang;
use crate::payment::AtPayment;
use crate::renewal::{commit, to_domain};
use crate::util::{new_id, secs, ts};
use crate::views::RenewalView;
use crate::{App, AppError, Ctx, notify};
use jiff::{SignedDuration, Timestamp};
use rinnova_domain::promo::{self, Discount, PromoCode, PromoError};
use rinnova_domain::{
    CertificateKind, DomainError, HolderId, Money, PaymentMethod, Price, RenewalId, RenewalStep,
};
use rinnova_pay::camt053::{self, BankEntry};
use rinnova_pay::{CheckoutRequest, Outcome, ShopMethod};
use rinnova_store::{
    BankEntryRecord, Conn, HolderRecord, OrderRecord, PaymentRecord, PromoRecord, repo,
};

/// A bank-transfer order still awaiting its money, for staff to settle or cancel.
async fn pending_transfer(c: &mut Conn, order_id: &str) -> Result<OrderRecord, AppError> {
    let order = repo::shop::order(c, order_id)
        .await?
        .filter(|o| o.method == "bank_transfer")
        .ok_or(AppError::NotFound)?;
    if order.status != "pending" {
        return Err(DomainError::WrongStep("the transfer is not pending").into());
    }
    Ok(order)
}

/// Money to give back, for staff (`rinnova payments refunds`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefundDue {
    /// `renewal` (it ended after it was paid), `order` (paid after its renewal was paid another
    /// way, or a cancelled transfer that had received some) or `bank_entry` (a transfer for an
    /// order already paid or cancelled, or the part of one beyond its order's total).
    pub kind: String,
    /// The renewal id, the order id or the bank's entry reference.
    pub id: String,
    pub renewal_id: Option<RenewalId>,
    pub amount_cents: i64,
    /// Why, in short: the ending's reason, the payment's method and reference…
    pub detail: String,
    /// When it became due (Unix seconds).
    pub since: i64,
}

/// Where the holder goes after choosing how to pay in the shop.
#[derive(Debug)]
pub enum ShopStart {
    /// To the acquirer's checkout page.
    Redirect(String),
    /// Back to the renewal (a bank transfer: the instructions are on the page and by e-mail).
    Renewal(Box<RenewalView>),
}

/// What an import of a bank statement did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub entries: usize,
    /// Renewals whose bank transfer is now settled.
    pub settled: Vec<RenewalId>,
    /// Debits, entries not booked yet, other currencies.
    pub ignored: usize,
    pub already_imported: usize,
    /// Credits that mention no pending order.
    pub unmatched: usize,
    /// Less than the order's total: left pending, for staff to sort out.
    pub underpaid: usize,
    /// More than the total: settled, the difference to refund.
    pub overpaid: usize,
    /// Entries with money to give back: an overpayment, a transfer for an order already paid
    /// or cancelled, or one that arrived after the renewal was paid another way.
    pub refunds: usize,
    /// Each credit looked at, with what was done with it.
    pub items: Vec<ImportedEntry>,
}

/// One credit of an imported statement and what was done with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportedEntry {
    /// The bank's reference of the entry.
    pub entry_ref: String,
    pub amount_cents: i64,
    /// The order's transfer reference (`RNV-…`) the entry names, if any.
    pub reference: Option<String>,
    pub order_id: Option<String>,
    pub renewal_id: Option<RenewalId>,
    /// `settled`, `underpaid`, `overpaid`, `late` (the renewal was paid another way),
    /// `refund` (the order was paid or cancelled already) or `unmatched`.
    pub outcome: String,
    /// What arrived for the order so far, this entry included.
    pub received_cents: i64,
    /// Still to pay (underpaid).
    pub missing_cents: i64,
    /// To give back.
    pub refund_cents: i64,
}

fn kind_of(stored: &str) -> Result<CertificateKind, AppError> {
    CertificateKind::parse(stored)
        .ok_or_else(|| AppError::Internal(format!("unknown certificate kind {stored:?}").into()))
}

fn promo_of(r: &PromoRecord) -> Result<PromoCode, AppError> {
    let bad = || AppError::Internal(format!("promo code {} is malformed", r.code).into());
    Ok(PromoCode {
        code: r.code.clone(),
        discount: match r.discount_kind.as_str() {
            "percent" => Discount::Percent(u32::try_from(r.discount_value).map_err(|_| bad())?),
            "fixed" => Discount::Fixed(Money::from_cents(r.discount_value).map_err(|_| bad())?),
            _ => return Err(bad()),
        },
        valid_from: ts(r.valid_from),
        valid_until: ts(r.valid_until),
        kind: match &r.kind {
            Some(k) => Some(kind_of(k)?),
            None => None,
        },
        max_uses: match r.max_uses {
            Some(m) => Some(u32::try_from(m).map_err(|_| bad())?),
            None => None,
        },
        uses: u32::try_from(r.uses).map_err(|_| bad())?,
    })
}

/// A bank-transfer reference: `RNV-` and 8 characters of Crockford's base 32 (40 random bits,
/// nothing to misread when typed into a home-banking form).
fn remittance_reference() -> Result<String, AppError> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes: [u8; 5] = rinnova_ca::random_bytes()?;
    let mut n = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut out = String::from("RNV-");
    for _ in 0..8 {
        // The mask keeps the index within the 32-entry alphabet.
        out.push(char::from(ALPHABET[(n & 31) as usize]));
        n >>= 5;
    }
    Ok(out)
}

/// Creates a promo code (CA staff, from the command line).
pub async fn create_promo(
    store: &rinnova_store::Store,
    now: Timestamp,
    p: &PromoCode,
) -> Result<(), AppError> {
    p.validate().map_err(AppError::Promo)?;
    let (discount_kind, discount_value) = match p.discount {
        Discount::Percent(bp) => ("percent", i64::from(bp)),
        Discount::Fixed(m) => ("fixed", m.cents()),
    };
    let mut tx = store.begin().await?;
    repo::shop::insert_promo(
        &mut tx,
        &PromoRecord {
            code: p.code.clone(),
            discount_kind: discount_kind.into(),
            discount_value,
            valid_from: secs(p.valid_from),
            valid_until: secs(p.valid_until),
            kind: p.kind.map(|k| k.as_str().to_owned()),
            max_uses: p.max_uses.map(i64::from),
            uses: 0,
            created_at: secs(now),
        },
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::Promo(PromoError::Exists)
        } else {
            e.into()
        }
    })?;
    commit(tx).await
}

impl App {
    /// The price of renewing `kind`, with the promo code the holder typed, if any. A code's
    /// use is reserved for the renewal here (once, however many orders it places with it).
    async fn shop_price(
        &self,
        c: &mut Conn,
        kind: CertificateKind,
        typed_promo: Option<&str>,
        renewal_id: &RenewalId,
        now: Timestamp,
    ) -> Result<(Price, Option<String>), AppError> {
        let prices = &self.config().prices;
        let Some(typed) = typed_promo.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok((prices.price(kind), None));
        };
        let code = promo::normalise(typed).ok_or(AppError::Promo(PromoError::Unknown))?;
        let stored = repo::shop::promo(c, &code)
            .await?
            .ok_or(AppError::Promo(PromoError::Unknown))?;
        let held = repo::shop::promo_held(c, &code, renewal_id).await?;
        let mut p = promo_of(&stored)?;
        if held {
            // The renewal's own use is among those counted.
            p.uses = p.uses.saturating_sub(1);
        }
        let price = p.apply(prices, kind, now).map_err(AppError::Promo)?;
        if !held && !repo::shop::reserve_promo(c, &code, renewal_id, secs(now)).await? {
            return Err(AppError::Promo(PromoError::UsedUp));
        }
        Ok((price, Some(code)))
    }

    /// Step 5 in the shop: places an order at the certificate's price (less the promo code's
    /// discount), then sends the holder to the acquirer (card, PayPal) or records a pending
    /// bank transfer and e-mails its instructions.
    pub async fn start_shop_payment(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        method: ShopMethod,
        typed_promo: Option<&str>,
        ctx: &Ctx,
    ) -> Result<ShopStart, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = match self.at_payment(&mut tx, holder_id, renewal_id).await? {
            AtPayment::Passed(v) => return Ok(ShopStart::Renewal(v)),
            AtPayment::Due(due) => *due,
        };
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        let kind = kind_of(&cert.kind)?;
        let priced = self
            .shop_price(&mut tx, kind, typed_promo, &rec.id, now)
            .await;
        let (price, promo_code) = match priced {
            Ok(p) => p,
            Err(e @ AppError::Promo(_)) => {
                audit(
                    &mut tx,
                    secs(now),
                    &h.user_id,
                    crate::audit::AuditAction::PromoRefused,
                    Some(rec.id.as_str()),
                    ctx,
                    Some(e.code().to_owned()),
                )
                .await?;
                commit(tx).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let transfer = method == ShopMethod::BankTransfer;
        // A second "pay" for the same renewal, method, code and price goes back to the open
        // order's checkout while it lasts; other open orders give way to the new one (money
        // that still arrives for one of them pays the renewal, or is refunded).
        let mut open = repo::shop::open_orders(&mut tx, &rec.id).await?;
        if let Some(i) = open.iter().position(|o| {
            o.method == method.as_str()
                && o.promo_code == promo_code
                && o.gross_cents == price.gross.cents()
                && o.checkout_expires_at.is_some_and(|t| t > secs(now) + 60)
        }) {
            let same = open.remove(i);
            if let Some(url) = same.checkout_url {
                commit(tx).await?;
                return Ok(ShopStart::Redirect(url));
            }
        }
        for o in &open {
            repo::shop::set_order_status(&mut tx, &o.id, &["open"], "cancelled", secs(now)).await?;
        }
        let free = price.gross.cents() == 0;
        let order = OrderRecord {
            id: new_id(),
            renewal_id: rec.id.clone(),
            kind: cert.kind.clone(),
            method: method.as_str().into(),
            status: if free {
                "paid"
            } else if transfer {
                "pending"
            } else {
                "open"
            }
            .into(),
            net_cents: price.net.cents(),
            vat_cents: price.vat.cents(),
            gross_cents: price.gross.cents(),
            vat_bp: i64::from(price.vat_rate.basis_points()),
            promo_code,
            provider: None,
            provider_ref: None,
            remittance_ref: if transfer {
                Some(remittance_reference()?)
            } else {
                None
            },
            created_at: secs(now),
            updated_at: secs(now),
            paid_at: free.then_some(secs(now)),
            checkout_url: None,
            checkout_expires_at: None,
        };
        repo::shop::insert_order(&mut tx, &order).await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::OrderPlaced,
            Some(rec.id.as_str()),
            ctx,
            Some(format!(
                "order {} {} {} cents{}",
                order.id,
                order.method,
                order.gross_cents,
                order
                    .promo_code
                    .as_deref()
                    .map(|p| format!(", promo {p}"))
                    .unwrap_or_default()
            )),
        )
        .await?;
        if free {
            // Nothing to collect (a discount as large as the price): paid as it is placed,
            // with no checkout.
            repo::shop::release_promos(&mut tx, &rec.id, order.promo_code.as_deref()).await?;
            self.settle(
                &mut tx,
                &rec,
                &h.user_id,
                PaymentMethod::Shop,
                Money::ZERO,
                &order.id,
                true,
                now,
                ctx,
            )
            .await?;
            let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
            let v = self.view_after_send(&mut tx, &rec, &h, &cert).await?;
            commit(tx).await?;
            return Ok(ShopStart::Renewal(Box::new(v)));
        }
        if transfer {
            // The pending payment blocks any other way to pay until the money arrives (or
            // staff cancel the order): a renewal is never paid twice.
            repo::payments::insert(
                &mut tx,
                &PaymentRecord {
                    renewal_id: rec.id.clone(),
                    method: PaymentMethod::Shop.as_str().into(),
                    status: "pending".into(),
                    amount_cents: order.gross_cents,
                    reference: order.id.clone(),
                    created_at: secs(now),
                    settled_at: None,
                },
            )
            .await?;
            self.email_transfer_instructions(&mut tx, &h, &order, now)
                .await?;
            let v = self.view_with(&mut tx, &rec, &h, &cert).await?;
            commit(tx).await?;
            return Ok(ShopStart::Renewal(Box::new(v)));
        }
        commit(tx).await?;

        // The acquirer is called outside the transaction (a real one answers over the network).
        let base = self.config().public_url.trim_end_matches('/');
        let req = CheckoutRequest {
            order_id: order.id.clone(),
            amount_cents: order.gross_cents,
            currency: "EUR".into(),
            description: Lang::parse(&h.lang).t(&format!("cert-kind-{}", cert.kind)),
            method,
            return_url: format!("{base}/renewals/{}", rec.id),
            notify_url: format!("{base}/payments/sandbox/notify"),
            expires_at: secs(now + SignedDuration::from_mins(self.config().shop.checkout_minutes)),
        };
        let expires_at = req.expires_at;
        let checkout = self
            .provider()
            .checkout(&req)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let mut tx = self.store().begin().await?;
        repo::shop::set_provider_ref(
            &mut tx,
            &order.id,
            self.provider().name(),
            &checkout.provider_ref,
            Some((&checkout.redirect_url, expires_at)),
        )
        .await?;
        commit(tx).await?;
        Ok(ShopStart::Redirect(checkout.redirect_url))
    }

    /// Tells the holder a transfer arrived short, and what is still missing.
    async fn email_transfer_missing(
        &self,
        c: &mut Conn,
        order: &OrderRecord,
        received: i64,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let Some(rec) = repo::renewals::by_id(c, &order.renewal_id).await? else {
            return Ok(());
        };
        let Some(h) = repo::holders::by_id(c, &rec.holder_id).await? else {
            return Ok(());
        };
        let lang = Lang::parse(&h.lang);
        let money = |cents: i64| {
            Money::from_cents(cents)
                .map(|m| m.display(lang.code()))
                .unwrap_or_default()
        };
        notify::email(
            c,
            &h,
            lang.t("email-transfer-short-subject"),
            lang.t_args(
                "email-transfer-short-body",
                &[
                    ("name", h.given_name.clone()),
                    ("received", money(received)),
                    ("missing", money(order.gross_cents - received)),
                    ("total", money(order.gross_cents)),
                    (
                        "reference",
                        order.remittance_ref.clone().unwrap_or_default(),
                    ),
                ],
            ),
            secs(now),
        )
        .await
    }

    async fn email_transfer_instructions(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        order: &OrderRecord,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let lang = Lang::parse(&h.lang);
        let amount = Money::from_cents(order.gross_cents)
            .map(|m| m.display(lang.code()))
            .unwrap_or_default();
        let shop = &self.config().shop;
        notify::email(
            c,
            h,
            lang.t("email-transfer-subject"),
            lang.t_args(
                "email-transfer-body",
                &[
                    ("name", h.given_name.clone()),
                    ("amount", amount),
                    ("iban", shop.bank_iban.clone()),
                    ("beneficiary", shop.bank_beneficiary.clone()),
                    (
                        "reference",
                        order.remittance_ref.clone().unwrap_or_default(),
                    ),
                ],
            ),
            secs(now),
        )
        .await
    }

    /// The acquirer's notification (webhook). Refused unless its signature is right; acted on
    /// once however often it is delivered; a payment arriving after the renewal was paid
    /// another way marks its order for refund.
    pub async fn payment_notified(
        &self,
        body: &[u8],
        signature: &str,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        let n = self
            .provider()
            .verify(body, signature)
            .map_err(|_| AppError::BadNotification)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let order = repo::shop::order(&mut tx, &n.order_id)
            .await?
            .filter(|o| o.provider_ref.as_deref() == Some(n.provider_ref.as_str()))
            .ok_or(AppError::NotFound)?;
        let outcome = match n.outcome {
            Outcome::Paid => "paid",
            Outcome::Declined => "declined",
            Outcome::Cancelled => "cancelled",
        };
        if !repo::shop::first_event(&mut tx, &n.event_id, &order.id, outcome, secs(now)).await? {
            return Ok(());
        }
        let actor = self.provider().name();
        if n.outcome != Outcome::Paid {
            repo::shop::set_order_status(&mut tx, &order.id, &["open"], outcome, secs(now)).await?;
            audit(
                &mut tx,
                secs(now),
                actor,
                if n.outcome == Outcome::Declined {
                    crate::audit::AuditAction::OrderDeclined
                } else {
                    crate::audit::AuditAction::OrderCancelled
                },
                Some(order.renewal_id.as_str()),
                ctx,
                Some(format!("order {}", order.id)),
            )
            .await?;
            return commit(tx).await;
        }
        if n.amount_cents != order.gross_cents || n.currency != "EUR" {
            audit(
                &mut tx,
                secs(now),
                actor,
                crate::audit::AuditAction::OrderAmountMismatch,
                Some(order.renewal_id.as_str()),
                ctx,
                Some(format!(
                    "order {} expects {} cents, notified {} {}",
                    order.id, order.gross_cents, n.amount_cents, n.currency
                )),
            )
            .await?;
            commit(tx).await?;
            return Err(AppError::BadNotification);
        }
        self.order_paid(&mut tx, &order, actor, true, now, ctx)
            .await?;
        commit(tx).await
    }

    /// An order's money arrived: the renewal is paid with it, unless it was paid meanwhile.
    async fn order_paid(
        &self,
        c: &mut Conn,
        order: &OrderRecord,
        actor: &str,
        holder_here: bool,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<bool, AppError> {
        let rec = repo::renewals::by_id(c, &order.renewal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Payable when nothing is recorded yet (card, PayPal) or this order's transfer is the
        // pending payment.
        let payable = to_domain(&rec)?.step == RenewalStep::Payment
            && repo::payments::of_renewal(c, &rec.id)
                .await?
                .is_none_or(|p| p.status == "pending" && p.reference == order.id);
        if !payable {
            repo::shop::set_order_status(
                c,
                &order.id,
                &["open", "pending", "declined", "cancelled"],
                "refund_due",
                secs(now),
            )
            .await?;
            audit(
                c,
                secs(now),
                actor,
                crate::audit::AuditAction::OrderRefundDue,
                Some(rec.id.as_str()),
                ctx,
                Some(format!(
                    "order {} paid after the renewal was paid",
                    order.id
                )),
            )
            .await?;
            return Ok(false);
        }
        repo::shop::set_order_status(
            c,
            &order.id,
            &["open", "pending", "declined", "cancelled"],
            "paid",
            secs(now),
        )
        .await?;
        // The code this order used keeps its use (reserved when the order was placed); any
        // other the renewal held goes back.
        repo::shop::release_promos(c, &rec.id, order.promo_code.as_deref()).await?;
        let amount = Money::from_cents(order.gross_cents)
            .map_err(|_| AppError::Internal("order amount".into()))?;
        self.settle(
            c,
            &rec,
            actor,
            PaymentMethod::Shop,
            amount,
            &order.id,
            holder_here,
            now,
            ctx,
        )
        .await?;
        let h = repo::holders::by_id(c, &rec.holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let lang = Lang::parse(&h.lang);
        notify::email(
            c,
            &h,
            lang.t("email-paid-subject"),
            lang.t_args(
                "email-paid-body",
                &[
                    ("name", h.given_name.clone()),
                    ("amount", amount.display(lang.code())),
                    (
                        "link",
                        format!("{}/renewals/{}", self.config().public_url, rec.id),
                    ),
                ],
            ),
            secs(now),
        )
        .await?;
        Ok(true)
    }

    /// Everything whose money is to be given back, oldest first within each kind.
    pub async fn refunds_due(&self) -> Result<Vec<RefundDue>, AppError> {
        let mut c = self.store().conn().await?;
        let mut out = Vec::new();
        for e in repo::renewals::refunds_due(&mut c).await? {
            let paid = repo::payments::of_renewal(&mut c, &e.renewal_id).await?;
            out.push(RefundDue {
                kind: "renewal".into(),
                id: e.renewal_id.to_string(),
                renewal_id: Some(e.renewal_id.clone()),
                amount_cents: paid.as_ref().map_or(0, |p| p.amount_cents),
                detail: match &paid {
                    Some(p) => format!("ended ({}); paid {} {}", e.reason, p.method, p.reference),
                    None => format!("ended ({})", e.reason),
                },
                since: e.ended_at,
            });
        }
        for o in repo::shop::orders_to_refund(&mut c).await? {
            let amount = if o.method == "bank_transfer" {
                repo::shop::received_unsettled(&mut c, &o.id).await?
            } else {
                o.gross_cents
            };
            out.push(RefundDue {
                kind: "order".into(),
                id: o.id.clone(),
                renewal_id: Some(o.renewal_id.clone()),
                amount_cents: amount,
                detail: format!("{} order", o.method),
                since: o.updated_at,
            });
        }
        for b in repo::shop::entries_to_refund(&mut c).await? {
            let order = match &b.order_id {
                Some(id) => repo::shop::order(&mut c, id).await?,
                None => None,
            };
            let amount = match (&b.outcome[..], &order) {
                ("overpaid", Some(o)) => {
                    repo::shop::received_unsettled(&mut c, &o.id).await? + b.amount_cents
                        - o.gross_cents
                }
                _ => b.amount_cents,
            };
            out.push(RefundDue {
                kind: "bank_entry".into(),
                id: b.entry_ref.clone(),
                renewal_id: order.map(|o| o.renewal_id),
                amount_cents: amount,
                detail: format!("{} transfer: {}", b.outcome, b.remittance),
                since: b.imported_at,
            });
        }
        Ok(out)
    }

    /// Staff settle a pending bank transfer whose money arrived outside an imported statement
    /// (or whose parts they checked by hand). Answers whether the renewal was paid by it (false:
    /// it had been paid another way, and the order is flagged for refund).
    pub async fn settle_transfer(
        &self,
        order_id: &str,
        actor: &str,
        ctx: &Ctx,
    ) -> Result<bool, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let order = pending_transfer(&mut tx, order_id).await?;
        let paid = self
            .order_paid(&mut tx, &order, actor, false, now, ctx)
            .await?;
        commit(tx).await?;
        Ok(paid)
    }

    /// Staff cancel a pending bank transfer: the holder may pay another way. Money that already
    /// arrived for it (a short transfer) is flagged for refund.
    pub async fn cancel_transfer(
        &self,
        order_id: &str,
        actor: &str,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let order = pending_transfer(&mut tx, order_id).await?;
        let received = repo::shop::received_for(&mut tx, &order.id).await?;
        let status = if received > 0 {
            "refund_due"
        } else {
            "cancelled"
        };
        repo::shop::set_order_status(&mut tx, &order.id, &["pending"], status, secs(now)).await?;
        repo::payments::cancel_pending(&mut tx, &order.renewal_id, &order.id).await?;
        repo::shop::release_promos(&mut tx, &order.renewal_id, None).await?;
        audit(
            &mut tx,
            secs(now),
            actor,
            crate::audit::AuditAction::OrderCancelled,
            Some(order.renewal_id.as_str()),
            ctx,
            Some(format!(
                "order {} (bank transfer), {received} cents received{}",
                order.id,
                if received > 0 { ", to refund" } else { "" }
            )),
        )
        .await?;
        commit(tx).await
    }

    /// Imports a CAMT.053 bank statement: each booked credit in euro that mentions the
    /// reference of a pending bank transfer settles it (the holder is e-mailed and resumes at
    /// the next login). Every entry is looked at once, however often the file is imported.
    pub async fn import_bank_statement(
        &self,
        xml: &str,
        ctx: &Ctx,
    ) -> Result<ImportReport, AppError> {
        let entries = camt053::parse(xml).map_err(|e| AppError::Statement(e.to_string()))?;
        let mut report = ImportReport {
            entries: entries.len(),
            ..ImportReport::default()
        };
        for entry in entries {
            if !entry.credit || !entry.booked || entry.currency != "EUR" {
                report.ignored += 1;
                continue;
            }
            self.import_entry(&entry, &mut report, ctx).await?;
        }
        Ok(report)
    }

    async fn import_entry(
        &self,
        entry: &BankEntry,
        report: &mut ImportReport,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if repo::shop::bank_entry(&mut tx, &entry.entry_ref)
            .await?
            .is_some()
        {
            report.already_imported += 1;
            return Ok(());
        }
        let mentioned = |o: &OrderRecord| {
            o.remittance_ref
                .as_deref()
                .is_some_and(|r| entry.mentions(r))
        };
        let mut matching: Vec<OrderRecord> = repo::shop::pending_transfers(&mut tx)
            .await?
            .into_iter()
            .filter(mentioned)
            .collect();
        if matching.is_empty() {
            // A transfer for an order already paid or cancelled: its money goes back.
            matching = repo::shop::closed_transfers(&mut tx)
                .await?
                .into_iter()
                .filter(mentioned)
                .collect();
        }
        let mut item = ImportedEntry {
            entry_ref: entry.entry_ref.clone(),
            amount_cents: entry.amount_cents,
            reference: None,
            order_id: None,
            renewal_id: None,
            outcome: "unmatched".into(),
            received_cents: entry.amount_cents,
            missing_cents: 0,
            refund_cents: 0,
        };
        if let [order] = matching.as_slice() {
            item.reference.clone_from(&order.remittance_ref);
            item.order_id = Some(order.id.clone());
            item.renewal_id = Some(order.renewal_id.clone());
            if order.status == "pending" {
                // Transfers for one order add up: a second one for the difference completes it.
                let received =
                    repo::shop::received_for(&mut tx, &order.id).await? + entry.amount_cents;
                item.received_cents = received;
                if received < order.gross_cents {
                    item.outcome = "underpaid".into();
                    item.missing_cents = order.gross_cents - received;
                    self.email_transfer_missing(&mut tx, order, received, now)
                        .await?;
                } else {
                    let settled = self
                        .order_paid(&mut tx, order, "bank", false, now, ctx)
                        .await?;
                    item.refund_cents = if settled {
                        received - order.gross_cents
                    } else {
                        received
                    };
                    item.outcome = match (settled, item.refund_cents > 0) {
                        (false, _) => "late",
                        (true, true) => "overpaid",
                        (true, false) => "settled",
                    }
                    .into();
                }
            } else {
                item.outcome = "refund".into();
                item.refund_cents = entry.amount_cents;
            }
        }
        match item.outcome.as_str() {
            "settled" | "overpaid" => {
                report.settled.extend(item.renewal_id.clone());
            }
            "underpaid" => report.underpaid += 1,
            "unmatched" => report.unmatched += 1,
            _ => {}
        }
        if item.outcome == "overpaid" {
            report.overpaid += 1;
        }
        if item.refund_cents > 0 {
            report.refunds += 1;
            audit(
                &mut tx,
                secs(now),
                "bank",
                crate::audit::AuditAction::RefundDue,
                item.renewal_id.as_ref().map(RenewalId::as_str),
                ctx,
                Some(format!(
                    "{} cents of bank entry {} ({})",
                    item.refund_cents, entry.entry_ref, item.outcome
                )),
            )
            .await?;
        }
        let (order_id, outcome) = (item.order_id.clone(), item.outcome.clone());
        report.items.push(item);
        repo::shop::insert_bank_entry(
            &mut tx,
            &BankEntryRecord {
                entry_ref: entry.entry_ref.clone(),
                amount_cents: entry.amount_cents,
                currency: entry.currency.clone(),
                booking_date: entry.booking_date.clone(),
                remittance: entry.remittance.join(" | "),
                debtor: entry.debtor.clone(),
                order_id,
                outcome: outcome.clone(),
                imported_at: secs(now),
            },
        )
        .await?;
        audit(
            &mut tx,
            secs(now),
            "bank",
            crate::audit::AuditAction::BankEntryImported,
            Some(&entry.entry_ref),
            ctx,
            Some(format!("{outcome}, {} cents", entry.amount_cents)),
        )
        .await?;
        commit(tx).await
    }
}
