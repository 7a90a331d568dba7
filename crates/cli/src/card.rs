//! `rinnova card …`: the smart-card client (seed 004, SPEC C1–C5), and `rinnova demo card`,
//! which personalises a stand-in card (SoftHSM2) with certificates from this CA.

use anyhow::Context;
use base64::Engine;
use clap::Subcommand;
use rinnova_card::{
    CardCertificate, CardError, CardKey, CardProblem, KeySlot, SOFTHSM2_MODULE, Token,
};
use rinnova_domain::CertificateKind;
use serde_json::{Value, json};
use std::path::PathBuf;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

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
    pub pin: rinnova_domain::secret::Secret,
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
        /// Language of the messages: it or en.
        #[arg(long, default_value = "it")]
        lang: String,
    },
    /// Renews one certificate of the card (C2): a new key made on the card, the request sent
    /// with the old key's proof; paid renewals take the prepaid account. Running it again after
    /// an interruption goes on from where it stopped (C5).
    Renew {
        #[command(flatten)]
        card: CardArgs,
        #[arg(long)]
        server: String,
        /// The serial number of the certificate to renew (hex, as `card read` shows it).
        #[arg(long)]
        serial: String,
        #[command(flatten)]
        prepaid: PrepaidArgs,
        #[arg(long, default_value = "it")]
        lang: String,
    },
    /// Downloads the renewed certificate and stores it on the card next to its new key (C3);
    /// the old certificate and its key are removed only after that. Resumable (C5).
    Download {
        #[command(flatten)]
        card: CardArgs,
        #[arg(long)]
        server: String,
        #[arg(long)]
        serial: String,
        #[arg(long, default_value = "it")]
        lang: String,
    },
}

/// The prepaid account that pays a renewal (seed 004; free renewals need none).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PrepaidArgs {
    /// The prepaid account's user-id.
    #[arg(long)]
    pub prepaid_user: Option<String>,
    /// Its password (or RINNOVA_PREPAID_PASSWORD).
    #[arg(long, env = "RINNOVA_PREPAID_PASSWORD", hide_env_values = true)]
    pub prepaid_password: Option<String>,
}

/// The certificates on the card, with the server's verdict on each.
pub async fn read(card: &CardArgs, server: &str, t: &Texts) -> anyhow::Result<Value> {
    let lang = t.lang;
    let token = Token::open(&card.module, card.token.as_deref(), card.pin.expose())
        .map_err(|e| t.card_failure(&e))?;
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
        .map_err(|_| t.no_server(server))?;
    if !resp.status().is_success() {
        return Err(t.no_server(server));
    }
    let mut statuses: Value = resp.json().await?;
    if let Some(list) = statuses.as_array_mut() {
        for (s, c) in list.iter_mut().zip(&certificates) {
            s["label"] = json!(c.label);
            s["id"] = json!(c.id.iter().map(|b| format!("{b:02x}")).collect::<String>());
            // A renewal under way: its new key is on the card, its certificate not yet.
            let k = renewal_key_id(&c.der);
            s["pending"] =
                json!(token.public_key(&k)?.is_some() && token.certificate(&k)?.is_none());
        }
    }
    Ok(statuses)
}

