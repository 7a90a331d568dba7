//! `rinnova prepaid`: prepaid accounts (seed 004): Diritti pays CNS renewals, Tariffa every
//! other kind.

use super::{money, now, password_from_stdin, refused};
use crate::config::Config;
use clap::{Subcommand, ValueEnum};
use rinnova_domain::Money;
use rinnova_domain::prepaid::Purse;

#[derive(Subcommand)]
pub enum Command {
    /// Open an account; the password (12 characters or more) is the first line of standard
    /// input.
    Add {
        /// The account's user-id (2–8 letters then 3–10 digits).
        user_id: String,
        /// The holder of the account (a firm, an office…).
        #[arg(long)]
        name: String,
    },
    /// Add money to a purse.
    TopUp {
        user_id: String,
        #[arg(long, value_enum, ignore_case = true)]
        purse: PurseArg,
        /// Euro, e.g. 100.00.
        #[arg(long, value_parser = money)]
        amount: Money,
        /// Kept with the ledger line (e.g. the payment's reference).
        #[arg(long)]
        note: Option<String>,
    },
    /// Show the purses' balances (booked) and what is available (not reserved).
    Show { user_id: String },
}

/// A prepaid account's purse.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PurseArg {
    /// Pays CNS renewals.
    Diritti,
    /// Pays every other kind.
    Tariffa,
}

impl From<PurseArg> for Purse {
    fn from(p: PurseArg) -> Self {
        match p {
            PurseArg::Diritti => Purse::Diritti,
            PurseArg::Tariffa => Purse::Tariffa,
        }
    }
}

fn print_balances(user_id: &str, b: &rinnova_app::prepaid::Balances) {
    let euro = |c: i64| format!("{}.{:02}", c / 100, c % 100);
    println!("{user_id}");
    println!(
        "  Diritti  balance {:>10}   available {:>10}",
        euro(b.diritti.0),
        euro(b.diritti.1)
    );
    println!(
        "  Tariffa  balance {:>10}   available {:>10}",
        euro(b.tariffa.0),
        euro(b.tariffa.1)
    );
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let store = crate::server::open_store(&cfg).await?;
    match command {
        Command::Add { user_id, name } => {
            let password = password_from_stdin()?;
            rinnova_app::prepaid::create_account(
                &store,
                now(),
                cfg.app.password_kdf,
                &user_id,
                password.expose(),
                &name,
                &super::operator(),
            )
            .await
            .map_err(refused)?;
            println!("prepaid account {} opened", user_id.to_ascii_uppercase());
        }
        Command::TopUp {
            user_id,
            purse,
            amount,
            note,
        } => {
            let b = rinnova_app::prepaid::top_up(
                &store,
                now(),
                &user_id,
                purse.into(),
                amount,
                note,
                &super::operator(),
            )
            .await
            .map_err(refused)?;
            print_balances(&user_id.to_ascii_uppercase(), &b);
        }
        Command::Show { user_id } => {
            let b = rinnova_app::prepaid::balances(&store, &user_id)
                .await
                .map_err(refused)?;
            print_balances(&user_id.to_ascii_uppercase(), &b);
        }
    }
    Ok(())
}
