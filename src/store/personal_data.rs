//! Everything held about one person, for them to download: their account,
//! settings and credentials (never a secret), the dossiers they own, what
//! they wrote (reviews, messages), the e-mails sent to them and the actions
//! they took. Others' data is left out: a dossier is listed by its title and
//! state, an action by what and when, without the data it carried.

use super::dossiers::rfc3339;
use super::{Result, Store};
use serde_json::{json, Value};
use sqlx::Row;
use uuid::Uuid;

impl Store {
    pub async fn personal_data(&self, user: Uuid) -> Result<Value> {
        let id = user.to_string();
        let rows = |sql: &'static str| {
            let id = id.clone();
            async move { sqlx::query(sql).bind(id).fetch_all(&self.pool).await }
        };
        let instant = |r: &sqlx::any::AnyRow, i: usize| r.get::<Option<i64>, _>(i).map(rfc3339);
        let preferences: Vec<Value> =
            rows("SELECT template, mode FROM notification_preferences WHERE user_id = $1 ORDER BY template")
                .await?
                .iter()
                .map(|r| json!({"template": r.get::<String, _>(0), "mode": r.get::<String, _>(1)}))
                .collect();
        let sessions: Vec<Value> =
            rows("SELECT created_at, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at")
                .await?
                .iter()
                .map(|r| json!({"created_at": instant(r, 0), "expires_at": instant(r, 1)}))
                .collect();
        let calendar = rows("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
            .await?
            .first()
            .map(|r| json!({"created_at": instant(r, 0)}));
        let dossiers: Vec<Value> = rows(
            "SELECT d.id, d.workflow, d.title, d.state, d.created_at FROM dossiers d \
             JOIN dossier_owners o ON o.dossier_id = d.id WHERE o.user_id = $1 ORDER BY d.created_at, d.id",
        )
        .await?
        .iter()
        .map(|r| {
            json!({"id": r.get::<String, _>(0), "workflow": r.get::<String, _>(1), "title": r.get::<String, _>(2),
                   "state": r.get::<String, _>(3), "created_at": instant(r, 4)})
        })
        .collect();
        let reviews: Vec<Value> = rows(
            "SELECT dossier_id, scores, comment, submitted_at FROM reviews WHERE reviewer_id = $1 \
             ORDER BY submitted_at, dossier_id",
        )
        .await?
        .iter()
        .map(|r| {
            let scores: Value = serde_json::from_str(&r.get::<String, _>(1)).unwrap_or(Value::Null);
            json!({"dossier_id": r.get::<String, _>(0), "scores": scores, "comment": r.get::<String, _>(2),
                   "submitted_at": instant(r, 3)})
        })
        .collect();
        let messages: Vec<Value> = rows(
            "SELECT dossier_id, body, private, created_at FROM dossier_messages WHERE author_id = $1 \
             ORDER BY created_at, id",
        )
        .await?
        .iter()
        .map(|r| {
            json!({"dossier_id": r.get::<String, _>(0), "body": r.get::<String, _>(1),
                   "private": r.get::<i64, _>(2) != 0, "created_at": instant(r, 3)})
        })
        .collect();
        let emails: Vec<Value> = rows(
            "SELECT template, entity, entity_id, status, created_at, sent_at FROM outbox \
             WHERE recipient_user_id = $1 ORDER BY created_at, id",
        )
        .await?
        .iter()
        .map(|r| {
            json!({"template": r.get::<String, _>(0), "about": r.get::<String, _>(1),
                   "about_id": r.get::<String, _>(2), "status": r.get::<String, _>(3),
                   "created_at": instant(r, 4), "sent_at": instant(r, 5)})
        })
        .collect();
        let actions: Vec<Value> = sqlx::query(
            "SELECT at, entity, entity_id, action, actor, seq FROM audit WHERE actor = $1 \
             UNION SELECT at, entity, entity_id, action, actor, seq FROM audit WHERE on_behalf_of = $1 ORDER BY 6",
        )
        .bind(format!("user:{id}"))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            json!({"at": instant(r, 0), "entity": r.get::<String, _>(1), "entity_id": r.get::<String, _>(2),
                   "action": r.get::<String, _>(3), "by_yourself": r.get::<String, _>(4) == format!("user:{id}")})
        })
        .collect();
        Ok(json!({
            "preferences": preferences,
            "sessions": sessions,
            "calendar_feed": calendar,
            "api_tokens": self.api_tokens(Some(user)).await?,
            "sign_on_identities": self.identities_of(user).await?,
            "dossiers_owned": dossiers,
            "reviews_written": reviews,
            "messages_written": messages,
            "emails_received": emails,
            "actions": actions,
        }))
    }
}
