//! Labels brought in from a campus file: found again by their import key,
//! created or updated all in one transaction, each change audited.

use super::apply::write_effects;
use super::audit::{append, Entry};
use super::{to_micros, Result, Store, StoreError};
use crate::engine::{Actor, Effects};
use crate::workflow::Machine;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use uuid::Uuid;

/// What a campus row says about its label, as codes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelRecord {
    pub title: String,
    pub category: String,
    pub filiere: String,
    pub region: String,
    /// Sorted codes.
    pub academies: Vec<String>,
    pub support_establishment: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

impl LabelRecord {
    /// The columns whose value differs in `other`.
    pub fn differences(&self, other: &LabelRecord) -> Vec<String> {
        let pairs: [(&str, bool); 8] = [
            ("title", self.title != other.title),
            ("category", self.category != other.category),
            ("filiere", self.filiere != other.filiere),
            ("region", self.region != other.region),
            ("academies", self.academies != other.academies),
            ("support_establishment", self.support_establishment != other.support_establishment),
            ("valid_from", self.valid_from != other.valid_from),
            ("valid_until", self.valid_until != other.valid_until),
        ];
        pairs.iter().filter(|(_, differ)| *differ).map(|(name, _)| name.to_string()).collect()
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "title": self.title, "category": self.category, "filiere": self.filiere, "region": self.region,
            "academies": self.academies, "support_establishment": self.support_establishment,
            "valid_from": self.valid_from, "valid_until": self.valid_until,
        })
    }
}

/// A label an earlier import created.
#[derive(Debug, Clone)]
pub struct ImportedLabel {
    pub id: String,
    pub status: String,
    pub version: i64,
    pub record: LabelRecord,
}

pub enum ImportOp {
    Create { key: String, record: LabelRecord, status: String, effects: Effects },
    Update { id: String, version: i64, before: LabelRecord, record: LabelRecord, status: String, effects: Effects },
}

fn day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("corrupt label date `{text}` in the database")))
}

async fn set_academies(conn: &mut AnyConnection, id: &str, academies: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM label_academies WHERE label_id = $1").bind(id).execute(&mut *conn).await?;
    for a in academies {
        sqlx::query("INSERT INTO label_academies (label_id, academie) VALUES ($1, $2)")
            .bind(id)
            .bind(a)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Labels created by imports, by import key.
    pub async fn imported_labels(&self) -> Result<HashMap<String, ImportedLabel>> {
        let rows = sqlx::query(
            "SELECT l.id, l.import_key, l.state, l.version, l.title, l.category, l.filiere, l.region, \
             l.support_establishment, l.valid_from, l.valid_until, a.academie FROM labels l \
             LEFT JOIN label_academies a ON a.label_id = l.id WHERE l.import_key IS NOT NULL ORDER BY l.id, a.academie",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<String, ImportedLabel> = HashMap::new();
        for r in rows {
            let key: String = r.get(1);
            let academie: Option<String> = r.get(11);
            if let Some(existing) = out.get_mut(&key) {
                existing.record.academies.extend(academie);
                continue;
            }
            let record = LabelRecord {
                title: r.get(4),
                category: r.get(5),
                filiere: r.get(6),
                region: r.get(7),
                academies: academie.into_iter().collect(),
                support_establishment: r.get(8),
                valid_from: day(&r.get::<String, _>(9))?,
                valid_until: day(&r.get::<String, _>(10))?,
            };
            out.insert(key, ImportedLabel { id: r.get(0), status: r.get(2), version: r.get(3), record });
        }
        Ok(out)
    }

    /// Writes every operation or none; returns the ids of the labels created,
    /// in order.
    pub async fn import_labels(
        &self,
        ops: &[ImportOp],
        workflow: &str,
        sources: &crate::workflow::Sources,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let at = to_micros(now);
        let mut created = Vec::new();
        let mut tx = self.begin_write().await?;
        let workflow_version = sources.revision();
        super::versions::record(&mut tx, workflow, sources, now).await?;
        for op in ops {
            match op {
                ImportOp::Create { key, record, status, effects } => {
                    let id = Uuid::new_v4().to_string();
                    sqlx::query(
                        "INSERT INTO labels (id, dossier_id, workflow, state, version, title, category, filiere, region, \
                         valid_from, valid_until, renewal_of, created_at, updated_at, import_key, support_establishment, \
                         workflow_version) \
                         VALUES ($1, NULL, $2, $3, 1, $4, $5, $6, $7, $8, $9, NULL, $10, $10, $11, $12, $13)",
                    )
                    .bind(&id)
                    .bind(workflow)
                    .bind(status)
                    .bind(&record.title)
                    .bind(&record.category)
                    .bind(&record.filiere)
                    .bind(&record.region)
                    .bind(record.valid_from.to_string())
                    .bind(record.valid_until.to_string())
                    .bind(at)
                    .bind(key)
                    .bind(&record.support_establishment)
                    .bind(&workflow_version)
                    .execute(&mut **tx)
                    .await?;
                    set_academies(&mut tx, &id, &record.academies).await?;
                    let mut after = record.json();
                    after["state"] = json!(status);
                    after["version"] = json!(1);
                    append(&mut tx, self.backend(), &Entry::new("label", &id, "import", actor, now).after(after))
                        .await?;
                    write_effects(&mut tx, Machine::Label, &id, effects, "import", &serde_json::Value::Null, now)
                        .await?;
                    created.push(id);
                }
                ImportOp::Update { id, version, before, record, status, effects } => {
                    let updated = sqlx::query(
                        "UPDATE labels SET title = $1, category = $2, filiere = $3, region = $4, valid_from = $5, \
                         valid_until = $6, support_establishment = $7, state = $8, version = version + 1, updated_at = $9 \
                         WHERE id = $10 AND version = $11",
                    )
                    .bind(&record.title)
                    .bind(&record.category)
                    .bind(&record.filiere)
                    .bind(&record.region)
                    .bind(record.valid_from.to_string())
                    .bind(record.valid_until.to_string())
                    .bind(&record.support_establishment)
                    .bind(status)
                    .bind(at)
                    .bind(id)
                    .bind(version)
                    .execute(&mut **tx)
                    .await?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::Conflict { expected: *version, current: -1 });
                    }
                    set_academies(&mut tx, id, &record.academies).await?;
                    let (mut old, mut new) = (before.json(), record.json());
                    old["version"] = json!(version);
                    new["version"] = json!(version + 1);
                    new["state"] = json!(status);
                    let entry = Entry::new("label", id, "import_update", actor, now).before(old).after(new);
                    append(&mut tx, self.backend(), &entry).await?;
                    write_effects(&mut tx, Machine::Label, id, effects, "import", &serde_json::Value::Null, now)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(created)
    }
}
