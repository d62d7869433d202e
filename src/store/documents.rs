//! The documents decisions issued: each kept once, with its SHA-256, when
//! its decision is recorded (or first asked for, after a crash in
//! between), and served as kept.

use super::audit::{append, Entry};
use super::dossiers::rfc3339;
use super::{to_micros, Result, Store};
use crate::engine::Actor;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

/// A decision's document as kept.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub file_name: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub content: Vec<u8>,
}

/// A decision's document as a dossier lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub outcome: String,
    pub file_name: String,
    /// SHA-256 of the content, hex (the audit trail holds it too).
    pub sha256: String,
    pub size: i64,
    /// RFC 3339: when the decision it belongs to was recorded.
    pub decided_at: String,
    /// Whether it belongs to the dossier's decision of now (a reopened
    /// dossier keeps the documents of its earlier decisions).
    pub current: bool,
}

/// A document to keep for a decision.
pub struct NewDocument<'a> {
    pub dossier: Uuid,
    /// The decision's moment, in stored microseconds.
    pub decided_at: i64,
    pub outcome: &'a str,
    pub file_name: &'a str,
    pub content: &'a [u8],
}

pub fn sha256_hex(content: &[u8]) -> String {
    format!("{:x}", Sha256::digest(content))
}

impl Store {
    /// The moment (stored microseconds) and outcome of a dossier's decision.
    pub async fn decision_moment(&self, dossier: Uuid) -> Result<Option<(i64, String)>> {
        let row = sqlx::query("SELECT decided_at, outcome FROM decisions WHERE dossier_id = $1")
            .bind(dossier.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// The document kept for the decision of `decided_at`, if any.
    pub async fn decision_document(&self, dossier: Uuid, decided_at: i64) -> Result<Option<StoredDocument>> {
        let row = sqlx::query(
            "SELECT file_name, sha256, content FROM decision_documents WHERE dossier_id = $1 AND decided_at = $2",
        )
        .bind(dossier.to_string())
        .bind(decided_at)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| StoredDocument { file_name: r.get(0), sha256: r.get(1), content: r.get(2) }))
    }

    /// Keeps a decision's document and writes its SHA-256 in the audit
    /// trail, unless the decision has one already: the document kept
    /// first is the one served, whoever asks after.
    pub async fn keep_decision_document(
        &self,
        doc: &NewDocument<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<StoredDocument> {
        let sha256 = sha256_hex(doc.content);
        let dossier = doc.dossier.to_string();
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO decision_documents \
             (dossier_id, decided_at, outcome, file_name, sha256, size, content, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dossier_id, decided_at) DO NOTHING",
        )
        .bind(&dossier)
        .bind(doc.decided_at)
        .bind(doc.outcome)
        .bind(doc.file_name)
        .bind(&sha256)
        .bind(doc.content.len() as i64)
        .bind(doc.content.to_vec())
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            let entry = Entry::new("dossier", &dossier, "issue_decision_document", actor, now).data(json!({
                "outcome": doc.outcome,
                "file_name": doc.file_name,
                "sha256": sha256,
                "size": doc.content.len(),
                "decided_at": rfc3339(doc.decided_at),
            }));
            append(&mut tx, self.backend(), &entry).await?;
        }
        tx.commit().await?;
        self.decision_document(doc.dossier, doc.decided_at)
            .await?
            .ok_or(super::StoreError::NotFound { what: "decision document" })
    }

    /// The documents a dossier's decisions issued, newest first.
    pub async fn decision_documents(&self, dossier: Uuid) -> Result<Vec<DocumentView>> {
        let rows = sqlx::query(
            "SELECT d.outcome, d.file_name, d.sha256, d.size, d.decided_at, \
             CAST(CASE WHEN c.decided_at = d.decided_at THEN 1 ELSE 0 END AS BIGINT) \
             FROM decision_documents d LEFT JOIN decisions c ON c.dossier_id = d.dossier_id \
             WHERE d.dossier_id = $1 ORDER BY d.decided_at DESC",
        )
        .bind(dossier.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| DocumentView {
                outcome: r.get(0),
                file_name: r.get(1),
                sha256: r.get(2),
                size: r.get(3),
                decided_at: rfc3339(r.get(4)),
                current: r.get::<i64, _>(5) == 1,
            })
            .collect())
    }
}
