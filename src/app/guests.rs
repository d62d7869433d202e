//! Outside experts asked by a link (`[guests]`): staff invite, list and
//! revoke; the link's holder reads what the workflow shows and answers
//! once, as the role `guest`, through the workflow's own event.

use super::accounts::{email_address, token_hash, AuthError};
use super::{access, files, App, AppError};
use crate::engine::{self, Actor, Event, Refusal};
use crate::store::guests::{GuestFileView, InvitationView, NewGuestFile, NewInvitation};
use crate::store::link_tokens::LinkKind;
use crate::workflow::guests::Guests;
use crate::workflow::{Definition, FieldType, FormType, Machine, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

/// Longest question or answer text.
const MAX_TEXT: usize = 20_000;
/// How far ahead a deadline may be.
const MAX_DAYS: i64 = 366;

/// An invitation as staff send it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewGuest {
    pub email: String,
    /// The expert's name, as the e-mail and the audit trail give it.
    pub name: String,
    /// What is asked.
    pub question: String,
    /// The deadline: a date (the link works until 23:59 Paris that day)
    /// or an RFC 3339 instant.
    pub due: String,
    /// Hidden from the dossier's owners, with what its answer writes.
    #[serde(default)]
    pub confidential: bool,
    /// The inputs of the answer's event the workflow lets the inviter set
    /// (`[guests] preset`: whose opinion it is).
    #[serde(default)]
    pub input: Map<String, Value>,
}

/// An answer as the link's holder sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct GuestAnswer {
    /// The opinion, in words.
    pub text: String,
    /// The inputs of the answer's event that are the guest's to give.
    #[serde(default)]
    pub input: Map<String, Value>,
}

/// What the link's holder reads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuestPage {
    /// open, answered, revoked or expired.
    pub status: String,
    /// The workflow's id.
    pub workflow: String,
    /// The label's name.
    pub workflow_label: String,
    /// What the workflow calls these opinions.
    pub label: String,
    pub title: String,
    pub name: String,
    pub question: String,
    /// RFC 3339: the link works until then.
    pub expires_at: String,
    /// The dossier's parts the workflow shows, by section.
    pub sections: Vec<ShownSection>,
    /// The inputs the inviter set, as a person reads them: (label, value).
    pub preset: Vec<(String, String)>,
    /// The inputs the answer takes.
    pub inputs: Vec<GuestInput>,
    pub files: Vec<GuestFileView>,
    pub max_files: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShownSection {
    pub label: String,
    /// (label, value as a person reads it).
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuestInput {
    pub name: String,
    pub label: String,
    /// text, choice, integer or date.
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
    /// For a choice: (code, label).
    pub choices: Vec<(String, String)>,
}

fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    AppError::Refused(Refusal::invalid(field, reason))
}

fn guests_of(def: &Definition) -> Result<&Guests, AppError> {
    def.guests.as_ref().ok_or_else(|| {
        AppError::Refused(Refusal::NotAllowed { reason: format!("the label {} asks no outside experts", def.label) })
    })
}

/// A text typed by a person: trimmed, required, at most `max` characters.
fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(field, "is required"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("is longer than {max} characters")));
    }
    Ok(value.to_string())
}

