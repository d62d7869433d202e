//! Dossier content: reads for the API and edits outside transitions
//! (draft fields, partners, self-assessment, attachments). Every edit bumps
//! the dossier's version (so a plan decided on older facts fails) and
//! appends an audit entry with before/after values.

use super::audit::{append, Entry};
use super::views::*;
use super::{from_micros, to_micros, Result, Store, StoreError};
use crate::engine::{Actor, Scope};
use crate::workflow::Machine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Who may see what, as SQL filters: a dossier is visible when any clause holds.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    pub all: bool,
    /// Scopes (`kind:CODE`) of the staff grants: instances in any of them.
    pub scopes: Vec<String>,
    pub owner: Option<Uuid>,
    pub reviewer: Option<Uuid>,
    /// Only instances of these workflows (a narrowed API token); `None`: all.
    pub workflows: Option<Vec<String>>,
}

/// Draft fields a project owner may change; `None` leaves a field as is.
#[derive(Debug, Clone, Default)]
pub struct DossierChanges {
    pub title: Option<String>,
    pub category: Option<String>,
    /// The whole new form document, checked against the workflow's form.
    pub form: Option<Map<String, Value>>,
    /// The scopes the new document places the dossier in.
    pub scopes: Option<Vec<Scope>>,
    /// The records written by side (endorsements): a move to other scopes
    /// clears them, since the sides that wrote them no longer act for it.
    pub by_side: Vec<String>,
}

impl Store {
    /// The declared records of a dossier or label, by kind, oldest first.
    pub async fn record_views(&self, machine: Machine, id: Uuid) -> Result<RecordViews> {
        let mut conn = self.pool.acquire().await?;
        record_views(&mut conn, machine, &id.to_string()).await
    }
}

/// The declared records of an instance, by kind, oldest first.
pub(crate) async fn record_views(conn: &mut AnyConnection, machine: Machine, id: &str) -> Result<RecordViews> {
    let (table, owner) = super::apply::records_table(machine);
    let sql = format!(
        "SELECT kind, {}, recorded_at FROM {table} WHERE {owner} = $1 ORDER BY recorded_at, record_key",
        super::Backend::of_connection(conn).json_read("data")
    );
    let mut out = RecordViews::new();
    for r in sqlx::query(&sql).bind(id).fetch_all(&mut *conn).await? {
        let fields = parse_form(&r.get::<String, _>(1))?;
        out.entry(r.get(0)).or_default().push(RecordView { recorded_at: rfc3339(r.get(2)), fields });
    }
    Ok(out)
}

/// Replaces a dossier's scopes.
pub(crate) async fn write_scopes(conn: &mut AnyConnection, dossier: &str, scopes: &[Scope]) -> Result<()> {
    replace_scopes(conn, Machine::Dossier, dossier, scopes).await
}

