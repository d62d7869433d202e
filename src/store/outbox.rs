//! The outbox: e-mails written with the steps that caused them, leased by
//! the mail worker while it sends them, retried, and kept when they die.

use super::dossiers::{rfc3339, Listed};
use super::{to_micros, Result, Store, StoreError};
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
    /// pending, sent, dead, cancelled (a reminder of an invitation
    /// answered or revoked before its day), held (for the recipient's
    /// daily digest), digested (gone in it) or skipped (the recipient
    /// turned that kind off).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// The title of the dossier or label it is about, in one's own list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
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
    /// The workflow the instance runs on, and its version.
    pub workflow: String,
    pub workflow_version: Option<String>,
    /// Until when a password link or an invitation is valid.
    pub link_expires: Option<i64>,
}

/// An outbox row read as `id, entity, entity_id, template,
/// recipient_user_id, recipient_email, context, attempts, created_at`.
pub(super) fn outgoing(r: &sqlx::any::AnyRow) -> OutgoingMail {
    let context: String = r.get(6);
    OutgoingMail {
        id: r.get(0),
        entity: r.get(1),
        entity_id: r.get(2),
        template: r.get(3),
        recipient_user_id: r.get(4),
        recipient_email: r.get(5),
        context: serde_json::from_str(&context).unwrap_or(Value::Null),
        attempts: r.get(7),
        created_at: super::from_micros(r.get(8)),
    }
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
        about: None,
    }
}

impl Store {
    /// Leases up to `limit` of the oldest pending e-mails that are due and
    /// not leased by another worker, for `lease` (the send happens outside
    /// the database), oldest first.
    pub async fn lease_mails(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: usize,
    ) -> Result<Vec<OutgoingMail>> {
        let columns =
            "id, entity, entity_id, template, recipient_user_id, recipient_email, context, attempts, created_at";
        let rows = super::queue::lease(self, "outbox", columns, now, lease, limit).await?;
        let mut mails: Vec<OutgoingMail> = rows.iter().map(outgoing).collect();
        mails.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(mails)
    }

    /// Gives back leases not used (a worker stopping with e-mails in hand).
    pub async fn release_mails(&self, ids: &[String]) -> Result<()> {
        super::queue::release(self, "outbox", ids).await
    }

    /// Releases every lease. Only at start-up, when no other instance runs
    /// on this database (`serve` knows it for SQLite): no other worker can
    /// be sending, so a lease left by a killed process need not wait to
    /// expire.
    pub async fn release_mail_leases(&self) -> Result<u64> {
        super::queue::release_all(self, "outbox").await
    }

    /// Records delivered e-mails, several in one transaction when several
    /// senders finished at once.
    pub async fn mails_sent(&self, ids: &[String], now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL WHERE id = $2",
            )
            .bind(to_micros(now))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        tx.commit().await
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
        self.write_one(query).await?;
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
        if mail.entity == "user" {
            return Ok(f);
        }
        if mail.entity == "account" {
            f.link_expires = sqlx::query_scalar("SELECT expires_at FROM password_links WHERE id = $1")
                .bind(&mail.entity_id)
                .fetch_optional(&self.pool)
                .await?;
            return Ok(f);
        }
        if mail.entity == "invitation" {
            // An outside expert: named by the invitation, about its dossier.
            if let Some(r) = sqlx::query(
                "SELECT g.name, g.question, g.expires_at, d.title, d.workflow, d.workflow_version \
                 FROM guest_invitations g JOIN dossiers d ON d.id = g.dossier_id WHERE g.id = $1",
            )
            .bind(&mail.entity_id)
            .fetch_optional(&self.pool)
            .await?
            {
                f.recipient_name = r.get(0);
                f.completion_message = r.get(1);
                f.link_expires = r.get(2);
                f.title = r.get(3);
                f.workflow = r.get(4);
                f.workflow_version = r.get(5);
            }
            return Ok(f);
        }
        if mail.entity == "co_owner" {
            // Who invited (the e-mail's message), about which dossier.
            if let Some(r) = sqlx::query(
                "SELECT COALESCE(u.name, ''), i.expires_at, d.title, d.workflow, d.workflow_version \
                 FROM co_owner_invitations i JOIN dossiers d ON d.id = i.dossier_id \
                 LEFT JOIN users u ON u.id = i.invited_by WHERE i.id = $1",
            )
            .bind(&mail.entity_id)
            .fetch_optional(&self.pool)
            .await?
            {
                f.completion_message = Some(r.get(0));
                f.link_expires = r.get(1);
                f.title = r.get(2);
                f.workflow = r.get(3);
                f.workflow_version = r.get(4);
            }
            return Ok(f);
        }
        if mail.entity == "label" {
            if let Some(r) = sqlx::query(
                "SELECT title, category, valid_from, valid_until, workflow, workflow_version FROM labels WHERE id = $1",
            )
            .bind(&mail.entity_id)
            .fetch_optional(&self.pool)
            .await?
            {
                f.title = r.get(0);
                f.label = Some((r.get(1), r.get(2), r.get(3)));
                f.workflow = r.get(4);
                f.workflow_version = r.get(5);
            }
            return Ok(f);
        }
        let Some(r) = sqlx::query(
            "SELECT d.title, d.completion_due, d.completion_message, c.closes_at, d.workflow, d.workflow_version FROM dossiers d \
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
        f.workflow = r.get(4);
        f.workflow_version = r.get(5);
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

    /// E-mails addressed to a user, newest first: of `status` if given,
    /// those before `before` (a creation time and an id), `limit` at most.
    pub async fn notifications(
        &self,
        user: Uuid,
        status: Option<&str>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<Listed<MailView>>> {
        let (at, id) = before.unwrap_or((i64::MAX, ""));
        let rows = sqlx::query(&format!(
            "SELECT {MAIL_COLUMNS}, COALESCE(\
             (SELECT d.title FROM dossiers d WHERE outbox.entity = 'dossier' AND d.id = outbox.entity_id), \
             (SELECT l.title FROM labels l WHERE outbox.entity = 'label' AND l.id = outbox.entity_id)), created_at \
             FROM outbox WHERE recipient_user_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3) OR $3 = '') \
             AND ($5 = '' OR status = $5) ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(user.to_string())
        .bind(at)
        .bind(id)
        .bind(limit.max(0))
        .bind(status.unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Listed {
                key: r.get::<i64, _>(11).to_string(),
                item: MailView { about: r.get(10), ..mail_view(r) },
            })
            .collect())
    }

    /// E-mails that exhausted their attempts, with the last SMTP error,
    /// oldest first: those after `after` (a creation time and an id),
    /// `limit` at most.
    pub async fn dead_mail(&self, after: Option<(i64, &str)>, limit: i64) -> Result<Vec<Listed<MailView>>> {
        let (at, id) = after.unwrap_or((i64::MIN, ""));
        let rows = sqlx::query(&format!(
            "SELECT {MAIL_COLUMNS}, created_at FROM outbox WHERE status = 'dead' \
             AND (created_at > $1 OR (created_at = $1 AND id > $2)) ORDER BY created_at, id LIMIT $3"
        ))
        .bind(at)
        .bind(id)
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| Listed { key: r.get::<i64, _>(10).to_string(), item: mail_view(r) }).collect())
    }

    /// Puts a dead e-mail back in the queue, due now.
    pub async fn retry_mail(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        super::queue::retry_dead(self, "outbox", id, now, "dead e-mail").await
    }

    /// Counts of the outbox by status (for tests and health pages).
    pub async fn outbox_status(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
