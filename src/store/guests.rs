//! Invitations of outside experts (`[guests]`): written with their e-mail
//! and their reminder (an outbox row due before the deadline) in one
//! transaction; answered once, in the transaction of the step the answer
//! takes; revoked by staff. As for password links, the mail worker makes
//! each token when it sends the e-mail and only its hash is kept here.

use super::apply::{apply_on, Applied};
use super::audit::{append, Entry};
use super::dossiers::rfc3339;
use super::{to_micros, Result, Store, StoreError};
use crate::engine::{Actor, Instance, Plan, Record};
use crate::workflow::guests::{INVITE_TEMPLATE, REMINDER_TEMPLATE};
use crate::workflow::Machine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use uuid::Uuid;

/// An invitation to write.
pub struct NewInvitation<'a> {
    pub dossier: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub question: &'a str,
    /// The answer's inputs the inviter sets.
    pub preset: &'a Map<String, Value>,
    pub confidential: bool,
    pub expires_at: DateTime<Utc>,
    /// When the reminder goes out, if one does.
    pub remind_at: Option<DateTime<Utc>>,
}

/// An invitation as staff read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: String,
    pub dossier_id: String,
    pub email: String,
    pub name: String,
    pub question: String,
    /// The inputs the inviter set.
    #[schema(value_type = Object)]
    pub preset: Map<String, Value>,
    /// Hidden from the dossier's owners, with what its answer wrote.
    pub confidential: bool,
    /// Who invited, by name.
    pub invited_by: String,
    pub created_at: String,
    /// The deadline: the link works until then.
    pub expires_at: String,
    /// open, answered, revoked or expired.
    pub status: String,
    pub answered_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The answer's text.
    pub answer: Option<String>,
    /// The answer's inputs (with the preset ones).
    #[schema(value_type = Object)]
    pub answer_input: Map<String, Value>,
    pub files: Vec<GuestFileView>,
}

impl InvitationView {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }

    pub fn dossier(&self) -> Uuid {
        Uuid::parse_str(&self.dossier_id).unwrap_or_default()
    }
}

/// A file joined to an answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuestFileView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

/// A file to join to an open invitation's answer.
pub struct NewGuestFile<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
}

const COLUMNS: &str =
    "g.id, g.dossier_id, g.email, g.name, g.question, g.preset, g.confidential, u.name, g.created_at, \
    g.expires_at, g.answered_at, g.revoked_at, g.answer_text, g.answer_input";

fn object(text: Option<String>) -> Map<String, Value> {
    text.and_then(|t| serde_json::from_str::<Map<String, Value>>(&t).ok()).unwrap_or_default()
}

fn view(r: &sqlx::any::AnyRow, now: DateTime<Utc>) -> InvitationView {
    let (expires, answered, revoked): (i64, Option<i64>, Option<i64>) = (r.get(9), r.get(10), r.get(11));
    let status = match (answered, revoked) {
        (Some(_), _) => "answered",
        (None, Some(_)) => "revoked",
        _ if expires <= to_micros(now) => "expired",
        _ => "open",
    };
    InvitationView {
        id: r.get(0),
        dossier_id: r.get(1),
        email: r.get(2),
        name: r.get(3),
        question: r.get(4),
        preset: object(r.get(5)),
        confidential: r.get::<i64, _>(6) != 0,
        invited_by: r.get::<Option<String>, _>(7).unwrap_or_default(),
        created_at: rfc3339(r.get(8)),
        expires_at: rfc3339(expires),
        status: status.into(),
        answered_at: answered.map(rfc3339),
        revoked_at: revoked.map(rfc3339),
        answer: r.get(12),
        answer_input: object(r.get(13)),
        files: vec![],
    }
}