impl App {
    /// Invites an outside expert on a dossier the actor may invite on: an
    /// inviter of the workflow (staff in the dossier's scope), while the
    /// answer's step is open to guests in the dossier's state.
    pub async fn invite_guest(&self, actor: &Actor, dossier: Uuid, new: &NewGuest) -> Result<InvitationView, AppError> {
        let instance = self.visible_dossier(actor, dossier).await?;
        let def = self.definition_of(&instance)?;
        let guests = guests_of(&def)?;
        if !engine::may_act(&def, actor, &guests.inviters, &instance) {
            return Err(Refusal::NotAllowed { reason: "your roles do not invite outside experts here".into() }.into());
        }
        let guest = Role::guest();
        if !def.dossier.transitions_from(&instance.state, &guests.event).any(|t| t.roles.contains(&guest)) {
            return Err(Refusal::WrongState { event: "invite_guest".into(), state: instance.state.clone() }.into());
        }
        let now = self.clock.now();
        let mut errors = Vec::new();
        let mut check = |r: Result<String, AppError>| match r {
            Ok(v) => v,
            Err(AppError::Refused(r)) => {
                errors.extend(r.input_errors());
                String::new()
            }
            Err(_) => String::new(),
        };
        let email = check(email_address(&new.email).map_err(AppError::from));
        let name = check(text("name", &new.name, 200));
        let question = check(text("question", &new.question, MAX_TEXT));
        let expires = crate::calendar::parse_deadline(&new.due);
        match expires {
            None => errors.push(("due".into(), "must be a date (YYYY-MM-DD) or an RFC 3339 instant".into())),
            Some(t) if t <= now => errors.push(("due".into(), "must be in the future".into())),
            Some(t) if t > now + chrono::Duration::days(MAX_DAYS) => {
                errors.push(("due".into(), format!("must be within {MAX_DAYS} days")))
            }
            _ => {}
        }
        let preset = match self.preset_input(&def, guests, &new.input) {
            Ok(p) => p,
            Err(AppError::Refused(r)) => {
                errors.extend(r.input_errors());
                Map::new()
            }
            Err(e) => return Err(e),
        };
        if let Some(refusal) = Refusal::all_invalid(errors) {
            return Err(refusal.into());
        }
        let expires_at = expires.expect("checked above");
        // At 09:00 Paris, `remind_days` before the deadline's day; none when
        // that is already past.
        let nine = chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("a time");
        let remind_at = guests
            .remind_days
            .map(|d| {
                let day = crate::calendar::add_days(crate::calendar::paris_date(expires_at), -i64::from(d));
                crate::calendar::paris_instant(day, nine)
            })
            .filter(|at| *at > now);
        let invitation = NewInvitation {
            dossier,
            email: &email,
            name: &name,
            question: &question,
            preset: &preset,
            confidential: new.confidential,
            expires_at,
            remind_at,
        };
        let id = self.store.invite_guest(&invitation, actor, now).await?;
        self.mail_wake.notify_one();
        Ok(self.store.invitation(id, now).await?)
    }

    /// The preset inputs checked as the event checks them, each one the
    /// workflow lets the inviter set, every one of them required by the
    /// event given.
    fn preset_input(
        &self,
        def: &Definition,
        guests: &Guests,
        input: &Map<String, Value>,
    ) -> Result<Map<String, Value>, AppError> {
        if let Some(other) = input.keys().find(|k| !guests.preset.contains(k)) {
            return Err(invalid(
                other,
                format!("is not set by the inviter (the inviter sets: {})", guests.preset.join(", ")),
            ));
        }
        let event = def.dossier.event(&guests.event).ok_or_else(|| invalid("event", "unknown"))?;
        let only = crate::workflow::EventDef {
            fields: event.fields.iter().filter(|f| guests.preset.contains(&f.name)).cloned().collect(),
            ..event.clone()
        };
        Ok(engine::input::validate(&only, input, &def.grid)?)
    }

    /// Who reads a dossier's invitations: the staff in its scope and the
    /// national level all of them; its owners those not confidential;
    /// reviewers none.
    pub fn reads_invitations(&self, def: &Definition, actor: &Actor, instance: &engine::Instance) -> Option<bool> {
        let d = super::dossiers::dossier_facts(instance);
        if access::follows_up(def, actor) && access::sees_dossier(def, actor, d) && !access::is_owner(def, actor, d) {
            return Some(true);
        }
        access::is_owner(def, actor, d).then_some(false)
    }

    /// Whether the actor may invite on the dossier now.
    pub fn may_invite(&self, def: &Definition, actor: &Actor, instance: &engine::Instance) -> bool {
        let guest = Role::guest();
        def.guests.as_ref().is_some_and(|g| {
            engine::may_act(def, actor, &g.inviters, instance)
                && def.dossier.transitions_from(&instance.state, &g.event).any(|t| t.roles.contains(&guest))
        })
    }

    /// A dossier's invitations as the actor may read them (404 for whom
    /// the dossier is hidden, 403 for its reviewers).
    pub async fn invitations(&self, actor: &Actor, dossier: Uuid) -> Result<Vec<InvitationView>, AppError> {
        let instance = self.visible_dossier(actor, dossier).await?;
        let def = self.definition_of(&instance)?;
        let Some(all) = self.reads_invitations(&def, actor, &instance) else {
            return Err(
                Refusal::NotAllowed { reason: "the invitations are for the staff and the owners".into() }.into()
            );
        };
        let mut list = self.store.invitations(dossier, self.clock.now()).await?;
        if !all {
            list.retain(|i| !i.confidential);
            // Whom staff asked is theirs to tell; what was asked and answered shows.
            for i in &mut list {
                i.email.clear();
            }
        }
        Ok(list)
    }

