//! Labels granted before labelflow, brought in from the campus CSV of the
//! API contract: every row checked first, then all written in one
//! transaction or nothing; the same file again changes nothing.

use super::{App, AppError};
use crate::engine::{self, Actor, Facts, LabelFacts, Refusal, TimerOp};
use crate::reference::fold;
use crate::store::imports::{ImportOp, LabelRecord};
use crate::workflow::{Definition, FormField, FormType, Machine};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Columns the file must have, in any order (others are ignored, so an
/// export can be imported again): the label's own and the fields its
/// workflow's form marks `export`.
pub fn columns(def: &Definition) -> Vec<String> {
    let mut out = vec!["title".to_string()];
    out.extend(exported(def).map(|f| f.name.clone()));
    out.extend(["category", "valid_from", "valid_until"].map(String::from));
    out
}

fn exported(def: &Definition) -> impl Iterator<Item = &FormField> {
    def.form.fields().filter(|f| f.export)
}

/// What identifies a label brought in: the fields the form marks
/// `import_key` (an establishment's code) when it marks some, else the
/// title with the one-choice fields placing it in a scope.
fn import_key(def: &Definition, title: &str, form: &serde_json::Map<String, serde_json::Value>) -> String {
    let text = |f: &FormField| form.get(&f.name).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let marked: Vec<String> = exported(def).filter(|f| f.import_key).map(text).collect();
    if !marked.is_empty() {
        return marked.join("|");
    }
    let mut key = fold(title);
    for field in exported(def).filter(|f| f.scope.is_some() && f.kind == FormType::Choice) {
        key.push('|');
        key.push_str(&text(field));
    }
    key
}

/// A row that cannot be imported: where and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}, column {}: {}", self.line, self.column, self.reason)
        }
    }
}

/// A valid row, with its values as codes.
#[derive(Debug, Clone, PartialEq)]
pub struct CampusRow {
    pub line: u64,
    pub key: String,
    pub record: LabelRecord,
}

/// What importing a row does.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowChange {
    pub line: u64,
    pub title: String,
    /// `create`, `update` or `unchanged`.
    pub change: String,
    /// The columns an update changes.
    pub fields: Vec<String>,
    pub label_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Nothing is written when there is any.
    pub problems: Vec<RowProblem>,
    pub changes: Vec<RowChange>,
    /// False for a dry run or a file with problems.
    pub written: bool,
}

fn date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
        .filter(|d| crate::calendar::plausible(*d))
}

