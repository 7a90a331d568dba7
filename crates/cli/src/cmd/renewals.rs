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
    /// Time-stamps the signed forms again whose last document time-stamp's unit certificate
    /// ends within 45 days (new validation data, a new document time-stamp: PAdES B-LTA kept
    /// up). `serve` does it hourly; run this where no instance is serving.
    Restamp,
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let (renewal_id, out) = match command {
        Command::Evidence { renewal_id, out } => (renewal_id, out),
        Command::Restamp => {
            let app = open_app(cfg).await?;
            let mut total = 0;
            loop {
                let done = app.restamp_forms().await?;
                total += done;
                if done == 0 {
                    break;
                }
            }
            println!("{total} signed form(s) time-stamped again");
            return Ok(());
        }
    };
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
