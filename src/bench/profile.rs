//! What the benchmarks build and repeat, read from the shipped benchmark
//! file of the workflow measured: the accounts by group, the
//! dossier every generated one is made from, the steps of each stage and
//! the steps of the write loads. Nothing here knows a label.

use crate::app::{App, AppError};
use crate::demo::{fill, invalid, steps_through, Step, Values};
use crate::engine::{Actor, Event, Grant, Scope};
use crate::reference::Entry;
use crate::store::records::{NewCampaign, NewDossier, NewUser};
use crate::workflow::{Definition, Machine, Role};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub workflow: String,
    /// The calls' name; `{n}` numbers them.
    pub call: String,
    pub kinds: Vec<String>,
    /// The reference list dossiers are spread over.
    pub spread: String,
    /// A reference list dossiers take their items from by turns.
    pub cycle: Option<String>,
    /// Dossier i is taken up to `stages[i % len]`; "" leaves it a draft.
    pub stages: Vec<String>,
    /// Dossier i's category: `categories[i % len]`.
    pub categories: Vec<String>,
    pub accounts: Vec<Group>,
    pub dossier: Template,
    pub steps: Vec<Step>,
    pub write: Write,
}

/// Accounts of one role.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    #[serde(rename = "as")]
    pub key: String,
    pub role: String,
    pub email: String,
    pub name: String,
    pub scope: Option<String>,
    pub per: Option<Per>,
    pub count: Option<usize>,
    /// A weight in the users left over after the fixed groups.
    pub share: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Item,
    Parent,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The group whose account owns the dossier.
    pub owner: String,
    pub title: String,
    #[serde(default)]
    pub form: Map<String, Value>,
    /// Group items, added one by one: dossier i takes the first `1 + i % len`.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<Value>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Write {
    pub stage: String,
    pub reader: String,
    pub steps: Vec<Step>,
    /// The title owners give drafts to fill the audit log; `{k}` counts.
    pub retitle: String,
    /// The timer added on drafts to reach the asked pending timers.
    pub timer: String,
}

impl Profile {
    /// The shipped benchmark file of `workflow` (`workflows/bench/ID.toml`).
    pub fn load(workflow: &str) -> Result<Profile, String> {
        let file = format!("workflows/bench/{workflow}.toml");
        let text = crate::workflow::builtin::file(&file)
            .ok_or_else(|| format!("no benchmark file {file} for workflow `{workflow}`"))?;
        let profile: Profile = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        profile.check().map_err(|e| format!("{file}: {e}"))?;
        Ok(profile)
    }

    fn check(&self) -> Result<(), String> {
        if crate::reference::items(&self.spread).is_empty() {
            return Err(format!("spread: no reference list `{}`", self.spread));
        }
        if let Some(cycle) = self.cycle.as_deref().filter(|c| crate::reference::items(c).is_empty()) {
            return Err(format!("cycle: no reference list `{cycle}`"));
        }
        if self.stages.is_empty() || self.categories.is_empty() {
            return Err("stages and categories: at least one each".into());
        }
        let staged = |s: &String| s.is_empty() || self.steps.iter().any(|step| &step.stage == s);
        if let Some(s) = self.stages.iter().chain([&self.write.stage]).find(|s| !staged(s)) {
            return Err(format!("stages: no step has the stage `{s}`"));
        }
        let by = self.steps.iter().chain(&self.write.steps).map(|s| s.by.as_str());
        for key in by.chain([self.dossier.owner.as_str(), self.write.reader.as_str()]) {
            let group = key.split('#').next().unwrap_or_default();
            if self.group(group).is_none() {
                return Err(format!("no account group `{group}` (named by `{key}`)"));
            }
        }
        Ok(())
    }

    fn group(&self, key: &str) -> Option<&Group> {
        self.accounts.iter().find(|g| g.key == key)
    }

    pub fn items(&self) -> &'static [Entry] {
        crate::reference::items(&self.spread)
    }

    /// Where dossier `i` lies: its item's index.
    pub fn item_of(&self, i: usize) -> usize {
        i % self.items().len()
    }

    /// The stage dossier `i` is taken to ("" for none).
    pub fn stage_of(&self, i: usize) -> &str {
        &self.stages[i % self.stages.len()]
    }

    /// The texts' variables of dossier `i`.
    pub fn vars(&self, i: usize) -> Vec<(&'static str, String)> {
        let items = self.items();
        let item = &items[self.item_of(i)];
        let mut vars = vec![
            ("i", i.to_string()),
            ("code", item.code.clone()),
            ("label", item.label.clone()),
            ("parent", item.parent().to_string()),
            ("category", self.categories[i % self.categories.len()].clone()),
        ];
        if let Some(cycle) = self.cycle.as_deref().map(crate::reference::items).filter(|c| !c.is_empty()) {
            let c = &cycle[(i / items.len()) % cycle.len()];
            vars.extend([("cycle.code", c.code.clone()), ("cycle.label", c.label.clone())]);
        }
        vars
    }
}

