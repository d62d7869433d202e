//! Use cases on campaigns, dossiers and labels, with their authorisation.

use super::access::{self, ReviewAccess};
use super::{App, AppError};
use crate::engine::{Actor, Event, Facts, Instance, Refusal};
use crate::store::audit::TrailEntry;
use crate::store::dossiers::{DossierChanges, DossierFilter, NewAttachment};
use crate::store::labels::LabelFilter;
use crate::store::records::{NewCampaign, NewDossier};
use crate::store::views::*;
use crate::store::StoreError;
use crate::workflow::{Definition, FieldType, Machine, RoleKind};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    AppError::Refused(Refusal::invalid(field, reason))
}

/// The group of the form the partner endpoints edit.
const PARTNERS: &str = "partners";

/// A group's name for one item in audit actions (`add_partner` for
/// `partners`).
fn singular(group: &str) -> &str {
    group.strip_suffix('s').unwrap_or(group)
}

/// The actor of an audit entry the reader may not know.
pub const HIDDEN_ACTOR: &str = "hidden";

fn forbidden(reason: &str) -> AppError {
    AppError::Refused(Refusal::NotAllowed { reason: reason.into() })
}

fn not_found(what: &'static str) -> AppError {
    AppError::Store(StoreError::NotFound { what })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CampaignInput {
    pub name: String,
    /// Workflow id (`GET /api/v1/workflows`).
    pub workflow: String,
    /// RFC 3339 instant, or a Paris local date-time or date (a date opens at 00:00, closes at 23:59).
    pub opens_at: String,
    pub closes_at: String,
    /// Criteria grid version; the workflow's when absent.
    pub criteria: Option<String>,
    /// `creation`, `renewal`; both when absent.
    pub kinds: Option<Vec<String>>,
    /// For a workflow whose calls are set per territory (`campaigns.scope`
    /// in `GET /api/v1/workflows`): the territory's code;
    /// refused for a national call.
    #[serde(default)]
    pub territory: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DossierInput {
    pub campaign_id: String,
    pub title: String,
    /// `creation` or `renewal`.
    pub kind: String,
    /// The label renewed, for `kind: renewal`.
    pub renewal_of: Option<String>,
    /// One of the workflow's categories (`GET /api/v1/workflows`).
    pub category: String,
    /// Values of the workflow's form (`GET /api/v1/workflows`), by field.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form: Option<Map<String, Value>>,
    /// The form's `top_level` fields may also be given here, beside the
    /// dossier's own data; other keys are ignored.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub top_level: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DossierPatch {
    /// The version the edit was made on; a newer one gives 409.
    pub version: Option<i64>,
    pub title: Option<String>,
    pub category: Option<String>,
    /// Values of the workflow's form to change, by field (null clears one).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form: Option<Map<String, Value>>,
    /// The form's `top_level` fields may also be changed here; other keys
    /// are ignored.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub top_level: Map<String, Value>,
}

/// Longest title or name accepted.
const MAX_LINE: usize = 300;

/// A one-line text: control characters (TAB, CR, LF…) are refused, not
/// trimmed away, so what is stored is what was sent, less outer spaces.
pub(crate) fn line(field: &str, value: &str, required: bool) -> Result<String, AppError> {
    one_line(value, required).map_err(|reason| invalid(field, reason))
}

/// The checks of `line`, the reason in words.
pub(crate) fn one_line(value: &str, required: bool) -> Result<String, String> {
    if value.chars().any(char::is_control) {
        return Err("contains control characters (tab, line break…)".into());
    }
    let v = value.trim();
    if required && v.is_empty() {
        return Err("is required".into());
    }
    if v.chars().count() > MAX_LINE {
        return Err(format!("is longer than {MAX_LINE} characters"));
    }
    Ok(v.to_string())
}

/// A category the workflow knows (`Definition::categories`).
fn category(def: &Definition, value: &str) -> Result<String, AppError> {
    let known = def.categories();
    match known.iter().find(|(code, _)| code == value.trim()) {
        Some((code, _)) => Ok(code.clone()),
        None => Err(invalid(
            "category",
            format!("must be one of {}", known.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ")),
        )),
    }
}

/// The form values a request sets: the top-level fields of earlier
/// releases' clients (those given), then its `form` object.
fn form_changes(named: Map<String, Value>, form: &Option<Map<String, Value>>) -> Map<String, Value> {
    let mut changes = named;
    changes.extend(form.iter().flatten().map(|(k, v)| (k.clone(), v.clone())));
    changes
}

/// The `top_level` fields of `def`'s form, from `form` (empty values for
/// those it lacks).
fn top_level(def: &Definition, form: &Map<String, Value>) -> Map<String, Value> {
    let mut shown = crate::engine::form::view(&def.form, form);
    def.form.fields().filter(|f| f.top_level).filter_map(|f| shown.remove_entry(&f.name)).collect()
}

pub(super) enum LabelFilterPart {
    Scope(String),
    Field(String, String),
}

/// One value of `field` as stored: a code for a choice from the code or
/// the words of its list.
fn one_value(field: &crate::workflow::FormField, key: &str, value: &str) -> Result<String, AppError> {
    let given =
        if field.kind == crate::workflow::FormType::Choices { Value::from(vec![value]) } else { Value::from(value) };
    let stored = crate::engine::form::normalise(field, key, &given).map_err(form_error)?;
    match stored {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Array(items)) => {
            items.first().and_then(Value::as_str).map(String::from).ok_or_else(|| invalid(key, "is empty"))
        }
        Some(other) => Ok(other.to_string()),
        None => Err(invalid(key, "is empty")),
    }
}

fn is_empty(value: &Value) -> bool {
    value.is_null()
        || value.as_str().is_some_and(|s| s.trim().is_empty())
        || value.as_array().is_some_and(Vec::is_empty)
}

fn form_error(e: crate::engine::form::FieldError) -> AppError {
    invalid(&e.field, e.reason)
}

fn parse_id(field: &str, value: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(value.trim()).map_err(|_| invalid(field, "is not a valid id"))
}

fn instant(field: &str, value: &str) -> Result<DateTime<Utc>, AppError> {
    crate::calendar::parse_deadline(value)
        .ok_or_else(|| invalid(field, "must be an RFC 3339 instant or a date, of a year from 1000 to 9999"))
}

pub(super) fn dossier_facts(instance: &Instance) -> &crate::engine::DossierFacts {
    match &instance.facts {
        Facts::Dossier(d) => d,
        Facts::Label(_) => unreachable!("a dossier instance holds dossier facts"),
    }
}

/// The territory a call is set for: required, known, and the actor's own
/// (unless an administrator) when the workflow's calls are set per
/// territory; refused otherwise.
fn campaign_territory(def: &Definition, actor: &Actor, sent: Option<&str>) -> Result<Option<String>, AppError> {
    let sent = sent.map(str::trim).filter(|t| !t.is_empty());
    let Some(kind) = &def.campaigns.scope else {
        return match sent {
            _ if !actor.is_admin() => Err(forbidden("only an administrator opens a national call for projects")),
            Some(_) => Err(invalid("territory", format!("the calls of `{}` are national: name no territory", def.id))),
            None => Ok(None),
        };
    };
    let code = sent.ok_or_else(|| invalid("territory", format!("is required: each {kind} sets its own calls")))?;
    let field = def.form.scope_fields().find(|(k, _)| k == kind).map(|(_, f)| f);
    let known = field.is_some_and(|f| match &f.list {
        Some(list) => crate::reference::lookup(list, code).is_some(),
        None => f.choices.iter().any(|c| c.code == code),
    });
    if !known {
        return Err(invalid("territory", format!("unknown {kind} `{code}`")));
    }
    if !access::opens_calls(def, actor, Some(&crate::engine::Scope::new(kind, code))) {
        return Err(forbidden("only the territory's own services open its calls for projects"));
    }
    Ok(Some(code.to_string()))
}

/// The form field placing a dossier in the territory of its call, and the
/// territory's code, for a call set by a territory.
fn territory_field<'a>(def: &'a Definition, territory: Option<&'a str>) -> Option<(&'a str, &'a str)> {
    let kind = def.campaigns.scope.as_deref()?;
    let (_, field) = def.form.scope_fields().find(|(k, _)| *k == kind)?;
    Some((field.name.as_str(), territory?))
}

/// A dossier of a territory's call stays in that territory.
fn in_territory(def: &Definition, territory: Option<&str>, form: &Map<String, Value>) -> Result<(), AppError> {
    match territory_field(def, territory) {
        Some((field, code)) if form.get(field).and_then(Value::as_str) != Some(code) => Err(invalid(
            field,
            format!("must be `{code}`: the call for projects was set by that territory for its own dossiers"),
        )),
        _ => Ok(()),
    }
}

impl App {
    pub async fn create_campaign(&self, actor: &Actor, input: &CampaignInput) -> Result<CampaignView, AppError> {
        if !self.workflows.iter().any(|d| access::opens_calls(d, actor, None)) {
            return Err(forbidden("only an administrator opens a call for projects"));
        }
        let Some(def) = self.workflows.get(input.workflow.trim()) else {
            let ids: Vec<&str> = self.workflows.iter().map(|d| d.id.as_str()).collect();
            return Err(invalid(
                "workflow",
                format!("unknown workflow `{}` (this server runs {})", input.workflow, ids.join(", ")),
            ));
        };
        // Who may open it before what is wrong with it.
        let territory = campaign_territory(def, actor, input.territory.as_deref())?;
        let name = line("name", &input.name, true)?;
        let criteria = input.criteria.clone().unwrap_or_else(|| def.grid.id.clone());
        if criteria != def.grid.id {
            return Err(invalid("criteria", format!("unknown criteria grid `{criteria}`")));
        }
        let opens_at = crate::calendar::parse_opening(&input.opens_at)
            .ok_or_else(|| invalid("opens_at", "must be an RFC 3339 instant or a date, of a year from 1000 to 9999"))?;
        let closes_at = instant("closes_at", &input.closes_at)?;
        if closes_at <= opens_at {
            return Err(invalid("closes_at", "must be after opens_at"));
        }
        let kinds = input.kinds.clone().unwrap_or_else(|| vec!["creation".into(), "renewal".into()]);
        if kinds.is_empty() || kinds.iter().any(|k| k != "creation" && k != "renewal") {
            return Err(invalid("kinds", "must list creation and/or renewal"));
        }
        let c = NewCampaign {
            name,
            workflow: def.id.clone(),
            sources: Some(def.sources.clone()),
            criteria,
            opens_at,
            closes_at,
            kinds,
            territory,
        };
        let id = self.store.create_campaign(&c, actor, self.clock.now()).await?;
        Ok(self.store.campaign_view(id).await?)
    }

    /// The top-level keys of an input that are form changes: the `top_level`
    /// fields of `def`, and a value for a `top_level` field of another
    /// workflow (refused by the form, naming it). An empty value for
    /// another workflow's field is what an editor built for that form
    /// sends, and is dropped like any other key.
    fn top_level_changes(&self, def: &Definition, keys: &Map<String, Value>) -> Map<String, Value> {
        let elsewhere = |name: &str| self.workflows.iter().any(|w| w.form.field(name).is_some_and(|f| f.top_level));
        keys.iter()
            .filter(|(k, v)| def.form.field(k).is_some_and(|f| f.top_level) || (elsewhere(k) && !is_empty(v)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub async fn create_dossier_for(&self, actor: &Actor, input: &DossierInput) -> Result<DossierView, AppError> {
        let owner = match actor.user_id {
            Some(u) if actor.has_kind(&*self.workflows, RoleKind::Owner) => u,
            _ => return Err(forbidden("only a dossier owner's role creates a dossier")),
        };
        let campaign_id = parse_id("campaign_id", &input.campaign_id)?;
        let campaign = self.store.campaign(campaign_id).await.map_err(|e| match e {
            StoreError::NotFound { .. } => invalid("campaign_id", "no such call for projects"),
            other => other.into(),
        })?;
        if !actor.acts_in(&campaign.workflow) {
            return Err(invalid("campaign_id", "no such call for projects"));
        }
        if crate::store::from_micros(campaign.closes_at) <= self.clock.now() {
            return Err(invalid("campaign_id", "this call for projects is closed"));
        }
        let def = self.definition_at(&campaign.workflow, campaign.workflow_version.as_deref())?;
        let kind = match input.kind.trim() {
            k @ ("creation" | "renewal") => k.to_string(),
            _ => return Err(invalid("kind", "must be creation or renewal")),
        };
        if !campaign.kinds.split(',').any(|k| k == kind) {
            return Err(invalid("kind", format!("this call does not accept {kind} dossiers")));
        }
        let renewal_of = match (kind.as_str(), input.renewal_of.as_deref()) {
            ("renewal", Some(label)) => {
                let id = parse_id("renewal_of", label)?;
                let renewed = self
                    .store
                    .instance(Machine::Label, id)
                    .await
                    .map_err(|_| invalid("renewal_of", "no such label"))?;
                let Facts::Label(_) = &renewed.facts else { return Err(invalid("renewal_of", "no such label")) };
                if !access::sees_instance(&*self.workflows, actor, &renewed) {
                    return Err(invalid("renewal_of", "no such label"));
                }
                Some(id)
            }
            ("renewal", None) => return Err(invalid("renewal_of", "is required for a renewal")),
            (_, Some(_)) => return Err(invalid("renewal_of", "only a renewal names the label it renews")),
            _ => None,
        };
        // As before the form, an empty top-level value is no value.
        let named = self.top_level_changes(&def, &input.top_level).into_iter().filter(|(_, v)| !is_empty(v)).collect();
        let mut changes = form_changes(named, &input.form);
        if let Some((field, code)) = territory_field(&def, campaign.territory.as_deref()) {
            changes.entry(field.to_string()).or_insert_with(|| Value::from(code));
        }
        // Every input error at once, so that a form shows them all.
        let mut errors: Vec<(String, String)> = Vec::new();
        let mut keep = |e: AppError| match e {
            AppError::Refused(r) if !r.input_errors().is_empty() => {
                errors.extend(r.input_errors());
                Ok(())
            }
            other => Err(other),
        };
        let title = line("title", &input.title, true).map_err(&mut keep).ok();
        let category = category(&def, &input.category).map_err(&mut keep).ok();
        let form = match crate::engine::form::apply_all(&def.form, &Map::new(), &changes) {
            Ok(form) => {
                in_territory(&def, campaign.territory.as_deref(), &form).or_else(&mut keep)?;
                Some(form)
            }
            Err(problems) => {
                problems.into_iter().for_each(|p| errors.push((p.field, p.reason)));
                None
            }
        };
        if let Some(refusal) = Refusal::all_invalid(errors) {
            return Err(refusal.into());
        }
        let (Some(title), Some(category), Some(form)) = (title, category, form) else {
            return Err(invalid("form", "could not be read"));
        };
        let dossier = NewDossier { campaign_id, kind, renewal_of, category, title, form, ..Default::default() };
        let id = self.create_dossier(actor, owner, dossier).await?;
        self.dossier_view(id).await
    }

    /// A dossier as the API and pages show it: every endorsing side its
    /// workflow declares is there, null until it endorses.
    pub async fn dossier_view(&self, id: Uuid) -> Result<DossierView, AppError> {
        let mut view = self.store.dossier_view(id).await?;
        if let Some(def) = self.workflows.at(&view.workflow, view.workflow_version.as_deref()) {
            for record in def.records_of(Machine::Dossier) {
                view.records.entry(record.name.clone()).or_default();
            }
            former_views(def, &mut view);
            view.top_level = top_level(def, &view.form);
            if def.messages.enabled {
                view.awaiting_reply = self.store.awaiting_reply(id).await?;
            }
            view.retention = self.retention_view(Machine::Dossier, view.standing, &view.workflow, &view.state);
            // Every detail the workflow's decision takes is there, null when
            // not given, as clients of earlier releases read them.
            if let Some(decision) = &mut view.decision {
                for field in def.decision_details() {
                    decision.details.entry(field.name.clone()).or_insert(serde_json::Value::Null);
                }
            }
        }
        Ok(view)
    }

    /// Loads a dossier the actor may see, or "not found".
    pub async fn visible_dossier(&self, actor: &Actor, id: Uuid) -> Result<Instance, AppError> {
        let instance = self.store.instance(Machine::Dossier, id).await?;
        if access::sees_instance(&*self.workflows, actor, &instance) {
            Ok(instance)
        } else {
            Err(not_found("dossier"))
        }
    }

    pub async fn dossier(&self, actor: &Actor, id: Uuid) -> Result<DossierView, AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        self.dossier_view_as(actor, &instance).await
    }

    pub async fn dossiers(
        &self,
        actor: &Actor,
        state: Option<&str>,
        campaign: Option<Uuid>,
    ) -> Result<Vec<DossierSummary>, AppError> {
        let filter = DossierFilter { state: state.map(String::from), campaign, ..Default::default() };
        Ok(self.list_dossiers(actor, &filter).await?.into_iter().map(|l| l.item).collect())
    }

    /// The dossiers the actor sees that `filter` picks, with their sort keys.
    pub async fn list_dossiers(
        &self,
        actor: &Actor,
        filter: &DossierFilter,
    ) -> Result<Vec<crate::store::dossiers::Listed<DossierSummary>>, AppError> {
        let fields: Vec<&str> = self.workflows.list_fields().into_iter().map(|f| f.name.as_str()).collect();
        Ok(self.store.list_dossiers(&access::visibility(&*self.workflows, actor), filter, &fields).await?)
    }

    /// A dossier whose content the actor may edit now.
    async fn editable_dossier(&self, actor: &Actor, id: Uuid) -> Result<Instance, AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        if !access::edits_content(&*self.workflows, actor, dossier_facts(&instance)) {
            return Err(forbidden("only the dossier's owners edit its content"));
        }
        if !self.definition_of(&instance)?.dossier.state(&instance.state).is_some_and(|s| s.editable) {
            return Err(AppError::Refused(Refusal::WrongState { event: "edit".into(), state: instance.state.clone() }));
        }
        Ok(instance)
    }

    pub async fn update_dossier(&self, actor: &Actor, id: Uuid, patch: &DossierPatch) -> Result<DossierView, AppError> {
        let instance = self.editable_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        let d = dossier_facts(&instance);
        let named = self.top_level_changes(&def, &patch.top_level);
        let changed = form_changes(named, &patch.form);
        // Every input error at once, so that a form shows them all.
        let mut errors: Vec<(String, String)> = Vec::new();
        let form = if changed.is_empty() {
            None
        } else {
            match crate::engine::form::apply_all(&def.form, &d.form, &changed) {
                Ok(form) => Some(form),
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|p| (p.field, p.reason)));
                    None
                }
            }
        };
        let title = patch.title.as_deref().map(|t| line("title", t, true)).transpose();
        let category = patch.category.as_deref().map(|c| category(&def, c)).transpose();
        for refused in [title.as_ref().err(), category.as_ref().err()].into_iter().flatten() {
            if let AppError::Refused(r) = refused {
                errors.extend(r.input_errors());
            }
        }
        if let Some(refusal) = Refusal::all_invalid(errors) {
            return Err(refusal.into());
        }
        if let (Some(form), Some(_)) = (&form, &def.campaigns.scope) {
            let territory = self.store.dossier_territory(id).await?;
            in_territory(&def, territory.as_deref(), form)?;
        }
        let scopes = form.as_ref().map(|f| crate::engine::form::scopes(&def.form, f));
        let changes = DossierChanges {
            title: title?,
            category: category?,
            scopes,
            form,
            by_side: def
                .records_of(Machine::Dossier)
                .filter(|r| r.side_field().is_some())
                .map(|r| r.name.clone())
                .collect(),
        };
        let expected = patch.version.unwrap_or(instance.version);
        self.store.update_dossier(id, expected, &changes, actor, self.clock.now()).await?;
        self.dossier_view(id).await
    }

    /// Adds an item to the group `group` of the dossier's form: checked
    /// by the form, given an id, stored as a content edit.
    pub async fn add_group_item(
        &self,
        actor: &Actor,
        id: Uuid,
        group: &str,
        sent: Map<String, Value>,
    ) -> Result<Map<String, Value>, AppError> {
        let instance = self.editable_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        let field = def.form.field(group).filter(|f| f.kind == crate::workflow::FormType::Group);
        let field = field.ok_or_else(|| invalid(group, "is not a group of this form"))?;
        // The request's own field names (`type`), not the item's path.
        let own = |e: crate::engine::form::FieldError| {
            let name = e.field.rsplit('.').next().unwrap_or(&e.field).to_string();
            invalid(&name, e.reason)
        };
        let item = match crate::engine::form::normalise(field, group, &Value::Array(vec![Value::Object(sent)])) {
            Ok(Some(Value::Array(mut items))) => match items.pop() {
                Some(Value::Object(item)) => item,
                _ => Map::new(),
            },
            Ok(_) => Map::new(),
            Err(e) => return Err(own(e)),
        };
        if let Some(name) = crate::engine::form::missing_item(field, &item).first() {
            return Err(invalid(name, "is required"));
        }
        let mut stored = Map::from_iter([("id".to_string(), Value::from(Uuid::new_v4().to_string()))]);
        stored.extend(item);
        let mut form = dossier_facts(&instance).form.clone();
        let mut items = form.get(group).and_then(Value::as_array).cloned().unwrap_or_default();
        items.push(Value::Object(stored.clone()));
        form.insert(group.into(), Value::Array(items));
        // The document as a whole still holds (a `within`), and the group is
        // shown: a group its condition hides takes no item.
        let settled = crate::engine::form::apply(&def.form, &form, &Map::new()).map_err(own)?;
        if settled.get(group) != form.get(group) {
            return Err(invalid(group, "is hidden by the form's condition on another field"));
        }
        let action = format!("add_{}", singular(group));
        self.store.add_group_item(id, group, stored.clone(), &action, actor, self.clock.now()).await?;
        Ok(stored)
    }

    pub async fn remove_group_item(&self, actor: &Actor, id: Uuid, group: &str, item: Uuid) -> Result<(), AppError> {
        self.editable_dossier(actor, id).await?;
        let action = format!("remove_{}", singular(group));
        self.store.remove_group_item(id, group, item, &action, actor, self.clock.now()).await.map_err(|e| match e {
            StoreError::NotFound { .. } => not_found("item"),
            other => other.into(),
        })?;
        Ok(())
    }

    /// Adds a partner (the API's partners endpoint).
    pub async fn add_partner(&self, actor: &Actor, id: Uuid, name: &str, kind: &str) -> Result<PartnerView, AppError> {
        let sent = Map::from_iter([("name".to_string(), Value::from(name)), ("type".to_string(), Value::from(kind))]);
        let stored = self.add_group_item(actor, id, PARTNERS, sent).await?;
        let text = |k: &str| stored.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        Ok(PartnerView { id: text("id"), name: text("name"), kind: text("type") })
    }

    pub async fn remove_partner(&self, actor: &Actor, id: Uuid, partner: Uuid) -> Result<(), AppError> {
        self.remove_group_item(actor, id, PARTNERS, partner).await
    }

    pub async fn set_self_assessment(
        &self,
        actor: &Actor,
        id: Uuid,
        texts: &BTreeMap<String, String>,
    ) -> Result<DossierView, AppError> {
        let instance = self.editable_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        let grid = crate::engine::grid_of(&def, &instance.facts);
        for (code, text) in texts {
            if grid.criterion(code).is_none() {
                return Err(invalid(code, "is not a criterion of the grid"));
            }
            if text.chars().count() > crate::engine::input::MAX_TEXT {
                return Err(invalid(code, format!("is longer than {} characters", crate::engine::input::MAX_TEXT)));
            }
        }
        self.store.set_self_assessment(id, texts, actor, self.clock.now()).await?;
        self.dossier_view(id).await
    }

    pub async fn add_attachment(
        &self,
        actor: &Actor,
        id: Uuid,
        kind: Option<&str>,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<AttachmentView, AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        let state = def.dossier.state(&instance.state);
        let (editable, terminal) = (state.is_some_and(|s| s.takes_owner_files()), state.is_some_and(|s| s.terminal));
        if !access::attaches(&*self.workflows, actor, dossier_facts(&instance), editable, terminal) {
            return Err(forbidden("you may not add attachments to this dossier now"));
        }
        let kinds = &def.form.attachments;
        let kind = kind.or_else(|| kinds.first().map(|k| k.code.as_str())).unwrap_or_default();
        let meta = self.stored_file(&def, kind, file_name, content_type, bytes)?;
        let aid = self.store.add_attachment(id, &meta, actor, self.clock.now()).await?;
        Ok(self.store.attachment(aid).await?.1)
    }

    /// An uploaded file checked against its declared type and stored by
    /// hash, as its attachment row records it.
    fn stored_file(
        &self,
        def: &Definition,
        kind: &str,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<NewAttachment, AppError> {
        let stored = super::files::store(&self.data_dir, &def.form.attachments, kind, file_name, content_type, bytes)?;
        Ok(NewAttachment {
            kind: stored.kind,
            file_name: stored.file_name,
            content_type: stored.content_type,
            size: bytes.len() as i64,
            sha256: stored.sha256,
        })
    }

    /// An attachment the actor may change now: the owners' files while the
    /// dossier is editable, and one's own upload while one may attach
    /// files (an opinion staff filed), never someone else's.
    async fn changeable_attachment(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Uuid, AttachmentView, std::sync::Arc<Definition>), AppError> {
        let (dossier, view) = self.store.attachment(id).await?;
        let instance = self.visible_dossier(actor, dossier).await.map_err(|_| not_found("attachment"))?;
        let def = self.definition_of(&instance)?;
        let state = def.dossier.state(&instance.state);
        let (attachable, terminal) = (state.is_some_and(|s| s.takes_owner_files()), state.is_some_and(|s| s.terminal));
        let d = dossier_facts(&instance);
        let uploader = self.store.attachment_uploader(id).await?;
        let own_upload = actor.user_id.is_some() && uploader == actor.user_id;
        // The owners' own files (any co-owner's; one of an earlier release
        // names no uploader), not a file staff filed.
        let by_owners = uploader.is_none_or(|u| d.owners.contains(&u));
        let owners_file =
            state.is_some_and(|s| s.editable) && by_owners && access::is_owner(&*self.workflows, actor, d);
        let may = owners_file || (own_upload && access::attaches(&*self.workflows, actor, d, attachable, terminal));
        if !may {
            return Err(forbidden("you may not change this attachment now"));
        }
        Ok((dossier, view, def))
    }

    /// Takes an attachment off its dossier (the file stays stored: the
    /// audit trail names it).
    pub async fn remove_attachment(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        let (dossier, view, _) = self.changeable_attachment(actor, id).await?;
        Ok(self.store.remove_attachment(dossier, &view, actor, self.clock.now()).await?)
    }

    /// Puts another file in an attachment's place, checked as an upload.
    pub async fn replace_attachment(
        &self,
        actor: &Actor,
        id: Uuid,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<AttachmentView, AppError> {
        let (dossier, view, def) = self.changeable_attachment(actor, id).await?;
        let meta = self.stored_file(&def, &view.kind, file_name, content_type, bytes)?;
        self.store.replace_attachment(dossier, &view, &meta, actor, self.clock.now()).await?;
        Ok(self.store.attachment(id).await?.1)
    }

    /// An attachment's metadata and bytes, for a caller who sees its dossier.
    pub async fn attachment(&self, actor: &Actor, id: Uuid) -> Result<(AttachmentView, Vec<u8>), AppError> {
        let (dossier, view) = self.store.attachment(id).await?;
        self.visible_dossier(actor, dossier).await.map_err(|_| not_found("attachment"))?;
        let bytes = super::files::read(&self.data_dir, &view.sha256)?;
        Ok((view, bytes))
    }

    pub async fn reviews(&self, actor: &Actor, id: Uuid) -> Result<Vec<ReviewView>, AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        let decided = def.dossier.is_at(&instance.state, crate::workflow::Stage::Decided);
        let mut reviews = match access::review_access(&*self.workflows, &def, actor, dossier_facts(&instance), decided)
        {
            ReviewAccess::None => Vec::new(),
            ReviewAccess::Anonymous => {
                let mut r = self.store.reviews(id).await?;
                r.iter_mut().for_each(|r| r.reviewer_id = None);
                r
            }
            ReviewAccess::Full => self.store.reviews(id).await?,
        };
        // An assigned reviewer who has not reviewed yet still sees nothing of others.
        reviews.sort_by(|a, b| a.submitted_at.cmp(&b.submitted_at));
        Ok(reviews)
    }

    /// The dossier's audit trail after its entry `after` (0: from the
    /// start), of `action` only if given, `limit` entries at most.
    pub async fn dossier_audit(
        &self,
        actor: &Actor,
        id: Uuid,
        action: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<TrailEntry>, AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        if !access::sees_audit(&*self.workflows, actor, dossier_facts(&instance)) {
            return Err(forbidden("the audit trail is for staff in the dossier's scope and the national level"));
        }
        let def = self.definition_of(&instance)?;
        let decided = def.dossier.is_at(&instance.state, crate::workflow::Stage::Decided);
        let reviews = access::review_access(&*self.workflows, &def, actor, dossier_facts(&instance), decided);
        let trail = self.store.trail_page("dossier", &id.to_string(), action, after, limit).await?;
        Ok(trail.into_iter().map(|e| redact_for(&def, Machine::Dossier, e, reviews)).collect())
    }
}

