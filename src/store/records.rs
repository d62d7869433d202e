//! Creating and reading the records the engine works on.

use super::audit::{append_after, Entry};
use super::{from_micros, to_micros, Backend, Result, Store, StoreError};
use crate::engine::{
    Actor, DossierFacts, Effects, Facts, Grant, Instance, LabelFacts, Person, Records, Reviewer, Scope,
};
use crate::workflow::{Machine, Role};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub grants: Vec<Grant>,
    pub affiliations: Vec<Scope>,
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub workflow: String,
    /// The version of the workflow the call's dossiers start on, stored if
    /// new; none leaves the call to the version the server runs.
    pub sources: Option<std::sync::Arc<crate::workflow::Sources>>,
    pub criteria: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub kinds: Vec<String>,
    /// The scope code of the territory that set the call, for a workflow
    /// whose calls are set per territory.
    pub territory: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewDossier {
    pub campaign_id: Uuid,
    pub workflow: String,
    pub initial_state: String,
    pub kind: String,
    pub renewal_of: Option<Uuid>,
    pub category: String,
    pub title: String,
    /// The form's values, checked against the workflow's form.
    pub form: serde_json::Map<String, serde_json::Value>,
    /// The scopes the form places the dossier in, indexed beside it.
    pub scopes: Vec<Scope>,
}

impl NewDossier {
    /// `form` as the dossier's form document (a JSON object).
    pub fn with_form(mut self, form: serde_json::Value) -> NewDossier {
        if let serde_json::Value::Object(map) = form {
            self.form = map;
        }
        self
    }
}

#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub id: String,
    pub name: String,
    pub workflow: String,
    /// The version of the workflow the call's dossiers start on.
    pub workflow_version: Option<String>,
    pub criteria: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub kinds: String,
    pub territory: Option<String>,
}

/// Writes an account with its roles and affiliations, audited; refuses an
/// address already taken.
pub(super) async fn insert_user(
    conn: &mut AnyConnection,
    user: &NewUser,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let exists =
        sqlx::query("SELECT 1 FROM users WHERE email = $1").bind(&user.email).fetch_optional(&mut *conn).await?;
    if exists.is_some() {
        return Err(StoreError::Invalid(format!("email: a user with the address {} already exists", user.email)));
    }
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, created_at, search_key) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(&user.email)
    .bind(&user.name)
    .bind(&user.password_hash)
    .bind(to_micros(now))
    .bind(crate::search::key(&format!("{} {}", user.name, user.email)))
    .execute(&mut *conn)
    .await?;
    for g in &user.grants {
        sqlx::query("INSERT INTO user_roles (user_id, role, scope) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(g.role.name())
            .bind(g.scope.as_ref().map(ToString::to_string).unwrap_or_default())
            .execute(&mut *conn)
            .await?;
    }
    for a in &user.affiliations {
        sqlx::query("INSERT INTO user_affiliations (user_id, affiliation) VALUES ($1, $2)")
            .bind(id.to_string())
            .bind(a.to_string())
            .execute(&mut *conn)
            .await?;
    }
    let grants: Vec<String> = user.grants.iter().map(ToString::to_string).collect();
    let after = json!({"email": user.email, "name": user.name, "roles": grants, "affiliations": user.affiliations});
    append_after(conn, &Entry::new("user", &id.to_string(), "create", actor, now).after(after), None).await?;
    Ok(id)
}

pub(crate) fn parse_id(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| StoreError::Invalid(format!("corrupt id `{text}` in the database")))
}

