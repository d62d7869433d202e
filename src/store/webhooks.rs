//! Webhooks and their deliveries: registered and deleted by administrators
//! (audited), written with the step that announces them, leased by the
//! webhook worker while it posts them, retried, and kept when they die.

use super::audit::{append, Entry};
use super::dossiers::{rfc3339, Listed};
use super::{to_micros, Result, Store, StoreError};
use crate::engine::{Actor, Plan};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use uuid::Uuid;

/// A webhook as administrators see it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// The kinds it is told of.
    pub events: Vec<String>,
    /// The one workflow it hears from; every workflow when absent.
    pub workflow: Option<String>,
    pub created_at: String,
    pub deleted_at: Option<String>,
    /// Deliveries waiting to be posted (first attempt or retry).
    pub pending: i64,
    /// Deliveries that exhausted their attempts.
    pub dead: i64,
}

/// A delivery as administrators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The delivery id, sent in the body and in `X-Labelflow-Delivery`:
    /// the same at every attempt.
    pub id: String,
    pub webhook_id: Uuid,
    pub kind: String,
    /// pending, delivered, dead, or cancelled (its webhook was deleted).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
    /// The body posted, without its id and kind.
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// A delivery leased for posting, with where and how to sign it.
#[derive(Debug, Clone)]
pub struct OutgoingDelivery {
    pub id: String,
    pub kind: String,
    pub workflow: String,
    pub payload: Value,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
}

pub struct NewWebhook {
    pub url: String,
    pub description: String,
    pub secret: String,
    pub workflow: Option<String>,
    pub events: Vec<String>,
}

const COLUMNS: &str = "w.id, w.url, w.description, w.workflow, w.created_at, w.deleted_at, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending'), \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'dead'), w.events";

const DELIVERY_COLUMNS: &str =
    "id, webhook_id, kind, status, attempts, last_error, created_at, next_attempt_at, delivered_at, payload";

fn delivery_view(r: &sqlx::any::AnyRow) -> Result<DeliveryView> {
    let status: String = r.get(3);
    Ok(DeliveryView {
        id: r.get(0),
        webhook_id: super::records::parse_id(&r.get::<String, _>(1))?,
        kind: r.get(2),
        attempts: r.get(4),
        last_error: r.get(5),
        created_at: rfc3339(r.get(6)),
        next_attempt_at: (status == "pending").then(|| rfc3339(r.get(7))),
        delivered_at: r.get::<Option<i64>, _>(8).map(rfc3339),
        payload: serde_json::from_str(&r.get::<String, _>(9)).unwrap_or(Value::Null),
        status,
    })
}

