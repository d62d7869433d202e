//! A dossier's message thread: messages written with their e-mails to the
//! other side (one transaction, audited), and how far each reader has read.

use super::audit::{append, Entry};
use super::dossiers::rfc3339;
use super::{to_micros, Backend, Result, Store};
use crate::engine::{Actor, Message};
use crate::workflow::Machine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::workflow::messages::MESSAGE_TEMPLATE;
/// The e-mail telling someone a private note mentions them.
pub const NOTE_TEMPLATE: &str = "note_mention";

/// A message as its readers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    /// `owners` or `staff`: the side that wrote it.
    pub side: String,
    /// A note among the staff, never shown to the owners.
    pub private: bool,
    pub author_id: String,
    pub author: String,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
    /// Who of the other side has read it, by name.
    pub read_by: Vec<String>,
    /// Not yet read by the caller (never one's own).
    pub unread: bool,
}

/// A new message: who writes it, for which side, and whom it e-mails.
pub struct NewMessage<'a> {
    pub dossier: Uuid,
    pub author: &'a Actor,
    pub side: &'a str,
    pub body: &'a str,
    pub private: bool,
    /// The other side, as the workflow's recipients.
    pub notify: Message,
}

impl Store {
    /// Writes a message, its e-mails and its audit entry in one
    /// transaction; the author has read the thread up to it.
    pub async fn post_message(&self, m: &NewMessage<'_>, now: DateTime<Utc>) -> Result<Uuid> {
        let dossier = m.dossier.to_string();
        let mut tx = self.begin_write().await?;
        // Messages are numbered in their thread: writers of one dossier
        // take its row in turn (SQLite writes one at a time anyway).
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT id FROM dossiers WHERE id = $1 FOR UPDATE").bind(&dossier).execute(&mut **tx).await?;
        }
        let id = insert_message(&mut tx, m, now).await?;
        let entry = Entry::new("dossier", &dossier, "post_message", m.author, now)
            .data(json!({"message_id": id.to_string(), "side": m.side, "private": m.private, "body": m.body}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The thread of a dossier, oldest first, as `reader` sees it; marks it
    /// read by them up to its last message.
    pub async fn thread(&self, dossier: Uuid, reader: Uuid, with_private: bool) -> Result<Vec<MessageView>> {
        let id = dossier.to_string();
        let rows = sqlx::query(
            "SELECT m.id, m.side, m.author_id, u.name, m.body, m.created_at, m.seq, m.private FROM dossier_messages m \
             JOIN users u ON u.id = m.author_id WHERE m.dossier_id = $1 AND (m.private = 0 OR $2 = 1) ORDER BY m.seq",
        )
        .bind(&id)
        .bind(i64::from(with_private))
        .fetch_all(&self.pool)
        .await?;
        let reads = sqlx::query(
            "SELECT r.user_id, u.name, r.read_seq FROM dossier_message_reads r JOIN users u ON u.id = r.user_id \
             WHERE r.dossier_id = $1 ORDER BY u.name",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        let reads: Vec<(String, String, i64)> = reads.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        let me = reader.to_string();
        let mine = reads.iter().find(|(u, _, _)| *u == me).map_or(i64::MIN, |r| r.2);
        let thread = rows
            .iter()
            .map(|r| {
                let (author_id, at, seq): (String, i64, i64) = (r.get(2), r.get(5), r.get(6));
                MessageView {
                    id: r.get(0),
                    side: r.get(1),
                    private: r.get::<i64, _>(7) != 0,
                    read_by: reads
                        .iter()
                        .filter(|(u, _, read)| *u != author_id && *read >= seq)
                        .map(|(_, name, _)| name.clone())
                        .collect(),
                    unread: author_id != me && seq > mine,
                    author: r.get(3),
                    body: r.get(4),
                    created_at: rfc3339(at),
                    author_id,
                }
            })
            .collect::<Vec<MessageView>>();
        if let Some(last) = rows.last().map(|r| r.get::<i64, _>(6)).filter(|last| *last > mine) {
            let mut tx = self.begin_write().await?;
            mark_read(&mut tx, &id, &me, last).await?;
            tx.commit().await?;
        }
        Ok(thread)
    }

    /// The side whose answer the thread awaits: the other side of its last
    /// message that is not a private note (none without messages).
    pub async fn awaiting_reply(&self, dossier: Uuid) -> Result<Option<String>> {
        let side: Option<String> =
            sqlx::query_scalar("SELECT side FROM dossier_messages WHERE dossier_id = $1 ORDER BY seq DESC LIMIT 1")
                .bind(dossier.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(side.map(|s| if s == "owners" { "staff".to_string() } else { "owners".to_string() }))
    }
}

/// Records that `user` read the thread up to message `seq` (never back).
async fn mark_read(conn: &mut sqlx::AnyConnection, dossier: &str, user: &str, seq: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO dossier_message_reads (dossier_id, user_id, read_seq) VALUES ($1, $2, $3) \
         ON CONFLICT (dossier_id, user_id) DO UPDATE SET read_seq = excluded.read_seq \
         WHERE dossier_message_reads.read_seq < excluded.read_seq",
    )
    .bind(dossier)
    .bind(user)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes a message and its e-mails to the other side; the caller holds
/// the dossier's row, so that the thread's numbering has one writer at a
/// time, and audits the message.
pub(super) async fn insert_message(
    conn: &mut sqlx::AnyConnection,
    m: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let dossier = m.dossier.to_string();
    let author = m.author.user_id.map(|u| u.to_string()).unwrap_or_default();
    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_messages WHERE dossier_id = $1")
        .bind(&dossier)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO dossier_messages (id, dossier_id, seq, author_id, side, body, private, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(&dossier)
    .bind(seq)
    .bind(&author)
    .bind(m.side)
    .bind(m.body)
    .bind(i64::from(m.private))
    .bind(to_micros(now))
    .execute(&mut *conn)
    .await?;
    mark_read(conn, &dossier, &author, seq).await?;
    let data = json!({"message": m.body, "side": m.side, "private": m.private});
    let cause = format!("message:{id}");
    super::apply::write_message(conn, Machine::Dossier, &dossier, &m.notify, &cause, &data, to_micros(now)).await?;
    Ok(id)
}