    /// Revokes an open invitation (an inviter of its dossier).
    pub async fn revoke_guest(
        &self,
        actor: &Actor,
        dossier: Uuid,
        invitation: Uuid,
    ) -> Result<InvitationView, AppError> {
        let instance = self.visible_dossier(actor, dossier).await?;
        let def = self.definition_of(&instance)?;
        let guests = guests_of(&def)?;
        let now = self.clock.now();
        let view = self.store.invitation(invitation, now).await?;
        if view.dossier() != dossier {
            return Err(crate::store::StoreError::NotFound { what: "invitation" }.into());
        }
        if !engine::may_act(&def, actor, &guests.inviters, &instance) {
            return Err(Refusal::NotAllowed { reason: "your roles do not invite outside experts here".into() }.into());
        }
        if !self.store.revoke_invitation(invitation, actor, now).await? {
            return Err(Refusal::WrongState { event: "revoke_guest".into(), state: view.status }.into());
        }
        Ok(self.store.invitation(invitation, now).await?)
    }

    /// A file joined to an answer, for whom reads the invitation.
    pub async fn guest_file(
        &self,
        actor: &Actor,
        dossier: Uuid,
        invitation: Uuid,
        file: Uuid,
    ) -> Result<(GuestFileView, Vec<u8>), AppError> {
        let list = self.invitations(actor, dossier).await?;
        let found = list
            .iter()
            .filter(|i| i.id == invitation.to_string())
            .flat_map(|i| &i.files)
            .find(|f| f.id == file.to_string())
            .cloned()
            .ok_or(crate::store::StoreError::NotFound { what: "file" })?;
        let bytes = files::read(&self.data_dir, &found.sha256)?;
        Ok((found, bytes))
    }

    /// The invitation a link's token opens, whatever its status.
    async fn invitation_of_token(&self, token: &str) -> Result<InvitationView, AppError> {
        let id =
            self.store.link_target(LinkKind::Guest, &token_hash(token)).await?.ok_or(AuthError::UnknownInvitation)?;
        Ok(self.store.invitation(id, self.clock.now()).await?)
    }

    /// An open invitation's link, with its dossier's definition.
    async fn open_invitation(&self, token: &str) -> Result<(InvitationView, Arc<Definition>), AppError> {
        let invitation = self.invitation_of_token(token).await?;
        if !invitation.is_open() {
            return Err(AuthError::SpentInvitation.into());
        }
        let instance = self.store.instance(Machine::Dossier, invitation.dossier()).await?;
        Ok((invitation, self.definition_of(&instance)?))
    }

    /// What the link's holder reads: the question, the parts of the
    /// dossier the workflow shows, the inputs to give (410 once spent).
    pub async fn guest_page(&self, token: &str) -> Result<GuestPage, AppError> {
        let (invitation, def) = self.open_invitation(token).await?;
        let guests = guests_of(&def)?;
        let view = self.store.dossier_view(invitation.dossier()).await?;
        let sections = def
            .form
            .sections
            .iter()
            .map(|s| ShownSection {
                label: s.label.clone(),
                fields: s
                    .fields
                    .iter()
                    .filter(|f| guests.shows.is_empty() || guests.shows.contains(&f.name))
                    .map(|f| (f.label.clone(), shown(f, view.form.get(&f.name))))
                    .collect(),
            })
            .filter(|s| !s.fields.is_empty())
            .collect();
        let event = def.dossier.event(&guests.event).ok_or_else(|| invalid("event", "unknown"))?;
        let label_of = |f: &crate::workflow::FieldDef, v: &Value| match (f.kind, v.as_str()) {
            (FieldType::Choice, Some(code)) => f.choice_labels.get(code).cloned().unwrap_or_else(|| code.to_string()),
            (_, Some(s)) => s.to_string(),
            _ => v.to_string(),
        };
        let preset = event
            .fields
            .iter()
            .filter_map(|f| invitation.preset.get(&f.name).map(|v| (f.label.clone(), label_of(f, v))))
            .collect();
        let inputs = event
            .fields
            .iter()
            .filter(|f| !guests.preset.contains(&f.name))
            .map(|f| GuestInput {
                name: f.name.clone(),
                label: f.label.clone(),
                kind: f.kind.name().to_string(),
                required: f.required,
                choices: f
                    .choices
                    .iter()
                    .map(|c| (c.clone(), f.choice_labels.get(c).cloned().unwrap_or_else(|| c.clone())))
                    .collect(),
            })
            .collect();
        Ok(GuestPage {
            status: invitation.status.clone(),
            workflow: def.id.clone(),
            workflow_label: def.label.clone(),
            label: guests.label.clone(),
            title: view.title,
            name: invitation.name,
            question: invitation.question,
            expires_at: invitation.expires_at,
            sections,
            preset,
            inputs,
            files: invitation.files,
            max_files: guests.max_files,
        })
    }

