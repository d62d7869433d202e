//! Co-owners of a dossier: an owner invites an address by e-mail; the
//! link (its token made by the mail worker, only its hash kept) makes the
//! person an owner once, opening their account if they have none, all in
//! one transaction with its audit entry.

use super::audit::{append, Entry};
use super::dossiers::rfc3339;
use super::records::{insert_user, NewUser};
use super::{to_micros, Result, Store, StoreError};
use crate::engine::Actor;
use crate::workflow::Role;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

/// The e-mail carrying the link.
pub const CO_OWNER_TEMPLATE: &str = "co_owner_invite";

/// An invitation to co-own a dossier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoOwnerInvitation {
    pub id: String,
    pub dossier_id: String,
    pub email: String,
    /// Who invited, by name.
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
    /// open, accepted, revoked or expired.
    pub status: String,
    pub accepted_at: Option<String>,
}

impl CoOwnerInvitation {
    pub fn dossier(&self) -> Uuid {
        Uuid::parse_str(&self.dossier_id).unwrap_or_default()
    }
}

/// An owner of a dossier, as its owners and staff read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnerView {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// Who accepts: an account of the invited address, or a new one.
pub enum Acceptor<'a> {
    Existing(Uuid),
    New(&'a NewUser),
}

const COLUMNS: &str = "i.id, i.dossier_id, i.email, u.name, i.created_at, i.expires_at, i.accepted_at, i.revoked_at";

fn view(r: &sqlx::any::AnyRow, now: DateTime<Utc>) -> CoOwnerInvitation {
    let (expires, accepted, revoked): (i64, Option<i64>, Option<i64>) = (r.get(5), r.get(6), r.get(7));
    let status = match (accepted, revoked) {
        (Some(_), _) => "accepted",
        (None, Some(_)) => "revoked",
        _ if expires <= to_micros(now) => "expired",
        _ => "open",
    };
    CoOwnerInvitation {
        id: r.get(0),
        dossier_id: r.get(1),
        email: r.get(2),
        invited_by: r.get::<Option<String>, _>(3).unwrap_or_default(),
        created_at: rfc3339(r.get(4)),
        expires_at: rfc3339(expires),
        status: status.into(),
        accepted_at: accepted.map(rfc3339),
    }
}

impl Store {
    /// Writes an invitation and its e-mail, ending an earlier open one to
    /// the same address on the same dossier; audited on the dossier.
    pub async fn invite_co_owner(
        &self,
        dossier: Uuid,
        email: &str,
        expires: DateTime<Utc>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let (key, of) = (id.to_string(), dossier.to_string());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE co_owner_invitations SET revoked_at = $1 WHERE dossier_id = $2 AND email = $3 \
             AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(to_micros(now))
        .bind(&of)
        .bind(email)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO co_owner_invitations (id, dossier_id, email, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&key)
        .bind(&of)
        .bind(email)
        .bind(actor.user_id.map(|u| u.to_string()).unwrap_or_default())
        .bind(to_micros(now))
        .bind(to_micros(expires))
        .execute(&mut **tx)
        .await?;
        let context = json!({"template": CO_OWNER_TEMPLATE, "entity": "co_owner", "entity_id": key, "data": {}});
        sqlx::query(
            "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, status, \
             attempts, next_attempt_at, created_at) VALUES ($1, 'co_owner', $1, $2, NULL, $3, $4, 'pending', 0, $5, $5)",
        )
        .bind(&key)
        .bind(CO_OWNER_TEMPLATE)
        .bind(email)
        .bind(context.to_string())
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        let entry = Entry::new("dossier", &of, "invite_co_owner", actor, now)
            .data(json!({"invitation_id": key, "email": email, "expires_at": rfc3339(to_micros(expires))}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A dossier's invitations, newest first.
    pub async fn co_owner_invitations(&self, dossier: Uuid, now: DateTime<Utc>) -> Result<Vec<CoOwnerInvitation>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM co_owner_invitations i LEFT JOIN users u ON u.id = i.invited_by \
             WHERE i.dossier_id = $1 ORDER BY i.created_at DESC, i.id"
        ))
        .bind(dossier.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| view(r, now)).collect())
    }

    pub async fn co_owner_invitation(&self, id: Uuid, now: DateTime<Utc>) -> Result<CoOwnerInvitation> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM co_owner_invitations i LEFT JOIN users u ON u.id = i.invited_by WHERE i.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "invitation" })?;
        Ok(view(&row, now))
    }

    /// Revokes an open invitation; audited. False when it was no longer open.
    pub async fn revoke_co_owner(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<bool> {
        let key = id.to_string();
        let mut tx = self.begin_write().await?;
        let dossier: Option<String> = sqlx::query_scalar(
            "UPDATE co_owner_invitations SET revoked_at = $1 WHERE id = $2 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $1 RETURNING dossier_id",
        )
        .bind(to_micros(now))
        .bind(&key)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(dossier) = dossier else { return Ok(false) };
        let entry = Entry::new("dossier", &dossier, "revoke_co_owner", actor, now).data(json!({"invitation_id": key}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Accepts an open invitation: the account (opened if new) holds
    /// `owner_role` and owns the dossier; once only, audited on the
    /// dossier as the new owner's act. None when no longer open.
    pub async fn accept_co_owner(
        &self,
        invitation: &CoOwnerInvitation,
        acceptor: Acceptor<'_>,
        owner_role: &Role,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "UPDATE co_owner_invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(to_micros(now))
        .bind(&invitation.id)
        .execute(&mut **tx)
        .await?;
        if taken.rows_affected() == 0 {
            return Ok(None);
        }
        let (user, opened) = match acceptor {
            Acceptor::Existing(user) => (user, false),
            Acceptor::New(new) => (insert_user(&mut tx, new, &Actor::system(), now).await?, true),
        };
        let user_key = user.to_string();
        sqlx::query("UPDATE co_owner_invitations SET accepted_by = $1 WHERE id = $2")
            .bind(&user_key)
            .bind(&invitation.id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO user_roles (user_id, role, scope) VALUES ($1, $2, '') ON CONFLICT (user_id, role, scope) DO NOTHING",
        )
        .bind(&user_key)
        .bind(owner_role.name())
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO dossier_owners (dossier_id, user_id) VALUES ($1, $2) ON CONFLICT (dossier_id, user_id) DO NOTHING",
        )
        .bind(&invitation.dossier_id)
        .bind(&user_key)
        .execute(&mut **tx)
        .await?;
        let entry = Entry::new("dossier", &invitation.dossier_id, "add_co_owner", &Actor::user(user, vec![]), now)
            .data(json!({"invitation_id": invitation.id, "user_id": user_key, "email": invitation.email,
                "account_opened": opened, "role": owner_role.name()}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// A dossier's owners, by name.
    pub async fn owners_of(&self, dossier: Uuid) -> Result<Vec<OwnerView>> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.email FROM dossier_owners o JOIN users u ON u.id = o.user_id \
             WHERE o.dossier_id = $1 ORDER BY u.name, u.id",
        )
        .bind(dossier.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| OwnerView { id: r.get(0), name: r.get(1), email: r.get(2) }).collect())
    }
}