/// The accounts made for a profile, by group.
pub struct Cast {
    /// Per group: its accounts, each with the item (or parent) code it is
    /// for, if any.
    groups: BTreeMap<String, Vec<(Option<String>, Actor)>>,
    emails: BTreeMap<Uuid, String>,
    pub campaigns: Vec<Uuid>,
}

impl Cast {
    /// Makes every account (at least one per group and per item for the
    /// groups by item) and `campaigns` calls; `users` in all if more.
    pub async fn make(
        app: &App,
        profile: &Profile,
        users: usize,
        campaigns: usize,
        password_hash: &str,
    ) -> Result<Cast, AppError> {
        let now = app.clock.now();
        let items = profile.items();
        let mut parents: Vec<&str> = Vec::new();
        for item in items {
            if !parents.contains(&item.parent()) {
                parents.push(item.parent());
            }
        }
        let fixed = |g: &Group| match g.per {
            Some(Per::Item) => items.len(),
            Some(Per::Parent) => parents.len(),
            None => g.count.unwrap_or(1),
        };
        let weights: usize = profile.accounts.iter().filter_map(|g| g.share).sum();
        let made: usize = profile.accounts.iter().filter(|g| g.share.is_none()).map(fixed).sum();
        let left = users.saturating_sub(made);
        let (mut groups, mut emails) = (BTreeMap::new(), BTreeMap::new());
        for g in &profile.accounts {
            let count = match g.share {
                // Two at least, for the steps naming `GROUP#2`.
                Some(w) => (left * w / weights.max(1)).max(fixed(g)).max(2),
                None => fixed(g),
            };
            let mut accounts = Vec::with_capacity(count);
            for n in 0..count {
                let code = match g.per {
                    Some(Per::Item) => Some(items[n % items.len()].code.clone()),
                    Some(Per::Parent) => Some(parents[n % parents.len()].to_string()),
                    None => None,
                };
                let label = match g.per {
                    Some(Per::Item) => items[n % items.len()].label.clone(),
                    _ => code.clone().unwrap_or_default(),
                };
                let per_code = match g.per {
                    Some(Per::Item) => n / items.len(),
                    Some(Per::Parent) => n / parents.len(),
                    None => n,
                };
                let mut vars = vec![("n", (per_code + 1).to_string()), ("label", label)];
                vars.push(("code", code.clone().unwrap_or_default()));
                let text = |t: &str| fill(t, &vars);
                let scope = match g.scope.as_deref().map(text) {
                    Some(s) => Some(Scope::parse(&s).ok_or_else(|| invalid(format!("account scope `{s}`")))?),
                    None => None,
                };
                let new = NewUser {
                    email: text(&g.email).to_lowercase(),
                    name: text(&g.name),
                    password_hash: password_hash.to_string(),
                    grants: vec![Grant { role: Role::new(&g.role), scope }],
                    affiliations: vec![],
                };
                let id = app.store.create_user(&new, &Actor::system(), now).await?;
                emails.insert(id, new.email);
                accounts.push((code, app.store.actor(id).await?));
            }
            groups.insert(g.key.clone(), accounts);
        }
        let mut cast = Cast { groups, emails, campaigns: Vec::new() };
        let def = app.definition(&profile.workflow)?;
        let admin = match profile.accounts.iter().find(|g| g.role == Role::ADMIN) {
            Some(g) => cast.account(&g.key)?.clone(),
            None => Actor::system(),
        };
        for c in 0..campaigns.max(1) {
            let new = NewCampaign {
                name: fill(&profile.call, &[("n", (c + 1).to_string())]),
                workflow: def.id.clone(),
                sources: Some(def.sources.clone()),
                criteria: def.grid.id.clone(),
                opens_at: now - Duration::days(60),
                closes_at: now + Duration::days(90 + 7 * c as i64),
                kinds: profile.kinds.clone(),
                territory: None,
            };
            cast.campaigns.push(app.store.create_campaign(&new, &admin, now).await?);
        }
        Ok(cast)
    }

    /// The e-mail an account logs in with.
    pub fn email(&self, actor: &Actor) -> &str {
        actor.user_id.and_then(|u| self.emails.get(&u)).map_or("", String::as_str)
    }