    /// Joins a file to the answer of an open invitation.
    pub async fn guest_add_file(
        &self,
        token: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<GuestFileView, AppError> {
        let (invitation, def) = self.open_invitation(token).await?;
        let guests = guests_of(&def)?;
        if invitation.files.len() >= guests.max_files {
            return Err(invalid("file", format!("an answer takes at most {} files", guests.max_files)));
        }
        let (file_name, content_type, sha256) = files::keep(&self.data_dir, name, content_type, bytes)?;
        let file = NewGuestFile {
            file_name: &file_name,
            content_type: &content_type,
            size: bytes.len() as i64,
            sha256: &sha256,
        };
        let id = Uuid::parse_str(&invitation.id).unwrap_or_default();
        // Full meanwhile, or no longer open: either way the link is spent for files.
        let added = self.store.add_guest_file(id, &file, guests.max_files, self.clock.now()).await?;
        added.ok_or_else(|| AuthError::SpentInvitation.into())
    }

    /// Answers an open invitation: its dossier's step taken as the guest,
    /// with the preset inputs and the guest's, the text and files kept with
    /// the invitation, all in one transaction. The link is spent after.
    pub async fn guest_answer(&self, token: &str, answer: &GuestAnswer) -> Result<InvitationView, AppError> {
        let (invitation, _) = self.open_invitation(token).await?;
        let text = text("text", &answer.text, MAX_TEXT)?;
        let mut data = answer.input.clone();
        for (key, value) in &invitation.preset {
            if data.contains_key(key) {
                return Err(invalid(key, "is set by the invitation"));
            }
            data.insert(key.clone(), value.clone());
        }
        let id = Uuid::parse_str(&invitation.id).unwrap_or_default();
        let actor = Actor::guest(id, invitation.dossier());
        let now = self.clock.now();
        let mut decided_on = None;
        let decide = |instance: &engine::Instance| {
            let def = decided_on.insert(self.definition_of(instance)?);
            let event = Event { data, ..Event::named(&guests_of(def)?.event) };
            engine::decide(def, instance, &event, &actor, now).map_err(AppError::from)
        };
        let Some((plan, applied)) = self.store.answer_invitation(&invitation, &text, decide).await? else {
            return Err(AuthError::SpentInvitation.into());
        };
        self.applied(&plan, applied, decided_on.as_deref(), &actor).await;
        Ok(self.store.invitation(id, now).await?)
    }

    /// A dossier as `actor` reads it: without, for whom reads no
    /// confidential invitation (its owners), the records their answers wrote.
    pub async fn dossier_view_as(
        &self,
        actor: &Actor,
        instance: &engine::Instance,
    ) -> Result<crate::store::views::DossierView, AppError> {
        let mut view = self.dossier_view(instance.id).await?;
        let def = self.definition_of(instance)?;
        if def.guests.is_none() || self.reads_invitations(&def, actor, instance) == Some(true) {
            return Ok(view);
        }
        for (record, key) in self.store.confidential_records(instance.id).await? {
            let Some(key_field) = def.record(&record).and_then(|r| r.key.clone()) else { continue };
            if let Some(list) = view.records.get_mut(&record) {
                list.retain(|r| r.fields.get(&key_field).and_then(Value::as_str) != Some(key.as_str()));
            }
            if record == crate::workflow::records::FORMER_OPINION {
                view.opinions.retain(|o| o.body != key);
            }
        }
        Ok(view)
    }
}

/// A form value as a person reads it; a group's items one per line.
fn shown(field: &crate::workflow::FormField, value: Option<&Value>) -> String {
    if field.kind != FormType::Group {
        return field.shown(value);
    }
    let items = value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .map(|item| {
            field
                .fields
                .iter()
                .map(|f| f.shown(item.get(&f.name)))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" — ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