/// An audit entry as the reader may see it: the steps concerning the
/// reviewers follow the reviews' own visibility. Only the view changes;
/// the stored entry and its hash stay whole (and the hash still shows).
fn redact_for(workflow: &Definition, machine: Machine, mut e: TrailEntry, reviews: ReviewAccess) -> TrailEntry {
    let def = workflow.machine(machine);
    if reviews == ReviewAccess::Full || !def.concerns_reviewers(&e.action) {
        return e;
    }
    if e.actor != "system" {
        e.actor = HIDDEN_ACTOR.into();
    }
    e.on_behalf_of = None;
    e.redacted = true;
    // After the decision a review's own content shows, as `/reviews`
    // shows it (no one named in it); everything else about reviewers
    // stays withheld.
    let shows_review = reviews == ReviewAccess::Anonymous && def.records_reviews(&e.action);
    e.data = if shows_review {
        let people: Vec<&str> = def
            .event(&e.action)
            .map(|ev| ev.fields.iter().filter(|f| f.kind == FieldType::User).map(|f| f.name.as_str()).collect())
            .unwrap_or_default();
        let mut input = e.data.get("input").and_then(|i| i.as_object()).cloned().unwrap_or_default();
        input.retain(|key, _| !people.contains(&key.as_str()));
        serde_json::json!({ "input": input })
    } else {
        serde_json::Value::Null
    };
    e
}

