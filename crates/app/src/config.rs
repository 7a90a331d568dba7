//! Settings of the use cases (the CLI loads them from TOML and `RINNOVA_*` variables).

use rinnova_ca::KdfParams;
use rinnova_domain::otp::Tolerance;
use rinnova_domain::reminder::ReminderPolicy;
use rinnova_domain::sms_otp::SmsOtpPolicy;
use rinnova_domain::{PaymentMode, PriceList, WindowPolicy};

/// Settings of the use cases.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// The public base URL (links in e-mails; CA URLs are fixed at `ca init`). Not a setting
    /// of its own: the binary sets it from the top-level `public_url`, which cookies and the
    /// Origin check follow too (one key, read by everything).
    #[serde(skip)]
    pub public_url: String,
    /// Demo mode: demo pages (outbox) and credentials shown.
    pub demo: bool,
    pub window: WindowPolicy,
    pub sms_otp: SmsOtpPolicy,
    /// Wrong PINs before a credential is blocked (SPEC O3: 5).
    pub max_pin_failures: i64,
    /// Wrong passwords before a user-id is locked for `login_lock_seconds` (SPEC A1).
    pub max_login_failures: i64,
    pub login_lock_seconds: i64,
    /// Failed logins from one client address (any user-ids) before it is locked for
    /// `login_lock_seconds` (SPEC A1); high enough for an office behind one address.
    pub max_address_failures: i64,
    /// Recovery requests per client address per hour, and per user-id or e-mail per hour.
    pub max_recoveries_per_address: i64,
    pub max_recoveries_per_account: i64,
    /// Minutes a recovery link stays valid.
    pub recovery_link_minutes: i64,
    /// Idle time after which a session ends.
    pub session_idle_seconds: i64,
    /// Argon2id cost of PIN-sealed keys.
    pub pin_kdf: KdfParams,
    /// Argon2id cost of portal passwords.
    pub password_kdf: KdfParams,
    /// Who pays the renewal of a holder without an organisation, unless their contract says
    /// otherwise (`holders.payment_mode`).
    pub private_payment_mode: PaymentMode,
    /// The shop's prices per certificate kind (net cents) and VAT rate.
    pub prices: PriceList,
    pub shop: ShopConfig,
    /// Days before expiry of each renewal reminder (SPEC N1).
    pub reminders: ReminderPolicy,
    /// Minutes between two reminder sweeps inside `serve` (0: none, cron runs
    /// `rinnova reminders run`).
    pub reminder_sweep_minutes: u64,
    /// An outside TSA that time-stamps the audit seals instead of this CA's own unit. Not a
    /// setting of its own: the binary builds it from the top-level `[tsa]` section.
    #[serde(skip)]
    pub outside_tsa: Option<crate::tsa::OutsideTsa>,
    /// The policy under which the time-stamping unit (`/tsa`) issues its tokens (an OID the
    /// CA registers; the demo's is under the private-enterprise placeholder arc).
    pub tsa_policy_oid: String,
    /// Where seals of the audit chain are exported (issue 21). Not a setting of its own: the
    /// binary sets it from the top-level `[audit]` section (default: in the data directory).
    #[serde(skip)]
    pub audit_export_dir: Option<std::path::PathBuf>,
    #[serde(skip)]
    pub token_tolerance: TokenTolerance,
    /// Remote signing through the CSC API (issue 22).
    pub csc: CscConfig,
}

/// Remote signing through the CSC API (issue 22).
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CscConfig {
    /// Seconds a signature activation data (SAD) stays valid.
    pub sad_seconds: i64,
    /// Most signatures one authorisation may allow (`multisign`).
    pub multisign: u32,
    /// Seconds an access token of a signing application lasts (OAuth client credentials).
    pub client_token_seconds: i64,
}

impl Default for CscConfig {
    fn default() -> Self {
        CscConfig {
            sad_seconds: 300,
            multisign: 100,
            client_token_seconds: 3600,
        }
    }
}

/// Serde-less wrapper so the tolerance keeps its defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenTolerance(pub Tolerance);

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            demo: false,
            window: WindowPolicy::default(),
            sms_otp: SmsOtpPolicy::default(),
            max_pin_failures: 5,
            max_login_failures: 5,
            login_lock_seconds: 15 * 60,
            max_address_failures: 30,
            max_recoveries_per_address: 10,
            max_recoveries_per_account: 3,
            recovery_link_minutes: 30,
            session_idle_seconds: 30 * 60,
            pin_kdf: KdfParams::default(),
            password_kdf: KdfParams::default(),
            private_payment_mode: PaymentMode::Holder,
            prices: PriceList::default(),
            shop: ShopConfig::default(),
            reminders: ReminderPolicy::default(),
            reminder_sweep_minutes: 60,
            audit_export_dir: None,
            tsa_policy_oid: "1.3.6.1.4.1.99999.2.1".into(),
            outside_tsa: None,
            token_tolerance: TokenTolerance::default(),
            csc: CscConfig::default(),
        }
    }
}

/// The shop's payment settings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct ShopConfig {
    /// Key shared with the sandbox acquirer (signs checkout tokens and notifications); unset:
    /// the demo sandbox's own.
    pub sandbox_secret: Option<rinnova_domain::secret::Secret>,
    /// Minutes a card or PayPal checkout stays open.
    pub checkout_minutes: i64,
    /// Where bank transfers go.
    pub bank_iban: String,
    pub bank_beneficiary: String,
}

impl ShopConfig {
    /// The key shared with the sandbox acquirer.
    pub fn sandbox_secret(&self) -> &[u8] {
        self.sandbox_secret
            .as_ref()
            .map_or(b"rinnova-sandbox-secret", |s| s.expose().as_bytes())
    }
}

impl Default for ShopConfig {
    fn default() -> Self {
        Self {
            sandbox_secret: None,
            checkout_minutes: 30,
            bank_iban: "IT60X0542811101000000123456".into(),
            bank_beneficiary: "rinnova Trust Services S.p.A.".into(),
        }
    }
}
