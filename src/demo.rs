//! `serve --demo`: a call for projects with accounts of every role and
//! dossiers at several stages, described by a demo file of the workflows
//! folder (`demo/*.toml`) and made through the engine, step by step, as
//! people would.

use crate::app::{App, AppError};
use crate::auth::hash_password;
use crate::engine::{Actor, Event, Grant, Scope};
use crate::store::records::{NewDossier, NewUser};
use crate::store::StoreError;
use crate::workflow::Definition;
use crate::workflow::{Machine, Role};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;
use uuid::Uuid;

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-labelflow";

/// A demo: its call, accounts, the steps of each stage and the dossiers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demo {
    /// The workflow the call runs on.
    pub workflow: String,
    pub call: String,
    /// The territory that sets the call, for a workflow whose territories
    /// set their own (`[campaigns]`): its scope code; the call is opened by
    /// that territory's services.
    #[serde(default)]
    pub territory: Option<String>,
    pub opens_days_ago: i64,
    pub closes_in_days: i64,
    pub accounts: Vec<Account>,
    /// In order; a dossier takes every step of the stages up to its own.
    #[serde(default)]
    pub steps: Vec<Step>,
    pub dossiers: Vec<DemoDossier>,
    /// Labels granted before, brought in as the campus import takes them
    /// (CSV, the workflow's import columns).
    #[serde(default)]
    pub imports: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub email: String,
    pub name: String,
    pub role: String,
    pub scope: Option<String>,
    #[serde(default)]
    pub affiliations: Vec<String>,
}

/// One step of a demo or benchmark file: who sends which event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The stage it belongs to (none for a benchmark's write loop).
    #[serde(default)]
    pub stage: String,
    /// Who acts: an account's e-mail (demo), an account group (benchmark).
    pub by: String,
    pub event: String,
    /// The event's inputs, read by [`Values`].
    #[serde(default)]
    pub data: Map<String, Value>,
}

/// The steps a dossier taken to `stage` goes through: those of `stage` and
/// of every stage named before it, stages ordered as the steps first name
/// them.
pub fn steps_through<'s>(steps: &'s [Step], stage: &str) -> Result<Vec<&'s Step>, AppError> {
    let mut stages: Vec<&str> = Vec::new();
    for s in steps {
        if !stages.contains(&s.stage.as_str()) {
            stages.push(&s.stage);
        }
    }
    let upto = stages.iter().position(|s| *s == stage).ok_or_else(|| invalid(format!("no stage `{stage}`")))?;
    Ok(steps.iter().filter(|s| stages.iter().position(|x| *x == s.stage) <= Some(upto)).collect())
}

/// `text` with each `{name}` of `vars` replaced by its value.
pub fn fill(text: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(text.to_string(), |t, (name, value)| t.replace(&format!("{{{name}}}"), value))
}

/// What the values of a demo or benchmark file stand for: `{ account =
/// "WHO" }` is that account's id, `{ days_from_now = N }` a date, `{
/// top_thresholds = true }` each criterion of the grid scored at its
/// highest bar and `{ thresholds = "NAME" }` at its bar NAME, `{ pick =
/// [..] }` the item `i` of the list (cycling); in a text, `{name}` is the
/// variable `name`.
pub struct Values<'a> {
    pub def: &'a Definition,
    pub now: DateTime<Utc>,
    pub account: &'a (dyn Fn(&str) -> Result<Uuid, AppError> + Sync),
    /// The texts' variables; `i` also chooses what `pick` takes.
    pub vars: &'a [(&'a str, String)],
}

