//! Demonstration data: holders in every interesting state, with real certificates from the CA,
//! created on the first `serve --demo` (and by tests and benchmarks).

use crate::util::{blocking, hash_password, new_id, secs};
use crate::{App, AppError};
use jiff::{SignedDuration, Timestamp, ToSpan};
use rinnova_domain::coupon::CouponCode;
use rinnova_domain::window::ca_time_zone;
use rinnova_domain::{CertificateId, CertificateKind, CodiceFiscale, HolderId, Pin};
use rinnova_store::{
    CdrlRecord, CouponBatchRecord, HolderRecord, OrganisationRecord, PrepaidAccountRecord,
    PrepaidEntryRecord, RaoRecord, StoreError, TokenRecord, repo,
};

/// The password of every demo holder.
pub const DEMO_PASSWORD: &str = "rinnova-demo";
/// The signature PIN of every demo holder.
pub const DEMO_PIN: &str = "12345678";
/// The demo token's secret (RFC 6238 test seed), so `oathtool` can generate its codes.
pub const DEMO_TOKEN_SECRET: &[u8] = b"12345678901234567890";

/// A demo holder as shown on the console and the login page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoHolder {
    pub user_id: &'static str,
    pub name: &'static str,
    /// What is interesting about this holder (Italian, English).
    pub situation: (&'static str, &'static str),
}

/// Where each demo holder's certificate stands relative to now.
#[derive(Debug, Clone, Copy)]
enum Expiry {
    InDays(i64),
    /// Expires late tomorrow (Rome): today is the last day to renew.
    LastDay,
    /// Expires late today (Rome): still valid, but the window closed at midnight.
    ClosedToday,
    AlreadyRenewed,
}

/// Who pays a demo holder's renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payer {
    /// The contract includes renewals.
    Free,
    /// The organisation, through payroll.
    Payroll,
    /// The holder, at step 5.
    Holder,
    /// A member of the demo professional body, which pays and approves each renewal.
    Approval,
    /// The holder, at step 5; the certificate was sold by the demo distributor, whose coupons
    /// renew it.
    Reseller,
}

struct Seed {
    user_id: &'static str,
    given: &'static str,
    surname: &'static str,
    cf15: &'static str,
    expiry: Expiry,
    token: bool,
    payer: Payer,
    situation: (&'static str, &'static str),
}