/// Reads and checks the whole file against `def`; every problem is
/// reported, by line.
pub fn parse_campuses(def: &Definition, text: &str) -> Result<Vec<CampusRow>, Vec<RowProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Only spaces are trimmed: a leading TAB or CR is refused, not removed
    // (removing it would turn `\t=1+1` into a formula).
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let problem = |line: u64, column: &str, reason: String| RowProblem { line, column: column.into(), reason };
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_lowercase()).collect::<Vec<_>>(),
        Err(e) => return Err(vec![problem(1, "", format!("unreadable header: {e}"))]),
    };
    let missing: Vec<RowProblem> = columns(def)
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| problem(1, c, "missing from the header".into()))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let index = |name: &str| headers.iter().position(|h| h == name).expect("checked above");
    // An export of several workflows names each row's: only `def`'s rows
    // are read, so that it imports back once per workflow.
    let workflow_column = headers.iter().position(|h| h == "workflow");
    let categories = def.categories();
    let mut rows: Vec<CampusRow> = Vec::new();
    let mut problems = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(problem(line, "", format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let other = workflow_column.and_then(|i| record.get(i)).map(str::trim).filter(|w| !w.is_empty());
        if other.is_some_and(|w| w != def.id) {
            continue;
        }
        let get = |name: &str| record.get(index(name)).unwrap_or("").trim_matches(' ').to_string();
        let before = problems.len();
        let title = match super::dossiers::one_line(&get("title"), true) {
            Ok(v) => v,
            Err(reason) => {
                problems.push(problem(line, "title", reason));
                String::new()
            }
        };
        let mut form = serde_json::Map::new();
        for field in exported(def) {
            let cell = get(&field.name);
            let given = match field.kind {
                FormType::Choices => serde_json::Value::from(
                    cell.split('|').map(str::trim).filter(|a| !a.is_empty()).collect::<Vec<_>>(),
                ),
                _ => serde_json::Value::from(cell.as_str()),
            };
            match engine::form::normalise(field, &field.name, &given) {
                Ok(Some(v)) => {
                    form.insert(field.name.clone(), v);
                }
                Ok(None) if field.required => problems.push(problem(line, &field.name, "is required".into())),
                Ok(None) => {}
                Err(e) => problems.push(problem(line, &e.field, e.reason)),
            }
        }
        if problems.len() == before {
            // What one field says of another: items within another's value.
            match engine::form::apply(&def.form, &serde_json::Map::new(), &form) {
                Ok(settled) => form = settled,
                Err(e) => problems.push(problem(line, &e.field, e.reason)),
            }
        }
        let mut need = |name: &str| {
            let v = get(name);
            if v.is_empty() {
                problems.push(problem(line, name, "is required".into()));
            }
            v
        };
        let (category_text, from_text, until_text) = (need("category"), need("valid_from"), need("valid_until"));
        let category = categories
            .iter()
            .find(|(code, words)| fold(code) == fold(&category_text) || fold(words) == fold(&category_text));
        if category.is_none() && !category_text.is_empty() {
            let known = categories.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ");
            problems.push(problem(line, "category", format!("`{category_text}` is none of {known}")));
        }
        let (from, until) = (date(&from_text), date(&until_text));
        for (column, text, value) in [("valid_from", &from_text, from), ("valid_until", &until_text, until)] {
            if value.is_none() && !text.is_empty() {
                problems.push(problem(
                    line,
                    column,
                    format!("`{text}` is not a date (YYYY-MM-DD or DD/MM/YYYY) of a year from 1000 to 9999"),
                ));
            }
        }
        if let (Some(f), Some(u)) = (from, until) {
            if u <= f {
                problems.push(problem(line, "valid_until", "must be after valid_from".into()));
            }
            if let Some(years) = def.max_years().and_then(|y| u32::try_from(y).ok()) {
                let last = crate::calendar::label_valid_until(f, years);
                if u > last {
                    problems.push(problem(
                        line,
                        "valid_until",
                        format!("a label lasts at most {years} years: from {f}, until {last} at the latest"),
                    ));
                }
            }
            let since = category.and_then(|(code, _)| Some((code, def.category_since(code)?)));
            if let Some((code, since)) = since {
                if f < since {
                    problems.push(problem(
                        line,
                        "category",
                        format!("`{code}` exists from {since}: a label starting on {f} cannot carry it"),
                    ));
                }
            }
        }
        if problems.len() > before {
            continue;
        }
        let (Some((category, _)), Some(from), Some(until)) = (category, from, until) else {
            continue;
        };
        let key = import_key(def, &title, &form);
        if let Some(first) = rows.iter().find(|r| r.key == key) {
            let column = exported(def).find(|f| f.import_key).map_or("title", |f| f.name.as_str());
            problems.push(problem(line, column, format!("the same label as line {}", first.line)));
            continue;
        }
        let record = LabelRecord {
            title,
            category: category.clone(),
            scopes: engine::form::scopes(&def.form, &form),
            form,
            valid_from: from,
            valid_until: until,
        };
        rows.push(CampusRow { line, key, record });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Where a label with these dates stands now had labelflow known it from
/// its first day: the state its own timers would have taken it to, and
/// its deadlines still to come. An import announces nothing by e-mail: what
/// those steps notified is history.
pub fn placed(def: &Definition, record: &LabelRecord, now: DateTime<Utc>) -> (String, engine::Effects) {
    let facts = Facts::Label(LabelFacts {
        dossier_id: None,
        owners: vec![],
        scopes: record.scopes.clone(),
        valid_from: record.valid_from,
        valid_until: record.valid_until,
        has_labelled_renewal: false,
        records: Default::default(),
    });
    let machine = &def.label_machine;
    let label = engine::Instance {
        machine: Machine::Label,
        id: uuid::Uuid::nil(),
        state: machine.initial.clone(),
        version: 1,
        facts,
        pending_timers: vec![],
        workflow: def.id.clone(),
        workflow_version: None,
    };
    let created = crate::calendar::paris_instant(record.valid_from, chrono::NaiveTime::MIN);
    let (label, timers) = engine::catch_up(def, label, created.min(now), now);
    (label.state, engine::Effects { messages: vec![], timers })
}

impl App {
    /// Checks a campus file of labels of `workflow` (the primary one by
    /// default) and, unless `dry_run` or a row is wrong, writes every
    /// change in one transaction.
    pub async fn import_campuses(
        &self,
        actor: &Actor,
        workflow: Option<&str>,
        text: &str,
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        if !actor.is_admin() && !actor.is_system() {
            return Err(Refusal::NotAllowed { reason: "only an administrator imports campuses".into() }.into());
        }
        let def = match workflow.filter(|w| !w.is_empty()) {
            Some(id) => match self.workflows.get(id) {
                Some(def) => def.clone(),
                // Said as the file's problems are: the answer keeps one shape.
                None => {
                    let known: Vec<&str> = self.workflows.iter().map(|d| d.id.as_str()).collect();
                    let reason = format!("no workflow `{id}` (known: {})", known.join(", "));
                    let problems = vec![RowProblem { line: 0, column: "workflow".into(), reason }];
                    return Ok(ImportReport { problems, ..Default::default() });
                }
            },
            None => self.workflows.primary().clone(),
        };
        let rows = match parse_campuses(&def, text) {
            Ok(rows) => rows,
            Err(problems) => return Ok(ImportReport { problems, ..Default::default() }),
        };
        let now = self.clock.now();
        let existing = self.store.imported_labels(&def.id).await?;
        let mut ops = Vec::new();
        let mut changes = Vec::new();
        for row in rows {
            let mut change = RowChange {
                line: row.line,
                title: row.record.title.clone(),
                change: "create".into(),
                fields: vec![],
                label_id: None,
            };
            match existing.get(&row.key) {
                None => {
                    let (status, effects) = placed(&def, &row.record, now);
                    ops.push(ImportOp::Create { key: row.key, record: row.record, status, effects });
                }
                Some(current) => {
                    change.label_id = Some(current.id.clone());
                    change.fields = current.record.differences(&row.record);
                    if change.fields.is_empty() {
                        change.change = "unchanged".into();
                    } else {
                        change.change = "update".into();
                        // A label where its dates put it follows the new dates;
                        // one that something else moved (withdrawn, renewed)
                        // keeps its state.
                        // Replayed only when the dates change: most updates do not.
                        let dates_changed = change.fields.iter().any(|f| f.starts_with("valid_"));
                        let follows_dates = || placed(&def, &current.record, now).0 == current.status;
                        let (status, effects) = if dates_changed && follows_dates() {
                            let (status, mut effects) = placed(&def, &row.record, now);
                            effects.timers.insert(0, TimerOp::CancelAll);
                            (status, effects)
                        } else {
                            (current.status.clone(), engine::Effects::default())
                        };
                        ops.push(ImportOp::Update {
                            id: current.id.clone(),
                            version: current.version,
                            before: current.record.clone(),
                            record: row.record,
                            status,
                            effects,
                        });
                    }
                }
            }
            changes.push(change);
        }
        if dry_run || ops.is_empty() {
            return Ok(ImportReport { problems: vec![], changes, written: false });
        }
        let created = self.store.import_labels(&ops, &def.id, &def.sources, actor, now).await?;
        let mut created = created.into_iter();
        for change in changes.iter_mut().filter(|c| c.change == "create") {
            change.label_id = created.next();
        }
        Ok(ImportReport { problems: vec![], changes, written: true })
    }
}
