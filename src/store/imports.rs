//! Labels brought in from a campus file: found again by their import key,
//! created or updated all in one transaction, each change audited.

use super::apply::write_effects;
use super::audit::{append, Entry};
use super::dossiers::replace_scopes;
use super::{to_micros, Result, Store, StoreError};
use crate::engine::{Actor, Effects, Scope};
use crate::workflow::Machine;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;

/// What a campus row says about its label: its own data and its form's
/// exported fields, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelRecord {
    pub title: String,
    pub category: String,
    pub form: Map<String, Value>,
    /// The scopes the form places the label in.
    pub scopes: Vec<Scope>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

impl LabelRecord {
    /// The columns whose value differs in `other`.
    pub fn differences(&self, other: &LabelRecord) -> Vec<String> {
        let mut out = Vec::new();
        if self.title != other.title {
            out.push("title".to_string());
        }
        if self.category != other.category {
            out.push("category".to_string());
        }
        let mut keys: Vec<&String> = self.form.keys().chain(other.form.keys()).collect();
        keys.sort();
        keys.dedup();
        out.extend(keys.into_iter().filter(|k| self.form.get(*k) != other.form.get(*k)).cloned());
        if self.valid_from != other.valid_from {
            out.push("valid_from".to_string());
        }
        if self.valid_until != other.valid_until {
            out.push("valid_until".to_string());
        }
        out
    }

    /// As audited: the form's values beside the label's own, as the
    /// entries of earlier releases have them.
    fn json(&self) -> Value {
        let mut out = json!({"title": self.title, "category": self.category,
            "valid_from": self.valid_from, "valid_until": self.valid_until});
        for (key, value) in &self.form {
            out[key.as_str()] = value.clone();
        }
        out
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

impl Store {
    /// Labels of `workflow` created by imports, by import key.
    pub async fn imported_labels(&self, workflow: &str) -> Result<HashMap<String, ImportedLabel>> {
        let sql = format!(
            "SELECT l.id, l.import_key, l.state, l.version, l.title, l.category, {}, l.valid_from, l.valid_until, \
             (SELECT {} FROM label_scopes s WHERE s.label_id = l.id) FROM labels l WHERE l.import_key IS NOT NULL AND l.workflow = $1",
            self.backend().json_read("l.form"),
            self.backend().text_list("s.scope"),
        );
        let rows = sqlx::query(&sql).bind(workflow).fetch_all(&self.pool).await?;
        let mut out: HashMap<String, ImportedLabel> = HashMap::new();
        for r in rows {
            let scopes: Option<String> = r.get(9);
            let record = LabelRecord {
                title: r.get(4),
                category: r.get(5),
                form: super::dossiers::parse_form(&r.get::<String, _>(6))?,
                scopes: scopes.unwrap_or_default().split('|').filter_map(Scope::parse).collect(),
                valid_from: day(&r.get::<String, _>(7))?,
                valid_until: day(&r.get::<String, _>(8))?,
            };
            out.insert(r.get(1), ImportedLabel { id: r.get(0), status: r.get(2), version: r.get(3), record });
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
                    let insert = format!(
                        "INSERT INTO labels (id, dossier_id, workflow, state, version, title, category, form, \
                         valid_from, valid_until, renewal_of, created_at, updated_at, import_key, workflow_version, \
                         search_key) VALUES ($1, NULL, $2, $3, 1, $4, $5, {}, $7, $8, NULL, $9, $9, $10, $11, $12)",
                        self.backend().json_param(6)
                    );
                    sqlx::query(&insert)
                        .bind(&id)
                        .bind(workflow)
                        .bind(status)
                        .bind(&record.title)
                        .bind(&record.category)
                        .bind(Value::Object(record.form.clone()).to_string())
                        .bind(record.valid_from.to_string())
                        .bind(record.valid_until.to_string())
                        .bind(at)
                        .bind(key)
                        .bind(&workflow_version)
                        .bind(crate::search::key(&record.title))
                        .execute(&mut **tx)
                        .await?;
                    replace_scopes(&mut tx, Machine::Label, &id, &record.scopes).await?;
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
                    let update = format!(
                        "UPDATE labels SET title = $1, category = $2, form = {}, valid_from = $4, valid_until = $5, \
                         state = $6, version = version + 1, updated_at = $7, search_key = $10 \
                         WHERE id = $8 AND version = $9",
                        self.backend().json_param(3)
                    );
                    let updated = sqlx::query(&update)
                        .bind(&record.title)
                        .bind(&record.category)
                        .bind(Value::Object(record.form.clone()).to_string())
                        .bind(record.valid_from.to_string())
                        .bind(record.valid_until.to_string())
                        .bind(status)
                        .bind(at)
                        .bind(id)
                        .bind(version)
                        .bind(crate::search::key(&record.title))
                        .execute(&mut **tx)
                        .await?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::Conflict { expected: *version, current: -1 });
                    }
                    replace_scopes(&mut tx, Machine::Label, id, &record.scopes).await?;
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
