//! `rinnova demo`: a stand-in smart card, and holders for load tests.

use super::open_app_as;
use crate::config::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Personalises a stand-in smart card (SoftHSM2) for a holder: keys generated on the card,
    /// a signature and a CNS certificate issued by this CA and stored beside them.
    Card {
        #[command(flatten)]
        card: crate::card::CardArgs,
        /// The holder's user-id.
        #[arg(long)]
        holder: String,
        /// The card's security-officer PIN (used when the card is initialised).
        #[arg(long, default_value = "87654321")]
        so_pin: rinnova_domain::secret::Secret,
        /// Days until the certificates expire (negative: already expired).
        #[arg(long, default_value_t = 45, allow_hyphen_values = true)]
        expires_in_days: i64,
    },
    /// Adds holders BENCH000001… for load tests and benchmarks: each with a certificate
    /// expiring in 30 days; password rinnova-demo, PIN 12345678.
    Holders {
        #[arg(long)]
        count: usize,
        /// Every N-th holder pays the renewal itself (0: all free).
        #[arg(long, default_value_t = 0)]
        paid_every: usize,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    // Demo and load-test holders: software keys unless `[keys]` names a token.
    let app = open_app_as(cfg, true).await?;
    match command {
        Command::Card {
            card,
            holder,
            so_pin,
            expires_in_days,
        } => {
            for line in
                crate::card::provision(&app, &card, so_pin.expose(), &holder, expires_in_days)
                    .await?
            {
                println!("stored on the card: {line}");
            }
        }
        Command::Holders { count, paid_every } => {
            let users = app.seed_load_holders(count, paid_every).await?;
            println!(
                "{} holders added ({} there already)",
                users.len(),
                count - users.len()
            );
        }
    }
    Ok(())
}
