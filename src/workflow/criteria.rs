//! Versioned criteria grids (`workflows/criteria/*.toml`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Grid {
    pub id: String,
    pub label: String,
    /// The names of the thresholds every criterion gives, lowest bar first
    /// (empty: each criterion gives what it gives, unordered).
    pub thresholds: Vec<String>,
    /// What each score means, for every criterion (`levels = { "0" = …}`
    /// in `[grid]`); a criterion's own `levels` replace them.
    pub levels: std::collections::BTreeMap<i64, String>,
    /// What a person reads for each bar (`bar_labels` in `[grid]`); pages
    /// set averages against the bars that have words.
    pub bar_labels: std::collections::BTreeMap<String, String>,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
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
    /// `field=value`: the criterion is scored only on dossiers whose form
    /// holds that value (a territory's own criterion beside the common
    /// ones); every dossier's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_if: Option<String>,
    /// What each score means on this criterion, by score (the grid's
    /// `levels` when absent).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    pub levels: std::collections::BTreeMap<String, String>,
    /// The averages this criterion's bars stand at, by the grid's names
    /// (the workflow's predicates read them as `c.NAME`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub thresholds: std::collections::BTreeMap<String, i64>,
}

impl Criterion {
    pub fn range(&self) -> (i64, i64) {
        (self.min.unwrap_or(0), self.max.unwrap_or(0))
    }

    /// The form field and value `applies_if` names.
    pub fn condition(&self) -> Option<(&str, &str)> {
        self.applies_if.as_deref()?.split_once('=').map(|(f, v)| (f.trim(), v.trim()))
    }

    /// Whether a dossier with this form is scored on the criterion.
    pub fn applies_to(&self, form: &serde_json::Map<String, serde_json::Value>) -> bool {
        self.condition().is_none_or(|(field, value)| form.get(field).and_then(|v| v.as_str()) == Some(value))
    }
}

impl Grid {
    pub fn criterion(&self, code: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.code == code)
    }

    /// The grid a dossier with this form is scored against: the criteria
    /// that apply to it (all of them, without conditional ones).
    pub fn for_form(&self, form: &serde_json::Map<String, serde_json::Value>) -> std::borrow::Cow<'_, Grid> {
        if self.criteria.iter().all(|c| c.applies_if.is_none()) {
            return std::borrow::Cow::Borrowed(self);
        }
        let criteria = self.criteria.iter().filter(|c| c.applies_to(form)).cloned().collect();
        std::borrow::Cow::Owned(Grid { criteria, ..self.clone() })
    }

    /// What each score of `c` means, lowest first: its own words, else
    /// the grid's.
    pub fn levels_of(&self, c: &Criterion) -> Vec<(i64, String)> {
        let (min, max) = c.range();
        (min..=max)
            .filter_map(|score| {
                let own = c.levels.get(&score.to_string()).cloned();
                Some((score, own.or_else(|| self.levels.get(&score).cloned())?))
            })
            .collect()
    }

    /// The bars a person reads, lowest first: (name, words).
    pub fn worded_bars(&self) -> Vec<(&str, &str)> {
        self.thresholds.iter().filter_map(|b| Some((b.as_str(), self.bar_labels.get(b)?.as_str()))).collect()
    }

    /// A criterion's highest bar: its last declared threshold, else its
    /// highest one.
    pub fn top_threshold(&self, c: &Criterion) -> Option<i64> {
        match self.thresholds.last() {
            Some(name) => c.thresholds.get(name).copied(),
            None => c.thresholds.values().copied().max(),
        }
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
    #[serde(default)]
    thresholds: Vec<String>,
    #[serde(default)]
    levels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    bar_labels: std::collections::BTreeMap<String, String>,
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
        if c.applies_if.is_some() && c.condition().is_none() {
            problems.push((line, format!("criterion `{}`: applies_if is not `field=value`", c.code)));
        }
        for score in c.levels.keys() {
            if !score.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)) {
                problems
                    .push((line, format!("criterion `{}`: level `{score}` is no score from {min} to {max}", c.code)));
            }
        }
        for (what, value) in &c.thresholds {
            if *value < min || *value > max {
                problems
                    .push((line, format!("criterion `{}`: {what} threshold {value} is outside {min}..{max}", c.code)));
            }
            if !raw.grid.thresholds.is_empty() && !raw.grid.thresholds.contains(what) {
                problems.push((line, format!("criterion `{}`: `{what}` is not a threshold of the grid", c.code)));
            }
        }
        let mut previous: Option<(&String, i64)> = None;
        for name in &raw.grid.thresholds {
            let Some(value) = c.thresholds.get(name).copied() else {
                problems.push((line, format!("criterion `{}`: the `{name}` threshold is missing", c.code)));
                continue;
            };
            if let Some((lower, below)) = previous.filter(|(_, below)| value < *below) {
                problems.push((
                    line,
                    format!("criterion `{}`: {name} threshold is below the {lower} one ({below})", c.code),
                ));
            }
            previous = Some((name, value));
        }
        criteria.push(c);
    }
    if criteria.iter().all(|c| c.applies_if.is_some()) {
        problems.push((1, "the grid lists no criteria every dossier is scored on".into()));
    }
    let mut levels = std::collections::BTreeMap::new();
    for (score, text) in raw.grid.levels {
        match score.parse::<i64>() {
            Ok(n) if (raw.grid.min..=raw.grid.max).contains(&n) => {
                levels.insert(n, text);
            }
            _ => problems
                .push((1, format!("grid level `{score}` is no score from {} to {}", raw.grid.min, raw.grid.max))),
        }
    }
    for bar in raw.grid.bar_labels.keys().filter(|b| !raw.grid.thresholds.contains(b)) {
        problems.push((1, format!("bar_labels: `{bar}` is not a threshold of the grid")));
    }
    if problems.is_empty() {
        Ok(Grid {
            id: raw.grid.id,
            label: raw.grid.label,
            thresholds: raw.grid.thresholds,
            levels,
            bar_labels: raw.grid.bar_labels,
            criteria,
        })
    } else {
        Err(problems)
    }
}

/// The problems of a grid's conditions against the form they read: each
/// names a single-choice field of the form and one of its choices.
pub fn check_conditions(grid: &Grid, source: &str, form: &super::form::Form) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    for c in &grid.criteria {
        let Some((field, value)) = c.condition() else { continue };
        let line = source
            .lines()
            .position(|l| l.trim_start().starts_with("applies_if") && l.contains(c.applies_if.as_deref().unwrap_or("")))
            .map_or(1, |n| n + 1);
        let known = match form.field(field) {
            Some(f) if f.kind == super::vocabulary::FormType::Choice => match &f.list {
                Some(list) => crate::reference::lookup(list, value).is_some(),
                None => f.choices.iter().any(|ch| ch.code == value),
            },
            _ => {
                problems.push((
                    line,
                    format!("criterion `{}`: applies_if names no single-choice field `{field}` of the form", c.code),
                ));
                continue;
            }
        };
        if !known {
            problems
                .push((line, format!("criterion `{}`: applies_if: `{value}` is not a choice of `{field}`", c.code)));
        }
    }
    problems
}
