//! `rinnova keys`: the key ceremony in the configured token (issue 20).

use crate::config::Config;
use anyhow::Context;
use clap::Subcommand;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum Command {
    /// The key ceremony: makes the holder-wrapping and PIN keys in the token named by
    /// `[keys]` (sensitive, never extractable). Run once, under dual control; the token itself
    /// is initialised with the HSM's own tools (`softhsm2-util --init-token` for SoftHSM2).
    Init,
    /// Moves the keys of a CA made before issue 20 (sealed under ca_passphrase in the
    /// database) into the tokens: the root's into keys.root_token_label, the issuing CA's into
    /// the service's token. Same keys, same certificates; the sealed copies are forgotten and
    /// the delegates (OCSP responder, audit seal) get new keys in the token. Needs the CA
    /// passphrase and both tokens' PINs; run it with `serve` stopped.
    Migrate,
    /// The token (its label, whether the ceremony has run) and where holders' keys are: in
    /// the HSM, still sealed in software (moved at their next right PIN), retired but kept.
    /// Needs the user PIN, shows no secret.
    Show {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    let hsm_cfg = cfg.keys.hsm()?;
    let hsm = Arc::new(
        rinnova_ca::Hsm::open(&hsm_cfg)
            .context("opening the HSM (keys.module, keys.token_label, keys.user_pin)")?,
    );
    match command {
        Command::Init => {
            hsm.create_holder_keys()?;
            println!(
                "token {:?}: holder-wrapping and PIN keys made ({}, {})",
                hsm_cfg.token_label,
                rinnova_ca::hsm::HOLDER_WRAP_LABEL,
                rinnova_ca::hsm::HOLDER_PIN_LABEL
            );
        }
        Command::Migrate => {
            let root = Arc::new(
                rinnova_ca::Hsm::open(&cfg.keys.root_hsm()?).context("opening the root's token")?,
            );
            let store = crate::server::open_store(&cfg).await?;
            let passphrase = cfg.passphrase(false)?;
            let done = rinnova_app::ca_service::migrate_to_tokens(
                &store,
                &passphrase,
                &root,
                &hsm,
                &super::operator(),
                super::now(),
            )
            .await?;
            println!(
                "{}",
                match done {
                    rinnova_app::ca_service::CaMigration::Moved => format!(
                        "the CA's keys moved: the root's into token {:?}, the issuing CA's into \
                         token {:?}; their sealed copies are gone from the database (not from older backups)",
                        root.label(),
                        hsm.label()
                    ),
                    rinnova_app::ca_service::CaMigration::AlreadyInTokens =>
                        "the CA's keys are in tokens already: nothing changed".to_owned(),
                }
            );
        }
        Command::Show { json } => {
            let ceremony = hsm.clone().holder_device().is_ok();
            drop(hsm);
            // Where the CA's keys are: public facts, read without opening them.
            let store = crate::server::open_store(&cfg).await?;
            let ca_keys = match rinnova_app::ca_service::exists(&store).await? {
                false => serde_json::Value::Null,
                true => match rinnova_app::ca_service::material(&store).await?.keys {
                    rinnova_ca::CaKeyLocation::Sealed => serde_json::json!({
                        "location": "sealed",
                    }),
                    rinnova_ca::CaKeyLocation::Tokens {
                        root_token,
                        issuing_token,
                    } => serde_json::json!({
                        "location": "tokens",
                        "root_token": root_token,
                        "issuing_token": issuing_token,
                    }),
                },
            };
            drop(store);
            // Before the ceremony there is no device to open the application with.
            let census = match ceremony {
                true => Some(super::open_app(cfg).await?.key_census().await?),
                false => None,
            };
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "module": hsm_cfg.module,
                        "token": hsm_cfg.token_label,
                        "ceremony": ceremony,
                        "holder_keys": census,
                        "ca_keys": ca_keys,
                    })
                );
                return Ok(());
            }
            println!("module          {}", hsm_cfg.module.display());
            println!("token           {}", hsm_cfg.token_label);
            println!(
                "CA keys         {}",
                match ca_keys["location"].as_str() {
                    None => "no CA yet: run `rinnova ca init`".to_owned(),
                    Some("sealed") => "sealed under ca_passphrase in the database \
                                       (`rinnova keys migrate` moves them into the tokens)"
                        .to_owned(),
                    Some(_) => format!(
                        "root in token {}, issuing CA in token {}",
                        ca_keys["root_token"], ca_keys["issuing_token"]
                    ),
                }
            );
            println!(
                "holder keys     {}",
                if ceremony {
                    "made (wrapping and PIN keys present)"
                } else {
                    "missing: run `rinnova keys init`"
                }
            );
            if let Some(census) = census {
                println!("keys in the HSM {}", census.in_hsm);
                println!(
                    "keys in software {} (each moves into the HSM at its holder's next right \
                     PIN)",
                    census.software
                );
                println!("retired, kept   {}", census.retired_kept);
            }
        }
    }
    Ok(())
}
