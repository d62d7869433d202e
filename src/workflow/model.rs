//! A checked workflow definition: what the engine runs.

use super::criteria::Grid;
use super::roles::{Role, RoleDef};
use super::rules::Rule;
use super::vocabulary::{Anchor, FieldType, Machine, Predicate, Recipient, RecordKind, RoleKind, Stage};
use crate::calendar::Offset;
use chrono::NaiveTime;

#[derive(Debug, Clone)]
pub struct Definition {
    pub id: String,
    pub label: String,
    pub version: u32,
    /// The version instances are pinned to: the first 12 hex digits of the
    /// SHA-256 of the file's text and its criteria grid's, so that any edit
    /// makes a new one.
    pub revision: String,
    /// The texts the definition was built from, stored with its revision.
    pub sources: std::sync::Arc<Sources>,
    pub grid: Grid,
    /// The dossier's form.
    pub form: super::form::Form,
    /// The label's roles (`admin` and `system` aside).
    pub roles: Vec<RoleDef>,
    pub dossier: MachineDef,
    pub label_machine: MachineDef,
    /// What a refused person reads, by refusal code.
    pub refusals: std::collections::BTreeMap<String, String>,
    /// The file's own predicates, by name.
    pub rules: std::collections::BTreeMap<String, Rule>,
    /// The records the file declares (or its effects imply).
    pub records: Vec<super::records::RecordDef>,
    /// The rules the file may switch off, as it sets them.
    pub options: Vec<OptionDef>,
    /// Who sets the calls for projects, and for which territory.
    pub campaigns: super::campaigns::CampaignRules,
    /// The yearly list of labels granted, if the label publishes one.
    pub publication: Option<super::publication::Publication>,
    /// Whether its dossiers have a message thread, and who reads it.
    pub messages: super::messages::MessageRules,
    /// The documents it issues (the decision's).
    pub documents: super::documents::Documents,
    /// Outside experts asked for an opinion by a link, if it asks any.
    pub guests: Option<super::guests::Guests>,
    /// The e-mails sent at once whatever their recipient prefers.
    pub mandatory_mail: Vec<String>,
    /// How long the personal data of what ended is kept, if the file says.
    pub retention: Option<super::retention::Retention>,
}

/// A rule of the file that may be switched off: what it marks
/// (`option = "NAME"`) is left out when it is not `enabled`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OptionDef {
    pub name: String,
    pub label: String,
    pub enabled: bool,
    /// What is still to confirm about it (no source found…).
    pub to_confirm: Option<String>,
}

/// A definition's file and criteria grid, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    pub file: String,
    pub text: String,
    pub grid_id: String,
    pub grid: String,
}

impl Sources {
    pub fn revision(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(format!("{}:{}{}:{}", self.text.len(), self.text, self.grid.len(), self.grid).as_bytes());
        hex::encode(hash.finalize())[..12].to_string()
    }
}

/// The inputs of a decision every workflow's decide event has; any other
/// is one of the decision's details.
pub const DECISION_CORE: &[&str] = &["outcome", "category", "years", "motivation"];

/// The inputs of the dossier machine's events that record a decision,
/// beyond [`DECISION_CORE`].
pub fn decision_details(m: &MachineDef) -> Vec<&FieldDef> {
    let mut out: Vec<&FieldDef> = Vec::new();
    let deciding = m.transitions.iter().filter(|t| t.effects.contains(&Effect::Record(RecordKind::Decision)));
    for field in deciding.filter_map(|t| m.event(&t.event)).flat_map(|e| &e.fields) {
        if !DECISION_CORE.contains(&field.name.as_str()) && !out.iter().any(|f| f.name == field.name) {
            out.push(field);
        }
    }
    out
}

impl Definition {
    /// The inputs of the events that record a decision, beyond
    /// [`DECISION_CORE`]: the decision's details.
    pub fn decision_details(&self) -> Vec<&FieldDef> {
        decision_details(&self.dossier)
    }

    /// The file's record `name`.
    pub fn record(&self, name: &str) -> Option<&super::records::RecordDef> {
        self.records.iter().find(|r| r.name == name)
    }

