//! `rinnova coupons`: coupon batches for organisations and distributors (SPEC §5 step 5).

use super::{KindArg, now};
use crate::config::Config;
use clap::Subcommand;
use rinnova_domain::CertificateKind;
use rinnova_domain::coupon::CouponIssuer;

#[derive(Subcommand)]
pub enum Command {
    /// Create a batch of coupons; prints one code per line (hand them out: they are not
    /// shown again).
    Create {
        /// The organisation whose holders may use them.
        #[arg(
            long,
            conflicts_with = "distributor",
            required_unless_present = "distributor"
        )]
        organisation: Option<String>,
        /// The distributor whose customers' certificates they renew.
        #[arg(long)]
        distributor: Option<String>,
        /// The kind of certificate they renew.
        #[arg(long, value_enum, default_value_t = KindArg::RemoteSignature)]
        kind: KindArg,
        /// How many (1 to 10000).
        #[arg(long)]
        count: usize,
        /// Last day of validity (YYYY-MM-DD, Europe/Rome): valid until that day's end.
        #[arg(long)]
        until: jiff::civil::Date,
        /// A note kept with the batch (e.g. the order it was sold with).
        #[arg(long)]
        note: Option<String>,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let Command::Create {
        organisation,
        distributor,
        kind,
        count,
        until,
        note,
    } = command;
    let issuer = match (organisation, distributor) {
        (Some(o), _) => CouponIssuer::Organisation(o),
        (None, Some(d)) => CouponIssuer::Distributor(d),
        (None, None) => anyhow::bail!("--organisation or --distributor is needed"),
    };
    let kind = CertificateKind::from(kind);
    let expires_at = super::rome_midnight(until.tomorrow()?)?;
    let store = crate::server::open_store(&cfg).await?;
    let spec = rinnova_app::coupons::NewCouponBatch {
        issuer,
        kind,
        expires_at,
        count,
        note,
    };
    let op = super::operator();
    let (batch, codes) =
        rinnova_app::coupons::create_coupons(&store, now(), &spec, &op.actor, &op.ctx).await?;
    eprintln!(
        "batch {batch}: {count} coupon(s) for {}, valid until {until} (Europe/Rome)",
        kind.as_str()
    );
    for c in codes {
        println!("{}", c.display());
    }
    Ok(())
}
