//! Versioned criteria grids (`workflows/criteria/*.toml`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    pub id: String,
    pub label: String,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub code: String,
    pub group: String,
    pub label: String,
    pub descriptor: String,
    /// Lowest and highest score; filled from the grid's defaults when absent.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// Average expected for a standard label (informative).
    pub standard: i64,
    /// Average every criterion must reach for an Excellence label.
    pub excellence: i64,
}

impl Criterion {
    pub fn range(&self) -> (i64, i64) {
        (self.min.unwrap_or(0), self.max.unwrap_or(0))
    }
}

impl Grid {
    pub fn criterion(&self, code: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.code == code)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    grid: RawHeader,
    criteria: Vec<toml::Spanned<Criterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: String,
    label: String,
    min: i64,
    max: i64,
}

/// Parses and checks a grid file; problems carry 1-based line numbers.
pub fn parse_grid(source: &str) -> Result<Grid, Vec<(usize, String)>> {
    let raw: RawGrid = toml::from_str(source).map_err(|e| vec![super::load::toml_problem(source, &e)])?;
    let mut problems = Vec::new();
    if raw.grid.min >= raw.grid.max {
        problems.push((1, format!("grid min {} must be below max {}", raw.grid.min, raw.grid.max)));
    }
    let mut criteria: Vec<Criterion> = Vec::new();
    for spanned in raw.criteria {
        let line = super::load::line_of(source, spanned.span().start);
        let mut c = spanned.into_inner();
        c.min.get_or_insert(raw.grid.min);
        c.max.get_or_insert(raw.grid.max);
        let (min, max) = c.range();
        if criteria.iter().any(|o| o.code == c.code) {
            problems.push((line, format!("criterion `{}` is listed twice", c.code)));
        }
        for (what, value) in [("standard", c.standard), ("excellence", c.excellence)] {
            if value < min || value > max {
                problems
                    .push((line, format!("criterion `{}`: {what} threshold {value} is outside {min}..{max}", c.code)));
            }
        }
        if c.excellence < c.standard {
            problems.push((line, format!("criterion `{}`: excellence threshold is below the standard one", c.code)));
        }
        criteria.push(c);
    }
    if criteria.is_empty() {
        problems.push((1, "the grid lists no criteria".into()));
    }
    if problems.is_empty() {
        Ok(Grid { id: raw.grid.id, label: raw.grid.label, criteria })
    } else {
        Err(problems)
    }
}
