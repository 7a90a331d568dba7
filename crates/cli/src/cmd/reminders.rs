//! `rinnova reminders`: one sweep of the renewal reminders (SPEC N1), for cron when `serve`
//! does not run them.

use super::open_app;
use crate::config::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Finds the certificates due a reminder and queues their e-mails (each exactly once).
    Run {
        /// Only list what is due; record and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let Command::Run { dry_run, json } = command;
    let app = open_app(cfg).await?;
    if dry_run {
        let sweep = app.due_reminders().await?;
        if json {
            let due: Vec<_> = sweep
                .due
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "certificate": d.certificate.id,
                        "serial": d.certificate.serial_hex,
                        "reminder": d.send.key(),
                        "skip": d.skip.iter().map(|r| r.key()).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({"examined": sweep.examined, "due": due})
            );
        } else {
            println!(
                "{} certificates near expiry, {} due a reminder (dry run: nothing sent)",
                sweep.examined,
                sweep.due.len()
            );
            for d in &sweep.due {
                println!("  {}  {}", d.certificate.serial_hex, d.send.key());
            }
        }
    } else {
        let r = app.send_reminders().await?;
        if json {
            println!("{}", serde_json::to_string(&r)?);
        } else {
            println!(
                "{} certificates near expiry, {} due, {} reminders queued; {} renewals ended (window closed)",
                r.examined, r.due, r.sent, r.renewals_ended
            );
        }
    }
    Ok(())
}
