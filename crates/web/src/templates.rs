//! Template data. Every page carries a [`PageCtx`] for the layout.

use askama::Template;
use askama_web::WebTemplate;
use rinnova_app::i18n::Lang;
use rinnova_app::views::{HomeView, RenewalView};
use std::fmt::Display;

/// Translations as templates call them.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(&self, key: &str) -> String {
        self.0.t(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl Display) -> String {
        self.0.t_args(key, &[(name, value.to_string())])
    }

    /// The message `prefix` + `suffix` (e.g. `step-` + `sign`).
    pub fn tp(&self, prefix: &str, suffix: &str) -> String {
        self.0.t(&format!("{prefix}{suffix}"))
    }

    /// An ISO date as people write it in this language (18/01/2027).
    pub fn date(&self, iso: &str) -> String {
        self.0.date_iso(iso)
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }
}

/// One error in the summary at the top of a page.
#[derive(Debug, Clone)]
pub struct ErrorItem {
    pub message: String,
    pub code: String,
    /// The id of the field to fix, linked from the summary.
    pub field: Option<String>,
}

/// What the layout needs.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub tr: Tr,
    pub demo: bool,
    pub csrf: String,
    pub user: Option<String>,
    pub path: String,
    pub other_lang: &'static str,
    pub errors: Vec<ErrorItem>,
    pub notice: Option<String>,
    /// Where the header's logout button posts (holders' or staff's session).
    pub logout: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub page: PageCtx,
    pub next: String,
    pub user_id: String,
    pub demo_password: &'static str,
    pub demo_pin: &'static str,
    pub demo_holders: Vec<(&'static str, &'static str)>,
    pub demo_coupons: Vec<String>,
    pub demo_rao: (&'static str, &'static str),
    pub demo_prepaid: (&'static str, &'static str),
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub page: PageCtx,
    pub home: HomeView,
    pub greeting_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "renewal.html")]
pub struct RenewalPage {
    pub page: PageCtx,
    pub r: RenewalView,
    pub step: &'static str,
    pub form_accept_terms: bool,
    pub form_confirm_data: bool,
}

/// A message on the demo outbox page.
pub struct OutboxItem {
    pub when: String,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "outbox.html")]
pub struct OutboxPage {
    pub page: PageCtx,
    pub messages: Vec<OutboxItem>,
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: PageCtx,
    /// The request's id, to quote to support (the same is in the logs and the audit trail).
    pub request_id: Option<String>,
}

/// A staff area's login (the CDRL's, the RAO desk's): what differs between them.
#[derive(Debug, Clone, Copy)]
pub struct StaffArea {
    pub cookie: &'static str,
    pub home: &'static str,
    pub login_path: &'static str,
    pub title_key: &'static str,
    pub intro_key: &'static str,
    pub demo_key: &'static str,
    pub demo: (&'static str, &'static str),
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_login.html")]
pub struct StaffLoginPage {
    pub page: PageCtx,
    pub area: StaffArea,
    pub username: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "cdrl.html")]
pub struct CdrlPage {
    pub page: PageCtx,
    pub organisation: String,
    pub pending: Vec<rinnova_app::approval::ApprovalView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "rao.html")]
pub struct RaoPage {
    pub page: PageCtx,
    pub office: String,
    pub query: String,
    pub searched: bool,
    pub found: Vec<rinnova_app::desk::DeskHolder>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recover.html")]
pub struct RecoverPage {
    pub page: PageCtx,
    pub user_id: String,
    pub codice_fiscale: String,
    pub email: String,
    /// The request was taken (the same answer whether or not an account matched).
    pub sent: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "recover_link.html")]
pub struct RecoverLinkPage {
    pub page: PageCtx,
    pub token: String,
    pub view: rinnova_app::recovery::RecoveryView,
    /// A password recovery (asks for the new password).
    pub password: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "recover_done.html")]
pub struct RecoverDonePage {
    pub page: PageCtx,
    pub user_id: String,
    pub password: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub page: PageCtx,
    pub entries: Vec<rinnova_app::history::HistoryEntry>,
}
