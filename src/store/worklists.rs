//! What people have to do: a reviewer's assignments, and the overdue
//! items staff follow up within their scope.

use super::dossiers::{rfc3339, visibility_sql, Visibility, DOSSIER_SCOPE};
use super::{to_micros, Result, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

/// A dossier a reviewer is assigned to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assignment {
    pub dossier_id: String,
    pub title: String,
    pub state: String,
    /// When the review is due (RFC 3339).
    pub due_at: String,
    pub submitted: bool,
}

/// Who reviews a dossier, for those who assign reviewers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DossierReviewer {
    pub user_id: String,
    pub name: String,
    /// When they were assigned, and by when the review is due (RFC 3339).
    pub assigned_at: String,
    pub due_at: String,
    /// When the review was given, if it was.
    pub submitted_at: Option<String>,
}

/// A reviewer who declared a conflict of interest on a dossier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DossierRecusal {
    pub user_id: String,
    pub name: String,
    pub reason: String,
    pub declared_at: String,
}

/// A review past its due date, on a dossier still under review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LateReview {
    pub dossier_id: String,
    pub title: String,
    /// The reviewer's name, for those who may know who reviews (the
    /// national level); absent for staff in scope.
    pub reviewer: Option<String>,
    pub due_at: String,
}

/// A completion request past its deadline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LateCompletion {
    pub dossier_id: String,
    pub title: String,
    pub due_at: String,
}

/// A label in force with the years of the reports it has received.
#[derive(Debug, Clone)]
pub struct LabelReports {
    pub label_id: String,
    pub title: String,
    pub valid_from: String,
    pub years: Vec<i32>,
}

/// `column IN ($n, …)` over `values`, bound after `binds`; never true for
/// no value.
fn in_list(column: &str, values: &[String], binds: &mut Vec<String>) -> String {
    if values.is_empty() {
        return "1 = 0".into();
    }
    let marks: Vec<String> = values
        .iter()
        .map(|v| {
            binds.push(v.clone());
            format!("${}", binds.len())
        })
        .collect();
    format!("{column} IN ({})", marks.join(", "))
}

impl Store {
    /// The dossier's reviewers, in the order they were assigned, and those
    /// who recused themselves.
    pub async fn dossier_reviewers(&self, dossier: Uuid) -> Result<(Vec<DossierReviewer>, Vec<DossierRecusal>)> {
        let id = dossier.to_string();
        let assigned = sqlx::query(
            "SELECT a.user_id, u.name, a.assigned_at, a.due_at, r.submitted_at FROM assignments a \
             JOIN users u ON u.id = a.user_id \
             LEFT JOIN reviews r ON r.dossier_id = a.dossier_id AND r.reviewer_id = a.user_id \
             WHERE a.dossier_id = $1 ORDER BY a.assigned_at, u.name",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| DossierReviewer {
            user_id: r.get(0),
            name: r.get(1),
            assigned_at: rfc3339(r.get(2)),
            due_at: rfc3339(r.get(3)),
            submitted_at: r.get::<Option<i64>, _>(4).map(rfc3339),
        })
        .collect();
        let recused = sqlx::query(
            "SELECT c.user_id, u.name, c.reason, c.declared_at FROM recusals c JOIN users u ON u.id = c.user_id \
             WHERE c.dossier_id = $1 ORDER BY c.declared_at, u.name",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| DossierRecusal { user_id: r.get(0), name: r.get(1), reason: r.get(2), declared_at: rfc3339(r.get(3)) })
        .collect();
        Ok((assigned, recused))
    }