const SEEDS: &[Seed] = &[
    Seed {
        user_id: "JZLF001",
        given: "Mario",
        surname: "Rossi",
        cf15: "RSSMRA85T10A562",
        expiry: Expiry::InDays(45),
        token: false,
        payer: Payer::Free,
        situation: ("rinnovo aperto, OTP via SMS", "renewal open, OTP by SMS"),
    },
    Seed {
        user_id: "JZLF002",
        given: "Giulia",
        surname: "Bianchi",
        cf15: "BNCGLI90A41F205",
        expiry: Expiry::LastDay,
        token: false,
        payer: Payer::Free,
        situation: ("ultimo giorno per rinnovare", "last day to renew"),
    },
    Seed {
        user_id: "JZLF003",
        given: "Luca",
        surname: "Verdi",
        cf15: "VRDLCU78C12L219",
        expiry: Expiry::ClosedToday,
        token: false,
        payer: Payer::Payroll,
        situation: (
            "scade oggi: periodo chiuso (paga l'organizzazione)",
            "expires today: window closed (organisation pays)",
        ),
    },
    Seed {
        user_id: "JZLF004",
        given: "Anna",
        surname: "Neri",
        cf15: "NRENNA82D50H501",
        expiry: Expiry::InDays(-10),
        token: false,
        payer: Payer::Free,
        situation: ("certificato scaduto", "certificate expired"),
    },
    Seed {
        user_id: "JZLF005",
        given: "Paolo",
        surname: "Gallo",
        cf15: "GLLPLA75E20G273",
        expiry: Expiry::AlreadyRenewed,
        token: false,
        payer: Payer::Free,
        situation: ("già rinnovato", "already renewed"),
    },
    Seed {
        user_id: "JZLF006",
        given: "Sara",
        surname: "Conti",
        cf15: "CNTSRA88H60D612",
        expiry: Expiry::InDays(60),
        token: true,
        payer: Payer::Free,
        situation: ("rinnovo aperto, token TOTP", "renewal open, TOTP token"),
    },
    Seed {
        user_id: "JZLF007",
        given: "Marco",
        surname: "Ferri",
        cf15: "FRRMRC70L15A944",
        expiry: Expiry::InDays(200),
        token: false,
        payer: Payer::Free,
        situation: ("rinnovo non ancora disponibile", "renewal not open yet"),
    },
    Seed {
        user_id: "JZLF008",
        given: "Elena",
        surname: "Russo",
        cf15: "RSSLNE92M55F839",
        expiry: Expiry::InDays(30),
        token: false,
        payer: Payer::Payroll,
        situation: (
            "rinnovo aperto, paga l'organizzazione",
            "renewal open, organisation pays",
        ),
    },
    Seed {
        user_id: "JZLF009",
        given: "Chiara",
        surname: "Marino",
        cf15: "MRNCHR91B45L219",
        expiry: Expiry::InDays(40),
        token: false,
        payer: Payer::Reseller,
        situation: (
            "rinnovo aperto, paga il titolare (coupon del rivenditore)",
            "renewal open, the holder pays (distributor's coupon)",
        ),
    },
    Seed {
        user_id: "JZLF010",
        given: "Davide",
        surname: "Greco",
        cf15: "GRCDVD83S07F205",
        expiry: Expiry::InDays(50),
        token: false,
        payer: Payer::Holder,
        situation: (
            "rinnovo aperto, paga il titolare (negozio: carta, PayPal, bonifico)",
            "renewal open, the holder pays (shop: card, PayPal, bank transfer)",
        ),
    },
    Seed {
        user_id: "JZLF011",
        given: "Giorgio",
        surname: "Fontana",
        cf15: "FNTGRG79P21H501",
        expiry: Expiry::InDays(35),
        token: false,
        payer: Payer::Approval,
        situation: (
            "rinnovo aperto, serve l'approvazione dell'organizzazione (CDRL)",
            "renewal open, the organisation (CDRL) must approve",
        ),
    },
];

/// The demo registration-office operator.
pub const DEMO_RAO: (&str, &str) = ("rao.demo", "rinnova-rao-demo");

/// The demo professional body's manager (CDRL), who approves JZLF011's renewal.
pub const DEMO_CDRL: (&str, &str) = ("cdrl.demo", "rinnova-cdrl-demo");

/// The demo prepaid account: Tariffa 100,00 €, Diritti 50,00 € (a CNS renewal costs 30,50 €).
pub const DEMO_PREPAID: (&str, &str) = ("PPAG001", "rinnova-prepagato");

/// The demo distributor, and how many coupons it hands out at seeding.
pub const DEMO_DISTRIBUTOR: &str = "demo-distributor";
const DEMO_COUPONS: u64 = 5;

/// The demo distributor's coupons for remote-signature renewals: fixed, so that the console
/// and the login page can show them (real batches are random: `rinnova coupons create`).
pub fn coupons() -> Vec<CouponCode> {
    (1..=DEMO_COUPONS)
        .map(|i| CouponCode::from_random(i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes()))
        .collect()
}

/// The demo holders, for the console and the login page.
pub fn holders() -> Vec<DemoHolder> {
    SEEDS
        .iter()
        .map(|s| DemoHolder {
            user_id: s.user_id,
            name: if s.token {
                "Sara Conti (TOTP)"
            } else {
                s.given
            },
            situation: s.situation,
        })
        .collect()
}

