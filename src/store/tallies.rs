//! Counts for the dashboards, as SQL aggregates over what the caller sees:
//! a national dashboard counts ten thousand labels without reading them.

use super::dossiers::{visibility_sql, Visibility, DOSSIER_SCOPE};
use super::{Result, Store};
use sqlx::Row;

/// How many visible labels of a workflow are in a state with these values
/// of the fields asked ('' where the form has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub workflow: String,
    pub state: String,
    /// One per field asked, in the order asked.
    pub values: Vec<String>,
    pub count: i64,
}

impl Store {
    /// The visible labels counted by workflow, state and the text values of
    /// the form fields `fields`, in one pass over the table.
    pub async fn label_tally(&self, visibility: &Visibility, fields: &[&str]) -> Result<Vec<Tally>> {
        let mut binds = Vec::new();
        let visible = super::labels::label_visibility_sql(visibility, &mut binds);
        let mut columns = String::new();
        let mut groups = String::new();
        for (i, f) in fields.iter().enumerate() {
            columns.push_str(&format!(", {} AS v{i}", self.backend().json_text("l.form", &super::field_name(f)?)));
            groups.push_str(&format!(", v{i}"));
        }
        let sql = format!(
            "SELECT l.workflow, l.state, COUNT(*){columns} FROM labels l WHERE {visible} \
             GROUP BY l.workflow, l.state{groups}"
        );
        Ok(self
            .fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| Tally {
                workflow: r.get(0),
                state: r.get(1),
                count: r.get(2),
                values: (0..fields.len()).map(|i| r.get(3 + i)).collect(),
            })
            .collect())
    }

    /// How many dossiers the visibility shows.
    pub async fn dossier_count(&self, visibility: &Visibility) -> Result<i64> {
        let mut binds = Vec::new();
        let visible = visibility_sql(visibility, &DOSSIER_SCOPE, &mut binds);
        let rows = self.fetch_with(&format!("SELECT COUNT(*) FROM dossiers d WHERE {visible}"), &binds).await?;
        Ok(rows.first().map(|r| r.get(0)).unwrap_or(0))
    }
}