impl App {
    /// Sends an event to a dossier the actor may see.
    pub async fn dossier_event(&self, actor: &Actor, id: Uuid, event: Event) -> Result<super::Outcome, AppError> {
        self.act(actor, Machine::Dossier, id, event).await
    }

    async fn visible_label(&self, actor: &Actor, id: Uuid) -> Result<Instance, AppError> {
        let instance = self.store.instance(Machine::Label, id).await?;
        match &instance.facts {
            Facts::Label(_) if access::sees_instance(&*self.workflows, actor, &instance) => Ok(instance),
            _ => Err(not_found("label")),
        }
    }

    pub async fn labels(&self, actor: &Actor, filter: &LabelFilter) -> Result<Vec<LabelView>, AppError> {
        let filter = self.checked_label_filter(filter.clone())?;
        let labels = self.store.labels(&access::visibility(&*self.workflows, actor), &filter).await?;
        Ok(labels.into_iter().map(|l| self.label_with_top_level(l)).collect())
    }

    /// A label filter as the store takes it: the named filters checked,
    /// the others turned into scopes or form fields.
    pub(super) fn checked_label_filter(&self, filter: LabelFilter) -> Result<LabelFilter, AppError> {
        let mut filter = filter;
        for (key, value) in std::mem::take(&mut filter.fields) {
            match self.label_filter(&key, &value)? {
                LabelFilterPart::Scope(scope) => filter.scopes.push(scope),
                LabelFilterPart::Field(field, value) => filter.fields.push((field, value)),
            }
        }
        if let Some(c) = &filter.category {
            let known = self.workflows.iter().any(|w| w.categories().iter().any(|(code, _)| code == c.trim()));
            if !known {
                return Err(invalid("category", format!("unknown category `{c}`")));
            }
            filter.category = Some(c.trim().to_string());
        }
        if let Some(d) = &filter.expiring_before {
            crate::calendar::parse_date(d)
                .ok_or_else(|| invalid("expiring_before", "must be a date (YYYY-MM-DD) of a year from 1000 to 9999"))?;
        }
        if let Some(s) = &filter.status {
            if self.workflows.iter().all(|w| w.label_machine.state(s).is_none()) {
                return Err(invalid("status", format!("unknown label status `{s}`")));
            }
        }
        Ok(filter)
    }

