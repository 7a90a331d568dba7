//! `rinnova rao`: registration-office operators, who verify renewals at their desk.

use super::{now, password_from_stdin, refused};
use crate::config::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Create an operator account. The password (12 characters or more) is read from the
    /// first line of standard input, so that it stays out of the shell history.
    Add {
        /// Login name (3–64 of a-z 0-9 . _ -).
        username: String,
        /// Full name, shown to holders and in the audit trail.
        #[arg(long)]
        name: String,
        /// The registration office.
        #[arg(long)]
        office: String,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let Command::Add {
        username,
        name,
        office,
    } = command;
    let password = password_from_stdin()?;
    let store = crate::server::open_store(&cfg).await?;
    let id = rinnova_app::rao::create_rao(
        &store,
        now(),
        cfg.app.password_kdf,
        &rinnova_app::rao::NewRao {
            username: username.clone(),
            password,
            name,
            office,
        },
        &super::operator(),
    )
    .await
    .map_err(refused)?;
    println!("operator {username} created ({id})");
    Ok(())
}
