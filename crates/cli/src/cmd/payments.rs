//! `rinnova payments`: bank statements, transfers settled or cancelled by hand, refunds due,
//! promo codes (SPEC §5 step 5).

use super::{KindArg, money, now, open_app, rome_midnight};
use crate::config::Config;
use anyhow::Context;
use clap::Subcommand;
use rinnova_domain::Money;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum Command {
    /// Import a bank statement (ISO 20022 CAMT.053 XML): booked credits that carry the
    /// reference of a pending bank transfer settle it, and the holder is e-mailed. Importing
    /// the same statement again changes nothing.
    Import {
        /// The CAMT.053 file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Settle a pending bank transfer by hand (its money arrived outside an imported
    /// statement): the renewal moves on as if the statement had settled it.
    Settle {
        /// The order's id (`payments import` reports it).
        order: String,
    },
    /// Cancel a pending bank transfer: the holder may pay another way; money already received
    /// for it is flagged for refund.
    Cancel {
        /// The order's id.
        order: String,
    },
    /// List the money to give back: renewals that ended after they were paid, orders paid
    /// after their renewal was paid another way, transfers for orders already paid and the
    /// part of a transfer beyond its order's total.
    Refunds {
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Create a promo code for the shop.
    Promo {
        /// The code holders type (letters and digits).
        code: String,
        /// Percent off the net price (1–100, decimals allowed: 12.5).
        #[arg(long, conflicts_with = "fixed", required_unless_present = "fixed")]
        percent: Option<f64>,
        /// Euro off the net price, e.g. 5.00.
        #[arg(long, value_parser = money)]
        fixed: Option<Money>,
        /// First day of validity (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        from: jiff::civil::Date,
        /// Last day of validity (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        until: jiff::civil::Date,
        /// Only for this kind of certificate.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// How many orders may use it.
        #[arg(long)]
        max_uses: Option<u32>,
    },
}

fn euro(c: i64) -> String {
    format!("{}.{:02} EUR", c / 100, c % 100)
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Import { file, json } => {
            let xml = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = open_app(cfg).await?;
            let report = app
                .import_bank_statement(&xml, &super::operator().ctx)
                .await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
                return Ok(());
            }
            println!(
                "{} entries: {} settled, {} already imported, {} unmatched, {} underpaid, \
                 {} overpaid, {} to refund, {} ignored (debits, not booked, not EUR)",
                report.entries,
                report.settled.len(),
                report.already_imported,
                report.unmatched,
                report.underpaid,
                report.overpaid,
                report.refunds,
                report.ignored
            );
            for i in &report.items {
                let mut line = format!(
                    "  {}  {}  {}  {}",
                    i.entry_ref,
                    euro(i.amount_cents),
                    i.reference.as_deref().unwrap_or("-"),
                    i.outcome
                );
                if let Some(o) = &i.order_id {
                    line.push_str(&format!("  order {o}"));
                }
                if i.missing_cents > 0 {
                    line.push_str(&format!(
                        "  received {}, missing {}",
                        euro(i.received_cents),
                        euro(i.missing_cents)
                    ));
                }
                if i.refund_cents > 0 {
                    line.push_str(&format!("  refund {}", euro(i.refund_cents)));
                }
                println!("{line}");
            }
        }
        Command::Settle { order } => {
            let app = open_app(cfg).await?;
            let op = super::operator();
            let paid = app.settle_transfer(&order, &op.actor, &op.ctx).await?;
            if paid {
                println!("order {order} settled: the renewal moves on");
            } else {
                println!(
                    "order {order} settled, but its renewal was paid another way: flagged for refund"
                );
            }
        }
        Command::Refunds { json } => {
            let app = open_app(cfg).await?;
            let due = app.refunds_due().await?;
            if json {
                println!("{}", serde_json::to_string(&due)?);
            } else if due.is_empty() {
                println!("no refunds due");
            } else {
                for r in &due {
                    println!(
                        "{}  {}  {}  {}{}",
                        r.kind,
                        r.id,
                        euro(r.amount_cents),
                        r.detail,
                        r.renewal_id
                            .as_ref()
                            .map(|id| format!("  (renewal {id})"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        Command::Cancel { order } => {
            let app = open_app(cfg).await?;
            let op = super::operator();
            app.cancel_transfer(&order, &op.actor, &op.ctx).await?;
            println!("order {order} cancelled: the holder may pay another way");
        }
        Command::Promo {
            code,
            percent,
            fixed,
            from,
            until,
            kind,
            max_uses,
        } => {
            use rinnova_domain::promo::{Discount, PromoCode, normalise};
            let discount = match (percent, fixed) {
                (Some(p), _) => {
                    let bp = (p * 100.0).round();
                    anyhow::ensure!(
                        (1.0..=10_000.0).contains(&bp),
                        "--percent must be 0.01 to 100"
                    );
                    // Range-checked just above.
                    Discount::Percent(bp as u32)
                }
                (None, Some(f)) => Discount::Fixed(f),
                (None, None) => anyhow::bail!("--percent or --fixed is needed"),
            };
            let p = PromoCode {
                code: normalise(&code)
                    .ok_or_else(|| anyhow::anyhow!("a promo code is letters and digits"))?,
                discount,
                valid_from: rome_midnight(from)?,
                valid_until: rome_midnight(until.tomorrow()?)?,
                kind: kind.map(Into::into),
                max_uses,
                uses: 0,
            };
            let store = crate::server::open_store(&cfg).await?;
            rinnova_app::shop::create_promo(&store, now(), &p).await?;
            println!("promo code {} created", p.code);
        }
    }
    Ok(())
}
