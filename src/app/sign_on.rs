//! Signing in through an OpenID Connect provider: the login begun and kept
//! server-side, the provider's answer matched to an account (by its
//! identity, else once by e-mail after the person confirms), and the
//! session opened with the ID token kept for logging out.

use super::accounts::token_hash;
use super::{App, AppError};
use crate::sign_on::{SignOn, SignOnError};
use crate::store::sign_on::PendingLink;
use chrono::Duration;

/// How long a sign-in begun may take at the provider.
pub const SIGN_ON_MINUTES: i64 = 10;

/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/connexion/oidc/retour";

#[derive(Debug, thiserror::Error)]
pub enum SignOnRefusal {
    #[error("sign-on is not configured on this server")]
    Off,
    #[error("this sign-in was begun in another browser, has expired, or was already used")]
    UnknownState,
    #[error(transparent)]
    Provider(#[from] SignOnError),
    #[error("the account linked to this identity is deactivated")]
    Deactivated,
    #[error("no account has the e-mail address {email}")]
    NoAccount { email: String },
}

/// What the provider's answer leads to.
pub enum Answer {
    /// A session is open: its token, and the page to go back to.
    LoggedIn { token: String, back: String },
    /// The identity is new and an account has its e-mail: the person
    /// confirms the link first.
    Confirm { email: String },
}

impl App {
    fn sign_on(&self) -> Result<&SignOn, SignOnRefusal> {
        self.sign_on.as_deref().ok_or(SignOnRefusal::Off)
    }

    fn callback_url(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.public_url.trim_end_matches('/'))
    }

    /// Begins a sign-in: the provider's address to send the browser to,
    /// and the state the browser keeps (in a cookie) to come back with.
    pub async fn begin_sign_on(&self, back: &str) -> Result<(String, String), AppError> {
        let begun = self.sign_on()?.begin(&self.callback_url()).await.map_err(SignOnRefusal::from)?;
        let now = self.clock.now();
        self.store
            .begin_sign_on(&token_hash(&begun.state), &begun.nonce, back, now, now + Duration::minutes(SIGN_ON_MINUTES))
            .await?;
        Ok((begun.url, begun.state))
    }

    /// The provider's answer: `state` is both the browser's cookie and the
    /// answer's parameter (the caller checked they match). The login begun
    /// is used once, whatever the outcome.
    pub async fn finish_sign_on(&self, state: &str, code: &str) -> Result<Answer, AppError> {
        let sign_on = self.sign_on()?;
        let hash = token_hash(state);
        let begun = self.store.sign_on_request(&hash, self.clock.now()).await?.ok_or(SignOnRefusal::UnknownState)?;
        if begun.pending.is_some() {
            return Err(SignOnRefusal::UnknownState.into());
        }
        let identity = match sign_on.finish(&self.callback_url(), code, &begun.nonce).await {
            Ok(identity) => identity,
            Err(e) => {
                self.store.end_sign_on(&hash).await?;
                return Err(SignOnRefusal::from(e).into());
            }
        };
        if let Some(user) = self.store.identity_user(&identity.issuer, &identity.subject).await? {
            let token = self.open_sign_on_session(&hash, user, &identity.id_token).await?;
            return Ok(Answer::LoggedIn { token, back: begun.return_to });
        }
        let ended = &hash;
        let refused = |refusal: SignOnRefusal| async move {
            self.store.end_sign_on(ended).await?;
            Err::<Answer, AppError>(refusal.into())
        };
        if self.store.identity_known(&identity.issuer, &identity.subject).await? {
            return refused(SignOnRefusal::Deactivated).await;
        }
        let Some(email) = identity.email.as_deref().map(|e| e.trim().to_lowercase()) else {
            return refused(SignOnRefusal::Provider(SignOnError::NoEmail)).await;
        };
        let Some(user) = self.store.active_user_by_email(&email).await? else {
            return refused(SignOnRefusal::NoAccount { email }).await;
        };
        let link = PendingLink {
            issuer: identity.issuer,
            subject: identity.subject,
            user_id: user,
            id_token: identity.id_token,
        };
        self.store.hold_sign_on_link(&hash, &link).await?;
        Ok(Answer::Confirm { email })
    }

    /// The person confirmed: their identity is linked to the account with
    /// their e-mail (audited) and a session opens.
    pub async fn confirm_sign_on_link(&self, state: &str) -> Result<(String, String), AppError> {
        let hash = token_hash(state);
        let begun = self.store.sign_on_request(&hash, self.clock.now()).await?.ok_or(SignOnRefusal::UnknownState)?;
        let link = begun.pending.ok_or(SignOnRefusal::UnknownState)?;
        let (token, expires) = self.new_session_token();
        let now = self.clock.now();
        self.store.link_identity(&hash, &link, (&token_hash(&token), expires), now).await.map_err(|e| match e {
            crate::store::StoreError::NotFound { .. } => AppError::from(SignOnRefusal::UnknownState),
            other => other.into(),
        })?;
        Ok((token, begun.return_to))
    }

    async fn open_sign_on_session(&self, hash: &str, user: uuid::Uuid, id_token: &str) -> Result<String, AppError> {
        let (token, expires) = self.new_session_token();
        self.store.open_sign_on_session(hash, user, id_token, (&token_hash(&token), expires), self.clock.now()).await?;
        Ok(token)
    }

    /// Where a session opened through the provider is sent to log out
    /// there too (with the ID token as the hint); `None` for others.
    pub async fn sign_on_logout_url(&self, session_token: &str) -> Option<String> {
        let sign_on = self.sign_on.as_deref()?;
        let id_token = self.store.session_id_token(&token_hash(session_token)).await.ok().flatten()?;
        let back = format!("{}/connexion", self.public_url.trim_end_matches('/'));
        sign_on.logout_url(&id_token, &back).await
    }
}
