//! Notification preferences and the daily digest. A person's e-mail of a
//! kind they take in the digest is held in the outbox, then gathered into
//! one digest e-mail a day (its outbox id names the person and the day, so
//! it is made once whoever makes it, crash or not); one they turned off is
//! kept, marked skipped. E-mails that must go at once are never held.

use super::audit::{append, Entry};
use super::outbox::OutgoingMail;
use super::{to_micros, Result, Store};
use crate::engine::Actor;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::Row;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The digest's e-mail template.
pub const DIGEST_TEMPLATE: &str = "digest";

/// How a person takes a kind of e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Immediate,
    Digest,
    Off,
}

impl Delivery {
    pub fn code(self) -> &'static str {
        match self {
            Delivery::Immediate => "immediate",
            Delivery::Digest => "digest",
            Delivery::Off => "off",
        }
    }

    pub fn parse(code: &str) -> Option<Delivery> {
        [Delivery::Immediate, Delivery::Digest, Delivery::Off].into_iter().find(|d| d.code() == code)
    }
}

impl Store {
    /// A person's preferences, by template (a kind not named is immediate).
    pub async fn preferences(&self, user: Uuid) -> Result<BTreeMap<String, Delivery>> {
        let rows = sqlx::query("SELECT template, mode FROM notification_preferences WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((r.get::<String, _>(0), Delivery::parse(&r.get::<String, _>(1))?)))
            .collect())
    }

    /// Sets some of a person's preferences, audited on their account.
    pub async fn set_preferences(
        &self,
        user: Uuid,
        changes: &BTreeMap<String, Delivery>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let id = user.to_string();
        let mut tx = self.begin_write().await?;
        for (template, delivery) in changes {
            sqlx::query("DELETE FROM notification_preferences WHERE user_id = $1 AND template = $2")
                .bind(&id)
                .bind(template)
                .execute(&mut **tx)
                .await?;
            if *delivery != Delivery::Immediate {
                sqlx::query("INSERT INTO notification_preferences (user_id, template, mode) VALUES ($1, $2, $3)")
                    .bind(&id)
                    .bind(template)
                    .bind(delivery.code())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        let set: BTreeMap<&String, &str> = changes.iter().map(|(t, d)| (t, d.code())).collect();
        let entry = Entry::new("user", &id, "set_notification_preferences", actor, now).data(json!({"set": set}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Holds for the digest, or skips, the e-mails due now whose recipient
    /// prefers so, but for the templates in `always`. Before any send, so
    /// that none of them leaves at once.
    pub async fn apply_preferences(&self, now: DateTime<Utc>, always: &[&str]) -> Result<u64> {
        let first = 3;
        let list: Vec<String> = (0..always.len()).map(|i| format!("${}", first + i)).collect();
        let exempt = if list.is_empty() { String::new() } else { format!("AND template NOT IN ({})", list.join(", ")) };
        let sql = format!(
            "UPDATE outbox SET status = (SELECT CASE p.mode WHEN 'digest' THEN 'held' ELSE 'skipped' END \
             FROM notification_preferences p WHERE p.user_id = outbox.recipient_user_id AND p.template = outbox.template) \
             WHERE status = 'pending' AND attempts = 0 AND lease_until IS NULL AND next_attempt_at <= $1 \
             AND recipient_user_id IS NOT NULL AND template <> $2 {exempt} \
             AND EXISTS (SELECT 1 FROM notification_preferences p WHERE p.user_id = outbox.recipient_user_id \
             AND p.template = outbox.template AND p.mode IN ('digest', 'off'))"
        );
        let mut query = sqlx::query(&sql).bind(to_micros(now)).bind(DIGEST_TEMPLATE);
        for t in always {
            query = query.bind(*t);
        }
        self.write_one(query).await
    }

    /// Gathers each person's held e-mails written before `cutoff` into their
    /// digest of `day`: one outbox row per person and day, made once; an
    /// e-mail held once that digest has left waits for the next. The number
    /// of e-mails gathered.
    pub async fn make_digests(&self, day: NaiveDate, cutoff: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64> {
        let users: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT o.recipient_user_id, u.email FROM outbox o JOIN users u ON u.id = o.recipient_user_id \
             WHERE o.status = 'held' AND o.created_at < $1",
        )
        .bind(to_micros(cutoff))
        .fetch_all(&self.pool)
        .await?;
        let mut gathered = 0;
        for (user, email) in users {
            let digest = format!("digest:{user}:{day}");
            let mut tx = self.begin_write().await?;
            let context =
                json!({"template": DIGEST_TEMPLATE, "entity": "user", "entity_id": user, "data": {"day": day}});
            sqlx::query(
                "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, \
                 status, attempts, next_attempt_at, created_at) VALUES ($1, 'user', $2, $3, $2, $4, $5, 'pending', 0, $6, $6) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&digest)
            .bind(&user)
            .bind(DIGEST_TEMPLATE)
            .bind(&email)
            .bind(context.to_string())
            .bind(to_micros(now))
            .execute(&mut **tx)
            .await?;
            let moved = sqlx::query(
                "UPDATE outbox SET status = 'digested', digest_id = $1 WHERE status = 'held' AND recipient_user_id = $2 \
                 AND created_at < $3 AND EXISTS (SELECT 1 FROM outbox d WHERE d.id = $1 AND d.status = 'pending' \
                 AND d.attempts = 0 AND d.lease_until IS NULL)",
            )
            .bind(&digest)
            .bind(&user)
            .bind(to_micros(cutoff))
            .execute(&mut **tx)
            .await?;
            gathered += moved.rows_affected();
            tx.commit().await?;
        }
        Ok(gathered)
    }

    /// The e-mails a digest gathers, oldest first.
    pub async fn digest_items(&self, digest: &str) -> Result<Vec<OutgoingMail>> {
        let rows = sqlx::query(
            "SELECT id, entity, entity_id, template, recipient_user_id, recipient_email, context, attempts, created_at \
             FROM outbox WHERE digest_id = $1 ORDER BY created_at, id",
        )
        .bind(digest)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(super::outbox::outgoing).collect())
    }
}