impl Values<'_> {
    /// Event `name` with `data` resolved.
    pub fn event(&self, name: &str, data: &Map<String, Value>) -> Result<Event, AppError> {
        let mut event = Event::named(name);
        for (field, value) in data {
            event = event.with(field, self.resolve(value)?);
        }
        Ok(event)
    }

    pub fn text(&self, text: &str) -> String {
        fill(text, self.vars)
    }

    pub fn resolve(&self, value: &Value) -> Result<Value, AppError> {
        let scores = |bar: &dyn Fn(&crate::workflow::Criterion) -> Option<i64>| -> Result<Value, AppError> {
            let grid = &self.def.grid;
            let scored = grid.criteria.iter().map(|c| {
                let score = bar(c).ok_or_else(|| invalid(format!("criterion `{}` has no such bar", c.code)))?;
                Ok((c.code.clone(), Value::from(score)))
            });
            Ok(Value::Object(scored.collect::<Result<Map<String, Value>, AppError>>()?))
        };
        Ok(match value {
            Value::String(text) => Value::from(self.text(text)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve(v)).collect::<Result<_, _>>()?),
            Value::Object(o) => match o.iter().next() {
                Some((k, v)) if o.len() == 1 && k == "account" => {
                    Value::from((self.account)(&self.text(v.as_str().unwrap_or_default()))?.to_string())
                }
                Some((k, v)) if o.len() == 1 && k == "days_from_now" => {
                    let days = v.as_i64().ok_or_else(|| invalid("days_from_now: a number of days".into()))?;
                    Value::from((self.now + Duration::days(days)).format("%Y-%m-%d").to_string())
                }
                Some((k, _)) if o.len() == 1 && k == "top_thresholds" => scores(&|c| self.def.grid.top_threshold(c))?,
                Some((k, v)) if o.len() == 1 && k == "thresholds" => {
                    let name = self.text(v.as_str().unwrap_or_default());
                    scores(&|c| c.thresholds.get(&name).copied())?
                }
                Some((k, v)) if o.len() == 1 && k == "pick" => {
                    let list = v.as_array().filter(|l| !l.is_empty());
                    let list = list.ok_or_else(|| invalid("pick: a list of values".into()))?;
                    let i: usize = self.var("i").and_then(|i| i.parse().ok()).unwrap_or_default();
                    self.resolve(&list[i % list.len()])?
                }
                _ => Value::Object(
                    o.iter().map(|(k, v)| Ok((k.clone(), self.resolve(v)?))).collect::<Result<_, AppError>>()?,
                ),
            },
            other => other.clone(),
        })
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDossier {
    pub title: String,
    pub category: String,
    /// The e-mail of its owner.
    pub owner: String,
    /// Its form's values; a group's items are added one by one.
    #[serde(default)]
    pub form: Map<String, Value>,
    /// The last stage it is taken through; a draft without one.
    pub stage: Option<String>,
    /// Who takes the steps of an account for this dossier (the staff of
    /// its own territory), by the steps' account.
    #[serde(default)]
    pub stand_ins: std::collections::BTreeMap<String, String>,
}

pub(crate) fn invalid(reason: String) -> AppError {
    AppError::Store(StoreError::Invalid(format!("demo: {reason}")))
}

impl Demo {
    /// The demo files of the workflows folder `dir` (its `demo/`), else the
    /// shipped ones, by file name.
    pub fn load_all(dir: &Path) -> Result<Vec<Demo>, String> {
        let mut texts: Vec<(String, String)> = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir.join("demo")) {
            for path in entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "toml")) {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                texts.push((path.display().to_string(), text));
            }
        }
        if texts.is_empty() {
            let shipped = crate::workflow::builtin::FILES.iter().filter(|(p, _)| p.starts_with("workflows/demo/"));
            texts.extend(shipped.map(|(p, t)| (p.to_string(), t.to_string())));
        }
        texts.sort();
        if texts.is_empty() {
            return Err("no demo file".into());
        }
        texts.into_iter().map(|(file, text)| toml::from_str(&text).map_err(|e| format!("{file}: {e}"))).collect()
    }

    /// The first demo file (by name) of `dir`, else the shipped one.
    pub fn load(dir: &Path) -> Result<Demo, String> {
        Ok(Demo::load_all(dir)?.remove(0))
    }

    /// The demo accounts, for printing their logins.
    pub fn logins(&self) -> impl Iterator<Item = &Account> {
        self.accounts.iter()
    }
}

