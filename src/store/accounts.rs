//! Users, passwords and API sessions. Session tokens are stored as SHA-256
//! hashes only: a copy of the database gives no usable token.

use super::audit::{append, Entry};
use super::dossiers::rfc3339;
use super::dossiers::Listed;
use super::views::{CampaignView, UserView};
use super::{to_micros, Backend, Result, Store, StoreError};
use crate::engine::{Actor, Scope};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

impl Store {
    /// (user id, password hash) for an e-mail address.
    pub async fn credentials(&self, email: &str) -> Result<Option<(Uuid, String)>> {
        // A deactivated account is no account to log in with.
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1 AND deactivated_at IS NULL")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let id: String = r.get(0);
            Ok((Uuid::parse_str(&id).map_err(|e| StoreError::Invalid(e.to_string()))?, r.get(1)))
        })
        .transpose()
    }

    pub async fn password_hash(&self, user: Uuid) -> Result<String> {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { what: "user" })
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user: Uuid,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_session(&mut tx, (token_hash, expires), &user.to_string(), None, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor behind a live session, with their display name: one
    /// query per request (the grants and affiliations come back as JSON).
    pub async fn session_actor(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(Actor, String)>> {
        let sql = actor_query(
            self.backend(),
            "",
            "sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        );
        let Some(r) = sqlx::query(&sql).bind(token_hash).bind(to_micros(now)).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        Ok(Some(actor_of(&r)?))
    }

    pub async fn end_session(&self, token_hash: &str) -> Result<()> {
        self.write_one(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash)).await?;
        Ok(())
    }

    /// Sets a new password hash, ends every other session of the user and
    /// revokes their calendar address.
    pub async fn set_password(
        &self,
        user: Uuid,
        hash: &str,
        keep_session: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let id = user.to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(&id)
            .bind(keep_session)
            .execute(&mut **tx)
            .await?;
        // A calendar address is a credential too: someone who learnt the
        // old password may have made one.
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(&id).execute(&mut **tx).await?;
        // The hash itself never enters the audit trail.
        append(&mut tx, self.backend(), &Entry::new("user", &id, "change_password", actor, now).data(json!({})))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces an account's roles and/or (de)activates it, audited. A
    /// deactivated account's sessions and calendar address end at once.
    pub async fn update_account(
        &self,
        user: Uuid,
        grants: Option<&[crate::engine::Grant]>,
        active: Option<bool>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let before = self.user_view(user).await?;
        let id = user.to_string();
        let mut tx = self.begin_write().await?;
        if let Some(grants) = grants {
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(&id).execute(&mut **tx).await?;
            for g in grants {
                sqlx::query("INSERT INTO user_roles (user_id, role, scope) VALUES ($1, $2, $3)")
                    .bind(&id)
                    .bind(g.role.name())
                    .bind(g.scope.as_ref().map(ToString::to_string).unwrap_or_default())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        match active {
            Some(false) => {
                sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2 AND deactivated_at IS NULL")
                    .bind(to_micros(now))
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&id).execute(&mut **tx).await?;
                sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(&id).execute(&mut **tx).await?;
            }
            Some(true) => {
                sqlx::query("UPDATE users SET deactivated_at = NULL WHERE id = $1")
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
            }
            None => {}
        }
        let after_roles: Vec<String> = match grants {
            Some(g) => g.iter().map(ToString::to_string).collect(),
            None => before.roles.clone(),
        };
        let entry = Entry::new("user", &id, "update_account", actor, now)
            .before(json!({"roles": before.roles, "active": before.active}))
            .after(json!({"roles": after_roles, "active": active.unwrap_or(before.active)}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's display name (empty when unknown).
    pub async fn user_name(&self, user: Uuid) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?
            .unwrap_or_default())
    }

    pub async fn user_view(&self, user: Uuid) -> Result<UserView> {
        let id = user.to_string();
        let row = sqlx::query(
            "SELECT email, name, deactivated_at, CAST(LENGTH(password_hash) AS BIGINT) FROM users WHERE id = $1",
        )
        .bind(&id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "user" })?;
        let actor = self.actor(user).await?;
        Ok(UserView {
            id,
            email: row.get(0),
            name: row.get(1),
            active: row.get::<Option<i64>, _>(2).is_none(),
            password_set: row.get::<i64, _>(3) > 0,
            roles: actor.grants.iter().map(ToString::to_string).collect(),
            affiliations: actor.affiliations.iter().map(ToString::to_string).collect(),
        })
    }

    /// Accounts with their grants and affiliations, by name then id: those
    /// after `after` (a name and an id), whose name or address has every
    /// one of `filter.words` starting a word, holding `filter.role`, active
    /// or not as `filter.active` asks; `limit` at most.
    pub async fn users_listed(
        &self,
        filter: &UserFilter,
        after: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<Listed<UserView>>> {
        let mut sql = String::from(
            "SELECT id, email, name, deactivated_at, CAST(LENGTH(password_hash) AS BIGINT) FROM users u WHERE 1 = 1",
        );
        let mut binds: Vec<String> = Vec::new();
        for word in &filter.words {
            sql.push_str(&format!(" AND u.search_key LIKE {}", super::bind_next(&mut binds, format!("% {word}%"))));
        }
        if let Some(role) = &filter.role {
            let mark = super::bind_next(&mut binds, role.clone());
            sql.push_str(&format!(" AND u.id IN (SELECT user_id FROM user_roles WHERE role = {mark})"));
        }
        match filter.active {
            Some(true) => sql.push_str(" AND u.deactivated_at IS NULL"),
            Some(false) => sql.push_str(" AND u.deactivated_at IS NOT NULL"),
            None => {}
        }
        if let Some((name, id)) = after {
            let (n, i) = (super::bind_next(&mut binds, name.to_string()), super::bind_next(&mut binds, id.to_string()));
            sql.push_str(&format!(" AND (u.name > {n} OR (u.name = {n} AND u.id > {i}))"));
        }
        sql.push_str(&format!(" ORDER BY u.name, u.id LIMIT {}", limit.max(0)));
        let mut users: Vec<UserView> = self
            .fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| UserView {
                id: r.get(0),
                email: r.get(1),
                name: r.get(2),
                active: r.get::<Option<i64>, _>(3).is_none(),
                password_set: r.get::<i64, _>(4) > 0,
                roles: vec![],
                affiliations: vec![],
            })
            .collect();
        if !users.is_empty() {
            let index: std::collections::HashMap<String, usize> =
                users.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
            let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let list = marks.join(", ");
            let roles =
                format!("SELECT user_id, role, scope FROM user_roles WHERE user_id IN ({list}) ORDER BY role, scope");
            for r in self.fetch_with(&roles, &ids).await? {
                let (user, role, scope): (String, String, String) = (r.get(0), r.get(1), r.get(2));
                if let Some(&i) = index.get(&user) {
                    users[i].roles.push(if scope.is_empty() { role } else { format!("{role}@{scope}") });
                }
            }
            let affiliations = format!(
                "SELECT user_id, affiliation FROM user_affiliations WHERE user_id IN ({list}) ORDER BY affiliation"
            );
            for r in self.fetch_with(&affiliations, &ids).await? {
                if let Some(&i) = index.get(&r.get::<String, _>(0)) {
                    users[i].affiliations.push(r.get(1));
                }
            }
        }
        Ok(users.into_iter().map(|u| Listed { key: u.name.clone(), item: u }).collect())
    }

    /// (id, name) of the users holding one of `roles`, by name.
    pub async fn users_with_roles(&self, roles: &[&crate::workflow::Role]) -> Result<Vec<(String, String)>> {
        let names: Vec<String> = roles.iter().map(|r| r.name().to_string()).collect();
        let marks: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        if names.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT DISTINCT u.id, u.name FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role IN ({}) ORDER BY u.name, u.id",
            marks.join(", ")
        );
        let rows = self.fetch_with(&sql, &names).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub async fn campaigns(&self) -> Result<Vec<CampaignView>> {
        let rows = sqlx::query(
            "SELECT id, name, workflow, workflow_version, criteria, opens_at, closes_at, kinds, territory FROM campaigns \
             ORDER BY opens_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(campaign_view).collect())
    }

    pub async fn campaign_view(&self, id: Uuid) -> Result<CampaignView> {
        let row =
            sqlx::query(
                "SELECT id, name, workflow, workflow_version, criteria, opens_at, closes_at, kinds, territory FROM campaigns \
                 WHERE id = $1",
            )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound { what: "campaign" })?;
        Ok(campaign_view(&row))
    }
}

fn campaign_view(r: &sqlx::any::AnyRow) -> CampaignView {
    let kinds: String = r.get(7);
    CampaignView {
        id: r.get(0),
        name: r.get(1),
        workflow: r.get(2),
        workflow_version: r.get(3),
        criteria: r.get(4),
        opens_at: rfc3339(r.get(5)),
        closes_at: rfc3339(r.get(6)),
        kinds: kinds.split(',').filter(|k| !k.is_empty()).map(String::from).collect(),
        territory: r.get(8),
    }
}

impl Store {
    /// Replaces the user's calendar address (the old one stops working).
    pub async fn set_calendar_feed(&self, user: Uuid, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user.to_string()).execute(&mut **tx).await?;
        sqlx::query("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user.to_string())
            .bind(token_hash)
            .bind(super::to_micros(now))
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn revoke_calendar_feed(&self, user: Uuid) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user.to_string()).execute(&mut **tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// When the user's calendar address was made, if they have one.
    pub async fn calendar_feed_since(&self, user: Uuid) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> = sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(at.map(super::from_micros))
    }

    pub async fn calendar_feed_user(&self, token_hash: &str) -> Result<Option<Uuid>> {
        let user: Option<String> = sqlx::query_scalar(
            "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
             WHERE f.token_hash = $1 AND u.deactivated_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(user.and_then(|u| Uuid::parse_str(&u).ok()))
    }
}

/// Which accounts a list shows.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Folded words (see `crate::search`), each starting a word of the name
    /// or the address.
    pub words: Vec<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// The query reading an account's id, name, grants and affiliations (as
/// JSON, in one statement) from `from_where`, which binds its own values;
/// `extra` adds columns after those four.
pub(crate) fn actor_query(backend: Backend, extra: &str, from_where: &str) -> String {
    match backend {
        Backend::Sqlite => format!(
            "SELECT u.id, u.name, \
             (SELECT json_group_array(json_array(role, scope)) FROM (SELECT role, scope FROM user_roles \
               WHERE user_id = u.id ORDER BY role, scope)) AS grants, \
             (SELECT json_group_array(affiliation) FROM (SELECT affiliation FROM user_affiliations \
               WHERE user_id = u.id ORDER BY affiliation)) AS affiliations{extra} \
             FROM {from_where} AND u.deactivated_at IS NULL"
        ),
        Backend::Postgres => format!(
            "SELECT u.id, u.name, \
             (SELECT COALESCE(json_agg(json_build_array(role, scope) ORDER BY role, scope), '[]')::text \
               FROM user_roles WHERE user_id = u.id) AS grants, \
             (SELECT COALESCE(json_agg(affiliation ORDER BY affiliation), '[]')::text \
               FROM user_affiliations WHERE user_id = u.id) AS affiliations{extra} \
             FROM {from_where} AND u.deactivated_at IS NULL"
        ),
    }
}

/// A session row; `id_token` when it was opened through an identity
/// provider (the hint for logging out there).
pub(crate) async fn insert_session(
    tx: &mut sqlx::AnyConnection,
    (token_hash, expires): (&str, DateTime<Utc>),
    user: &str,
    id_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, id_token) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user)
    .bind(to_micros(now))
    .bind(to_micros(expires))
    .bind(id_token)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The actor and name of a row of [`actor_query`].
pub(crate) fn actor_of(r: &sqlx::any::AnyRow) -> Result<(Actor, String)> {
    let corrupt = |e: serde_json::Error| StoreError::Invalid(format!("corrupt account roles: {e}"));
    let grants: Vec<(String, String)> = serde_json::from_str(&r.get::<String, _>(2)).map_err(corrupt)?;
    let affiliations: Vec<String> = serde_json::from_str(&r.get::<String, _>(3)).map_err(corrupt)?;
    let actor = Actor {
        user_id: Some(super::records::parse_id(&r.get::<String, _>(0))?),
        grants: grants
            .into_iter()
            .map(|(role, scope)| crate::engine::Grant {
                role: crate::workflow::Role::new(role),
                scope: Scope::parse(&scope),
            })
            .collect(),
        affiliations: affiliations.iter().filter_map(|a| Scope::parse(a)).collect(),
        on_behalf_of: None,
        guest: None,
        workflows: None,
    };
    Ok((actor, r.get(1)))
}
