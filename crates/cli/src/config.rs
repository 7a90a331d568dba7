//! Configuration: defaults, then the TOML file, then `RINNOVA_*` environment variables (nested
//! keys with `__`, e.g. `RINNOVA_APP__MAX_PIN_FAILURES=3`), then command-line flags.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use rinnova_app::AppConfig;
use rinnova_ca::CaAlgorithm;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How SMS leave the system.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// `outbox` (kept for the demo outbox page) or `http` (POST to `url`).
    pub gateway: String,
    pub url: Option<String>,
    pub token: Option<rinnova_domain::secret::Secret>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            gateway: "outbox".into(),
            url: None,
            token: None,
        }
    }
}

/// How e-mails leave the system.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `outbox` (kept for the demo outbox page) or `smtp` (delivered through `[mail.smtp]`).
    pub transport: String,
    pub smtp: rinnova_notify::SmtpConfig,
    /// Attempts before a message is given up.
    pub max_attempts: i64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: "outbox".into(),
            smtp: rinnova_notify::SmtpConfig::default(),
            max_attempts: 12,
        }
    }
}

/// Settings of `ca init`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct CaSettings {
    pub algorithm: CaAlgorithm,
    pub organization: Option<String>,
    pub organization_identifier: Option<String>,
    pub policy_oid: Option<String>,
    /// Where the PKI disclosure statements are published (https; `/en` and `/it` are
    /// appended), named in every qualified certificate's QcPDS statement. Default: `/pds` under
    /// `public_url` when that is https, else the demo's `https://www.rinnova-demo.it/pds`.
    pub pds_url: Option<String>,
}

impl Default for CaSettings {
    fn default() -> Self {
        Self {
            algorithm: CaAlgorithm::EcdsaP256,
            organization: None,
            organization_identifier: None,
            policy_oid: None,
            pds_url: None,
        }
    }
}

/// An outside time-stamping authority (`[tsa]`, issue 21): when `url` is set, the audit
/// seals are time-stamped there instead of by this CA's own unit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct TsaSettings {
    /// The TSA's RFC 3161 HTTP address.
    pub url: Option<String>,
    /// HTTP basic authentication, if the TSA asks for it.
    pub username: Option<String>,
    pub password: Option<rinnova_domain::secret::Secret>,
    /// A PEM file with the certificates the TSA's unit certificates come from (required with
    /// `url`; `audit verify` also reads it).
    pub trust_anchor: Option<PathBuf>,
}

/// Where keys live (issue 20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyBackend {
    /// A PKCS#11 token (an HSM; SoftHSM2 for tests and the demo): the production setting.
    Pkcs11,
    /// Holders' keys sealed in software under their PIN: the demo's, and outside it only with
    /// `allow_software_keys = true`.
    Software,
}

/// Settings of the key backend (`[keys]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    /// `pkcs11` or `software`. Unset: `serve --demo` uses software keys (or SoftHSM2 with
    /// `--keys softhsm`); anything else refuses to start until it is set.
    pub backend: Option<KeyBackend>,
    /// The PKCS#11 module.
    pub module: PathBuf,
    /// The label of the token that holds the service's keys.
    pub token_label: String,
    /// The token's user PIN.
    pub user_pin: Option<rinnova_domain::secret::Secret>,
    /// The label of the root CA's token: opened by `ca init` only, never by `serve` (keep it
    /// offline, or its PIN away from the service's machine).
    pub root_token_label: String,
    /// The root token's user PIN (given to `ca init`, not kept in the service's settings).
    pub root_user_pin: Option<rinnova_domain::secret::Secret>,
    /// Lets `backend = "software"` run outside demo mode (with a warning at every start).
    pub allow_software_keys: bool,
}

/// Where Debian's `softhsm2` puts its PKCS#11 module.
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            backend: None,
            module: PathBuf::from(SOFTHSM_MODULE),
            token_label: "rinnova".into(),
            user_pin: None,
            root_token_label: "root-rinnova".into(),
            root_user_pin: None,
            allow_software_keys: false,
        }
    }
}