    /// The records of `machine`, in the file's order.
    pub fn records_of(&self, machine: Machine) -> impl Iterator<Item = &super::records::RecordDef> {
        self.records.iter().filter(move |r| r.machine == machine)
    }

    /// What a person reads for `code`, a value of the choice fields named
    /// `field` (in any event of either machine); the code when none labels it.
    pub fn choice_label(&self, field: &str, code: &str) -> String {
        self.event_fields()
            .filter(|f| f.name == field)
            .find_map(|f| f.choice_labels.get(code))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// The inputs of every event of both machines.
    fn event_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.machines().into_iter().flat_map(|(_, m)| &m.events).flat_map(|e| &e.fields)
    }

    /// The categories a dossier may ask for and a label carry (the
    /// choices of the dossier machine's input named `category`, with what a
    /// person reads); `standard` alone when no event has one.
    pub fn categories(&self) -> Vec<(String, String)> {
        let field = self.dossier.events.iter().flat_map(|e| &e.fields).find(|f| f.name == "category");
        match field {
            Some(f) if !f.choices.is_empty() => {
                f.choices.iter().map(|c| (c.clone(), f.choice_label(c).to_string())).collect()
            }
            _ => vec![("standard".to_string(), "standard".to_string())],
        }
    }

    /// The most years a label lasts: the highest `max` of the dossier
    /// machine's inputs named `years`.
    pub fn max_years(&self) -> Option<i64> {
        self.dossier.events.iter().flat_map(|e| &e.fields).filter(|f| f.name == "years").filter_map(|f| f.max).max()
    }

    /// The first day the category `code` exists, if the file says.
    pub fn category_since(&self, code: &str) -> Option<chrono::NaiveDate> {
        self.dossier
            .events
            .iter()
            .flat_map(|e| &e.fields)
            .filter(|f| f.name == "category")
            .find_map(|f| f.since.get(code).copied())
    }

    /// The label the file gives an event input named `field`, if any.
    pub fn field_label(&self, field: &str) -> Option<&str> {
        self.event_fields().find(|f| f.name == field).map(|f| f.label.as_str())
    }

    /// What a person reads for a form field's path: `region` is
    /// « Région », `partners[2].type` « Partenaires n°2 : Type ».
    pub fn form_label(&self, path: &str) -> Option<String> {
        let (top, rest) = match path.split_once('[') {
            Some((top, rest)) => (top, Some(rest)),
            None => (path, None),
        };
        let field = self.form.field(top)?;
        let Some(rest) = rest else { return Some(field.label.clone()) };
        let (n, sub) = rest.split_once("].").map_or((rest.trim_end_matches(']'), None), |(n, s)| (n, Some(s)));
        let sub = sub.and_then(|s| field.fields.iter().find(|f| f.name == s)).map(|f| f.label.as_str());
        Some(match sub {
            Some(sub) => format!("{} n°{n} : {sub}", field.label),
            None => format!("{} n°{n}", field.label),
        })
    }

    pub fn role(&self, role: &Role) -> Option<&RoleDef> {
        self.roles.iter().find(|r| &r.name == role)
    }

    /// What the engine makes of `role`; `None` for a role this workflow
    /// does not declare.
    pub fn kind_of(&self, role: &Role) -> Option<RoleKind> {
        match role.name() {
            Role::ADMIN => Some(RoleKind::Admin),
            Role::SYSTEM => Some(RoleKind::System),
            Role::GUEST => Some(RoleKind::Guest),
            _ => self.role(role).map(|r| r.kind),
        }
    }

    /// What a person reads for a role.
    pub fn role_label(&self, role: &Role) -> String {
        match role.name() {
            Role::ADMIN => "Administrateur".into(),
            Role::SYSTEM => "Système".into(),
            Role::GUEST => "Expert extérieur (par lien)".into(),
            _ => self.role(role).map_or_else(|| role.to_string(), |r| r.label.clone()),
        }
    }

    pub fn machine(&self, machine: Machine) -> &MachineDef {
        match machine {
            Machine::Dossier => &self.dossier,
            Machine::Label => &self.label_machine,
        }
    }

    pub fn machines(&self) -> [(Machine, &MachineDef); 2] {
        [(Machine::Dossier, &self.dossier), (Machine::Label, &self.label_machine)]
    }
}

