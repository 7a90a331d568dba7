//! `rinnova clients`: signing applications allowed to use the CSC API with OAuth 2.0 client
//! credentials (issue 22). Holders still authorise each signature with PIN and one-time code.

use super::open_app;
use crate::config::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Registers a signing application and prints its client id and secret (shown once: only
    /// a hash is kept).
    Add {
        /// A name for it (unique), e.g. the product and the organisation running it.
        name: String,
    },
    /// Lists the registered applications: id, registered, revoked, name.
    List,
    /// Revokes an application by name: its tokens end at once.
    Revoke { name: String },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let app = open_app(cfg).await?;
    match command {
        Command::Add { name } => {
            let c = app
                .register_client(&name, &super::operator())
                .await
                .map_err(super::refused)?;
            println!("client_id: {}", c.id);
            println!("client_secret: {}", c.secret.expose());
        }
        Command::List => {
            for c in app.clients().await? {
                println!(
                    "{}  registered {}  {}  {}",
                    c.id,
                    rinnova_app::util::ts(c.created_at),
                    c.revoked_at.map_or_else(
                        || "live".to_owned(),
                        |r| format!("revoked {}", rinnova_app::util::ts(r))
                    ),
                    c.name
                );
            }
        }
        Command::Revoke { name } => {
            anyhow::ensure!(
                app.revoke_client(&name).await?,
                "no live client named {name:?}"
            );
            println!("client {name:?} revoked");
        }
    }
    Ok(())
}