    /// A label filter the API names by key: a scope kind of the forms
    /// (`KIND=CODE`, the code or the words of its list) or an indexed form
    /// field (`FIELD=VALUE`).
    pub(super) fn label_filter(&self, key: &str, value: &str) -> Result<LabelFilterPart, AppError> {
        self.list_filter(key, value, "labels", &["status", "category", "expiring_before"])
    }

    /// A filter of a list named by key: a scope kind of the forms or an
    /// indexed form field; else the list's own filters are named.
    pub(super) fn list_filter(
        &self,
        key: &str,
        value: &str,
        list: &str,
        own: &[&str],
    ) -> Result<LabelFilterPart, AppError> {
        if let Some(field) = self.workflows.scope_field(key) {
            return Ok(LabelFilterPart::Scope(format!("{key}:{}", one_value(field, key, value)?)));
        }
        if let Some(field) = self.workflows.iter().find_map(|w| w.form.field(key).filter(|f| f.indexed)) {
            return Ok(LabelFilterPart::Field(key.to_string(), one_value(field, key, value)?));
        }
        let mut known: Vec<String> = own.iter().map(|k| k.to_string()).collect();
        for w in self.workflows.iter() {
            known.extend(w.form.scope_fields().map(|(kind, _)| kind.to_string()));
            known.extend(w.form.fields().filter(|f| f.indexed && f.scope.is_none()).map(|f| f.name.clone()));
        }
        let mut seen = std::collections::BTreeSet::new();
        known.retain(|k| seen.insert(k.clone()));
        Err(invalid(key, format!("is not a filter of {list} (filters: {})", known.join(", "))))
    }