fn rome_end_of_day(now: Timestamp, days_ahead: i64) -> Result<Timestamp, AppError> {
    let date = now
        .to_zoned(ca_time_zone())
        .date()
        .checked_add(days_ahead.days())
        .map_err(|e| AppError::Internal(e.into()))?;
    let at = date
        .at(22, 0, 0, 0)
        .to_zoned(ca_time_zone())
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(at.timestamp())
}

impl App {
    /// Seeds the demo holders unless holders exist. Returns whether it seeded.
    pub async fn seed_demo(&self) -> Result<bool, AppError> {
        if repo::holders::count(&mut *self.store().conn().await?).await? > 0 {
            return Ok(false);
        }
        let now = self.now();
        let kdf = self.config().password_kdf;
        let password_hash = blocking(move || hash_password(DEMO_PASSWORD, kdf)).await??;
        let mut tx = self.store().begin().await?;
        // Another instance starting on the same empty database may have seeded it meanwhile
        // (writers are serialised: this read sees its commit).
        if repo::holders::count(&mut tx).await? > 0 {
            return Ok(false);
        }
        let org_id: String = new_id();
        repo::holders::insert_organisation(
            &mut tx,
            &OrganisationRecord {
                id: org_id.clone(),
                name: "Comune di Esempio".into(),
                payment_mode: "organisation".into(),
                approval_required: 0,
            },
        )
        .await?;
        let body_id: String = new_id();
        repo::holders::insert_organisation(
            &mut tx,
            &OrganisationRecord {
                id: body_id.clone(),
                name: "Ordine degli Ingegneri Demo".into(),
                payment_mode: "organisation".into(),
                approval_required: 1,
            },
        )
        .await?;
        let cdrl_hash = blocking(move || hash_password(DEMO_CDRL.1, kdf)).await??;
        repo::cdrl::insert(
            &mut tx,
            &CdrlRecord {
                id: new_id(),
                organisation_id: body_id.clone(),
                username: DEMO_CDRL.0.into(),
                password_hash: cdrl_hash,
                name: "Marta Ricci".into(),
                email: "cdrl@ordine-demo.it".into(),
                created_at: secs(now),
                disabled_at: None,
                lang: "it".into(),
            },
        )
        .await?;
        repo::holders::insert_distributor(&mut tx, DEMO_DISTRIBUTOR, "Rivenditore Demo S.r.l.")
            .await?;
        let rao_hash = blocking(move || hash_password(DEMO_RAO.1, kdf)).await??;
        repo::rao::insert(
            &mut tx,
            &RaoRecord {
                id: new_id(),
                username: DEMO_RAO.0.into(),
                password_hash: rao_hash,
                name: "Laura Esposito".into(),
                office: "RAO Roma Centro".into(),
                created_at: secs(now),
                disabled_at: None,
            },
        )
        .await?;
        repo::coupons::insert_batch(
            &mut tx,
            &CouponBatchRecord {
                id: new_id(),
                issuer_kind: "distributor".into(),
                issuer_id: DEMO_DISTRIBUTOR.into(),
                kind: CertificateKind::RemoteSignature.as_str().into(),
                expires_at: secs(now + SignedDuration::from_hours(24 * 365)),
                size: i64::try_from(DEMO_COUPONS).unwrap_or(0),
                note: Some("demo".into()),
                created_by: "demo".into(),
                created_at: secs(now),
            },
            &coupons()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect::<Vec<_>>(),
        )
        .await?;
        let prepaid_hash = blocking(move || hash_password(DEMO_PREPAID.1, kdf)).await??;
        let prepaid_id: String = new_id();
        repo::prepaid::insert_account(
            &mut tx,
            &PrepaidAccountRecord {
                id: prepaid_id.clone(),
                user_id: DEMO_PREPAID.0.into(),
                password_hash: prepaid_hash,
                name: "Studio Notarile Demo".into(),
                created_at: secs(now),
            },
        )
        .await?;
        for (purse, cents) in [("tariffa", 10_000), ("diritti", 5_000)] {
            repo::prepaid::append(
                &mut tx,
                &PrepaidEntryRecord {
                    seq: 0,
                    account_id: prepaid_id.clone(),
                    purse: purse.into(),
                    movement: "top_up".into(),
                    amount_cents: cents,
                    renewal_id: None,
                    note: Some("demo".into()),
                    created_at: secs(now),
                },
            )
            .await?;
        }
        for (i, s) in SEEDS.iter().enumerate() {
            let cf = CodiceFiscale::complete(s.cf15)?;
            let holder = HolderRecord {
                id: new_id(),
                user_id: s.user_id.into(),
                password_hash: password_hash.clone(),
                given_name: s.given.into(),
                surname: s.surname.into(),
                codice_fiscale: cf.to_string(),
                iut: format!("WSREF-2023{:06}", i + 1),
                email: format!(
                    "{}.{}@example.it",
                    s.given.to_lowercase(),
                    s.surname.to_lowercase()
                ),
                mobile: format!("+39333000{:04}", i + 1),
                residence: "Via Roma 1, 00100 Roma".into(),
                role_title: match s.payer {
                    Payer::Payroll => Some("Funzionario".to_owned()),
                    Payer::Approval => Some("Ingegnere".to_owned()),
                    _ => None,
                },
                organisation_id: match s.payer {
                    Payer::Payroll => Some(org_id.clone()),
                    Payer::Approval => Some(body_id.clone()),
                    _ => None,
                },
                lang: "it".into(),
                created_at: secs(now),
                payment_mode: (s.payer == Payer::Free).then(|| "free".to_owned()),
                organisation_name: None,
                tokens: 0,
            };
            repo::holders::insert(&mut tx, &holder).await?;
            if s.token {
                let (seed, sealed) = self.seal_token_seed(&holder.id, DEMO_TOKEN_SECRET)?;
                repo::holders::insert_token(
                    &mut tx,
                    &TokenRecord {
                        holder_id: holder.id.clone(),
                        kind: "totp".into(),
                        algorithm: "sha1".into(),
                        digits: 6,
                        step_seconds: 30,
                        secret: seed,
                        last_counter: None,
                        drift_steps: 0,
                        sealed,
                    },
                )
                .await?;
            }
            let not_after = match s.expiry {
                Expiry::InDays(d) => now + SignedDuration::from_hours(24 * d),
                Expiry::LastDay => rome_end_of_day(now, 1)?,
                Expiry::ClosedToday => {
                    rome_end_of_day(now, 0)?.max(now + SignedDuration::from_mins(1))
                }
                Expiry::AlreadyRenewed => now + SignedDuration::from_hours(24 * 20),
            };
            let distributor = (s.payer == Payer::Reseller).then_some(DEMO_DISTRIBUTOR);
            let old = self
                .seed_certificate(&mut tx, &holder, distributor, not_after, now)
                .await?;
            if let Expiry::AlreadyRenewed = s.expiry {
                let renewed = self
                    .seed_certificate(
                        &mut tx,
                        &holder,
                        None,
                        now + SignedDuration::from_hours(24 * 1095),
                        now,
                    )
                    .await?;
                repo::certificates::supersede(&mut tx, &old, &renewed, secs(now)).await?;
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(true)
    }

    /// Seeds `count` extra holders (`BENCH000001`…) whose certificates expire in 30 days, for
    /// load benchmarks. All share the demo password and PIN.
    pub async fn seed_bench_holders(&self, count: usize) -> Result<Vec<String>, AppError> {
        self.seed_load_holders(count, 0).await
    }

    /// Holders `BENCH000001…` for benchmarks and load tests, each with a remote-signature
    /// certificate expiring in 30 days (renewable, and due a reminder); every `paid_every`-th
    /// pays its renewal itself (0: all free). Returns the user-ids added: those there already
    /// are left as they are, so running it again adds nothing.
    pub async fn seed_load_holders(
        &self,
        count: usize,
        paid_every: usize,
    ) -> Result<Vec<String>, AppError> {
        let now = self.now();
        let kdf = self.config().password_kdf;
        let password_hash = blocking(move || hash_password(DEMO_PASSWORD, kdf)).await??;
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let user_id = format!("BENCH{:06}", i + 1);
            let mut tx = self.store().begin().await?;
            // Run again, it adds only the holders not there yet.
            if repo::holders::by_user_id(&mut tx, &user_id)
                .await?
                .is_some()
            {
                continue;
            }
            let mut holder = bench_holder(i, new_id(), password_hash.clone(), secs(now))?;
            if paid_every > 0 && i % paid_every == paid_every - 1 {
                holder.payment_mode = Some("holder".into());
            }
            repo::holders::insert(&mut tx, &holder).await?;
            self.seed_certificate(
                &mut tx,
                &holder,
                None,
                now + SignedDuration::from_hours(24 * 30),
                now,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            ids.push(user_id);
        }
        Ok(ids)
    }

    /// Issues a real certificate expiring at `not_after` (so valid from 3 years before it),
    /// with a PIN-sealed key. Returns its id.
    async fn seed_certificate(
        &self,
        c: &mut rinnova_store::Conn,
        h: &HolderRecord,
        distributor_id: Option<&str>,
        not_after: Timestamp,
        now: Timestamp,
    ) -> Result<CertificateId, AppError> {
        let pin = Pin::parse(DEMO_PIN)?;
        let device = self.inner.device.clone();
        let key = blocking(move || device.create_key(&pin)).await??;
        let not_before = not_after
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_sub(3.years())
            .map_err(|e| AppError::Internal(e.into()))?
            .timestamp();
        Ok(self
            .issue_and_store(c, h, &key, distributor_id, not_before, now)
            .await?
            .0
            .id)
    }
}

/// Bench holder number `i` (`BENCH000001`…): free renewals, Italian.
pub fn bench_holder(
    i: usize,
    id: HolderId,
    password_hash: String,
    created_at: i64,
) -> Result<HolderRecord, AppError> {
    Ok(HolderRecord {
        id,
        user_id: format!("BENCH{:06}", i + 1),
        password_hash,
        given_name: "Bench".into(),
        surname: format!("Holder {i}"),
        codice_fiscale: CodiceFiscale::complete("RSSMRA85T10A562")?.to_string(),
        iut: format!("WSREF-B{:08}", i + 1),
        email: format!("bench{i}@example.it"),
        mobile: format!("+39334{:07}", i + 1),
        residence: "Via Roma 1, 00100 Roma".into(),
        role_title: None,
        organisation_id: None,
        lang: "it".into(),
        created_at,
        payment_mode: Some("free".into()),
        organisation_name: None,
        tokens: 0,
    })
}

/// A message of the demo outbox: what a holder would receive.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoMessage {
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    /// Unix seconds.
    pub created_at: i64,
}

impl App {
    /// Demo only: the newest `limit` messages, of the holder with login `user_id` or of
    /// everyone, newest first. Outside the demo, and for an unknown user-id: not found.
    pub async fn demo_outbox(
        &self,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DemoMessage>, AppError> {
        if !self.config().demo {
            return Err(AppError::NotFound);
        }
        let mut c = self.store().conn().await?;
        let ms = match user_id {
            Some(u) => {
                let u = u.to_ascii_uppercase();
                let ms = repo::outbox::recent_of_user(&mut c, &u, limit).await?;
                if ms.is_empty() && repo::holders::by_user_id(&mut c, &u).await?.is_none() {
                    return Err(AppError::NotFound);
                }
                ms
            }
            None => repo::outbox::recent(&mut c, None, limit).await?,
        };
        Ok(ms
            .into_iter()
            .map(|m| DemoMessage {
                channel: m.channel,
                recipient: m.recipient,
                subject: m.subject,
                body: m.body,
                created_at: m.created_at,
            })
            .collect())
    }
}
