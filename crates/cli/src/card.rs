//! `rinnova card …`: the smart-card client (seed 004, SPEC C1–C5), and `rinnova demo card`,
//! which personalises a stand-in card (SoftHSM2) with certificates from this CA.

use anyhow::Context;
use clap::Subcommand;
use rinnova_card::{SOFTHSM2_MODULE, Token};
use rinnova_domain::CertificateKind;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Where the card is.
#[derive(clap::Args, Debug, Clone)]
pub struct CardArgs {
    /// The card's PKCS#11 module (default: SoftHSM2, the stand-in card).
    #[arg(long, default_value = SOFTHSM2_MODULE)]
    pub module: PathBuf,
    /// The token label (default: the first card found).
    #[arg(long)]
    pub token: Option<String>,
    /// The card's user PIN (or RINNOVA_CARD_PIN).
    #[arg(long, env = "RINNOVA_CARD_PIN", hide_env_values = true)]
    pub pin: String,
}

#[derive(Subcommand)]
pub enum CardCommand {
    /// Lists the certificates on the card and asks the server whether each can be renewed (C1).
    Read {
        #[command(flatten)]
        card: CardArgs,
        /// The rinnova server, e.g. https://rinnova.example.it.
        #[arg(long)]
        server: String,
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
}

/// The certificates on the card, with the server's verdict on each.
pub async fn read(card: &CardArgs, server: &str, lang: &str) -> anyhow::Result<Value> {
    let token = Token::open(&card.module, card.token.as_deref(), &card.pin)
        .context("opening the card (module, token, PIN)")?;
    let certificates = token.certificates()?;
    use base64::Engine;
    let body = json!({
        "certificates": certificates
            .iter()
            .map(|c| base64::engine::general_purpose::STANDARD.encode(&c.der))
            .collect::<Vec<_>>(),
    });
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/card/status",
            server.trim_end_matches('/')
        ))
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("no connection to {server}"))?;
    anyhow::ensure!(
        resp.status().is_success(),
        "the server answered {}",
        resp.status()
    );
    let mut statuses: Value = resp.json().await?;
    if let Some(list) = statuses.as_array_mut() {
        for (s, c) in list.iter_mut().zip(&certificates) {
            s["label"] = json!(c.label);
            s["id"] = json!(c.id.iter().map(|b| format!("{b:02x}")).collect::<String>());
        }
    }
    Ok(statuses)
}

pub async fn run(cmd: CardCommand) -> anyhow::Result<()> {
    match cmd {
        CardCommand::Read { card, server, json } => {
            let statuses = read(&card, &server, "it").await?;
            if json {
                println!("{statuses}");
                return Ok(());
            }
            let list = statuses.as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                println!("Nessun certificato sulla carta.");
            }
            for s in list {
                let verdict = if s["renewable"] == true {
                    format!("rinnovabile (ancora {} giorni)", s["days_left"])
                } else {
                    format!(
                        "non rinnovabile: {} ({})",
                        s["reason"].as_str().unwrap_or(""),
                        s["reason_code"].as_str().unwrap_or("")
                    )
                };
                println!(
                    "{}  {}  {}  scade il {}  {}",
                    s["label"].as_str().unwrap_or(""),
                    s["serial"].as_str().unwrap_or(""),
                    s["holder"].as_str().unwrap_or(""),
                    s["expiry_date"].as_str().unwrap_or(""),
                    verdict
                );
            }
            Ok(())
        }
    }
}

/// `rinnova demo card`: personalises a card (a SoftHSM2 token unless another module is named)
/// for a demo holder: a signature key and a CNS key generated on the card, their certificates
/// issued by this CA and stored beside them.
pub async fn provision(
    app: &rinnova_app::App,
    card: &CardArgs,
    so_pin: &str,
    holder: &str,
    expires_in_days: i64,
) -> anyhow::Result<Vec<String>> {
    let label = card
        .token
        .clone()
        .unwrap_or_else(|| "rinnova-demo-card".into());
    if Token::open(&card.module, Some(&label), &card.pin).is_err() {
        rinnova_card::init_token(&card.module, &label, so_pin, &card.pin)
            .context("initialising the card")?;
    }
    let token = Token::open(&card.module, Some(&label), &card.pin)?;
    let mut keys = Vec::new();
    let plan = [
        (
            CertificateKind::CardSignature,
            b"\x01".as_slice(),
            "Firma digitale",
        ),
        (CertificateKind::Cns, b"\x02".as_slice(), "CNS"),
    ];
    for (kind, id, name) in plan {
        use der::Decode;
        let spki = token.generate_key(id, name)?;
        let info = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(&spki)?;
        keys.push((kind, info.subject_public_key.raw_bytes().to_vec()));
    }
    let issued = app
        .provision_demo_card(holder, &keys, expires_in_days)
        .await?;
    let mut out = Vec::new();
    for ((kind, der), (_, id, name)) in issued.iter().zip(plan) {
        token.store_certificate(id, name, der)?;
        out.push(format!("{name} ({})", kind.as_str()));
    }
    Ok(out)
}