    /// The only (or first) account of a group.
    pub fn account(&self, key: &str) -> Result<&Actor, AppError> {
        self.groups.get(key).and_then(|g| g.first()).map(|(_, a)| a).ok_or_else(|| invalid(format!("no `{key}`")))
    }

    /// The account of `who` (`GROUP` or `GROUP#2`) acting on dossier `i`.
    pub fn pick(&self, profile: &Profile, who: &str, i: usize) -> Result<&Actor, AppError> {
        let (key, nth) = match who.split_once('#') {
            Some((key, n)) => (key, n.parse::<usize>().unwrap_or(1).saturating_sub(1)),
            None => (who, 0),
        };
        let all = self.groups.get(key).ok_or_else(|| invalid(format!("no account group `{key}`")))?;
        let item = &profile.items()[profile.item_of(i)];
        let group = profile.group(key).ok_or_else(|| invalid(format!("no account group `{key}`")))?;
        let mine: Vec<&Actor> = match group.per {
            Some(Per::Item) => all.iter().filter(|(c, _)| c.as_deref() == Some(&item.code)).map(|(_, a)| a).collect(),
            Some(Per::Parent) => {
                all.iter().filter(|(c, _)| c.as_deref() == Some(item.parent())).map(|(_, a)| a).collect()
            }
            None => all.iter().map(|(_, a)| a).collect(),
        };
        let n = mine.len();
        if n == 0 {
            return Err(invalid(format!("no `{key}` account for dossier {i}")));
        }
        // Turn by turn, so that load spreads; the second pick differs from
        // the first, by a step varying with the dossier.
        let turn = if group.per.is_some() { i / profile.items().len() } else { i };
        let first = turn % n;
        let index = if nth == 0 || n == 1 { first } else { (first + nth * (1 + (turn / n) % (n - 1))) % n };
        Ok(mine[index])
    }

    /// Creates dossier `i` from the template and takes it through the
    /// steps of every stage up to `stage` ("" for none).
    pub async fn dossier(
        &self,
        app: &App,
        profile: &Profile,
        def: &Definition,
        campaign: Uuid,
        i: usize,
        stage: &str,
    ) -> Result<Uuid, AppError> {
        let vars = profile.vars(i);
        let id_of = |who: &str| self.pick(profile, who, i).map(|a| a.user_id.unwrap_or_default());
        let values = Values { def, now: app.clock.now(), account: &id_of, vars: &vars };
        let owner = self.pick(profile, &profile.dossier.owner, i)?;
        let form = values.resolve(&Value::Object(profile.dossier.form.clone()))?;
        let new = NewDossier {
            campaign_id: campaign,
            kind: profile.kinds.first().cloned().unwrap_or_default(),
            category: values.text("{category}"),
            title: values.text(&profile.dossier.title),
            ..Default::default()
        }
        .with_form(form);
        let id = app.create_dossier(owner, owner.user_id.unwrap_or_default(), new).await?;
        for (group, items) in &profile.dossier.groups {
            for item in items.iter().take(1 + i % items.len().max(1)) {
                if let Value::Object(item) = values.resolve(item)? {
                    app.add_group_item(owner, id, group, item).await?;
                }
            }
        }
        if stage.is_empty() {
            return Ok(id);
        }
        for step in steps_through(&profile.steps, stage)? {
            let who = self.pick(profile, &step.by, i)?;
            app.act(who, Machine::Dossier, id, values.event(&step.event, &step.data)?).await?;
        }
        Ok(id)
    }

    /// Write step `k` of the loop on dossier `i`: who sends which event.
    pub fn write_step(
        &self,
        app: &App,
        profile: &Profile,
        def: &Definition,
        i: usize,
        k: usize,
    ) -> Result<(Actor, Event), AppError> {
        let step = &profile.write.steps[k % profile.write.steps.len()];
        let vars = profile.vars(i);
        let id_of = |who: &str| self.pick(profile, who, i).map(|a| a.user_id.unwrap_or_default());
        let values = Values { def, now: app.clock.now(), account: &id_of, vars: &vars };
        Ok((self.pick(profile, &step.by, i)?.clone(), values.event(&step.event, &step.data)?))
    }

    /// The numbers of dossiers of the second item (or the only one), from
    /// `from` on: where the write loads write.
    pub fn write_numbers(profile: &Profile, from: usize, count: usize) -> Vec<usize> {
        let n = profile.items().len();
        let first = from.div_ceil(n) * n + n.min(2) - 1;
        (0..count).map(|k| first + k * n).collect()
    }
}
