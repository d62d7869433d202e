//! One-time links to choose a password (an invitation, a forgotten
//! password). The link and its e-mail are written together; the mail
//! worker makes the token when it sends the e-mail and keeps only its hash
//! (`Store::add_link_token`), so neither the outbox nor a copy of the database
//! holds a usable link.

use super::audit::{append, Entry};
use super::records::{parse_id, NewUser};
use super::{from_micros, to_micros, Result, Store};
use crate::engine::Actor;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// Why a link was sent: it decides the e-mail and how long it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// An account an administrator opened, whose owner chooses the password.
    Invite,
    /// A forgotten password, or an administrator's reset.
    Reset,
}

impl LinkPurpose {
    pub fn code(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }

    /// The e-mail template that carries the link.
    pub fn template(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "account_invite",
            LinkPurpose::Reset => "password_reset",
        }
    }

    fn parse(code: &str) -> LinkPurpose {
        if code == "invite" {
            LinkPurpose::Invite
        } else {
            LinkPurpose::Reset
        }
    }
}

/// The templates whose e-mail carries a password link.
pub const LINK_TEMPLATES: [&str; 2] = ["account_invite", "password_reset"];

/// A link as its token finds it.
#[derive(Debug, Clone)]
pub struct PasswordLink {
    pub id: String,
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
    /// Neither used, revoked (a newer link), expired, nor on a deactivated
    /// account.
    pub usable: bool,
}

/// Ends the user's links still open and writes a new one with its e-mail.
async fn insert_link(
    conn: &mut AnyConnection,
    user: &str,
    email: &str,
    purpose: LinkPurpose,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<String> {
    let id = Uuid::new_v4().to_string();
    sqlx::query(
        "UPDATE password_links SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(user)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO password_links (id, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(user)
    .bind(purpose.code())
    .bind(to_micros(now))
    .bind(to_micros(expires))
    .execute(&mut *conn)
    .await?;
    let context = json!({"template": purpose.template(), "entity": "account", "entity_id": id, "data": {}});
    sqlx::query(
        "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, status, \
         attempts, next_attempt_at, created_at) VALUES ($1, 'account', $1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
    )
    .bind(&id)
    .bind(purpose.template())
    .bind(user)
    .bind(email)
    .bind(context.to_string())
    .bind(to_micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

impl Store {
    /// Opens an account without a password and sends its owner a link to
    /// choose one, valid until `expires`; one transaction.
    pub async fn invite_user(
        &self,
        user: &NewUser,
        expires: DateTime<Utc>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let mut tx = self.begin_write().await?;
        let id = super::records::insert_user(&mut tx, user, actor, now).await?;
        insert_link(&mut tx, &id.to_string(), &user.email, LinkPurpose::Invite, now, expires).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Sends `user` a new link (ending the former ones), audited, unless the
    /// account is deactivated or, with `quiet`, a link of the same purpose
    /// went out since `quiet` (so a form cannot flood a mailbox). Whether it
    /// was sent.
    pub async fn send_password_link(
        &self,
        user: Uuid,
        purpose: LinkPurpose,
        expires: DateTime<Utc>,
        quiet_since: Option<DateTime<Utc>>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let id = user.to_string();
        let mut tx = self.begin_write().await?;
        let email: Option<String> =
            sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND deactivated_at IS NULL")
                .bind(&id)
                .fetch_optional(&mut **tx)
                .await?;
        let Some(email) = email else { return Ok(false) };
        if let Some(since) = quiet_since {
            let recent = sqlx::query(
                "SELECT 1 FROM password_links WHERE user_id = $1 AND purpose = $2 AND created_at > $3 LIMIT 1",
            )
            .bind(&id)
            .bind(purpose.code())
            .bind(to_micros(since))
            .fetch_optional(&mut **tx)
            .await?;
            if recent.is_some() {
                return Ok(false);
            }
        }
        insert_link(&mut tx, &id, &email, purpose, now, expires).await?;
        let entry = Entry::new("user", &id, "send_password_link", actor, now).data(json!({"purpose": purpose.code()}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The active account of an address, if any.
    pub async fn active_user_by_email(&self, email: &str) -> Result<Option<Uuid>> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND deactivated_at IS NULL")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        id.map(|i| parse_id(&i)).transpose()
    }

    /// The link a token belongs to, as things stand at `now`.
    pub async fn password_link(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<PasswordLink>> {
        let row = sqlx::query(
            "SELECT l.id, l.user_id, u.email, u.name, l.purpose, l.expires_at, l.used_at, l.revoked_at, \
             u.deactivated_at FROM password_link_tokens t JOIN password_links l ON l.id = t.link_id \
             JOIN users u ON u.id = l.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let expires: i64 = r.get(5);
        let ended = [r.get::<Option<i64>, _>(6), r.get(7), r.get(8)].iter().any(Option::is_some);
        Ok(Some(PasswordLink {
            id: r.get(0),
            user_id: parse_id(&r.get::<String, _>(1))?,
            email: r.get(2),
            name: r.get(3),
            purpose: LinkPurpose::parse(&r.get::<String, _>(4)),
            expires_at: from_micros(expires),
            usable: !ended && expires > to_micros(now),
        }))
    }

    /// Uses `link` to set the password: once only (a second use, even at
    /// the same moment, finds it used), ending every session, calendar
    /// address and other link of the account; audited as the account's own
    /// act. False when the link was no longer usable.
    pub async fn use_password_link(&self, link: &PasswordLink, hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let user = link.user_id.to_string();
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "UPDATE password_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL \
             AND expires_at > $1 AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL)",
        )
        .bind(to_micros(now))
        .bind(&link.id)
        .execute(&mut **tx)
        .await?;
        if taken.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(&user)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&user).execute(&mut **tx).await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(&user).execute(&mut **tx).await?;
        sqlx::query(
            "UPDATE password_links SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(to_micros(now))
        .bind(&user)
        .execute(&mut **tx)
        .await?;
        let own = Actor::user(link.user_id, vec![]);
        let entry = Entry::new("user", &user, "set_password", &own, now).data(json!({"by": link.purpose.code()}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
