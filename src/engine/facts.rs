//! What the engine is told about an instance, the actor and the event.
//! The application loads these; the engine never reads storage.

use crate::workflow::{Machine, Role};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A role grant, optionally limited to a scope such as `region:IDF`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Option<Scope>,
}

impl std::fmt::Display for Grant {
    /// `role` or `role@scope`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.scope {
            Some(scope) => write!(f, "{}@{scope}", self.role),
            None => write!(f, "{}", self.role),
        }
    }
}

/// A place in one of the workflow's scope lists (an item of a reference
/// list, such as `region:ARA`), or an organisation (`org:NAME`): scopes of
/// staff grants and of instances, affiliations of committee members.
/// Written `kind:CODE`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Scope {
    pub kind: String,
    pub code: String,
}

/// The kind of scope naming an organisation (free text, not a list item).
pub const ORG: &str = "org";

impl Scope {
    pub fn new(kind: &str, code: &str) -> Scope {
        Scope { kind: kind.to_string(), code: code.to_string() }
    }

    /// `kind:CODE`, the kind lowercase letters, digits or `_`.
    pub fn parse(text: &str) -> Option<Scope> {
        let (kind, code) = text.split_once(':')?;
        let (kind, code) = (kind.trim(), code.trim());
        let valid_kind =
            !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        (valid_kind && !code.is_empty()).then(|| Scope::new(kind, code))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.code)
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.to_string()
    }
}

/// Who acts. The timer worker acts as [`Actor::system`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub grants: Vec<Grant>,
    pub affiliations: Vec<Scope>,
    /// Set when an admin acts for someone else.
    pub on_behalf_of: Option<Uuid>,
    /// Set for someone answering by a link, who has no account.
    pub guest: Option<GuestPass>,
    /// The workflows an API token narrowed to some acts in; `None`: all.
    pub workflows: Option<Vec<String>>,
}

/// What a guest's link allows: to answer on one dossier, as its invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestPass {
    pub invitation: Uuid,
    pub dossier: Uuid,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            grants: vec![Grant { role: Role::system(), scope: None }],
            affiliations: vec![],
            on_behalf_of: None,
            guest: None,
            workflows: None,
        }
    }

    /// The holder of invitation `invitation`'s link about `dossier`.
    pub fn guest(invitation: Uuid, dossier: Uuid) -> Actor {
        Actor {
            user_id: None,
            grants: vec![Grant { role: Role::guest(), scope: None }],
            affiliations: vec![],
            on_behalf_of: None,
            guest: Some(GuestPass { invitation, dossier }),
            workflows: None,
        }
    }

    pub fn user(user_id: Uuid, grants: Vec<Grant>) -> Actor {
        Actor { user_id: Some(user_id), grants, affiliations: vec![], on_behalf_of: None, guest: None, workflows: None }
    }

    /// Whether the actor holds the role named `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.grants.iter().any(|g| g.role.name() == role)
    }

    /// An administrator of the whole server: a token narrowed to some
    /// workflows is not one, so server-wide administration (accounts,
    /// webhooks, the whole audit trail, e-mail) stays out of its reach.
    pub fn is_admin(&self) -> bool {
        self.has_role(Role::ADMIN) && self.workflows.is_none()
    }

    /// Whether the actor acts in `workflow` (always, unless narrowed).
    pub fn acts_in(&self, workflow: &str) -> bool {
        self.workflows.as_ref().is_none_or(|w| w.iter().any(|x| x == workflow))
    }

    pub fn is_system(&self) -> bool {
        self.has_role(Role::SYSTEM)
    }

    /// Whether the actor holds a role of `kind` in `def`.
    pub fn has_kind(&self, def: &impl crate::workflow::RoleTable, kind: crate::workflow::RoleKind) -> bool {
        self.grants.iter().any(|g| def.kind_of(&g.role) == Some(kind))
    }

    /// Label used in audit entries.
    pub fn audit_name(&self) -> String {
        match (self.user_id, &self.guest) {
            (Some(id), _) => format!("user:{id}"),
            (None, Some(pass)) => format!("guest:{}", pass.invitation),
            (None, None) => "system".to_string(),
        }
    }
}