impl KeysConfig {
    /// Where the root CA's token is (`ca init`).
    pub fn root_hsm(&self) -> anyhow::Result<rinnova_ca::HsmConfig> {
        Ok(rinnova_ca::HsmConfig {
            module: self.module.clone(),
            token_label: self.root_token_label.clone(),
            user_pin: self.root_user_pin.clone().ok_or_else(|| {
                anyhow::anyhow!(
                    "set keys.root_user_pin (RINNOVA_KEYS__ROOT_USER_PIN): the root token's \
                     user PIN, for the key ceremony only"
                )
            })?,
        })
    }

    /// Where the token is, for `backend = "pkcs11"`.
    pub fn hsm(&self) -> anyhow::Result<rinnova_ca::HsmConfig> {
        Ok(rinnova_ca::HsmConfig {
            module: self.module.clone(),
            token_label: self.token_label.clone(),
            user_pin: self.user_pin.clone().ok_or_else(|| {
                anyhow::anyhow!(
                    "set keys.user_pin (or RINNOVA_KEYS__USER_PIN): the token's user PIN"
                )
            })?,
        })
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything `rinnova` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Where the SQLite file lives.
    pub data_dir: PathBuf,
    /// A database URL instead of the SQLite file: `postgres://user@host:port/db` or `sqlite://…`.
    pub database: Option<String>,
    /// How long a request waits for a database connection before it is answered 503 (the
    /// database is unreachable or every connection busy) — seconds.
    pub database_timeout_seconds: u64,
    /// Seconds a connection may take to send a request's head, and may stay idle between
    /// requests (keep-alive): then it is closed.
    pub header_timeout_seconds: u64,
    /// Connections open at once (default: as many as the file limit allows, less a reserve).
    pub max_connections: Option<usize>,
    /// Passphrase that seals the CA's keys. Required outside demo mode.
    pub ca_passphrase: Option<rinnova_domain::secret::Secret>,
    /// Public base URL (defaults to `http://<listen>`).
    pub public_url: Option<String>,
    /// Mark cookies Secure (defaults to true when public_url is https).
    pub secure_cookies: Option<bool>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (audit, throttling).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Cores this process may use: its pool for CPU work (Argon2id, signatures, PDFs) and its
    /// async workers. Default: every core. Several instances on one machine share it out.
    pub cpu_threads: Option<usize>,
    /// Log lines as text for a terminal (`text`) or one JSON object a line (`json`, for a log
    /// collector); each line of a request carries its id. `RUST_LOG` filters them.
    pub log_format: LogFormat,
    pub sms: SmsConfig,
    pub mail: MailConfig,
    pub ca: CaSettings,
    pub keys: KeysConfig,
    /// The audit trail's seals: how often `serve` seals, where the seals are exported.
    pub audit: rinnova_app::audit::AuditConfig,
    /// An outside time-stamping authority for the seals (default: this CA's own unit).
    pub tsa: TsaSettings,
    pub app: AppConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database: None,
            database_timeout_seconds: 10,
            header_timeout_seconds: 15,
            max_connections: None,
            ca_passphrase: None,
            public_url: None,
            secure_cookies: None,
            trusted_proxies: Vec::new(),
            cpu_threads: None,
            log_format: LogFormat::Text,
            sms: SmsConfig::default(),
            mail: MailConfig::default(),
            ca: CaSettings::default(),
            keys: KeysConfig::default(),
            audit: rinnova_app::audit::AuditConfig::default(),
            tsa: TsaSettings::default(),
            app: AppConfig::default(),
        }
    }
}

/// Whether figment would read `value` as a number that does not print back as `value`.
fn reads_lossily_as_number(value: &str) -> bool {
    let v = value.trim();
    if let Ok(n) = v.parse::<i128>() {
        return n.to_string() != v;
    }
    v.contains('.') && v.parse::<f64>().is_ok_and(|f| f.to_string() != v)
}

/// The top-level keys (the sections and the plain settings).
fn top_level_keys() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The PKI disclosure statements of the demo's fictional CA (an https address at a public
/// domain, as EN 319 412-5 asks; the demo server itself serves them at `/pds/en` and `/pds/it`).
pub const DEMO_PDS_URL: &str = "https://www.rinnova-demo.it/pds";

/// The passphrase used in demo mode when none is configured (never for a real CA).
pub const DEMO_CA_PASSPHRASE: &str = "rinnova-demo-ca";