    pub async fn assignments_of(&self, user: Uuid) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(
            "SELECT d.id, d.title, d.state, a.due_at, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.dossier_id = a.dossier_id AND r.reviewer_id = a.user_id) \
             THEN 1 ELSE 0 END AS BIGINT) \
             FROM assignments a JOIN dossiers d ON d.id = a.dossier_id WHERE a.user_id = $1 ORDER BY a.due_at, d.title",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Assignment {
                dossier_id: r.get(0),
                title: r.get(1),
                state: r.get(2),
                due_at: rfc3339(r.get(3)),
                submitted: r.get::<i64, _>(4) == 1,
            })
            .collect())
    }

    /// Reviews past due on dossiers in one of `states` (those where reviews
    /// are being written).
    pub async fn late_reviews(
        &self,
        visibility: &Visibility,
        states: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<LateReview>> {
        let mut binds = Vec::new();
        let scope = visibility_sql(visibility, &DOSSIER_SCOPE, &mut binds);
        let in_states = in_list("d.state", states, &mut binds);
        binds.push(to_micros(now).to_string());
        let sql = format!(
            "SELECT d.id, d.title, u.name, a.due_at FROM assignments a JOIN dossiers d ON d.id = a.dossier_id \
             JOIN users u ON u.id = a.user_id WHERE {in_states} AND a.due_at < CAST(${} AS BIGINT) \
             AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.dossier_id = a.dossier_id AND r.reviewer_id = a.user_id) \
             AND {scope} ORDER BY a.due_at, d.title",
            binds.len()
        );
        Ok(self
            .fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| LateReview {
                dossier_id: r.get(0),
                title: r.get(1),
                reviewer: Some(r.get(2)),
                due_at: rfc3339(r.get(3)),
            })
            .collect())
    }

    /// Completion requests past their deadline on dossiers in one of
    /// `states` (those where the owners complete the dossier).
    pub async fn late_completions(
        &self,
        visibility: &Visibility,
        states: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<LateCompletion>> {
        let mut binds = Vec::new();
        let scope = visibility_sql(visibility, &DOSSIER_SCOPE, &mut binds);
        let in_states = in_list("d.state", states, &mut binds);
        binds.push(to_micros(now).to_string());
        let sql = format!(
            "SELECT d.id, d.title, d.completion_due FROM dossiers d WHERE {in_states} \
             AND d.completion_due < CAST(${} AS BIGINT) AND {scope} ORDER BY d.completion_due, d.title",
            binds.len()
        );
        Ok(self
            .fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| LateCompletion { dossier_id: r.get(0), title: r.get(1), due_at: rfc3339(r.get(2)) })
            .collect())
    }

    /// Labels of `workflows` in one of `states` (those in force) that the
    /// visibility reaches, with the years of their yearly records: each
    /// workflow given with the name of its `per_anniversary` record.
    pub async fn label_reports(
        &self,
        visibility: &Visibility,
        states: &[String],
        workflows: &[(String, String)],
    ) -> Result<Vec<LabelReports>> {
        if workflows.is_empty() {
            return Ok(vec![]);
        }
        let mut binds = Vec::new();
        let scope = super::labels::label_visibility_sql(visibility, &mut binds);
        let in_states = in_list("l.state", states, &mut binds);
        let mut kinds = Vec::new();
        for (workflow, kind) in workflows {
            binds.push(workflow.clone());
            let w = binds.len();
            binds.push(kind.clone());
            kinds.push(format!("(l.workflow = ${w} AND r.kind = ${})", w + 1));
        }
        let in_workflows =
            in_list("l.workflow", &workflows.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>(), &mut binds);
        let sql = format!(
            "SELECT l.id, l.title, l.valid_from, r.record_key FROM labels l \
             LEFT JOIN label_records r ON r.label_id = l.id AND ({}) \
             WHERE {in_workflows} AND {in_states} AND {scope} ORDER BY l.title, l.id",
            kinds.join(" OR ")
        );
        let mut out: Vec<LabelReports> = Vec::new();
        for r in self.fetch_with(&sql, &binds).await? {
            let id: String = r.get(0);
            let year = r.get::<Option<String>, _>(3).and_then(|y| y.parse::<i32>().ok());
            match out.last_mut() {
                Some(last) if last.label_id == id => last.years.extend(year),
                _ => out.push(LabelReports {
                    label_id: id,
                    title: r.get(1),
                    valid_from: r.get(2),
                    years: year.into_iter().collect(),
                }),
            }
        }
        Ok(out)
    }
}
