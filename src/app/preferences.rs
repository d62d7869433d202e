//! Each person's choice, per kind of e-mail, between at once, the daily
//! digest and nothing; the kinds a workflow marks mandatory stay at once.

use super::{App, AppError};
use crate::engine::{Actor, Refusal};
use crate::store::preferences::Delivery;
use crate::workflow::Effect;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A kind of e-mail and how the caller takes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreferenceView {
    /// The e-mail's template (`endorsement_requested`…).
    pub template: String,
    /// What it is about, in French (« Demande de portage… »).
    pub subject: String,
    /// Sent at once whatever one prefers (a decision, a deadline).
    pub mandatory: bool,
    /// immediate, digest or off.
    pub delivery: String,
}

impl App {
    /// The kinds of e-mail the workflows send people, in the vocabulary's
    /// order, each with whether a workflow marks it mandatory.
    pub fn mail_kinds(&self) -> Vec<(String, bool)> {
        let mut used: Vec<&str> = Vec::new();
        for def in self.workflows.iter() {
            for machine in [&def.dossier, &def.label_machine] {
                let effects = machine.transitions.iter().flat_map(|t| &t.effects).chain(&machine.on_create);
                used.extend(effects.filter_map(|e| match e {
                    Effect::Notify { template, .. } => Some(template.as_str()),
                    _ => None,
                }));
            }
            if def.messages.enabled {
                used.extend(["message_received", "note_mention"]);
            }
        }
        let mandatory = |t: &str| self.workflows.iter().any(|d| d.mandatory_mail.iter().any(|m| m == t));
        let order = crate::workflow::vocabulary::TEMPLATES.iter().chain(["message_received", "note_mention"].iter());
        order.filter(|t| used.contains(t)).map(|t| (t.to_string(), mandatory(t))).collect()
    }

    pub async fn notification_preferences(&self, actor: &Actor) -> Result<Vec<PreferenceView>, AppError> {
        let user = actor.user_id.ok_or_else(|| Refusal::NotAllowed { reason: "a person's preferences".into() })?;
        let mine = self.store.preferences(user).await?;
        Ok(self
            .mail_kinds()
            .into_iter()
            .map(|(template, mandatory)| {
                let delivery = if mandatory {
                    Delivery::Immediate
                } else {
                    mine.get(&template).copied().unwrap_or(Delivery::Immediate)
                };
                PreferenceView {
                    subject: crate::mail::render::subject_words(&template).unwrap_or_else(|| template.clone()),
                    delivery: delivery.code().to_string(),
                    template,
                    mandatory,
                }
            })
            .collect())
    }

    /// Sets the caller's preferences for the kinds named (the others stay):
    /// each a kind the workflows send, `immediate`, `digest` or `off`, a
    /// mandatory one only `immediate`; every problem told at once.
    pub async fn set_notification_preferences(
        &self,
        actor: &Actor,
        asked: &BTreeMap<String, String>,
    ) -> Result<Vec<PreferenceView>, AppError> {
        let user = actor.user_id.ok_or_else(|| Refusal::NotAllowed { reason: "a person's preferences".into() })?;
        let kinds = self.mail_kinds();
        let mut changes = BTreeMap::new();
        let mut errors = Vec::new();
        for (template, code) in asked {
            let Some((_, mandatory)) = kinds.iter().find(|(t, _)| t == template) else {
                errors.push((template.clone(), "is no kind of e-mail the service sends".to_string()));
                continue;
            };
            match Delivery::parse(code.trim()) {
                None => errors.push((template.clone(), "must be one of: immediate, digest, off".to_string())),
                Some(d) if *mandatory && d != Delivery::Immediate => {
                    errors.push((template.clone(), "is mandatory: always sent at once".to_string()))
                }
                Some(d) => {
                    changes.insert(template.clone(), d);
                }
            }
        }
        if let Some(refusal) = Refusal::all_invalid(errors) {
            return Err(refusal.into());
        }
        self.store.set_preferences(user, &changes, actor, self.clock.now()).await?;
        self.notification_preferences(actor).await
    }
}