/// Seeds the demo once; returns false when it was already there.
pub async fn seed(app: &App, demo: &Demo) -> Result<bool, AppError> {
    if app.store.campaign_named(&demo.call).await?.is_some() {
        return Ok(false);
    }
    let def = app.definition(&demo.workflow)?;
    let now = app.clock.now();
    let system = Actor::system();
    let password_hash = hash_password(DEMO_PASSWORD).map_err(|e| invalid(e.to_string()))?;
    let mut people: Vec<(String, Uuid)> = Vec::new();
    for a in &demo.accounts {
        // An account of several demos (the administrator) is made once.
        if let Some((id, _)) = app.store.credentials(&a.email).await? {
            people.push((a.email.clone(), id));
            continue;
        }
        let scope = a.scope.as_deref().map(|s| Scope::parse(s).ok_or_else(|| invalid(format!("scope `{s}`"))));
        let user = NewUser {
            email: a.email.clone(),
            name: a.name.clone(),
            password_hash: password_hash.clone(),
            grants: vec![Grant { role: Role::new(&a.role), scope: scope.transpose()? }],
            affiliations: a.affiliations.iter().filter_map(|s| Scope::parse(s)).collect(),
        };
        people.push((a.email.clone(), app.store.create_user(&user, &system, now).await?));
    }
    let id_of = |email: &str| {
        people
            .iter()
            .find(|(e, _)| e == email)
            .map(|(_, id)| *id)
            .ok_or_else(|| invalid(format!("no account `{email}`")))
    };
    let admin = match demo.accounts.iter().find(|a| a.role == Role::ADMIN) {
        Some(a) => app.store.actor(id_of(&a.email)?).await?,
        None => system.clone(),
    };
    let input = crate::app::dossiers::CampaignInput {
        name: demo.call.clone(),
        workflow: def.id.clone(),
        opens_at: (now - Duration::days(demo.opens_days_ago)).to_rfc3339(),
        closes_at: (now + Duration::days(demo.closes_in_days)).to_rfc3339(),
        criteria: None,
        kinds: None,
        territory: demo.territory.clone(),
    };
    // A territory's call is opened by its own services, as the API lets
    // them.
    let opener = demo.accounts.iter().find(|a| {
        def.campaigns.opened_by.iter().any(|r| r.name() == a.role)
            && demo
                .territory
                .as_ref()
                .is_some_and(|t| a.scope.as_deref().and_then(Scope::parse).is_some_and(|s| &s.code == t))
    });
    let opener = match opener {
        Some(a) => app.store.actor(id_of(&a.email)?).await?,
        None => admin.clone(),
    };
    let campaign = app.create_campaign(&opener, &input).await.map_err(|e| invalid(format!("call: {e}")))?;
    let campaign = uuid::Uuid::parse_str(&campaign.id).map_err(|e| invalid(e.to_string()))?;
    if let Some(csv) = &demo.imports {
        let report = app.import_campuses(&admin, Some(&def.id), csv, false).await?;
        if let Some(p) = report.problems.first() {
            return Err(invalid(format!("imports: {p}")));
        }
    }
    for d in &demo.dossiers {
        let owner_id = id_of(&d.owner)?;
        let owner = app.store.actor(owner_id).await?;
        let (groups, values): (Map<String, Value>, Map<String, Value>) =
            d.form.clone().into_iter().partition(|(k, _)| def.form.field(k).is_some_and(|f| !f.fields.is_empty()));
        let new = NewDossier {
            campaign_id: campaign,
            kind: "creation".into(),
            category: d.category.clone(),
            title: d.title.clone(),
            ..Default::default()
        };
        let form = crate::engine::form::apply(&def.form, &Map::new(), &values)
            .map_err(|e| invalid(format!("{}: {} {}", d.title, e.field, e.reason)))?;
        let id = app.create_dossier(&owner, owner_id, NewDossier { form, ..new }).await?;
        for (group, items) in groups {
            for item in items.as_array().into_iter().flatten().filter_map(Value::as_object) {
                app.add_group_item(&owner, id, &group, item.clone()).await?;
            }
        }
        let Some(last) = d.stage.as_deref() else { continue };
        // A step's texts may name the dossier's category (`{category}`).
        let vars = [("category", d.category.clone())];
        let values = Values { def: &def, now, account: &id_of, vars: &vars };
        for step in steps_through(&demo.steps, last)? {
            let by = d.stand_ins.get(&step.by).unwrap_or(&step.by);
            let who = app.store.actor(id_of(by)?).await?;
            app.act(&who, Machine::Dossier, id, values.event(&step.event, &step.data)?).await?;
        }
    }
    Ok(true)
}