async fn queue_mail(
    conn: &mut AnyConnection,
    id: &str,
    invitation: &str,
    template: &str,
    email: &str,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let context = json!({"template": template, "entity": "invitation", "entity_id": invitation, "data": {}});
    sqlx::query(
        "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, status, \
         attempts, next_attempt_at, created_at) VALUES ($1, 'invitation', $2, $3, NULL, $4, $5, 'pending', 0, $6, $7)",
    )
    .bind(id)
    .bind(invitation)
    .bind(template)
    .bind(email)
    .bind(context.to_string())
    .bind(to_micros(due))
    .bind(to_micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends an invitation's e-mails not sent yet (its reminder): the link
/// they would carry no longer works.
async fn cancel_mails(conn: &mut AnyConnection, invitation: &str) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = 'cancelled', lease_until = NULL WHERE entity = 'invitation' AND entity_id = $1 \
         AND status = 'pending'",
    )
    .bind(invitation)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Writes an invitation, its e-mail, its reminder and its audit entry
    /// (on the dossier's trail) in one transaction.
    pub async fn invite_guest(&self, new: &NewInvitation<'_>, actor: &Actor, now: DateTime<Utc>) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let key = id.to_string();
        let dossier = new.dossier.to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO guest_invitations (id, dossier_id, email, name, question, preset, confidential, invited_by, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&key)
        .bind(&dossier)
        .bind(new.email)
        .bind(new.name)
        .bind(new.question)
        .bind(Value::Object(new.preset.clone()).to_string())
        .bind(i64::from(new.confidential))
        .bind(actor.user_id.map(|u| u.to_string()).unwrap_or_default())
        .bind(to_micros(now))
        .bind(to_micros(new.expires_at))
        .execute(&mut **tx)
        .await?;
        queue_mail(&mut tx, &key, &key, INVITE_TEMPLATE, new.email, now, now).await?;
        if let Some(at) = new.remind_at {
            queue_mail(&mut tx, &format!("{key}:reminder"), &key, REMINDER_TEMPLATE, new.email, at, now).await?;
        }
        let entry = Entry::new("dossier", &dossier, "invite_guest", actor, now).data(json!({
            "invitation_id": key, "email": new.email, "name": new.name, "question": new.question,
            "preset": new.preset, "confidential": new.confidential, "expires_at": rfc3339(to_micros(new.expires_at)),
        }));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A dossier's invitations, newest first, with their files.
    pub async fn invitations(&self, dossier: Uuid, now: DateTime<Utc>) -> Result<Vec<InvitationView>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM guest_invitations g LEFT JOIN users u ON u.id = g.invited_by \
             WHERE g.dossier_id = $1 ORDER BY g.created_at DESC, g.id"
        ))
        .bind(dossier.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<InvitationView> = rows.iter().map(|r| view(r, now)).collect();
        let files = sqlx::query(
            "SELECT f.invitation_id, f.id, f.file_name, f.content_type, f.size, f.sha256, f.uploaded_at \
             FROM guest_answer_files f JOIN guest_invitations g ON g.id = f.invitation_id WHERE g.dossier_id = $1 \
             ORDER BY f.uploaded_at, f.id",
        )
        .bind(dossier.to_string())
        .fetch_all(&self.pool)
        .await?;
        for f in &files {
            let of: String = f.get(0);
            if let Some(inv) = out.iter_mut().find(|i| i.id == of) {
                inv.files.push(file_view(f, 1));
            }
        }
        Ok(out)
    }

    /// One invitation, with its files.
    pub async fn invitation(&self, id: Uuid, now: DateTime<Utc>) -> Result<InvitationView> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM guest_invitations g LEFT JOIN users u ON u.id = g.invited_by WHERE g.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "invitation" })?;
        let mut out = view(&row, now);
        let files = sqlx::query(
            "SELECT id, file_name, content_type, size, sha256, uploaded_at FROM guest_answer_files \
             WHERE invitation_id = $1 ORDER BY uploaded_at, id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        out.files = files.iter().map(|f| file_view(f, 0)).collect();
        Ok(out)
    }

    /// Revokes an open invitation: its link stops working, its reminder is
    /// not sent; audited. False when it was no longer open.
    pub async fn revoke_invitation(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<bool> {
        let key = id.to_string();
        let mut tx = self.begin_write().await?;
        let dossier: Option<String> = sqlx::query_scalar(
            "UPDATE guest_invitations SET revoked_at = $1 WHERE id = $2 AND answered_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $1 RETURNING dossier_id",
        )
        .bind(to_micros(now))
        .bind(&key)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(dossier) = dossier else { return Ok(false) };
        cancel_mails(&mut tx, &key).await?;
        let entry = Entry::new("dossier", &dossier, "revoke_guest", actor, now).data(json!({"invitation_id": key}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Joins a file to an open invitation's answer, up to `max` files;
    /// `None` when the invitation is no longer open or has them all.
    pub async fn add_guest_file(
        &self,
        invitation: Uuid,
        file: &NewGuestFile<'_>,
        max: usize,
        now: DateTime<Utc>,
    ) -> Result<Option<GuestFileView>> {
        let id = Uuid::new_v4().to_string();
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO guest_answer_files (id, invitation_id, file_name, content_type, size, sha256, uploaded_at) \
             SELECT $1, g.id, $3, $4, $5, $6, $7 FROM guest_invitations g WHERE g.id = $2 AND g.answered_at IS NULL \
             AND g.revoked_at IS NULL AND g.expires_at > $7 \
             AND (SELECT COUNT(*) FROM guest_answer_files f WHERE f.invitation_id = g.id) < $8",
        )
        .bind(&id)
        .bind(invitation.to_string())
        .bind(file.file_name)
        .bind(file.content_type)
        .bind(file.size)
        .bind(file.sha256)
        .bind(to_micros(now))
        .bind(max as i64)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok((added.rows_affected() == 1).then(|| GuestFileView {
            id,
            file_name: file.file_name.to_string(),
            content_type: file.content_type.to_string(),
            size: file.size,
            sha256: file.sha256.to_string(),
            uploaded_at: rfc3339(to_micros(now)),
        }))
    }

    /// Answers invitation `invitation` with the step `decide` plans on its
    /// dossier: the step, the answer and its audit entry (naming the
    /// expert) in one transaction, the invitation used only if the step
    /// applies. `None` when the invitation was no longer open (answered
    /// meanwhile, revoked, past its deadline): nothing is written.
    pub async fn answer_invitation<E: From<StoreError>>(
        &self,
        invitation: &InvitationView,
        text: &str,
        decide: impl FnOnce(&Instance) -> std::result::Result<Plan, E>,
    ) -> std::result::Result<Option<(Plan, Applied)>, E> {
        let instance = self.instance(Machine::Dossier, invitation.dossier()).await?;
        let plan = decide(&instance)?;
        let written: Vec<(&str, &str)> = plan
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Declared { name, key: Some(key), .. } => Some((name.as_str(), key.as_str())),
                _ => None,
            })
            .collect();
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "UPDATE guest_invitations SET answered_at = $1, answer_text = $2, answer_input = $3, written = $4 \
             WHERE id = $5 AND answered_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(to_micros(plan.at))
        .bind(text)
        .bind(Value::Object(plan.data.clone()).to_string())
        .bind(json!(written).to_string())
        .bind(&invitation.id)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from)?;
        if taken.rows_affected() == 0 {
            return Ok(None);
        }
        let applied = apply_on(&mut tx, &plan).await?;
        cancel_mails(&mut tx, &invitation.id).await?;
        let files = sqlx::query(
            "SELECT file_name, sha256, size FROM guest_answer_files WHERE invitation_id = $1 ORDER BY uploaded_at, id",
        )
        .bind(&invitation.id)
        .fetch_all(&mut **tx)
        .await
        .map_err(StoreError::from)?;
        let files: Vec<Value> = files
            .iter()
            .map(|f| json!({"file_name": f.get::<String, _>(0), "sha256": f.get::<String, _>(1), "size": f.get::<i64, _>(2)}))
            .collect();
        let entry = Entry {
            entity: "dossier".into(),
            entity_id: invitation.dossier_id.clone(),
            action: "guest_answer".into(),
            actor: plan.actor.clone(),
            on_behalf_of: None,
            at: plan.at,
            before: Value::Null,
            after: Value::Null,
            data: json!({"invitation_id": invitation.id, "name": invitation.name, "email": invitation.email,
                "event": plan.event, "text": text, "files": files}),
        };
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(Some((plan, applied)))
    }

    /// The records that answers to confidential invitations wrote on a
    /// dossier: (record, key).
    pub async fn confidential_records(&self, dossier: Uuid) -> Result<Vec<(String, String)>> {
        let rows: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT written FROM guest_invitations WHERE dossier_id = $1 AND confidential = 1 AND answered_at IS NOT NULL",
        )
        .bind(dossier.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .flatten()
            .filter_map(|w| serde_json::from_str::<Vec<(String, String)>>(&w).ok())
            .flatten()
            .collect())
    }
}

fn file_view(r: &sqlx::any::AnyRow, from: usize) -> GuestFileView {
    GuestFileView {
        id: r.get(from),
        file_name: r.get(from + 1),
        content_type: r.get(from + 2),
        size: r.get(from + 3),
        sha256: r.get(from + 4),
        uploaded_at: rfc3339(r.get(from + 5)),
    }
}
