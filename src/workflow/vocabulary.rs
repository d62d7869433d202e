//! The closed vocabulary a workflow file may use. Guards, conditions,
//! effects, recipients and anchors are implemented in Rust; the file only
//! names them, and `workflow check` refuses any name not listed here.

use serde::{Serialize, Serializer};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
    };
}

vocabulary! {
    /// The two kinds of instance a label's workflow drives.
    Machine { Dossier = "dossier", Label = "label" }
}

vocabulary! {
    /// What a role of a workflow file means to the engine. `admin` and
    /// `system` are the engine's own roles, declared by no file.
    RoleKind {
        Owner = "owner",
        Staff = "staff",
        Reviewer = "reviewer",
        National = "national",
        Admin = "admin",
        System = "system",
        Guest = "guest",
    }
}

vocabulary! {
    /// The predicates the engine implements: used as `guards` (refuse the
    /// event) or in `when` (select the transition). A workflow file adds its
    /// own in CEL (`[predicates.NAME]`).
    Predicate {
        CallOpen = "call_open",
        ActorSideNotEndorsed = "actor_side_not_endorsed",
        DueInFuture = "due_in_future",
        ReviewerNotAssigned = "reviewer_not_assigned",
        ReviewNotSubmitted = "review_not_submitted",
        ReviewRevisable = "review_revisable",
        CompletesReviews = "completes_reviews",
        HasLabelledRenewal = "has_labelled_renewal",
        LastReportSubmitted = "last_report_submitted",
        NextReportSubmitted = "next_report_submitted",
        ReportYearOpen = "report_year_open",
    }
}

impl Predicate {
    /// The machine whose facts the predicate reads.
    pub fn machine(self) -> Machine {
        match self {
            Predicate::HasLabelledRenewal
            | Predicate::LastReportSubmitted
            | Predicate::NextReportSubmitted
            | Predicate::ReportYearOpen => Machine::Label,
            _ => Machine::Dossier,
        }
    }
}

vocabulary! {
    /// What a state means to the engine beyond its transitions: the
    /// worklists, calendars and review visibility read it, never a state's
    /// name. `completing`: the owners complete the dossier against a
    /// deadline. `reviewing`: reviews are being written, one past its due
    /// date is late. `decided`: the decision is taken, the reviews open up,
    /// anonymised, to the owners and staff. `in_force` (labels): the label is
    /// valid and activity reports are expected.
    Stage {
        Completing = "completing",
        Reviewing = "reviewing",
        Deciding = "deciding",
        Decided = "decided",
        InForce = "in_force",
    }
}

impl Stage {
    pub fn machine(self) -> Machine {
        match self {
            Stage::InForce => Machine::Label,
            _ => Machine::Dossier,
        }
    }
}

vocabulary! {
    /// The records the engine keeps itself (a `record` effect naming
    /// another writes one the file declares, see [`super::records`]).
    RecordKind {
        CompletionRequest = "completion_request",
        CompletionAnswered = "completion_answered",
        ReviewsShown = "reviews_shown",
        Reviewer = "reviewer",
        Review = "review",
        Recusal = "recusal",
        Decision = "decision",
    }
}

impl RecordKind {
    pub fn machine(self) -> Machine {
        Machine::Dossier
    }
}

/// Who a notification goes to, resolved against the instance at commit.
/// A file writes `owners`, `reviewers`, `reviewer` (the event's subject),
/// `admins`, `staff` (every staff role, in scope) or a role's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    Owners,
    Reviewers,
    Reviewer,
    Admins,
    /// Holders of a staff role whose grant names one of the instance's scopes.
    InScope(super::roles::Role),
    /// Every holder of a role (the national level).
    Holders(super::roles::Role),
    /// The account of this e-mail address, if the server has one (a
    /// secretariat, a committee's mailbox).
    Account(String),
}

impl Recipient {
    /// An address a file may name: lower case, one `@`, and only the
    /// characters of ordinary addresses (it is written into SQL as is).
    pub fn account(address: &str) -> Option<Recipient> {
        let (local, domain) = address.split_once('@')?;
        let plain = |s: &str, extra: &str| {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c))
        };
        (plain(local, "._+-") && plain(domain, ".-") && domain.contains('.'))
            .then(|| Recipient::Account(address.into()))
    }
}

impl Serialize for Recipient {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl std::fmt::Display for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recipient::Owners => f.write_str("owners"),
            Recipient::Reviewers => f.write_str("reviewers"),
            Recipient::Reviewer => f.write_str("reviewer"),
            Recipient::Admins => f.write_str("admins"),
            Recipient::InScope(r) | Recipient::Holders(r) => write!(f, "{r}"),
            Recipient::Account(address) => write!(f, "account:{address}"),
        }
    }
}

vocabulary! {
    /// Instants and dates a timer may be anchored to.
    Anchor {
        CallClosesAt = "call_closes_at",
        CompletionDue = "completion_due",
        ReviewDue = "review_due",
        ValidFrom = "valid_from",
        ValidUntil = "valid_until",
        NextAnniversary = "next_anniversary",
        LastAnniversary = "last_anniversary",
    }
}

impl Anchor {
    pub fn machine(self) -> Machine {
        match self {
            Anchor::ValidFrom | Anchor::ValidUntil | Anchor::NextAnniversary | Anchor::LastAnniversary => {
                Machine::Label
            }
            _ => Machine::Dossier,
        }
    }

    /// A per-reviewer anchor yields one timer per assigned reviewer.
    pub fn per_reviewer(self) -> bool {
        self == Anchor::ReviewDue
    }

    /// Calendar dates need a wall-clock time; instants may take one.
    pub fn is_date(self) -> bool {
        matches!(self, Anchor::ValidFrom | Anchor::ValidUntil | Anchor::NextAnniversary | Anchor::LastAnniversary)
    }
}

vocabulary! {
    /// Input field types an event may declare.
    FieldType {
        Text = "text",
        Choice = "choice",
        Integer = "integer",
        Date = "date",
        Deadline = "deadline",
        User = "user",
        Scores = "scores",
        Notes = "notes",
    }
}

/// E-mail templates labelflow ships (French text and HTML parts).
pub const TEMPLATES: &[&str] = &[
    "call_closing",
    "submission_receipt",
    "completion_requested",
    "completion_reminder",
    "completion_received",
    "reports_answer_requested",
    "reports_answer_reminder",
    "reports_answer_received",
    "reports_answer_closed",
    "dossier_admissible",
    "dossier_inadmissible",
    "dossier_withdrawn",
    "dossier_reopened",
    "reviewer_assigned",
    "reviewer_recused",
    "owner_reminder",
    "endorsement_requested",
    "review_reminder",
    "review_overdue",
    "reviews_complete",
    "avis_given",
    "decision",
    "label_granted",
    "renewal_open",
    "renewal_reminder",
    "label_renewed",
    "label_expired",
    "label_withdrawn",
    "report_due",
    "report_reminder",
    "report_overdue",
    "retention_warning",
];

vocabulary! {
    /// What a field of the dossier's form holds.
    FormType {
        Text = "text",
        LongText = "long_text",
        Integer = "integer",
        Date = "date",
        Email = "email",
        Choice = "choice",
        Choices = "choices",
        Uai = "uai",
        Siret = "siret",
        Group = "group",
    }
}
