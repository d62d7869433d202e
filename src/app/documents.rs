//! Decision documents: made from the workflow's template of the outcome
//! once the decision is recorded, kept with their SHA-256, served as kept
//! to whoever sees the dossier; previewed, unrecorded, before deciding.

use super::{App, AppError};
use crate::calendar::paris_date;
use crate::documents::template::{fill, long_date, DecisionContext, Filling};
use crate::engine::{self, Actor, Event, Record};
use crate::store::documents::{NewDocument, StoredDocument};
use crate::store::views::DossierView;
use crate::store::StoreError;
use crate::workflow::{Definition, FieldType};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Written across the top of every page of a preview.
const PREVIEW_BANNER: &str = "APERÇU — projet de document, sans valeur tant que la décision n'est pas enregistrée";

/// A decision as its document reads it.
struct Decided<'a> {
    outcome: &'a str,
    category: Option<&'a str>,
    years: Option<u32>,
    motivation: &'a str,
    details: &'a Map<String, Value>,
    at: DateTime<Utc>,
    validity: Option<(NaiveDate, NaiveDate)>,
}

/// A made document: its file name and its PDF.
pub struct Made {
    pub file_name: String,
    pub pdf: Vec<u8>,
}

fn no_document() -> AppError {
    StoreError::NotFound { what: "decision document" }.into()
}