    /// `view` with its form's `top_level` fields beside its own data.
    pub(super) fn label_with_top_level(&self, mut view: LabelView) -> LabelView {
        if let Some(def) = self.workflows.at(&view.workflow, view.workflow_version.as_deref()) {
            view.top_level = top_level(def, &view.form);
        }
        view
    }

    pub async fn label(&self, actor: &Actor, id: Uuid) -> Result<LabelView, AppError> {
        let instance = self.visible_label(actor, id).await?;
        let mut view = self.label_with_top_level(self.store.label_view(id).await?);
        // Reports and the like are for its owners and those who follow the
        // label's life, not for every reader of the list of labels.
        if let Facts::Label(l) = &instance.facts {
            let owner = actor.user_id.is_some_and(|u| l.owners.contains(&u));
            if owner || access::sees_label_audit(&*self.workflows, actor, l) {
                let mut records = self.store.record_views(Machine::Label, id).await?;
                if let Some(def) = self.workflows.at(&view.workflow, view.workflow_version.as_deref()) {
                    for record in def.records_of(Machine::Label) {
                        records.entry(record.name.clone()).or_default();
                    }
                }
                view.records = Some(records);
            }
        }
        view.retention = self.retention_view(Machine::Label, view.standing, &view.workflow, &view.status);
        Ok(view)
    }

