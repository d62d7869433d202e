//! Erasing an account's personal data on request: the account's identity
//! and credentials, what the person wrote in messages, the e-mails sent to
//! them, and the sealed audit values about them or entered by them; in one
//! transaction, recorded in the account's own trail.

use super::audit::{append, erase_values, Entry, ERASURE_ACTION, SEALED};
use super::{to_micros, Result, Store, StoreError};
use crate::engine::Actor;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

/// What an erasure did.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Erasure {
    /// Audit entries whose values about the person were erased (their
    /// digests stay: the trail still verifies).
    pub erased_entries: i64,
    /// Audit entries written before values were sealed: their values are
    /// inside their hash and stay.
    pub kept_entries: i64,
}

/// The address an erased account is left with: unique, and in a domain
/// that never receives mail.
fn placeholder_address(id: &str) -> String {
    format!("efface-{id}@{ERASED_DOMAIN}")
}

const ERASED_DOMAIN: &str = "labelflow.invalid";

/// Whether `email` is an erased account's address.
pub fn is_erased_address(email: &str) -> bool {
    email.starts_with("efface-") && email.ends_with(&format!("@{ERASED_DOMAIN}"))
}

impl Store {
    pub async fn erase_account(&self, user: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<Erasure> {
        let id = user.to_string();
        let who = format!("user:{id}");
        let at = to_micros(now);
        let mut tx = self.begin_write().await?;
        let known = sqlx::query("SELECT 1 FROM users WHERE id = $1").bind(&id).fetch_optional(&mut **tx).await?;
        if known.is_none() {
            return Err(StoreError::NotFound { what: "user" });
        }
        // The account's own trail holds its identity in every value; on the
        // other trails, what the person entered is the entry's data.
        let rows = sqlx::query(
            "SELECT seq, entity, entity_id, salts, digests FROM audit WHERE erased_at IS NULL AND action <> $3 \
             AND ((entity = 'user' AND entity_id = $1) OR actor = $2 OR on_behalf_of = $2) ORDER BY seq",
        )
        .bind(&id)
        .bind(&who)
        .bind(ERASURE_ACTION)
        .fetch_all(&mut **tx)
        .await?;
        let (mut erased, mut kept) = (Vec::new(), 0i64);
        for r in &rows {
            let seq: i64 = r.get(0);
            if r.get::<Option<String>, _>(4).is_none() {
                kept += 1;
                continue;
            }
            let own = r.get::<String, _>(1) == "user" && r.get::<String, _>(2) == id;
            let fields: &[&str] = if own { &SEALED } else { &["data"] };
            erase_values(&mut tx, seq, r.get::<Option<String>, _>(3).as_deref(), fields, now).await?;
            erased.push(seq);
        }
        let placeholder = placeholder_address(&id);
        sqlx::query(
            "UPDATE users SET email = $1, name = $2, password_hash = '!', search_key = '', \
             deactivated_at = COALESCE(deactivated_at, $3) WHERE id = $4",
        )
        .bind(&placeholder)
        .bind("Compte effacé")
        .bind(at)
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        for table in [
            "sessions",
            "api_tokens",
            "calendar_feeds",
            "notification_preferences",
            "user_identities",
            "password_links",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1")).bind(&id).execute(&mut **tx).await?;
        }
        // What they wrote, and the e-mails that carried it to others.
        let written: Vec<String> = sqlx::query_scalar("SELECT id FROM dossier_messages WHERE author_id = $1")
            .bind(&id)
            .fetch_all(&mut **tx)
            .await?;
        for message in &written {
            let carried = sqlx::query("SELECT id, context FROM outbox WHERE context LIKE $1")
                .bind(format!("%\"cause\":\"message:{message}\"%"))
                .fetch_all(&mut **tx)
                .await?;
            for row in carried {
                let mut context: Value = serde_json::from_str(&row.get::<String, _>(1)).unwrap_or(Value::Null);
                if let Some(data) = context.get_mut("data").and_then(Value::as_object_mut) {
                    data.insert("message".into(), Value::String(String::new()));
                }
                sqlx::query("UPDATE outbox SET context = $1 WHERE id = $2")
                    .bind(context.to_string())
                    .bind(row.get::<String, _>(0))
                    .execute(&mut **tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE dossier_messages SET body = '' WHERE author_id = $1").bind(&id).execute(&mut **tx).await?;
        // E-mails to them: the address and the content go; the rows stay
        // (a message id is never sent twice), and none is sent any more.
        sqlx::query(
            "UPDATE outbox SET recipient_email = '', context = '{}', lease_until = NULL, \
             status = CASE WHEN status = 'sent' THEN 'sent' ELSE 'erased' END WHERE recipient_user_id = $1",
        )
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        let summary = Erasure { erased_entries: erased.len() as i64, kept_entries: kept };
        let record =
            Entry::new("user", &id, ERASURE_ACTION, actor, now).data(json!({"entries": erased, "kept_entries": kept}));
        append(&mut tx, self.backend(), &record).await?;
        tx.commit().await?;
        Ok(summary)
    }
}