/// Replaces the scopes of a dossier or label.
pub(crate) async fn replace_scopes(
    conn: &mut AnyConnection,
    machine: Machine,
    id: &str,
    scopes: &[Scope],
) -> Result<()> {
    let (delete, insert) = match machine {
        Machine::Dossier => (
            "DELETE FROM dossier_scopes WHERE dossier_id = $1",
            "INSERT INTO dossier_scopes (dossier_id, scope) VALUES ($1, $2)",
        ),
        Machine::Label => (
            "DELETE FROM label_scopes WHERE label_id = $1",
            "INSERT INTO label_scopes (label_id, scope) VALUES ($1, $2)",
        ),
    };
    sqlx::query(delete).bind(id).execute(&mut *conn).await?;
    let mut unique: Vec<String> = scopes.iter().map(ToString::to_string).collect();
    unique.sort();
    unique.dedup();
    for scope in unique {
        sqlx::query(insert).bind(id).bind(scope).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The text at `key` of a form document ('' when absent).
fn text(form: &Map<String, Value>, key: &str) -> String {
    form.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

pub(crate) fn parse_form(text: &str) -> Result<Map<String, Value>> {
    serde_json::from_str(text).map_err(|e| StoreError::Invalid(format!("corrupt form document: {e}")))
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

pub(crate) fn rfc3339(us: i64) -> String {
    from_micros(us).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// How an entity reaches the scopes of [`Visibility`], as SQL fragments
/// with `{}` standing for the bound values. Written `id IN (subquery)`
/// rather than a correlated `EXISTS`: the planners then start from the
/// scope's index (the few hundred dossiers of one scope) instead of testing
/// every row of the table; a scoped deadline list went from 64 ms to 2 ms
/// on the 10,000-dossier benchmark set.
pub(crate) struct ScopeSql {
    /// The instance's workflow column.
    pub workflow: &'static str,
    pub scopes: &'static str,
    pub owner: &'static str,
    /// None: reviewers see none of these.
    pub reviewer: Option<&'static str>,
}

/// Which dossiers a list holds, in which order, from where.
#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    pub state: Option<String>,
    pub campaign: Option<Uuid>,
    /// Folded words (see `crate::search`): each starts a word of the title.
    pub words: Vec<String>,
    /// `kind:CODE`: dossiers in each of these scopes.
    pub scopes: Vec<String>,
    /// (field, value): dossiers whose form holds the value at that field.
    pub fields: Vec<(String, String)>,
    pub sort: DossierSort,
    /// The sort key and id of the last dossier of the previous page.
    pub after: Option<(String, String)>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DossierSort {
    /// Latest change first.
    #[default]
    Updated,
    /// By title, without regard to case or accents.
    Title,
}

/// An item of a list with its sort key, from which the next page starts.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    pub item: T,
    pub key: String,
}

pub(crate) const DOSSIER_SCOPE: ScopeSql = ScopeSql {
    workflow: "d.workflow",
    scopes: "d.id IN (SELECT ds.dossier_id FROM dossier_scopes ds WHERE ds.scope IN ({}))",
    owner: "d.id IN (SELECT o.dossier_id FROM dossier_owners o WHERE o.user_id = {})",
    reviewer: Some("d.id IN (SELECT a.dossier_id FROM assignments a WHERE a.user_id = {})"),
};

/// `WHERE` clause text for what `v` may see, its values appended to `binds`
/// (numbered after those already there).
pub(crate) fn visibility_sql(v: &Visibility, scope: &ScopeSql, binds: &mut Vec<String>) -> String {
    let bind_all = |binds: &mut Vec<String>, values: Vec<String>| {
        values.into_iter().map(|value| super::bind_next(binds, value)).collect::<Vec<_>>().join(", ")
    };
    let seen = visible_sql(v, scope, binds);
    match &v.workflows {
        None => seen,
        Some(workflows) if workflows.is_empty() => "FALSE".into(),
        Some(workflows) => format!("({seen} AND {} IN ({}))", scope.workflow, bind_all(binds, workflows.clone())),
    }
}

/// What the roles see, whatever the workflow.
fn visible_sql(v: &Visibility, scope: &ScopeSql, binds: &mut Vec<String>) -> String {
    if v.all {
        return "TRUE".into();
    }
    let mut clauses = Vec::new();
    let bind_all = |binds: &mut Vec<String>, values: Vec<String>| {
        values.into_iter().map(|value| super::bind_next(binds, value)).collect::<Vec<_>>().join(", ")
    };
    if !v.scopes.is_empty() {
        clauses.push(scope.scopes.replace("{}", &bind_all(binds, v.scopes.clone())));
    }
    if let Some(owner) = v.owner {
        clauses.push(scope.owner.replace("{}", &bind_all(binds, vec![owner.to_string()])));
    }
    if let (Some(reviewer), Some(sql)) = (v.reviewer, scope.reviewer) {
        clauses.push(sql.replace("{}", &bind_all(binds, vec![reviewer.to_string()])));
    }
    if clauses.is_empty() {
        "FALSE".into()
    } else {
        format!("({})", clauses.join(" OR "))
    }
}

impl Store {
    pub async fn dossier_view(&self, id: Uuid) -> Result<DossierView> {
        let key = id.to_string();
        let mut conn = self.pool.acquire().await?;
        let sql = format!(
            "SELECT d.campaign_id, d.workflow, d.workflow_version, d.state, d.version, d.kind, d.renewal_of, d.category, \
             d.title, {} AS form, \
             d.completion_message, d.completion_due, d.created_at, d.updated_at, {}, \
             (SELECT l.id FROM labels l WHERE l.dossier_id = d.id) AS label_id FROM dossiers d WHERE d.id = $1",
            self.backend().json_read("d.form"),
            super::retention::STANDING_COLUMNS.replace("x.", "d.")
        );
        let r = sqlx::query(&sql)
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound { what: "dossier" })?;
        let strings = |rows: Vec<sqlx::any::AnyRow>| rows.iter().map(|r| r.get::<String, _>(0)).collect::<Vec<_>>();
        let owners = strings(
            sqlx::query("SELECT user_id FROM dossier_owners WHERE dossier_id = $1 ORDER BY user_id")
                .bind(&key)
                .fetch_all(&mut *conn)
                .await?,
        );
        let form = parse_form(&r.get::<String, _>("form"))?;
        let partners = form
            .get("partners")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .map(|p| PartnerView { id: text(p, "id"), name: text(p, "name"), kind: text(p, "type") })
            .collect();
        let records = record_views(&mut conn, Machine::Dossier, &key).await?;
        let self_assessment = sqlx::query("SELECT criterion, body FROM self_assessments WHERE dossier_id = $1")
            .bind(&key)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|s| (s.get::<String, _>(0), s.get::<String, _>(1)))
            .collect();
        let attachments = attachment_views(&mut conn, &key).await?;
        let decision = sqlx::query(&format!(
            "SELECT outcome, category, years, motivation, {}, decided_at FROM decisions WHERE dossier_id = $1",
            self.backend().json_read("details")
        ))
        .bind(&key)
        .fetch_optional(&mut *conn)
        .await?
        .map(|d| DecisionView {
            outcome: d.get(0),
            category: d.get(1),
            years: d.get(2),
            motivation: d.get(3),
            details: parse_form(&d.get::<String, _>(4)).unwrap_or_default(),
            decided_at: rfc3339(d.get(5)),
        });
        let completion =
            match (r.get::<Option<String>, _>("completion_message"), r.get::<Option<i64>, _>("completion_due")) {
                (Some(message), Some(due)) => Some(CompletionView { message, due: rfc3339(due) }),
                _ => None,
            };
        Ok(DossierView {
            id: key.clone(),
            campaign_id: r.get("campaign_id"),
            workflow: r.get("workflow"),
            workflow_version: r.get("workflow_version"),
            state: r.get("state"),
            version: r.get("version"),
            kind: r.get("kind"),
            renewal_of: r.get("renewal_of"),
            category: r.get("category"),
            title: r.get("title"),
            top_level: Map::new(),
            form,
            owners,
            partners,
            records,
            endorsements: Endorsements::new(),
            opinions: vec![],
            completion,
            self_assessment,
            attachments,
            decision,
            label_id: r.get("label_id"),
            created_at: rfc3339(r.get("created_at")),
            updated_at: rfc3339(r.get("updated_at")),
            awaiting_reply: None,
            retention: None,
            standing: Some(super::retention::Standing::read(&r)),
        })
    }

    /// The dossiers `filter` picks, in its order, at most its `limit` (all
    /// without one), with each of `fields` (indexed form fields) as text.
    pub async fn list_dossiers(
        &self,
        visibility: &Visibility,
        filter: &DossierFilter,
        fields: &[&str],
    ) -> Result<Vec<Listed<DossierSummary>>> {
        let mut binds = Vec::new();
        let mut sql =
            "SELECT d.id, d.campaign_id, d.title, d.state, d.version, d.kind, d.category, d.updated_at, d.workflow, \
             COALESCE(d.search_key, '')"
                .to_string();
        for field in fields {
            sql.push_str(&format!(", {}", self.backend().json_text("d.form", &super::field_name(field)?)));
        }
        sql.push_str(" FROM dossiers d WHERE ");
        sql.push_str(&visibility_sql(visibility, &DOSSIER_SCOPE, &mut binds));
        if let Some(state) = &filter.state {
            sql.push_str(&format!(" AND d.state = {}", super::bind_next(&mut binds, state)));
        }
        if let Some(campaign) = filter.campaign {
            sql.push_str(&format!(" AND d.campaign_id = {}", super::bind_next(&mut binds, campaign.to_string())));
        }
        for word in &filter.words {
            sql.push_str(&format!(" AND d.search_key LIKE {}", super::bind_next(&mut binds, format!("% {word}%"))));
        }
        for scope in &filter.scopes {
            let p = super::bind_next(&mut binds, scope);
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM dossier_scopes ds WHERE ds.dossier_id = d.id AND ds.scope = {p})"
            ));
        }
        for (field, value) in &filter.fields {
            let p = super::bind_next(&mut binds, value);
            sql.push_str(&format!(" AND {}", self.backend().json_holds("d.form", field, &p)?));
        }
        if let Some((key, id)) = &filter.after {
            let (k, i) = (super::bind_next(&mut binds, key), super::bind_next(&mut binds, id));
            sql.push_str(&match filter.sort {
                DossierSort::Updated => format!(
                    " AND (d.updated_at < CAST({k} AS BIGINT) OR (d.updated_at = CAST({k} AS BIGINT) AND d.id > {i}))"
                ),
                DossierSort::Title => {
                    format!(" AND (d.search_key > {k} OR (d.search_key = {k} AND d.id > {i}))")
                }
            });
        }
        sql.push_str(match filter.sort {
            DossierSort::Updated => " ORDER BY d.updated_at DESC, d.id",
            DossierSort::Title => " ORDER BY d.search_key, d.id",
        });
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {}", limit.max(1)));
        }
        Ok(self
            .fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| {
                let key = match filter.sort {
                    DossierSort::Updated => r.get::<i64, _>(7).to_string(),
                    DossierSort::Title => r.get(9),
                };
                Listed {
                    item: DossierSummary {
                        id: r.get(0),
                        campaign_id: r.get(1),
                        title: r.get(2),
                        state: r.get(3),
                        version: r.get(4),
                        kind: r.get(5),
                        category: r.get(6),
                        updated_at: rfc3339(r.get(7)),
                        workflow: r.get(8),
                        fields: fields.iter().enumerate().map(|(i, f)| (f.to_string(), r.get(10 + i))).collect(),
                    },
                    key,
                }
            })
            .collect())
    }

    /// Applies draft field changes with an optimistic version check.
    pub async fn update_dossier(
        &self,
        id: Uuid,
        expected_version: i64,
        changes: &DossierChanges,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let key = id.to_string();
        let mut tx = self.begin_write().await?;
        let sql =
            format!("SELECT title, category, {} AS form FROM dossiers WHERE id = $1", self.backend().json_read("form"));
        let before = sqlx::query(&sql)
            .bind(&key)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound { what: "dossier" })?;
        let mut old_scopes: Vec<String> =
            sqlx::query("SELECT scope FROM dossier_scopes WHERE dossier_id = $1 ORDER BY scope")
                .bind(&key)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
        old_scopes.sort();
        let mut sets = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let (mut old, mut new) = (serde_json::Map::new(), serde_json::Map::new());
        let columns = [("title", &changes.title), ("category", &changes.category)];
        for (column, value) in columns {
            let Some(value) = value else { continue };
            let current: String = before.get(column);
            if current != *value {
                values.push(value.clone());
                sets.push(format!("{column} = ${}", values.len() + 3));
                if column == "title" {
                    values.push(crate::search::key(value));
                    sets.push(format!("search_key = ${}", values.len() + 3));
                }
                old.insert(column.into(), json!(current));
                new.insert(column.into(), json!(value));
            }
        }
        if let Some(form) = &changes.form {
            // The changed fields, before and after, beside the dossier's own
            // as entries of earlier releases have them.
            let current = parse_form(&before.get::<String, _>("form"))?;
            let keys: std::collections::BTreeSet<&String> = current.keys().chain(form.keys()).collect();
            for k in keys {
                if current.get(k) != form.get(k) {
                    old.insert(k.clone(), current.get(k).cloned().unwrap_or(Value::Null));
                    new.insert(k.clone(), form.get(k).cloned().unwrap_or(Value::Null));
                }
            }
            if current != *form {
                values.push(Value::Object(form.clone()).to_string());
                sets.push(format!("form = {}", self.backend().json_param(values.len() + 3)));
            }
        }
        let scopes_changed = changes.scopes.as_ref().is_some_and(|scopes| {
            let mut new: Vec<String> = scopes.iter().map(ToString::to_string).collect();
            new.sort();
            new.dedup();
            new != old_scopes
        });
        let (table, owner) = super::apply::records_table(Machine::Dossier);
        let mut cleared = Vec::new();
        if scopes_changed {
            for kind in &changes.by_side {
                let rows = sqlx::query(&format!(
                    "SELECT record_key, recorded_by, recorded_at FROM {table} WHERE {owner} = $1 AND kind = $2 ORDER BY record_key"
                ))
                .bind(&key)
                .bind(kind)
                .fetch_all(&mut **tx)
                .await?;
                if rows.is_empty() {
                    continue;
                }
                let mut was = serde_json::Map::new();
                for e in &rows {
                    let (side, by, at): (String, Option<String>, i64) = (e.get(0), e.get(1), e.get(2));
                    was.insert(side, json!({"by": by, "at": rfc3339(at)}));
                }
                // Entries of earlier releases name the endorsements so.
                let name = if kind == crate::workflow::records::FORMER_SIDE {
                    "endorsements".to_string()
                } else {
                    kind.clone()
                };
                old.insert(name.clone(), Value::Object(was));
                new.insert(name, json!({}));
                cleared.push(kind);
            }
        }
        let sql = format!(
            "UPDATE dossiers SET version = version + 1, updated_at = $1{} WHERE id = $2 AND version = $3",
            sets.iter().map(|s| format!(", {s}")).collect::<String>()
        );
        let mut query = sqlx::query(&sql).bind(to_micros(now)).bind(&key).bind(expected_version);
        for v in &values {
            query = query.bind(v);
        }
        if query.execute(&mut **tx).await?.rows_affected() == 0 {
            let current: i64 = sqlx::query_scalar("SELECT version FROM dossiers WHERE id = $1")
                .bind(&key)
                .fetch_one(&mut **tx)
                .await?;
            return Err(StoreError::Conflict { expected: expected_version, current });
        }
        if let (true, Some(scopes)) = (scopes_changed, &changes.scopes) {
            write_scopes(&mut tx, &key, scopes).await?;
            for kind in cleared {
                sqlx::query(&format!("DELETE FROM {table} WHERE {owner} = $1 AND kind = $2"))
                    .bind(&key)
                    .bind(kind)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        let entry = Entry::new("dossier", &key, "update", actor, now)
            .before(Value::Object(old))
            .after(Value::Object(new))
            .data(json!({"version": expected_version + 1}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(expected_version + 1)
    }

    /// Runs a content edit: bumps the version (checked when given), lets
    /// `edit` write, appends the audit entry it returns.
    async fn content_edit<F>(
        &self,
        id: Uuid,
        expected: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
        edit: F,
    ) -> Result<i64>
    where
        F: for<'c> FnOnce(&'c mut AnyConnection) -> futures_core::future::BoxFuture<'c, Result<(String, Value, Value)>>,
    {
        let key = id.to_string();
        let mut tx = self.begin_write().await?;
        let version: i64 = sqlx::query_scalar("SELECT version FROM dossiers WHERE id = $1")
            .bind(&key)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound { what: "dossier" })?;
        if let Some(expected) = expected.filter(|e| *e != version) {
            return Err(StoreError::Conflict { expected, current: version });
        }
        let bumped =
            sqlx::query("UPDATE dossiers SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
                .bind(to_micros(now))
                .bind(&key)
                .bind(version)
                .execute(&mut **tx)
                .await?;
        if bumped.rows_affected() == 0 {
            return Err(StoreError::Conflict { expected: version, current: version + 1 });
        }
        let (action, before, after) = edit(&mut tx).await?;
        let entry = Entry::new("dossier", &key, &action, actor, now).before(before).after(after);
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(version + 1)
    }

    /// Changes a dossier's form document as a content edit: `edit` gets the
    /// document and returns the audit action with its before and after.
    async fn edit_form<F>(&self, dossier: Uuid, actor: &Actor, now: DateTime<Utc>, edit: F) -> Result<i64>
    where
        F: FnOnce(&mut Map<String, Value>) -> Result<(String, Value, Value)> + Send + 'static,
    {
        let (d, backend) = (dossier.to_string(), self.backend());
        self.content_edit(dossier, None, actor, now, move |conn| {
            Box::pin(async move {
                let read = format!("SELECT {} FROM dossiers WHERE id = $1", backend.json_read("form"));
                let text: String = sqlx::query_scalar(&read).bind(&d).fetch_one(&mut *conn).await?;
                let mut form = parse_form(&text)?;
                let outcome = edit(&mut form)?;
                let write = format!("UPDATE dossiers SET form = {} WHERE id = $2", backend.json_param(1));
                sqlx::query(&write).bind(Value::Object(form).to_string()).bind(&d).execute(&mut *conn).await?;
                Ok(outcome)
            })
        })
        .await
    }

    /// Appends `item` (with its `id`) to the group `group` of the form.
    pub async fn add_group_item(
        &self,
        dossier: Uuid,
        group: &str,
        item: Map<String, Value>,
        action: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (group, action) = (group.to_string(), action.to_string());
        self.edit_form(dossier, actor, now, move |form| {
            let items = form.entry(group).or_insert_with(|| json!([]));
            let Value::Array(items) = items else { return Err(StoreError::Invalid("corrupt form group".into())) };
            items.push(Value::Object(item.clone()));
            Ok((action, Value::Null, Value::Object(item)))
        })
        .await
    }

    /// Takes the item `item` out of the group `group` of the form.
    pub async fn remove_group_item(
        &self,
        dossier: Uuid,
        group: &str,
        item: Uuid,
        action: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (group, action, item) = (group.to_string(), action.to_string(), item.to_string());
        self.edit_form(dossier, actor, now, move |form| {
            let items = form.get_mut(&group).and_then(Value::as_array_mut);
            let found = items.as_ref().and_then(|items| {
                items.iter().position(|i| i.get("id").and_then(Value::as_str) == Some(item.as_str()))
            });
            let (Some(items), Some(at)) = (items, found) else { return Err(StoreError::NotFound { what: "item" }) };
            let removed = items.remove(at);
            if items.is_empty() {
                form.remove(&group);
            }
            Ok((action, removed, Value::Null))
        })
        .await
    }

    pub async fn set_self_assessment(
        &self,
        dossier: Uuid,
        texts: &BTreeMap<String, String>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (d, texts) = (dossier.to_string(), texts.clone());
        let at = to_micros(now);
        self.content_edit(dossier, None, actor, now, move |conn| {
            Box::pin(async move {
                for (criterion, body) in &texts {
                    if body.trim().is_empty() {
                        sqlx::query("DELETE FROM self_assessments WHERE dossier_id = $1 AND criterion = $2")
                            .bind(&d)
                            .bind(criterion)
                            .execute(&mut *conn)
                            .await?;
                    } else {
                        sqlx::query(
                            "INSERT INTO self_assessments (dossier_id, criterion, body, updated_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (dossier_id, criterion) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                        )
                        .bind(&d)
                        .bind(criterion)
                        .bind(body)
                        .bind(at)
                        .execute(&mut *conn)
                        .await?;
                    }
                }
                Ok(("self_assessment".to_string(), Value::Null, json!(texts)))
            })
        })
        .await
    }

    pub async fn add_attachment(
        &self,
        dossier: Uuid,
        a: &NewAttachment,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let (d, a, by) = (dossier.to_string(), a.clone(), actor.user_id.map(|u| u.to_string()));
        let at = to_micros(now);
        self.content_edit(dossier, None, actor, now, move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO attachments (id, dossier_id, kind, file_name, content_type, size, sha256, uploaded_by, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id.to_string())
                .bind(&d)
                .bind(&a.kind)
                .bind(&a.file_name)
                .bind(&a.content_type)
                .bind(a.size)
                .bind(&a.sha256)
                .bind(by)
                .bind(at)
                .execute(&mut *conn)
                .await?;
                Ok(("add_attachment".to_string(), Value::Null, attachment_json(id, &a)))
            })
        })
        .await?;
        Ok(id)
    }

    /// Takes an attachment off its dossier, audited with what it was; the
    /// stored file stays (stored by hash, the trail names it).
    pub async fn remove_attachment(
        &self,
        dossier: Uuid,
        before: &AttachmentView,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let id = super::records::parse_id(&before.id)?;
        let before = attachment_json(id, &NewAttachment::from(before));
        self.content_edit(dossier, None, actor, now, move |conn| {
            Box::pin(async move {
                sqlx::query("DELETE FROM attachments WHERE id = $1").bind(id.to_string()).execute(&mut *conn).await?;
                Ok(("remove_attachment".to_string(), before, Value::Null))
            })
        })
        .await?;
        Ok(())
    }

    /// Puts another file in an attachment's place (same id and kind),
    /// audited before → after; the former file stays stored.
    pub async fn replace_attachment(
        &self,
        dossier: Uuid,
        before: &AttachmentView,
        a: &NewAttachment,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let id = super::records::parse_id(&before.id)?;
        // Its kind stays: the new file takes the former one's place.
        let after = attachment_json(id, &NewAttachment { kind: before.kind.clone(), ..a.clone() });
        let before = attachment_json(id, &NewAttachment::from(before));
        let (a, by, at) = (a.clone(), actor.user_id.map(|u| u.to_string()), to_micros(now));
        self.content_edit(dossier, None, actor, now, move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE attachments SET file_name = $1, content_type = $2, size = $3, sha256 = $4, uploaded_by = $5, \
                     uploaded_at = $6 WHERE id = $7",
                )
                .bind(&a.file_name)
                .bind(&a.content_type)
                .bind(a.size)
                .bind(&a.sha256)
                .bind(by)
                .bind(at)
                .bind(id.to_string())
                .execute(&mut *conn)
                .await?;
                Ok(("replace_attachment".to_string(), before, after))
            })
        })
        .await?;
        Ok(())
    }

    /// Who uploaded an attachment (none for a file of an earlier release
    /// without it).
    pub async fn attachment_uploader(&self, id: Uuid) -> Result<Option<Uuid>> {
        let by: Option<Option<String>> = sqlx::query_scalar("SELECT uploaded_by FROM attachments WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(by.flatten().and_then(|u| Uuid::parse_str(&u).ok()))
    }

    /// An attachment's metadata and the dossier it belongs to.
    pub async fn attachment(&self, id: Uuid) -> Result<(Uuid, AttachmentView)> {
        let r = sqlx::query(
            "SELECT dossier_id, id, kind, file_name, content_type, size, sha256, uploaded_at FROM attachments WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "attachment" })?;
        let dossier = Uuid::parse_str(&r.get::<String, _>(0)).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok((dossier, attachment_row(&r, 1)))
    }

    /// Submitted reviews of a dossier, oldest first.
    pub async fn reviews(&self, dossier: Uuid) -> Result<Vec<ReviewView>> {
        let rows = sqlx::query(
            "SELECT reviewer_id, scores, comment, submitted_at, notes FROM reviews WHERE dossier_id = $1 \
             ORDER BY submitted_at, reviewer_id",
        )
        .bind(dossier.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let scores: String = r.get(1);
                Ok(ReviewView {
                    reviewer_id: Some(r.get(0)),
                    scores: serde_json::from_str(&scores).map_err(|e| StoreError::Invalid(e.to_string()))?,
                    comment: r.get(2),
                    submitted_at: rfc3339(r.get(3)),
                    notes: serde_json::from_str(&r.get::<String, _>(4))
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                })
            })
            .collect()
    }
}

