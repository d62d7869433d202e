//! Creating and reading the records the engine works on.

use super::audit::{append, Entry};
use super::{from_micros, to_micros, Result, Store, StoreError};
use crate::engine::{
    Actor, DossierFacts, Effects, Facts, Grant, Instance, LabelFacts, Person, Reviewer, Scope,
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
    pub criteria: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub kinds: Vec<String>,
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
    pub filiere: String,
    pub region: String,
    pub academies: Vec<String>,
    pub support_establishment: String,
    pub directeur_operationnel: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: String,
    pub name: String,
    pub workflow: String,
    pub criteria: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub kinds: String,
}

fn parse_id(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text)
        .map_err(|_| StoreError::Invalid(format!("corrupt id `{text}` in the database")))
}

impl Store {
    pub async fn create_user(
        &self,
        user: &NewUser,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT 1 FROM users WHERE email = $1")
            .bind(&user.email)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Invalid(format!(
                "email: a user with the address {} already exists",
                user.email
            )));
        }
        sqlx::query("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.to_string())
            .bind(&user.email)
            .bind(&user.name)
            .bind(&user.password_hash)
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await?;
        for g in &user.grants {
            sqlx::query("INSERT INTO user_roles (user_id, role, scope) VALUES ($1, $2, $3)")
                .bind(id.to_string())
                .bind(g.role.name())
                .bind(
                    g.scope
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )
                .execute(&mut *tx)
                .await?;
        }
        for a in &user.affiliations {
            sqlx::query("INSERT INTO user_affiliations (user_id, affiliation) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(a.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let grants: Vec<String> = user
            .grants
            .iter()
            .map(|g| match &g.scope {
                Some(s) => format!("{}@{s}", g.role),
                None => g.role.to_string(),
            })
            .collect();
        let after = json!({"email": user.email, "name": user.name, "roles": grants, "affiliations": user.affiliations});
        append(
            &mut tx,
            self.backend(),
            &Entry::new("user", &id.to_string(), "create", actor, now).after(after),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The actor a user acts as: their grants and affiliations.
    pub async fn actor(&self, user_id: Uuid) -> Result<Actor> {
        let person = self
            .person(user_id)
            .await?
            .ok_or(StoreError::NotFound { what: "user" })?;
        let rows = sqlx::query(
            "SELECT role, scope FROM user_roles WHERE user_id = $1 ORDER BY role, scope",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let grants = rows
            .iter()
            .filter_map(|r| {
                let role = Role::parse(r.get::<String, _>("role").as_str())?;
                let scope: String = r.get("scope");
                Some(Grant {
                    role,
                    scope: Scope::parse(&scope),
                })
            })
            .collect();
        Ok(Actor {
            user_id: Some(user_id),
            grants,
            affiliations: person.affiliations,
            on_behalf_of: None,
        })
    }

    /// A user as the subject of an event, or None if unknown.
    pub async fn person(&self, user_id: Uuid) -> Result<Option<Person>> {
        let id = user_id.to_string();
        if sqlx::query("SELECT 1 FROM users WHERE id = $1")
            .bind(&id)
            .fetch_optional(&self.pool)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let roles = sqlx::query("SELECT DISTINCT role FROM user_roles WHERE user_id = $1")
            .bind(&id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .filter_map(|r| Role::parse(r.get::<String, _>("role").as_str()))
            .collect();
        let affiliations = sqlx::query(
            "SELECT affiliation FROM user_affiliations WHERE user_id = $1 ORDER BY affiliation",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .filter_map(|r| Scope::parse(r.get::<String, _>("affiliation").as_str()))
        .collect();
        Ok(Some(Person {
            user_id,
            roles,
            affiliations,
        }))
    }

    pub async fn create_campaign(
        &self,
        c: &NewCampaign,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO campaigns (id, name, workflow, criteria, opens_at, closes_at, kinds, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(&c.name)
        .bind(&c.workflow)
        .bind(&c.criteria)
        .bind(to_micros(c.opens_at))
        .bind(to_micros(c.closes_at))
        .bind(c.kinds.join(","))
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await?;
        let after = json!({"name": c.name, "workflow": c.workflow, "criteria": c.criteria,
            "opens_at": c.opens_at, "closes_at": c.closes_at, "kinds": c.kinds});
        append(
            &mut tx,
            self.backend(),
            &Entry::new("campaign", &id.to_string(), "create", actor, now).after(after),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn campaign(&self, id: Uuid) -> Result<CampaignRow> {
        sqlx::query_as::<_, CampaignRow>(
            "SELECT id, name, workflow, criteria, opens_at, closes_at, kinds FROM campaigns WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "campaign" })
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
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO dossiers (id, campaign_id, workflow, state, version, kind, renewal_of, category, title, \
             filiere, region, support_establishment, directeur_operationnel, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
        )
        .bind(&id_text)
        .bind(d.campaign_id.to_string())
        .bind(&d.workflow)
        .bind(&d.initial_state)
        .bind(&d.kind)
        .bind(d.renewal_of.map(|u| u.to_string()))
        .bind(&d.category)
        .bind(&d.title)
        .bind(&d.filiere)
        .bind(&d.region)
        .bind(&d.support_establishment)
        .bind(&d.directeur_operationnel)
        .bind(actor.user_id.map(|u| u.to_string()))
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await?;
        for a in &d.academies {
            sqlx::query("INSERT INTO dossier_academies (dossier_id, academie) VALUES ($1, $2)")
                .bind(&id_text)
                .bind(a)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO dossier_owners (dossier_id, user_id) VALUES ($1, $2)")
            .bind(&id_text)
            .bind(owner.to_string())
            .execute(&mut *tx)
            .await?;
        let after = json!({"state": d.initial_state, "version": 1, "campaign_id": d.campaign_id, "kind": d.kind,
            "renewal_of": d.renewal_of, "category": d.category, "title": d.title, "filiere": d.filiere,
            "region": d.region, "academies": d.academies, "support_establishment": d.support_establishment,
            "directeur_operationnel": d.directeur_operationnel, "owners": [owner]});
        append(
            &mut tx,
            self.backend(),
            &Entry::new("dossier", &id_text, "create", actor, now).after(after),
        )
        .await?;
        super::apply::write_effects(&mut tx, Machine::Dossier, &id_text, effects, "create", now)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a typed partner to a dossier's network.
    pub async fn add_partner(
        &self,
        dossier: Uuid,
        name: &str,
        kind: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let mut tx = self.pool.begin().await?;
        let bumped =
            sqlx::query("UPDATE dossiers SET version = version + 1, updated_at = $1 WHERE id = $2")
                .bind(to_micros(now))
                .bind(dossier.to_string())
                .execute(&mut *tx)
                .await?;
        if bumped.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "dossier" });
        }
        sqlx::query("INSERT INTO partners (id, dossier_id, name, type, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.to_string())
            .bind(dossier.to_string())
            .bind(name)
            .bind(kind)
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await?;
        let data = json!({"partner_id": id, "name": name, "type": kind});
        append(
            &mut tx,
            self.backend(),
            &Entry::new("dossier", &dossier.to_string(), "add_partner", actor, now).data(data),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Everything the engine needs to decide about an instance.
    pub async fn instance(&self, machine: Machine, id: Uuid) -> Result<Instance> {
        let mut conn = self.pool.acquire().await?;
        match machine {
            Machine::Dossier => dossier_instance(&mut conn, id).await,
            Machine::Label => label_instance(&mut conn, id).await,
        }
    }
}

async fn strings(conn: &mut AnyConnection, sql: &'static str, id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query(sql)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect())
}

async fn dossier_instance(conn: &mut AnyConnection, id: Uuid) -> Result<Instance> {
    let key = id.to_string();
    let row = sqlx::query(
        "SELECT d.state, d.version, d.kind, d.renewal_of, d.category, d.title, d.filiere, d.region, \
         d.support_establishment, d.directeur_operationnel, d.endorsed_rectorat_at, d.endorsed_region_at, \
         d.completion_due, c.opens_at, c.closes_at, l.valid_until AS renewed_until \
         FROM dossiers d JOIN campaigns c ON c.id = d.campaign_id LEFT JOIN labels l ON l.id = d.renewal_of \
         WHERE d.id = $1",
    )
    .bind(&key)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound { what: "dossier" })?;

    let academies = strings(
        conn,
        "SELECT academie FROM dossier_academies WHERE dossier_id = $1 ORDER BY academie",
        &key,
    )
    .await?;
    let owners = strings(
        conn,
        "SELECT user_id FROM dossier_owners WHERE dossier_id = $1",
        &key,
    )
    .await?;
    let partners =
        sqlx::query("SELECT name, type FROM partners WHERE dossier_id = $1 ORDER BY created_at")
            .bind(&key)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect();
    let opinions = sqlx::query("SELECT body, opinion FROM opinions WHERE dossier_id = $1")
        .bind(&key)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect();
    let mut reviewers = Vec::new();
    for r in sqlx::query(
        "SELECT a.user_id, a.due_at, r.scores FROM assignments a \
         LEFT JOIN reviews r ON r.dossier_id = a.dossier_id AND r.reviewer_id = a.user_id \
         WHERE a.dossier_id = $1 ORDER BY a.assigned_at",
    )
    .bind(&key)
    .fetch_all(&mut *conn)
    .await?
    {
        let scores: Option<String> = r.get(2);
        let scores = match scores {
            Some(text) => Some(
                serde_json::from_str::<BTreeMap<String, i64>>(&text)
                    .map_err(|e| StoreError::Invalid(format!("corrupt review scores: {e}")))?,
            ),
            None => None,
        };
        reviewers.push(Reviewer {
            user_id: parse_id(&r.get::<String, _>(0))?,
            due: from_micros(r.get(1)),
            scores,
        });
    }

    let facts = DossierFacts {
        owners: owners.iter().map(|o| parse_id(o)).collect::<Result<_>>()?,
        title: row.get("title"),
        kind: row.get("kind"),
        category: row.get("category"),
        filiere: row.get("filiere"),
        region: row.get("region"),
        academies,
        support_establishment: row.get("support_establishment"),
        directeur_operationnel: row.get("directeur_operationnel"),
        renewal_of: row
            .get::<Option<String>, _>("renewal_of")
            .map(|s| parse_id(&s))
            .transpose()?,
        renewal_of_valid_until: row
            .get::<Option<String>, _>("renewed_until")
            .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
        partners,
        endorsed_rectorat: row.get::<Option<i64>, _>("endorsed_rectorat_at").is_some(),
        endorsed_region: row.get::<Option<i64>, _>("endorsed_region_at").is_some(),
        opinions,
        call_opens_at: Some(from_micros(row.get("opens_at"))),
        call_closes_at: Some(from_micros(row.get("closes_at"))),
        completion_due: row.get::<Option<i64>, _>("completion_due").map(from_micros),
        reviewers,
    };
    Ok(Instance {
        machine: Machine::Dossier,
        id,
        state: row.get("state"),
        version: row.get("version"),
        facts: Facts::Dossier(Box::new(facts)),
    })
}

async fn label_instance(conn: &mut AnyConnection, id: Uuid) -> Result<Instance> {
    let key = id.to_string();
    let row = sqlx::query(
        "SELECT state, version, dossier_id, region, valid_from, valid_until, \
         (SELECT COUNT(*) FROM labels r WHERE r.renewal_of = labels.id) AS renewals \
         FROM labels WHERE id = $1",
    )
    .bind(&key)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound { what: "label" })?;
    let academies = strings(
        conn,
        "SELECT academie FROM label_academies WHERE label_id = $1 ORDER BY academie",
        &key,
    )
    .await?;
    let owners = strings(
        conn,
        "SELECT o.user_id FROM dossier_owners o JOIN labels l ON l.dossier_id = o.dossier_id WHERE l.id = $1",
        &key,
    )
    .await?;
    let date = |col: &str| -> Result<NaiveDate> {
        let text: String = row.get(col);
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| StoreError::Invalid(format!("corrupt {col} `{text}`")))
    };
    let facts = LabelFacts {
        dossier_id: row
            .get::<Option<String>, _>("dossier_id")
            .map(|s| parse_id(&s))
            .transpose()?,
        owners: owners.iter().map(|o| parse_id(o)).collect::<Result<_>>()?,
        region: row.get("region"),
        academies,
        valid_from: date("valid_from")?,
        valid_until: date("valid_until")?,
        has_labelled_renewal: row.get::<i64, _>("renewals") > 0,
    };
    Ok(Instance {
        machine: Machine::Label,
        id,
        state: row.get("state"),
        version: row.get("version"),
        facts: Facts::Label(facts),
    })
}
