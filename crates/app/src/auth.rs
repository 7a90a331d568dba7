//! Login, sessions and logout (SPEC A1).

use crate::i18n::Lang;
use crate::util::{blocking, random_token, secs, sha256, verify_password};
use crate::{App, AppError, Ctx};
use rinnova_domain::{HolderId, Password, RenewalId, UserId};
use rinnova_store::repo::{self, audit::NewAudit};
use rinnova_store::{SessionRecord, StoreError};

/// A browser session (cookie + CSRF token) or an API session (bearer token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Api => "api",
        }
    }
}

/// A session just opened. The token is shown once; only its hash is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: rinnova_domain::secret::Secret,
    pub csrf: String,
    pub lang: Lang,
    /// A renewal in progress to resume at once (SPEC §5: "resume on the next login").
    pub resume_renewal: Option<RenewalId>,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub holder_id: HolderId,
    pub user_id: String,
    pub csrf: String,
    pub lang: Lang,
    pub kind: String,
}

/// A hash with the same cost as real ones, verified when the user-id is unknown so that the
/// answer takes as long either way.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5m6ZXbn0sZyFPFv7EmNn4m5rG5fVQfZ2Z0cqW3a1rcc";

/// The outcome of a throttled credential check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    Right,
    Wrong,
    Locked { minutes: i64 },
}

/// What the throttle says before a credential is checked.
pub(crate) enum Throttle {
    /// Too many failures lately: try again in this many minutes.
    Locked { minutes: i64 },
    /// May try; `failures`: some are counted, to clear on success.
    Open { failures: bool },
}

/// The throttling key of a client address.
fn address_key(ctx: &Ctx) -> Option<String> {
    ctx.ip.as_deref().map(|ip| format!("addr:{ip}"))
}

impl App {
    /// The throttle on `key` and on the client's address (SPEC A1), read in one statement:
    /// an address that failed too many logins lately is refused whatever user-id it tries.
    pub(crate) async fn throttle(
        &self,
        c: &mut rinnova_store::Conn,
        key: &str,
        ctx: &Ctx,
        now: i64,
    ) -> Result<Throttle, AppError> {
        let cfg = self.config();
        let address = address_key(ctx);
        let rows = repo::sessions::login_failures(c, key, address.as_deref()).await?;
        let locked = |k: &str, max: i64| {
            rows.iter()
                .find(|(user, ..)| user == k)
                .map(|&(_, failures, last_at)| (failures, last_at + cfg.login_lock_seconds))
                .filter(|&(failures, until)| failures >= max && now < until)
                .map(|(_, until)| (until - now + 59) / 60)
        };
        if let Some(minutes) = address
            .as_deref()
            .and_then(|a| locked(a, cfg.max_address_failures))
        {
            return Err(AppError::AddressLocked { minutes });
        }
        Ok(match locked(key, cfg.max_login_failures) {
            Some(minutes) => Throttle::Locked { minutes },
            None => Throttle::Open {
                failures: rows.iter().any(|(user, ..)| user == key),
            },
        })
    }

    /// Counts a failed credential against `key` and the client's address.
    pub(crate) async fn count_failure(
        &self,
        c: &mut rinnova_store::Conn,
        key: &str,
        ctx: &Ctx,
        now: i64,
    ) -> Result<(), AppError> {
        let since = now - self.config().login_lock_seconds;
        repo::sessions::login_failed(c, key, now, since).await?;
        if let Some(k) = address_key(ctx) {
            repo::sessions::login_failed(c, &k, now, since).await?;
        }
        Ok(())
    }