impl Config {
    /// Loads defaults, the file (if it exists or was named), and the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                anyhow::ensure!(f.exists(), "configuration file {} not found", f.display());
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("rinnova.toml")),
        }
        // Other programs' `RINNOVA_*` variables (the card client's password, the tests') are
        // not settings; a variable naming a section's unknown key is refused like a file's.
        let top = top_level_keys();
        let env = Env::prefixed("RINNOVA_").split("__").filter(move |k| {
            let first = k.as_str().split('.').next().unwrap_or("");
            top.iter().any(|t| t.eq_ignore_ascii_case(first))
        });
        // Figment reads a variable's value as a number when it looks like one, which loses
        // what a PIN or passphrase of digits needs (`00112233` would become 112233): such a
        // value is taken as the string it is.
        let mut fig = fig.merge(env.clone());
        for (key, value) in env.iter() {
            if reads_lossily_as_number(&value) {
                fig = fig.merge((key.as_str().to_owned(), value));
            }
        }
        let cfg: Config = fig.extract().map_err(|e| {
            anyhow::anyhow!("configuration: {e} (docs/CONFIGURATION.md lists every key)")
        })?;
        Ok(cfg)
    }

    /// The public URL.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// Where the PKI disclosure statements are (https, without the language): `ca.pds_url`,
    /// else `/pds` under an https `public_url`, else the demo's.
    pub fn pds_url(&self) -> anyhow::Result<String> {
        let url = match &self.ca.pds_url {
            Some(u) => u.trim().trim_end_matches('/').to_owned(),
            None => {
                let public = self.public_url();
                if public.starts_with("https://") {
                    format!("{}/pds", public.trim_end_matches('/'))
                } else {
                    DEMO_PDS_URL.to_owned()
                }
            }
        };
        anyhow::ensure!(
            url.starts_with("https://") && url.len() > "https://".len(),
            "ca.pds_url must be an https URL (EN 319 412-5 §4.3.4): {url}"
        );
        Ok(url)
    }

    /// The certificates (DER) of `tsa.trust_anchor`, none when it is not set.
    pub fn tsa_anchors(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let Some(path) = &self.tsa.trust_anchor else {
            return Ok(Vec::new());
        };
        let text = std::fs::read(path)
            .with_context(|| format!("tsa.trust_anchor: reading {}", path.display()))?;
        let certs: Vec<Vec<u8>> = ::pem::parse_many(&text)
            .with_context(|| format!("tsa.trust_anchor: {} is not PEM", path.display()))?
            .into_iter()
            .filter(|p| p.tag() == "CERTIFICATE")
            .map(|p| p.into_contents())
            .collect();
        anyhow::ensure!(
            !certs.is_empty(),
            "tsa.trust_anchor: no certificate in {}",
            path.display()
        );
        Ok(certs)
    }

    /// The outside TSA `[tsa]` names, if any.
    pub fn outside_tsa(&self) -> anyhow::Result<Option<rinnova_app::tsa::OutsideTsa>> {
        let Some(url) = &self.tsa.url else {
            return Ok(None);
        };
        anyhow::ensure!(
            url.starts_with("http://") || url.starts_with("https://"),
            "tsa.url must be an http or https address: {url}"
        );
        anyhow::ensure!(
            self.tsa.trust_anchor.is_some(),
            "tsa.url needs tsa.trust_anchor: the certificates its time-stamps must come from"
        );
        Ok(Some(rinnova_app::tsa::OutsideTsa::new(
            url.clone(),
            self.tsa.username.clone(),
            self.tsa.password.clone(),
            self.tsa_anchors()?,
        )?))
    }

    /// Where the audit seals are exported: `audit.export_dir`, or `audit-export` in the data
    /// directory.
    pub fn audit_export_dir(&self) -> PathBuf {
        self.audit
            .export_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-export"))
    }

    /// The database URL.
    pub fn database_url(&self) -> String {
        self.database.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join(crate::server::DATABASE_FILE).display()
            )
        })
    }

    /// The delivery channels the settings name.
    pub fn channels(&self) -> anyhow::Result<rinnova_notify::Channels> {
        use rinnova_notify::{
            HttpSmsGateway, Mailer, OutboxOnly, OutboxOnlyMail, SmsGateway, SmtpMailer,
        };
        use std::sync::Arc;
        let sms: Arc<dyn SmsGateway> = match self.sms.gateway.as_str() {
            "http" => Arc::new(HttpSmsGateway::new(
                self.sms
                    .url
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("sms.url is required with the http gateway"))?,
                self.sms.token.clone(),
            )?),
            "outbox" => Arc::new(OutboxOnly),
            other => anyhow::bail!("unknown SMS gateway {other:?}: use outbox or http"),
        };
        let mail: Arc<dyn Mailer> = match self.mail.transport.as_str() {
            "smtp" => Arc::new(SmtpMailer::new(&self.mail.smtp)?),
            "outbox" => Arc::new(OutboxOnlyMail),
            other => anyhow::bail!("unknown mail transport {other:?}: use outbox or smtp"),
        };
        Ok(rinnova_notify::Channels {
            sms,
            mail,
            max_attempts: self.mail.max_attempts.max(1),
        })
    }

    /// The keys the application signs with. `demo`: whether this is a demo installation,
    /// where software keys need no permission.
    pub fn keys(&self, demo: bool) -> anyhow::Result<rinnova_app::Keys> {
        let software = || -> anyhow::Result<rinnova_app::Keys> {
            Ok(rinnova_app::Keys::software(
                self.passphrase(demo)?,
                self.app.pin_kdf,
            ))
        };
        match self.keys.backend {
            Some(KeyBackend::Pkcs11) => {
                let hsm = rinnova_ca::Hsm::open(&self.keys.hsm()?)
                    .context("opening the HSM (keys.module, keys.token_label, keys.user_pin)")?;
                // A CA made before its keys were in the token still opens with its passphrase.
                let passphrase = self.passphrase(demo).ok();
                Ok(rinnova_app::Keys::token(
                    std::sync::Arc::new(hsm),
                    passphrase,
                    self.app.pin_kdf,
                )?)
            }
            Some(KeyBackend::Software) if !demo && !self.keys.allow_software_keys => anyhow::bail!(
                "keys.backend = \"software\" keeps holders' keys outside an HSM: set \
                 keys.backend = \"pkcs11\" (docs/DEPLOYMENT.md), or allow_software_keys = true \
                 for a test installation"
            ),
            Some(KeyBackend::Software) | None if demo => software(),
            Some(KeyBackend::Software) => {
                tracing::warn!(
                    "software keys: holders' keys are sealed under their PIN in the database, \
                     not in an HSM (keys.allow_software_keys = true); not for a qualified service"
                );
                software()
            }
            None => anyhow::bail!(
                "set keys.backend: \"pkcs11\" with keys.module, keys.token_label and \
                 keys.user_pin (docs/DEPLOYMENT.md)"
            ),
        }
    }

    /// The CA passphrase; demo mode falls back to a fixed one.
    pub fn passphrase(&self, demo: bool) -> anyhow::Result<rinnova_domain::secret::Secret> {
        match (&self.ca_passphrase, demo) {
            (Some(p), _) => Ok(p.clone()),
            (None, true) => Ok(DEMO_CA_PASSPHRASE.into()),
            (None, false) => anyhow::bail!(
                "set ca_passphrase (or RINNOVA_CA_PASSPHRASE): it seals the CA's keys"
            ),
        }
    }
}

/// The configuration as TOML, secrets hidden (`rinnova config`).
pub fn to_toml(cfg: &Config) -> anyhow::Result<String> {
    // Secrets serialise as "<set>" (rinnova_domain::secret::Secret).
    Ok(toml::to_string(cfg)?)
}

#[cfg(test)]
mod tests {
    use super::reads_lossily_as_number;

    #[test]
    fn digits_that_would_lose_themselves_as_a_number_stay_a_string() {
        for lossy in ["00112233", "+5", "007", "1.50", "-0"] {
            assert!(reads_lossily_as_number(lossy), "{lossy}");
        }
        for faithful in ["11223344", "5", "-3", "1.5", "a passphrase", "0", "true"] {
            assert!(!reads_lossily_as_number(faithful), "{faithful}");
        }
    }
}