    /// The label's audit trail after its entry `after` (0: from the
    /// start), of `action` only if given, `limit` entries at most.
    pub async fn label_audit(
        &self,
        actor: &Actor,
        id: Uuid,
        action: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<TrailEntry>, AppError> {
        let instance = self.visible_label(actor, id).await?;
        let Facts::Label(l) = &instance.facts else { return Err(not_found("label")) };
        if !access::sees_label_audit(&*self.workflows, actor, l) {
            return Err(forbidden("the audit trail is for staff in the label's scope and the national level"));
        }
        Ok(self.store.trail_page("label", &id.to_string(), action, after, limit).await?)
    }

    pub async fn label_event(&self, actor: &Actor, id: Uuid, event: Event) -> Result<super::Outcome, AppError> {
        self.act(actor, Machine::Label, id, event).await
    }
}

/// The `endorsements` and `opinions` of a dossier view as clients written
/// before declared records read them: when each side endorsed (every side
/// the workflow's roles endorse, null until it does), and the opinions.
fn former_views(def: &Definition, view: &mut DossierView) {
    use crate::workflow::records::{FORMER_OPINION, FORMER_SIDE};
    for side in def.roles.iter().filter_map(|r| r.endorses.clone()) {
        view.endorsements.entry(side).or_insert(None);
    }
    if let Some(field) = def.record(FORMER_SIDE).and_then(|r| r.side_field()) {
        for r in view.records.get(FORMER_SIDE).into_iter().flatten() {
            if let Some(side) = r.fields.get(&field.name).and_then(serde_json::Value::as_str) {
                view.endorsements.insert(side.to_string(), Some(r.recorded_at.clone()));
            }
        }
    }
    let text = |r: &RecordView, f: &str| r.fields.get(f).and_then(serde_json::Value::as_str).map(str::to_string);
    let mut opinions: Vec<OpinionView> = view
        .records
        .get(FORMER_OPINION)
        .into_iter()
        .flatten()
        .map(|r| OpinionView {
            body: text(r, "body").unwrap_or_default(),
            opinion: text(r, "opinion").unwrap_or_default(),
            date: text(r, "date"),
            recorded_at: r.recorded_at.clone(),
        })
        .collect();
    opinions.sort_by(|a, b| a.body.cmp(&b.body));
    view.opinions = opinions;
}