    /// Checks a credential typed into a holder's wizard on someone else's behalf (an RAO's, a
    /// prepaid account's), throttled per `key` like holder logins (SPEC A1): an unknown account
    /// costs the same Argon2id time as a known one, failures are counted and audited, and too
    /// many lock the key for a while.
    pub(crate) async fn throttled_check(
        &self,
        key: &str,
        stored_hash: Option<String>,
        password: &str,
        subject: &str,
        ctx: &Ctx,
    ) -> Result<Check, AppError> {
        let now = secs(self.now());
        let mut conn = self.store().conn().await?;
        let had_failures = match self.throttle(&mut conn, key, ctx, now).await? {
            Throttle::Locked { minutes } => return Ok(Check::Locked { minutes }),
            Throttle::Open { failures } => failures,
        };
        drop(conn);
        let known = stored_hash.is_some();
        let hash = stored_hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let typed = password.to_owned();
        let ok = blocking(move || verify_password(&typed, &hash)).await? && known;
        let mut tx = self.store().begin().await?;
        if ok {
            if had_failures {
                repo::sessions::login_succeeded(&mut tx, key).await?;
            }
        } else {
            self.count_failure(&mut tx, key, ctx, now).await?;
            audit(
                &mut tx,
                now,
                key,
                crate::audit::AuditAction::CredentialCheckFailed,
                Some(subject),
                ctx,
                None,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(if ok { Check::Right } else { Check::Wrong })
    }

    /// Logs a holder in with user-id and password. Failures are counted per user-id, whether
    /// or not it exists, and lock it for a while after the configured limit; the error never
    /// tells which part was wrong.
    pub async fn login(
        &self,
        user_id: &str,
        password: &str,
        kind: SessionKind,
        ctx: &Ctx,
    ) -> Result<NewSession, AppError> {
        let now = secs(self.now());
        let cfg = self.config();
        let typed_id = user_id.trim().to_ascii_uppercase();
        let (Ok(uid), Some(pw)) = (UserId::parse(user_id), Password::new(password)) else {
            return Err(AppError::LoginFailed);
        };
        let mut conn = self.store().conn().await?;
        let had_failures = match self.throttle(&mut conn, uid.as_str(), ctx, now).await? {
            Throttle::Locked { minutes } => return Err(AppError::LoginLocked { minutes }),
            Throttle::Open { failures } => failures,
        };
        let holder = repo::holders::by_user_id(&mut conn, uid.as_str()).await?;
        drop(conn);
        let hash = holder
            .as_ref()
            .map_or(DUMMY_HASH.to_owned(), |h| h.password_hash.clone());
        let ok = blocking(move || verify_password(pw.expose(), &hash)).await? && holder.is_some();

        let mut tx = self.store().begin().await?;
        let Some(holder) = holder.filter(|_| ok) else {
            self.count_failure(&mut tx, uid.as_str(), ctx, now).await?;
            audit(
                &mut tx,
                now,
                &typed_id,
                crate::audit::AuditAction::LoginFailed,
                None,
                ctx,
                None,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Err(AppError::LoginFailed);
        };
        if had_failures {
            // Failures recorded while the password was being checked stay counted.
            repo::sessions::login_succeeded(&mut tx, uid.as_str()).await?;
        }
        let token = random_token()?;
        let csrf = random_token()?;
        let lang = Lang::parse(&holder.lang);
        repo::sessions::insert(
            &mut tx,
            &SessionRecord {
                id_hash: sha256(token.as_bytes()).to_vec(),
                holder_id: holder.id.clone(),
                kind: kind.as_str().into(),
                csrf: csrf.clone(),
                lang: lang.code().into(),
                created_at: now,
                expires_at: now + cfg.session_idle_seconds,
                last_seen_at: now,
            },
        )
        .await?;
        audit(
            &mut tx,
            now,
            &holder.user_id,
            crate::audit::AuditAction::Login,
            None,
            ctx,
            Some(kind.as_str().into()),
        )
        .await?;
        let resume_renewal = repo::renewals::of_holder(&mut tx, &holder.id)
            .await?
            .into_iter()
            .find(|r| r.step != "completed" && r.step != "cancelled")
            .map(|r| r.id);
        tx.commit().await.map_err(StoreError::from)?;
        Ok(NewSession {
            token: rinnova_domain::secret::Secret::new(token),
            csrf,
            lang,
            resume_renewal,
        })
    }

    /// The live session of a token; slides its idle expiry.
    /// The session of `token` if it is one of `kind`: a browser's cookie does not open the
    /// API, and an API token does not open the portal (each to its channel).
    pub async fn session_of(
        &self,
        token: &str,
        kind: SessionKind,
    ) -> Result<SessionInfo, AppError> {
        let s = self.session(token).await?;
        if s.kind != kind.as_str() {
            return Err(AppError::Unauthenticated);
        }
        Ok(s)
    }

    pub async fn session(&self, token: &str) -> Result<SessionInfo, AppError> {
        let now = secs(self.now());
        let id_hash = sha256(token.as_bytes());
        let mut conn = self.store().conn().await?;
        let repo::sessions::SessionWithUser {
            session: s,
            user_id,
        } = repo::sessions::get_with_user(&mut conn, &id_hash, now)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        // Writing on every request would serialise readers on SQLite: slide at most once a minute.
        if now - s.last_seen_at >= 60 {
            repo::sessions::touch(
                &mut conn,
                &id_hash,
                now,
                now + self.config().session_idle_seconds,
            )
            .await?;
        }
        Ok(SessionInfo {
            holder_id: s.holder_id,
            user_id,
            csrf: s.csrf,
            lang: Lang::parse(&s.lang),
            kind: s.kind,
        })
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str, ctx: &Ctx) -> Result<(), AppError> {
        let now = secs(self.now());
        let id_hash = sha256(token.as_bytes());
        let mut tx = self.store().begin().await?;
        if let Some(s) = repo::sessions::get(&mut tx, &id_hash, now).await? {
            repo::sessions::delete(&mut tx, &id_hash).await?;
            audit(
                &mut tx,
                now,
                s.holder_id.as_str(),
                crate::audit::AuditAction::Logout,
                None,
                ctx,
                None,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Changes the language of a session and the holder's preferred language (used for SMS and
    /// e-mail too).
    pub async fn set_language(&self, token: &str, lang: Lang) -> Result<(), AppError> {
        let s = self.session(token).await?;
        let mut tx = self.store().begin().await?;
        repo::sessions::set_lang(&mut tx, &sha256(token.as_bytes()), lang.code()).await?;
        repo::holders::set_lang(&mut tx, &s.holder_id, lang.code()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }
}

/// Appends an audit row (SPEC X2).
pub(crate) async fn audit(
    c: &mut rinnova_store::Conn,
    at: i64,
    actor: &str,
    action: crate::audit::AuditAction,
    subject: Option<&str>,
    ctx: &Ctx,
    detail: Option<String>,
) -> Result<(), AppError> {
    repo::audit::append(
        c,
        &NewAudit {
            at,
            actor,
            action: action.as_str(),
            subject,
            ip: ctx.ip.as_deref(),
            request_id: ctx.request_id.as_deref(),
            detail,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dummy_hash_is_a_valid_phc_string() {
        assert!(argon2::password_hash::PasswordHash::new(super::DUMMY_HASH).is_ok());
        assert!(!crate::util::verify_password("x", super::DUMMY_HASH));
    }
}
