//! What people have to do: a reviewer's assignments and the overdue
//! items staff follow up, each within the caller's scope.

use super::{access, App, AppError};
use crate::calendar::{add_months, last_anniversary, paris_date};
use crate::engine::Actor;
use crate::store::worklists::{Assignment, LateCompletion, LateReview};
use crate::workflow::{Machine, RoleKind, Stage};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Months after an anniversary before a missing report counts as late, as
/// the `report_overdue` timer of the shipped workflow has it.
const REPORT_GRACE_MONTHS: i32 = 2;

/// A yearly activity report not received two months after its anniversary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LateReport {
    pub label_id: String,
    pub title: String,
    pub year: i32,
    /// The anniversary the report was due on.
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Overdue {
    pub reviews: Vec<LateReview>,
    pub completions: Vec<LateCompletion>,
    pub reports: Vec<LateReport>,
}

impl Overdue {
    pub fn is_empty(&self) -> bool {
        self.reviews.is_empty() && self.completions.is_empty() && self.reports.is_empty()
    }
}

/// A dossier whose reviews are in and whose decision is awaited, with how
/// its averages stand against the grid's bars.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AwaitingDecision {
    pub dossier_id: String,
    pub title: String,
    pub workflow: String,
    pub state: String,
    pub category: String,
    pub reviews_submitted: usize,
    pub reviews_assigned: usize,
    /// The mean of the criteria's averages (null before any review).
    pub mean: Option<f64>,
    /// By the grid's bar names, lowest first: how many criteria reach the
    /// bar, of `criteria`.
    pub bars_met: Vec<(String, usize)>,
    pub criteria: usize,
    pub updated_at: String,
}

impl App {
    /// The dossiers at the `deciding` stage whose reviews the caller may
    /// read in full (those who decide on them and the national level; a
    /// dossier whose reviews are hidden from the caller is left out, so no
    /// average leaks), oldest update first.
    pub async fn awaiting_decision(&self, actor: &Actor) -> Result<Vec<AwaitingDecision>, AppError> {
        let deciding = self.workflows.states_at(Machine::Dossier, Stage::Deciding);
        let mut out = Vec::new();
        for state in &deciding {
            for summary in self.dossiers(actor, Some(state), None).await? {
                let Ok(id) = uuid::Uuid::parse_str(&summary.id) else { continue };
                let instance = self.store.instance(Machine::Dossier, id).await?;
                let def = self.definition_of(&instance)?;
                let crate::engine::Facts::Dossier(d) = &instance.facts else { continue };
                // The state name may belong to another workflow's deciding stage.
                if !def.dossier.is_at(&instance.state, Stage::Deciding)
                    || access::review_access(&*self.workflows, &def, actor, d, false) != access::ReviewAccess::Full
                {
                    continue;
                }
                let grid = crate::engine::grid_of(&def, &instance.facts);
                let averages = d.averages();
                let mean = (!averages.is_empty()).then(|| averages.values().sum::<f64>() / averages.len() as f64);
                let bars_met = grid
                    .thresholds
                    .iter()
                    .map(|bar| {
                        let met = grid
                            .criteria
                            .iter()
                            .filter(|c| {
                                let at = c.thresholds.get(bar).copied();
                                at.is_some_and(|t| averages.get(&c.code).is_some_and(|a| *a >= t as f64))
                            })
                            .count();
                        (bar.clone(), met)
                    })
                    .collect();
                out.push(AwaitingDecision {
                    dossier_id: summary.id,
                    title: summary.title,
                    workflow: summary.workflow,
                    state: summary.state,
                    category: summary.category,
                    reviews_submitted: d.reviewers.iter().filter(|r| r.scores.is_some()).count(),
                    reviews_assigned: d.reviewers.len(),
                    mean,
                    bars_met,
                    criteria: grid.criteria.len(),
                    updated_at: summary.updated_at,
                });
            }
        }
        out.sort_by(|a, b| a.updated_at.cmp(&b.updated_at).then_with(|| a.dossier_id.cmp(&b.dossier_id)));
        Ok(out)
    }

    /// The dossiers the caller is assigned to review (empty for others).
    pub async fn assignments(&self, actor: &Actor) -> Result<Vec<Assignment>, AppError> {
        match actor.user_id {
            Some(user) if actor.has_kind(&*self.workflows, RoleKind::Reviewer) => {
                Ok(self.store.assignments_of(user).await?)
            }
            _ => Ok(vec![]),
        }
    }

    /// Late reviews, completions and reports in the caller's staff scope.
    /// Owners and reviewers follow their own items elsewhere, and see none
    /// of these: a late review would name another reviewer.
    pub async fn overdue(&self, actor: &Actor) -> Result<Overdue, AppError> {
        let mut visibility = access::visibility(&*self.workflows, actor);
        visibility.owner = None;
        visibility.reviewer = None;
        if !visibility.all && visibility.scopes.is_empty() {
            return Ok(Overdue::default());
        }
        let now = self.clock.now();
        let today = paris_date(now);
        let mut reports = Vec::new();
        let in_force = self.workflows.states_at(Machine::Label, Stage::InForce);
        // Only labels whose workflow keeps a yearly record owe one.
        let yearly: Vec<(String, String)> = self
            .workflows
            .iter()
            .filter_map(|w| Some((w.id.clone(), w.records.iter().find(|r| r.per_anniversary)?.name.clone())))
            .collect();
        for l in self.store.label_reports(&visibility, &in_force, &yearly).await? {
            let Ok(from) = NaiveDate::parse_from_str(&l.valid_from, "%Y-%m-%d") else { continue };
            let Some(anniversary) = last_anniversary(from, today) else { continue };
            if add_months(anniversary, REPORT_GRACE_MONTHS) <= today && !l.years.contains(&anniversary.year()) {
                reports.push(LateReport {
                    label_id: l.label_id,
                    title: l.title,
                    year: anniversary.year(),
                    due_on: anniversary,
                });
            }
        }
        reports.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.title.cmp(&b.title)));
        let reviewing = self.workflows.states_at(Machine::Dossier, Stage::Reviewing);
        let mut reviews = self.store.late_reviews(&visibility, &reviewing, now).await?;
        // Who reviews is for the national level (as in the audit trail).
        if !access::sees_every_review(&*self.workflows, actor) {
            reviews.iter_mut().for_each(|r| r.reviewer = None);
        }
        let completing = self.workflows.states_at(Machine::Dossier, Stage::Completing);
        Ok(Overdue { reviews, completions: self.store.late_completions(&visibility, &completing, now).await?, reports })
    }
}
