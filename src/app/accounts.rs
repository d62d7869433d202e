//! Login, sessions and passwords.

use super::{App, AppError};
use crate::auth::{hash_password, verify_password};
use crate::engine::{Actor, Refusal};
use crate::store::views::UserView;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Duration;
use sha2::{Digest, Sha256};

/// How long an API token lives.
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    #[error("missing or expired token")]
    InvalidToken,
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl App {
    /// A new bearer token for valid credentials. Unknown addresses take as
    /// long as wrong passwords, so timing tells nothing.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>), AppError> {
        let credentials = self.store.credentials(email).await?;
        let (user, hash) = match credentials {
            Some(c) => c,
            None => {
                verify_password(password, &self.decoy_hash);
                return Err(AuthError::InvalidCredentials.into());
            }
        };
        if !verify_password(password, &hash) {
            return Err(AuthError::InvalidCredentials.into());
        }
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let now = self.clock.now();
        let expires = now + Duration::hours(SESSION_HOURS);
        self.store.create_session(&token_hash(&token), user, now, expires).await?;
        Ok((token, expires))
    }

    /// The actor behind a bearer token.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
        let user =
            self.store.session_user(&token_hash(token), self.clock.now()).await?.ok_or(AuthError::InvalidToken)?;
        Ok(self.store.actor(user).await?)
    }

    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        Ok(self.store.end_session(&token_hash(token)).await?)
    }

    pub async fn me(&self, actor: &Actor) -> Result<UserView, AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        Ok(self.store.user_view(user).await?)
    }

    /// Changes the caller's password; their other sessions end.
    pub async fn change_password(&self, actor: &Actor, token: &str, current: &str, new: &str) -> Result<(), AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        if !verify_password(current, &self.store.password_hash(user).await?) {
            return Err(Refusal::invalid("current", "is not your current password").into());
        }
        let hash =
            hash_password(new).map_err(|e| Refusal::invalid("new", e.to_string().trim_start_matches("password: ")))?;
        self.store.set_password(user, &hash, &token_hash(token), actor, self.clock.now()).await?;
        Ok(())
    }
}
