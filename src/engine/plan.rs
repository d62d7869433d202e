//! What the engine decides: a Plan to apply in one transaction, or a
//! Refusal that changes nothing.

use crate::workflow::{Machine, Recipient};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub machine: Machine,
    pub instance_id: Uuid,
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    /// The version the instance must still have when the plan is applied.
    pub expected_version: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_user: Option<Uuid>,
    pub on_behalf_of: Option<Uuid>,
    /// The event's input after validation (deadlines as UTC instants).
    pub data: Map<String, Value>,
    pub records: Vec<Record>,
    pub effects: Effects,
    pub new_label: Option<NewLabel>,
    /// A message the step writes in the dossier's thread (`post_message`).
    pub thread_post: Option<ThreadPost>,
    /// The workflow's own webhook kind the event announces, if any.
    pub announce: Option<String>,
}

/// A message a step writes in its dossier's thread, e-mailing the other
/// side as a message written on the thread would.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadPost {
    /// `owners` or `staff`: the writer's side.
    pub side: String,
    pub body: String,
    pub notify: Message,
}

/// Side effects shared by transitions and instance creation.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Effects {
    pub messages: Vec<Message>,
    pub timers: Vec<TimerOp>,
}

/// A label created by a `labelled` decision, with its own creation effects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewLabel {
    pub category: String,
    pub years: u32,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub renewal_of: Option<Uuid>,
    pub state: String,
    pub effects: Effects,
}

/// Dossier data a transition stores.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// A record the workflow file declares.
    Declared {
        name: String,
        /// The value of its key field; none for a record without a key
        /// (each write adds one).
        key: Option<String>,
        fields: Map<String, Value>,
    },
    CompletionRequest {
        message: String,
        due: DateTime<Utc>,
    },
    CompletionAnswered,
    /// The reviews shown to the owners (anonymised) from now on.
    ReviewsShown,
    Reviewer {
        user_id: Uuid,
        due: DateTime<Utc>,
    },
    /// A reviewer's review: a later one of the same reviewer replaces it.
    Review {
        reviewer: Uuid,
        scores: BTreeMap<String, i64>,
        comment: String,
        /// A comment per criterion, by code (the event's `notes` input).
        notes: BTreeMap<String, String>,
    },
    /// A reviewer's declaration of a conflict of interest: the assignment
    /// ends and the reviewer may not be assigned to this dossier again.
    Recusal {
        reviewer: Uuid,
        reason: String,
    },
    Decision {
        outcome: String,
        category: Option<String>,
        years: Option<u32>,
        motivation: String,
        /// The event's other text inputs (a justification the workflow
        /// asks for…), by name.
        details: std::collections::BTreeMap<String, String>,
    },
}

/// A notification to render into outbox rows at commit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub template: String,
    pub to: Vec<Recipient>,
    /// The person `reviewer` resolves to.
    pub subject_user: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TimerOp {
    Start { name: String, key: Option<Uuid>, event: String, due_at: DateTime<Utc> },
    Cancel { name: String, key: Option<Uuid> },
    CancelAll,
}

/// Why an event was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not allowed: {reason}")]
    NotAllowed { reason: String },
    #[error("event `{event}` is not possible in state `{state}`")]
    WrongState { event: String, state: String },
    #[error("stale version: the dossier is at version {current}, not {expected}")]
    StaleVersion { expected: i64, current: i64 },
    #[error("{message}")]
    GuardFailed { guard: String, code: String, message: String },
    #[error("{field}: {reason}")]
    InvalidInput { field: String, reason: String },
    /// Several inputs refused at once, each (field, reason), so that a form
    /// tells every error in one answer.
    #[error("{} input errors, first {}: {}", errors.len(), errors[0].0, errors[0].1)]
    InvalidInputs { errors: Vec<(String, String)> },
}

impl Refusal {
    pub fn invalid(field: &str, reason: impl Into<String>) -> Refusal {
        Refusal::InvalidInput { field: field.to_string(), reason: reason.into() }
    }

    /// The refusal of every input error found (none: None), one alone as
    /// [`Refusal::InvalidInput`].
    pub fn all_invalid(mut errors: Vec<(String, String)>) -> Option<Refusal> {
        match errors.len() {
            0 => None,
            1 => errors.pop().map(|(field, reason)| Refusal::InvalidInput { field, reason }),
            _ => Some(Refusal::InvalidInputs { errors }),
        }
    }

    /// Each input error: (field, reason).
    pub fn input_errors(&self) -> Vec<(String, String)> {
        match self {
            Refusal::InvalidInput { field, reason } => vec![(field.clone(), reason.clone())],
            Refusal::InvalidInputs { errors } => errors.clone(),
            _ => vec![],
        }
    }

    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> &str {
        match self {
            Refusal::NotAllowed { .. } => "forbidden",
            Refusal::WrongState { .. } => "wrong_state",
            Refusal::StaleVersion { .. } => "stale_version",
            Refusal::GuardFailed { code, .. } => code,
            Refusal::InvalidInput { .. } | Refusal::InvalidInputs { .. } => "invalid_input",
        }
    }
}
