//! Label reads with the filters of the API.

use super::dossiers::{visibility_sql, Listed, ScopeSql, Visibility};
use super::views::LabelView;
use super::{Backend, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct LabelFilter {
    pub status: Option<String>,
    /// `kind:CODE`: labels in each of these scopes.
    pub scopes: Vec<String>,
    /// (field, value): labels whose form holds the value at that field (as
    /// one of its values, for a field of several).
    pub fields: Vec<(String, String)>,
    pub category: Option<String>,
    /// ISO date: labels whose validity ends before it.
    pub expiring_before: Option<String>,
    /// Folded words (see `crate::search`): each starts a word of the title.
    pub words: Vec<String>,
    pub sort: LabelSort,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LabelSort {
    /// The first to end first.
    #[default]
    ValidUntil,
    /// By title, without regard to case or accents.
    Title,
}

impl Store {
    pub async fn labels(&self, visibility: &Visibility, filter: &LabelFilter) -> Result<Vec<LabelView>> {
        self.labels_page(visibility, filter, None, None).await
    }

    /// Labels in (valid_until, id) order, after a given one and at most
    /// `limit` of them: exports read large sets page by page.
    pub async fn labels_page(
        &self,
        visibility: &Visibility,
        filter: &LabelFilter,
        after: Option<(&str, &str)>,
        limit: Option<i64>,
    ) -> Result<Vec<LabelView>> {
        let filter = LabelFilter { sort: LabelSort::ValidUntil, ..filter.clone() };
        Ok(self.labels_listed(visibility, &filter, after, limit).await?.into_iter().map(|l| l.item).collect())
    }

    /// Labels in the filter's order, after the one of the given sort key
    /// and id, at most `limit` of them, each with its sort key.
    pub async fn labels_listed(
        &self,
        visibility: &Visibility,
        filter: &LabelFilter,
        after: Option<(&str, &str)>,
        limit: Option<i64>,
    ) -> Result<Vec<Listed<LabelView>>> {
        let mut binds: Vec<String> = Vec::new();
        let mut clauses = vec![visibility_sql(visibility, &LABEL_SCOPE, &mut binds)];
        if let Some(v) = &filter.status {
            clauses.push(format!("l.state = {}", super::bind_next(&mut binds, v)));
        }
        for scope in &filter.scopes {
            let p = super::bind_next(&mut binds, scope);
            clauses.push(format!("EXISTS (SELECT 1 FROM label_scopes ls WHERE ls.label_id = l.id AND ls.scope = {p})"));
        }
        for (field, value) in &filter.fields {
            let p = super::bind_next(&mut binds, value);
            clauses.push(self.backend().json_holds("l.form", field, &p)?);
        }
        if let Some(v) = &filter.category {
            clauses.push(format!("l.category = {}", super::bind_next(&mut binds, v)));
        }
        if let Some(v) = &filter.expiring_before {
            clauses.push(format!("l.valid_until < {}", super::bind_next(&mut binds, v)));
        }
        for word in &filter.words {
            clauses.push(format!("l.search_key LIKE {}", super::bind_next(&mut binds, format!("% {word}%"))));
        }
        let key = match filter.sort {
            LabelSort::ValidUntil => "l.valid_until",
            LabelSort::Title => "l.search_key",
        };
        if let Some((k, id)) = after {
            let (k, i) = (super::bind_next(&mut binds, k), super::bind_next(&mut binds, id));
            clauses.push(format!("({key} > {k} OR ({key} = {k} AND l.id > {i}))"));
        }
        let limit = limit.map(|n| format!(" LIMIT {}", n.max(1))).unwrap_or_default();
        let sql = format!(
            "SELECT {}, COALESCE({key}, '') FROM labels l WHERE {} ORDER BY {key}, l.id{limit}",
            label_columns(self.backend()),
            clauses.join(" AND ")
        );
        self.fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| Ok(Listed { item: label_view(r)?, key: r.get(12) }))
            .collect()
    }

    /// The labels of `workflow` granted by a decision taken in [from,
    /// before), with the decision's details, in (decision, id) order: what
    /// a yearly publication lists. Labels brought in by an import were
    /// published when first granted.
    pub async fn granted_between(
        &self,
        visibility: &Visibility,
        workflow: &str,
        from: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> Result<Vec<(LabelView, serde_json::Map<String, serde_json::Value>)>> {
        let mut binds = vec![workflow.to_string()];
        let visible = visibility_sql(visibility, &LABEL_SCOPE, &mut binds);
        // Instants are integers of our own making, written into the text.
        let sql = format!(
            "SELECT {}, {} FROM labels l JOIN decisions dec ON dec.dossier_id = l.dossier_id \
             WHERE l.workflow = $1 AND dec.decided_at >= {} AND dec.decided_at < {} AND {visible} \
             ORDER BY dec.decided_at, l.id",
            label_columns(self.backend()),
            self.backend().json_read("dec.details"),
            super::to_micros(from),
            super::to_micros(before),
        );
        self.fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| Ok((label_view(r)?, super::dossiers::parse_form(&r.get::<String, _>(12))?)))
            .collect()
    }

    pub async fn label_view(&self, id: Uuid) -> Result<LabelView> {
        let standing = super::retention::STANDING_COLUMNS.replace("x.", "l.");
        let row =
            sqlx::query(&format!("SELECT {}, {standing} FROM labels l WHERE l.id = $1", label_columns(self.backend())))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound { what: "label" })?;
        Ok(LabelView { standing: Some(super::retention::Standing::read(&row)), ..label_view(&row)? })
    }
}

/// The columns [`label_view`] reads, in its order.
fn label_columns(backend: Backend) -> String {
    format!(
        "l.id, l.dossier_id, l.title, l.category, l.workflow, l.workflow_version, {}, l.valid_from, l.valid_until, \
         l.state, l.version, l.renewal_of",
        backend.json_read("l.form")
    )
}

/// Same rule as dossiers: staff by scope, owners through the dossier.
const LABEL_SCOPE: ScopeSql = ScopeSql {
    workflow: "l.workflow",
    scopes: "l.id IN (SELECT ls.label_id FROM label_scopes ls WHERE ls.scope IN ({}))",
    owner: "l.dossier_id IN (SELECT o.dossier_id FROM dossier_owners o WHERE o.user_id = {})",
    reviewer: None,
};

/// The label visibility clause (alias `l`), for queries elsewhere in the store.
pub(crate) fn label_visibility_sql(v: &Visibility, binds: &mut Vec<String>) -> String {
    visibility_sql(v, &LABEL_SCOPE, binds)
}

fn label_view(r: &sqlx::any::AnyRow) -> Result<LabelView> {
    Ok(LabelView {
        id: r.get(0),
        dossier_id: r.get(1),
        title: r.get(2),
        category: r.get(3),
        workflow: r.get(4),
        workflow_version: r.get(5),
        top_level: serde_json::Map::new(),
        form: super::dossiers::parse_form(&r.get::<String, _>(6))?,
        valid_from: r.get(7),
        valid_until: r.get(8),
        status: r.get(9),
        version: r.get(10),
        renewal_of: r.get(11),
        records: None,
        retention: None,
        standing: None,
    })
}
