//! Who sees and does what. Lists are filtered in SQL through
//! [`visibility`]; single items are checked here with the same rules, and
//! a dossier or label the caller may not see is "not found", never
//! "forbidden", so its existence does not leak.

use crate::engine::{Actor, DossierFacts, LabelFacts, Scope};
use crate::store::dossiers::Visibility;
use crate::workflow::{RoleKind, RoleTable};

pub fn visibility(def: &impl RoleTable, actor: &Actor) -> Visibility {
    let mut v = Visibility { workflows: actor.workflows.clone(), ..Visibility::default() };
    for g in &actor.grants {
        match (def.kind_of(&g.role), &g.scope) {
            (Some(RoleKind::Admin | RoleKind::National | RoleKind::System), _) => v.all = true,
            (Some(RoleKind::Staff), Some(scope)) => v.scopes.push(scope.to_string()),
            (Some(RoleKind::Owner), _) => v.owner = actor.user_id,
            (Some(RoleKind::Reviewer), _) => v.reviewer = actor.user_id,
            _ => {}
        }
    }
    v
}

/// Whether a staff grant of the actor names one of `scopes`.
fn in_scope(def: &impl RoleTable, actor: &Actor, scopes: &[Scope]) -> bool {
    actor
        .grants
        .iter()
        .any(|g| def.kind_of(&g.role) == Some(RoleKind::Staff) && g.scope.as_ref().is_some_and(|s| scopes.contains(s)))
}

/// Staff of some scope, or the national level: those who
/// follow dossiers beyond their own (overdue items, bulk actions).
pub fn follows_up(def: &impl RoleTable, actor: &Actor) -> bool {
    [RoleKind::Staff, RoleKind::National, RoleKind::Admin].into_iter().any(|k| actor.has_kind(def, k))
}

/// Those who read every review of every dossier they see.
pub fn sees_every_review(def: &impl RoleTable, actor: &Actor) -> bool {
    national(def, actor)
}

fn national(def: &impl RoleTable, actor: &Actor) -> bool {
    actor.has_kind(def, RoleKind::Admin) || actor.has_kind(def, RoleKind::National)
}

fn owns(def: &impl RoleTable, actor: &Actor, owners: &[uuid::Uuid]) -> bool {
    actor.has_kind(def, RoleKind::Owner) && actor.user_id.is_some_and(|u| owners.contains(&u))
}

pub fn is_owner(def: &impl RoleTable, actor: &Actor, d: &DossierFacts) -> bool {
    owns(def, actor, &d.owners)
}

pub fn is_assigned(def: &impl RoleTable, actor: &Actor, d: &DossierFacts) -> bool {
    actor.has_kind(def, RoleKind::Reviewer) && actor.user_id.is_some_and(|u| d.reviewers.iter().any(|r| r.user_id == u))
}

pub fn staff_in_scope(def: &impl RoleTable, actor: &Actor, d: &DossierFacts) -> bool {
    in_scope(def, actor, &d.scopes)
}

pub fn sees_dossier(def: &impl RoleTable, actor: &Actor, d: &DossierFacts) -> bool {
    national(def, actor) || staff_in_scope(def, actor, d) || is_owner(def, actor, d) || is_assigned(def, actor, d)
}

/// Whether the actor may see an instance at all; the timer worker sees all.
/// Whether the actor sees an instance: its workflow is one the actor acts
/// in, and its roles see it. Every single read and every step goes
/// through here (lists filter the same in SQL, `visibility`).
pub fn sees_instance(def: &impl RoleTable, actor: &Actor, instance: &crate::engine::Instance) -> bool {
    actor.is_system()
        || actor.acts_in(&instance.workflow)
            && match &instance.facts {
                crate::engine::Facts::Dossier(d) => sees_dossier(def, actor, d),
                crate::engine::Facts::Label(l) => sees_label(def, actor, l),
            }
}