impl Store {
    pub async fn create_user(&self, user: &NewUser, actor: &Actor, now: DateTime<Utc>) -> Result<Uuid> {
        let mut tx = self.begin_write().await?;
        let id = insert_user(&mut tx, user, actor, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The actor a user acts as: their grants and affiliations.
    pub async fn actor(&self, user_id: Uuid) -> Result<Actor> {
        let person = self.person(user_id).await?.ok_or(StoreError::NotFound { what: "user" })?;
        let rows = sqlx::query("SELECT role, scope FROM user_roles WHERE user_id = $1 ORDER BY role, scope")
            .bind(user_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        let grants = rows
            .iter()
            .map(|r| {
                let role = Role::new(r.get::<String, _>("role"));
                let scope: String = r.get("scope");
                Grant { role, scope: Scope::parse(&scope) }
            })
            .collect();
        Ok(Actor {
            user_id: Some(user_id),
            grants,
            affiliations: person.affiliations,
            on_behalf_of: None,
            guest: None,
            workflows: None,
        })
    }

    /// A user as the subject of an event, or None if unknown.
    pub async fn person(&self, user_id: Uuid) -> Result<Option<Person>> {
        let id = user_id.to_string();
        if sqlx::query("SELECT 1 FROM users WHERE id = $1").bind(&id).fetch_optional(&self.pool).await?.is_none() {
            return Ok(None);
        }
        let roles = sqlx::query("SELECT DISTINCT role FROM user_roles WHERE user_id = $1")
            .bind(&id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Role::new(r.get::<String, _>("role")))
            .collect();
        let affiliations =
            sqlx::query("SELECT affiliation FROM user_affiliations WHERE user_id = $1 ORDER BY affiliation")
                .bind(&id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .filter_map(|r| Scope::parse(r.get::<String, _>("affiliation").as_str()))
                .collect();
        Ok(Some(Person { user_id, roles, affiliations }))
    }

    pub async fn create_campaign(&self, c: &NewCampaign, actor: &Actor, now: DateTime<Utc>) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let mut tx = self.begin_write().await?;
        if let Some(sources) = &c.sources {
            super::versions::record(&mut tx, &c.workflow, sources, now).await?;
        }
        sqlx::query(
            "INSERT INTO campaigns (id, name, workflow, workflow_version, criteria, opens_at, closes_at, kinds, created_at, \
             territory) VALUES ($1, $2, $3, $9, $4, $5, $6, $7, $8, $10)",
        )
        .bind(id.to_string())
        .bind(&c.name)
        .bind(&c.workflow)
        .bind(&c.criteria)
        .bind(to_micros(c.opens_at))
        .bind(to_micros(c.closes_at))
        .bind(c.kinds.join(","))
        .bind(to_micros(now))
        .bind(c.sources.as_ref().map(|s| s.revision()))
        .bind(&c.territory)
        .execute(&mut **tx)
        .await?;
        let after = json!({"name": c.name, "workflow": c.workflow,
            "workflow_version": c.sources.as_ref().map(|s| s.revision()), "criteria": c.criteria,
            "opens_at": c.opens_at, "closes_at": c.closes_at, "kinds": c.kinds, "territory": c.territory});
        append_after(&mut tx, &Entry::new("campaign", &id.to_string(), "create", actor, now).after(after), None)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn campaign(&self, id: Uuid) -> Result<CampaignRow> {
        let row = sqlx::query(
            "SELECT id, name, workflow, workflow_version, criteria, opens_at, closes_at, kinds, territory FROM campaigns \
             WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "campaign" })?;
        Ok(CampaignRow {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            workflow: row.try_get("workflow")?,
            workflow_version: row.try_get("workflow_version")?,
            criteria: row.try_get("criteria")?,
            opens_at: row.try_get("opens_at")?,
            closes_at: row.try_get("closes_at")?,
            kinds: row.try_get("kinds")?,
            territory: row.try_get("territory")?,
        })
    }

    /// The territory that set the call of dossier `id`, if one did.
    pub async fn dossier_territory(&self, id: Uuid) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT c.territory FROM dossiers d JOIN campaigns c ON c.id = d.campaign_id WHERE d.id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound { what: "dossier" })?;
        Ok(row.try_get(0)?)
    }

    pub async fn campaign_named(&self, name: &str) -> Result<Option<Uuid>> {
        let row = sqlx::query("SELECT id FROM campaigns WHERE name = $1").bind(name).fetch_optional(&self.pool).await?;
        row.map(|r| parse_id(&r.get::<String, _>(0))).transpose()
    }

    /// Creates a dossier owned by `owner` with its creation effects.
    pub async fn create_dossier(
        &self,
        d: &NewDossier,
        owner: Uuid,
        effects: &Effects,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let id_text = id.to_string();
        let mut tx = self.begin_write().await?;
        let insert = format!(
            "INSERT INTO dossiers (id, campaign_id, workflow, workflow_version, state, version, kind, renewal_of, \
             category, title, form, created_by, created_at, updated_at, search_key) \
             VALUES ($1, $2, $3, (SELECT workflow_version FROM campaigns WHERE id = $2), $4, 1, $5, $6, $7, $8, {}, \
             $10, $11, $11, $12)",
            self.backend().json_param(9)
        );
        sqlx::query(&insert)
            .bind(&id_text)
            .bind(d.campaign_id.to_string())
            .bind(&d.workflow)
            .bind(&d.initial_state)
            .bind(&d.kind)
            .bind(d.renewal_of.map(|u| u.to_string()))
            .bind(&d.category)
            .bind(&d.title)
            .bind(serde_json::Value::Object(d.form.clone()).to_string())
            .bind(actor.user_id.map(|u| u.to_string()))
            .bind(to_micros(now))
            .bind(crate::search::key(&d.title))
            .execute(&mut **tx)
            .await?;
        super::dossiers::write_scopes(&mut tx, &id_text, &d.scopes).await?;
        sqlx::query("INSERT INTO dossier_owners (dossier_id, user_id) VALUES ($1, $2)")
            .bind(&id_text)
            .bind(owner.to_string())
            .execute(&mut **tx)
            .await?;
        let mut after = json!({"state": d.initial_state, "version": 1, "campaign_id": d.campaign_id, "kind": d.kind,
            "renewal_of": d.renewal_of, "category": d.category, "title": d.title, "owners": [owner]});
        // The form's values sit beside the dossier's own, as the entries of
        // earlier releases have them.
        for (key, value) in &d.form {
            after[key.as_str()] = value.clone();
        }
        append_after(&mut tx, &Entry::new("dossier", &id_text, "create", actor, now).after(after), None).await?;
        super::apply::write_effects(
            &mut tx,
            Machine::Dossier,
            &id_text,
            effects,
            "create",
            &serde_json::Value::Null,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Everything the engine needs to decide about an instance.
    pub async fn instance(&self, machine: Machine, id: Uuid) -> Result<Instance> {
        let mut conn = self.pool.acquire().await?;
        self.load(&mut conn, machine, id).await
    }

    pub(crate) async fn load(&self, conn: &mut AnyConnection, machine: Machine, id: Uuid) -> Result<Instance> {
        match machine {
            Machine::Dossier => dossier_instance(conn, self.backend(), id).await,
            Machine::Label => label_instance(conn, self.backend(), id).await,
        }
    }
}

/// Facts of a dossier in one round trip. Lists come back as JSON text;
/// the aggregate functions are the one part written per dialect.
const DOSSIER_FACTS_SQLITE: &str = "SELECT d.workflow, d.workflow_version, d.state, d.version, d.kind, d.renewal_of, d.category, d.title, d.form, \
    d.completion_due, d.reviews_shown_at, c.opens_at, c.closes_at, l.valid_until AS renewed_until, \
    (SELECT json_group_array(json_array(kind, json(data))) FROM (SELECT kind, data FROM dossier_records WHERE dossier_id = d.id ORDER BY recorded_at, record_key)) AS records, \
    (SELECT json_group_array(scope) FROM (SELECT scope FROM dossier_scopes WHERE dossier_id = d.id ORDER BY scope)) AS scopes, \
    (SELECT json_group_array(user_id) FROM dossier_owners WHERE dossier_id = d.id) AS owners, \
    (SELECT json_group_array(json_array(user_id, due_at, scores)) FROM (SELECT a.user_id, a.due_at, r.scores FROM assignments a \
        LEFT JOIN reviews r ON r.dossier_id = a.dossier_id AND r.reviewer_id = a.user_id WHERE a.dossier_id = d.id ORDER BY a.assigned_at)) AS reviewers, \
    (SELECT json_group_array(user_id) FROM recusals WHERE dossier_id = d.id) AS recused, \
    (SELECT json_group_array(json_array(name, timer_key)) FROM timers WHERE entity = 'dossier' AND entity_id = d.id AND status = 'pending') AS timers \
    FROM dossiers d JOIN campaigns c ON c.id = d.campaign_id LEFT JOIN labels l ON l.id = d.renewal_of WHERE d.id = $1";

const DOSSIER_FACTS_POSTGRES: &str = "SELECT d.workflow, d.workflow_version, d.state, d.version, d.kind, d.renewal_of, d.category, d.title, d.form::text AS form, \
    d.completion_due, d.reviews_shown_at, c.opens_at, c.closes_at, l.valid_until AS renewed_until, \
    (SELECT COALESCE(json_agg(json_build_array(kind, data) ORDER BY recorded_at, record_key), '[]')::text FROM dossier_records WHERE dossier_id = d.id) AS records, \
    (SELECT COALESCE(json_agg(scope ORDER BY scope), '[]')::text FROM dossier_scopes WHERE dossier_id = d.id) AS scopes, \
    (SELECT COALESCE(json_agg(user_id), '[]')::text FROM dossier_owners WHERE dossier_id = d.id) AS owners, \
    (SELECT COALESCE(json_agg(json_build_array(a.user_id, a.due_at, r.scores) ORDER BY a.assigned_at), '[]')::text FROM assignments a \
        LEFT JOIN reviews r ON r.dossier_id = a.dossier_id AND r.reviewer_id = a.user_id WHERE a.dossier_id = d.id) AS reviewers, \
    (SELECT COALESCE(json_agg(user_id), '[]')::text FROM recusals WHERE dossier_id = d.id) AS recused, \
    (SELECT COALESCE(json_agg(json_build_array(name, timer_key)), '[]')::text FROM timers WHERE entity = 'dossier' AND entity_id = d.id AND status = 'pending') AS timers \
    FROM dossiers d JOIN campaigns c ON c.id = d.campaign_id LEFT JOIN labels l ON l.id = d.renewal_of WHERE d.id = $1";

const LABEL_FACTS_SQLITE: &str = "SELECT l.workflow, l.workflow_version, l.state, l.version, l.dossier_id, l.valid_from, l.valid_until, \
    (SELECT COUNT(*) FROM labels r WHERE r.renewal_of = l.id) AS renewals, \
    (SELECT json_group_array(scope) FROM (SELECT scope FROM label_scopes WHERE label_id = l.id ORDER BY scope)) AS scopes, \
    (SELECT json_group_array(user_id) FROM dossier_owners WHERE dossier_id = l.dossier_id) AS owners, \
    (SELECT json_group_array(json_array(name, timer_key)) FROM timers WHERE entity = 'label' AND entity_id = l.id AND status = 'pending') AS timers, \
    (SELECT json_group_array(json_array(kind, json(data))) FROM (SELECT kind, data FROM label_records WHERE label_id = l.id ORDER BY recorded_at, record_key)) AS records \
    FROM labels l WHERE l.id = $1";

const LABEL_FACTS_POSTGRES: &str = "SELECT l.workflow, l.workflow_version, l.state, l.version, l.dossier_id, l.valid_from, l.valid_until, \
    (SELECT COUNT(*) FROM labels r WHERE r.renewal_of = l.id) AS renewals, \
    (SELECT COALESCE(json_agg(scope ORDER BY scope), '[]')::text FROM label_scopes WHERE label_id = l.id) AS scopes, \
    (SELECT COALESCE(json_agg(user_id), '[]')::text FROM dossier_owners WHERE dossier_id = l.dossier_id) AS owners, \
    (SELECT COALESCE(json_agg(json_build_array(name, timer_key)), '[]')::text FROM timers WHERE entity = 'label' AND entity_id = l.id AND status = 'pending') AS timers, \
    (SELECT COALESCE(json_agg(json_build_array(kind, data) ORDER BY recorded_at, record_key), '[]')::text FROM label_records WHERE label_id = l.id) AS records \
    FROM labels l WHERE l.id = $1";

fn json_column<T: serde::de::DeserializeOwned>(row: &sqlx::any::AnyRow, column: &str) -> Result<T> {
    let text: String = row.get(column);
    serde_json::from_str(&text).map_err(|e| StoreError::Invalid(format!("corrupt {column} list: {e}")))
}

/// The `records` column: (kind, fields) pairs, oldest first.
fn records(row: &sqlx::any::AnyRow) -> Result<Records> {
    let mut out = Records::new();
    for (kind, fields) in json_column::<Vec<(String, serde_json::Map<String, serde_json::Value>)>>(row, "records")? {
        out.entry(kind).or_default().push(fields);
    }
    Ok(out)
}

fn scopes(texts: Vec<String>) -> Vec<Scope> {
    texts.iter().filter_map(|t| Scope::parse(t)).collect()
}

fn ids(texts: Vec<String>) -> Result<Vec<Uuid>> {
    texts.iter().map(|t| parse_id(t)).collect()
}

fn pending_timers(row: &sqlx::any::AnyRow) -> Result<Vec<(String, Option<Uuid>)>> {
    let pairs: Vec<(String, String)> = json_column(row, "timers")?;
    pairs.into_iter().map(|(name, key)| Ok((name, if key.is_empty() { None } else { Some(parse_id(&key)?) }))).collect()
}

async fn dossier_instance(conn: &mut AnyConnection, backend: Backend, id: Uuid) -> Result<Instance> {
    let sql = match backend {
        Backend::Sqlite => DOSSIER_FACTS_SQLITE,
        Backend::Postgres => DOSSIER_FACTS_POSTGRES,
    };
    let row = sqlx::query(sql)
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "dossier" })?;
    let mut reviewers = Vec::new();
    for (user, due, scores) in json_column::<Vec<(String, i64, Option<String>)>>(&row, "reviewers")? {
        let scores = match scores {
            Some(text) => Some(
                serde_json::from_str::<BTreeMap<String, i64>>(&text)
                    .map_err(|e| StoreError::Invalid(format!("corrupt review scores: {e}")))?,
            ),
            None => None,
        };
        reviewers.push(Reviewer { user_id: parse_id(&user)?, due: from_micros(due), scores });
    }
    let form = json_column(&row, "form")?;
    let facts = DossierFacts {
        owners: ids(json_column(&row, "owners")?)?,
        form,
        title: row.get("title"),
        kind: row.get("kind"),
        category: row.get("category"),
        scopes: scopes(json_column(&row, "scopes")?),
        renewal_of: row.get::<Option<String>, _>("renewal_of").map(|s| parse_id(&s)).transpose()?,
        renewal_of_valid_until: row
            .get::<Option<String>, _>("renewed_until")
            .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
        records: records(&row)?,
        call_opens_at: Some(from_micros(row.get("opens_at"))),
        call_closes_at: Some(from_micros(row.get("closes_at"))),
        completion_due: row.get::<Option<i64>, _>("completion_due").map(from_micros),
        reviews_shown: row.get::<Option<i64>, _>("reviews_shown_at").is_some(),
        reviewers,
        recused: ids(json_column(&row, "recused")?)?,
    };
    Ok(Instance {
        machine: Machine::Dossier,
        id,
        state: row.get("state"),
        version: row.get("version"),
        facts: Facts::Dossier(Box::new(facts)),
        pending_timers: pending_timers(&row)?,
        workflow: row.get("workflow"),
        workflow_version: row.get("workflow_version"),
    })
}

async fn label_instance(conn: &mut AnyConnection, backend: Backend, id: Uuid) -> Result<Instance> {
    let sql = match backend {
        Backend::Sqlite => LABEL_FACTS_SQLITE,
        Backend::Postgres => LABEL_FACTS_POSTGRES,
    };
    let row = sqlx::query(sql)
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "label" })?;
    let date = |col: &str| -> Result<NaiveDate> {
        let text: String = row.get(col);
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| StoreError::Invalid(format!("corrupt {col} `{text}`")))
    };
    let facts = LabelFacts {
        dossier_id: row.get::<Option<String>, _>("dossier_id").map(|s| parse_id(&s)).transpose()?,
        owners: ids(json_column(&row, "owners")?)?,
        scopes: scopes(json_column(&row, "scopes")?),
        valid_from: date("valid_from")?,
        valid_until: date("valid_until")?,
        has_labelled_renewal: row.get::<i64, _>("renewals") > 0,
        records: records(&row)?,
    };
    Ok(Instance {
        machine: Machine::Label,
        id,
        state: row.get("state"),
        version: row.get("version"),
        facts: Facts::Label(facts),
        pending_timers: pending_timers(&row)?,
        workflow: row.get("workflow"),
        workflow_version: row.get("workflow_version"),
    })
}
