//! API tokens for machines: a person makes one for themself (an
//! administrator for anyone), narrowed to reading, to one of the account's
//! territories or to some workflows, for at most a year. The token is shown once.

use super::accounts::{token_hash, AuthError};
use super::{App, AppError};
use crate::engine::{Actor, Refusal, Scope};
use crate::store::api_tokens::{ApiTokenView, NewApiToken, TokenAccess};
use crate::store::StoreError;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Duration;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What every API token starts with: a session token never does, so the
/// two are told apart before any lookup.
pub const TOKEN_PREFIX: &str = "lft_";
/// Days a token lives when the request does not say.
pub const DEFAULT_DAYS: i64 = 90;
/// The longest a token may live.
pub const MAX_DAYS: i64 = 366;
/// A token's last use is written at most this often.
const TOUCH_EVERY_SECONDS: i64 = 60;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for (shown in the list), 1 to 100 characters.
    pub name: String,
    /// `read` (GET requests only) or `write`.
    pub access: String,
    /// One of the account's territories (`kind:CODE`, as its grants name
    /// them): the token acts only as staff there.
    pub scope: Option<String>,
    /// Workflow ids (`GET /api/v1/workflows`): the token sees and acts on
    /// their calls, dossiers and labels only, and administers nothing
    /// server-wide. Every workflow when absent.
    pub workflows: Option<Vec<String>>,
    /// Days until it expires: 90 by default, 366 at most.
    pub expires_in_days: Option<i64>,
    /// The account it acts for: an administrator's choice; the caller's
    /// own otherwise.
    pub user_id: Option<Uuid>,
}

impl App {
    /// Makes a token; the token itself is returned once, never stored.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        req: &TokenRequest,
    ) -> Result<(ApiTokenView, String), AppError> {
        let me = actor.user_id.ok_or(AuthError::InvalidToken)?;
        let user = req.user_id.unwrap_or(me);
        if user != me && !actor.is_admin() {
            return Err(
                Refusal::NotAllowed { reason: "only an administrator makes a token for someone else".into() }.into()
            );
        }
        let mut errors = Vec::new();
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(("name".to_string(), "must be 1 to 100 characters".to_string()));
        }
        let read_only = match req.access.as_str() {
            "read" => true,
            "write" => false,
            _ => {
                errors.push(("access".to_string(), "must be `read` or `write`".to_string()));
                true
            }
        };
        let days = req.expires_in_days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            errors.push(("expires_in_days".to_string(), format!("must be between 1 and {MAX_DAYS}")));
        }
        let owner = match self.store.actor(user).await {
            Ok(owner) => Some(owner),
            Err(StoreError::NotFound { .. }) => {
                errors.push(("user_id".to_string(), "is not an account".to_string()));
                None
            }
            Err(e) => return Err(e.into()),
        };
        let scope = match (&req.scope, &owner) {
            (Some(text), Some(owner)) => match Scope::parse(text) {
                Some(scope) if owner.grants.iter().any(|g| g.scope.as_ref() == Some(&scope)) => Some(scope.to_string()),
                Some(_) => {
                    errors.push(("scope".to_string(), "is not a territory the account acts in".to_string()));
                    None
                }
                None => {
                    errors.push((
                        "scope".to_string(),
                        "must be `kind:CODE`, a territory as the account's grants name it".to_string(),
                    ));
                    None
                }
            },
            _ => None,
        };
        let workflows = req.workflows.as_ref().map(|asked| {
            let mut kept: Vec<String> = Vec::new();
            for (i, id) in asked.iter().enumerate() {
                if self.workflows.get(id).is_none() {
                    let known: Vec<&str> = self.workflows.iter().map(|d| d.id.as_str()).collect();
                    errors.push((format!("workflows[{i}]"), format!("is not a workflow here ({})", known.join(", "))));
                } else if !kept.contains(id) {
                    kept.push(id.clone());
                }
            }
            if asked.is_empty() {
                errors.push(("workflows".to_string(), "names at least one workflow, or is left out for all".into()));
            }
            kept
        });
        if let Some(refusal) = Refusal::all_invalid(errors) {
            return Err(refusal.into());
        }
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        let now = self.clock.now();
        let new = NewApiToken {
            user,
            name: name.to_string(),
            read_only,
            scope,
            workflows,
            expires_at: now + Duration::days(days),
        };
        let view = self.store.create_api_token(&new, &token_hash(&token), actor, now).await?;
        Ok((view, token))
    }

    /// The caller's tokens; an administrator's `all` lists everyone's.
    pub async fn api_tokens(&self, actor: &Actor, all: bool) -> Result<Vec<ApiTokenView>, AppError> {
        let me = actor.user_id.ok_or(AuthError::InvalidToken)?;
        let whose = if all && actor.is_admin() { None } else { Some(me) };
        Ok(self.store.api_tokens(whose).await?)
    }

    /// Revokes one of the caller's tokens (an administrator: anyone's).
    /// Someone else's token is "not found", as if it did not exist.
    pub async fn revoke_api_token(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        let token = self.store.api_token(id).await?;
        if Some(token.user_id) != actor.user_id && !actor.is_admin() {
            return Err(StoreError::NotFound { what: "token" }.into());
        }
        self.store.revoke_api_token(id, actor, self.clock.now()).await?;
        Ok(())
    }

    /// The actor an API token acts as: its account's, narrowed to the
    /// token's territory (only the grants there remain), refused for a
    /// write when the token only reads.
    pub async fn authenticate_api_token(&self, token: &str, writes: bool) -> Result<(Actor, TokenAccess), AppError> {
        let now = self.clock.now();
        let (mut actor, _, access) =
            self.store.api_token_actor(&token_hash(token), now).await?.ok_or(AuthError::InvalidToken)?;
        if writes && access.read_only {
            return Err(AuthError::ReadOnlyToken.into());
        }
        if let Some(scope) = &access.scope {
            actor.grants.retain(|g| g.scope.as_ref().is_some_and(|s| s.to_string() == *scope));
        }
        actor.workflows = access.workflows.clone();
        if access.last_used_at.is_none_or(|last| (now - last).num_seconds() >= TOUCH_EVERY_SECONDS) {
            self.store.touch_api_token(access.id, now).await?;
        }
        Ok((actor, access))
    }
}