pub fn sees_label(def: &impl RoleTable, actor: &Actor, l: &LabelFacts) -> bool {
    national(def, actor) || in_scope(def, actor, &l.scopes) || owns(def, actor, &l.owners)
}

/// The audit trail names reviewers: it is for staff in scope and the
/// national level.
pub fn sees_audit(def: &impl RoleTable, actor: &Actor, d: &DossierFacts) -> bool {
    national(def, actor) || staff_in_scope(def, actor, d)
}

/// Whether the actor opens calls for projects of `def`: an administrator
/// any, staff of a role in its `opened_by` their own territory's (in
/// `scope` when one is named).
pub fn opens_calls(def: &crate::workflow::Definition, actor: &Actor, scope: Option<&Scope>) -> bool {
    if !actor.acts_in(&def.id) {
        return false;
    }
    actor.is_admin()
        || actor
            .grants
            .iter()
            .any(|g| def.campaigns.opened_by.contains(&g.role) && scope.is_none_or(|s| g.scope.as_ref() == Some(s)))
}

/// Whether the actor takes a step of `def` that assigns the reviewers or
/// records the decision (staff who assign a label's reviewers or decide
/// on it, not staff who only follow it).
fn steers_reviews(def: &crate::workflow::Definition, actor: &Actor) -> bool {
    use crate::workflow::{Effect, RecordKind};
    def.dossier
        .transitions
        .iter()
        .filter(|t| {
            t.effects.contains(&Effect::Record(RecordKind::Reviewer))
                || t.effects.contains(&Effect::Record(RecordKind::Decision))
        })
        .any(|t| t.roles.iter().any(|r| actor.grants.iter().any(|g| &g.role == r)))
}

/// Who reviews a dossier, and what they wrote: the national level, and
/// staff in scope who assign its reviewers or decide on it.
pub fn sees_reviewers(
    roles: &impl RoleTable,
    def: &crate::workflow::Definition,
    actor: &Actor,
    d: &DossierFacts,
) -> bool {
    national(roles, actor) || (staff_in_scope(roles, actor, d) && steers_reviews(def, actor))
}

pub fn sees_label_audit(def: &impl RoleTable, actor: &Actor, l: &LabelFacts) -> bool {
    national(def, actor) || in_scope(def, actor, &l.scopes)
}

/// How much of the reviews the caller may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReviewAccess {
    None,
    /// Scores and comments without the reviewers' identities.
    Anonymous,
    Full,
}

pub fn review_access(
    def: &impl RoleTable,
    workflow: &crate::workflow::Definition,
    actor: &Actor,
    d: &DossierFacts,
    decided: bool,
) -> ReviewAccess {
    let mut access = ReviewAccess::None;
    if sees_reviewers(def, workflow, actor, d) {
        access = ReviewAccess::Full;
    }
    if is_assigned(def, actor, d) {
        // HotCRP's rule: others' reviews only once one's own is in.
        let own_done = d.reviewers.iter().any(|r| Some(r.user_id) == actor.user_id && r.scores.is_some());
        if own_done {
            access = access.max(ReviewAccess::Full);
        }
    }
    // After the decision, or once a step showed them (the owners' answer to the reports).
    if (decided || d.reviews_shown) && (is_owner(def, actor, d) || staff_in_scope(def, actor, d)) {
        access = access.max(ReviewAccess::Anonymous);
    }
    access
}

/// Project owners edit the content of their dossier in editable states.
pub fn edits_content(def: &impl RoleTable, actor: &Actor, d: &DossierFacts) -> bool {
    is_owner(def, actor, d)
}

/// Attachments: owners while editable, staff in scope and the national
/// level (opinions, minutes) at any time before the end.
pub fn attaches(def: &impl RoleTable, actor: &Actor, d: &DossierFacts, editable: bool, terminal: bool) -> bool {
    (editable && is_owner(def, actor, d)) || (!terminal && (national(def, actor) || staff_in_scope(def, actor, d)))
}