#[derive(Debug, Clone)]
pub struct MachineDef {
    pub initial: String,
    /// In file order.
    pub states: Vec<StateDef>,
    pub events: Vec<EventDef>,
    pub transitions: Vec<Transition>,
    pub timers: Vec<TimerDef>,
    pub on_create: Vec<Effect>,
}

impl MachineDef {
    pub fn state(&self, name: &str) -> Option<&StateDef> {
        self.states.iter().find(|s| s.name == name)
    }

    pub fn event(&self, name: &str) -> Option<&EventDef> {
        self.events.iter().find(|e| e.name == name)
    }

    pub fn timer(&self, name: &str) -> Option<&TimerDef> {
        self.timers.iter().find(|t| t.name == name)
    }

    pub fn is_terminal(&self, state: &str) -> bool {
        self.state(state).is_some_and(|s| s.terminal)
    }

    /// Whether `state` is at `stage`.
    pub fn is_at(&self, state: &str, stage: Stage) -> bool {
        self.state(state).is_some_and(|s| s.stage == Some(stage))
    }

    /// The states at `stage`, in file order.
    pub fn states_at(&self, stage: Stage) -> Vec<String> {
        self.states.iter().filter(|s| s.stage == Some(stage)).map(|s| s.name.clone()).collect()
    }