fn webhook_views(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<WebhookView>> {
    rows.iter()
        .map(|r| {
            let workflow: String = r.get(3);
            Ok(WebhookView {
                id: super::records::parse_id(&r.get::<String, _>(0))?,
                url: r.get(1),
                description: r.get(2),
                events: serde_json::from_str(&r.get::<String, _>(8)).unwrap_or_default(),
                workflow: (!workflow.is_empty()).then_some(workflow),
                created_at: rfc3339(r.get(4)),
                deleted_at: r.get::<Option<i64>, _>(5).map(rfc3339),
                pending: r.get(6),
                dead: r.get(7),
            })
        })
        .collect()
}

/// Writes one delivery per subscriber of each kind the step announces, in
/// one statement, in the step's transaction: a step committed is announced,
/// a step rolled back is not. Delivery ids are `STEP:KIND:WEBHOOK`, `STEP`
/// new for each step, so the id is the same at every attempt.
pub(crate) async fn enqueue(conn: &mut AnyConnection, plan: &Plan, label_id: Option<Uuid>) -> Result<()> {
    let kinds = crate::webhooks::kinds_of(plan);
    let table = match plan.machine {
        crate::workflow::Machine::Dossier => "dossiers",
        crate::workflow::Machine::Label => "labels",
    };
    let marks: Vec<String> = (0..kinds.len()).map(|n| format!("${}", n + 5)).collect();
    let sql = format!(
        "INSERT INTO webhook_deliveries (id, webhook_id, kind, workflow, payload, status, attempts, next_attempt_at, created_at) \
         SELECT $1 || ':' || s.kind || ':' || s.webhook_id, s.webhook_id, s.kind, i.workflow, $2, 'pending', 0, $3, $3 \
         FROM webhook_subscriptions s JOIN {table} i ON i.id = $4 \
         WHERE s.kind IN ({}) AND (s.workflow = '' OR s.workflow = i.workflow)",
        marks.join(", ")
    );
    let payload = crate::webhooks::payload(plan, label_id).to_string();
    let mut query = sqlx::query(&sql)
        .bind(Uuid::new_v4().to_string())
        .bind(payload)
        .bind(to_micros(plan.at))
        .bind(plan.instance_id.to_string());
    for kind in kinds {
        query = query.bind(kind);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    pub async fn create_webhook(&self, hook: &NewWebhook, actor: &Actor, now: DateTime<Utc>) -> Result<WebhookView> {
        let id = Uuid::new_v4();
        let workflow = hook.workflow.clone().unwrap_or_default();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO webhooks (id, url, description, secret, workflow, events, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(&hook.url)
        .bind(&hook.description)
        .bind(&hook.secret)
        .bind(&workflow)
        .bind(json!(hook.events).to_string())
        .bind(actor.audit_name())
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        for kind in &hook.events {
            sqlx::query("INSERT INTO webhook_subscriptions (kind, webhook_id, workflow) VALUES ($1, $2, $3)")
                .bind(kind)
                .bind(id.to_string())
                .bind(&workflow)
                .execute(&mut **tx)
                .await?;
        }
        // The secret stays out of the audit trail, as a password does.
        let data = json!({"url": hook.url, "description": hook.description, "events": hook.events,
                          "workflow": hook.workflow});
        append(&mut tx, self.backend(), &Entry::new("webhook", &id.to_string(), "create", actor, now).data(data))
            .await?;
        tx.commit().await?;
        self.webhook(id).await
    }

    pub async fn webhook(&self, id: Uuid) -> Result<WebhookView> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM webhooks w WHERE w.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { what: "webhook" })?;
        let mut hooks = webhook_views(vec![row])?;
        Ok(hooks.remove(0))
    }

    /// Every webhook, live ones first, newest first.
    pub async fn webhooks(&self) -> Result<Vec<WebhookView>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhooks w ORDER BY w.deleted_at IS NOT NULL, w.created_at DESC, w.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        webhook_views(rows)
    }

    /// Deletes a webhook, audited: it hears of nothing more, and what it was
    /// still to be told is cancelled. False when it was deleted already.
    pub async fn delete_webhook(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<bool> {
        self.webhook(id).await?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(to_micros(now))
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected()
            > 0;
        if done {
            sqlx::query("DELETE FROM webhook_subscriptions WHERE webhook_id = $1")
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
            let cancelled = sqlx::query(
                "UPDATE webhook_deliveries SET status = 'cancelled', lease_until = NULL \
                 WHERE webhook_id = $1 AND status = 'pending'",
            )
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            let entry =
                Entry::new("webhook", &id.to_string(), "delete", actor, now).data(json!({"cancelled": cancelled}));
            append(&mut tx, self.backend(), &entry).await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Leases up to `limit` of the oldest due deliveries not leased by
    /// another worker, for `lease` (the post happens outside the database).
    pub async fn lease_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: usize,
    ) -> Result<Vec<OutgoingDelivery>> {
        let columns = "id, webhook_id, kind, workflow, payload, attempts, created_at";
        let rows = super::queue::lease(self, "webhook_deliveries", columns, now, lease, limit).await?;
        let mut leased = Vec::with_capacity(rows.len());
        let mut targets: Vec<(String, String, String)> = Vec::new();
        for r in &rows {
            let webhook: String = r.get(1);
            if !targets.iter().any(|(id, ..)| *id == webhook) {
                let target = sqlx::query("SELECT url, secret FROM webhooks WHERE id = $1")
                    .bind(&webhook)
                    .fetch_one(&self.pool)
                    .await?;
                targets.push((webhook.clone(), target.get(0), target.get(1)));
            }
            let (_, url, secret) = targets.iter().find(|(id, ..)| *id == webhook).expect("read above");
            leased.push((
                r.get::<i64, _>(6),
                OutgoingDelivery {
                    id: r.get(0),
                    kind: r.get(2),
                    workflow: r.get(3),
                    payload: serde_json::from_str(&r.get::<String, _>(4)).unwrap_or(Value::Null),
                    attempts: r.get(5),
                    url: url.clone(),
                    secret: secret.clone(),
                },
            ));
        }
        leased.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
        Ok(leased.into_iter().map(|(_, d)| d).collect())
    }

    /// Gives back leases not used (a worker stopping with deliveries in hand).
    pub async fn release_deliveries(&self, ids: &[String]) -> Result<()> {
        super::queue::release(self, "webhook_deliveries", ids).await
    }

    /// Releases every lease, at start-up when no other instance runs on
    /// this database (as [`Store::release_mail_leases`]).
    pub async fn release_delivery_leases(&self) -> Result<u64> {
        super::queue::release_all(self, "webhook_deliveries").await
    }

    pub async fn delivery_done(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        self.write_one(
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $1, attempts = attempts + 1, \
                 lease_until = NULL, last_error = NULL WHERE id = $2 AND status = 'pending'",
            )
            .bind(to_micros(now))
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or dead.
    pub async fn delivery_failed(&self, id: &str, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let (status, at) = match retry_at {
            Some(at) => ("pending", to_micros(at)),
            None => ("dead", 0),
        };
        self.write_one(
            sqlx::query(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $1, status = $2, \
                 next_attempt_at = CASE WHEN $2 = 'pending' THEN $3 ELSE next_attempt_at END, lease_until = NULL \
                 WHERE id = $4 AND status = 'pending'",
            )
            .bind(error)
            .bind(status)
            .bind(at)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// A webhook's deliveries, newest first: of `status` if given, those
    /// before `before` (a creation time and an id), `limit` at most.
    pub async fn webhook_deliveries(
        &self,
        webhook: Uuid,
        status: Option<&str>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<Listed<DeliveryView>>> {
        let (at, id) = before.unwrap_or((i64::MAX, ""));
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 \
             AND (created_at < $2 OR (created_at = $2 AND id < $3) OR $3 = '') AND ($5 = '' OR status = $5) \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(webhook.to_string())
        .bind(at)
        .bind(id)
        .bind(limit.max(0))
        .bind(status.unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(Listed { key: r.get::<i64, _>(6).to_string(), item: delivery_view(r)? })).collect()
    }

    /// Puts a dead delivery back in the queue, due now, with fresh attempts.
    pub async fn retry_delivery(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        super::queue::retry_dead(self, "webhook_deliveries", id, now, "dead delivery").await
    }
}
