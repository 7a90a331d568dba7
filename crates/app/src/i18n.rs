//! Translations (Fluent): Italian by default, English selectable. Used for pages, SMS and
//! e-mails alike, so every message a holder reads comes from `locales/`.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "it",
        // No Unicode isolation marks: texts go into SMS, e-mails and PDFs too.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static IT: LanguageIdentifier = langid!("it");
static EN: LanguageIdentifier = langid!("en");

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Lang {
    It,
    En,
}

impl Lang {
    /// `en` → English; anything else → Italian.
    pub fn parse(s: &str) -> Lang {
        if s.trim().eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::It
        }
    }

    /// The language from an `Accept-Language` header (first supported wins).
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("it") {
                return Lang::It;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::It
    }

    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::It => &IT,
            Lang::En => &EN,
        }
    }

    /// Whether `key` is translated into this language itself (not through the fallback).
    pub fn has(self, key: &str) -> bool {
        match LOCALES.lookup_single_language::<&str>(self.id(), key, None) {
            Ok(_) => true,
            // Present, and wanting the arguments it was not given here (the crate does not
            // export its error type: its text tells the cases apart).
            Err(e) => e.to_string().starts_with("Fluent errors"),
        }
    }

    /// A calendar date as people write it here: 18/01/2027 in Italian, 18 Jan 2027 in English
    /// (the JSON API keeps ISO 8601).
    pub fn date(self, d: jiff::civil::Date) -> String {
        match self {
            Lang::It => d.strftime("%d/%m/%Y").to_string(),
            Lang::En => d.strftime("%-d %b %Y").to_string(),
        }
    }

    /// [`Lang::date`] of an ISO 8601 date; anything else as it is.
    pub fn date_iso(self, iso: &str) -> String {
        iso.parse::<jiff::civil::Date>()
            .map_or_else(|_| iso.to_owned(), |d| self.date(d))
    }

    /// The message `key`.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The message `key` with arguments.
    pub fn t_args(self, key: &str, args: &[(&str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }

    /// The translated text of an error, with its code.
    pub fn error(self, e: &crate::AppError) -> String {
        self.t_args(&format!("err-{}", e.code()), &e.args(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages() {
        let keys = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with([' ', '#', '.', '*', '[']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap_or("").to_owned())
                .collect()
        };
        let it = keys(include_str!("../locales/it/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        let missing_en: Vec<_> = it.iter().filter(|k| !en.contains(k)).collect();
        let missing_it: Vec<_> = en.iter().filter(|k| !it.contains(k)).collect();
        assert!(
            missing_en.is_empty() && missing_it.is_empty(),
            "en lacks {missing_en:?}; it lacks {missing_it:?}"
        );
        assert!(it.len() > 20);
    }

    #[test]
    fn lookups_translate_with_arguments() {
        assert_eq!(Lang::parse("EN"), Lang::En);
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr"), Lang::It);
        let e = crate::AppError::WrongPin { remaining: 2 };
        assert!(Lang::En.error(&e).contains('2'));
        assert_ne!(Lang::En.error(&e), Lang::It.error(&e));
    }

    #[test]
    fn every_payment_error_code_is_translated() {
        use rinnova_domain::coupon::CouponError;
        let codes = [
            CouponError::Malformed,
            CouponError::Unknown,
            CouponError::AlreadyUsed,
            CouponError::Expired,
            CouponError::WrongKind,
            CouponError::WrongIssuer,
        ]
        .map(crate::AppError::Coupon);
        // A missing message shows its key: that is what the loop below looks for.
        assert!(Lang::En.t("err-RNV-NONE-999").contains("err-RNV"));
        use rinnova_domain::promo::PromoError;
        let promo = [
            PromoError::Unknown,
            PromoError::NotYetValid,
            PromoError::Expired,
            PromoError::UsedUp,
            PromoError::WrongKind,
            PromoError::InvalidDiscount,
            PromoError::Exists,
        ]
        .map(crate::AppError::Promo);
        let others = [
            crate::AppError::PaymentPending,
            crate::AppError::BadNotification,
            crate::AppError::Statement(String::new()),
            crate::AppError::RaoLoginFailed,
            crate::AppError::RaoLocked { minutes: 3 },
            crate::AppError::PrepaidLoginFailed,
            crate::AppError::StaffLoginFailed,
            crate::AppError::RenewInstead,
            crate::AppError::ContactShared {
                field: "email".into(),
                current: true,
            },
            crate::AppError::ContactShared {
                field: "mobile".into(),
                current: false,
            },
            crate::AppError::Prepaid(rinnova_domain::prepaid::PrepaidError::NothingReserved),
            crate::AppError::Prepaid(rinnova_domain::prepaid::PrepaidError::InsufficientCredit {
                available: rinnova_domain::Money::ZERO,
                needed: rinnova_domain::Money::ZERO,
            }),
            // Access and recovery (issue 4).
            crate::AppError::AddressLocked { minutes: 3 },
            crate::AppError::RecoveryThrottled { minutes: 3 },
            crate::AppError::RecoveryLinkInvalid,
            crate::AppError::LinkInvalid,
            crate::AppError::LinkOtherAccount,
        ];
        use rinnova_domain::password::WeakPassword as W;
        let weak = [
            W::TooShort,
            W::TooLong,
            W::NeedsLettersAndDigits,
            W::Personal,
            W::Common,
            W::Mismatch,
            W::Unchanged,
        ]
        .map(crate::AppError::WeakPassword);
        for e in codes.iter().chain(&promo).chain(&others).chain(&weak) {
            for lang in [Lang::It, Lang::En] {
                let text = lang.error(e);
                assert!(
                    !text.contains("err-RNV"),
                    "{} untranslated in {lang:?}",
                    e.code()
                );
            }
        }
    }
}