/// An attachment as the audit trail records it.
fn attachment_json(id: Uuid, a: &NewAttachment) -> Value {
    json!({"attachment_id": id, "kind": a.kind, "file_name": a.file_name, "content_type": a.content_type,
        "size": a.size, "sha256": a.sha256})
}

impl From<&AttachmentView> for NewAttachment {
    fn from(v: &AttachmentView) -> NewAttachment {
        NewAttachment {
            kind: v.kind.clone(),
            file_name: v.file_name.clone(),
            content_type: v.content_type.clone(),
            size: v.size,
            sha256: v.sha256.clone(),
        }
    }
}

fn attachment_row(r: &sqlx::any::AnyRow, from: usize) -> AttachmentView {
    AttachmentView {
        id: r.get(from),
        kind: r.get(from + 1),
        file_name: r.get(from + 2),
        content_type: r.get(from + 3),
        size: r.get(from + 4),
        sha256: r.get(from + 5),
        uploaded_at: rfc3339(r.get(from + 6)),
    }
}

async fn attachment_views(conn: &mut AnyConnection, dossier: &str) -> Result<Vec<AttachmentView>> {
    let rows = sqlx::query(
        "SELECT id, kind, file_name, content_type, size, sha256, uploaded_at FROM attachments WHERE dossier_id = $1 ORDER BY uploaded_at, id",
    )
    .bind(dossier)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(|r| attachment_row(r, 0)).collect())
}
