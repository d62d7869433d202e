//! Tokens for machines: a person's access, narrowed to reading, to one
//! territory or to some workflows, until a date. Only the token's hash is stored; creating and
//! revoking one is audited on its owner's chain.

use super::accounts::{actor_of, actor_query};
use super::audit::{append, Entry};
use super::dossiers::rfc3339;
use super::{to_micros, Result, Store, StoreError};
use crate::engine::Actor;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

/// A token as its owner and the administrators see it (never the token).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ApiTokenView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// `read` (GET only) or `write`.
    pub access: String,
    /// The territory (`kind:CODE`) the token is narrowed to, if any.
    pub scope: Option<String>,
    /// The workflows the token is narrowed to, if any.
    pub workflows: Option<Vec<String>>,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// What a token allows, as read when it is presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAccess {
    pub id: Uuid,
    pub read_only: bool,
    pub scope: Option<String>,
    pub workflows: Option<Vec<String>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub struct NewApiToken {
    pub user: Uuid,
    pub name: String,
    pub read_only: bool,
    pub scope: Option<String>,
    pub workflows: Option<Vec<String>>,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, user_id, name, access, scope, created_at, expires_at, last_used_at, revoked_at, workflows";

/// The workflows column: a JSON array, or NULL for all.
fn workflows_of(text: Option<String>) -> Option<Vec<String>> {
    // An unreadable list narrows to nothing rather than widening to all.
    text.map(|t| serde_json::from_str(&t).unwrap_or_default())
}

fn view(r: &sqlx::any::AnyRow) -> Result<ApiTokenView> {
    let id = |i: usize| super::records::parse_id(&r.get::<String, _>(i));
    let instant = |i: usize| r.get::<Option<i64>, _>(i).map(rfc3339);
    Ok(ApiTokenView {
        id: id(0)?,
        user_id: id(1)?,
        name: r.get(2),
        access: r.get(3),
        scope: r.get(4),
        created_at: rfc3339(r.get(5)),
        expires_at: rfc3339(r.get(6)),
        last_used_at: instant(7),
        revoked_at: instant(8),
        workflows: workflows_of(r.get(9)),
    })
}

impl Store {
    pub async fn create_api_token(
        &self,
        token: &NewApiToken,
        token_hash: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ApiTokenView> {
        let id = Uuid::new_v4();
        let user = token.user.to_string();
        let access = if token.read_only { "read" } else { "write" };
        let creator = actor.user_id.map(|u| u.to_string()).unwrap_or_else(|| "system".into());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, access, scope, created_by, created_at, expires_at, \
             workflows) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.to_string())
        .bind(&user)
        .bind(&token.name)
        .bind(token_hash)
        .bind(access)
        .bind(token.scope.as_deref())
        .bind(&creator)
        .bind(to_micros(now))
        .bind(to_micros(token.expires_at))
        .bind(token.workflows.as_ref().map(|w| json!(w).to_string()))
        .execute(&mut **tx)
        .await?;
        // The token's hash stays out of the audit trail, as a password's does.
        let data = json!({"token": id, "name": token.name, "access": access, "scope": token.scope,
                          "workflows": token.workflows, "expires_at": rfc3339(to_micros(token.expires_at))});
        append(&mut tx, self.backend(), &Entry::new("user", &user, "create_api_token", actor, now).data(data)).await?;
        tx.commit().await?;
        self.api_token(id).await
    }

    pub async fn api_token(&self, id: Uuid) -> Result<ApiTokenView> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { what: "token" })?;
        view(&row)
    }

    /// A person's tokens, or everyone's (`None`), newest first.
    pub async fn api_tokens(&self, user: Option<Uuid>) -> Result<Vec<ApiTokenView>> {
        let rows = match user {
            Some(u) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id"
                ))
                .bind(u.to_string())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(view).collect()
    }

    /// Revokes a token, audited; false when it was revoked already.
    pub async fn revoke_api_token(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<bool> {
        let token = self.api_token(id).await?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(to_micros(now))
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let entry = Entry::new("user", &token.user_id.to_string(), "revoke_api_token", actor, now)
            .data(json!({"token": id, "name": token.name}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The account behind a live token (not revoked, not expired, its
    /// account active), with its name and what the token allows.
    pub async fn api_token_actor(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Actor, String, TokenAccess)>> {
        let sql = actor_query(
            self.backend(),
            ", t.id, t.access, t.scope, t.last_used_at, t.workflows",
            "api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND t.revoked_at IS NULL",
        );
        let Some(r) = sqlx::query(&sql).bind(token_hash).bind(to_micros(now)).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let (actor, name) = actor_of(&r)?;
        let access = TokenAccess {
            id: super::records::parse_id(&r.get::<String, _>(4))?,
            read_only: r.get::<String, _>(5) == "read",
            scope: r.get(6),
            last_used_at: r.get::<Option<i64>, _>(7).map(super::from_micros),
            workflows: workflows_of(r.get(8)),
        };
        Ok(Some((actor, name, access)))
    }

    pub async fn touch_api_token(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.write_one(
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(to_micros(now))
                .bind(id.to_string()),
        )
        .await?;
        Ok(())
    }
}