/// A person an event refers to (the reviewer being assigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub user_id: Uuid,
    pub roles: Vec<Role>,
    pub affiliations: Vec<Scope>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    /// The event's input fields as sent (JSON object).
    pub data: Map<String, Value>,
    /// The instance version the caller saw, when it says.
    pub expected_version: Option<i64>,
    /// Resolved `user` field, if the event has one.
    pub subject: Option<Person>,
}

impl Event {
    pub fn named(name: &str) -> Event {
        Event { name: name.to_string(), data: Map::new(), expected_version: None, subject: None }
    }

    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Event {
        self.data.insert(field.to_string(), value.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub machine: Machine,
    pub id: Uuid,
    pub state: String,
    pub version: i64,
    pub facts: Facts,
    /// Timers still pending on the instance, as (name, key).
    pub pending_timers: Vec<(String, Option<Uuid>)>,
    /// The id of the workflow the instance runs on.
    pub workflow: String,
    /// The version of it the instance is pinned to; none for an instance
    /// not yet pinned (it runs on the current one).
    pub workflow_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    Dossier(Box<DossierFacts>),
    Label(LabelFacts),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DossierFacts {
    pub owners: Vec<Uuid>,
    pub title: String,
    pub kind: String,
    pub category: String,
    /// The scopes the form places the dossier in (staff of these act on it).
    pub scopes: Vec<Scope>,
    /// The form's values, as the workflow's form stores them.
    pub form: Map<String, Value>,
    pub renewal_of: Option<Uuid>,
    /// Last day of the label this dossier renews.
    pub renewal_of_valid_until: Option<NaiveDate>,
    /// The file's records written on the dossier.
    pub records: Records,
    pub call_opens_at: Option<DateTime<Utc>>,
    pub call_closes_at: Option<DateTime<Utc>>,
    pub completion_due: Option<DateTime<Utc>>,
    /// A step showed the reviews to the owners before the decision.
    pub reviews_shown: bool,
    pub reviewers: Vec<Reviewer>,
    /// Reviewers who declared a conflict of interest with this dossier.
    pub recused: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reviewer {
    pub user_id: Uuid,
    pub due: DateTime<Utc>,
    pub scores: Option<BTreeMap<String, i64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelFacts {
    pub dossier_id: Option<Uuid>,
    pub owners: Vec<Uuid>,
    /// The scopes of the dossier it was granted on (or of its import).
    pub scopes: Vec<Scope>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// A renewal dossier for this label has been labelled.
    pub has_labelled_renewal: bool,
    /// The file's records written on the label.
    pub records: Records,
}

/// The records a workflow file declares, as stored on an instance: by
/// record name, each record's fields in the order they were written.
pub type Records = BTreeMap<String, Vec<Map<String, Value>>>;

/// The values of `field` over the records `name`.
pub fn record_values<'a>(records: &'a Records, name: &str, field: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    records.get(name).into_iter().flatten().filter_map(move |r| r.get(field))
}

impl DossierFacts {
    /// Average score per criterion over submitted reviews.
    pub fn averages(&self) -> BTreeMap<String, f64> {
        let mut sums: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for scores in self.reviewers.iter().filter_map(|r| r.scores.as_ref()) {
            for (code, score) in scores {
                let e = sums.entry(code.clone()).or_default();
                e.0 += score;
                e.1 += 1;
            }
        }
        sums.into_iter().map(|(k, (s, n))| (k, s as f64 / n as f64)).collect()
    }
}

impl Facts {
    pub fn records(&self) -> &Records {
        match self {
            Facts::Dossier(d) => &d.records,
            Facts::Label(l) => &l.records,
        }
    }
}
