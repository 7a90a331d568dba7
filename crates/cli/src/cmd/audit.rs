//! `rinnova audit`: the tamper-evident audit trail (SPEC X2).

use super::open_app;
use crate::config::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Recomputes the hash chain from the first row and checks every seal against the audit
    /// seal certificate the issuing CA gave its key (older seals: against the issuing CA's own
    /// certificate); names the first row that does not match (exit status 1).
    /// Only reads: nothing is migrated, chained or written.
    Verify {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// A directory of exported seals (`audit.export_dir`): each must verify, follow the
        /// one before it, and still be in the database with the rows it sealed unchanged.
        #[arg(long, value_name = "DIR")]
        export: Option<std::path::PathBuf>,
    },
    /// Signs the chain's current head with the audit seal's own key (`serve` does it every
    /// `audit.seal_minutes`), then exports the seals not yet exported.
    Seal,
    /// Every entry by or about a holder (their renewals and certificates), newest first.
    Search {
        /// The holder's user-id.
        #[arg(
            long,
            conflicts_with = "certificate",
            required_unless_present = "certificate"
        )]
        holder: Option<String>,
        /// A certificate's serial (hex): its holder's entries.
        #[arg(long)]
        certificate: Option<String>,
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Verify { json, export } => {
            let store = crate::server::open_store_to_read(&cfg).await?;
            if let Some(dir) = &export {
                anyhow::ensure!(dir.is_dir(), "no export directory at {}", dir.display());
            }
            let anchors = cfg.tsa_anchors()?;
            let v = rinnova_app::audit::verify_with(&store, export.as_deref(), &anchors).await?;
            if json {
                println!("{}", serde_json::to_string(&v)?);
            } else if let Some(p) = &v.problem {
                println!("audit trail NOT intact: {p}");
            } else {
                println!(
                    "audit trail intact: {} rows chained, {} seals, sealed up to row {}",
                    v.rows, v.seals, v.sealed_up_to
                );
                if !v.sealed_by.is_empty() {
                    println!("sealed by: {}", v.sealed_by.join(", "));
                }
                if let (Some(n), Some(dir)) = (v.exported, &export) {
                    println!(
                        "{n} exported seals in {} match the database (up to row {})",
                        dir.display(),
                        v.exported_up_to.unwrap_or(0)
                    );
                }
            }
            if !v.ok() {
                std::process::exit(1);
            }
        }
        Command::Search {
            holder,
            certificate,
            json,
        } => {
            let app = open_app(cfg).await?;
            let entries = match app
                .audit_search(
                    holder.as_deref(),
                    certificate.as_deref(),
                    rinnova_app::i18n::Lang::En,
                )
                .await
            {
                Err(rinnova_app::AppError::NotFound) => {
                    anyhow::bail!("no such holder or certificate")
                }
                other => other?,
            };
            if json {
                println!("{}", serde_json::to_string(&entries)?);
            } else {
                for e in &entries {
                    println!(
                        "{:>8}  {}  {:<28} {:<24} {}{}{}",
                        e.seq,
                        e.at,
                        e.action,
                        e.actor,
                        e.subject.as_deref().unwrap_or("-"),
                        e.ip.as_deref()
                            .map(|ip| format!("  from {ip}"))
                            .unwrap_or_default(),
                        e.request_id
                            .as_deref()
                            .map(|id| format!("  request {id}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        Command::Seal => {
            let app = open_app(cfg).await?;
            match app.seal_audit().await? {
                Some(seq) => println!("audit chain sealed at row {seq}"),
                None => println!("nothing new to seal"),
            }
        }
    }
    Ok(())
}
