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

impl App {
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
