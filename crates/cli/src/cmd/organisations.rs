//! `rinnova organisations`: organisations, and the renewals they pay through payroll (seed 000).

use super::{now, rome_midnight};
use crate::config::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// List organisations: id, payment mode, approval, name.
    List,
    /// The renewals an organisation pays through payroll, as CSV on standard output.
    Payroll {
        /// The organisation's id (see `organisations list`).
        organisation: String,
        /// First day (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        from: jiff::civil::Date,
        /// Last day included (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        until: jiff::civil::Date,
        /// Mark the listed charges exported.
        #[arg(long)]
        mark_exported: bool,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let store = crate::server::open_store(&cfg).await?;
    match command {
        Command::List => {
            for o in rinnova_app::payroll::organisations(&store).await? {
                println!(
                    "{}  {:<12}  approval:{}  {}",
                    o.id,
                    o.payment_mode,
                    if o.approval_required != 0 {
                        "yes"
                    } else {
                        "no"
                    },
                    o.name
                );
            }
        }
        Command::Payroll {
            organisation,
            from,
            until,
            mark_exported,
        } => {
            let csv = rinnova_app::payroll::payroll_csv(
                &store,
                &organisation,
                rome_midnight(from)?,
                rome_midnight(until.tomorrow()?)?,
                mark_exported.then_some(now()),
            )
            .await
            .map_err(super::refused)?;
            print!("{csv}");
        }
    }
    Ok(())
}
