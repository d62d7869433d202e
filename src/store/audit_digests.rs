//! The audit trail's daily digest: the head of every chain that grew during
//! a day, and one hash over them all. Written outside the database (a file,
//! the administrators' mailboxes), it lets anyone find out later that the
//! database was rewritten, even with every hash of a chain recomputed:
//! a day's entries never change, so its digest recomputed from the database
//! must match the one kept outside.

use super::{to_micros, Result, Store, StoreError};
use crate::calendar::paris_instant;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The template of the digest's e-mail to administrators.
pub const TEMPLATE: &str = "audit_digest";

/// The last entry a chain received during the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub entity: String,
    pub entity_id: String,
    pub entity_seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDigest {
    pub day: NaiveDate,
    /// Entries written during the day.
    pub entries: i64,
    /// One per chain that grew, ordered by entity and id.
    pub heads: Vec<Head>,
    /// SHA-256 over the heads' lines, in hex.
    pub digest: String,
}

impl AuditDigest {
    fn new(day: NaiveDate, entries: i64, heads: Vec<Head>) -> AuditDigest {
        let mut hasher = Sha256::new();
        for h in &heads {
            hasher.update(head_line(h).as_bytes());
        }
        AuditDigest { day, entries, heads, digest: hex::encode(hasher.finalize()) }
    }

    /// The file kept outside the database: a comment, a line per head, the
    /// digest last.
    pub fn text(&self) -> String {
        let mut text = format!(
            "# labelflow audit digest of {} (Europe/Paris): {} entries in {} chains\n",
            self.day,
            self.entries,
            self.heads.len()
        );
        for h in &self.heads {
            text.push_str(&head_line(h));
        }
        text.push_str(&format!("digest {}\n", self.digest));
        text
    }

    /// The day and digest a file states (its last `digest` line).
    pub fn stated(text: &str) -> Option<(NaiveDate, String)> {
        let day = text.lines().next()?.strip_prefix("# labelflow audit digest of ")?.get(..10)?;
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
        let digest = text.lines().rev().find_map(|l| l.strip_prefix("digest "))?;
        Some((day, digest.trim().to_string()))
    }
}

fn head_line(h: &Head) -> String {
    format!("{} {} {} {}\n", h.entity, h.entity_id, h.entity_seq, h.hash)
}

impl Store {
    /// The last day digested, if any.
    pub async fn last_audit_digest_day(&self) -> Result<Option<NaiveDate>> {
        let day: Option<String> =
            sqlx::query_scalar("SELECT MAX(day) FROM audit_digests").fetch_one(&self.pool).await?;
        day.map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| StoreError::Invalid(e.to_string())))
            .transpose()
    }

    /// The digest of the entries written during `day`, from one Paris
    /// midnight to the next.
    pub async fn audit_digest_of(&self, day: NaiveDate) -> Result<AuditDigest> {
        let start = paris_instant(day, NaiveTime::MIN);
        let end = paris_instant(day.succ_opt().unwrap_or(day), NaiveTime::MIN);
        let rows: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT a.entity, a.entity_id, a.entity_seq, a.hash, m.n FROM audit a \
             JOIN (SELECT entity, entity_id, MAX(entity_seq) AS s, COUNT(*) AS n FROM audit \
                   WHERE at >= $1 AND at < $2 GROUP BY entity, entity_id) m \
             ON a.entity = m.entity AND a.entity_id = m.entity_id AND a.entity_seq = m.s",
        )
        .bind(to_micros(start))
        .bind(to_micros(end))
        .fetch_all(&self.pool)
        .await?;
        let entries = rows.iter().map(|r| r.4).sum();
        let mut heads: Vec<Head> = rows
            .into_iter()
            .map(|(entity, entity_id, entity_seq, hash, _)| Head { entity, entity_id, entity_seq, hash })
            .collect();
        // Ordered here, by bytes: the database's collation may differ from
        // one server to the next, the digest of a day must not.
        heads.sort_by(|a, b| (&a.entity, &a.entity_id).cmp(&(&b.entity, &b.entity_id)));
        Ok(AuditDigest::new(day, entries, heads))
    }

    /// Records a day's digest and, when the day wrote anything, queues its
    /// e-mail to every administrator, in one transaction. False when the
    /// day was recorded already (by another server): nothing is queued
    /// twice.
    pub async fn record_audit_digest(&self, digest: &AuditDigest, message: &str, now: DateTime<Utc>) -> Result<bool> {
        let day = digest.day.to_string();
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO audit_digests (day, entries, chains, digest, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (day) DO NOTHING",
        )
        .bind(&day)
        .bind(digest.entries)
        .bind(digest.heads.len() as i64)
        .bind(&digest.digest)
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        if digest.entries > 0 {
            let admins: Vec<(String, String)> = sqlx::query_as(
                "SELECT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'admin' \
                 ORDER BY u.email",
            )
            .fetch_all(&mut **tx)
            .await?;
            for (user, email) in admins {
                let context = json!({"template": TEMPLATE, "entity": "user", "entity_id": user,
                                     "data": {"message": message, "day": day}});
                sqlx::query(
                    "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, \
                     status, attempts, next_attempt_at, created_at) VALUES ($1, 'user', $2, $3, $2, $4, $5, 'pending', 0, $6, $6)",
                )
                .bind(format!("audit-digest:{day}:{user}"))
                .bind(&user)
                .bind(TEMPLATE)
                .bind(&email)
                .bind(context.to_string())
                .bind(to_micros(now))
                .execute(&mut **tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
