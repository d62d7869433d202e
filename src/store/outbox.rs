//! The outbox: e-mails written with the steps that caused them, leased by
//! the mail worker while it sends them, retried, and kept when they die.

use super::dossiers::rfc3339;
use super::{to_micros, Backend, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

/// An outbox row to send.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub id: String,
    pub entity: String,
    pub entity_id: String,
    pub template: String,
    pub recipient_user_id: Option<String>,
    pub recipient_email: String,
    pub context: Value,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

/// An e-mail as listed to its recipient or to admins.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailView {
    pub id: String,
    pub template: String,
    pub entity: String,
    pub entity_id: String,
    pub recipient_email: String,
    /// pending, sent or dead.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Facts an e-mail may mention, read when it is sent.
#[derive(Debug, Clone, Default)]
pub struct MailFacts {
    pub recipient_name: String,
    pub title: String,
    pub completion_due: Option<i64>,
    pub completion_message: Option<String>,
    pub call_closes: Option<i64>,
    pub review_due: Option<i64>,
    pub decision: Option<(String, Option<String>, Option<i64>, String)>,
    pub label: Option<(String, String, String)>,
}

const MAIL_COLUMNS: &str =
    "id, template, entity, entity_id, recipient_email, status, attempts, last_error, created_at, sent_at";

fn mail_view(r: &sqlx::any::AnyRow) -> MailView {
    MailView {
        id: r.get(0),
        template: r.get(1),
        entity: r.get(2),
        entity_id: r.get(3),
        recipient_email: r.get(4),
        status: r.get(5),
        attempts: r.get(6),
        last_error: r.get(7),
        created_at: rfc3339(r.get(8)),
        sent_at: r.get::<Option<i64>, _>(9).map(rfc3339),
    }
}

impl Store {
    /// Leases the oldest pending e-mail that is due and not leased by
    /// another worker, for `lease` (the send happens outside the database).
    pub async fn lease_mail(&self, now: DateTime<Utc>, lease: chrono::Duration) -> Result<Option<OutgoingMail>> {
        let pick = match self.backend() {
            Backend::Sqlite => {
                "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                AND (lease_until IS NULL OR lease_until <= $1) ORDER BY created_at, id LIMIT 1"
            }
            Backend::Postgres => {
                "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                AND (lease_until IS NULL OR lease_until <= $1) ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
            }
        };
        let mut tx = self.begin_write().await?;
        let Some(id) = sqlx::query_scalar::<_, String>(pick).bind(to_micros(now)).fetch_optional(&mut **tx).await?
        else {
            return Ok(None);
        };
        sqlx::query("UPDATE outbox SET lease_until = $1 WHERE id = $2")
            .bind(to_micros(now + lease))
            .bind(&id)
            .execute(&mut **tx)
            .await?;
        let r = sqlx::query(
            "SELECT id, entity, entity_id, template, recipient_user_id, recipient_email, context, attempts, created_at \
             FROM outbox WHERE id = $1",
        )
        .bind(&id)
        .fetch_one(&mut **tx)
        .await?;
        tx.commit().await?;
        let context: String = r.get(6);
        Ok(Some(OutgoingMail {
            id: r.get(0),
            entity: r.get(1),
            entity_id: r.get(2),
            template: r.get(3),
            recipient_user_id: r.get(4),
            recipient_email: r.get(5),
            context: serde_json::from_str(&context).unwrap_or(Value::Null),
            attempts: r.get(7),
            created_at: super::from_micros(r.get(8)),
        }))
    }

    /// Releases every lease. Only at start-up, when no other instance runs
    /// on this database (`serve` knows it for SQLite): no other worker can
    /// be sending, so a lease left by a killed process need not wait to
    /// expire.
    pub async fn release_mail_leases(&self) -> Result<u64> {
        let done =
            sqlx::query("UPDATE outbox SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL")
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    pub async fn mail_sent(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL WHERE id = $2",
        )
        .bind(to_micros(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or dead.
    pub async fn mail_failed(&self, id: &str, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let query = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, lease_until = NULL WHERE id = $3",
            )
            .bind(error)
            .bind(to_micros(at))
            .bind(id),
            None => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, status = 'dead', lease_until = NULL \
                 WHERE id = $3 AND $2 = $2",
            )
            .bind(error)
            .bind(0i64)
            .bind(id),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// What an e-mail about `entity_id` may say, as things are now.
    pub async fn mail_facts(&self, mail: &OutgoingMail) -> Result<MailFacts> {
        let mut f = MailFacts::default();
        if let Some(user) = &mail.recipient_user_id {
            f.recipient_name = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or_default();
        }
        if mail.entity == "label" {
            if let Some(r) = sqlx::query("SELECT title, category, valid_from, valid_until FROM labels WHERE id = $1")
                .bind(&mail.entity_id)
                .fetch_optional(&self.pool)
                .await?
            {
                f.title = r.get(0);
                f.label = Some((r.get(1), r.get(2), r.get(3)));
            }
            return Ok(f);
        }
        let Some(r) = sqlx::query(
            "SELECT d.title, d.completion_due, d.completion_message, c.closes_at FROM dossiers d \
             JOIN campaigns c ON c.id = d.campaign_id WHERE d.id = $1",
        )
        .bind(&mail.entity_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Err(StoreError::NotFound { what: "dossier" });
        };
        f.title = r.get(0);
        f.completion_due = r.get(1);
        f.completion_message = r.get(2);
        f.call_closes = Some(r.get(3));
        if let Some(user) = &mail.recipient_user_id {
            f.review_due = sqlx::query_scalar("SELECT due_at FROM assignments WHERE dossier_id = $1 AND user_id = $2")
                .bind(&mail.entity_id)
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
        }
        f.decision = sqlx::query("SELECT outcome, category, years, motivation FROM decisions WHERE dossier_id = $1")
            .bind(&mail.entity_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|d| (d.get(0), d.get(1), d.get(2), d.get(3)));
        Ok(f)
    }

    /// E-mails addressed to a user, newest first.
    pub async fn notifications(&self, user: Uuid) -> Result<Vec<MailView>> {
        let rows = sqlx::query(&format!(
            "SELECT {MAIL_COLUMNS} FROM outbox WHERE recipient_user_id = $1 ORDER BY created_at DESC, id LIMIT 500"
        ))
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(mail_view).collect())
    }

    /// E-mails that exhausted their attempts, with the last SMTP error.
    pub async fn dead_mail(&self) -> Result<Vec<MailView>> {
        let rows =
            sqlx::query(&format!("SELECT {MAIL_COLUMNS} FROM outbox WHERE status = 'dead' ORDER BY created_at, id"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(mail_view).collect())
    }

    /// Puts a dead e-mail back in the queue, due now.
    pub async fn retry_mail(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL WHERE id = $2 AND status = 'dead'",
        )
        .bind(to_micros(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "dead e-mail" });
        }
        Ok(())
    }

    /// Counts of the outbox by status (for tests and health pages).
    pub async fn outbox_status(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
