//! Logins and sessions of the staff areas (the organisation manager's and the RAO desk, SPEC
//! A3): their own credentials, throttled like holders' logins, and sessions in their own table.

use crate::auth::{Check, audit};
use crate::i18n::Lang;
use crate::renewal::commit;
use crate::util::{random_token, secs, sha256};
use crate::{App, AppError, Ctx};
use rinnova_store::{StaffSessionRecord, repo};

impl App {
    /// Checks a staff member's password and opens a session for `role`. `account` is the
    /// (id, password hash) found for the username, if any. Returns the session token.
    pub(crate) async fn staff_login(
        &self,
        role: &str,
        username: &str,
        password: &str,
        account: Option<(String, String)>,
        lang: Lang,
        ctx: &Ctx,
    ) -> Result<String, AppError> {
        let key = format!("{role}:{username}");
        let hash = account.as_ref().map(|(_, h)| h.clone());
        let account_id = match self
            .throttled_check(&key, hash, password, &key, ctx)
            .await?
        {
            Check::Locked { minutes } => return Err(AppError::LoginLocked { minutes }),
            Check::Wrong => return Err(AppError::StaffLoginFailed),
            Check::Right => account.ok_or(AppError::StaffLoginFailed)?.0,
        };
        let now = secs(self.now());
        let token = random_token()?;
        let mut tx = self.store().begin().await?;
        repo::cdrl::insert_session(
            &mut tx,
            &StaffSessionRecord {
                id_hash: sha256(token.as_bytes()).to_vec(),
                role: role.into(),
                account_id,
                csrf: random_token()?,
                lang: lang.code().into(),
                created_at: now,
                expires_at: now + self.config().session_idle_seconds,
                last_seen_at: now,
            },
        )
        .await?;
        audit(
            &mut tx,
            now,
            &key,
            if role == "rao" {
                crate::audit::AuditAction::RaoLogin
            } else {
                crate::audit::AuditAction::CdrlLogin
            },
            None,
            ctx,
            None,
        )
        .await?;
        commit(tx).await?;
        Ok(token)
    }

    /// The live session of `role` behind a token; its idle expiry slides forward.
    pub(crate) async fn staff_session(
        &self,
        role: &str,
        token: &str,
    ) -> Result<StaffSessionRecord, AppError> {
        let now = secs(self.now());
        let mut tx = self.store().begin().await?;
        let s = repo::cdrl::session(
            &mut tx,
            &sha256(token.as_bytes()),
            now,
            self.config().session_idle_seconds,
        )
        .await?
        .filter(|s| s.role == role)
        .ok_or(AppError::Unauthenticated)?;
        commit(tx).await?;
        Ok(s)
    }

    /// Ends a staff session.
    pub(crate) async fn staff_logout(&self, token: &str) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        repo::cdrl::delete_session(&mut tx, &sha256(token.as_bytes())).await?;
        commit(tx).await
    }
}
