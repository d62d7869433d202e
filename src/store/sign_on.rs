//! Single sign-on: logins begun at a provider, identities linked to
//! accounts (audited), and the ID token kept with a session for logging out
//! at the provider.

use super::accounts::insert_session;
use super::audit::{append, Entry};
use super::{to_micros, Result, Store, StoreError};
use crate::engine::Actor;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

/// A login begun: what the provider's answer is checked against.
#[derive(Debug, Clone)]
pub struct SignOnRequest {
    pub nonce: String,
    pub return_to: String,
    /// Set once the provider answered for a person whose identity is not
    /// linked yet: who they are, and the account their e-mail names.
    pub pending: Option<PendingLink>,
}

#[derive(Debug, Clone)]
pub struct PendingLink {
    pub issuer: String,
    pub subject: String,
    pub user_id: Uuid,
    pub id_token: String,
}

impl Store {
    /// Keeps a login begun until `expires`; logins begun and never ended
    /// are forgotten once past their own end.
    pub async fn begin_sign_on(
        &self,
        state_hash: &str,
        nonce: &str,
        return_to: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_on_requests WHERE expires_at <= $1")
            .bind(to_micros(now))
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO sign_on_requests (state_hash, nonce, return_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(state_hash)
        .bind(nonce)
        .bind(return_to)
        .bind(to_micros(now))
        .bind(to_micros(expires))
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The login begun with this state, while it lasts.
    pub async fn sign_on_request(&self, state_hash: &str, now: DateTime<Utc>) -> Result<Option<SignOnRequest>> {
        let row = sqlx::query(
            "SELECT nonce, return_to, issuer, subject, user_id, id_token FROM sign_on_requests \
             WHERE state_hash = $1 AND expires_at > $2",
        )
        .bind(state_hash)
        .bind(to_micros(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let pending = match (r.get::<Option<String>, _>(2), r.get(3), r.get::<Option<String>, _>(4), r.get(5)) {
                (Some(issuer), Some(subject), Some(user), Some(id_token)) => {
                    Some(PendingLink { issuer, subject, user_id: super::records::parse_id(&user)?, id_token })
                }
                _ => None,
            };
            Ok(SignOnRequest { nonce: r.get(0), return_to: r.get(1), pending })
        })
        .transpose()
    }

    /// Ends a login begun (used once: a replayed answer finds nothing).
    pub async fn end_sign_on(&self, state_hash: &str) -> Result<()> {
        self.write_one(sqlx::query("DELETE FROM sign_on_requests WHERE state_hash = $1").bind(state_hash)).await?;
        Ok(())
    }

    /// Remembers who the provider vouched for until they confirm the link.
    pub async fn hold_sign_on_link(&self, state_hash: &str, link: &PendingLink) -> Result<()> {
        self.write_one(
            sqlx::query(
                "UPDATE sign_on_requests SET issuer = $1, subject = $2, user_id = $3, id_token = $4 WHERE state_hash = $5",
            )
            .bind(&link.issuer)
            .bind(&link.subject)
            .bind(link.user_id.to_string())
            .bind(&link.id_token)
            .bind(state_hash),
        )
        .await?;
        Ok(())
    }

    /// The active account linked to an identity at a provider.
    pub async fn identity_user(&self, issuer: &str, subject: &str) -> Result<Option<Uuid>> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT u.id FROM user_identities i JOIN users u ON u.id = i.user_id \
             WHERE i.issuer = $1 AND i.subject = $2 AND u.deactivated_at IS NULL",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        id.map(|id| super::records::parse_id(&id)).transpose()
    }

    /// Whether an identity at this provider is linked to any account,
    /// active or not: a deactivated account's identity is not linked again
    /// to another through its e-mail.
    pub async fn identity_known(&self, issuer: &str, subject: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_identities WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Links an identity to its account, ends the login begun and opens a
    /// session, in one transaction; the link is audited on the account.
    pub async fn link_identity(
        &self,
        state_hash: &str,
        link: &PendingLink,
        session: (&str, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<()> {
        let user = link.user_id.to_string();
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("DELETE FROM sign_on_requests WHERE state_hash = $1")
            .bind(state_hash)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if taken == 0 {
            return Err(StoreError::NotFound { what: "sign-on request" });
        }
        sqlx::query("INSERT INTO user_identities (issuer, subject, user_id, linked_at) VALUES ($1, $2, $3, $4)")
            .bind(&link.issuer)
            .bind(&link.subject)
            .bind(&user)
            .bind(to_micros(now))
            .execute(&mut **tx)
            .await?;
        insert_session(&mut tx, session, &user, Some(&link.id_token), now).await?;
        // The subject is the provider's pseudonym for the person: the trail
        // names the provider only.
        let actor = Actor::user(link.user_id, vec![]);
        let entry = Entry::new("user", &user, "link_identity", &actor, now).data(json!({"issuer": link.issuer}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a session for a person the provider vouched for, keeping the
    /// ID token for logging out at the provider; ends the login begun.
    pub async fn open_sign_on_session(
        &self,
        state_hash: &str,
        user: Uuid,
        id_token: &str,
        session: (&str, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_on_requests WHERE state_hash = $1").bind(state_hash).execute(&mut **tx).await?;
        insert_session(&mut tx, session, &user.to_string(), Some(id_token), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The ID token a session was opened with, if through a provider.
    pub async fn session_id_token(&self, token_hash: &str) -> Result<Option<String>> {
        let token: Option<Option<String>> = sqlx::query_scalar("SELECT id_token FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(token.flatten())
    }

    /// The providers a person's account is linked with, for their own data.
    pub async fn identities_of(&self, user: Uuid) -> Result<Vec<serde_json::Value>> {
        let rows =
            sqlx::query("SELECT issuer, subject, linked_at FROM user_identities WHERE user_id = $1 ORDER BY linked_at")
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| {
                json!({"issuer": r.get::<String, _>(0), "subject": r.get::<String, _>(1),
                "linked_at": super::dossiers::rfc3339(r.get(2))})
            })
            .collect())
    }
}
