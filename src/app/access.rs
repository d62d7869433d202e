//! Who sees and does what. Lists are filtered in SQL through
//! [`visibility`]; single items are checked here with the same rules, and
//! a dossier or label the caller may not see is "not found", never
//! "forbidden", so its existence does not leak.

use crate::engine::{Actor, DossierFacts, LabelFacts, Scope};
use crate::store::dossiers::Visibility;
use crate::workflow::Role;

pub fn visibility(actor: &Actor) -> Visibility {
    let mut v = Visibility::default();
    for g in &actor.grants {
        match (g.role, &g.scope) {
            (Role::Admin | Role::President | Role::System, _) => v.all = true,
            (Role::StaffRectorat | Role::StaffRegion, Some(scope)) => v.scopes.push(scope.to_string()),
            (Role::Porteur, _) => v.owner = actor.user_id,
            (Role::Rapporteur, _) => v.reviewer = actor.user_id,
            _ => {}
        }
    }
    v
}

/// Whether a staff grant of the actor names one of `scopes`.
fn in_scope(actor: &Actor, scopes: &[Scope]) -> bool {
    actor.grants.iter().any(|g| {
        matches!(g.role, Role::StaffRectorat | Role::StaffRegion)
            && g.scope.as_ref().is_some_and(|s| scopes.contains(s))
    })
}

/// Staff of some scope, or the national level: those who
/// follow dossiers beyond their own (overdue items, bulk actions).
pub fn follows_up(actor: &Actor) -> bool {
    [Role::StaffRectorat, Role::StaffRegion, Role::President, Role::Admin].into_iter().any(|r| actor.has_role(r))
}

/// Those who read every review of every dossier they see.
pub fn sees_every_review(actor: &Actor) -> bool {
    national(actor)
}

fn national(actor: &Actor) -> bool {
    actor.has_role(Role::Admin) || actor.has_role(Role::President)
}

pub fn is_owner(actor: &Actor, d: &DossierFacts) -> bool {
    actor.has_role(Role::Porteur) && actor.user_id.is_some_and(|u| d.owners.contains(&u))
}

pub fn is_assigned(actor: &Actor, d: &DossierFacts) -> bool {
    actor.has_role(Role::Rapporteur) && actor.user_id.is_some_and(|u| d.reviewers.iter().any(|r| r.user_id == u))
}

pub fn staff_in_scope(actor: &Actor, d: &DossierFacts) -> bool {
    in_scope(actor, &d.scopes)
}

pub fn sees_dossier(actor: &Actor, d: &DossierFacts) -> bool {
    national(actor) || staff_in_scope(actor, d) || is_owner(actor, d) || is_assigned(actor, d)
}

/// Whether the actor may see an instance at all; the timer worker sees all.
pub fn sees_instance(actor: &Actor, instance: &crate::engine::Instance) -> bool {
    actor.has_role(Role::System)
        || match &instance.facts {
            crate::engine::Facts::Dossier(d) => sees_dossier(actor, d),
            crate::engine::Facts::Label(l) => sees_label(actor, l),
        }
}

pub fn sees_label(actor: &Actor, l: &LabelFacts) -> bool {
    national(actor)
        || in_scope(actor, &l.scopes)
        || (actor.has_role(Role::Porteur) && actor.user_id.is_some_and(|u| l.owners.contains(&u)))
}

/// The audit trail names rapporteurs: it is for staff in scope and the
/// national level.
pub fn sees_audit(actor: &Actor, d: &DossierFacts) -> bool {
    national(actor) || staff_in_scope(actor, d)
}

pub fn sees_label_audit(actor: &Actor, l: &LabelFacts) -> bool {
    national(actor) || in_scope(actor, &l.scopes)
}

/// How much of the reviews the caller may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReviewAccess {
    None,
    /// Scores and comments without the reviewers' identities.
    Anonymous,
    Full,
}

pub fn review_access(actor: &Actor, d: &DossierFacts, decided: bool) -> ReviewAccess {
    let mut access = ReviewAccess::None;
    if national(actor) {
        access = ReviewAccess::Full;
    }
    if is_assigned(actor, d) {
        // HotCRP's rule: others' reviews only once one's own is in.
        let own_done = d.reviewers.iter().any(|r| Some(r.user_id) == actor.user_id && r.scores.is_some());
        if own_done {
            access = access.max(ReviewAccess::Full);
        }
    }
    if decided && (is_owner(actor, d) || staff_in_scope(actor, d)) {
        access = access.max(ReviewAccess::Anonymous);
    }
    access
}

/// Project owners edit the content of their dossier in editable states.
pub fn edits_content(actor: &Actor, d: &DossierFacts) -> bool {
    is_owner(actor, d)
}

/// Attachments: owners while editable, staff in scope and the national
/// level (opinions, minutes) at any time before the end.
pub fn attaches(actor: &Actor, d: &DossierFacts, editable: bool, terminal: bool) -> bool {
    (editable && is_owner(actor, d)) || (!terminal && (national(actor) || staff_in_scope(actor, d)))
}
