//! What the audit trail says about one holder (SPEC X2): the holder's own renewal history, and
//! the RAO's and administrator's search by holder or certificate.

use crate::i18n::Lang;
use crate::util::ts;
use crate::{App, AppError};
use rinnova_domain::HolderId;
use rinnova_domain::window::ca_time_zone;
use rinnova_store::{AuditRecord, Conn, HolderRecord, repo};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One audit entry, as a person reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    /// Local time in Rome, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    /// The stable action code (`login`, `request_signed`…).
    pub action: String,
    /// The action in the reader's language.
    pub label: String,
    pub actor: String,
    pub subject: Option<String>,
    pub ip: Option<String>,
    /// The id of the request that caused it (its `X-Request-Id`, in the logs too).
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

fn entry(r: AuditRecord, lang: Lang) -> HistoryEntry {
    let key = format!("audit-{}", r.action);
    let translated = lang.t(&key);
    let label = if translated == key {
        r.action.replace('_', " ")
    } else {
        translated
    };
    HistoryEntry {
        seq: r.seq,
        at: ts(r.at)
            .to_zoned(ca_time_zone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        action: r.action,
        label,
        actor: r.actor,
        subject: r.subject,
        ip: r.ip,
        request_id: r.request_id,
        detail: r.detail.map(|d| detail_text(&d, lang)),
    }
}

/// An audit row's detail in the reader's language. The rows keep what was written (evidence is
/// never rewritten); the phrases they are written with are translated when shown.
fn detail_text(d: &str, lang: Lang) -> String {
    const PREFIXES: [(&str, &str); 8] = [
        ("with certificate ", "audit-detail-with-certificate"),
        ("card certificate ", "audit-detail-card-certificate"),
        ("certificate ", "audit-detail-certificate"),
        ("documents ", "audit-detail-documents"),
        ("serial ", "audit-detail-serial"),
        ("order ", "audit-detail-order"),
        ("sessions ended: ", "audit-detail-sessions-ended"),
        ("contact ", "audit-detail-contact"),
    ];
    for (prefix, key) in PREFIXES {
        if let Some(rest) = d.strip_prefix(prefix) {
            return lang.t_args(key, &[("value", rest.to_owned())]);
        }
    }
    if let Some((n, of)) = d.split_once(" of ")
        && n.parse::<u32>().is_ok()
        && of.parse::<u32>().is_ok()
    {
        return lang.t_args(
            "audit-detail-n-of-m",
            &[("n", n.to_owned()), ("of", of.to_owned())],
        );
    }
    if let Some(field) = d.strip_suffix(" belongs to another person") {
        return lang.t_args(
            "audit-detail-contact-taken",
            &[("field", lang.t(&format!("field-{field}")))],
        );
    }
    d.to_owned()
}

/// The newest `limit` entries by the holder or about their renewals and certificates.
pub(crate) async fn of_holder(
    c: &mut Conn,
    h: &HolderRecord,
    lang: Lang,
    limit: usize,
) -> Result<Vec<HistoryEntry>, AppError> {
    let mut rows: BTreeMap<i64, AuditRecord> = BTreeMap::new();
    for actor in [h.id.as_str(), h.user_id.as_str()] {
        for r in repo::audit::by_actor(c, actor).await? {
            rows.insert(r.seq, r);
        }
    }
    // Entries about the holder themselves (an RAO's new certificate at the desk, issue 18).
    let mut subjects: Vec<String> = vec![h.id.to_string()];
    subjects.extend(
        repo::renewals::of_holder(c, &h.id)
            .await?
            .into_iter()
            .map(|r| r.id.into_string()),
    );
    for cert in repo::certificates::of_holder(c, &h.id).await? {
        subjects.push(cert.id.into_string());
        subjects.push(cert.serial_hex);
    }
    for s in &subjects {
        for r in repo::audit::about(c, s).await? {
            rows.insert(r.seq, r);
        }
    }
    Ok(rows
        .into_values()
        .rev()
        .take(limit)
        .map(|r| entry(r, lang))
        .collect())
}

impl App {
    /// The holder's own history: logins, renewal steps, payments, changes of contact data.
    pub async fn history(&self, holder_id: &HolderId) -> Result<Vec<HistoryEntry>, AppError> {
        let mut c = self.store().conn().await?;
        let h = repo::holders::by_id(&mut c, holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        of_holder(&mut c, &h, Lang::parse(&h.lang), 200).await
    }

    /// The administrator's search (`rinnova audit search`): a holder's entries by user-id, or
    /// the holder of a certificate by serial.
    pub async fn audit_search(
        &self,
        user_id: Option<&str>,
        serial_hex: Option<&str>,
        lang: Lang,
    ) -> Result<Vec<HistoryEntry>, AppError> {
        let mut c = self.store().conn().await?;
        let holder = match (user_id, serial_hex) {
            (Some(u), _) => {
                repo::holders::by_user_id(&mut c, &u.trim().to_ascii_uppercase()).await?
            }
            (None, Some(s)) => {
                let serial = rinnova_ca::revocation::normalise_serial(s);
                match repo::certificates::by_serial(&mut c, &serial).await? {
                    Some(cert) => repo::holders::by_id(&mut c, &cert.holder_id).await?,
                    None => None,
                }
            }
            (None, None) => None,
        };
        let h = holder.ok_or(AppError::NotFound)?;
        of_holder(&mut c, &h, lang, 10_000).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_in_the_holders_language() {
        let it = |d: &str| detail_text(d, Lang::It);
        assert_eq!(it("5 of 5"), "5 su 5");
        assert_eq!(it("with certificate 0A1B"), "con il certificato 0A1B");
        assert_eq!(it("certificate 0A1B"), "certificato 0A1B");
        assert_eq!(
            it("email belongs to another person"),
            "E-mail: appartiene a un'altra persona"
        );
        assert_eq!(
            Lang::En.t_args(
                "audit-detail-n-of-m",
                &[("n", "1".into()), ("of", "5".into())]
            ),
            "1 of 5"
        );
        // What matches no phrase is shown as written.
        assert_eq!(it("RNV-OTP-001"), "RNV-OTP-001");
    }
}