impl App {
    /// The document of a dossier's decision, for whoever sees the dossier:
    /// the one kept when the decision was recorded (made and kept now if
    /// a crash came in between).
    pub async fn decision_document(&self, actor: &Actor, id: Uuid) -> Result<StoredDocument, AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        self.issue_decision_document(&def, id, &Actor::system()).await?.ok_or_else(no_document)
    }

    /// Makes and keeps the document of a dossier's decision, if its
    /// workflow has a template for the outcome; the one already kept
    /// stays.
    pub(super) async fn issue_decision_document(
        &self,
        def: &Definition,
        id: Uuid,
        actor: &Actor,
    ) -> Result<Option<StoredDocument>, AppError> {
        let Some((decided_at, outcome)) = self.store.decision_moment(id).await? else { return Ok(None) };
        if let Some(kept) = self.store.decision_document(id, decided_at).await? {
            return Ok(Some(kept));
        }
        if !has_template(def, &outcome) {
            return Ok(None);
        }
        let made = self.remake_decision_document(def, id).await?.ok_or_else(no_document)?;
        let doc =
            NewDocument { dossier: id, decided_at, outcome: &outcome, file_name: &made.file_name, content: &made.pdf };
        Ok(Some(self.store.keep_decision_document(&doc, actor, self.clock.now()).await?))
    }

    /// The document of a dossier's recorded decision made again from the
    /// stored decision (the same bytes as the one kept, unless what it
    /// reads changed since: an owner's name, the workflow's template).
    pub async fn remake_decision_document(&self, def: &Definition, id: Uuid) -> Result<Option<Made>, AppError> {
        let view = self.store.dossier_view(id).await?;
        let Some(decision) = &view.decision else { return Ok(None) };
        if !has_template(def, &decision.outcome) {
            return Ok(None);
        }
        let validity = match view.label_id.as_deref().and_then(|l| Uuid::parse_str(l).ok()) {
            Some(label) => {
                let label = self.store.label_view(label).await?;
                let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
                parse(&label.valid_from).zip(parse(&label.valid_until))
            }
            None => None,
        };
        let at = DateTime::parse_from_rfc3339(&decision.decided_at).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        let decided = Decided {
            outcome: &decision.outcome,
            category: decision.category.as_deref(),
            years: decision.years.and_then(|y| u32::try_from(y).ok()),
            motivation: &decision.motivation,
            details: &decision.details,
            at,
            validity,
        };
        Ok(Some(self.make(def, &view, &decided, false).await?))
    }

    /// The document the decision `event` would issue, made without
    /// recording anything: the same checks as deciding (the actor may take
    /// it, its inputs are valid), a banner on every page.
    pub async fn preview_decision(&self, actor: &Actor, id: Uuid, event: Event) -> Result<Made, AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        let now = self.clock.now();
        let plan = engine::decide(&def, &instance, &event, actor, now)?;
        let Some(Record::Decision { outcome, category, years, motivation, details }) =
            plan.records.iter().find(|r| matches!(r, Record::Decision { .. }))
        else {
            return Err(engine::Refusal::invalid("event", format!("`{}` records no decision", event.name)).into());
        };
        if !has_template(&def, outcome) {
            return Err(no_document());
        }
        let details: Map<String, Value> = details.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        let view = self.store.dossier_view(id).await?;
        let decided = Decided {
            outcome,
            category: category.as_deref(),
            years: *years,
            motivation,
            details: &details,
            at: now,
            validity: plan.new_label.as_ref().map(|l| (l.valid_from, l.valid_until)),
        };
        self.make(&def, &view, &decided, true).await
    }

    async fn make(
        &self,
        def: &Definition,
        view: &DossierView,
        d: &Decided<'_>,
        preview: bool,
    ) -> Result<Made, AppError> {
        let mut owners = Vec::new();
        for owner in view.owners.iter().filter_map(|o| Uuid::parse_str(o).ok()) {
            owners.push(self.store.user_name(owner).await?);
        }
        let form = def.form.fields().map(|f| (f.name.clone(), Value::from(f.shown(view.form.get(&f.name))))).collect();
        let decision_fields = def.decision_details();
        let details = d
            .details
            .iter()
            .map(|(name, value)| {
                let is_date = decision_fields.iter().any(|f| &f.name == name && f.kind == FieldType::Date);
                let date =
                    value.as_str().filter(|_| is_date).and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
                let value = match (date, value) {
                    (Some(date), _) => Value::from(long_date(date)),
                    (None, Value::String(s)) if s.trim().is_empty() => Value::Null,
                    (None, v) => v.clone(),
                };
                (name.clone(), value)
            })
            .chain(decision_fields.iter().map(|f| (f.name.clone(), Value::Null)))
            .fold(Map::new(), |mut m, (k, v)| {
                m.entry(k).or_insert(v);
                m
            });
        let decided_on = paris_date(d.at);
        let context = DecisionContext {
            workflow: def.label.clone(),
            dossier_id: view.id.clone(),
            title: view.title.clone(),
            form,
            owners,
            outcome: d.outcome.to_string(),
            outcome_label: def.choice_label("outcome", d.outcome),
            category: d.category.unwrap_or_default().to_string(),
            category_label: d.category.map(|c| def.choice_label("category", c)).unwrap_or_default(),
            years: d.years,
            motivation: d.motivation.to_string(),
            details,
            decided_on: long_date(decided_on),
            valid_from: d.validity.map(|v| long_date(v.0)).unwrap_or_default(),
            valid_until: d.validity.map(|v| long_date(v.1)).unwrap_or_default(),
            preview,
        };
        let document = def.documents.decision.as_ref().ok_or_else(no_document)?;
        let template = document.template(d.outcome).ok_or_else(no_document)?;
        let title = fill(&document.title, &context, Filling::Text)?;
        let text = fill(template, &context, Filling::Markdown)?;
        let banner = preview.then_some(PREVIEW_BANNER);
        let pdf = crate::documents::render(title.trim(), &text, banner, decided_on)?;
        let short: String = view.id.chars().take(8).collect();
        Ok(Made { file_name: format!("decision-{short}.pdf"), pdf })
    }

    /// The documents a dossier's decisions issued, for whoever sees it.
    pub async fn decision_documents(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<crate::store::documents::DocumentView>, AppError> {
        self.visible_dossier(actor, id).await?;
        Ok(self.store.decision_documents(id).await?)
    }
}

fn has_template(def: &Definition, outcome: &str) -> bool {
    def.documents.decision.as_ref().is_some_and(|d| d.template(outcome).is_some())
}
