//! Label reads with the filters of the API.

use super::dossiers::{visibility_sql, ScopeSql, Visibility};
use super::views::LabelView;
use super::{Backend, Result, Store, StoreError};
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct LabelFilter {
    pub status: Option<String>,
    pub region: Option<String>,
    pub academie: Option<String>,
    pub filiere: Option<String>,
    pub category: Option<String>,
    /// ISO date: labels whose validity ends before it.
    pub expiring_before: Option<String>,
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
        let mut binds: Vec<String> = Vec::new();
        let push = |binds: &mut Vec<String>, v: &str| {
            binds.push(v.to_string());
            format!("${}", binds.len())
        };
        let mut clauses = vec![visibility_sql(visibility, &LABEL_SCOPE, &mut binds)];
        if let Some(v) = &filter.status {
            clauses.push(format!("l.state = {}", push(&mut binds, v)));
        }
        if let Some(v) = &filter.region {
            clauses.push(format!("l.region = {}", push(&mut binds, v)));
        }
        if let Some(v) = &filter.academie {
            let p = push(&mut binds, v);
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM label_academies la WHERE la.label_id = l.id AND la.academie = {p})"
            ));
        }
        if let Some(v) = &filter.filiere {
            clauses.push(format!("l.filiere = {}", push(&mut binds, v)));
        }
        if let Some(v) = &filter.category {
            clauses.push(format!("l.category = {}", push(&mut binds, v)));
        }
        if let Some(v) = &filter.expiring_before {
            clauses.push(format!("l.valid_until < {}", push(&mut binds, v)));
        }
        if let Some((until, id)) = after {
            let (u, i) = (push(&mut binds, until), push(&mut binds, id));
            clauses.push(format!("(l.valid_until > {u} OR (l.valid_until = {u} AND l.id > {i}))"));
        }
        let limit = limit.map(|n| format!(" LIMIT {}", n.max(1))).unwrap_or_default();
        let sql = format!(
            "{} WHERE {} ORDER BY l.valid_until, l.id{limit}",
            label_select(self.backend()),
            clauses.join(" AND ")
        );
        self.fetch_with(&sql, &binds).await?.iter().map(label_view).collect()
    }

    pub async fn label_view(&self, id: Uuid) -> Result<LabelView> {
        let row = sqlx::query(&format!("{} WHERE l.id = $1", label_select(self.backend())))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { what: "label" })?;
        label_view(&row)
    }
}

/// Label columns and its académies joined with `|`; the aggregate is the
/// dialect-specific part.
fn label_select(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SELECT l.id, l.dossier_id, l.title, l.category, l.filiere, l.region, l.valid_from, l.valid_until, \
            l.state, l.version, l.renewal_of, l.support_establishment, \
            (SELECT COALESCE(group_concat(academie, '|'), '') FROM (SELECT academie FROM label_academies WHERE label_id = l.id ORDER BY academie)) \
            FROM labels l",
        Backend::Postgres => "SELECT l.id, l.dossier_id, l.title, l.category, l.filiere, l.region, l.valid_from, l.valid_until, \
            l.state, l.version, l.renewal_of, l.support_establishment, \
            (SELECT COALESCE(string_agg(academie, '|' ORDER BY academie), '') FROM label_academies WHERE label_id = l.id) \
            FROM labels l",
    }
}

/// Same rule as dossiers: staff by scope, owners through the dossier.
const LABEL_SCOPE: ScopeSql = ScopeSql {
    // Until labels hold a form document, their scopes are their région
    // and académies, written as grant scopes are.
    scopes: "l.id IN (SELECT la.label_id FROM label_academies la WHERE 'academie:' || la.academie IN ({})) \
             OR 'region:' || l.region IN ({})",
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
        filiere: r.get(4),
        region: r.get(5),
        valid_from: r.get(6),
        valid_until: r.get(7),
        status: r.get(8),
        version: r.get(9),
        renewal_of: r.get(10),
        support_establishment: r.get(11),
        academies: r.get::<String, _>(12).split('|').filter(|a| !a.is_empty()).map(String::from).collect(),
    })
}
