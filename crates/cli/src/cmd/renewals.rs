//! `rinnova renewals`: the signed renewal form kept as evidence.

use super::open_app;
use crate::config::Config;
use anyhow::Context;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Writes the renewal form as the holder signed it (PAdES) to FILE, or to standard output.
    Evidence {
        renewal_id: rinnova_domain::RenewalId,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let Command::Evidence { renewal_id, out } = command;
    let app = open_app(cfg).await?;
    let pdf = match app.evidence(&renewal_id).await {
        Err(rinnova_app::AppError::NotFound) => {
            anyhow::bail!("renewal {renewal_id} has no signed form (not signed yet?)")
        }
        other => other?,
    };
    match out {
        Some(path) => {
            std::fs::write(&path, &pdf).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), &pdf)?,
    }
    Ok(())
}