    /// Transitions for `event` leaving `state`, in file order.
    pub fn transitions_from<'a>(&'a self, state: &'a str, event: &'a str) -> impl Iterator<Item = &'a Transition> + 'a {
        self.transitions.iter().filter(move |t| t.event == event && t.from.iter().any(|f| f == state))
    }

    /// Transitions leaving `state`, in file order.
    pub fn transitions_from_state<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'a Transition> + 'a {
        self.transitions.iter().filter(move |t| t.from.iter().any(|f| f == state))
    }

    /// Whether steps of `event` concern the reviewers: who they are
    /// (assignment, recusal), what they wrote, or their own deadlines. Such
    /// steps are seen only by those who may see the reviews.
    pub fn concerns_reviewers(&self, event: &str) -> bool {
        self.transitions.iter().filter(|t| t.event == event).flat_map(|t| &t.effects).any(|effect| match effect {
            Effect::Record(kind) => matches!(kind, RecordKind::Reviewer | RecordKind::Review | RecordKind::Recusal),
            Effect::Notify { to, .. } => to.contains(&Recipient::Reviewer),
            Effect::StartTimer(name) | Effect::CancelTimer(name) => {
                self.timer(name).is_some_and(|timer| timer.anchor.per_reviewer())
            }
            Effect::CancelAllTimers | Effect::CreateLabel { .. } | Effect::Write(_) | Effect::PostMessage(_) => false,
        })
    }

    /// Whether steps of `event` record a review.
    pub fn records_reviews(&self, event: &str) -> bool {
        self.records(event, RecordKind::Review)
    }

    /// Whether steps of `event` record a decision.
    pub fn records_decision(&self, event: &str) -> bool {
        self.records(event, RecordKind::Decision)
    }

    fn records(&self, event: &str, kind: RecordKind) -> bool {
        self.transitions.iter().filter(|t| t.event == event).any(|t| t.effects.contains(&Effect::Record(kind)))
    }

    /// Events some transition accepts in `state`.
    pub fn events_from(&self, state: &str) -> Vec<&str> {
        let mut names: Vec<&str> =
            self.transitions.iter().filter(|t| t.from.iter().any(|f| f == state)).map(|t| t.event.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

#[derive(Debug, Clone)]
pub struct StateDef {
    pub name: String,
    pub label: String,
    pub terminal: bool,
    /// Owners may edit the dossier's content (fields, partners,
    /// self-assessment, attachments) in this state.
    pub editable: bool,
    /// Owners may add attachments, and not edit the rest (answering the
    /// reports with files).
    pub attachable: bool,
    pub stage: Option<Stage>,
}

impl StateDef {
    /// Owners add files in this state.
    pub fn takes_owner_files(&self) -> bool {
        self.editable || self.attachable
    }
}

#[derive(Debug, Clone)]
pub struct EventDef {
    pub name: String,
    pub label: String,
    pub fields: Vec<FieldDef>,
    /// Offered on the bulk actions page: the same step, with the same
    /// inputs, on every dossier checked (the arrêté listing many campuses).
    pub batch: bool,
    /// What a person confirms before a step that cannot be undone (a
    /// decision, a withdrawal): pages ask for it with a box to check.
    pub confirm: Option<String>,
    /// The webhook kind a step of this event also announces, beside the
    /// built-in ones (`label_expiring` for a renewal reminder).
    pub announce: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub kind: FieldType,
    pub required: bool,
    pub choices: Vec<String>,
    /// What a person reads for each choice (the code when absent).
    pub choice_labels: std::collections::BTreeMap<String, String>,
    /// The field's label in forms (its name when the file gives none).
    pub label: String,
    pub help: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Required when another input of the event has this value.
    pub required_if: Option<(String, String)>,
    /// The first day each choice that says exists (a mention created by a
    /// text): a label imported with it may not start before.
    pub since: std::collections::BTreeMap<String, chrono::NaiveDate>,
    /// (record, field): when required and not sent, the input takes that
    /// field of the latest such record of the instance (the proposed
    /// mention of an avis becomes the decision's).
    pub default_from: Option<(String, String)>,
}

impl FieldDef {
    pub fn choice_label<'a>(&'a self, code: &'a str) -> &'a str {
        self.choice_labels.get(code).map_or(code, String::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct Transition {
    pub event: String,
    pub from: Vec<String>,
    /// `None` keeps the current state.
    pub to: Option<String>,
    pub roles: Vec<Role>,
    pub when: Vec<Condition>,
    pub guards: Vec<Check>,
    /// Predicates shown in a checklist when they fail, never refusing (what
    /// the texts expect without requiring it).
    pub advice: Vec<Check>,
    pub effects: Vec<Effect>,
    /// Line of its `event` in the workflow file, for messages.
    pub line: usize,
}

impl Transition {
    pub fn target<'a>(&'a self, current: &'a str) -> &'a str {
        self.to.as_deref().unwrap_or(current)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    FieldEquals { field: String, value: String },
    Predicate { predicate: Check, negated: bool },
}

/// A predicate a transition names: one the engine implements, or one the
/// workflow file writes in CEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Builtin(Predicate),
    Rule(String),
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Builtin(p) => write!(f, "{p}"),
            Check::Rule(name) => f.write_str(name),
        }
    }
}

impl Condition {
    /// Two conditions that can never hold together.
    pub fn excludes(&self, other: &Condition) -> bool {
        match (self, other) {
            (Condition::FieldEquals { field: a, value: x }, Condition::FieldEquals { field: b, value: y }) => {
                a == b && x != y
            }
            (Condition::Predicate { predicate: a, negated: n }, Condition::Predicate { predicate: b, negated: m }) => {
                a == b && n != m
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::FieldEquals { field, value } => write!(f, "{field}={value}"),
            Condition::Predicate { predicate, negated: true } => write!(f, "!{predicate}"),
            Condition::Predicate { predicate, negated: false } => write!(f, "{predicate}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Notify {
        template: String,
        to: Vec<Recipient>,
    },
    StartTimer(String),
    CancelTimer(String),
    CancelAllTimers,
    Record(RecordKind),
    /// Writes the file's record of that name.
    Write(String),
    /// Creates the label; its validity starts on the date of the event's
    /// input `valid_from` names (the decision's own date) when sent, or on
    /// the day of the step.
    CreateLabel {
        valid_from: Option<String>,
    },
    /// Writes the event's text input of that name in the dossier's thread,
    /// from the actor's side, e-mailing the other side.
    PostMessage(String),
}

#[derive(Debug, Clone)]
pub struct TimerDef {
    pub name: String,
    pub anchor: Anchor,
    pub offset: Offset,
    /// Europe/Paris wall-clock time of day.
    pub time: Option<NaiveTime>,
    pub event: String,
    /// A reminder whose moment has already passed when it would be started
    /// is not started at all (a deadline timer always is, and fires late).
    pub skip_if_past: bool,
}