pub async fn run(cmd: CardCommand) -> anyhow::Result<()> {
    match cmd {
        CardCommand::Renew {
            card,
            server,
            serial,
            prepaid,
            lang,
        } => {
            let t = Texts::of(&lang);
            match renew(&card, &server, &serial, Some(&prepaid), &t).await {
                Ok(done) => {
                    println!("{done}");
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        CardCommand::Download {
            card,
            server,
            serial,
            lang,
        } => {
            let t = Texts::of(&lang);
            let done = renew(&card, &server, &serial, None, &t).await?;
            println!("{done}");
            Ok(())
        }
        CardCommand::Read {
            card,
            server,
            json,
            lang,
        } => {
            let t = Texts::of(&lang);
            let statuses = read(&card, &server, &t).await?;
            if json {
                println!("{statuses}");
                return Ok(());
            }
            let list = statuses.as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                println!("{}", t.empty);
            }
            for s in list {
                let verdict = if s["pending"] == true {
                    t.pending.to_owned()
                } else if s["renewable"] == true {
                    format!(
                        "{} — {}",
                        t.renewable.replace("{days}", &s["days_left"].to_string()),
                        s["price"].as_str().unwrap_or("")
                    )
                } else {
                    format!(
                        "{}: {} ({})",
                        t.not_renewable,
                        s["reason"].as_str().unwrap_or(""),
                        s["reason_code"].as_str().unwrap_or("")
                    )
                };
                println!(
                    "{}  {}  {}  {} {}  {}",
                    s["label"].as_str().unwrap_or(""),
                    s["serial"].as_str().unwrap_or(""),
                    s["holder"].as_str().unwrap_or(""),
                    t.expires,
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
    if Token::open(&card.module, Some(&label), card.pin.expose()).is_err() {
        rinnova_card::init_token(&card.module, &label, so_pin, card.pin.expose())
            .context("initialising the card")?;
    }
    let token = Token::open(&card.module, Some(&label), card.pin.expose())?;
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

/// The client's own messages (seed 004's wording), in Italian or English.
pub struct Texts {
    lang: &'static str,
    forwarded: &'static str,
    awaiting_approval: &'static str,
    stored: &'static str,
    refused: &'static str,
    rejected: &'static str,
    no_connection: &'static str,
    already_stored: &'static str,
    wrong_pin: &'static str,
    pin_locked: &'static str,
    no_card: &'static str,
    module: &'static str,
    card_other: &'static str,
    not_on_card: &'static str,
    nothing_requested: &'static str,
    paid_needs_account: &'static str,
    wrong_certificate: &'static str,
    pending: &'static str,
    renewable: &'static str,
    not_renewable: &'static str,
    expires: &'static str,
    empty: &'static str,
}

impl Texts {
    pub fn of(lang: &str) -> Texts {
        if lang.starts_with("en") {
            Texts {
                lang: "en",
                forwarded: "Request forwarded correctly, wait a moment to download",
                awaiting_approval: "Request forwarded correctly: your organisation must approve it; run the download again later",
                stored: "Storage completed – Certificate renewal completed",
                refused: "Request not forwarded",
                rejected: "your organisation rejected the renewal",
                no_connection: "no connection to the server {server}; nothing was lost: run it again to go on",
                already_stored: "the renewed certificate is already stored on the card: Certificate renewal completed",
                wrong_pin: "the card's PIN is wrong",
                pin_locked: "the card's PIN is locked after too many wrong tries: unlock it with the PUK or ask a registration office operator (RAO)",
                no_card: "no card found: insert it (or name it with --token) and try again",
                module: "the card's software (PKCS#11 module) cannot be loaded: check --module",
                card_other: "the card did not answer as expected",
                not_on_card: "the certificate {serial} is not on the card",
                nothing_requested: "no renewal was requested for this certificate: run «rinnova card renew» first",
                paid_needs_account: "the renewal is paid ({price}): give the prepaid account with --prepaid-user and its password (RINNOVA_PREPAID_PASSWORD)",
                wrong_certificate: "the certificate received is not for the card's new key",
                pending: "renewal requested: download it with «rinnova card download»",
                renewable: "renewable ({days} days left)",
                not_renewable: "not renewable",
                expires: "expires on",
                empty: "No certificates on the card.",
            }
        } else {
            Texts {
                lang: "it",
                forwarded: "Richiesta inoltrata correttamente: attendere qualche istante per effettuare lo scarico",
                awaiting_approval: "Richiesta inoltrata correttamente: deve approvarla la tua organizzazione; esegui di nuovo lo scarico più tardi",
                stored: "Memorizzazione completata – Rinnovo del certificato completato",
                refused: "Richiesta non inoltrata",
                rejected: "la tua organizzazione ha rifiutato il rinnovo",
                no_connection: "nessuna connessione con il server {server}; nulla è andato perso: esegui di nuovo il comando per proseguire",
                already_stored: "il certificato rinnovato è già memorizzato sulla carta: Rinnovo del certificato completato",
                wrong_pin: "il PIN della carta è errato",
                pin_locked: "il PIN della carta è bloccato dopo troppi tentativi errati: sbloccalo con il PUK o rivolgiti a un operatore di registrazione (RAO)",
                no_card: "nessuna carta trovata: inseriscila (o indicala con --token) e riprova",
                module: "il software della carta (modulo PKCS#11) non si carica: verifica --module",
                card_other: "la carta non ha risposto come previsto",
                not_on_card: "il certificato {serial} non è sulla carta",
                nothing_requested: "nessun rinnovo richiesto per questo certificato: esegui prima «rinnova card renew»",
                paid_needs_account: "il rinnovo è a pagamento ({price}): indica il conto prepagato con --prepaid-user e la sua password (RINNOVA_PREPAID_PASSWORD)",
                wrong_certificate: "il certificato ricevuto non è per la nuova chiave della carta",
                pending: "rinnovo richiesto: scaricalo con «rinnova card download»",
                renewable: "rinnovabile (ancora {days} giorni)",
                not_renewable: "non rinnovabile",
                expires: "scade il",
                empty: "Nessun certificato sulla carta.",
            }
        }
    }

    fn refusal(&self, why: &str) -> anyhow::Error {
        anyhow::anyhow!("{}: {why}", self.refused)
    }

    /// A card failure as the person at the card reads it: what to do, and its code (the
    /// module's own text only in the log).
    fn card_failure(&self, e: &CardError) -> anyhow::Error {
        let p = e.problem();
        tracing::debug!(error = %e, "card failure");
        let text = match p {
            CardProblem::WrongPin => self.wrong_pin,
            CardProblem::PinLocked => self.pin_locked,
            CardProblem::NoCard => self.no_card,
            CardProblem::Module => self.module,
            CardProblem::Other => self.card_other,
        };
        anyhow::anyhow!("{text} ({})", p.code())
    }

    /// The server cannot be reached (or answered with a failure of its own).
    fn no_server(&self, server: &str) -> anyhow::Error {
        self.refusal(&format!(
            "{} (RNV-CARD-020)",
            self.no_connection.replace("{server}", server)
        ))
    }
}

/// Asks for the prepaid account at a terminal; `None` when not at one or nothing was typed.
fn ask_prepaid(given: &PrepaidArgs, price: &str, t: &Texts) -> Option<PrepaidArgs> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let (user_prompt, password_prompt) = if t.lang == "en" {
        ("Prepaid account user-id", "Password")
    } else {
        ("User-id del conto prepagato", "Password")
    };
    println!("{price}");
    let user = match &given.prepaid_user {
        Some(u) => u.clone(),
        None => {
            print!("{user_prompt}: ");
            std::io::stdout().flush().ok()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).ok()?;
            line.trim().to_owned()
        }
    };
    let password = match &given.prepaid_password {
        Some(p) => p.clone(),
        None => rpassword::prompt_password(format!("{password_prompt}: ")).ok()?,
    };
    (!user.is_empty() && !password.is_empty()).then_some(PrepaidArgs {
        prepaid_user: Some(user),
        prepaid_password: Some(password),
    })
}

/// The `CKA_ID` of the key that renews a certificate: derived from the old certificate, so an
/// interrupted renewal finds its key again on the card (C5) and no second key is ever made.
pub fn renewal_key_id(old_der: &[u8]) -> Vec<u8> {
    let d = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        &[b"rinnova renewal key\0".as_slice(), old_der].concat(),
    );
    d.as_ref()[..8].to_vec()
}

/// Test hook: `RINNOVA_TEST_CRASH_AT=<point>` stops the client dead there — no destructor
/// runs, the card session is not closed — as a pulled card or a killed process would (the C5
/// tests).
fn crash_point(point: &str) {
    if std::env::var("RINNOVA_TEST_CRASH_AT").is_ok_and(|p| p == point) {
        eprintln!("crash at {point} (RINNOVA_TEST_CRASH_AT)");
        std::process::exit(137);
    }
}

/// What the server answered: a body, or a refusal with its code and message. Transport
/// failures and server errors are the outer error (the outcome is unknown: nothing is undone).
async fn call(
    server: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
    lang: &str,
) -> anyhow::Result<Result<Value, (String, String)>> {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", server.trim_end_matches('/')))
        .header("accept-language", lang)
        .timeout(std::time::Duration::from_secs(60));
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await?;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        Ok(Ok(v))
    } else if status.is_client_error() && v["error"]["code"].is_string() {
        Ok(Err((
            v["error"]["code"].as_str().unwrap_or("").to_owned(),
            v["error"]["message"].as_str().unwrap_or("").to_owned(),
        )))
    } else {
        anyhow::bail!("the server answered {status}")
    }
}

fn serial_of(der: &[u8]) -> String {
    use der::Decode;
    x509_cert::Certificate::from_der(der)
        .map(|c| rinnova_ca::revocation::serial_hex(&c.tbs_certificate.serial_number))
        .unwrap_or_default()
}

fn public_point_of(der: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let c = x509_cert::Certificate::from_der(der).ok()?;
    c.tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
}

/// Renews (with `prepaid` given: `card renew`) or downloads (`card download`) the certificate
/// `serial` of the card, from wherever an earlier run stopped. The card is the state: the new
/// key's id is derived from the old certificate; a new certificate stored under it means only
/// the clean-up is left. A refusal by the server removes the key it made, so the card is as it
/// was; an unknown outcome (no connection) keeps it, for the next run.
pub async fn renew(
    card: &CardArgs,
    server: &str,
    serial: &str,
    prepaid: Option<&PrepaidArgs>,
    t: &Texts,
) -> anyhow::Result<String> {
    // One run at a time on a card (two windows, a double click): a second waits for the first
    // and then goes on from where it left the card — it never makes a key of its own beside
    // the first one's. Taken before the card is opened: a module may read the card's objects
    // when a session opens, and a view from before the first run's changes would be stale.
    let _lock = lock_card(&card.module, card.token.as_deref().unwrap_or(""))?;
    let token = Token::open(&card.module, card.token.as_deref(), card.pin.expose())
        .map_err(|e| t.card_failure(&e))?;
    let wanted = rinnova_ca::revocation::normalise_serial(serial);
    let Some(old) = token
        .certificates()?
        .into_iter()
        .find(|c| serial_of(&c.der) == wanted)
    else {
        // Gone from the card: perhaps because its renewal finished (a run stopped at its very
        // end), which the server knows.
        if renewed_on_card(&token, server, &wanted, t).await? {
            return Ok(t.already_stored.to_owned());
        }
        return Err(t.refusal(&t.not_on_card.replace("{serial}", &wanted)));
    };
    let old: CardCertificate = old;
    let k = renewal_key_id(&old.der);
    let stored = token.certificate(&k)?;
    if stored.is_some() && token.public_key(&old.id)?.is_none() {
        // The clean-up had begun (it starts after the server was told the certificate is
        // stored) and stopped before removing the old certificate: finish it.
        token.relabel_key_pair(&k, &old.label)?;
        token.delete_key_pair(&old.id)?;
        token.delete_certificates(&old.id)?;
        return Ok(t.stored.to_owned());
    }
    // What an interrupted key generation left (half a pair), or overlapping runs of an older
    // client (two pairs), is cleared before going on; a key with its certificate is kept.
    if stored.is_none() && token.key_slot(&k)? == KeySlot::Broken {
        token.delete_key_pair(&k)?;
    }
    let mut asked: Option<PrepaidArgs> = None;
    if token.public_key(&k)?.is_none() {
        let Some(prepaid) = prepaid else {
            anyhow::bail!(t.refusal(t.nothing_requested));
        };
        // Before touching the card: the server is there, the certificate renews, and a paid
        // renewal has its account.
        let status = call(
            server,
            reqwest::Method::POST,
            "/api/v1/card/status",
            Some(&json!({ "certificates": [B64.encode(&old.der)] })),
            t.lang,
        )
        .await
        .map_err(|_| t.no_server(server))?
        .map_err(|(code, message)| t.refusal(&format!("{message} ({code})")))?;
        let st = &status[0];
        if st["renewable"] != true {
            return Err(t.refusal(&format!(
                "{} ({})",
                st["reason"].as_str().unwrap_or(""),
                st["reason_code"].as_str().unwrap_or("")
            )));
        }
        if st["paid"] == true
            && (prepaid.prepaid_user.is_none() || prepaid.prepaid_password.is_none())
        {
            let price = st["price"].as_str().unwrap_or("");
            // At a terminal, the client asks (the password without echo); otherwise it says
            // what is missing.
            asked = Some(
                ask_prepaid(prepaid, price, t)
                    .ok_or_else(|| t.refusal(&t.paid_needs_account.replace("{price}", price)))?,
            );
        }
        token.generate_key(&k, &format!("{} (rinnovo)", old.label))?;
        crash_point("after-keygen");
    }
    let key = CardKey::open(&token, &k)?.context("the new key vanished from the card")?;
    let request = rinnova_ca::request::request_for(&old.der, &key)?;
    let proof = token.sign(&old.id, &rinnova_ca::request::proof_message(&request))?;
    let mut body = json!({
        "certificate": B64.encode(&old.der),
        "request": B64.encode(&request),
        "proof": B64.encode(&proof),
    });
    if let Some(p) = asked.as_ref().or(prepaid) {
        body["prepaid_user_id"] = json!(p.prepaid_user);
        body["prepaid_password"] = json!(p.prepaid_password);
    }
    let view = match call(
        server,
        reqwest::Method::POST,
        "/api/v1/card/renewals",
        Some(&body),
        t.lang,
    )
    .await
    {
        Err(_) => return Err(t.no_server(server)),
        Ok(Err((code, message))) => {
            // Refused: no renewal exists for this key, and none was made. The card goes back
            // to how it was (unless a certificate is already stored under the key).
            if stored.is_none() {
                token.delete_key_pair(&k)?;
            }
            return Err(t.refusal(&format!("{message} ({code})")));
        }
        Ok(Ok(v)) => v,
    };
    crash_point("after-submit");
    match view["status"].as_str() {
        Some("rejected") => {
            if stored.is_none() {
                token.delete_key_pair(&k)?;
            }
            return Err(t.refusal(&format!(
                "{}: {}",
                t.rejected,
                view["reason"].as_str().unwrap_or("")
            )));
        }
        Some("issued") => {}
        _ => return Ok(t.awaiting_approval.to_owned()),
    }
    if prepaid.is_some() && stored.is_none() {
        // `card renew` ends at the request; `card download` stores (C2, C3).
        return Ok(t.forwarded.to_owned());
    }
    let id = view["id"].as_str().unwrap_or_default().to_owned();
    if stored.is_none() {
        let der = B64
            .decode(view["certificate"].as_str().unwrap_or_default())
            .context("the certificate received is not base64")?;
        if public_point_of(&der).as_deref() != Some(key.public_point()) {
            anyhow::bail!(t.refusal(t.wrong_certificate));
        }
        crash_point("after-download");
        token.store_certificate(&k, &old.label, &der)?;
        crash_point("after-store");
    }
    call(
        server,
        reqwest::Method::POST,
        &format!("/api/v1/card/renewals/{id}/stored"),
        None,
        t.lang,
    )
    .await
    .map_err(|_| t.no_server(server))?
    .map_err(|(code, message)| t.refusal(&format!("{message} ({code})")))?;
    // Only now the old key and certificate go (their certificate is superseded); the old
    // certificate last, so that a run stopped before finds it and finishes this clean-up.
    token.relabel_key_pair(&k, &old.label)?;
    token.delete_key_pair(&old.id)?;
    crash_point("before-old-certificate-removed");
    token.delete_certificates(&old.id)?;
    Ok(t.stored.to_owned())
}

/// Takes the card's lock (a file lock named after the module and the card's label), waiting
/// for a run that holds it.
fn lock_card(module: &std::path::Path, label: &str) -> anyhow::Result<std::fs::File> {
    let tag = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{}\0{label}", module.display()).as_bytes(),
    );
    let name: String = tag.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = std::env::temp_dir().join(format!("rinnova-card-{name}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening the card's lock {}", path.display()))?;
    file.lock()
        .with_context(|| format!("locking {}", path.display()))?;
    Ok(file)
}

/// Whether a certificate on the card renewed `serial` (the server says which each one
/// replaced).
async fn renewed_on_card(
    token: &Token,
    server: &str,
    serial: &str,
    t: &Texts,
) -> anyhow::Result<bool> {
    let certificates = token.certificates()?;
    if certificates.is_empty() {
        return Ok(false);
    }
    let body = json!({
        "certificates": certificates.iter().map(|c| B64.encode(&c.der)).collect::<Vec<_>>(),
    });
    let statuses = call(
        server,
        reqwest::Method::POST,
        "/api/v1/card/status",
        Some(&body),
        t.lang,
    )
    .await
    .map_err(|_| t.no_server(server))?
    .map_err(|(code, message)| t.refusal(&format!("{message} ({code})")))?;
    Ok(statuses
        .as_array()
        .is_some_and(|l| l.iter().any(|s| s["renews"] == serial)))
}
